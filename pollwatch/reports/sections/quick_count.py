"""The quick count: our estimate of the result from the sampled stations' protocols.

The main text says in plain words what a journalist needs (how many reports,
the estimates with their margins of error, whether the result can be called);
the design details (estimator, strata, collapsed variance groups, the call
rule's statistic) go to the Methods annex.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.elections.models import Election
from pollwatch.lib.figures import percent_beside
from pollwatch.stats.calls import DEFAULT_MIN_COVERAGE

KEY = "quick_count"
TITLE = gettext_lazy("Quick count")
CHARTS = ["quick-count", "coverage"]
DECIDED = "decided"
LISTED = 3
# Statuses (of the lead-only call or the threshold-aware call) under which the
# result is not called: the publishing gate holds the statement back on them.
# "run-off, second place undecided" names the leader's place in the run-off,
# which a statement can report; the parts say what is still open.
UNDECIDED = frozenset(
    {
        "no estimate",
        "not enough data",
        "too close",
        "too close to call",
        "run-off, contestants undecided",
    }
)


def figures(election: Election) -> dict[str, Any]:
    """The quick count this section shows; the publication gate asks the same (one code path)."""
    from pollwatch.results.estimates import quick_count_for

    return quick_count_for(election)


def deciding_call(qc: dict[str, Any]) -> dict[str, Any]:
    """The call a statement reports and the gate checks: the threshold-aware call when computed.

    Its ``status`` is one of ``pollwatch.stats.calls.STATUSES`` (or the
    lead-only call's when the threshold call is missing, or "no estimate").
    """
    call = qc.get("threshold_call")
    if call:
        return {"status": call["status"], "reason": call["plain"]}
    return qc.get("call") or {"status": "no estimate", "reason": qc.get("reason", "")}


def runs_quick_count(election: Election) -> bool:
    """Whether the mission runs a quick count: it has installed a results form for observers."""
    from pollwatch.checklists.models import Form

    return Form.objects.filter(election=election, kind=Form.Kind.RESULTS, active=True).exists()


def context(election: Election) -> dict[str, Any] | None:
    from pollwatch.results.presenters import quick_count_context

    qc = figures(election)
    if not qc.get("available") or not qc.get("stations"):
        return None
    return quick_count_context(election, qc)


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


PLURALS = {
    "stratum": "strata",
    "sampled stratum": "sampled strata",
    "cell": "cells",
    "station": "stations",
    "certainty station": "certainty stations",
}


def _count(n: int, noun: str) -> str:
    """A count in the statement's English, with the noun's number: "1 stratum", "2 strata"."""
    return f"{n:,} {noun if n == 1 else PLURALS[noun]}"


def call_sentence(call: dict[str, Any], lead: dict[str, Any] | None) -> str:
    """The call in plain words; the statistic behind it is in :func:`methods`."""
    first, second = (lead["first_name"], lead["second_name"]) if lead else ("", "")
    if call["status"] == DECIDED and lead:
        return (
            f"The quick count can call the result: the lead of {first} over {second} is "
            "clearly larger than the margin of error."
        )
    if call["status"] == "too close" and lead:
        return (
            f"The quick count cannot call the result: the lead of {first} over {second} is "
            "within the margin of error."
        )
    return (
        "The quick count cannot call the result yet: the result forms received so far are "
        "not enough to be sure (see Methods)."
    )


def suggestion(ctx: dict[str, Any]) -> str:
    qc = ctx["qc"]
    sentences = [
        f"The estimate is based on result forms from {qc['stations']:,} of the "
        f"{qc['sampled_stations']:,} randomly sampled polling stations ({ctx['reported_percent']} %)."
    ]
    shares = ", ".join(
        f"{r['name']} {_percent(r['estimate'])} (between {_percent(r['low'])} and "
        f"{_percent(r['high'])})"
        for r in ctx["rows"][:LISTED]
        if r["estimate"] is not None and r["low"] is not None
    )
    if shares:
        sentences.append(f"Estimated shares of the valid votes: {shares}.")
    turnout = qc.get("turnout")
    if turnout and turnout.get("ci") and turnout["ci"][0] is not None:
        sentences.append(
            f"Turnout is estimated at {_percent(turnout['estimate'])} (between "
            f"{_percent(turnout['ci'][0])} and {_percent(turnout['ci'][1])})."
        )
    sentences.append(
        f"Each range is a margin of error: the mission is {100 * qc['confidence']:.0f} % "
        "confident that the true figure lies within it."
    )
    unreported = qc["coverage"]["stations_in_unreported_strata"]
    if unreported:
        borrowed = (
            "they are estimated from the most similar areas of their region that did report"
            if (qc.get("strata") or {}).get("folded")
            else "the estimate assumes their voters vote like the rest"
        )
        sentences.append(
            f"Areas holding {unreported:,} of the {qc['frame_stations']:,} polling stations have "
            f"no sampled station or no result yet; {borrowed}, and no call is made that a "
            "different vote there could reverse."
        )
    sentences.append(call_sentence(qc["call"], ctx["lead"]))
    sentences.extend(threshold_sentences(qc.get("threshold_call")))
    return " ".join(sentences)


def threshold_sentences(call: dict[str, Any] | None) -> list[str]:
    """The threshold-aware call in plain words: its verdict, then each part's answer.

    The z statistics and the look rule behind them go to the Methods annex
    (:func:`methods`); the public text keeps only what a reader needs.
    """
    if not call:
        return []
    sentences = [_as_sentence(call["plain"])]
    sentences.extend(
        _as_sentence(part["plain"]) for part in call["parts"] if part["plain"] != call["plain"]
    )
    return sentences


def methods(ctx: dict[str, Any]) -> list[str]:
    """The design details behind the figures, for the Methods annex (the analysis page's words)."""
    qc = ctx["qc"]
    coverage = qc["coverage"]
    strata = qc.get("strata", {})
    call = qc["call"]
    sample_strata = (
        coverage["strata"]
        if qc.get("calibration")
        else strata.get("frame_strata", coverage["strata"])
    )
    return [
        f"Estimator: {qc['method']} combined ratio estimation over a stratified random sample of "
        f"{qc['sampled_stations']:,} polling stations in {_count(sample_strata, 'stratum')}; "
        f"intervals are normal intervals at {100 * qc['confidence']:.0f} % confidence "
        "(docs/quickcount.md).",
        *_design_methods(qc),
        _as_sentence(f"Call rule: {call['status']} — {call['reason']}"),
        *_threshold_methods(qc.get("threshold_call")),
        f"Coverage: {_count(coverage['strata'], 'stratum')}; "
        f"{_count(coverage['strata_without_report'], 'sampled stratum')} without a result yet and "
        f"{coverage['strata_without_sample']:,} without a sampled station "
        f"({_count(coverage['stations_in_unreported_strata'], 'station')}).",
        *(_as_sentence(warning) for warning in qc["warnings"]),
    ]


def _design_methods(qc: dict[str, Any]) -> list[str]:
    """Where the sample design comes from, how it weights, and what non-response did to it."""
    described = qc.get("sample_design") or {}
    design = qc.get("design") or {}
    strata = qc.get("strata") or {}
    if described.get("source") == "imported":
        kind = (
            "probability proportional to size, each station weighted by 1/π"
            if described.get("method") == "pps"
            else "stratified simple random sample"
        )
        origin = f"imported from {described.get('file') or 'a file'} ({kind})"
    elif described:
        confirmed = (
            f"confirmed by {described.get('confirmed_by') or 'a coordinator'}"
            if described.get("confirmed")
            else "not confirmed by a person"
        )
        origin = (
            "inferred from the deployments (stratified simple random sample, strata from "
            f"{described.get('strata_rule', 'the stations file')}; {confirmed})"
        )
    else:
        origin = "given with the sample file"
    sentences = [f"Sample design: {origin}."]
    calibration = qc.get("calibration")
    unit = "cells" if calibration else "strata"
    one = "cell" if calibration else "stratum"
    if design:
        sentences.append(
            f"Weights: {design['weights']}; "
            f"{_count(design['strata_with_fpc'], one)} with the "
            f"simple-random-sampling variance and its finite-population correction, "
            f"{design['strata_with_replacement_variance']:,} with the with-replacement "
            f"(Hansen–Hurwitz) variance, {_count(design['certainty_stations'], 'certainty station')} as "
            f"their own stratum; {unit} with one report are collapsed {design.get('collapsing', 'in label order')}."
        )
    if calibration:
        sizes = calibration.get("cell_sizes", "")
        sentences.append(
            "Calibration: within each stratum, reporting stations stand for the sampled stations "
            "of their own category of "
            + ", ".join(calibration["variables"])
            + f" ({calibration['cells']:,} cells of stratum × category; each cell sized by its "
            + (sizes or "frame count")
            + ")."
        )
    folded = strata.get("folded") or []
    if folded:
        sentences.append(
            f"{_count(len(folded), one)} without a report "
            f"{'is' if len(folded) == 1 else 'are'} estimated from the most similar "
            f"reporting {'cell of the same category' if calibration else 'stratum'} of their "
            "region, with the spread between such areas added to the variance. "
            + (
                "The call counts a stratum as covered once any of its cells reported."
                if calibration
                else "The call still counts them as uncovered."
            )
        )
    return sentences


def _threshold_methods(call: dict[str, Any] | None) -> list[str]:
    """The threshold-aware call's rule and statistics, one annex sentence per part."""
    if not call:
        return []
    rules = call["rules"]
    outright = rules["outright_threshold"]
    rule = (
        f"more than {_percent(outright)} of the valid votes wins outright"
        + ("; otherwise the top two go to a run-off" if rules["runoff"] else "")
        if outright is not None
        else "the leader wins (plurality)"
    )
    if rules["party_threshold"] is not None:
        rule += f"; party threshold {_percent(rules['party_threshold'])}"
    head = (
        f"Threshold-aware call: {call['status']} ({rule}). {_as_sentence(call['look'])} "
        f"A part is decided when its worst-case z reaches {call['z_needed']}; the strata with a "
        f"report cover {percent_beside(call['coverage'] or 0.0, DEFAULT_MIN_COVERAGE)} % of the "
        "frame (a call needs "
        f"{100 * DEFAULT_MIN_COVERAGE:g} %) and the rest is given the "
        "least favourable regional result observed so far (docs/quickcount.md)."
    )
    return [head, *(_as_sentence(part["technical"]) for part in call["parts"])]


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
