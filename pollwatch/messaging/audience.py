"""Who a composed message goes to: filters read from the compose form, checked, and turned
into recipients within the sender's reach.

Filters (all optional, combined with AND):

``roles``           observer (the default), supervisor, coordinator …
``area``            an area's id: people bound to it or deployed at a station inside it
``team``            a team's id
``not_reported``    a form's code: observers who have not sent it from their station
``phase``           a phase ("opening", "closing" …, or "any"): deployed observers who have
                    sent no form of it — Coverage's "silent observers"
``silent_minutes``  nothing received from the person in the last N minutes (or ever)
``codes``           person codes, one per line or separated by commas (a pasted list)
``audience``        a saved audience's id: its filters, with any given here on top
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area
from pollwatch.messaging.models import Audience, OptOut
from pollwatch.observers.access import Access, people_for
from pollwatch.observers.models import Deployment, Membership, Person, Role, Team

CODES_MAX = 20_000


@dataclass
class Filters:
    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def read_filters(data: Any, access: Access) -> Filters:
    """The compose form's filters, checked; each problem names its field."""
    election = access.election
    out = Filters()
    saved = _one(data, "audience")
    if saved:
        audience = Audience.objects.filter(election=election, pk=_int(saved) or 0).first()
        if audience is None:
            out.problems["audience"] = f"no saved audience {saved!r} in this election"
        else:
            out.values.update(audience.filters)
            out.values["audience"] = audience.pk
    roles = [r for r in _many(data, "roles") if r]
    if roles:
        unknown = [r for r in roles if r not in Role.values]
        if unknown:
            out.problems["roles"] = f"unknown role {unknown[0]!r}: one of {', '.join(Role.values)}"
        else:
            out.values["roles"] = sorted(set(roles))
    out.values.setdefault("roles", [Role.OBSERVER.value])
    area = _one(data, "area")
    if area:
        found = Area.objects.filter(election=election, pk=_int(area) or 0).first()
        if found is None:
            out.problems["area"] = f"no area {area!r} in this election"
        elif not access.mission_wide and not any(
            found.path.startswith(path) for path in access.supervised_paths
        ):
            out.problems["area"] = f"{found.name} is outside the areas you supervise"
        else:
            out.values["area"] = found.pk
    team = _one(data, "team")
    if team:
        if not Team.objects.filter(election=election, pk=_int(team) or 0).exists():
            out.problems["team"] = f"no team {team!r} in this election"
        else:
            out.values["team"] = _int(team)
    form = _one(data, "not_reported")
    if form:
        if not Form.objects.filter(election=election, code=form, active=True).exists():
            out.problems["not_reported"] = f"no form {form!r} in this election"
        else:
            out.values["not_reported"] = form
    phase = _one(data, "phase")
    if phase:
        phases = set(
            Form.objects.filter(election=election, active=True).values_list("phase", flat=True)
        )
        if phase != "any" and phase not in phases:
            known = ", ".join(sorted(p for p in phases if p != "any")) or "none"
            out.problems["phase"] = f"no phase {phase!r} in this election's forms ({known})"
        else:
            out.values["phase"] = phase
    silent = _one(data, "silent_minutes")
    if silent:
        minutes = _int(silent)
        if minutes is None or not 1 <= minutes <= 7 * 24 * 60:
            out.problems["silent_minutes"] = (
                f"{silent!r} is not a number of minutes between 1 and 10080"
            )
        else:
            out.values["silent_minutes"] = minutes
    codes_text = _one(data, "codes")
    if codes_text:
        codes = [c for c in re.split(r"[\s,;]+", codes_text) if c]
        if len(codes) > CODES_MAX:
            out.problems["codes"] = f"{len(codes):,} codes; at most {CODES_MAX:,} at once"
        else:
            out.values["codes"] = codes
    return out


def describe(values: dict[str, Any], election_id: int) -> str:
    """The filters in words, for the broadcast's record and the preview."""
    parts = [" and ".join(values.get("roles", ["observer"])) + "s"]
    if "area" in values:
        area = Area.objects.filter(pk=values["area"]).first()
        parts.append(f"in {area.name if area else values['area']}")
    if "team" in values:
        team = Team.objects.filter(pk=values["team"]).first()
        parts.append(f"of team {team.name if team else values['team']}")
    if "not_reported" in values:
        parts.append(f"who have not sent {values['not_reported']}")
    if "phase" in values:
        what = "any form" if values["phase"] == "any" else f"any {values['phase']} form"
        parts.append(f"who have not sent {what}")
    if "silent_minutes" in values:
        parts.append(f"silent for {values['silent_minutes']} minutes")
    if "codes" in values:
        parts.append(f"among {len(values['codes'])} listed codes")
    return " ".join(parts)


