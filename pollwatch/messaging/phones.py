"""A person's phones: opting out and back in by SMS (STOP / START), verifying a number with a
code sent to it (the observer texts it back: VERIFY 123456), and the primary number.

Keywords are read before an SMS is parsed as a report; they are whole messages, in any case,
with the words carriers use for opting out (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT).
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from pollwatch.audit.models import record
from pollwatch.messaging.models import Message, OptOut, PhoneCheck
from pollwatch.observers.models import Person

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "SUBSCRIBE"}
VERIFY = re.compile(r"^\s*VERIFY\s+(\d{6})\s*$", re.IGNORECASE)
CHECK_VALID = timedelta(hours=24)
CHECK_FAILURES = 5

REPLIES = {
    "stop": "You will get no more messages from the observation mission. Send START to get them again.",
    "start": "You will get the observation mission's messages again. Send STOP to end them.",
    "verified": "Thank you: your phone number is verified.",
    "wrong_code": "That code is not the one we sent, or it has expired. Ask your coordinator for a new one.",
}


def keyword_reply(phone: str, text: str, inbound_pk: int) -> str | None:
    """Handle a keyword SMS (opt out, opt in, a verification code); its reply, or None."""
    word = text.strip().upper()
    if word in STOP_WORDS:
        OptOut.objects.get_or_create(phone=phone, defaults={"how": f"SMS {inbound_pk}: {word}"})
        record("phone.opted_out", payload={"phone": phone, "inbound": inbound_pk})
        return REPLIES["stop"]
    if word in START_WORDS:
        if OptOut.objects.filter(phone=phone).delete()[0]:
            record("phone.opted_in", payload={"phone": phone, "inbound": inbound_pk})
        return REPLIES["start"]
    match = VERIFY.match(text)
    if match:
        return REPLIES["verified"] if confirm(phone, match.group(1)) else REPLIES["wrong_code"]
    return None


def start_check(person: Person, user: User) -> Message:
    """Send a six-digit code to the person's primary phone; the phone is verified when it comes back."""
    from pollwatch.messaging.outbox import ComposeError, send_one

    if not person.phone:
        raise ComposeError({"phone": f"{person.full_name} has no phone number"})
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        PhoneCheck.objects.create(
            person=person,
            phone=person.phone,
            code_hash=make_password(code),
            expires_at=timezone.now() + CHECK_VALID,
            created_by=user,
        )
        message = send_one(
            person.mission.election,
            person,
            person.phone,
            f"Observation mission: to confirm this is your phone, reply VERIFY {code}",
            kind=Message.Kind.VERIFY,
            user=user,
        )
    return message


def open_check(person: Person) -> PhoneCheck | None:
    """The check of the person's primary phone still waiting for its code, if any."""
    if not person.phone:
        return None
    return (
        PhoneCheck.objects.filter(
            person=person,
            phone=person.phone,
            verified_at__isnull=True,
            expires_at__gt=timezone.now(),
            failures__lt=CHECK_FAILURES,
        )
        .order_by("-created")
        .first()
    )


def confirm(phone: str, code: str) -> bool:
    """The open check of ``phone`` matches ``code``: it is verified. Wrong codes count; after five,
    the check is closed (a new code must be sent)."""
    with transaction.atomic():
        check = (
            PhoneCheck.objects.select_for_update()
            .filter(
                phone=phone,
                verified_at__isnull=True,
                expires_at__gt=timezone.now(),
                failures__lt=CHECK_FAILURES,
            )
            .first()
        )
        if check is None:
            return False
        if not check_password(code, check.code_hash):
            check.failures += 1
            check.save(update_fields=["failures"])
            return False
        check.verified_at = timezone.now()
        check.save(update_fields=["verified_at"])
        record(
            "phone.verified",
            election_id=check.person.mission.election_id,
            obj=check.person,
            payload={"phone": phone},
        )
    return True


def verified_at(person: Person, phone: str | None = None):
    """When ``phone`` (the primary one by default) was last verified for the person, or None."""
    check = (
        PhoneCheck.objects.filter(person=person, phone=phone or person.phone)
        .exclude(verified_at=None)
        .order_by("-verified_at")
        .first()
    )
    return check.verified_at if check else None


def make_primary(person: Person, phone: str, user: User) -> None:
    """Swap one of the person's other numbers in as the primary one (the old primary is kept)."""
    if phone not in person.other_phones:
        raise ValueError(f"{phone} is not one of {person.full_name}'s other numbers")
    with transaction.atomic():
        old = person.phone
        person.other_phones = [p for p in person.other_phones if p != phone] + (
            [old] if old else []
        )
        person.phone = phone
        person.save(update_fields=["phone", "other_phones"])
        record(
            "phone.primary",
            actor=user.get_username(),
            election_id=person.mission.election_id,
            obj=person,
            payload={"from": old, "to": phone},
        )


def send_signin_link(person: Person, base_url: str, user: User | None) -> Message:
    """A new sign-in link for the observer app, by SMS (older links keep working: revoke them on
    the person's page). The token is in the message only until the gateway has it."""
    from pollwatch.messaging.outbox import ComposeError, send_one
    from pollwatch.submissions.views import issue_token

    if not person.phone:
        raise ComposeError({"phone": f"{person.full_name} has no phone number"})
    with transaction.atomic():
        link = f"{base_url.rstrip('/')}/o/#t={issue_token(person)}"
        return send_one(
            person.mission.election,
            person,
            person.phone,
            f"Your observer app: {link} (open it on this phone; keep it private)",
            kind=Message.Kind.SIGNIN,
            user=user,
        )
