"""Finding the form version a command acts on, with errors that list what there is."""

from __future__ import annotations

from django.core.management.base import CommandError

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election


def versions_of(election: Election, code: str) -> list[Form]:
    """Every version of the form ``code`` (any case) in ``election``, newest first; a
    CommandError naming the election's form codes when there is none."""
    versions = list(Form.objects.filter(election=election, code=code.upper()).order_by("-version"))
    if not versions:
        known = sorted(set(Form.objects.filter(election=election).values_list("code", flat=True)))
        raise CommandError(
            f"No form {code.upper()!r} in {election.slug}. Its forms: {', '.join(known) or 'none'}"
        )
    return versions


def listing(versions: list[Form]) -> str:
    return ", ".join(f"v{f.version} {f.state}" for f in versions)
