"""Figures as the analysis pages print them: shares as percentages, margins in percentage points."""

from __future__ import annotations

import math

from django import template
from django.utils import formats
from django.utils.translation import gettext, gettext_noop, pgettext

from pollwatch.lib import figures
from pollwatch.results import wording

register = template.Library()

# The titles of the analysis charts (pollwatch/results/charts.py keeps them in English, as keys),
# marked here so that the pages and the chart view's placeholder show them translated.
CHART_TITLES = (
    gettext_noop("Quick-count estimates with 95 % intervals"),
    gettext_noop("Convergence of the estimates as result forms arrive"),
    gettext_noop("Sampled stations reported, by region"),
    gettext_noop("Exit-poll estimates with 95 % intervals"),
    gettext_noop("Official result against our quick-count interval"),
    gettext_noop("Net votes gained in the official figures over observers' copies"),
    gettext_noop("Election fingerprint: turnout against the leader's share"),
    gettext_noop("Turnout percentages against the Monte Carlo band"),
    gettext_noop("Leader's percentages against the Monte Carlo band"),
    gettext_noop("Second digits of ballots cast against Benford's law"),
    gettext_noop("Last digits of ballots cast against the uniform expectation"),
    gettext_noop("Checklist findings with 95 % intervals"),
    gettext_noop("The most frequent alarming findings by region"),
)


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.6129 -> "61.3 %" ("61,3 %" in French or Russian: the language's decimal mark);
    None (an undefined figure) -> "—"."""
    if value is None or value == "":
        return "—"
    text = f"{100 * float(value):.{int(digits)}f}"
    if not math.isfinite(float(value)):
        return f"{text} %"
    return f"{formats.number_format(text, int(digits), use_l10n=True)} %"


@register.filter
def say(value: object) -> str:
    """A sentence of the statistics in the active language (``pollwatch.results.wording``)."""
    return wording.say(value)


@register.filter
def call_status(value: object) -> str:
    """A call's status ("not enough data") in the active language."""
    return wording.status(value)


@register.filter
def term(value: object) -> str:
    """A fixed word the figures carry ("linearized", "not yet") in the active language."""
    return wording.term(value)


@register.filter
def margin(se: float | None) -> str:
    """Half-width of the 95 % interval in percentage points, from a standard error."""
    if se is None or se == "":
        return "—"
    return points(1.96 * float(se))


@register.filter
def signed(value: int | float | None) -> str:
    if value is None:
        return "—"
    return f"{value:+,}" if isinstance(value, int) else f"{value:+,.1f}"


@register.inclusion_tag("results/_chart.html", takes_context=True)
def chart(context, name: str) -> dict:
    """An analysis chart as an image whose URL carries its data version, with SVG and PNG downloads."""
    from django.urls import reverse

    from pollwatch.results import charts

    election = context["election"]
    return {
        "name": name,
        "election": election,
        "title": gettext(charts.TITLES[name]),
        "src": reverse("chart", args=[election.slug, name, "svg"])
        + f"?v={charts.version(name, election)}",
    }


def _points_unit(text: str) -> str:
    # Translators: a difference of two percentages in percentage points, e.g. "12.3 pp" for a
    # lead of 12.3 points; use your language's usual abbreviation.
    return pgettext("percentage points", "%(number)s pp") % {"number": text}


@register.filter
def points(value: float | None, digits: int | str = 1) -> str:
    """A difference of shares in percentage points: 0.123 -> "12.3 pp" ("12,3 п. п." in Russian);
    ``digits`` "+2" prints two decimals and the sign of a gain too ("+0.42 pp"); None -> "—"."""
    if value is None or value == "":
        return "—"
    spec = str(digits)
    plus = spec.startswith("+")
    places = int(spec.lstrip("+"))
    number = 100 * float(value)
    if not math.isfinite(number):
        return _points_unit(f"{number}")
    text = formats.number_format(f"{abs(number):.{places}f}", places, use_l10n=True)
    rounded_zero = float(f"{abs(number):.{places}f}") == 0
    sign = "" if rounded_zero else "\u2212" if number < 0 else "+" if plus else ""
    return _points_unit(f"{sign}{text}")


@register.filter
def percent_beside(value: float | None, threshold: float | None, digits: int = 1) -> str:
    """A share beside a threshold it is read against (the 80 % of sampled stations a call needs,
    complete official results): rounded so it cannot reach the threshold when the share does
    not, nor fall under it when it does: 479/600 beside 0.8 -> "79.8 %" (pollwatch/lib/figures.py)."""
    if value is None or value == "":
        return "—"
    if threshold is None or threshold == "" or not math.isfinite(float(value)):
        return percent(value, digits)
    shown = figures.percent_beside(float(value), float(threshold), int(digits))
    return f"{formats.number_format(shown, int(digits), use_l10n=True)} %"
