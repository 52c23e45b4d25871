"""Setting up an election: create it with its contests and candidates, and say what is still missing.

One code path: ``pollwatch create-election`` and the "New election" page both
call :func:`create_election`; the setup page reads :func:`readiness`.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from pollwatch.audit.models import record
from pollwatch.elections.models import Area, Candidate, Contest, Election, PollingStation
from pollwatch.observers.models import Deployment, Membership, Mission, Role

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class CandidateSpec:
    code: str
    name: str
    party: str = ""
    colour: str = "#777777"


@dataclass
class ContestSpec:
    name: str
    candidates: list[CandidateSpec] = field(default_factory=list)


def check_colour(value: str) -> str:
    """A colour as #rrggbb (lower case); ValidationError naming the value otherwise."""
    if not COLOUR.match(value or ""):
        raise ValidationError(
            _("colour %(value)s is not #rrggbb (e.g. #1f77b4)") % {"value": repr(value)}
        )
    return value.lower()


def check_time_zone(value: str) -> str:
    """An IANA time zone name such as Asia/Baku; ValidationError naming the value otherwise."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a time zone name such as Asia/Baku") % {"value": repr(value)}
        ) from None
    return value


def check_candidates(candidates: list[CandidateSpec]) -> list[str]:
    """Problems with a contest's candidates, each naming the code at fault."""
    problems = []
    seen: set[str] = set()
    for candidate in candidates:
        if not candidate.code or not candidate.name:
            problems.append(
                f"candidate {candidate.code or candidate.name!r} needs a code and a name"
            )
        if candidate.code in seen:
            problems.append(f"candidate code {candidate.code!r} is given twice")
        seen.add(candidate.code)
        if not COLOUR.match(candidate.colour or ""):
            problems.append(
                f"candidate {candidate.code!r}: colour {candidate.colour!r} is not #rrggbb"
            )
    return problems


def create_election(
    *,
    name: str,
    date: datetime.date,
    slug: str,
    kind: str = Election.Kind.PRESIDENTIAL,
    country: str = "",
    time_zone: str = "UTC",
    mission: str = "",
    mission_kind: str = Mission.Kind.DOMESTIC,
    contests: list[ContestSpec] | None = None,
    actor: str = "",
) -> Election:
    """The election, its observation mission and its contests (one named after the election when
    none is given); ValueError naming the slug, time zone or candidate at fault."""
    if Election.objects.filter(slug=slug).exists():
        raise ValueError(f"An election {slug!r} exists already")
    try:
        check_time_zone(time_zone)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None
    contests = contests or [ContestSpec(name=name)]
    problems = [p for contest in contests for p in check_candidates(contest.candidates)]
    if problems:
        raise ValueError("; ".join(problems))
    with transaction.atomic():
        election = Election.objects.create(
            slug=slug,
            name=name,
            date=date,
            kind=kind,
            country_code=country.upper(),
            time_zone=time_zone,
        )
        for spec in contests:
            contest = Contest.objects.create(election=election, name=spec.name)
            save_candidates(contest, spec.candidates)
        Mission.objects.create(
            election=election,
            name=mission or f"{election.name} observation mission",
            kind=mission_kind,
        )
        record(
            "election.created",
            actor=actor,
            election_id=election.pk,
            obj=election,
            payload={
                "slug": slug,
                "date": date.isoformat(),
                "contests": {c.name: [x.code for x in c.candidates] for c in contests},
            },
        )
    return election


def save_candidates(contest: Contest, candidates: list[CandidateSpec]) -> None:
    """Replace the contest's candidates with ``candidates``, in ballot order."""
    contest.candidates.all().delete()
    Candidate.objects.bulk_create(
        Candidate(
            contest=contest,
            code=c.code,
            name=c.name,
            party=c.party,
            colour=c.colour.lower(),
            ballot_order=order,
        )
        for order, c in enumerate(candidates, start=1)
    )


# Readiness: the setup steps in order, each with its status.


def _listed(first: str, second: str) -> str:
    """Two parts of a step's detail, with the language's comma."""
    return pgettext("two parts of a list", "%(first)s, %(second)s") % {
        "first": first,
        "second": second,
    }


@dataclass
class Step:
    key: str
    title: str
    done: bool
    detail: str
    missing: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)


