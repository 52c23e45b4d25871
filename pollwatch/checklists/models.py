"""The forms observers fill for one election: checklists, incidents, results, exit-poll tallies.

A form's definition is kept as the YAML text of ``pollwatch.formspec``; a
changed definition is stored as a new version, never an overwrite, so every
submission stays tied to the questions it answered.
"""

from __future__ import annotations

import time
from functools import cached_property, lru_cache

from django.db import models
from django.utils.translation import pgettext_lazy

from pollwatch.elections.models import Election

# The staff pages' words for a form's phase (formspec stays free of Django; the values are
# stored, sent to the phone and used in filters as they are).
PHASE_LABELS = {  # one per formspec.spec.PHASES
    "opening": pgettext_lazy("form phase", "opening"),
    "voting": pgettext_lazy("form phase", "voting"),
    "closing": pgettext_lazy("form phase", "closing"),
    "counting": pgettext_lazy("form phase", "counting"),
    "any": pgettext_lazy("form phase", "any"),
}


def phase_label(phase: str) -> str:
    """A phase in the page's language; an unknown value is shown as it is."""
    return str(PHASE_LABELS.get(phase, phase))


class Form(models.Model):
    class Kind(models.TextChoices):
        CHECKLIST = "checklist", pgettext_lazy("form kind", "Checklist")
        INCIDENT = "incident", pgettext_lazy("form kind", "Incident")
        RESULTS = "results", pgettext_lazy("form kind", "Results")
        EXITPOLL = "exitpoll", pgettext_lazy("form kind", "exit-poll tally")

    class State(models.TextChoices):
        """Where a version is in its life; only a live version reaches observers (``active``)."""

        DRAFT = "draft", pgettext_lazy("form state", "Draft")  # uploaded, previewed, never served
        LIVE = "live", pgettext_lazy("form state", "Live")  # observers fill it now: one per code
        SUPERSEDED = "superseded", pgettext_lazy("form state", "Superseded")  # a later one is live
        CLOSED = "closed", pgettext_lazy("form state", "Closed")  # out of use, none after it

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="forms")
    code = models.CharField(max_length=16, help_text="the form code typed first in an SMS, e.g. OP")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    phase = models.CharField(max_length=20, default="any")
    version = models.PositiveIntegerField(default=1)
    definition = models.TextField(help_text="the form in pollwatch's YAML format")
    fingerprint = models.CharField(max_length=64)
    active = models.BooleanField(default=True, help_text="the version observers fill now")
    state = models.CharField(max_length=12, choices=State.choices, default=State.LIVE)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "code", "version"], name="form_version_unique"
            ),
            # Every reader of "the forms observers fill" filters on active: a draft or
            # closed version can never be active, whatever code writes it.
            models.CheckConstraint(
                condition=models.Q(active=False) | models.Q(state="live"),
                name="form_active_only_when_live",
            ),
            models.UniqueConstraint(
                fields=["election", "code"],
                condition=models.Q(active=True),
                name="form_one_live_version",
            ),
        ]
        ordering = ["election", "code", "-version"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} {self.name}"

    def save(self, *args, **kwargs) -> None:
        # Code that only knows ``active`` (older tests, the Django admin) turning a version
        # off leaves it closed, not "live but inactive".
        if not self.active and self.state == self.State.LIVE:
            self.state = self.State.CLOSED
        super().save(*args, **kwargs)

    @cached_property
    def spec(self):
        return parsed_form(self.fingerprint, self.definition)

    def sms_rules(self):
        return parsed_sms_rules(self.fingerprint, self.definition)


# Parsing a multilingual form takes milliseconds and every report needs it: each
# process keeps the parsed forms it has seen, keyed by their content fingerprint.
@lru_cache(maxsize=512)
def parsed_form(fingerprint: str, definition: str):
    from pollwatch.formspec.spec import loads_form

    return loads_form(definition)


@lru_cache(maxsize=512)
def parsed_sms_rules(fingerprint: str, definition: str):
    return parsed_form(fingerprint, definition).sms_rules()


FORMS_TTL = 5.0
_active_forms: dict[int, tuple[float, dict[str, Form]]] = {}


def active_forms(election: Election) -> dict[str, Form]:
    """The election's current forms by code. Every report needs them, so each process
    keeps them for a few seconds; installing a form here forgets them at once."""
    now = time.monotonic()
    cached = _active_forms.get(election.pk)
    if cached is not None and cached[0] > now:
        return cached[1]
    forms = {form.code: form for form in Form.objects.filter(election=election, active=True)}
    _active_forms[election.pk] = (now + FORMS_TTL, forms)
    return forms


def forget_active_forms() -> None:
    _active_forms.clear()
