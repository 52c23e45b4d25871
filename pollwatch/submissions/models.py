"""What observers send: every inbound message raw, the submissions parsed from it, their revisions and incidents.

Intake is append-first (DESIGN §2): an ``Inbound`` row with the raw text and
its sha256 is committed before anything is parsed, so nothing a user sent is
lost because it was malformed. Each submission carries a client-made UUID; a
retry finds the first and creates nothing. A change makes a revision.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election, PollingStation
from pollwatch.observers.models import Membership, Person

# Staff pages are in English today; incident titles use the form's label in this language.
STAFF_LANGUAGE = "en"


class Inbound(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", pgettext_lazy("report channel", "Web")
        SMS = "sms", pgettext_lazy("report channel", "Sms")
        PHONE = "phone", pgettext_lazy("report channel", "phone (taken by a data clerk)")

    class Status(models.TextChoices):
        # The staff pages' words (translated); the values are stored and exported as they are.
        STORED = "stored", pgettext_lazy("received report status", "Stored")
        ACCEPTED = "accepted", pgettext_lazy("received report status", "Accepted")
        PARTIAL = "partial", pgettext_lazy("received report status", "accepted in part")
        REJECTED = "rejected", pgettext_lazy("received report status", "Rejected")
        DUPLICATE = "duplicate", pgettext_lazy("received report status", "Duplicate")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    gateway = models.CharField(max_length=40, help_text="SMS adapter or 'pwa'")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sender = models.CharField(
        max_length=64, blank=True, help_text="phone number (E.164 when parseable) or user"
    )
    raw = models.TextField(help_text="the message or request body exactly as received")
    sha256 = models.CharField(max_length=64)
    external_id = models.CharField(max_length=100, blank=True, help_text="the gateway's message id")
    meta = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STORED)
    problem = models.TextField(blank=True)
    reply = models.TextField(blank=True)
    election = models.ForeignKey(
        Election, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    # No index of its own: the two indexes below lead with it, and every post pays for each index.
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound",
        db_index=False,
    )
    junk = models.BooleanField(
        default=False,
        help_text="marked as junk by an admin: left out of counts and exports, kept for the audit trail",
    )
    junk_reason = models.TextField(blank=True)
    client_uuid = models.UUIDField(
        null=True,
        blank=True,
        help_text="the app's idempotency key of a report received but perhaps not yet read",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["sender", "sha256"]),
            models.Index(fields=["person", "received_at"]),
            models.Index(fields=["person", "client_uuid"]),
            # The intake worker's queue: only rows still waiting are in it.
            models.Index(
                fields=["id"],
                name="inbound_waiting",
                condition=models.Q(status="stored"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} from {self.sender} at {self.received_at:%H:%M:%S}"

    loaded_links: tuple[int | None, int | None] | None = None

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Inbound:
        inbound = super().from_db(*args, **kwargs)
        # What the row links to as read (save_outcomes writes the links only where they changed).
        inbound.loaded_links = (
            inbound.__dict__.get("election_id"),
            inbound.__dict__.get("person_id"),
        )
        return inbound

    @staticmethod
    def digest(raw: str) -> str:
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class CountedForm(NamedTuple):
    """The form that counts at a station (see :meth:`SubmissionQuerySet.counted`)."""

    answers: dict[str, Any]
    created: datetime
    complete: bool


class SubmissionQuerySet(models.QuerySet):
    def counted(self, kind: str, *, form_code: str | None = None) -> dict[int, CountedForm]:
        """station id -> the form of ``kind`` that counts there: the one rule every figure uses.

        The latest *complete* form (validation found no problem), verified or
        not, wins; a partial form (accepted with problems, verified or not)
        counts only when the station has no complete one. A coordinator's
        reject or quarantine takes a form out. Verifying a partial form does
        not make it complete: it keeps the problems that intake or the last
        edit found, so it never displaces a complete form from the same
        station; an edit that clears the problems makes it complete. Among
        several forms of the same kind, the latest received counts,
        whichever observer sent it.
        """
        rows = (
            self.filter(form__kind=kind)
            .exclude(status__in=[Submission.Status.REJECTED, Submission.Status.QUARANTINED])
            .order_by("created", "pk")
        )
        if form_code is not None:
            rows = rows.filter(form__code=form_code)
        chosen: dict[int, CountedForm] = {}
        for station_id, answers, created, problems in rows.values_list(
            "station_id", "answers", "created", "problems"
        ):
            form = CountedForm(answers, created, not problems)
            previous = chosen.get(station_id)
            if previous is None or form.complete or not previous.complete:
                chosen[station_id] = form
        return chosen


class Submission(models.Model):
    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        PARTIAL = "partial", _("accepted with problems")
        VERIFIED = "verified", _("Verified")
        QUARANTINED = "quarantined", _("Quarantined")
        REJECTED = "rejected", _("Rejected")

    client_uuid = models.UUIDField(
        default=uuid.uuid4, help_text="the idempotency key; unique per observer, not site-wide"
    )
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="submissions")
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions")
    station = models.ForeignKey(
        PollingStation, on_delete=models.PROTECT, related_name="submissions"
    )
    observer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="submissions")
    inbound = models.ForeignKey(
        Inbound, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    source = models.CharField(max_length=10, choices=Inbound.Channel.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    answers = models.JSONField(default=dict)
    problems = models.JSONField(
        default=list, blank=True, help_text="[{code, message}] from validation"
    )
    critical = models.JSONField(
        default=list, blank=True, help_text="question codes whose answers raise an alert"
    )
    conflict = models.BooleanField(
        default=False, help_text="another observer at the station answered differently"
    )
    figures_changed = models.BooleanField(
        default=False,
        help_text="the same observer sent other result figures for this form and station"
        " (another report or a correction)",
    )
    revision = models.PositiveIntegerField(default=1)
    observed_at = models.DateTimeField(
        null=True, blank=True, help_text="when the observer filled it (client clock)"
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["election", "form", "station"]),
            models.Index(fields=["election", "status"]),
        ]
        constraints = [
            # Scoped to the sender: nobody can claim, or read back, another observer's key.
            models.UniqueConstraint(
                fields=["observer", "client_uuid"], name="submission_uuid_per_observer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form.code} at {self.station.code} by {self.observer.person.code}"

    FAR_FROM_STATION_M = 500
    """A report sent from further than this from its station, beyond the phone's own
    accuracy, is flagged for coordinators (the observer may have reported from elsewhere)."""

    @property
    def location(self) -> dict[str, float] | None:
        """Where the phone was when the report was sent, if the observer shared it."""
        value = self.answers.get("_location") if isinstance(self.answers, dict) else None
        return value if isinstance(value, dict) else None

    @property
    def far_from_station(self) -> bool:
        where = self.location
        if not where or "distance_m" not in where:
            return False
        return where["distance_m"] - where.get("accuracy", 0) > self.FAR_FROM_STATION_M


class Revision(models.Model):
    """Every state a submission has been in: the first intake, each edit and each decision."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Submission.Status.choices)
    answers = models.JSONField(default=dict)
    problems = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    client_uuid = models.UUIDField(
        null=True, blank=True, help_text="the app's key of an observer's correction"
    )
    inbound = models.ForeignKey(
        Inbound, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="revision_number_unique"),
            models.UniqueConstraint(
                fields=["submission", "client_uuid"], name="revision_correction_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} r{self.number} {self.status}"


class Incident(models.Model):
    class Severity(models.IntegerChoices):
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")
        CRITICAL = 4, _("Critical")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONFIRMED = "confirmed", pgettext_lazy("incident status", "Confirmed")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="incident")
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="incidents")
    station = models.ForeignKey(PollingStation, on_delete=models.PROTECT, related_name="incidents")
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    summary = models.TextField(
        blank=True, help_text="the title in the staff language when reported (for exports)"
    )
    assignee = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_incidents",
        help_text="the staff member following it up",
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    OPEN = (Status.NEW, Status.CONFIRMED)
    """Statuses that still need someone: not yet resolved nor rejected."""

    class Meta:
        ordering = ["-severity", "-created"]
        indexes = [models.Index(fields=["election", "status", "severity"])]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} incident at {self.station.code}"

    @property
    def title(self) -> str:
        """The readable title in the staff language (``formspec.titles``); select or prefetch
        ``submission__form`` when listing, or each title costs two queries."""
        from pollwatch.formspec.titles import incident_title

        form = self.submission.form
        return incident_title(
            form.spec,
            self.submission.answers if isinstance(self.submission.answers, dict) else {},
            self.submission.critical or [],
            language=STAFF_LANGUAGE,
            form_name=form.name,
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class IncidentNote(models.Model):
    """One entry of an incident's timeline: a note, or a change of status or assignee.

    Changes are written here by ``submissions/triage.py`` beside their audit event, so the
    timeline reads as the story of the incident while the audit chain proves it.
    """

    class Kind(models.TextChoices):
        NOTE = "note", pgettext_lazy("incident note kind", "Note")
        STATUS = "status", pgettext_lazy("incident note kind", "status changed")
        ASSIGNEE = "assignee", pgettext_lazy("incident note kind", "assignee changed")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField()
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="incident_notes"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "created", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on incident {self.incident_id}"


class ObserverToken(models.Model):
    """The per-observer sign-in of the field app; only the token's hash is stored."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"token of {self.person}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class LookupChange(models.Model):
    """A change that makes the intake's remembered look-ups stale: a token revoked, a deployment
    or membership changed (``submissions/lookups.py``). Every process reads the new rows about
    once a second and forgets what they name: the person's, or everything when no person is named.
    """

    person_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"look-ups of {self.person_id or 'everyone'} changed at {self.at:%H:%M:%S}"


class AnswerCheck(models.Model):
    """One answer of a submission checked by a person (against the protocol photo, by phone).

    The value checked is kept: the mark holds while the answer is still that value, so a
    decision (which makes a revision without changing answers) keeps it and a correction
    that changes the answer drops it.
    """

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="answer_checks"
    )
    code = models.CharField(max_length=40)
    value = models.JSONField(null=True)
    revision = models.PositiveIntegerField(help_text="the submission's revision when checked")
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "code", "-at"]
        indexes = [models.Index(fields=["submission", "code"])]

    def __str__(self) -> str:
        return f"{self.code} of {self.submission_id} checked at r{self.revision}"


class Call(models.Model):
    """A phone call with a mission member, logged by whoever took or made it (the call centre)."""

    class Direction(models.TextChoices):
        IN = "in", _("they called us")
        OUT = "out", _("we called them")

    class Outcome(models.TextChoices):
        REACHED = "reached", pgettext_lazy("call outcome", "Reached")
        REPORT_TAKEN = "report_taken", pgettext_lazy("call outcome", "report taken")
        NO_ANSWER = "no_answer", pgettext_lazy("call outcome", "no answer")
        BUSY = "busy", pgettext_lazy("call outcome", "Busy")
        LEFT_MESSAGE = "left_message", pgettext_lazy("call outcome", "left a message")
        WRONG_NUMBER = "wrong_number", pgettext_lazy("call outcome", "wrong number")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="calls")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="calls")
    station = models.ForeignKey(
        PollingStation, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(db_index=True)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["election", "person", "at"]),
            models.Index(fields=["election", "station", "at"]),
        ]

    def __str__(self) -> str:
        return f"call {self.direction} with {self.person} at {self.at:%H:%M}: {self.outcome}"
