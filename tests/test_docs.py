"""The docs keep up with the code: every setting, role and command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from pollwatch.cli import PURE_COMMANDS
from pollwatch.observers.models import Role

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = README + "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))


def test_every_environment_variable_read_by_settings_is_in_the_readme():
    source = (ROOT / "pollwatch" / "settings.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'env(?:str|bool|int|float)\("([A-Z_]+)"', source))
    assert variables, "no variables found: the pattern no longer matches settings.py"
    missing = sorted(v for v in variables if f"`{v}`" not in README)
    assert not missing, f"undocumented settings: {missing}"


def test_every_role_is_documented():
    missing = [role.value for role in Role if role.value not in DOCS]
    assert not missing


def test_every_command_is_in_the_readme():
    commands = set(PURE_COMMANDS) | {
        p.stem.replace("_", "-")
        for p in ROOT.glob("pollwatch/*/management/commands/*.py")
        if not p.stem.startswith("_")
    }
    missing = sorted(c for c in commands if f"pollwatch {c}" not in README)
    assert not missing, f"commands missing from the README: {missing}"


def test_the_readme_quick_start_names_the_two_commands():
    assert "make demo" in README and "make test" in README
