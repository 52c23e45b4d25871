"""Media monitoring records: outlets, the subject catalogue, items and their codes.

The unit of analysis is a subject within an item (docs/media.md). The
machine's proposal is one ``Coding`` row per subject with ``coder`` null;
every human decision is a row of its own, so the machine's codes are never
overwritten and double coding is just two human rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pollwatch.elections.models import Election


class MediaSettings(models.Model):
    """Per-election choices of the media unit."""

    election = models.OneToOneField(
        Election, on_delete=models.CASCADE, related_name="media_settings"
    )
    double_code_every = models.PositiveSmallIntegerField(
        default=10,
        help_text="every Nth item (by id) is coded by two different monitors; 0 turns it off",
    )

    def __str__(self) -> str:
        return f"media settings of {self.election}"


class Outlet(models.Model):
    class Kind(models.TextChoices):
        PRINT = "print", pgettext_lazy("outlet kind", "Print")
        ONLINE = "online", pgettext_lazy("outlet kind", "Online")
        TV = "tv", pgettext_lazy("outlet kind", "TV")
        RADIO = "radio", pgettext_lazy("outlet kind", "Radio")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="outlets")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ONLINE)
    owner = models.CharField(max_length=200, blank=True, help_text="e.g. state, private, party")
    language = models.CharField(max_length=8, blank=True, help_text="ISO 639-1 code")
    reach = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Estimated audience: daily readers (print), daily visitors (online), "
            "daily viewers or listeners (TV, radio)."
        ),
    )
    # An outlet with items cannot be deleted (their coverage is evidence); it is
    # deactivated instead and no longer offered for new items.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["election", "name"], name="outlet_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_broadcast(self) -> bool:
        return self.kind in (self.Kind.TV, self.Kind.RADIO)


class Subject(models.Model):
    """One entry of the election's subject catalogue, in the YAML layout of docs/media.md."""

    class Kind(models.TextChoices):
        CANDIDATE = "candidate", pgettext_lazy("media subject kind", "Candidate")
        PARTY = "party", pgettext_lazy("media subject kind", "Party")
        OFFICIAL = "official", pgettext_lazy("media subject kind", "Official")
        INSTITUTION = "institution", pgettext_lazy("media subject kind", "Institution")
        COUNTRY = "country", pgettext_lazy("media subject kind", "Country")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="media_subjects")
    key = models.CharField(max_length=64, help_text="the id in the subjects file")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=200)
    aliases = models.JSONField(default=list, blank=True)
    party = models.CharField(max_length=64, blank=True, help_text="key of the party subject")
    gender = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["election", "key"], name="subject_key_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def to_dict(self) -> dict:
        """The entry as ``parse_subjects`` takes it."""
        data: dict = {"id": self.key, "kind": self.kind, "name": self.name}
        data["aliases"] = list(self.aliases or [])
        if self.party:
            data["party"] = self.party
        if self.gender:
            data["gender"] = self.gender
        return data


class Intake(models.Model):
    """One paste or upload exactly as received, kept before parsing (append-first intake)."""

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("media intake status", "received, waiting to be read")
        DONE = "done", pgettext_lazy("media intake status", "read")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="media_intakes")
    name = models.CharField(max_length=255, help_text="file name, or 'pasted'")
    pasted = models.BooleanField(default=False)
    title = models.CharField(max_length=500, blank=True, help_text="title given with a paste")
    outlet = models.ForeignKey(
        "Outlet", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    raw = models.BinaryField()
    raw_sha256 = models.CharField(max_length=64, db_index=True)
    problems = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """An article or transcript; ``machine`` holds ``code_item(...).to_dict()``."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("media item status", "New")
        CODED = "coded", pgettext_lazy("media item status", "machine-coded")
        CONFIRMED = "confirmed", pgettext_lazy("media item status", "Confirmed")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="media_items")
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.RESTRICT, related_name="items"
    )
    intake = models.ForeignKey(
        Intake, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    source = models.CharField(max_length=300, blank=True, help_text="file:line it came from")
    title = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=300, blank=True)
    published = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    text = models.TextField()
    raw = models.TextField(help_text="the item's input as received (page, line or row)")
    raw_sha256 = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64, db_index=True)
    language = models.CharField(max_length=8, blank=True)
    genre = models.CharField(max_length=12, blank=True)
    transcript_format = models.CharField(
        max_length=3,
        blank=True,
        help_text="srt or vtt when the item is a timed broadcast transcript (raw holds it)",
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    duplicate_similarity = models.FloatField(null=True, blank=True)
    double_code = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    machine = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["election", "status", "created"])]

    def __str__(self) -> str:
        return self.title or f"item {self.pk}"

    @property
    def coders_needed(self) -> int:
        return 2 if self.double_code else 1


class Review(models.Model):
    """One monitor's decision on one item as a whole (its genre); the per-subject codes are Codings."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reviews")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    genre = models.CharField(max_length=12)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "coder"], name="review_once_per_coder")
        ]

    def __str__(self) -> str:
        return f"{self.coder} on item {self.item_id}: {self.genre}"


