"""The statistics' sentences in the reader's language: one table, one key per sentence.

``pollwatch.stats`` writes its sentences (the calls, their parts, the
estimates' warnings, the forensic readings, the official results' mapping
checks) in English as :class:`pollwatch.stats.words.Sentence`: a ``str`` that
also carries a key and the values it was built from. The CLI and the JSON API
show the English as it is; the pages pass it through :func:`say` (the ``say``
filter of ``analysis``), which looks the key up in :data:`TABLE` and formats
the values for the active language: decimals with its decimal mark, as the
``percent`` filter does, the figures themselves unchanged. Values given as
strings (the forensic and mapping sentences format their figures themselves)
are shown as written. A sentence whose key is not here, or a plain ``str``
(figures stored before this table existed), is shown as it is.

Results stored as JSON lose what a ``str`` carries, so a forensics run and an
import's mapping warnings keep each sentence's ``Sentence.as_dict()`` beside
its English (``reading_words``, ``rule_words``, a warning's ``words``);
:func:`say` takes that stored form too, with the stored English to fall back
on (:func:`localised_forensics`, :func:`localised_warnings`).

Every msgid below is the stats' English with ``%(name)s`` for each value:
rendered in English it must equal what stats wrote, which
``results/tests/test_wording.py`` and ``results/tests/test_forensic_wording.py``
check on sentences from real calls. Sentences the web itself writes
(``results/estimates.py``, the forensic tests' titles, the fields' labels)
are keyed here too, so that the stored figures stay in English for the API.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import pgettext, pgettext_lazy

from pollwatch.stats.words import Sentence

Format = Callable[[Any, Mapping[str, Any]], str]


def _decimal(value: float, spec: str) -> str:
    """``value`` formatted by ``spec`` (e.g. "+.2f"), with the language's decimal mark."""
    text = format(float(value), spec)
    if not math.isfinite(float(value)):
        return text
    sign = text[0] if text[0] in "+-" else ""
    digits = text[len(sign) :]
    places = len(digits.split(".")[1]) if "." in digits else 0
    return sign + formats.number_format(digits, places, use_l10n=True)


def percent(digits: int) -> Format:
    """A share as a percentage number without the sign (the sentence writes "%"): 0.675 -> "67.5"."""
    return lambda value, _: _decimal(100 * float(value), f".{digits}f")


def fixed(spec: str) -> Format:
    """A number by a format spec: "+.2f" -> "+5.12" ("+5,12" in Russian)."""
    return lambda value, _: _decimal(value, spec)


def plain_number(value: Any, _: Mapping[str, Any]) -> str:
    """A number as Python prints it ("2.58"), with the language's decimal mark."""
    return formats.number_format(value, use_l10n=True) if isinstance(value, float) else str(value)


def grouped(value: Any, _: Mapping[str, Any]) -> str:
    """A count with thousands grouped, as "{:,.0f}" writes it: 1234.0 -> "1,234"."""
    return formats.number_format(f"{float(value):.0f}", 0, use_l10n=True, force_grouping=True)


def written_number(value: Any, _: Mapping[str, Any]) -> str:
    """A number the statistics wrote as a string ("73.10"), its digits kept, in the language's mark."""
    text = str(value)
    places = len(text.split(".")[1]) if "." in text else 0
    try:
        return formats.number_format(text, places, use_l10n=True)
    except (ValueError, TypeError, ArithmeticError):
        return text


def listed(value: Any, _: Mapping[str, Any]) -> str:
    return ", ".join(str(v) for v in value)


def _variables(value: Any, _: Mapping[str, Any]) -> str:
    return ", ".join(value) if value else pgettext("quick count", "the categories given")


def _folded_pairs(value: Any, params: Mapping[str, Any]) -> str:
    text = ", ".join(
        pgettext("a stratum estimated from another", "%(stratum)s from %(source)s")
        % {"stratum": stratum, "source": source}
        for stratum, source in value
    )
    return text + (" ..." if params.get("more") else "")


@dataclass(frozen=True)
class Wording:
    """A sentence's msgid (lazy, translated when shown) and how to format its values."""

    text: Promise | str
    formats: Mapping[str, Format] = field(default_factory=dict)


def _w(text: Promise, **formats: Format) -> Wording:
    return Wording(text, formats)


P0, P1 = percent(0), percent(1)
PP = fixed("+.2f")

