"""The mission's preliminary statement: analysts' text per section around figures computed from the data."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import pgettext_lazy

from pollwatch.elections.models import Election


class Statement(models.Model):
    """A statement in draft until published; publishing freezes its HTML, PDF and the audit head."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("statement status", "Draft")
        PUBLISHED = "published", pgettext_lazy("statement status", "Published")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="statements")
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    texts = models.JSONField(default=dict, blank=True, help_text="{section key: analyst's text}")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    audit_head = models.CharField(max_length=64, blank=True)
    html = models.TextField(blank=True, help_text="the published rendering, frozen")
    language = models.CharField(
        max_length=10, blank=True, help_text="the language it was published in (its page's lang)"
    )
    pdf_path = models.CharField(max_length=500, blank=True)
    override_reason = models.TextField(
        blank=True, help_text="why it was published although something blocked publication"
    )
    overridden = models.JSONField(
        default=list,
        blank=True,
        help_text="what blocked publication when it was overridden: [{key, problem, detail, clause}]",
    )

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    @property
    def override_notice(self) -> str:
        """The sentence the published text carries when publication was forced; "" otherwise.

        Built from what was stored at publication, so it says what blocked
        publication then, whatever the data says later.
        """
        if not self.override_reason:
            return ""
        clauses = [item["clause"] for item in self.overridden]
        when = ", and ".join(clauses) if clauses else "although publication was blocked"
        return f"Published {when}. The mission's reason: {self.override_reason}"