@dataclass(frozen=True)
class Recipient:
    person_id: int
    code: str
    name: str
    phone: str
    language: str
    station: str = ""
    station_name: str = ""

    def values(self, election_name: str) -> dict[str, str]:
        return {
            "name": self.name,
            "first_name": self.name.split()[0] if self.name.split() else "",
            "code": self.code,
            "station": self.station,
            "station_name": self.station_name,
            "election": election_name,
        }


@dataclass
class Selection:
    recipients: list[Recipient]
    left_out: dict[str, int]


def people(access: Access, values: dict[str, Any]) -> QuerySet[Person]:
    """The people the filters choose, within the user's reach."""
    election = access.election
    memberships = Membership.objects.filter(
        election=election, person=OuterRef("pk"), role__in=values.get("roles", [Role.OBSERVER])
    )
    if "team" in values:
        memberships = memberships.filter(team_id=values["team"])
    if "area" in values:
        path = Area.objects.get(pk=values["area"]).path
        memberships = memberships.filter(
            Q(area__path__startswith=path) | Q(deployments__station__area_path__startswith=path)
        )
    chosen = people_for(access).filter(Exists(memberships))
    if "not_reported" in values:
        from pollwatch.submissions.models import Submission

        sent = Submission.objects.filter(
            election=election,
            observer__person=OuterRef("pk"),
            form__code=values["not_reported"],
        ).exclude(status=Submission.Status.REJECTED)
        deployed = Deployment.objects.filter(
            membership__election=election,
            membership__person=OuterRef("pk"),
            membership__role=Role.OBSERVER,
            reserve=False,
        )
        chosen = chosen.filter(Exists(deployed)).exclude(Exists(sent))
    if "phase" in values:
        from pollwatch.submissions.models import Submission

        forms = Form.objects.filter(election=election, active=True)
        if values["phase"] != "any":
            forms = forms.filter(phase=values["phase"])
        sent_any = Submission.objects.filter(
            election=election, observer__person=OuterRef("pk"), form__in=forms
        ).exclude(status=Submission.Status.REJECTED)
        on_duty = Deployment.objects.filter(
            membership__election=election,
            membership__person=OuterRef("pk"),
            membership__role=Role.OBSERVER,
            reserve=False,
        )
        chosen = chosen.filter(Exists(on_duty)).exclude(Exists(sent_any))
    if "silent_minutes" in values:
        from pollwatch.submissions.models import Inbound

        since = timezone.now() - timedelta(minutes=values["silent_minutes"])
        heard = Inbound.objects.filter(person=OuterRef("pk"), received_at__gte=since)
        chosen = chosen.exclude(Exists(heard))
    if "codes" in values:
        chosen = chosen.filter(code__in=values["codes"])
    return chosen


def select(access: Access, values: dict[str, Any]) -> Selection:
    """The recipients (one per person, their primary phone) and how many were left out, by reason."""
    rows = list(
        people(access, values)
        .order_by("code")
        .values_list("pk", "code", "full_name", "phone", "language")
    )
    stations: dict[int, tuple[str, str]] = {}
    for person_id, code, name in (
        Deployment.objects.filter(
            membership__election=access.election, membership__person_id__in=[r[0] for r in rows]
        )
        .order_by("reserve", "station__code")
        .values_list("membership__person_id", "station__code", "station__name")
        .iterator(chunk_size=5000)
    ):
        stations.setdefault(person_id, (code, name))
    opted_out = set(OptOut.objects.values_list("phone", flat=True))
    left_out = {"no phone": 0, "opted out": 0}
    recipients = []
    for pk, code, name, phone, language in rows:
        if not phone:
            left_out["no phone"] += 1
            continue
        if phone in opted_out:
            left_out["opted out"] += 1
            continue
        station, station_name = stations.get(pk, ("", ""))
        recipients.append(Recipient(pk, code, name, phone, language, station, station_name))
    return Selection(recipients, {k: v for k, v in left_out.items() if v})


def _one(data: Any, key: str) -> str:
    value = data.get(key, "") if hasattr(data, "get") else ""
    return value.strip() if isinstance(value, str) else str(value)


def _many(data: Any, key: str) -> list[str]:
    if hasattr(data, "getlist"):
        return [v.strip() for v in data.getlist(key)]
    value = data.get(key, []) if hasattr(data, "get") else []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
