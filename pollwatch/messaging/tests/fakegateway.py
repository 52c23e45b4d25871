"""A real HTTP server on the loopback standing in for an SMS provider's API.

It records every request (path, headers, body) and answers as told: a status and a JSON
body, after an optional delay (a timeout for the client), per request in turn. It counts
the messages it accepts (a 2xx, even one answered too late) by idempotency key, or by body
where there is none, so a test can count how often each message was taken for sending.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    delay: float = 0.0


@dataclass
class FakeGateway:
    answers: list[Answer] = field(default_factory=list)
    default: Answer = field(default_factory=Answer)
    requests: list[dict] = field(default_factory=list)
    delivered: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    schedule: Callable[[int, str], Answer | None] | None = None
    """Given the request's number and path, an answer that overrides the list (a fault)."""

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeGateway:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                with fake.lock:
                    scheduled = (
                        fake.schedule(len(fake.requests), self.path) if fake.schedule else None
                    )
                    answer = scheduled or (fake.answers.pop(0) if fake.answers else fake.default)
                    fake.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    # One message is one idempotency key, or else one body (a retry repeats it).
                    key = self.headers.get("Idempotency-Key") or body
                    if answer.status < 300:
                        fake.delivered[key] = fake.delivered.get(key, 0) + 1
                if answer.delay:
                    time.sleep(answer.delay)
                payload = json.dumps(answer.body if answer.body is not None else {}).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
