"""Official results per station, third parties' announced figures, and stored forensic runs.

Estimates from our own observers (quick count, exit poll) are not stored: they
are computed from the submissions by ``pollwatch.results.estimates`` whenever
they are asked for, so they can never disagree with the data.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models

from pollwatch.elections.models import Election, ImportJob, PollingStation


class OfficialResult(models.Model):
    """The election commission's protocol for one station, as imported (one row per station)."""

    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="official_results", db_index=False
    )
    station = models.ForeignKey(
        PollingStation, on_delete=models.CASCADE, related_name="official_results"
    )
    job = models.ForeignKey(
        ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    row = models.PositiveIntegerField(null=True, blank=True, help_text="row in the imported file")
    registered = models.PositiveIntegerField(null=True, blank=True)
    ballots_issued = models.PositiveIntegerField(null=True, blank=True)
    ballots_cast = models.PositiveIntegerField(null=True, blank=True)
    invalid = models.PositiveIntegerField(null=True, blank=True)
    valid = models.PositiveIntegerField(null=True, blank=True)
    votes = models.JSONField(default=dict, help_text="{candidate code: votes}")
    flags = models.JSONField(
        default=list,
        blank=True,
        help_text="arithmetic inconsistencies of the protocol as published",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "station"], name="official_station_unique")
        ]
        ordering = ["station"]

    def __str__(self) -> str:
        return f"official result at {self.station_id}"


class PublishedPoll(models.Model):
    """A figure someone else announced, e.g. a broadcaster's exit poll: "incumbent 73 %"."""

    class Kind(models.TextChoices):
        EXIT_POLL = "exit_poll", "exit poll"
        PRELIMINARY = "preliminary", "preliminary official result"
        OTHER = "other", "other estimate"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="published_polls")
    source = models.CharField(max_length=200, help_text="who announced it, e.g. 'State TV / XYZ'")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EXIT_POLL)
    announced_at = models.DateTimeField(null=True, blank=True)
    shares = models.JSONField(help_text="{candidate code: percent of valid votes}")
    turnout = models.FloatField(null=True, blank=True, help_text="percent, when announced")
    url = models.URLField(blank=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.source}"


class ForensicsRun(models.Model):
    """One run of every forensic test on the official results, done by the task worker."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        FAILED = "failed"
        DONE = "done"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="forensics_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stations = models.PositiveIntegerField(default=0)
    replicates = models.PositiveIntegerField(default=1000)
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent done")
    result = models.JSONField(null=True, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"forensics {self.created:%Y-%m-%d %H:%M} ({self.status})"


class OfficialSummary(models.Model):
    """Totals of the official results, nationally and per region, refreshed after each import.

    Dashboards read these instead of summing a million protocols per request.
    """

    election = models.OneToOneField(
        Election, on_delete=models.CASCADE, related_name="official_summary"
    )
    stations = models.PositiveIntegerField(default=0)
    totals = models.JSONField(
        default=dict,
        help_text='{"national": {field: sum, "votes": {code: sum}}, "regions": {code: {...}}}',
    )
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"official totals of {self.election_id}"
