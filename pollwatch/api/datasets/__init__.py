"""The export datasets: one module each, all alike (DESIGN §6.2).

Each module has ``TITLE``, ``DESCRIPTION``, ``columns(election)`` (the
typed columns, stable: docs/api.md lists them and a test checks it) and
``chunks(access)`` (the rows within the user's reach, a chunk at a time).
Adding a dataset means copying one module and naming it in ``DATASETS``.
"""

from __future__ import annotations

from types import ModuleType

from pollwatch.api.datasets import estimates, incidents, results, stations, submissions

DATASETS: dict[str, ModuleType] = {
    "stations": stations,
    "submissions": submissions,
    "results": results,
    "incidents": incidents,
    "estimates": estimates,
}
