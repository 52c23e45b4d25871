"""The `pollwatch` command line.

Pure commands (simulate, sample, quickcount, exitpoll, forensics, validate)
work on plain files and never start Django. Every other command is a Django
management command (`demo`, `import-stations`, `migrate`, `runserver`, ...);
dashes in its name are accepted for underscores.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType

# name -> module in pollwatch.commands exposing HELP, add_arguments(parser), run(args) -> int
PURE_COMMANDS = {
    "simulate": "pollwatch.commands.simulate",
    "sample": "pollwatch.commands.sample",
    "quickcount": "pollwatch.commands.quickcount",
    "exitpoll": "pollwatch.commands.exitpoll",
    "forensics": "pollwatch.commands.forensics",
    "validate": "pollwatch.commands.validate",
    "media": "pollwatch.commands.media",
}

DJANGO_HELP = """\
Commands with a database (run `pollwatch COMMAND --help`):
  demo               load a simulated election and serve it at http://127.0.0.1:8000
  demo-traffic       play election-day reports against a running demo
  serve              run the web server, the background worker and the audit sealer
  worker             run the task worker and the report reader (--sealer: and the audit sealer)
  read-reports       read the observer reports received by the web server (--follow: keep reading)
  create-election    create an election with its contest and mission
  import-stations    import polling stations (and geography) from CSV or XLSX
  import-people      import people (observers, supervisors, ...) from CSV or XLSX
  import-deployments deploy observers to stations from CSV or XLSX (all rows or none)
  import-boundaries  set area boundaries from GeoJSON, for maps
  load-forms         install checklists and other forms (YAML, XLSForm, or the defaults)
  observer-links     sign-in links for the offline observer app
  audit              verify, seal or show the head of the hash-chained audit log
  backup             database and uploaded files into one checked archive (safe while serving)
  restore            restore a backup archive into a fresh database, then verify it
  media-subjects     install the media subject catalogue from YAML
  migrate            create or update the database tables
  createsuperuser    create an administrator account
  (and every other Django management command)
"""


def _pure_parser(name: str) -> tuple[argparse.ArgumentParser, ModuleType]:
    module = importlib.import_module(PURE_COMMANDS[name])
    parser = argparse.ArgumentParser(prog=f"pollwatch {name}", description=module.HELP)
    module.add_arguments(parser)
    return parser, module


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print("usage: pollwatch COMMAND [options]\n\nPure commands (plain files, no database):")
        for name, path in PURE_COMMANDS.items():
            module = importlib.import_module(path)
            summary = module.HELP.splitlines()[0].rstrip(".")
            print(f"  {name:<18} {summary[:1].lower() + summary[1:]}")
        print()
        print(DJANGO_HELP)
        return 0
    if argv[0] in {"--version", "version"}:
        from pollwatch import __version__

        print(f"pollwatch {__version__}")
        return 0
    name = argv[0]
    if name in PURE_COMMANDS:
        parser, module = _pure_parser(name)
        args = parser.parse_args(argv[1:])
        return int(module.run(args) or 0)

    if name == "demo":
        # The demo keeps its own data folder so that --reset never touches real data.
        os.environ.setdefault("POLLWATCH_DATA", "pollwatch-demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pollwatch", name.replace("-", "_"), *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
