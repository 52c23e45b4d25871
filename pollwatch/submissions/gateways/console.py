"""The console outbox: outbound messages written to ``SMS_OUTBOX`` (the log, or a JSON-lines
file the demo and the tests read), one line per message. Nothing leaves the machine, so a
message written there is delivered."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from pollwatch.submissions.gateways import Sent

NAME = "console"
IDEMPOTENT = True
log = logging.getLogger("pollwatch.sms")


def write(to: str, text: str, **more: Any) -> None:
    """One line in the outbox (or the log, when ``SMS_OUTBOX`` is "console")."""
    if settings.SMS_OUTBOX == "console":
        log.info("SMS to %s: %s", to, text)
        return
    line = {"to": to, "text": text, "at": timezone.now().isoformat(), **more}
    with open(Path(settings.SMS_OUTBOX), "a", encoding="utf-8") as outbox:
        outbox.write(json.dumps(line, ensure_ascii=False) + "\n")


def send(message: Any) -> Sent:
    write(message.to, message.text, id=str(message.uuid), language=message.language)
    return Sent(f"console-{message.uuid}", delivered=True)
