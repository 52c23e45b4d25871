"""Run the web server and its side processes (task worker, report reader, message sender, audit
sealer) as supervised children.

The web server is essential: when it exits, or Ctrl-C / SIGTERM arrives, every
child is stopped and ``run_until_interrupted`` returns. A side process that
exits for any reason (a crash, a lost database connection, a kill) is started
again after a back-off that doubles with each quick failure, and each restart
is logged: a side process can never take the web server down with it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

logger = logging.getLogger("pollwatch.ops")

RESTART_DELAY = 1.0  # seconds before the first restart of a side process
RESTART_DELAY_MAX = 60.0
STABLE_AFTER = 60.0  # a process that ran this long before it exited restarts after RESTART_DELAY
POLL = 0.2


@dataclass(frozen=True)
class Child:
    """One process to run: ``essential`` ones stop everything when they exit, others are restarted."""

    name: str
    command: list[str]
    essential: bool = False


def pollwatch_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pollwatch", *args]


def task_worker(interval: float = 1.0) -> Child:
    return Child("task worker", pollwatch_command("db_worker", "--interval", str(interval)))


def report_reader(interval: float = 0.2) -> Child:
    """Reads the observer reports the web server received (and answered 202) in batches."""
    return Child(
        "report reader", pollwatch_command("read_reports", "--follow", "--interval", str(interval))
    )


def message_sender(interval: float = 1.0) -> Child:
    """Sends the queued outbound messages through their gateway at the configured rate."""
    return Child(
        "message sender",
        pollwatch_command("send_messages", "--follow", "--interval", str(interval)),
    )


def sealer(interval: float = 1.0) -> Child:
    """Links new audit events into the hash chain about once a second (one per deployment)."""
    return Child(
        "audit sealer",
        pollwatch_command("audit", "seal", "--follow", "--interval", str(interval)),
    )


WEB_SERVERS = ("granian", "gunicorn")


def web_command(server: str, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The web server's command line: ``workers`` processes × ``threads`` threads serving
    ``pollwatch.wsgi``.

    granian (the default) parses HTTP in Rust and hands each request to a thread of the worker:
    on the intake's path it cost about 40 % less CPU per report than gunicorn's threaded worker,
    which parses HTTP in Python (benchmarks/bench_ingest.py measures both). It streams
    request bodies to the application as gunicorn does (a chunked post is read to its end, a body
    over the limit is never held whole). gunicorn stays available (``--server gunicorn``): it
    also ends a request still running after 120 s by restarting its worker, which granian does not.
    Both stop gracefully on SIGTERM (5 s for requests under way) and restart a worker that dies.
    """
    if server == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "pollwatch.wsgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--respawn-failed-workers",
            "--workers-kill-timeout",
            "5",
            "--log-level",
            "warning",
            "--access-log",
        ]
    if server != "gunicorn":
        raise ValueError(f"unknown web server {server!r} (choose from {', '.join(WEB_SERVERS)})")
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "pollwatch.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
        "--timeout",
        "120",
        # gunicorn's control socket sits at one path per user: a second pollwatch on the
        # machine (another mission, a demo) would take over the first's. Nothing uses it.
        "--no-control-socket",
    ]


def serve_children(
    host: str,
    port: int,
    workers: int,
    threads: int,
    with_worker: bool,
    with_sealer: bool = True,
    server: str = "granian",
) -> list[Child]:
    """The web server (essential), and the task worker and the audit sealer unless left out."""
    children = [
        Child("web server", web_command(server, host, port, workers, threads), essential=True)
    ]
    if with_worker:
        children += [task_worker(), report_reader(), message_sender()]
    if with_sealer:
        children.append(sealer())
    return children


@dataclass
class _Running:
    child: Child
    process: subprocess.Popen | None = None
    started: float = 0.0
    restart_at: float = 0.0
    quick_failures: int = 0
    restarts: int = 0


def run_until_interrupted(
    children: list[Child],
    env: dict[str, str] | None = None,
    *,
    restart_delay: float = RESTART_DELAY,
    restart_delay_max: float = RESTART_DELAY_MAX,
    stable_after: float = STABLE_AFTER,
) -> int:
    """Start every child and supervise them until an essential one exits or Ctrl-C / SIGTERM arrives.

    Returns 0 when stopped by a signal, else the exit code of the essential
    child that ended the run. Without an essential child it runs until a signal.
    """
    environment = {**os.environ, **(env or {})}
    running = [_Running(child) for child in children]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    ended_by: _Running | None = None
    try:
        for entry in running:
            _start(entry, environment)
        while not stopping and ended_by is None:
            time.sleep(POLL)
            now = time.monotonic()
            for entry in running:
                if entry.process is None:
                    if now >= entry.restart_at and not stopping:
                        entry.restarts += 1
                        logger.warning(
                            "restarting %s (restart %d)", entry.child.name, entry.restarts
                        )
                        _start(entry, environment)
                    continue
                code = entry.process.poll()
                if code is None:
                    continue
                if entry.child.essential:
                    logger.warning("%s exited with code %s: stopping", entry.child.name, code)
                    ended_by = entry
                    break
                delay = _schedule_restart(
                    entry, now, restart_delay, restart_delay_max, stable_after
                )
                logger.error(
                    "%s exited with code %s after %.1f s; restarting it in %.1f s",
                    entry.child.name,
                    code,
                    now - entry.started,
                    delay,
                )
    finally:
        _stop_all([entry.process for entry in running if entry.process is not None])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopping or ended_by is None or ended_by.process is None:
        return 0
    return ended_by.process.returncode


def _start(entry: _Running, environment: dict[str, str]) -> None:
    entry.process = subprocess.Popen(entry.child.command, env=environment)
    entry.started = time.monotonic()


def _schedule_restart(
    entry: _Running, now: float, delay: float, delay_max: float, stable_after: float
) -> float:
    """Forget the exited process and set when to start it again; returns the delay."""
    if now - entry.started >= stable_after:
        entry.quick_failures = 0
    wait = min(delay_max, delay * 2**entry.quick_failures)
    entry.quick_failures += 1
    entry.process = None
    entry.restart_at = now + wait
    return wait


def _stop_all(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to every live process, then up to 10 s for all of them to exit before SIGKILL."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def follow(step, batch: int, *, interval: float, name: str, stderr, nice: int = 0) -> None:
    """Call ``step()`` for ever (until Ctrl-C), pausing ``interval`` seconds when it did less than ``batch``.

    ``step`` returns how much it did. A lost database connection (a restart) is
    reported on ``stderr``, the connection dropped and the step tried again a
    second later: nothing was half-written, since each step is one transaction.
    ``nice`` lowers this process's CPU priority first, so the web answers first.
    """
    from django.db import DatabaseError, close_old_connections, connection

    if nice > 0:
        os.nice(nice)
    try:
        while True:
            try:
                done = step()
            except DatabaseError as exc:
                stderr.write(f"{name}: {type(exc).__name__}: {exc}; retrying")
                close_old_connections()
                connection.close()
                time.sleep(1.0)
                continue
            if done < batch:
                time.sleep(interval)
    except KeyboardInterrupt:
        return