TABLE: dict[str, Wording] = {
    # pollwatch/stats/calls.py: the threshold-aware call
    "call.look.final": _w(
        pgettext_lazy("call", "final rule: %(final_from)s%% or more of the sample reported"),
        final_from=P0,
    ),
    "call.look.interim": _w(
        pgettext_lazy("call", "interim rule: less than %(final_from)s%% of the sample reported"),
        final_from=P0,
    ),
    "call.where.region": _w(pgettext_lazy("call", "region %(region)s's %(pp)s pp"), pp=PP),
    "call.where.extreme": _w(pgettext_lazy("call", "the extreme %(pp)s pp"), pp=PP),
    "call.label.share": _w(
        pgettext_lazy("call", "share(%(name)s) − %(threshold)s%%"), threshold=P0
    ),
    "call.label.difference": _w(pgettext_lazy("call", "share(%(first)s) − share(%(second)s)")),
    "call.technical": _w(
        pgettext_lazy(
            "call",
            "%(label)s = %(estimate)s pp (SE %(se)s pp); worst case with %(uncovered)s%% of the "
            "frame uncovered at %(where)s: %(bound)s pp; z = %(z)s %(verdict)s %(z_needed)s (%(look)s)",
        ),
        estimate=PP,
        se=fixed(".2f"),
        uncovered=P1,
        bound=PP,
        z=fixed(".2f"),
        z_needed=plain_number,
    ),
    "call.gate.reported": _w(
        pgettext_lazy(
            "call",
            "%(reported)s%% of the sampled stations have reported; at least %(needed)s%% are needed",
        ),
        reported=P1,
        needed=P0,
    ),
    "call.gate.coverage": _w(
        pgettext_lazy(
            "call", "the reports cover %(coverage)s%% of the frame; at least %(needed)s%% is needed"
        ),
        coverage=P1,
        needed=P0,
    ),
    "call.gate.contestants": _w(pgettext_lazy("call", "fewer than two contestants")),
    "call.gate.se": _w(pgettext_lazy("call", "standard errors cannot be estimated yet")),
    "call.plain.not_enough": _w(pgettext_lazy("call", "Not enough data for a call: %(reason)s.")),
    "call.question.winner": _w(pgettext_lazy("call question", "winner")),
    "call.question.outright win": _w(pgettext_lazy("call question", "outright win")),
    "call.question.run-off pair": _w(pgettext_lazy("call question", "run-off pair")),
    "call.question.second place": _w(pgettext_lazy("call question", "second place")),
    "call.question.party threshold": _w(
        pgettext_lazy("call question", "party threshold: %(name)s")
    ),
    "call.plain.wins": _w(pgettext_lazy("call", "%(first)s wins.")),
    "call.plain.too_close_lead": _w(
        pgettext_lazy("call", "Too close to call: %(first)s leads %(closest)s, but not by enough.")
    ),
    "call.plain.outright": _w(
        pgettext_lazy(
            "call", "%(first)s wins outright, with more than %(threshold)s%% of the valid votes."
        ),
        threshold=P0,
    ),
    "call.plain.too_close_threshold": _w(
        pgettext_lazy(
            "call",
            "Too close to call: whether %(first)s passes %(threshold)s%% of the valid votes.",
        ),
        threshold=P0,
    ),
    "call.plain.nobody": _w(
        pgettext_lazy("call", "Nobody reaches %(threshold)s%% of the valid votes."), threshold=P0
    ),
    "call.plain.runoff": _w(
        pgettext_lazy("call", "%(no_winner)s Run-off between %(first)s and %(second)s.")
    ),
    "call.plain.runoff_second": _w(
        pgettext_lazy(
            "call",
            "%(no_winner)s Run-off: %(first)s, against one of %(contenders)s (second place undecided).",
        ),
        contenders=listed,
    ),
    "call.plain.runoff_undecided": _w(
        pgettext_lazy("call", "%(no_winner)s A run-off is needed; who takes part is not yet clear.")
    ),
    "call.plain.party_above": _w(
        pgettext_lazy("call", "%(name)s passes the %(threshold)s%% threshold."), threshold=P0
    ),
    "call.plain.party_below": _w(
        pgettext_lazy("call", "%(name)s stays below the %(threshold)s%% threshold."), threshold=P0
    ),
    "call.plain.party_undecided": _w(
        pgettext_lazy("call", "Whether %(name)s passes %(threshold)s%% is not yet clear."),
        threshold=P0,
    ),
    # pollwatch/stats/quickcount.py: the lead-only call and the design's warnings
    "qc.call.reported": _w(
        pgettext_lazy(
            "quick count",
            "%(reported)s%% of sampled stations reported; at least %(needed)s%% are needed",
        ),
        reported=P1,
        needed=P0,
    ),
    "qc.call.no_lead": _w(pgettext_lazy("quick count", "fewer than two contestants with votes")),
    "qc.call.missing_domains": _w(
        pgettext_lazy("quick count", "no reporting station in: %(domains)s"), domains=listed
    ),
    "qc.call.se": _w(pgettext_lazy("quick count", "the lead's standard error cannot be estimated")),
    "qc.call.leader_changed": _w(
        pgettext_lazy(
            "quick count", "the leader changed over the last arrivals (%(first)s now leads)"
        )
    ),
    "qc.call.decided": _w(
        pgettext_lazy(
            "quick count", "%(first)s leads %(second)s by %(z)s standard errors (≥ %(threshold)s)"
        ),
        z=fixed(".2f"),
        threshold=plain_number,
    ),
    "qc.call.decided_unchecked": _w(
        pgettext_lazy(
            "quick count",
            "%(first)s leads %(second)s by %(z)s standard errors (≥ %(threshold)s) "
            "(leader stability not checked: too few arrivals)",
        ),
        z=fixed(".2f"),
        threshold=plain_number,
    ),
    "qc.call.too_close": _w(
        pgettext_lazy(
            "quick count", "%(first)s leads %(second)s by %(z)s standard errors (< %(threshold)s)"
        ),
        z=fixed(".2f"),
        threshold=plain_number,
    ),
    "qc.call.too_close_unchecked": _w(
        pgettext_lazy(
            "quick count",
            "%(first)s leads %(second)s by %(z)s standard errors (< %(threshold)s) "
            "(leader stability not checked: too few arrivals)",
        ),
        z=fixed(".2f"),
        threshold=plain_number,
    ),
    "qc.unit.strata": _w(pgettext_lazy("quick count", "strata")),
    "qc.unit.cells": _w(pgettext_lazy("quick count", "cells (stratum × calibration category)")),
    "qc.fold.strata": _w(
        pgettext_lazy("quick count", "the most similar reporting stratum of its region")
    ),
    "qc.fold.cells": _w(
        pgettext_lazy(
            "quick count",
            "the same category in the most similar stratum of its region, else another cell of its "
            "stratum",
        ),
    ),
    "qc.warning.folded": _w(
        pgettext_lazy(
            "quick count",
            "%(count)s %(unit)s (%(stations)s stations, %(share)s%%) have no reporting station; "
            "each is estimated from %(source)s: %(pairs)s",
        ),
        stations=grouped,
        share=P1,
        pairs=_folded_pairs,
    ),
    "qc.where.national": _w(pgettext_lazy("quick count", "nationally")),
    "qc.where.national_region": _w(
        pgettext_lazy("quick count", "nationally (nothing of their region reported)")
    ),
    "qc.warning.missing": _w(
        pgettext_lazy(
            "quick count",
            "%(count)s %(unit)s (%(stations)s stations, %(share)s%%) have no reporting station and "
            "are left out; the estimate assumes they vote like the rest %(where)s: %(names)s",
        ),
        stations=grouped,
        share=P1,
    ),
    "qc.warning.unplaced": _w(
        pgettext_lazy(
            "quick count",
            "%(count)s reporting %(unit)s have no single region (their stations lie in several "
            "regions, or none is known): they are neither folded into nor pooled with a region's "
            "strata: %(names)s",
        ),
    ),
    "qc.collapse.sorted": _w(pgettext_lazy("quick count", "the next stratum in sorted order")),
    "qc.collapse.region": _w(
        pgettext_lazy("quick count", "the most similar strata of the same region")
    ),
    "qc.warning.collapsed": _w(
        pgettext_lazy(
            "quick count",
            "%(count)s variance groups formed by collapsing strata with a single reporting station "
            "with %(rule)s: %(groups)s",
        ),
    ),
    "qc.warning.none_reported": _w(
        pgettext_lazy("quick count", "no sampled station has reported yet")
    ),
    "qc.warning.empty_domain": _w(
        pgettext_lazy("quick count", "no reporting station in this domain: estimates are undefined")
    ),
    "qc.warning.se_undefined": _w(
        pgettext_lazy(
            "quick count",
            "standard errors are undefined: fewer than two reporting stations outside census strata",
        ),
    ),
    "qc.warning.calibration_useless": _w(
        pgettext_lazy(
            "quick count",
            "calibration by %(variables)s changes nothing: the sampled stations of every stratum "
            "share one category",
        ),
        variables=_variables,
    ),
    # pollwatch/stats/exitpoll.py
    "ep.warning.collapsed": _w(
        pgettext_lazy(
            "exit poll",
            "strata with a single polled station collapsed with the next for the variance: %(groups)s",
        ),
    ),
    "ep.warning.unanswered": _w(
        pgettext_lazy("exit poll", "%(count)s respondents without an answer are left out")
    ),
    "ep.warning.raking": _w(
        pgettext_lazy("exit poll", "raking did not converge (max deviation %(deviation)s)"),
        deviation=fixed(".2e"),
    ),
    "ep.warning.no_official": _w(
        pgettext_lazy(
            "exit poll",
            "%(count)s polled stations have no official result and are left out of the "
            "within-precinct error",
        ),
    ),
    # pollwatch/results/design.py and estimates.py (the web's own sentences)
    "web.design.unplanned_reserves": _w(
        pgettext_lazy(
            "quick count",
            "%(count)s reserve station(s) reported without a recorded station they replace: "
            "each takes its stratum's mean weight",
        ),
    ),
    "web.design.outside": _w(
        pgettext_lazy(
            "quick count",
            "%(count)s result form(s) from stations outside the recorded sample (observed only) "
            "are left out of the quick count",
        ),
    ),
    "web.design.unknown_strata": _w(
        pgettext_lazy(
            "quick count",
            "Strata unknown: no sample design was imported, the stations carry no stratum and the "
            "election names no sample strata level, so each station's own (lowest) area stands in "
            "for its stratum. If the sample was drawn by a coarser level, most areas have no sampled "
            "station and the estimate covers only part of the country. Import the design (pollwatch "
            "import-sample) or set the election's sample strata level.",
        ),
    ),
    "web.strata.stations_file": _w(
        pgettext_lazy("strata from", "the stations file's stratum column")
    ),
    "web.strata.level": _w(
        pgettext_lazy(
            "strata from",
            "the areas at level %(level)s of the geography (the election's sample strata level)",
        )
    ),
    "web.strata.unknown": _w(
        pgettext_lazy(
            "strata from", "unknown: each station's own (lowest) area stands in for its stratum"
        )
    ),
    "web.qc.unusable_design": _w(
        pgettext_lazy("quick count", "the recorded sample design cannot be used: %(problems)s")
    ),
    "web.qc.no_sample": _w(pgettext_lazy("quick count", "no sample or no candidates yet")),
    "web.qc.partial_without_votes": _w(
        pgettext_lazy(
            "quick count",
            "%(count)s counted result form(s) are partial forms (accepted with problems) that lack "
            "the votes of %(codes)s: they wait for a correction of those counts; they are left out "
            "of the estimate.",
        ),
        codes=listed,
    ),
    "web.qc.complete_without_votes": _w(
        pgettext_lazy(
            "quick count",
            "%(count)s counted result form(s) passed validation but lack the votes of %(codes)s: was "
            "a candidate added after the form was installed?; they are left out of the estimate.",
        ),
        codes=listed,
    ),
    "web.qc.region_not_sampled": _w(
        pgettext_lazy(
            "quick count", "%(name)s: no sampled station — the estimate does not cover it."
        )
    ),
    "web.qc.region_under_reported": _w(
        pgettext_lazy(
            "quick count",
            "%(name)s: only %(reported)s of %(sampled)s sampled stations reported (%(share)s %% "
            "against %(national)s %% nationally).",
        ),
        share=P0,
        national=P0,
    ),
    "web.qc.new_region_under_reported": _w(
        pgettext_lazy(
            "quick count",
            "%(name)s (newly included): only %(reported)s of %(sampled)s sampled stations reported "
            "(%(share)s %% against %(national)s %% nationally).",
        ),
        share=P0,
        national=P0,
    ),
    "web.ep.no_tallies": _w(pgettext_lazy("exit poll", "no exit-poll tallies yet")),
    "web.ep.no_interviews": _w(pgettext_lazy("exit poll", "the tallies hold no interviews")),
    "web.ep.no_plan_reason": _w(
        pgettext_lazy(
            "exit poll",
            "planned exit-poll stations not recorded: the share reported is unknown, so no call is "
            "made (mark them in the imported sample design's exit_poll column)",
        ),
    ),
    "web.ep.no_plan": _w(
        pgettext_lazy(
            "exit poll",
            "Planned exit-poll stations not recorded: the estimate uses the deployed stations as a "
            "stratified SRS and no call is made.",
        ),
    ),
    "web.ep.voters_from_turnout": _w(
        pgettext_lazy(
            "exit poll",
            "%(count)s polled station(s) have no count of the voters who came: their registered "
            "voters × the quick count's estimated turnout is used.",
        ),
    ),
    "web.ep.voters_registered": _w(
        pgettext_lazy(
            "exit poll",
            "%(count)s polled station(s) have no count of the voters who came and the quick count "
            "has no turnout yet: their registered voters are used.",
        ),
    ),
    "web.ep.outside_plan": _w(
        pgettext_lazy(
            "exit poll",
            "%(count)s tally form(s) from stations outside the planned exit-poll stations are left out.",
        ),
    ),
    "web.ep.outside_sample": _w(
        pgettext_lazy(
            "exit poll", "%(count)s tally form(s) from stations outside the sample are left out."
        )
    ),
    # pollwatch/stats/official.py's compare_with_interval and the exit-poll page's verdicts on
    # figures others announced (results/presenters.py's published_verdicts)
    "compare.above": _w(
        pgettext_lazy(
            "announced figure",
            "%(subject)s %(share)s %% is above our %(level)s %% interval (%(low)s–%(high)s %%)",
        ),
        share=written_number,
        low=written_number,
        high=written_number,
    ),
    "compare.below": _w(
        pgettext_lazy(
            "announced figure",
            "%(subject)s %(share)s %% is below our %(level)s %% interval (%(low)s–%(high)s %%)",
        ),
        share=written_number,
        low=written_number,
        high=written_number,
    ),
    "compare.inside": _w(
        pgettext_lazy(
            "announced figure",
            "%(subject)s %(share)s %% is inside our %(level)s %% interval (%(low)s–%(high)s %%)",
        ),
        share=written_number,
        low=written_number,
        high=written_number,
    ),
    "web.published.subject": _w(
        pgettext_lazy("announced figure", "%(source)s's figure for %(name)s")
    ),
    "web.published.no_estimate": _w(
        pgettext_lazy("announced figure", "No estimate of ours to compare %(name)s with yet.")
    ),
    "web.published.none.quick_count": _w(
        pgettext_lazy(
            "announced figure", "Not yet comparable: our quick count has no estimate yet."
        )
    ),
    "web.published.none.exit_poll": _w(
        pgettext_lazy("announced figure", "Not yet comparable: our exit poll has no estimate yet.")
    ),
    "web.published.outside.quick_count": _w(
        pgettext_lazy(
            "announced figure",
            "Outside our quick count's 95 %% interval for %(names)s: the announced figures are not "
            "consistent with our estimate.",
        ),
        names=listed,
    ),
    "web.published.outside.exit_poll": _w(
        pgettext_lazy(
            "announced figure",
            "Outside our exit poll's 95 %% interval for %(names)s: the announced figures are not "
            "consistent with our estimate.",
        ),
        names=listed,
    ),
    "web.published.inside.quick_count": _w(
        pgettext_lazy(
            "announced figure",
            "Inside our quick count's 95 %% interval for every candidate announced.",
        )
    ),
    "web.published.inside.exit_poll": _w(
        pgettext_lazy(
            "announced figure",
            "Inside our exit poll's 95 %% interval for every candidate announced.",
        )
    ),
    # pollwatch/stats/forensics*.py (the readings, the impossible values' rules) and
    # official.py (the mapping checks): figures come already formatted, so they stay as written.
    # The forensic tests' titles and "Votes for …" are the pages' own (no stats sentence).
    "title.integer_percentages": _w(
        pgettext_lazy(
            "forensic test", "Integer percentages (round-number turnout or leader's share)"
        )
    ),
    "title.second_digit": _w(
        pgettext_lazy("forensic test", "Second digit of ballots cast (Benford)")
    ),
    "title.last_digit": _w(pgettext_lazy("forensic test", "Last digit of ballots cast")),
    "title.zero_five_counts": _w(pgettext_lazy("forensic test", "Counts ending in 0 or 5")),
    "title.zero_five_percentages": _w(
        pgettext_lazy("forensic test", "Turnout percentages ending in 0 or 5")
    ),
    "title.skewness": _w(pgettext_lazy("forensic test", "Skewness of turnout")),
    "title.kurtosis": _w(pgettext_lazy("forensic test", "Kurtosis of turnout")),
    "title.dip_test": _w(pgettext_lazy("forensic test", "Several peaks in turnout (dip test)")),
    "title.sobyanin_sukhovolsky": _w(
        pgettext_lazy("forensic test", "Extra votes with turnout (Sobyanin–Sukhovolsky)")
    ),
    "title.turnout_share_correlation": _w(
        pgettext_lazy("forensic test", "Turnout and leader's share move together")
    ),
    "title.fingerprint": _w(
        pgettext_lazy("forensic test", "Election fingerprint (turnout × share)")
    ),
    "title.impossible_values": _w(pgettext_lazy("forensic test", "Impossible values in protocols")),
    "forensics.fingerprint.too-few": _w(
        pgettext_lazy("forensic reading", "too few stations to fit the fraud model")
    ),
    "forensics.fingerprint.rigged": _w(
        pgettext_lazy(
            "forensic reading",
            "the fingerprint fits best with %(incremental)s of stations incrementally and %(extreme)s extremely rigged: a smear toward high turnout and high leader share",
        )
    ),
    "forensics.fingerprint.clean": _w(
        pgettext_lazy(
            "forensic reading", "the fingerprint looks like a clean election's single blob"
        )
    ),
    "forensics.integer.too-few": _w(
        pgettext_lazy("forensic reading", "not enough stations (or replicates) for the test")
    ),
    "forensics.integer.excess": _w(
        pgettext_lazy(
            "forensic reading",
            "%(excess)s more stations with whole-number percentages than chance gives (%(z)s null SDs): a sign that results were written rather than counted",
        )
    ),
    "forensics.integer.fewer": _w(
        pgettext_lazy(
            "forensic reading",
            "fewer whole-number percentages than chance: unusual but not a sign of rounding",
        )
    ),
    "forensics.integer.chance": _w(
        pgettext_lazy("forensic reading", "whole-number percentages about as often as chance gives")
    ),
    "forensics.too-few": _w(
        pgettext_lazy("forensic reading", "too few stations (%(n)s) for this test")
    ),
    "forensics.second-digit.differs": _w(
        pgettext_lazy(
            "forensic reading",
            "mean second digit %(mean)s vs 4.187 expected (%(z)s SE); digit frequencies differ from Benford's (a weak signal alone: 2BL also flags clean counts)",
        )
    ),
    "forensics.second-digit.compatible": _w(
        pgettext_lazy(
            "forensic reading",
            "mean second digit %(mean)s vs 4.187 expected (%(z)s SE); digit frequencies are compatible with Benford's (a weak signal alone: 2BL also flags clean counts)",
        )
    ),
    "forensics.last-digit.not-uniform": _w(
        pgettext_lazy(
            "forensic reading",
            "last digits are not uniform: some digits are favoured, as when numbers are made up",
        )
    ),
    "forensics.last-digit.uniform": _w(
        pgettext_lazy("forensic reading", "last digits look uniform, as in counted numbers")
    ),
    "forensics.zero-five.counts.over": _w(
        pgettext_lazy(
            "forensic reading",
            "%(share)s of counts end in 0 or 5 (20 %% expected): round numbers are over-represented",
        )
    ),
    "forensics.zero-five.counts.avoided": _w(
        pgettext_lazy(
            "forensic reading",
            "%(share)s of counts end in 0 or 5 (20 %% expected): round numbers are avoided",
        )
    ),
    "forensics.zero-five.counts.chance": _w(
        pgettext_lazy(
            "forensic reading", "%(share)s of counts end in 0 or 5, as expected by chance (20 %%)"
        )
    ),
    "forensics.zero-five.percentages.over": _w(
        pgettext_lazy(
            "forensic reading",
            "%(share)s of turnout percentages end in 0 or 5 (20 %% expected): round numbers are over-represented",
        )
    ),
    "forensics.zero-five.percentages.avoided": _w(
        pgettext_lazy(
            "forensic reading",
            "%(share)s of turnout percentages end in 0 or 5 (20 %% expected): round numbers are avoided",
        )
    ),
    "forensics.zero-five.percentages.chance": _w(
        pgettext_lazy(
            "forensic reading",
            "%(share)s of turnout percentages end in 0 or 5, as expected by chance (20 %%)",
        )
    ),
    "forensics.skewness.high-tail": _w(
        pgettext_lazy("forensic reading", "turnout has a long tail of high-turnout stations")
    ),
    "forensics.skewness.low-tail": _w(
        pgettext_lazy("forensic reading", "turnout has a long tail of low-turnout stations")
    ),
    "forensics.skewness.symmetric": _w(
        pgettext_lazy("forensic reading", "turnout is about symmetric")
    ),
    "forensics.kurtosis.peaked": _w(
        pgettext_lazy(
            "forensic reading",
            "turnout is more peaked or heavier-tailed than normal (outlying stations)",
        )
    ),
    "forensics.kurtosis.flat": _w(
        pgettext_lazy(
            "forensic reading",
            "turnout is flatter than normal (possibly several groups of stations)",
        )
    ),
    "forensics.kurtosis.normal": _w(
        pgettext_lazy("forensic reading", "turnout tails are as heavy as a normal distribution's")
    ),
    "forensics.dip.several-peaks": _w(
        pgettext_lazy(
            "forensic reading",
            "turnout has more than one peak: stations fall into distinct groups (e.g. a second, rigged mode)",
        )
    ),
    "forensics.dip.one-peak": _w(pgettext_lazy("forensic reading", "turnout has a single peak")),
    "forensics.slope.no-variation": _w(
        pgettext_lazy("forensic reading", "turnout does not vary across stations")
    ),
    "forensics.slope.above-one": _w(
        pgettext_lazy(
            "forensic reading",
            "slope %(slope)s > 1: each extra ballot adds more than one vote to the leader — votes move to the leader as turnout rises",
        )
    ),
    "forensics.slope.above-share": _w(
        pgettext_lazy(
            "forensic reading",
            "slope %(slope)s above the leader's share %(share)s: extra turnout goes disproportionately to the leader (ballot stuffing, or regional differences)",
        )
    ),
    "forensics.slope.in-line": _w(
        pgettext_lazy(
            "forensic reading", "slope %(slope)s in line with the leader's share %(share)s"
        )
    ),
    "forensics.correlation.strong": _w(
        pgettext_lazy(
            "forensic reading",
            "strong positive correlation (%(r)s): the leader does better where turnout is higher",
        )
    ),
    "forensics.correlation.weak": _w(
        pgettext_lazy("forensic reading", "correlation %(r)s: statistically clear but not strong")
    ),
    "forensics.correlation.none": _w(
        pgettext_lazy("forensic reading", "no correlation between turnout and the leader's share")
    ),
    "forensics.impossible.some": _w(
        pgettext_lazy(
            "forensic reading",
            "%(count)s station(s) report arithmetically impossible or inconsistent figures",
        )
    ),
    "forensics.impossible.none": _w(
        pgettext_lazy("forensic reading", "no station reports impossible figures")
    ),
    "forensics.rule.negative": _w(pgettext_lazy("forensic rule", "negative %(name)s")),
    "forensics.rule.over-registered": _w(
        pgettext_lazy("forensic rule", "turnout above 100 %% (ballots > registered)")
    ),
    "forensics.rule.over-issued": _w(
        pgettext_lazy("forensic rule", "ballots in box above ballots issued")
    ),
    "forensics.rule.leader-over-valid": _w(pgettext_lazy("forensic rule", "leader above valid")),
    "forensics.rule.valid-over-ballots": _w(pgettext_lazy("forensic rule", "valid above ballots")),
    "forensics.rule.candidates-not-valid": _w(
        pgettext_lazy("forensic rule", "candidates' votes do not sum to valid (suspicious)")
    ),
    "forensics.calibrated.second-digit.beyond": _w(
        pgettext_lazy(
            "forensic reading",
            "mean second digit %(statistic)s against %(mean)s ± %(sd)s in elections redrawn from each region's turnout: more than the regions' differences explain",
        )
    ),
    "forensics.calibrated.second-digit.within": _w(
        pgettext_lazy(
            "forensic reading",
            "mean second digit %(statistic)s against %(mean)s ± %(sd)s in elections redrawn from each region's turnout: within what the regions' differences give",
        )
    ),
    "forensics.calibrated.kurtosis.beyond": _w(
        pgettext_lazy(
            "forensic reading",
            "kurtosis of turnout %(statistic)s against %(mean)s ± %(sd)s in elections redrawn from each region's turnout: more than the regions' differences explain",
        )
    ),
    "forensics.calibrated.kurtosis.within": _w(
        pgettext_lazy(
            "forensic reading",
            "kurtosis of turnout %(statistic)s against %(mean)s ± %(sd)s in elections redrawn from each region's turnout: within what the regions' differences give",
        )
    ),
    "list.and": _w(pgettext_lazy("list", "%(items)s and %(last)s")),
    "mapping.field.station": _w(pgettext_lazy("results field", "Polling station code")),
    "mapping.field.registered": _w(pgettext_lazy("results field", "Registered voters")),
    "mapping.field.ballots_issued": _w(pgettext_lazy("results field", "Ballots issued to voters")),
    "mapping.field.ballots_cast": _w(
        pgettext_lazy("results field", "Ballots found in the ballot boxes")
    ),
    "mapping.field.invalid": _w(pgettext_lazy("results field", "Invalid ballots")),
    "mapping.field.valid": _w(pgettext_lazy("results field", "Valid ballots")),
    "mapping.field-in-sentence.registered": _w(pgettext_lazy("results field", "registered voters")),
    "mapping.field-in-sentence.ballots_issued": _w(
        pgettext_lazy("results field", "ballots issued to voters")
    ),
    "mapping.field-in-sentence.ballots_cast": _w(
        pgettext_lazy("results field", "ballots found in the ballot boxes")
    ),
    "mapping.field-in-sentence.invalid": _w(pgettext_lazy("results field", "invalid ballots")),
    "mapping.field-in-sentence.valid": _w(pgettext_lazy("results field", "valid ballots")),
    "mapping.field-in-sentence.candidate": _w(pgettext_lazy("results field", "candidate %(code)s")),
    "mapping.unknown-field.one": _w(
        pgettext_lazy(
            "mapping check",
            "%(fields)s is not a field of this election (fields are station, the counts and the candidates' codes).",
        )
    ),
    "mapping.unknown-field.many": _w(
        pgettext_lazy(
            "mapping check",
            "%(fields)s are not fields of this election (fields are station, the counts and the candidates' codes).",
        )
    ),
    "mapping.unknown-column": _w(
        pgettext_lazy("mapping check", "The file has no column %(column)s (chosen for %(field)s).")
    ),
    "mapping.duplicate-column-name": _w(
        pgettext_lazy(
            "mapping check",
            "The file has %(count)s columns named %(column)s, so the name does not say which one holds %(field)s; rename them in the file.",
        )
    ),
    "mapping.column-mapped-twice": _w(
        pgettext_lazy(
            "mapping check",
            "The column %(column)s is chosen for %(fields)s; a column can hold only one of them.",
        )
    ),
    "mapping.station-unmapped": _w(
        pgettext_lazy("mapping check", "No column is chosen for the polling station code.")
    ),
    "mapping.candidate-unmapped.one": _w(
        pgettext_lazy(
            "mapping check",
            "No column is chosen for candidate %(codes)s; every candidate's votes are needed.",
        )
    ),
    "mapping.candidate-unmapped.many": _w(
        pgettext_lazy(
            "mapping check",
            "No column is chosen for candidates %(codes)s; every candidate's votes are needed.",
        )
    ),
    "mapping.not-numeric": _w(
        pgettext_lazy(
            "mapping check",
            "Most cells of %(column)s (chosen for %(field)s) are not whole numbers, e.g. %(example)s: is this the right column?",
        )
    ),
    "mapping.some-not-numeric": _w(
        pgettext_lazy(
            "mapping check",
            "%(bad)s of %(n)s rows have a value in %(column)s that is not a whole number, e.g. %(example)s in row %(row)s; those rows will be refused.",
        )
    ),
    "mapping.mostly-blank.candidate": _w(
        pgettext_lazy(
            "mapping check",
            "%(column)s is blank in %(blank)s of %(n)s rows; rows without a candidate's votes are refused.",
        )
    ),
    "mapping.mostly-blank.count": _w(
        pgettext_lazy(
            "mapping check",
            "%(column)s is blank in %(blank)s of %(n)s rows; is this the right column?",
        )
    ),
    "mapping.station-blank": _w(
        pgettext_lazy(
            "mapping check",
            "The station code (%(column)s) is blank in %(blank)s of %(n)s rows; those rows will be refused.",
        )
    ),
    "mapping.duplicate-station": _w(
        pgettext_lazy(
            "mapping check",
            "Station codes in %(column)s repeat in %(repeat)s of %(n)s rows (%(example)s). A station code must be unique: if stations are numbered within each district, make a code from the district and the number first.",
        )
    ),
    "mapping.duplicate-station.example": _w(
        pgettext_lazy("mapping check", "%(code)s is in rows %(first)s and %(second)s")
    ),
    "mapping.registered-cast-swapped": _w(
        pgettext_lazy(
            "mapping check",
            "In %(fails)s of %(n)s rows (%(share)s) registered voters are fewer than the ballots cast: the registered voters and ballots cast columns look swapped.",
        )
    ),
    "mapping.issued-cast-swapped": _w(
        pgettext_lazy(
            "mapping check",
            "In %(fails)s of %(n)s rows (%(share)s) fewer ballots were issued than were found in the boxes: the ballots issued and ballots cast columns look swapped.",
        )
    ),
    "mapping.valid-cast-swapped": _w(
        pgettext_lazy(
            "mapping check",
            "In %(fails)s of %(n)s rows (%(share)s) valid ballots outnumber the ballots cast: the valid and ballots cast columns look swapped, or one holds something else.",
        )
    ),
    "mapping.invalid-valid-swapped": _w(
        pgettext_lazy(
            "mapping check",
            "In %(fails)s of %(n)s rows (%(share)s) invalid ballots outnumber valid ones: the invalid and valid columns look swapped.",
        )
    ),
    "mapping.votes-not-valid": _w(
        pgettext_lazy(
            "mapping check",
            "The candidates' votes do not add up to the valid ballots in %(fails)s of %(n)s rows (%(share)s), e.g. row %(row)s: %(votes)s votes against %(valid)s valid. %(hint)s",
        )
    ),
    "mapping.votes-not-valid.unmapped": _w(
        pgettext_lazy("mapping check", "Some candidates have no column yet.")
    ),
    "mapping.votes-not-valid.too-few": _w(
        pgettext_lazy(
            "mapping check",
            "A candidate column may be wrong, or the valid column holds something larger.",
        )
    ),
    "mapping.votes-not-valid.too-many": _w(
        pgettext_lazy(
            "mapping check",
            "A column that is not a candidate's may be chosen as one, or the valid column is wrong.",
        )
    ),
    "mapping.valid-invalid-not-cast": _w(
        pgettext_lazy(
            "mapping check",
            "Valid plus invalid ballots differ from the ballots cast in %(fails)s of %(n)s rows (%(share)s), e.g. row %(row)s: %(total)s against %(cast)s.",
        )
    ),
    "mapping.votes-for": _w(pgettext_lazy("results field", "Votes for %(candidate)s")),
}