def readiness(election: Election) -> list[Step]:
    """What is set up and what is still missing before election day, in the order to do it, in
    the language of the request (the setup page)."""
    from pollwatch.checklists.models import Form
    from pollwatch.results.models import SampleDesign, SampledStation

    slug = election.slug
    steps = []
    candidates = Candidate.objects.filter(contest__election=election).count()
    contests = election.contests.count()
    country = election.country_code or _("no country")
    steps.append(
        Step(
            "details",
            _("Election details"),
            candidates > 0,
            _("%(date)s, %(country)s, %(time_zone)s; %(ballot)s")
            % {
                "date": election.date,
                "country": country,
                "time_zone": election.time_zone,
                "ballot": _listed(
                    ngettext("%(n)s contest", "%(n)s contests", contests) % {"n": contests},
                    ngettext("%(n)s candidate", "%(n)s candidates", candidates) % {"n": candidates},
                ),
            },
            "" if candidates else _("no candidate on the ballot yet"),
            [(_("Edit the ballot"), f"/e/{slug}/setup/ballot/")],
        )
    )
    areas = Area.objects.filter(election=election).count()
    stations = PollingStation.objects.filter(election=election).count()
    if not areas and not stations:
        to_import = _("import the geography and stations")
    elif not areas:
        to_import = _("import the geography")
    elif not stations:
        to_import = _("import the stations")
    else:
        to_import = ""
    steps.append(
        Step(
            "stations",
            _("Geography and polling stations"),
            areas > 0 and stations > 0,
            _listed(
                ngettext("%(n)s area", "%(n)s areas", areas) % {"n": areas},
                ngettext("%(n)s station", "%(n)s stations", stations) % {"n": stations},
            ),
            to_import,
            [(_("Imports"), f"/e/{slug}/imports/")],
        )
    )
    live = Form.objects.filter(election=election, state="live").count()
    steps.append(
        Step(
            "forms",
            _("Observation forms"),
            live > 0,
            ngettext("%(n)s live form", "%(n)s live forms", live) % {"n": live},
            "" if live else _("no live form: install the defaults or upload yours"),
            [(_("Forms"), f"/e/{slug}/forms/")],
        )
    )
    design = SampleDesign.objects.filter(election=election).first()
    sampled_ids: set[int] = set()
    if design is not None and design.source == SampleDesign.Source.IMPORTED:
        sampled_ids = set(
            design.stations.filter(role=SampledStation.Role.SAMPLED).values_list(
                "station_id", flat=True
            )
        )
        reserves = design.stations.filter(role=SampledStation.Role.RESERVE).count()
        counts = _listed(
            ngettext(
                "%(sampled)s sampled, %(reserves)s reserve station",
                "%(sampled)s sampled, %(reserves)s reserve stations",
                reserves,
            )
            % {"sampled": len(sampled_ids), "reserves": reserves},
            ngettext("%(strata)s stratum", "%(strata)s strata", len(design.strata))
            % {"strata": len(design.strata)},
        )
        if design.parameters.get("seed"):
            counts = _listed(counts, _("seed %(seed)s") % {"seed": design.parameters["seed"]})
        sample = Step(
            "sample",
            _("Station sample"),
            bool(sampled_ids),
            f"{design.get_method_display()}: {counts}",
            "" if sampled_ids else _("the recorded design lists no sampled station"),
        )
    elif design is not None and design.confirmed:
        sample = Step(
            "sample",
            _("Station sample"),
            True,
            _("inferred from the deployments and confirmed by %(name)s")
            % {"name": design.confirmed_by.get_username() if design.confirmed_by else _("someone")},
        )
    else:
        sample = Step(
            "sample",
            _("Station sample"),
            False,
            _("no sample drawn or imported"),
            _(
                "draw the sample or upload one; without it the quick count infers the design "
                "from the deployments"
            ),
        )
    sample.links = [(_("Draw or upload the sample"), f"/e/{slug}/sample/draw/")]
    steps.append(sample)
    observers = Membership.objects.filter(election=election, role=Role.OBSERVER).count()
    deployed = (
        Membership.objects.filter(election=election, role=Role.OBSERVER)
        .annotate(n=Count("deployments", filter=Q(deployments__reserve=False)))
        .filter(n__gt=0)
        .count()
    )
    covered = set(
        Deployment.objects.filter(
            membership__election=election, station_id__in=sampled_ids, reserve=False
        ).values_list("station_id", flat=True)
    )
    gaps = []
    if not observers:
        gaps.append(_("import the observers"))
    elif deployed < observers:
        idle = observers - deployed
        gaps.append(
            ngettext("%(n)s observer has no station", "%(n)s observers have no station", idle)
            % {"n": idle}
        )
    if sampled_ids and len(covered) < len(sampled_ids):
        uncovered = len(sampled_ids) - len(covered)
        gaps.append(
            ngettext(
                "%(n)s sampled station has no observer",
                "%(n)s sampled stations have no observer",
                uncovered,
            )
            % {"n": uncovered}
        )
    observed = ngettext(
        "%(n)s observer, %(deployed)s deployed", "%(n)s observers, %(deployed)s deployed", observers
    ) % {"n": observers, "deployed": deployed}
    if sampled_ids:
        observed = _listed(
            observed,
            _("%(share)s of sampled stations have an observer")
            % {"share": f"{len(covered) / len(sampled_ids):.0%}"},
        )
    steps.append(
        Step(
            "observers",
            _("Observers imported and deployed"),
            observers > 0 and not gaps,
            observed,
            pgettext("two clauses", "%(first)s; %(second)s") % {"first": gaps[0], "second": gaps[1]}
            if len(gaps) == 2
            else "".join(gaps),
            [(_("Imports"), f"/e/{slug}/imports/"), (_("Deployments"), f"/e/{slug}/deployments/")],
        )
    )
    staff = (
        Membership.objects.filter(election=election, person__user__isnull=False)
        .exclude(role=Role.OBSERVER)
        .values("person")
        .distinct()
        .count()
    )
    steps.append(
        Step(
            "staff",
            _("Staff accounts"),
            staff > 0,
            ngettext(
                "%(n)s staff member with an account", "%(n)s staff members with an account", staff
            )
            % {"n": staff},
            "" if staff else _("invite the coordinators, analysts and data clerks"),
            [(_("Staff"), f"/e/{slug}/staff/")],
        )
    )
    return steps
