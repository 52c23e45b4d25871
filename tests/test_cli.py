"""The `pollwatch` command: pure commands without Django, everything else through Django."""

from __future__ import annotations

import subprocess
import sys

from pollwatch.cli import PURE_COMMANDS, main


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in [*PURE_COMMANDS, "demo", "import-stations", "import-people", "serve"]:
        assert name in out


def test_pure_commands_do_not_import_django():
    code = (
        "import sys; from pollwatch.cli import main; "
        "main(['simulate', '--stations', '300', '--observers', '10', '-o', sys.argv[1], '--quiet']); "
        "assert 'django' not in sys.modules, 'django was imported'"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [sys.executable, "-c", code, folder], capture_output=True, text=True
        )
    assert result.returncode == 0, result.stderr


def test_django_commands_accept_dashes(capsys, db):
    main(["check"])
    assert "no issues" in capsys.readouterr().out
