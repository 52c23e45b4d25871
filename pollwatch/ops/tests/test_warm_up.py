"""A web worker's warm-up thread starts only once its heavy modules are fully imported (no import race)."""

from __future__ import annotations

import os
import subprocess
import sys

# Runs in a fresh interpreter, as a gunicorn worker loads pollwatch.wsgi: notes what is
# imported at the moment the warm-up thread would start, and does not start it.
PROBE = """
import sys, threading

def note_and_skip(thread):
    if thread.name == "warm-up":
        numpy = sys.modules.get("numpy")
        print("numpy ready:", numpy is not None and hasattr(numpy, "ndarray"))
        names = ("pollwatch.lib.charts", "pollwatch.results.estimates", "pollwatch.results.findings",
                 "pollwatch.results.official", "pollwatch.results.freshness", "vl_convert", "altair")
        print("missing:", [name for name in names if name not in sys.modules])

threading.Thread.start = note_and_skip
import pollwatch.wsgi
"""


def test_the_warm_up_thread_starts_after_its_modules_are_imported_in_the_main_thread(tmp_path):
    env = {**os.environ, "POLLWATCH_DATA": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "numpy ready: True" in out.stdout and "missing: []" in out.stdout
