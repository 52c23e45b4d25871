from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from pollwatch.elections.importers import create_job, run_job
from pollwatch.elections.management.commands._common import election_or_list
from pollwatch.elections.models import ImportJob
from pollwatch.lib.columns import PRESET_NAMES, read_map_file


class Command(BaseCommand):
    help = (
        "Import polling stations (and their geography) from a CSV, XLSX or XLS file (ours or "
        "Apollo's location export); all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument(
            "--encoding", default="utf-8", help="text encoding of a CSV file (default utf-8)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="delete the election's stations first"
        )
        parser.add_argument(
            "--errors-csv", type=Path, help="where to write the error report (CSV) if rows are bad"
        )
        add_mapping_arguments(parser)

    def handle(self, *args, **options):
        run_import_command(self, ImportJob.Kind.STATIONS, options, {"replace": options["replace"]})


def add_mapping_arguments(parser) -> None:
    """--map, --preset and --keep-extra: the command-line side of the column mapper."""
    parser.add_argument(
        "--map",
        type=Path,
        help="YAML file of 'field: column' lines (see docs/importing.md); default: guessed",
    )
    parser.add_argument(
        "--preset",
        choices=PRESET_NAMES,
        help="guess the columns with only this tool's names (Apollo export, NEMO user file, ours)",
    )
    parser.add_argument(
        "--keep-extra",
        action="store_true",
        help="keep columns that map to no field as extra attributes (else they are listed, not imported)",
    )


def mapping_options(options: dict) -> dict:
    """The job options for the mapping arguments; CommandError for an unreadable --map file."""
    out: dict = {
        "preset": options.get("preset") or "",
        "keep_extra": bool(options.get("keep_extra")),
    }
    map_file = options.get("map")
    if map_file:
        try:
            mapping, extra = read_map_file(Path(map_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{map_file}: {exc}") from exc
        out["mapping"] = mapping
        out["keep_extra"] = out["keep_extra"] or bool(extra.get("keep_extra"))
        if extra.get("default_role"):
            out["default_role"] = str(extra["default_role"])
    return out


def run_import_command(command: BaseCommand, kind: str, options: dict, extra: dict) -> None:
    path: Path = options["file"]
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    election = election_or_list(options["election"])
    job = create_job(
        election,
        kind,
        path,
        path.name,
        {"encoding": options["encoding"], **mapping_options(options), **extra},
    )
    bar = tqdm(total=0, unit=" rows", file=sys.stderr, disable=None, dynamic_ncols=True)

    def progress(phase: str, done: int, total: int) -> None:
        bar.set_description(phase)
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    job = run_job(job, progress)
    bar.close()
    if job.status == ImportJob.Status.DONE:
        command.stdout.write(job.message)
        return
    report = options.get("errors_csv")
    if report:
        report.write_text(job.errors_csv, encoding="utf-8")
    lines = job.errors_csv.splitlines()[1:21]
    shown = "\n  ".join(lines)
    more = f"\n  ... and {job.error_count - 20:,} more" if job.error_count > 20 else ""
    where = f"\nFull report: {report}" if report else "\nFull report: rerun with --errors-csv FILE"
    raise CommandError(f"{job.message}\n  row,column,reason,value\n  {shown}{more}{where}")
