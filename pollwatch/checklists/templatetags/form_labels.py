"""Template filters that show a form's stored words (its phase) in the page's language.

The values stay as stored in links, filters and CSS classes; only the shown text changes.
"""

from __future__ import annotations

from django import template

from pollwatch.checklists.models import phase_label as _phase_label

register = template.Library()


@register.filter
def phase_label(phase: str) -> str:
    """``{{ form.phase|phase_label }}``: "voting" as the page's language says it."""
    return _phase_label(phase)
