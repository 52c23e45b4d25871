"""Media monitoring: space and tone per subject in each outlet (only when the mission monitors media)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_lazy

from pollwatch.elections.models import Election

KEY = "media"
TITLE = gettext_lazy("Media")
CHARTS: list[str] = []


def context(election: Election) -> dict[str, Any] | None:
    from pollwatch.media.charts import ToneBar, tone_bars
    from pollwatch.media.report import chart_words, coverage

    outlets = coverage(election)
    if not outlets:
        return None
    shown = []
    for report in outlets:
        bars = [
            ToneBar(s.name, s.tone["positive"], s.tone["neutral"], s.tone["negative"])
            for s in report.subjects[:8]
        ]
        shown.append(
            {
                "report": report,
                "chart": tone_bars(
                    bars,
                    title=gettext("Tone toward each subject in %(outlet)s")
                    % {"outlet": report.outlet},
                    words=chart_words(),
                ),
            }
        )
    return {"outlets": shown, "items": sum(r.items for r in outlets)}


def suggestion(ctx: dict[str, Any]) -> str:
    leaders = []
    for entry in ctx["outlets"]:
        report = entry["report"]
        if report.subjects:
            top = report.subjects[0]
            leaders.append(
                f"{report.outlet} gave {100 * top.share:.0f} % of its coverage to {top.name}"
            )
    return (
        f"The mission monitored {ctx['items']:,} items in {len(ctx['outlets'])} outlets. "
        + "; ".join(leaders)
        + "."
    )


def methods(ctx: dict[str, Any]) -> list[str]:
    return []