class Coding(models.Model):
    """Space and tone of one subject in one item, by the machine (coder null) or a monitor."""

    class Tone(models.IntegerChoices):
        NEGATIVE = -1, _("Negative")
        NEUTRAL = 0, _("Neutral")
        POSITIVE = 1, _("Positive")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="codings")
    subject = models.ForeignKey(Subject, on_delete=models.RESTRICT, related_name="codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    characters = models.PositiveIntegerField(default=0)
    sentences = models.PositiveIntegerField(default=0)
    direct_speech_characters = models.PositiveIntegerField(default=0)
    # Broadcast time: seconds of the cues naming the subject (machine) or as a monitor
    # entered or corrected it; null when not measured (print and online items).
    seconds = models.PositiveIntegerField(null=True, blank=True)
    tone = models.SmallIntegerField(choices=Tone.choices, default=Tone.NEUTRAL)
    is_machine = models.BooleanField(default=False)
    confirmed = models.BooleanField(default=False)
    # A monitor's corrections of the machine (review.add_subject, remove_subject,
    # correct_span): a subject it missed, a subject it found wrongly (the row then
    # says the subject is not in the item), the span of the mention in item.text.
    added = models.BooleanField(default=False)
    removed = models.BooleanField(default=False)
    span_start = models.PositiveIntegerField(null=True, blank=True)
    span_end = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    corrected = models.DateTimeField(null=True, blank=True, help_text="last correction")
    # Machine codes: the tone model version that gave the tone; null with
    # ``tone_pending`` when the item's language has no active model, so the
    # tone is left to a coder (``tone`` then says nothing).
    tone_model = models.ForeignKey(
        "ToneModel", null=True, blank=True, on_delete=models.RESTRICT, related_name="codings"
    )
    tone_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["item", "subject", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "subject", "coder"], name="coding_once_per_coder"
            ),
            # NULL coders are distinct in a unique index: the machine needs its own.
            models.UniqueConstraint(
                fields=["item", "subject"],
                condition=Q(coder__isnull=True),
                name="coding_once_by_machine",
            ),
        ]

    def __str__(self) -> str:
        who = self.coder or "machine"
        return f"{who}: {self.subject} in item {self.item_id}, tone {self.tone}"


class ToneModel(models.Model):
    """One version of a language's tone model in an election; one active per language.

    The shipped NewsMTSC model (English) is version 1 of ``en`` with no bytes
    (it is read from the package); a model a mission trains keeps its ``.npz``
    file as bytes, so the database alone restores it. Every machine code names
    the version that gave its tone (``Coding.tone_model``).
    """

    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="media_tone_models"
    )
    language = models.CharField(max_length=8, help_text="ISO 639-1 code")
    version = models.PositiveIntegerField()
    shipped = models.BooleanField(default=False)
    data = models.BinaryField(blank=True, default=b"", help_text="the model's .npz file")
    source = models.CharField(max_length=200, help_text="shipped, or trained from N codes")
    trained_at = models.DateTimeField(default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    targets = models.PositiveIntegerField(default=0, help_text="confirmed codes trained on")
    items = models.PositiveIntegerField(default=0, help_text="items those codes are in")
    macro_f1 = models.FloatField(null=True, blank=True)
    macro_f1_low = models.FloatField(null=True, blank=True)
    macro_f1_high = models.FloatField(null=True, blank=True)
    evaluation = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=False)
    # When it was last made active: "roll back" returns to the one active before.
    activated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "language", "version"], name="tone_model_version_unique"
            ),
            models.UniqueConstraint(
                fields=["election", "language"],
                condition=Q(active=True),
                name="tone_model_one_active",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.language} v{self.version}"


class MediaJob(models.Model):
    """Long media work run by the task worker, with its progress: training a tone
    model for one language, or re-coding the election's items."""

    class Kind(models.TextChoices):
        TRAIN = "train", pgettext_lazy("media job", "train a tone model")
        RECODE = "recode", pgettext_lazy("media job", "re-code items")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("media job status", "queued")
        RUNNING = "running", pgettext_lazy("media job status", "running")
        DONE = "done", pgettext_lazy("media job status", "done")
        FAILED = "failed", pgettext_lazy("media job status", "failed")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="media_jobs")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    language = models.CharField(max_length=8, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    tone_model = models.ForeignKey(
        ToneModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    # Last sign of life (queued, started, progress): a job silent for long is settled as failed.
    updated = models.DateTimeField(auto_now=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} of {self.election}"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
