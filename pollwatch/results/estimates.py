"""Our own estimates from what observers sent: the quick count from PVT result forms, the exit poll from tallies.

Gathers plain arrays from the database and hands them to the pure core
(``pollwatch.stats``); nothing statistical is computed here.

The sample comes from the recorded design (``pollwatch.results.design``):
an imported one gives each sampled station its stratum and weight 1/π (PPS
included), and an unusable one stops the estimate with the reason. Without
an imported design the sample is inferred, as a stratified SRS: the
stations observers were deployed to (not as reserve), plus any reserve
station whose result arrived (a reserve is drawn from the same stratum and
replaces a sampled station that could not be reached); strata are the
stations file's, else the areas at the election's sample strata level, else
— said in a warning, never silently — each station's own area; N_h is the
number of frame stations of each stratum. The page shows an inferred design
as such until a person confirms it. Which form counts at a
station is one rule, ``Submission.objects.counted``: the latest complete
form, verified or not, unless a coordinator rejected or quarantined it; a
partial form (accepted with problems) only when the station has no complete
one. The quick count is shown with those partial forms (the headline) and
without them, with the number of stations that count through one.

Results are kept with the version of the submissions they were computed
from (``pollwatch.results.freshness``): a dashboard refreshing every few
seconds does not redo the work, and a new result form is reflected within
a refresh or two.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area, Candidate, Election, PollingStation
from pollwatch.observers.models import Deployment
from pollwatch.results.design import describe, design_version, recorded_sample
from pollwatch.results.freshness import fresh
from pollwatch.results.models import OfficialResult, SampleDesign, SampledStation
from pollwatch.stats.calls import ContestRules
from pollwatch.stats.exitpoll import exit_poll
from pollwatch.stats.figures import (
    FigureSettings,
    QuickCountInputs,
    quick_count_figures,
    strata_from_sample,
)
from pollwatch.stats.quickcount import StrataFrame, cell_sizes, shown_categories
from pollwatch.stats.words import Sentence, say
from pollwatch.submissions.models import CountedForm, Submission

# The key changes with every finished import, so the frame can be kept long.
FRAME_TTL = 24 * 3600
# A region whose reported share of sampled stations is below this fraction of the
# national one is flagged as under-reported (newly included territories often are).
UNDER_REPORTED_RATIO = 0.75


@dataclass
class Frame:
    """The sampling frame in brief: stations per stratum, and the regions.

    Strata are, in this order: the stations' own ``stratum`` when the stations
    file gave one (the strata the sample was drawn in); the areas at
    ``Election.sample_strata_level`` when the sample was stratified by a level
    of the geography; else each station's own area.
    """

    population: dict[str, int]
    regions: dict[str, dict[str, Any]]
    stations: int
    level: int | None
    by_station_stratum: bool = False

    def strata_rule(self) -> tuple[Sentence, bool]:
        """Where the strata come from, in words, and whether that is known (not a fallback)."""
        if self.by_station_stratum:
            return say("web.strata.stations_file", "the stations file's stratum column"), True
        if self.level is not None:
            return (
                say(
                    "web.strata.level",
                    f"the areas at level {self.level} of the geography (the election's sample "
                    "strata level)",
                    level=self.level,
                ),
                True,
            )
        return (
            say(
                "web.strata.unknown",
                "unknown: each station's own (lowest) area stands in for its stratum",
            ),
            False,
        )

    def stratum_of(self, area_path: str, station_stratum: str = "") -> str:
        if self.by_station_stratum:
            return station_stratum
        codes = area_path.strip("/").split("/")
        if self.level is None:
            return codes[-1]
        return codes[min(self.level, len(codes)) - 1]


def region_code(area_path: str) -> str:
    return area_path.strip("/").split("/")[0]


def frame_for(election: Election) -> Frame:
    """Stations per stratum (cached until the next import) and the top-level regions."""
    level = election.sample_strata_level
    key = f"frame:{election.pk}:{level}:{election.imports.filter(status='done').count()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    by_station_stratum = (
        PollingStation.objects.filter(election=election).exclude(stratum="").exists()
    )
    if by_station_stratum:
        population = dict(
            PollingStation.objects.filter(election=election)
            .order_by()
            .values_list("stratum")
            .annotate(n=Count("pk"))
        )
    elif level is not None:
        # The importer keeps each area's station count over its whole subtree.
        population = dict(
            Area.objects.filter(election=election, level=level, station_count__gt=0).values_list(
                "code", "station_count"
            )
        )
    else:
        codes = dict(Area.objects.filter(election=election).values_list("pk", "code"))
        population = {
            codes[area_id]: count
            for area_id, count in PollingStation.objects.filter(election=election)
            .order_by()
            .values_list("area_id")
            .annotate(n=Count("pk"))
        }
    regions = {
        area.code: {
            "code": area.code,
            "name": area.name,
            "newly_included": area.newly_included,
            "stations": area.station_count,
            "boundary": area.boundary,
        }
        for area in Area.objects.filter(election=election, level=1)
    }
    frame = Frame(population, regions, sum(population.values()), level, by_station_stratum)
    cache.set(key, frame, FRAME_TTL)
    return frame


def candidates_for(election: Election) -> list[Candidate]:
    """The candidates of the election's first contest, in ballot order (the PVT form's questions)."""
    contest = election.contests.order_by("pk").first()
    return list(contest.candidates.order_by("ballot_order")) if contest else []


def candidate_rows(candidates: list[Candidate]) -> list[dict[str, str]]:
    """The candidates as the figures carry them (code, name, party, colour)."""
    return [
        {"code": c.code, "name": c.name, "party": c.party, "colour": c.colour} for c in candidates
    ]


def counted_per_station(
    election: Election, kind: str, *, form_code: str | None = None
) -> dict[int, CountedForm]:
    """station id -> (answers, created, complete) of the form that counts there.

    The rule lives on the model (``Submission.objects.counted``); this is its
    election-scoped spelling, kept for the callers that import it from here.
    """
    return Submission.objects.filter(election=election).counted(kind, form_code=form_code)


def submissions_fingerprint(election: Election, kind: str) -> str:
    latest = Submission.objects.filter(election=election, form__kind=kind).aggregate(
        last=Max("updated"), count=Count("pk")
    )
    stamp = latest["last"].timestamp() if latest["last"] else 0
    return f"{stamp:.6f}-{latest['count']}"


@dataclass
class Sample:
    """The sampled stations with their strata and regions, and the design they come from.

    ``weight`` and ``population`` are the imported design's (1/π and N_h),
    None for the inferred design (N_h/n_h over the frame's strata).
    ``registered`` and ``newly_included`` are the stations' frame variables,
    read with them (the similarity key and the early-vs-late table).
    ``problems`` non-empty: the design cannot be used and nothing is estimated.
    """

    station_ids: np.ndarray
    strata: np.ndarray
    regions: np.ndarray
    registered: np.ndarray
    newly_included: np.ndarray
    codes: list[str] = field(default_factory=list)
    weight: np.ndarray | None = None
    population: dict[str, int] | None = None
    design: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cells: np.ndarray | None = None
    calibrate_by: tuple[str, ...] = ()

    def cell_sizes(self) -> dict[tuple[str, str], float] | None:
        """Stations per (stratum, category) as Σ 1/π of the sampled stations: the weighting classes.

        The design's own estimate of each cell's frame size, so that a
        reporting station stands for the sampled stations of its category
        that have not reported (exact in expectation for any design; the
        frame itself is not needed). None without calibration.
        """
        if self.cells is None or self.weight is None:
            return None
        # not rounded: a rounded size could make a cell look fully reported
        return cell_sizes(self.strata, self.cells, self.weight)


UNKNOWN_STRATA = Sentence(
    "web.design.unknown_strata",
    "Strata unknown: no sample design was imported, the stations carry no stratum and the "
    "election names no sample strata level, so each station's own (lowest) area stands in for "
    "its stratum. If the sample was drawn by a coarser level, most areas have no sampled station "
    "and the estimate covers only part of the country. Import the design (pollwatch "
    "import-sample) or set the election's sample strata level.",
)


def sample_for(election: Election, reported_ids: set[int]) -> Sample:
    """The sampled stations: the imported design's, else inferred from the deployments (module docstring)."""
    frame = frame_for(election)
    design = SampleDesign.objects.filter(election=election).select_related("confirmed_by").first()
    rule, known = frame.strata_rule()
    described = describe(design, rule, known)
    if design is not None and design.source == SampleDesign.Source.IMPORTED:
        return _imported_sample(design, reported_ids, described)
    rows = (
        Deployment.objects.filter(membership__election=election)
        .values_list(
            "station_id",
            "station__stratum",
            "station__area_path",
            "station__code",
            "station__registered_voters",
            "station__newly_included",
            "reserve",
        )
        .distinct()
    )
    seen: dict[int, tuple[str, str, str, int, bool]] = {}
    for station_id, stratum, path, code, voters, newly, reserve in rows:
        if reserve and station_id not in reported_ids:
            continue
        seen[station_id] = (frame.stratum_of(path, stratum), region_code(path), code, voters, newly)
    ids = sorted(seen)
    return Sample(
        np.array(ids, dtype=np.int64),
        np.array([seen[i][0] for i in ids], dtype=object),
        np.array([seen[i][1] for i in ids], dtype=object),
        np.array([seen[i][3] for i in ids], dtype=np.float64),
        np.array([seen[i][4] for i in ids], dtype=bool),
        [seen[i][2] for i in ids],
        design=described,
        notes=[] if known else [UNKNOWN_STRATA],
    )


def _imported_sample(design: SampleDesign, reported_ids: set[int], described: dict) -> Sample:
    recorded = recorded_sample(design, reported_ids)
    places = {
        pk: (path, code, voters, newly)
        for pk, path, code, voters, newly in PollingStation.objects.filter(
            pk__in=recorded.station_ids
        ).values_list("pk", "area_path", "code", "registered_voters", "newly_included")
    }
    ids = recorded.station_ids
    return Sample(
        np.array(ids, dtype=np.int64),
        np.array(recorded.strata, dtype=object),
        np.array([region_code(places[i][0]) for i in ids], dtype=object),
        np.array([places[i][2] for i in ids], dtype=np.float64),
        np.array([places[i][3] for i in ids], dtype=bool),
        [places[i][1] for i in ids],
        weight=np.array(recorded.weights, dtype=np.float64),
        population=recorded.population,
        design=described,
        notes=recorded.notes,
        problems=recorded.problems,
        cells=np.array(recorded.cells, dtype=object) if design.calibrate_by else None,
        calibrate_by=tuple(design.calibrate_by or ()),
    )


def _count(answers: dict, code: str) -> float:
    value = answers.get(code)
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan
    )