# The calls' statuses (pollwatch.stats.calls.STATUSES and the lead-only call's), as badges.
STATUSES: dict[str, Promise] = {
    "winner": pgettext_lazy("call status", "winner"),
    "outright winner": pgettext_lazy("call status", "outright winner"),
    "run-off": pgettext_lazy("call status", "run-off"),
    "run-off, second place undecided": pgettext_lazy(
        "call status", "run-off, second place undecided"
    ),
    "run-off, contestants undecided": pgettext_lazy(
        "call status", "run-off, contestants undecided"
    ),
    "no outright winner": pgettext_lazy("call status", "no outright winner"),
    "too close to call": pgettext_lazy("call status", "too close to call"),
    "not enough data": pgettext_lazy("call status", "not enough data"),
    "decided": pgettext_lazy("call status", "decided"),
    "too close": pgettext_lazy("call status", "too close"),
    "no estimate": pgettext_lazy("call status", "no estimate"),
}


# Fixed words the figures carry as values (the estimation method, the early-vs-late groups and
# frame variables of results/estimates.py, form phases): shown through the ``term`` filter.
TERMS: dict[str, Promise] = {
    "linearized": pgettext_lazy("estimation method", "linearized"),
    "bootstrap": pgettext_lazy("estimation method", "bootstrap"),
    "reported": pgettext_lazy("early-late group", "reported"),
    "not yet": pgettext_lazy("early-late group", "not yet"),
    "first half": pgettext_lazy("early-late group", "first half"),
    "second half": pgettext_lazy("early-late group", "second half"),
    "registered voters (frame)": pgettext_lazy("frame variable", "registered voters (frame)"),
    "newly included territory": pgettext_lazy("frame variable", "newly included territory"),
    "yes": pgettext_lazy("frame variable value", "yes"),
    "no": pgettext_lazy("frame variable value", "no"),
    "opening": pgettext_lazy("form phase", "opening"),
    "voting": pgettext_lazy("form phase", "voting"),
    "closing": pgettext_lazy("form phase", "closing"),
    "counting": pgettext_lazy("form phase", "counting"),
}


