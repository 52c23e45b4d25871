"""Simulated election-day traffic for the demo: observers report through the real web API and SMS webhook.

Random but plausible answers for each form; a share of messages is
malformed, duplicated (a retry or a resent SMS) or late, as on a real day.
"""

from __future__ import annotations

import json
import random
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

MALFORMED_SMS = [
    "",
    "   ",
    "hello is this the election office?",
    "OP",
    "OP 99999 A1 1",
    "ZZ {code} A1 1",
    "OP {code} A1 7 A2 999",
    "OP {code} A1 yes A2 many",
    "OP {code} Q9 1",
    "ОП {code} А1 1 🙂",
    "OP {code} A1 ١ A3 ٠",
    "x" * 1000,
    "Сообщаю: всё спокойно",
    "سب ٹھیک ہے",
]


@dataclass
class Observer:
    code: str
    phone: str
    station: str
    token: str
    # The station's true count (the demo knows it): result forms report it, so the quick count converges on the truth.
    protocol: dict[str, int] | None = None


def random_protocol(spec: dict, rng: random.Random) -> dict[str, Any]:
    """A consistent result protocol: candidate votes add up to valid, valid + invalid = ballots in the box."""
    candidates = [
        q["code"]
        for g in spec.get("groups", [])
        for q in g.get("questions", [])
        if q["code"].startswith("C")
    ]
    registered = rng.randint(400, 2500)
    issued = int(registered * rng.uniform(0.45, 0.8))
    cast = issued - rng.randint(0, 5)
    invalid = rng.randint(0, max(1, cast // 50))
    valid = cast - invalid
    shares = [rng.random() ** 3 for _ in candidates]
    shares[0] += 2.0  # the incumbent leads, as in the simulated country
    votes = [int(valid * share / sum(shares)) for share in shares]
    votes[0] += valid - sum(votes)
    return {
        "RV": registered,
        "BI": issued,
        "BC": cast,
        "IN": invalid,
        "VA": valid,
        **dict(zip(candidates, votes, strict=True)),
    }


def random_answers(
    spec: dict, rng: random.Random, protocol: dict[str, int] | None = None
) -> dict[str, Any]:
    """Answers a careful observer might give: mostly fine, sometimes a problem worth an alert.

    A result form copies ``protocol`` when given (the station's count), else a random consistent one.
    """
    if spec.get("kind") == "results":
        return dict(protocol) if protocol else random_protocol(spec, rng)
    answers: dict[str, Any] = {}
    questions = [q for group in spec.get("groups", []) for q in group.get("questions", [])]
    for question in questions:
        kind = question["kind"]
        if kind == "yes_no":
            # The usual answer is the one that raises no alert ("== 0" alerts on no, "== 1" on yes).
            alarming_answer = 1 if re.search(r"==\s*1", question.get("critical") or "") else 0
            answers[question["code"]] = (
                alarming_answer if rng.random() < 0.03 else 1 - alarming_answer
            )
        elif kind == "integer":
            low = question.get("minimum") or 0
            high = question.get("maximum")
            high = low + 40 if high is None else min(high, low + 40)
            answers[question["code"]] = rng.randint(low, high)
        elif kind == "single" and question.get("options"):
            options = question["options"]
            # Alarming options (those named in the critical rule) come up rarely, as on a real day.
            rule = (question.get("critical") or "").replace(question["code"], "")
            alarming_options = set(re.findall(r"\d+", rule))
            calm = [o for o in options if str(o["code"]) not in alarming_options] or options
            pool = options if rng.random() < 0.03 else calm
            answers[question["code"]] = rng.choice(pool)["code"]
        elif kind == "multiple" and question.get("options"):
            answers[question["code"]] = [rng.choice(question["options"])["code"]]
        elif kind == "text" and rng.random() < 0.2:
            answers[question["code"]] = rng.choice(
                ["long queue", "calm", "police inside the station"]
            )
    return answers


def as_sms(form_code: str, observer_code: str, answers: dict[str, Any]) -> str:
    parts = [form_code, observer_code]
    for code, value in answers.items():
        # A space between code and answer: glued, "A11" would read as question A11.
        if isinstance(value, list):
            parts.append(f"{code} {','.join(str(v) for v in value)}")
        elif isinstance(value, int | str) and not (isinstance(value, str) and " " in value):
            parts.append(f"{code} {value}")
    return " ".join(parts)


class Traffic:
    def __init__(
        self,
        base_url: str,
        sms_secret: str,
        observers: list[Observer],
        forms: list[dict],
        seed: int = 1,
    ):
        self.base_url = base_url.rstrip("/")
        self.sms_secret = sms_secret
        self.observers = observers
        self.forms = [f for f in forms if f["kind"] != "exitpoll"]
        self.rng = random.Random(seed)
        self.sent_web: list[tuple[Observer, bytes]] = []
        self.sent_sms: list[dict] = []
        self.counts: dict[str, int] = {}

    def _post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(
            self.base_url + path, data=body, method="POST", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            return 0

    def web(self, observer: Observer, form: dict, late: bool = False) -> int:
        observed = datetime.now(UTC) - (
            timedelta(hours=self.rng.randint(1, 5)) if late else timedelta()
        )
        body = json.dumps(
            {
                "client_uuid": str(uuid.uuid4()),
                "form": form["code"],
                "station": observer.station,
                "answers": random_answers(form["spec"], self.rng, observer.protocol),
                "observed_at": observed.isoformat(),
            }
        ).encode()
        self.sent_web.append((observer, body))
        return self._post(
            "/api/o/submissions",
            body,
            {"Authorization": f"Token {observer.token}", "Content-Type": "application/json"},
        )

    def sms(self, observer: Observer, text: str) -> int:
        payload = {"from": observer.phone, "text": text, "id": uuid.uuid4().hex}
        self.sent_sms.append(payload)
        return self._post(
            "/sms/json/",
            json.dumps(payload, ensure_ascii=False).encode(),
            {"Authorization": f"Bearer {self.sms_secret}", "Content-Type": "application/json"},
        )

    def step(self) -> str:
        """Send one thing, chosen as on a real day; returns what it was."""
        roll = self.rng.random()
        observer = self.rng.choice(self.observers)
        form = self.rng.choice(self.forms)
        if roll < 0.05 and self.sent_web:
            kind = "web retry"
            # The same report again from the same phone, as after a lost response.
            sender, body = self.rng.choice(self.sent_web[-50:])
            self._post(
                "/api/o/submissions",
                body,
                {"Authorization": f"Token {sender.token}", "Content-Type": "application/json"},
            )
        elif roll < 0.08 and self.sent_sms:
            kind = "sms resent"
            earlier = self.rng.choice(self.sent_sms[-50:])
            self._post(
                "/sms/json/",
                json.dumps({**earlier, "id": uuid.uuid4().hex}, ensure_ascii=False).encode(),
                {"Authorization": f"Bearer {self.sms_secret}", "Content-Type": "application/json"},
            )
        elif roll < 0.14:
            kind = "sms malformed"
            self.sms(observer, self.rng.choice(MALFORMED_SMS).format(code=observer.code))
        elif roll < 0.17:
            kind = "web late"
            self.web(observer, form, late=True)
        elif roll < 0.45:
            kind = "sms"
            self.sms(
                observer,
                as_sms(
                    form["code"],
                    observer.code,
                    random_answers(form["spec"], self.rng, observer.protocol),
                ),
            )
        else:
            kind = "web"
            self.web(observer, form)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return kind

    def run(self, *, rate: float, duration: float | None, say: Callable[[str], None]) -> None:
        started = time.monotonic()
        sent = 0
        while duration is None or time.monotonic() - started < duration:
            self.step()
            sent += 1
            if sent % 100 == 0:
                say(f"demo traffic: {sent} sent {self.counts}")
            time.sleep(self.rng.expovariate(rate))