def quick_count_for(election: Election, *, confidence: float = 0.95) -> dict[str, Any]:
    """The quick count as JSON-ready dict (the core's ``as_dict()`` plus what the dashboard shows)."""
    # The design is in the key, not only the version: figures of another design are never
    # served while the new ones are computed (only figures of older forms are).
    design = design_version(election)
    return fresh(
        f"qc:{election.pk}:{confidence}:{design}",
        submissions_fingerprint(election, Form.Kind.RESULTS) + ":" + design,
        lambda: _compute_quick_count(election, confidence),
    )


@dataclass
class SampleReports:
    """The quick count's per-station inputs, aligned over the sampled stations (``sample``).

    ``usable`` marks the stations whose counted form carries every
    candidate's votes: exactly the stations the quick count estimates from.
    Read by the official-results comparison, which must test against the
    same data the quick count used (``pollwatch.results.official``).
    """

    sample: Sample
    codes: list[str]
    votes: dict[str, np.ndarray]
    registered: np.ndarray
    invalid: np.ndarray
    reported: np.ndarray
    usable: np.ndarray
    partial_form: np.ndarray
    arrival: np.ndarray
    population: StrataFrame
    received: int

    def figure_inputs(self) -> QuickCountInputs:
        """The pure core's inputs (``pollwatch.stats.figures``): the same arrays the CLI builds from files."""
        usable = self.usable
        has_totals = bool(np.all(np.isfinite(self.registered[usable]))) and bool(
            np.all(np.isfinite(self.invalid[usable]))
        )
        return QuickCountInputs(
            stratum=self.sample.strata,
            votes=self.votes,
            population=self.population,
            reported=usable,
            registered=self.registered if has_totals else None,
            invalid=self.invalid if has_totals else None,
            weight=self.sample.weight,
            region=self.sample.regions.astype(str),
            arrival=self.arrival,
            partial=self.partial_form,
            cell=self.sample.cells,
            cell_sizes=self.sample.cell_sizes(),
            calibrated_by=self.sample.calibrate_by,
            compare={
                "registered voters (frame)": self.sample.registered,
                "newly included territory": np.where(self.sample.newly_included, "yes", "no"),
                **(
                    {" × ".join(self.sample.calibrate_by): shown_categories(self.sample.cells)}
                    if self.sample.cells is not None
                    else {}
                ),
            },
        )


