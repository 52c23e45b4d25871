"""Run the web server and the task worker as child processes and stop them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def serve_commands(
    host: str, port: int, workers: int, threads: int, with_worker: bool
) -> list[list[str]]:
    web = [
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
    ]
    commands = [web]
    if with_worker:
        commands.append([sys.executable, "-m", "pollwatch", "db_worker", "--interval", "1"])
        # Links new audit events into the hash chain about once a second.
        commands.append([sys.executable, "-m", "pollwatch", "audit", "seal", "--follow"])
    return commands


def run_until_interrupted(commands: list[list[str]], env: dict[str, str] | None = None) -> int:
    """Start every command; when one exits or Ctrl-C / SIGTERM arrives, stop them all cleanly."""
    environment = {**os.environ, **(env or {})}
    children = [subprocess.Popen(command, env=environment) for command in commands]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    failed = [
        child.returncode for child in children if child.returncode not in (0, -signal.SIGTERM, None)
    ]
    return 0 if stopping or not failed else failed[0]
