"""`pollwatch serve` supervises its children: a side process that dies is restarted, the web's exit stops all.

Real child processes (small Python scripts) under the real supervisor.
"""

from __future__ import annotations

import io
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import django.db
from django.db import OperationalError

from pollwatch.ops.processes import Child, follow, run_until_interrupted, serve_children


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def crashing(log: Path) -> Child:
    """A side process that notes when it started and dies at once, as the sealer did."""
    code = f"import time; open({str(log)!r}, 'a').write(f'{{time.monotonic()}}\\n'); raise SystemExit(1)"
    return Child("crashing sealer", python(code))


def test_a_side_process_that_dies_is_restarted_with_growing_back_off(tmp_path):
    log = tmp_path / "starts"
    web = Child("web", python("import time; time.sleep(3)"), essential=True)
    code = run_until_interrupted(
        [web, crashing(log)], restart_delay=0.1, restart_delay_max=0.8, stable_after=60
    )
    starts = [float(line) for line in log.read_text().split()]
    assert code == 0  # the web server ran to its end: the side process never stopped it
    assert 3 <= len(starts) <= 8  # restarted again and again, but not 15 times in 3 s
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert gaps[-1] > gaps[0] + 0.2  # the delay grew


def test_the_web_servers_exit_stops_every_side_process_and_returns_its_code(tmp_path):
    marker = tmp_path / "side-pid"
    side = Child(
        "worker",
        python(
            f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
        ),
    )
    web = Child("web", python("import time; time.sleep(1.5); raise SystemExit(3)"), essential=True)
    began = time.monotonic()
    code = run_until_interrupted([web, side])
    assert code == 3
    assert time.monotonic() - began < 10
    assert not _alive(int(marker.read_text()))


def test_sigterm_stops_every_child_and_returns_0(tmp_path):
    web = Child("web", python("import time; time.sleep(60)"), essential=True)
    side = Child("worker", python("import time; time.sleep(60)"))
    threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGTERM)).start()
    began = time.monotonic()
    assert run_until_interrupted([web, side]) == 0
    assert time.monotonic() - began < 10


def test_without_an_essential_child_it_runs_until_a_signal(tmp_path):
    """`pollwatch worker --sealer`: two side processes, both restarted, until SIGTERM."""
    log = tmp_path / "starts"
    threading.Timer(1.5, os.kill, args=(os.getpid(), signal.SIGTERM)).start()
    assert run_until_interrupted([crashing(log)], restart_delay=0.1) == 0
    assert len(log.read_text().split()) >= 2


def test_serve_runs_the_web_as_essential_and_the_worker_and_sealer_as_side_processes():
    children = serve_children("127.0.0.1", 8000, 2, 4, with_worker=True)
    assert [(c.name, c.essential) for c in children] == [
        ("web server", True),
        ("task worker", False),
        ("report reader", False),
        ("message sender", False),
        ("audit sealer", False),
    ]
    assert [c.name for c in serve_children("127.0.0.1", 8000, 2, 4, False, False)] == ["web server"]
    assert "audit" not in str(serve_children("127.0.0.1", 8000, 2, 4, True, with_sealer=False))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie not yet reaped by its parent counts as gone.
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return bool(state.stdout.strip()) and not state.stdout.strip().startswith("Z")


def test_worker_with_sealer_seals_new_events_and_stops_cleanly(tmp_path):
    """The several-hosts topology: `pollwatch worker --sealer` on one host is the deployment's sealer."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # its own SQLite folder
    env["POLLWATCH_DATA"] = str(tmp_path)

    def pollwatch(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "pollwatch", *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout

    def sealed() -> int:
        with sqlite3.connect(tmp_path / "pollwatch.sqlite3") as db:
            return db.execute("SELECT count(*) FROM audit_auditevent WHERE seq > 0").fetchone()[0]

    record = "from pollwatch.audit.models import record; [record('test.event') for _ in range(3)]"
    pollwatch("migrate", "-v0")
    pollwatch("shell", "-c", record)
    assert sealed() == 0
    worker = subprocess.Popen([sys.executable, "-m", "pollwatch", "worker", "--sealer"], env=env)
    try:
        deadline = time.monotonic() + 60
        while sealed() < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sealed() == 3
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=20)
    assert code == 0


def test_follow_retries_after_a_lost_database_and_pauses_only_when_idle(monkeypatch):
    # The loop of read-reports and send-messages --follow: a DatabaseError is
    # reported and the step tried again; a full batch is followed at once by
    # the next, a short one by a pause; Ctrl-C ends it.
    outcomes = iter([OperationalError("server closed the connection"), 10, 3, KeyboardInterrupt()])
    sleeps: list[float] = []
    closed: list[str] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    monkeypatch.setattr(django.db, "close_old_connections", lambda: closed.append("old"))
    monkeypatch.setattr(django.db.connection, "close", lambda: closed.append("this"))

    def step():
        outcome = next(outcomes)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    stderr = io.StringIO()
    follow(step, 10, interval=0.25, name="read-reports", stderr=stderr)
    assert "read-reports: OperationalError: server closed the connection; retrying" in (
        stderr.getvalue()
    )
    assert sleeps == [1.0, 0.25] and closed == ["old", "this"]