def sample_reports(election: Election) -> SampleReports:
    """The sampled stations with the counts of the form that counts at each (see :class:`SampleReports`)."""
    frame = frame_for(election)
    codes = [c.code for c in candidates_for(election)]
    results = counted_per_station(election, Form.Kind.RESULTS)
    sample = sample_for(election, set(results))
    sampled_ids = sample.station_ids.tolist()
    reported = np.array([sid in results for sid in sampled_ids], dtype=bool)
    forms = [results.get(sid) for sid in sampled_ids]
    answers = [form.answers if form else {} for form in forms]
    partial_form = np.array([form is not None and not form.complete for form in forms])
    votes = {code: np.array([_count(a, code) for a in answers]) for code in codes}
    # A counted form without every candidate's votes cannot enter the ratio (the warning says why).
    usable = (
        reported & np.all(np.isfinite(np.column_stack(list(votes.values()))), axis=1)
        if codes
        else np.zeros(len(sampled_ids), dtype=bool)
    )
    return SampleReports(
        sample=sample,
        codes=codes,
        votes=votes,
        registered=np.array([_count(a, "RV") for a in answers]),
        invalid=np.array([_count(a, "IN") for a in answers]),
        reported=reported,
        usable=usable,
        partial_form=partial_form,
        arrival=np.array([form.created.timestamp() if form else np.inf for form in forms]),
        population=strata_from_sample(
            sample.population or frame.population, sample.strata, sample.regions, sample.registered
        ),
        received=len(results),
    )


