"""Shared bits of the import commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from pollwatch.elections.models import Election


def election_or_list(slug: str) -> Election:
    """The election, or a CommandError that lists the existing ones."""
    election = Election.objects.filter(slug=slug).first()
    if election is None:
        known = (
            ", ".join(Election.objects.values_list("slug", flat=True))
            or "none yet (create one with `pollwatch create-election` or the admin)"
        )
        raise CommandError(f"No election {slug!r}. Existing elections: {known}")
    return election
