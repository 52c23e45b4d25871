"""The forensics page's and the official-results mapping screen's sentences, in the reader's language.

The statistics (``pollwatch.stats``, Django-free) write their sentences in
English for the CLI and the JSON API, and keep beside each one its key and
parameters (``pollwatch.stats.phrases.Words``, stored as ``reading_words`` on
a forensic test, ``rule_words`` on the impossible values, ``words`` on a
mapping warning). This is the one table that renders them on the pages: one
gettext string per key, whose English equals the statistics' English (the
tests render every key through it and compare). Parameters are figures
already formatted, so a sentence keeps its figures in every language, or
nested sentences (a field's name, a list). A result stored before a sentence
had its key is shown in its English as it was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from pollwatch.stats.phrases import ENGLISH, Words

TABLE: dict[str, Promise] = {
    # Said only by the pages (the statistics write no such sentence).
    "mapping.votes-for": pgettext_lazy("results field", "Votes for %(candidate)s"),
    "title.integer_percentages": pgettext_lazy(
        "forensic test", "Integer percentages (round-number turnout or leader's share)"
    ),
    "title.second_digit": pgettext_lazy("forensic test", "Second digit of ballots cast (Benford)"),
    "title.last_digit": pgettext_lazy("forensic test", "Last digit of ballots cast"),
    "title.zero_five_counts": pgettext_lazy("forensic test", "Counts ending in 0 or 5"),
    "title.zero_five_percentages": pgettext_lazy(
        "forensic test", "Turnout percentages ending in 0 or 5"
    ),
    "title.skewness": pgettext_lazy("forensic test", "Skewness of turnout"),
    "title.kurtosis": pgettext_lazy("forensic test", "Kurtosis of turnout"),
    "title.dip_test": pgettext_lazy("forensic test", "Several peaks in turnout (dip test)"),
    "title.sobyanin_sukhovolsky": pgettext_lazy(
        "forensic test", "Extra votes with turnout (Sobyanin–Sukhovolsky)"
    ),
    "title.turnout_share_correlation": pgettext_lazy(
        "forensic test", "Turnout and leader's share move together"
    ),
    "title.fingerprint": pgettext_lazy("forensic test", "Election fingerprint (turnout × share)"),
    "title.impossible_values": pgettext_lazy("forensic test", "Impossible values in protocols"),
    "forensics.fingerprint.too-few": pgettext_lazy(
        "forensic reading", "too few stations to fit the fraud model"
    ),
    "forensics.fingerprint.rigged": pgettext_lazy(
        "forensic reading",
        "the fingerprint fits best with %(incremental)s of stations incrementally and %(extreme)s extremely rigged: a smear toward high turnout and high leader share",
    ),
    "forensics.fingerprint.clean": pgettext_lazy(
        "forensic reading", "the fingerprint looks like a clean election's single blob"
    ),
    "forensics.integer.too-few": pgettext_lazy(
        "forensic reading", "not enough stations (or replicates) for the test"
    ),
    "forensics.integer.excess": pgettext_lazy(
        "forensic reading",
        "%(excess)s more stations with whole-number percentages than chance gives (%(z)s null SDs): a sign that results were written rather than counted",
    ),
    "forensics.integer.fewer": pgettext_lazy(
        "forensic reading",
        "fewer whole-number percentages than chance: unusual but not a sign of rounding",
    ),
    "forensics.integer.chance": pgettext_lazy(
        "forensic reading", "whole-number percentages about as often as chance gives"
    ),
    "forensics.too-few": pgettext_lazy(
        "forensic reading", "too few stations (%(n)s) for this test"
    ),
    "forensics.second-digit.differs": pgettext_lazy(
        "forensic reading",
        "mean second digit %(mean)s vs 4.187 expected (%(z)s SE); digit frequencies differ from Benford's (a weak signal alone: 2BL also flags clean counts)",
    ),
    "forensics.second-digit.compatible": pgettext_lazy(
        "forensic reading",
        "mean second digit %(mean)s vs 4.187 expected (%(z)s SE); digit frequencies are compatible with Benford's (a weak signal alone: 2BL also flags clean counts)",
    ),
    "forensics.last-digit.not-uniform": pgettext_lazy(
        "forensic reading",
        "last digits are not uniform: some digits are favoured, as when numbers are made up",
    ),
    "forensics.last-digit.uniform": pgettext_lazy(
        "forensic reading", "last digits look uniform, as in counted numbers"
    ),
    "forensics.zero-five.counts.over": pgettext_lazy(
        "forensic reading",
        "%(share)s of counts end in 0 or 5 (20 %% expected): round numbers are over-represented",
    ),
    "forensics.zero-five.counts.avoided": pgettext_lazy(
        "forensic reading",
        "%(share)s of counts end in 0 or 5 (20 %% expected): round numbers are avoided",
    ),
    "forensics.zero-five.counts.chance": pgettext_lazy(
        "forensic reading", "%(share)s of counts end in 0 or 5, as expected by chance (20 %%)"
    ),
    "forensics.zero-five.percentages.over": pgettext_lazy(
        "forensic reading",
        "%(share)s of turnout percentages end in 0 or 5 (20 %% expected): round numbers are over-represented",
    ),
    "forensics.zero-five.percentages.avoided": pgettext_lazy(
        "forensic reading",
        "%(share)s of turnout percentages end in 0 or 5 (20 %% expected): round numbers are avoided",
    ),
    "forensics.zero-five.percentages.chance": pgettext_lazy(
        "forensic reading",
        "%(share)s of turnout percentages end in 0 or 5, as expected by chance (20 %%)",
    ),
    "forensics.skewness.high-tail": pgettext_lazy(
        "forensic reading", "turnout has a long tail of high-turnout stations"
    ),
    "forensics.skewness.low-tail": pgettext_lazy(
        "forensic reading", "turnout has a long tail of low-turnout stations"
    ),
    "forensics.skewness.symmetric": pgettext_lazy("forensic reading", "turnout is about symmetric"),
    "forensics.kurtosis.peaked": pgettext_lazy(
        "forensic reading",
        "turnout is more peaked or heavier-tailed than normal (outlying stations)",
    ),
    "forensics.kurtosis.flat": pgettext_lazy(
        "forensic reading", "turnout is flatter than normal (possibly several groups of stations)"
    ),
    "forensics.kurtosis.normal": pgettext_lazy(
        "forensic reading", "turnout tails are as heavy as a normal distribution's"
    ),
    "forensics.dip.several-peaks": pgettext_lazy(
        "forensic reading",
        "turnout has more than one peak: stations fall into distinct groups (e.g. a second, rigged mode)",
    ),
    "forensics.dip.one-peak": pgettext_lazy("forensic reading", "turnout has a single peak"),
    "forensics.slope.no-variation": pgettext_lazy(
        "forensic reading", "turnout does not vary across stations"
    ),
    "forensics.slope.above-one": pgettext_lazy(
        "forensic reading",
        "slope %(slope)s > 1: each extra ballot adds more than one vote to the leader — votes move to the leader as turnout rises",
    ),
    "forensics.slope.above-share": pgettext_lazy(
        "forensic reading",
        "slope %(slope)s above the leader's share %(share)s: extra turnout goes disproportionately to the leader (ballot stuffing, or regional differences)",
    ),
    "forensics.slope.in-line": pgettext_lazy(
        "forensic reading", "slope %(slope)s in line with the leader's share %(share)s"
    ),
    "forensics.correlation.strong": pgettext_lazy(
        "forensic reading",
        "strong positive correlation (%(r)s): the leader does better where turnout is higher",
    ),
    "forensics.correlation.weak": pgettext_lazy(
        "forensic reading", "correlation %(r)s: statistically clear but not strong"
    ),
    "forensics.correlation.none": pgettext_lazy(
        "forensic reading", "no correlation between turnout and the leader's share"
    ),
    "forensics.impossible.some": pgettext_lazy(
        "forensic reading",
        "%(count)s station(s) report arithmetically impossible or inconsistent figures",
    ),
    "forensics.impossible.none": pgettext_lazy(
        "forensic reading", "no station reports impossible figures"
    ),
    "forensics.rule.negative": pgettext_lazy("forensic rule", "negative %(name)s"),
    "forensics.rule.over-registered": pgettext_lazy(
        "forensic rule", "turnout above 100 %% (ballots > registered)"
    ),
    "forensics.rule.over-issued": pgettext_lazy(
        "forensic rule", "ballots in box above ballots issued"
    ),
    "forensics.rule.leader-over-valid": pgettext_lazy("forensic rule", "leader above valid"),
    "forensics.rule.valid-over-ballots": pgettext_lazy("forensic rule", "valid above ballots"),
    "forensics.rule.candidates-not-valid": pgettext_lazy(
        "forensic rule", "candidates' votes do not sum to valid (suspicious)"
    ),
    "forensics.calibrated.second-digit.beyond": pgettext_lazy(
        "forensic reading",
        "mean second digit %(statistic)s against %(mean)s ± %(sd)s in elections redrawn from each region's turnout: more than the regions' differences explain",
    ),
    "forensics.calibrated.second-digit.within": pgettext_lazy(
        "forensic reading",
        "mean second digit %(statistic)s against %(mean)s ± %(sd)s in elections redrawn from each region's turnout: within what the regions' differences give",
    ),
    "forensics.calibrated.kurtosis.beyond": pgettext_lazy(
        "forensic reading",
        "kurtosis of turnout %(statistic)s against %(mean)s ± %(sd)s in elections redrawn from each region's turnout: more than the regions' differences explain",
    ),
    "forensics.calibrated.kurtosis.within": pgettext_lazy(
        "forensic reading",
        "kurtosis of turnout %(statistic)s against %(mean)s ± %(sd)s in elections redrawn from each region's turnout: within what the regions' differences give",
    ),
    "list.and": pgettext_lazy("list", "%(items)s and %(last)s"),
    "mapping.field.station": pgettext_lazy("results field", "Polling station code"),
    "mapping.field.registered": pgettext_lazy("results field", "Registered voters"),
    "mapping.field.ballots_issued": pgettext_lazy("results field", "Ballots issued to voters"),
    "mapping.field.ballots_cast": pgettext_lazy(
        "results field", "Ballots found in the ballot boxes"
    ),
    "mapping.field.invalid": pgettext_lazy("results field", "Invalid ballots"),
    "mapping.field.valid": pgettext_lazy("results field", "Valid ballots"),
    "mapping.field-in-sentence.registered": pgettext_lazy("results field", "registered voters"),
    "mapping.field-in-sentence.ballots_issued": pgettext_lazy(
        "results field", "ballots issued to voters"
    ),
    "mapping.field-in-sentence.ballots_cast": pgettext_lazy(
        "results field", "ballots found in the ballot boxes"
    ),
    "mapping.field-in-sentence.invalid": pgettext_lazy("results field", "invalid ballots"),
    "mapping.field-in-sentence.valid": pgettext_lazy("results field", "valid ballots"),
    "mapping.field-in-sentence.candidate": pgettext_lazy("results field", "candidate %(code)s"),
    "mapping.unknown-field.one": pgettext_lazy(
        "mapping check",
        "%(fields)s is not a field of this election (fields are station, the counts and the candidates' codes).",
    ),
    "mapping.unknown-field.many": pgettext_lazy(
        "mapping check",
        "%(fields)s are not fields of this election (fields are station, the counts and the candidates' codes).",
    ),
    "mapping.unknown-column": pgettext_lazy(
        "mapping check", "The file has no column %(column)s (chosen for %(field)s)."
    ),
    "mapping.duplicate-column-name": pgettext_lazy(
        "mapping check",
        "The file has %(count)s columns named %(column)s, so the name does not say which one holds %(field)s; rename them in the file.",
    ),
    "mapping.column-mapped-twice": pgettext_lazy(
        "mapping check",
        "The column %(column)s is chosen for %(fields)s; a column can hold only one of them.",
    ),
    "mapping.station-unmapped": pgettext_lazy(
        "mapping check", "No column is chosen for the polling station code."
    ),
    "mapping.candidate-unmapped.one": pgettext_lazy(
        "mapping check",
        "No column is chosen for candidate %(codes)s; every candidate's votes are needed.",
    ),
    "mapping.candidate-unmapped.many": pgettext_lazy(
        "mapping check",
        "No column is chosen for candidates %(codes)s; every candidate's votes are needed.",
    ),
    "mapping.not-numeric": pgettext_lazy(
        "mapping check",
        "Most cells of %(column)s (chosen for %(field)s) are not whole numbers, e.g. %(example)s: is this the right column?",
    ),
    "mapping.some-not-numeric": pgettext_lazy(
        "mapping check",
        "%(bad)s of %(n)s rows have a value in %(column)s that is not a whole number, e.g. %(example)s in row %(row)s; those rows will be refused.",
    ),
    "mapping.mostly-blank.candidate": pgettext_lazy(
        "mapping check",
        "%(column)s is blank in %(blank)s of %(n)s rows; rows without a candidate's votes are refused.",
    ),
    "mapping.mostly-blank.count": pgettext_lazy(
        "mapping check", "%(column)s is blank in %(blank)s of %(n)s rows; is this the right column?"
    ),
    "mapping.station-blank": pgettext_lazy(
        "mapping check",
        "The station code (%(column)s) is blank in %(blank)s of %(n)s rows; those rows will be refused.",
    ),
    "mapping.duplicate-station": pgettext_lazy(
        "mapping check",
        "Station codes in %(column)s repeat in %(repeat)s of %(n)s rows (%(example)s). A station code must be unique: if stations are numbered within each district, make a code from the district and the number first.",
    ),
    "mapping.duplicate-station.example": pgettext_lazy(
        "mapping check", "%(code)s is in rows %(first)s and %(second)s"
    ),
    "mapping.registered-cast-swapped": pgettext_lazy(
        "mapping check",
        "In %(fails)s of %(n)s rows (%(share)s) registered voters are fewer than the ballots cast: the registered voters and ballots cast columns look swapped.",
    ),
    "mapping.issued-cast-swapped": pgettext_lazy(
        "mapping check",
        "In %(fails)s of %(n)s rows (%(share)s) fewer ballots were issued than were found in the boxes: the ballots issued and ballots cast columns look swapped.",
    ),
    "mapping.valid-cast-swapped": pgettext_lazy(
        "mapping check",
        "In %(fails)s of %(n)s rows (%(share)s) valid ballots outnumber the ballots cast: the valid and ballots cast columns look swapped, or one holds something else.",
    ),
    "mapping.invalid-valid-swapped": pgettext_lazy(
        "mapping check",
        "In %(fails)s of %(n)s rows (%(share)s) invalid ballots outnumber valid ones: the invalid and valid columns look swapped.",
    ),
    "mapping.votes-not-valid": pgettext_lazy(
        "mapping check",
        "The candidates' votes do not add up to the valid ballots in %(fails)s of %(n)s rows (%(share)s), e.g. row %(row)s: %(votes)s votes against %(valid)s valid. %(hint)s",
    ),
    "mapping.votes-not-valid.unmapped": pgettext_lazy(
        "mapping check", "Some candidates have no column yet."
    ),
    "mapping.votes-not-valid.too-few": pgettext_lazy(
        "mapping check",
        "A candidate column may be wrong, or the valid column holds something larger.",
    ),
    "mapping.votes-not-valid.too-many": pgettext_lazy(
        "mapping check",
        "A column that is not a candidate's may be chosen as one, or the valid column is wrong.",
    ),
    "mapping.valid-invalid-not-cast": pgettext_lazy(
        "mapping check",
        "Valid plus invalid ballots differ from the ballots cast in %(fails)s of %(n)s rows (%(share)s), e.g. row %(row)s: %(total)s against %(cast)s.",
    ),
}


def say(words: Words | Mapping[str, Any] | None, english: str = "") -> str:
    """``words`` in the active language; ``english`` when there are none or the key is unknown here."""
    if words is None:
        return english
    if not isinstance(words, Words):
        try:
            words = Words.from_dict(words)
        except (KeyError, TypeError, AttributeError):
            return english
    template = TABLE.get(words.key)
    if template is None:
        return english or (words.english() if words.key in ENGLISH else words.key)
    params = {
        name: say(value) if isinstance(value, Words) else value
        for name, value in words.params.items()
    }
    try:
        return str(template) % params
    except (KeyError, ValueError, TypeError):  # a parameter the stored sentence lacks
        return english or str(template)


def title_of(key: str, english: str = "") -> str:
    """A forensic test's title (``FORENSIC_TITLES``) in the active language."""
    title = TABLE.get(f"title.{key}")
    return str(title) if title is not None else english or key


def field_label(name: str, english: str = "") -> str:
    """An official-results field's label ("Registered voters") in the active language."""
    label = TABLE.get(f"mapping.field.{name}")
    return str(label) if label is not None else english or name


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
