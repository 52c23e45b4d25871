"""The mission's preliminary statement: analysts' text per section around figures computed from the data."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models

from pollwatch.elections.models import Election


class Statement(models.Model):
    """A statement in draft until published; publishing freezes its HTML, PDF and the audit head."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

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
    pdf_path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title
