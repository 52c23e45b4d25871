"""Who observes: the mission, its people, their roles per election, teams and deployments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pollwatch.elections.models import Area, Election, PollingStation


class Role(models.TextChoices):
    # The labels are the staff pages' words (translated); the values are stored and sent as is.
    OBSERVER = "observer", _("Observer")
    SUPERVISOR = "supervisor", _("Supervisor")
    COORDINATOR = "coordinator", _("Coordinator")
    ANALYST = "analyst", _("Analyst")
    MEDIA_MONITOR = "media_monitor", _("media monitor")
    CLERK = "clerk", _("data clerk")
    ADMIN = "admin", pgettext_lazy("role", "Admin")
    # Read-only: published statements and the mission's headline figures; no personal data.
    PARTNER = "partner", _("Partner")


class Mission(models.Model):
    class Kind(models.TextChoices):
        INTERNATIONAL = "international", _("international delegation")
        DOMESTIC = "domestic", _("domestic observer group")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DOMESTIC)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="missions")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A member of a mission. ``code`` is the id an observer types in SMS reports."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="people")
    code = models.CharField(max_length=32)
    full_name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +994501234567")
    other_phones = models.JSONField(
        default=list, blank=True, help_text="more E.164 numbers the person may text from"
    )
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=10, default="en")
    extra = models.JSONField(
        default=dict,
        blank=True,
        help_text="columns of the import file that map to no field, kept when asked: {column: value}",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "code"], name="person_code_unique")
        ]
        indexes = [models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"


class Team(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    areas = models.ManyToManyField(
        Area, blank=True, related_name="teams", help_text="areas of responsibility"
    )
    mobile = models.BooleanField(
        default=False, help_text="a mobile team visits the stations of its route, in order"
    )

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one election; supervisors and observers may be bound to an area."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        help_text="area of responsibility (supervisors) or home area (observers)",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "election", "role"], name="membership_unique")
        ]
        indexes = [models.Index(fields=["election", "role"])]

    def __str__(self) -> str:
        return f"{self.person} as {self.get_role_display()} in {self.election}"


class Deployment(models.Model):
    """An observer assigned to a polling station for a time window."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="deployments")
    station = models.ForeignKey(
        PollingStation, on_delete=models.CASCADE, related_name="deployments"
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    reserve = models.BooleanField(
        default=False, help_text="a reserve station, visited if the first is unreachable"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "station"], name="deployment_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(starts_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="deployment_window_ordered",
            ),
        ]
        ordering = ["station__code"]

    def __str__(self) -> str:
        return f"{self.membership.person} at {self.station.code}"


class CallerPin(models.Model):
    """The PIN an observer says on the phone so a data clerk knows who is calling.

    Only a hash is kept (the site's password hasher); a coordinator sets a new one, which is
    shown once. Wrong PINs are throttled like passwords (``accounts/throttle.py``).
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="caller_pin")
    pin_hash = models.CharField(max_length=200)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"caller PIN of {self.person}"


class RouteStop(models.Model):
    """One station of a mobile team's route, in visiting order.

    Route stations are *observed only*: a route stop is not a deployment, so it never enters
    the sample the quick count reads off the deployments, and an imported design leaves out
    every station it does not list. The team's reports from it are shown like any other.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="route")
    station = models.ForeignKey(PollingStation, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["team", "position"]
        constraints = [
            models.UniqueConstraint(fields=["team", "station"], name="route_stop_once"),
        ]

    def __str__(self) -> str:
        return f"{self.team} stop {self.position}: {self.station.code}"


class CardJob(models.Model):
    """Sign-in cards for a large selection, laid out by the task worker (``observers/tasks.py``).

    The links are issued by the worker, so no token is ever in this table; the finished PDF
    (which holds them) waits in the data folder and is deleted when first downloaded.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("job status", "Queued")
        RUNNING = "running", _("Running")
        FAILED = "failed", _("Failed")
        DONE = "done", _("Done")
        COLLECTED = "collected", pgettext_lazy("job status", "downloaded")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="card_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created = models.DateTimeField(auto_now_add=True)
    people = models.JSONField(help_text="the observers' primary keys, in card order")
    selection = models.CharField(max_length=500, blank=True)
    base_url = models.CharField(max_length=500)
    revoke_older = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    cards_done = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{len(self.people)} sign-in cards for {self.election} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.cards_done / len(self.people)) if self.people else 0

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