def term(value: Any) -> str:
    """A fixed word of the figures (:data:`TERMS`) in the active language; anything else as is."""
    return str(TERMS.get(value, value)) if isinstance(value, str) else str(value)


def say(value: Any, english: str = "") -> str:
    """``value`` in the active language when it is a keyed sentence (module docstring), else as is.

    ``value`` is a :class:`Sentence`, or one stored as JSON (``Sentence.as_dict()``,
    e.g. a forensic test's ``reading_words``) with its stored English as ``english``.
    A sentence whose key (or a nested sentence's) is not in the table is shown in
    its English; ``None`` (nothing stored) is ``english``.
    """
    if value is None:
        return english
    if isinstance(value, Mapping):
        try:
            value = Sentence.from_dict(value, english or None)
        except (KeyError, TypeError, AttributeError, ValueError):
            return english
    if not isinstance(value, Sentence):
        return str(value)
    try:
        return _render(value)
    except (_Unknown, KeyError, ValueError, TypeError):  # a key or a parameter this table lacks
        return str(value) or english or value.key


class _Unknown(Exception):
    """A sentence whose key the table lacks, with no English to show instead."""


def _render(sentence: Sentence) -> str:
    entry = TABLE.get(sentence.key)
    if entry is None:
        if str(sentence):
            return str(sentence)
        raise _Unknown(sentence.key)
    params = {
        name: entry.formats[name](raw, sentence.params) if name in entry.formats else _plain(raw)
        for name, raw in sentence.params.items()
    }
    return str(entry.text) % params


