"""Changing incidents: status, assignee and notes, each in the timeline and the audit chain.

Every change is one ``IncidentNote`` (what the incident's page shows) and one audit
event (what proves it), written in the same transaction as the change itself. A
bulk change is all or nothing. Who may change which incident is decided by the
caller through ``observers/access.py`` (``triage_incidents_for``); these
functions only check that the values make sense.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation

from pollwatch.audit.models import record
from pollwatch.submissions.models import Incident, IncidentNote

MAX_NOTE_CHARS = 5000


class Unchanged:
    """The assignee argument's default: leave the assignee as it is (None unassigns)."""


UNCHANGED = Unchanged()


def display_name(user: User | None) -> str:
    """A staff member as the timeline names them: their name in the mission, else the username."""
    if user is None:
        return "nobody"
    person = getattr(user, "person", None)
    return person.full_name if person is not None else user.get_username()


def change(
    incident: Incident,
    actor: User,
    *,
    status: str | None = None,
    assignee: User | None | Unchanged = UNCHANGED,
    note: str = "",
) -> list[IncidentNote]:
    """Apply what differs from the incident as it is now; returns the timeline entries written.

    Raises ValueError for an unknown status or an over-long note, before anything is written.
    """
    if status is not None and status not in Incident.Status.values:
        raise ValueError(f"Status: {status!r} is not a status.")
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"Note: at most {MAX_NOTE_CHARS:,} characters, not {len(note):,}.")
    with transaction.atomic():
        # The row as committed now: two coordinators changing it at once each see the other's.
        current = Incident.objects.select_for_update().get(pk=incident.pk)
        entries = []
        if status is not None and status != current.status:
            entries.append(_status(current, actor, status))
        if not isinstance(assignee, Unchanged) and assignee != current.assignee:
            entries.append(_assignee(current, actor, assignee))
        if note:
            entries.append(_note(current, actor, note))
        if entries:
            current.save(update_fields=["status", "assignee"])
    incident.status, incident.assignee = current.status, current.assignee
    return entries


def change_many(
    incidents: Iterable[Incident],
    actor: User,
    *,
    status: str | None = None,
    assignee: User | None | Unchanged = UNCHANGED,
) -> int:
    """The same change on several incidents, all or none; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for incident in incidents:
            changed += bool(change(incident, actor, status=status, assignee=assignee))
    return changed


def _status(incident: Incident, actor: User, status: str) -> IncidentNote:
    # The note is stored: written in English, as the audit trail is, whoever's page changed it.
    with translation.override("en"):
        before = str(incident.get_status_display())
    record(
        "incident.status",
        actor=actor.get_username(),
        election_id=incident.election_id,
        obj=incident,
        payload={"from": incident.status, "to": status},
    )
    incident.status = status
    with translation.override("en"):
        after = str(incident.get_status_display())
    return IncidentNote.objects.create(
        incident=incident,
        kind=IncidentNote.Kind.STATUS,
        author=actor,
        text=f"Status: {before} → {after}",
    )


def _assignee(incident: Incident, actor: User, assignee: User | None) -> IncidentNote:
    before = incident.assignee
    record(
        "incident.assignee",
        actor=actor.get_username(),
        election_id=incident.election_id,
        obj=incident,
        payload={
            "from": before.get_username() if before else None,
            "to": assignee.get_username() if assignee else None,
        },
    )
    incident.assignee = assignee
    return IncidentNote.objects.create(
        incident=incident,
        kind=IncidentNote.Kind.ASSIGNEE,
        author=actor,
        text=f"Assigned to {display_name(assignee)}" if assignee else "Unassigned",
    )


def _note(incident: Incident, actor: User, text: str) -> IncidentNote:
    created = IncidentNote.objects.create(
        incident=incident, kind=IncidentNote.Kind.NOTE, author=actor, text=text
    )
    record(
        "incident.note",
        actor=actor.get_username(),
        election_id=incident.election_id,
        obj=incident,
        payload={"note": created.pk, "text": text},
    )
    return created