def _compute_quick_count(election: Election, confidence: float) -> dict[str, Any]:
    frame = frame_for(election)
    candidates = candidates_for(election)
    inputs = sample_reports(election)
    sample = inputs.sample
    codes = inputs.codes
    base: dict[str, Any] = {
        "candidates": candidate_rows(candidates),
        "sampled": len(sample.station_ids),
        "received": inputs.received,
        "frame_stations": frame.stations,
        "confidence": confidence,
    }
    base["sample_design"] = sample.design
    if sample.problems:
        problems = "; ".join(sample.problems[:5])
        reason = say(
            "web.qc.unusable_design",
            "the recorded sample design cannot be used: " + problems,
            problems=problems,
        )
        return {**base, "available": False, "reason": reason}
    if not codes or len(sample.station_ids) == 0:
        reason = Sentence("web.qc.no_sample", "no sample or no candidates yet")
        return {**base, "available": False, "reason": reason}
    contest = election.contests.order_by("pk").first()
    settings = FigureSettings(
        rules=contest.call_rules() if contest else ContestRules(),
        confidence=confidence,
        convergence_batch=max(5, int(inputs.usable.sum()) // 40),
    )
    figures = quick_count_figures(inputs.figure_inputs(), settings)
    out = {**base, "available": True, **figures}
    out["warnings"].extend(sample.notes)
    out["warnings"].extend(
        _missing_votes_warnings(
            codes, inputs.votes, inputs.reported & ~inputs.usable, inputs.partial_form
        )
    )
    out["coverage"] = _coverage(frame, sample, inputs.usable, inputs.population)
    return out


def _missing_votes_warnings(
    codes: list[str], votes: dict[str, np.ndarray], left_out: np.ndarray, partial_form: np.ndarray
) -> list[str]:
    """Why counted forms are left out: a partial form's unreadable counts, or a form that never asked."""
    warnings: list[str] = []
    for partial, key, why in (
        (
            True,
            "web.qc.partial_without_votes",
            "are partial forms (accepted with problems) that lack the votes of {}: "
            "they wait for a correction of those counts",
        ),
        (
            False,
            "web.qc.complete_without_votes",
            "passed validation but lack the votes of {}: "
            "was a candidate added after the form was installed?",
        ),
    ):
        which = left_out & (partial_form == partial)
        if not which.any():
            continue
        missing = sorted(
            {
                code
                for index in np.flatnonzero(which)
                for code in codes
                if not np.isfinite(votes[code][index])
            }
        )
        warnings.append(
            say(
                key,
                f"{int(which.sum())} counted result form(s) "
                + why.format(", ".join(missing))
                + "; they are left out of the estimate.",
                count=int(which.sum()),
                codes=missing,
            )
        )
    return warnings


def _coverage(
    frame: Frame, sample: Sample, reported: np.ndarray, population: dict[str, int]
) -> dict[str, Any]:
    """Sampled and reported stations per region and per stratum, with under-reporting warnings."""
    per_region: dict[str, dict[str, int]] = defaultdict(lambda: {"sampled": 0, "reported": 0})
    per_stratum: dict[str, dict[str, int]] = defaultdict(lambda: {"sampled": 0, "reported": 0})
    for region, stratum, done in zip(
        sample.regions.tolist(), sample.strata.tolist(), reported.tolist(), strict=True
    ):
        per_region[region]["sampled"] += 1
        per_region[region]["reported"] += int(done)
        per_stratum[stratum]["sampled"] += 1
        per_stratum[stratum]["reported"] += int(done)
    national = reported.mean() if len(reported) else 0.0
    rows = []
    for code, info in sorted(frame.regions.items()):
        counts = per_region.get(code, {"sampled": 0, "reported": 0})
        share = counts["reported"] / counts["sampled"] if counts["sampled"] else 0.0
        under = bool(
            counts["sampled"] == 0 or (national > 0 and share < UNDER_REPORTED_RATIO * national)
        )
        rows.append(
            {
                "code": code,
                "name": info["name"],
                "newly_included": info["newly_included"],
                "stations": info["stations"],
                **counts,
                "share": share,
                "under_reported": under,
            }
        )
    strata_without_sample = [area for area in population if area not in per_stratum]
    strata_without_report = [
        area for area, counts in per_stratum.items() if counts["reported"] == 0
    ]
    warnings: list[str] = []
    for row in rows:
        if row["sampled"] == 0:
            warnings.append(
                say(
                    "web.qc.region_not_sampled",
                    f"{row['name']}: no sampled station — the estimate does not cover it.",
                    name=row["name"],
                )
            )
        elif row["under_reported"]:
            new = row["newly_included"]
            warnings.append(
                say(
                    "web.qc.new_region_under_reported" if new else "web.qc.region_under_reported",
                    f"{row['name']}{' (newly included)' if new else ''}: "
                    f"only {row['reported']} of {row['sampled']} sampled stations reported "
                    f"({100 * row['share']:.0f} % against {100 * national:.0f} % nationally).",
                    name=row["name"],
                    reported=row["reported"],
                    sampled=row["sampled"],
                    share=float(row["share"]),
                    national=float(national),
                )
            )
    return {
        "regions": rows,
        "national_share": float(national),
        "strata": len(population),
        "strata_sampled": len(per_stratum),
        "strata_without_sample": len(strata_without_sample),
        "strata_without_report": len(strata_without_report),
        "stations_in_unreported_strata": int(
            sum(population.get(a, 0) for a in strata_without_sample + strata_without_report)
        ),
        "warnings": warnings,
    }


def exit_poll_for(election: Election, *, confidence: float = 0.95) -> dict[str, Any]:
    """Our exit poll from the interview tallies (form EP) at the planned exit-poll stations.

    Its version also follows the design (the planned stations), the result
    forms and the official results (the voters who came, V_i).
    """
    from pollwatch.results.official import official_version

    design = design_version(election)
    return fresh(
        f"ep:{election.pk}:{confidence}:{design}",
        ":".join(
            (
                submissions_fingerprint(election, Form.Kind.EXITPOLL),
                submissions_fingerprint(election, Form.Kind.RESULTS),
                design,
                official_version(election),
            )
        ),
        lambda: _compute_exit_poll(election, confidence),
    )


def _compute_exit_poll(election: Election, confidence: float) -> dict[str, Any]:
    """The core's exit poll over the tallies of the planned exit-poll stations.

    The exit poll's sample is part of the recorded design: the sampled
    stations marked ``exit_poll`` (a reserve that replaces one stands for it,
    with its stratum and weight). Each station's interviews stand for the
    voters who came there, V_i (:func:`_voters_who_came`), and its weight
    carries 1/π from the design. The call's reported fraction is planned
    stations that sent tallies over planned stations; tallies from other
    stations are left out and counted. When no planned station is recorded
    (no imported design, or none marked) the shares are still estimated over
    the deployed stations as before, but no call is made: the reported
    fraction is unknown, and a handful of stations must not make a call.
    Once official results exist for polled stations, the within-precinct
    error compares each station's interviews with its official count.
    """
    candidates = candidates_for(election)
    codes = [c.code for c in candidates]
    tallies = counted_per_station(election, Form.Kind.EXITPOLL)
    base: dict[str, Any] = {
        "candidates": candidate_rows(candidates),
        "stations_polled": len(tallies),
        "confidence": confidence,
    }
    if not codes or not tallies:
        reason = Sentence("web.ep.no_tallies", "no exit-poll tallies yet")
        return {**base, "available": False, "reason": reason}
    frame = frame_for(election)
    plan, population = _exit_poll_plan(election)
    if plan:
        polled = set(plan)
    else:
        polled = set(
            Deployment.objects.filter(membership__election=election).values_list(
                "station_id", flat=True
            )
        )
    outside = [station_id for station_id in tallies if station_id not in polled]
    stations = {
        pk: (path, voters, stratum)
        for pk, path, voters, stratum in PollingStation.objects.filter(
            pk__in=[s for s in tallies if s in polled]
        ).values_list("pk", "area_path", "registered_voters", "stratum")
    }
    station_labels: list[np.ndarray] = []
    choices: list[np.ndarray] = []
    strata: list[np.ndarray] = []
    inclusion: list[np.ndarray] = []
    arrival: list[np.ndarray] = []
    refused = 0
    for station_id, (answers, created, _complete) in tallies.items():
        if station_id not in stations:
            continue
        counts = [int(np.nan_to_num(_count(answers, code))) for code in codes]
        total = sum(counts)
        refused += int(np.nan_to_num(_count(answers, "RF")))
        if total == 0:
            continue
        station_labels.append(np.full(total, station_id))
        choices.append(np.repeat(np.array(codes, dtype=object), counts))
        path, _, station_stratum = stations[station_id]
        if plan:
            stratum, weight = plan[station_id]
            inclusion.append(np.full(total, 1.0 / weight))
        else:
            stratum = frame.stratum_of(path, station_stratum)
        strata.append(np.full(total, stratum, dtype=object))
        arrival.append(np.full(total, created.timestamp()))
    if not choices:
        reason = Sentence("web.ep.no_interviews", "the tallies hold no interviews")
        return {**base, "available": False, "reason": reason}
    official = {
        str(station_id): votes
        for station_id, votes in OfficialResult.objects.filter(
            election=election, station_id__in=list(stations)
        ).values_list("station_id", "votes")
    }
    voters, sources = _voters_who_came(
        election, {pk: registered for pk, (_, registered, _) in stations.items()}, confidence
    )
    result = exit_poll(
        np.concatenate(station_labels),
        np.concatenate(choices).astype(str),
        stratum=np.concatenate(strata),
        population=population if plan else frame.population,
        inclusion=np.concatenate(inclusion) if plan else None,
        voters=voters,
        official=official or None,
        arrival=np.concatenate(arrival),
        expected_stations=len(plan) if plan else None,
        confidence=confidence,
    )
    out = {**base, "available": True, **result.as_dict(), "refusals": refused}
    out["planned_stations"] = len(plan)
    out["voters_source"] = sources
    total = out["respondents"] + refused
    out["refusal_rate"] = refused / total if total else None
    if not plan:
        out["call"] = {
            **out["call"],
            "status": "not enough data",
            "reason": Sentence(
                "web.ep.no_plan_reason",
                "planned exit-poll stations not recorded: the share reported is unknown, "
                "so no call is made (mark them in the imported sample design's exit_poll column)",
            ),
            "reported_fraction": None,
        }
        out["warnings"].append(
            Sentence(
                "web.ep.no_plan",
                "Planned exit-poll stations not recorded: the estimate uses the deployed stations "
                "as a stratified SRS and no call is made.",
            )
        )
    if count := sources.get("registered × turnout"):
        out["warnings"].append(
            say(
                "web.ep.voters_from_turnout",
                f"{count} polled station(s) have no count of the voters who came: their "
                "registered voters × the quick count's estimated turnout is used.",
                count=count,
            )
        )
    if count := sources.get("registered"):
        out["warnings"].append(
            say(
                "web.ep.voters_registered",
                f"{count} polled station(s) have no count of the voters who came and the quick "
                "count has no turnout yet: their registered voters are used.",
                count=count,
            )
        )
    if outside:
        where = "the planned exit-poll stations" if plan else "the sample"
        out["warnings"].append(
            say(
                "web.ep.outside_plan" if plan else "web.ep.outside_sample",
                f"{len(outside)} tally form(s) from stations outside {where} are left out.",
                count=len(outside),
            )
        )
    return out


def _exit_poll_plan(election: Election) -> tuple[dict[int, tuple[str, float]], dict[str, int]]:
    """station id -> (stratum, weight 1/π) of the planned exit-poll stations, and the design's N_h.

    Empty when no imported design marks a station for the exit poll. A
    reserve that replaces a planned station stands for it.
    """
    design = SampleDesign.objects.filter(
        election=election, source=SampleDesign.Source.IMPORTED
    ).first()
    if design is None:
        return {}, {}
    rows = design.stations.values_list("station_id", "stratum", "weight", "role", "replaces_id")
    replaced_by = {
        replaced: station
        for station, _, _, role, replaced in rows
        if role == SampledStation.Role.RESERVE and replaced is not None
    }
    plan = {
        replaced_by.get(station, station): (stratum, float(weight))
        for station, stratum, weight, role, _ in rows.filter(exit_poll=True)
        if role == SampledStation.Role.SAMPLED and weight
    }
    return plan, {str(k): int(v) for k, v in design.strata.items()}


def _voters_who_came(
    election: Election, registered: dict[int, int], confidence: float
) -> tuple[dict[str, float], dict[str, int]]:
    """V_i per polled station, and how many stations took each source.

    In order: the ballots cast on the observers' result form at the station
    (the form that counts there), else the official ballots cast, else the
    registered voters × the quick count's national turnout estimate, else
    (no turnout yet) the registered voters. A count of 0 falls through too.
    """
    results = counted_per_station(election, Form.Kind.RESULTS)
    official: dict[int, int] = {
        station_id: cast
        for station_id, cast in OfficialResult.objects.filter(
            election=election, station_id__in=list(registered), ballots_cast__gt=0
        ).values_list("station_id", "ballots_cast")
        if cast is not None
    }
    turnout: float | None = None
    voters: dict[str, float] = {}
    sources: dict[str, int] = defaultdict(int)
    for station_id, registered_voters in registered.items():
        form = results.get(station_id)
        cast = _count(form.answers, "BC") if form else np.nan
        if np.isfinite(cast) and cast > 0:
            voters[str(station_id)], source = cast, "observers' result form"
        elif station_id in official:
            voters[str(station_id)], source = float(official[station_id]), "official results"
        else:
            if turnout is None:
                turnout = _quick_count_turnout(election, confidence)
            if turnout:
                voters[str(station_id)] = max(registered_voters, 1) * turnout
                source = "registered × turnout"
            else:
                voters[str(station_id)], source = float(max(registered_voters, 1)), "registered"
        sources[source] += 1
    return voters, dict(sources)


def _quick_count_turnout(election: Election, confidence: float) -> float:
    """The quick count's national turnout estimate, or 0 when it has none."""
    turnout = quick_count_for(election, confidence=confidence).get("turnout") or {}
    value = turnout.get("estimate")
    return float(value) if value is not None and np.isfinite(value) and value > 0 else 0.0
