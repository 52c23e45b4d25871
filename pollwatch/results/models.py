"""Official results per station, third parties' announced figures, and stored forensic runs.

Estimates from our own observers (quick count, exit poll) are not stored: they
are computed from the submissions by ``pollwatch.results.estimates`` whenever
they are asked for, so they can never disagree with the data.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
        EXIT_POLL = "exit_poll", _("exit poll")
        PRELIMINARY = "preliminary", _("preliminary official result")
        OTHER = "other", _("other estimate")

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
        QUEUED = "queued", pgettext_lazy("job status", "Queued")
        RUNNING = "running", _("Running")
        FAILED = "failed", _("Failed")
        DONE = "done", _("Done")

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


class SampleDesign(models.Model):
    """How the election's station sample was drawn: the quick count's strata and weights come from here.

    An *imported* design lists every sampled and reserve station with its
    stratum and weight 1/π (``pollwatch import-sample``, the output of
    ``pollwatch sample``). An *inferred* design records only that the sample
    is read off the deployments, as a stratified SRS with the strata the
    stations file or the geography gives (``strata_rule``); it is shown as
    such on the quick-count page until a person confirms it.
    """

    class Method(models.TextChoices):
        SRS = "srs", _("stratified simple random sample")
        PPS = "pps", _("probability proportional to size")

    class Source(models.TextChoices):
        INFERRED = "inferred", _("inferred from the deployments")
        IMPORTED = "imported", _("imported from `pollwatch sample`")

    election = models.OneToOneField(
        Election, on_delete=models.CASCADE, related_name="sample_design"
    )
    method = models.CharField(max_length=3, choices=Method.choices, default=Method.SRS)
    source = models.CharField(max_length=10, choices=Source.choices)
    strata_rule = models.CharField(
        max_length=300, blank=True, help_text="where an inferred design's strata come from"
    )
    strata = models.JSONField(
        default=dict,
        blank=True,
        help_text="imported: {stratum: N_h}, from the weights (Σ 1/π over its sampled stations)",
    )
    calibrate_by = models.JSONField(
        default=list,
        blank=True,
        help_text="frame columns the reporting stations are post-stratified by within strata "
        "(each sampled station's category in SampledStation.cell)",
    )
    parameters = models.JSONField(
        default=dict,
        blank=True,
        help_text="how a sample drawn in the app was drawn: seed, method, stratum, size, reserves",
    )
    file_name = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    raw = models.TextField(blank=True, help_text="the imported file exactly as read")
    recorded = models.DateTimeField(auto_now=True)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.method} design of {self.election}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class SampledStation(models.Model):
    """One station of an imported design: its stratum, weight 1/π, role and whether the exit poll plans it."""

    class Role(models.TextChoices):
        SAMPLED = "sampled", pgettext_lazy("sampled station role", "Sampled")
        RESERVE = "reserve", pgettext_lazy("sampled station role", "Reserve")
        OBSERVED = "observed", _("observed only (never enlarges the sample)")

    design = models.ForeignKey(SampleDesign, on_delete=models.CASCADE, related_name="stations")
    station = models.ForeignKey(PollingStation, on_delete=models.CASCADE, related_name="+")
    stratum = models.CharField(max_length=200)
    weight = models.FloatField(null=True, blank=True, help_text="1/π; empty for reserves")
    role = models.CharField(max_length=10, choices=Role.choices)
    reserve_rank = models.PositiveIntegerField(null=True, blank=True)
    replaces = models.ForeignKey(
        PollingStation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="a reserve in use: the sampled station it replaces (it takes that station's weight)",
    )
    exit_poll = models.BooleanField(
        default=False, help_text="planned for the exit poll (the exit poll's own sample)"
    )
    cell = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="the station's category in the design's calibration columns (values joined by |)",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["design", "station"], name="sampled_station_once")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.role} in {self.stratum}"


class FigureCache(models.Model):
    """The last computed figures of one kind (``name``), shared by every worker (``results.freshness``).

    One row per name, replaced in place: ``version`` is the data version the
    ``value`` was computed from and ``computed_at`` when that computation
    started, which only ever moves forward. ``claimed_version`` and
    ``claimed_at`` mark the recomputation one worker is running, so no other
    worker starts the same one. The value is pickled like a cache entry:
    figures carry datetimes, NaN and tuples that JSON would change.
    """

    name = models.CharField(max_length=200, unique=True)
    version = models.CharField(max_length=200)
    computed_at = models.DateTimeField()
    value = models.BinaryField()
    claimed_version = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.version}"