def _plain(raw: Any) -> str:
    if isinstance(raw, Sentence):
        return _render(raw)
    if isinstance(raw, float):
        return plain_number(raw, {})
    return str(raw)


def status(value: Any) -> str:
    """A call's status in the active language ("not enough data" -> "недостаточно данных")."""
    return str(STATUSES.get(str(value), value)) if value is not None else ""


def title_of(key: str, english: str = "") -> str:
    """A forensic test's title (``FORENSIC_TITLES``) in the active language."""
    title = TABLE.get(f"title.{key}")
    return str(title.text) if title is not None else english or key


def field_label(name: str, english: str = "") -> str:
    """An official-results field's label ("Registered voters") in the active language."""
    label = TABLE.get(f"mapping.field.{name}")
    return str(label.text) if label is not None else english or name


def localised_forensics(figures: dict[str, Any]) -> dict[str, Any]:
    """A copy of the forensics page's context (``presenters.latest_forensics``) in the active language.

    The context is cached per run for every language, so it keeps English
    and keys; this copies only what the page shows in words.
    """
    if not figures:
        return figures
    tests = [
        {
            **test,
            "title": title_of(test["key"], test["title"]),
            "reading": say(test.get("reading_words"), test.get("reading", "")),
        }
        for test in figures.get("tests", [])
    ]
    impossible = figures.get("impossible") or {}
    rule_words = impossible.get("rule_words") or {}
    if impossible:
        impossible = {
            **impossible,
            "reading": say(impossible.get("reading_words"), impossible.get("reading", "")),
            "stations": [
                {**station, "rules": [say(rule_words.get(r), r) for r in station.get("rules", [])]}
                for station in (impossible.get("stations") or [])[:200]
            ],
        }
    regions = [
        {
            **region,
            "flags": [
                title_of(key, title)
                for key, title in zip(
                    region.get("flag_keys", []), region.get("flags", []), strict=False
                )
            ]
            if "flag_keys" in region
            else region.get("flags", []),
        }
        for region in figures.get("forensic_regions", [])
    ]
    return {**figures, "tests": tests, "impossible": impossible, "forensic_regions": regions}


def localised_warnings(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mapping warnings (``MappingWarning.as_dict()``) with their messages in the active language."""
    return [{**w, "message": say(w.get("words"), w.get("message", ""))} for w in warnings]
