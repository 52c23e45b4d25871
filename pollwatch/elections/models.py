"""The election being observed: its geography, polling stations, contests and candidates."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pollwatch.stats.calls import ContestRules


class Election(models.Model):
    class Kind(models.TextChoices):
        PRESIDENTIAL = "presidential", _("Presidential")
        PARLIAMENTARY = "parliamentary", _("Parliamentary")
        REFERENDUM = "referendum", _("Referendum")

    class Status(models.TextChoices):
        SETUP = "setup", _("Setup")
        CAMPAIGN = "campaign", _("Campaign")
        ELECTION_DAY = "election_day", _("election day")
        COUNTING = "counting", _("Counting")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PRESIDENTIAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SETUP)
    country_code = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166 code; the default region for phone numbers"
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="IANA time zone of the polling stations, e.g. Asia/Baku",
    )
    languages = models.CharField(
        max_length=100,
        default="en",
        help_text="comma-separated language codes of area names, first is the default",
    )
    sample_strata_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="geography level the observers' station sample was stratified by (1 = regions); "
        "empty: by each station's own area. The quick count, exit poll and findings weight by it.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("election-home", args=[self.slug])


class Area(models.Model):
    """One node of the geography tree (region, district, municipality, ...), any depth.

    ``path`` is the materialised path of codes ("/R01/D005/") so that a subtree is
    one indexed prefix filter; ``station_count`` and ``registered_voters`` cover the
    whole subtree and are refreshed after each import.
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="areas")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.PositiveSmallIntegerField(help_text="1 for the top level under the country")
    level_name = models.CharField(max_length=50, help_text="region, district, municipality, ...")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    names = models.JSONField(
        default=dict, blank=True, help_text="names in other languages: {language: name}"
    )
    path = models.CharField(max_length=700)
    newly_included = models.BooleanField(default=False, help_text="newly (re)included territory")
    boundary = models.JSONField(
        null=True, blank=True, help_text="GeoJSON Polygon or MultiPolygon, for maps"
    )
    station_count = models.PositiveIntegerField(default=0)
    registered_voters = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="area_code_unique")
        ]
        indexes = [
            models.Index(fields=["election", "path"]),
            models.Index(fields=["election", "parent"]),
        ]
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PollingStation(models.Model):
    class Special(models.TextChoices):
        NONE = "", pgettext_lazy("station type", "ordinary")
        MILITARY = "military", pgettext_lazy("station type", "Military")
        HOSPITAL = "hospital", pgettext_lazy("station type", "Hospital")
        PRISON = "prison", pgettext_lazy("station type", "Prison")
        MOBILE = "mobile", pgettext_lazy("station type", "Mobile")
        OTHER = "other", pgettext_lazy("station type", "Other")

    # No index of its own: the unique (election, code) index serves election lookups.
    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="stations", db_index=False
    )
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=300)
    area = models.ForeignKey(Area, on_delete=models.RESTRICT, related_name="stations")
    # Copy of area.path: filtering a million stations by subtree needs no join.
    area_path = models.CharField(max_length=700)
    registered_voters = models.PositiveIntegerField()
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    newly_included = models.BooleanField(default=False)
    abroad = models.BooleanField(default=False)
    special = models.CharField(max_length=20, choices=Special.choices, blank=True, default="")
    stratum = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="the stratum the observers' sample was drawn in (optional stations-file column)",
    )
    extra = models.JSONField(
        default=dict,
        blank=True,
        help_text="columns of the import file that map to no field, kept when asked: {column: value}",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="station_code_unique")
        ]
        indexes = [
            # Serves code-prefix search on PostgreSQL whatever the database collation
            # (other databases ignore the operator class).
            models.Index(
                fields=["code"], name="station_code_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Contest(models.Model):
    """What is on the ballot: the presidency, a list vote, a referendum question."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="contests")
    name = models.CharField(max_length=200)
    # How the contest is won decides what the quick count may call (pollwatch.stats.calls).
    outright_threshold = models.FloatField(
        null=True,
        blank=True,
        default=0.5,
        validators=[MinValueValidator(0.01), MaxValueValidator(0.99)],
        help_text="share of valid votes above which a contestant wins outright (0.5 = more than "
        "50 %); empty for a plurality contest, where the leader wins",
    )
    runoff = models.BooleanField(
        default=True,
        help_text="the top two go to a run-off when nobody passes the outright threshold",
    )
    party_threshold = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.001), MaxValueValidator(0.99)],
        help_text="share of valid votes a party needs, e.g. 0.05 for seats; empty for none",
    )

    def __str__(self) -> str:
        return self.name

    def call_rules(self) -> ContestRules:
        """The contest's rules as the threshold-aware call takes them."""
        return ContestRules(
            outright_threshold=self.outright_threshold,
            runoff=self.runoff,
            party_threshold=self.party_threshold,
        )


class Candidate(models.Model):
    """A candidate, party or referendum option, in ballot order."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="candidates")
    code = models.CharField(max_length=32, help_text="short code used in result forms and SMS")
    name = models.CharField(max_length=200)
    party = models.CharField(max_length=200, blank=True)
    ballot_order = models.PositiveSmallIntegerField()
    colour = models.CharField(max_length=7, default="#777777")

    class Meta:
        ordering = ["contest", "ballot_order"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "code"], name="candidate_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One uploaded or command-line import file, kept raw with its sha256 (append-first intake).

    The file is stored before it is parsed; a failed import keeps the file and the
    full error report, and writes nothing else.
    """

    class Kind(models.TextChoices):
        STATIONS = "stations", _("Stations")
        PEOPLE = "people", _("People")
        RESULTS = "results", _("official results")

    class Status(models.TextChoices):
        MAPPING = "mapping", _("waiting for column mapping")
        QUEUED = "queued", pgettext_lazy("job status", "Queued")
        RUNNING = "running", _("Running")
        FAILED = "failed", _("Failed")
        DONE = "done", _("Done")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="imports")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    original_name = models.CharField(max_length=255)
    stored_path = models.CharField(
        max_length=500, help_text="path of the raw file in the data folder"
    )
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors_csv = models.TextField(blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when the running import last showed progress (a stopped worker shows none)",
    )

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.original_name} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
