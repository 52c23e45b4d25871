"""How fast the observer app opens on a slow phone line: first open, later open, offline open.

    python benchmarks/bench_app_start.py [--runs 3] [--baseline-ref GIT_REF]

A demo mission on SQLite (the default storage) is served by granian (as `pollwatch serve` does) on
loopback; Debian's Chromium (/usr/bin/chromium, driven by Playwright, no
browser download) opens /o/ at a phone's size (360×740) with the network
throttled through the DevTools protocol to 400 kbit/s each way and 400 ms of
latency. Each figure is the time from the start of navigation until the home
screen lists the observer's stations (median of --runs):

* first open: a fresh browser profile (no caches, no service worker, nothing
  kept), the sign-in link `/o/#t=TOKEN`;
* later open: the app started again after one visit (service worker, its
  cache and the kept `me` warm);
* offline open: the same with the network off.

Baseline in the same run: the same three with the service worker blocked
(`service_workers="block"`), i.e. only the browser's HTTP cache and the kept
`me`. With --baseline-ref the app as it was at that git revision (e.g. the
commit before the fast start) is served beside it from the same database and
measured the same way. The sizes of /api/o/me, plain and gzipped, are printed
for each server.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_setup import free_port, wait_for, web_command  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
PHONE = {"width": 360, "height": 740}
# 400 kbit/s down and up (DevTools counts bytes per second), 400 ms added to each round trip.
SLOW = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
OFFLINE = {**SLOW, "offline": True}
TARGETS = {"first open": 8.0, "later open": 1.5, "offline open": 1.0}
# performance.now() (ms since the navigation began) once the stations are on the home screen.
STATIONS_SHOWN = """() => {
  const home = document.getElementById("home");
  return home && !home.hidden && document.querySelector("#deployments li .station-title, #deployments li strong")
    ? performance.now() : false;
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="opens per figure (median)")
    parser.add_argument("--stations", type=int, default=400)
    parser.add_argument("--baseline-ref", help="also measure the app at this git revision")
    args = parser.parse_args()
    with ExitStack() as stack:
        data = stack.enter_context(tempfile.TemporaryDirectory())
        env = {
            **os.environ,
            "POLLWATCH_DATA": data,
            "SECURE_COOKIES": "false",
            "LOG_LEVEL": "ERROR",
        }
        env.pop("DATABASE_URL", None)  # SQLite, the default storage
        print(f"loading a demo mission ({args.stations} stations) on SQLite ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pollwatch", "demo", "--no-serve", "--no-traffic"]
            + ["--stations", str(args.stations), "--observers", "40"],
            env={**env, "PYTHONPATH": str(ROOT)},
            check=True,
            capture_output=True,
        )
        observer = json.loads((Path(data) / "demo-observers.json").read_text())["observers"][0]
        servers = {"now": stack.enter_context(served(ROOT, env))}
        if args.baseline_ref:
            old = stack.enter_context(tempfile.TemporaryDirectory())
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.baseline_ref, "pollwatch"],
                check=True,
                capture_output=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
            servers[args.baseline_ref] = stack.enter_context(served(Path(old), env))
        results = {}
        for name, url in servers.items():
            plain, zipped = me_sizes(url, observer["token"])
            print(f"\n/api/o/me ({name}): {plain:,} bytes, {zipped:,} gzipped on the wire")
            modes = [("service worker", "allow"), ("service worker blocked", "block")]
            for label, workers in modes if name == "now" else modes[:1]:
                key = f"{name}, {label}"
                results[key] = measure(url, observer["token"], workers, args.runs)
                print_figures(key, results[key])
    report(results)
    return 0


@contextmanager
def served(code: Path, env: dict):
    port = free_port()
    server = subprocess.Popen(
        web_command("granian", port, 2, 2),  # as `pollwatch serve` serves it, for either tree
        env={**env, "PYTHONPATH": str(code)},
        cwd=str(code),
    )
    try:
        wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def me_sizes(url: str, token: str) -> tuple[int, int]:
    """/api/o/me as plain bytes, and as sent to a client that accepts gzip (the same if not compressed)."""
    sizes = []
    for encoding in ("identity", "gzip"):
        request = urllib.request.Request(
            f"{url}/api/o/me",
            headers={"Authorization": f"Token {token}", "Accept-Encoding": encoding},
        )
        with urllib.request.urlopen(request) as response:
            body = response.read()
            sizes.append(len(body))
            if response.headers.get("Content-Encoding") == "gzip":
                json.loads(gzip.decompress(body))
            else:
                json.loads(body)
    return sizes[0], sizes[1]


def measure(url: str, token: str, service_workers: str, runs: int) -> dict[str, list[float | None]]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, list[float | None]] = {key: [] for key in TARGETS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport=PHONE, service_workers=service_workers)
            figures["first open"].append(open_app(context, f"{url}/o/#t={token}", SLOW))
            settle(context, service_workers)
            figures["later open"].append(open_app(context, f"{url}/o/", SLOW))
            context.set_offline(True)  # the service worker's own requests too
            figures["offline open"].append(open_app(context, f"{url}/o/", OFFLINE))
            context.close()
        browser.close()
    return figures


def open_app(context, url: str, conditions: dict) -> float | None:
    """Seconds from navigation to the stations on screen in a new page (None: it did not open)."""
    for old in context.pages:
        old.close()  # as a phone does when the app is started again
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", conditions)
    try:
        page.goto(url, wait_until="commit", timeout=60_000)
        shown = page.wait_for_function(STATIONS_SHOWN, polling="raf", timeout=60_000)
    except Exception:  # noqa: BLE001 — a page that cannot open offline is a figure, not a crash
        return None
    return shown.json_value() / 1000


def settle(context, service_workers: str) -> None:
    """After the first open: the worker installed and its cache filled, as after a real first visit."""
    page = context.pages[0]
    if service_workers == "allow":
        page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null", timeout=120_000, polling=200
        )
    page.wait_for_load_state("networkidle", timeout=120_000)


def print_figures(key: str, figures: dict[str, list[float | None]]) -> None:
    for name, values in figures.items():
        print(f"  {key:<40} {name:<13} {describe(values)}", flush=True)


def median(values: list[float | None]) -> float | None:
    opened = [v for v in values if v is not None]
    return statistics.median(opened) if len(opened) == len(values) else None


def describe(values: list[float | None]) -> str:
    shown = ", ".join("fails" if v is None else f"{v:.2f}" for v in values)
    value = median(values)
    return ("did not open" if value is None else f"{value:.2f} s") + f"  ({shown})"


def report(results: dict[str, dict[str, list[float | None]]]) -> None:
    ours = results["now, service worker"]
    print("\nsummary (median seconds until the stations show; 400 kbit/s, 400 ms, 360×740)")
    for name, target in TARGETS.items():
        value = median(ours[name])
        verdict = "no figure" if value is None else ("meets" if value <= target else "MISSES")
        line = f"  {name:<13} {'-' if value is None else f'{value:.2f} s'} (target ≤ {target} s: {verdict})"
        for key, figures in results.items():
            if key == "now, service worker":
                continue
            other = median(figures[name])
            if other is None:
                line += f"; {key}: does not open"
            elif value:
                line += f"; {key}: {other:.2f} s, {other / value:.1f}×"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
