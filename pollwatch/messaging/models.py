"""What the mission sends to its people: every outbound SMS, the broadcasts that made them,
the gateways' delivery reports, saved audiences and templates, opted-out numbers.

An outbound message is a row before it is anything else: composing queues rows, and the
sender (``pollwatch send-messages``) hands them to the gateway at its configured rate,
retrying with back-off. A message is sent at most once: each carries a UUID the gateway
receives as its idempotency key, and a message whose fate the gateway left unknown (a
timeout from a gateway that cannot de-duplicate) is marked *unconfirmed*, never resent
by itself. Inbound messages stay in ``submissions.Inbound``; a person's thread is both.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from pollwatch.elections.models import Election
from pollwatch.observers.models import Person


class Broadcast(models.Model):
    """One message composed for a group: the filters it was sent with and the text per language."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("broadcast status", "Scheduled")
        QUEUED = "queued", pgettext_lazy("broadcast status", "Queued")
        CANCELLED = "cancelled", pgettext_lazy("broadcast status", "Cancelled")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="broadcasts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    filters = models.JSONField(default=dict, help_text="the audience's filters as composed")
    audience = models.TextField(blank=True, help_text="the filters in words")
    texts = models.JSONField(default=dict, help_text="language -> text with {placeholders}")
    default_language = models.CharField(max_length=10, default="en")
    send_at = models.DateTimeField(
        null=True, blank=True, help_text="a scheduled reminder: the audience is chosen then"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    queued = models.PositiveIntegerField(default=0)
    left_out = models.JSONField(default=dict, help_text="reason -> people left out")
    digest = models.CharField(
        max_length=64, blank=True, help_text="sha256 over the queued messages (id, to, text)"
    )

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["status", "send_at"])]

    def __str__(self) -> str:
        return f"broadcast {self.pk} to {self.queued} ({self.audience})"


class Message(models.Model):
    """One outbound SMS to one number."""

    class Kind(models.TextChoices):
        # The staff pages' words (translated); the values are stored and exported as they are.
        REPLY = "reply", pgettext_lazy("message kind", "reply to an SMS")
        DIRECT = "direct", pgettext_lazy("message kind", "message to one person")
        BROADCAST = "broadcast", pgettext_lazy("message kind", "Broadcast")
        REMINDER = "reminder", pgettext_lazy("message kind", "scheduled reminder")
        VERIFY = "verify", pgettext_lazy("message kind", "phone verification code")
        SIGNIN = "signin", pgettext_lazy("message kind", "sign-in link")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("message status", "Queued")
        SENDING = "sending", pgettext_lazy("message status", "Sending")
        SENT = "sent", pgettext_lazy("message status", "sent (accepted by the gateway)")
        DELIVERED = "delivered", pgettext_lazy("message status", "Delivered")
        UNDELIVERED = "undelivered", pgettext_lazy("message status", "not delivered")
        FAILED = "failed", pgettext_lazy("message status", "Failed")
        UNCONFIRMED = (
            "unconfirmed",
            pgettext_lazy("message status", "unconfirmed (the gateway did not answer)"),
        )
        CANCELLED = "cancelled", pgettext_lazy("message status", "Cancelled")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    election = models.ForeignKey(
        Election, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    to = models.CharField(max_length=64, help_text="E.164 number")
    text = models.TextField()
    language = models.CharField(max_length=10, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    broadcast = models.ForeignKey(
        Broadcast, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    in_reply_to = models.ForeignKey(
        "submissions.Inbound",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gateway = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    handed_at = models.DateTimeField(
        null=True, blank=True, help_text="when the current attempt went to the gateway"
    )
    error = models.TextField(blank=True)
    external_id = models.CharField(max_length=100, blank=True, help_text="the gateway's id")
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            # The sender's queue: only messages still waiting are in it.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="message_waiting",
                condition=models.Q(status__in=["queued", "sending"]),
            ),
            models.Index(fields=["person", "created"]),
            models.Index(fields=["gateway", "external_id"]),
            models.Index(fields=["to", "created"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to} ({self.status})"

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def shown_text(self) -> str:
        """The text as pages show it: a sign-in link's token is a password, never shown."""
        return redact(self.text) if self.kind == self.Kind.SIGNIN else self.text


SIGNIN_TOKEN = re.compile(r"#t=[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    return SIGNIN_TOKEN.sub("#t=…", text)


FINAL_STATUSES = {
    Message.Status.DELIVERED,
    Message.Status.UNDELIVERED,
    Message.Status.FAILED,
    Message.Status.CANCELLED,
}


class DeliveryReport(models.Model):
    """One status callback from a gateway, kept as it came (raw), linked to its message when known."""

    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    gateway = models.CharField(max_length=40)
    external_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=40, help_text="the gateway's own word")
    error = models.TextField(blank=True)
    raw = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    problem = models.TextField(blank=True, help_text="why the report changed nothing")

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.gateway} report {self.status!r} for {self.external_id}"


class Audience(models.Model):
    """A saved list: filters (or observer codes) a coordinator sends to again and again."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="audiences")
    name = models.CharField(max_length=100)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["election", "name"], name="audience_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Template(models.Model):
    """A message text per language with placeholders ({name}, {code}, {station} …)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=100)
    texts = models.JSONField(default=dict, help_text="language -> text")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["election", "name"], name="template_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class OptOut(models.Model):
    """A number that asked to receive nothing more (STOP); honoured by every send but replies."""

    phone = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField(auto_now_add=True)
    how = models.CharField(max_length=100, help_text="the SMS that asked, or who recorded it")

    def __str__(self) -> str:
        return self.phone


class PhoneCheck(models.Model):
    """A code sent to a person's phone; the phone is verified when the code comes back by SMS."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phone_checks")
    phone = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=128)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["phone", "created"])]

    def __str__(self) -> str:
        return f"check of {self.phone} ({'verified' if self.verified_at else 'open'})"
