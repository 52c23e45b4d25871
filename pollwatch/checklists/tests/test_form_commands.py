"""`load-forms --draft`, `publish-form` and `close-form`: a form's life from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pollwatch.audit.models import AuditEvent
from pollwatch.checklists.models import Form
from pollwatch.checklists.tests.test_load_forms_codes import workbook

ELECTION = ("--election", "test-election")


def run(name, *args) -> str:
    out = StringIO()
    call_command(name, *map(str, args), *ELECTION, stdout=out)
    return out.getvalue()


def states(code="ED"):
    return list(
        Form.objects.filter(code=code).order_by("version").values_list("version", "state", "active")
    )


def test_a_draft_is_kept_beside_the_live_version_until_published(mission, tmp_path):
    run("load_forms", workbook(tmp_path / "o.xlsx", "election_day_opening", code="ED"))
    changed = workbook(tmp_path / "o2.xlsx", "election_day_opening", code="ED", label="Opened?")
    assert "drafted" in run("load_forms", changed, "--draft")
    assert states() == [(1, "live", True), (2, "draft", False)]
    assert "unchanged (draft)" in run("load_forms", changed, "--draft")
    assert "ED     v2   live" in run("publish_form", "ed")
    assert states() == [(1, "superseded", False), (2, "live", True)]
    assert AuditEvent.objects.filter(kind="form.published", actor="cli").count() == 1


def test_publish_form_version_brings_back_an_older_version(mission, tmp_path):
    run("load_forms", workbook(tmp_path / "o.xlsx", "election_day_opening", code="ED"))
    run("load_forms", workbook(tmp_path / "o2.xlsx", "election_day_opening", code="ED", label="?"))
    run("publish_form", "ED", "--version", 1)
    assert states() == [(1, "live", True), (2, "superseded", False)]
    with pytest.raises(CommandError, match=r"ED v1: ED version 1 is live already"):
        run("publish_form", "ED", "--version", 1)
    with pytest.raises(CommandError, match=r"ED has no version 7 \(v2 superseded, v1 live\)"):
        run("publish_form", "ED", "--version", 7)
    with pytest.raises(CommandError, match=r"ED has no draft .*give --version N"):
        run("publish_form", "ED")


def test_close_form_and_publish_again(mission, tmp_path):
    run("load_forms", workbook(tmp_path / "o.xlsx", "election_day_opening", code="ED"))
    assert "closed" in run("close_form", "ED")
    assert states() == [(1, "closed", False)]
    assert AuditEvent.objects.filter(kind="form.closed", actor="cli").count() == 1
    with pytest.raises(CommandError, match=r"ED has no live version \(v1 closed\)"):
        run("close_form", "ED")
    run("publish_form", "ED", "--version", 1)
    assert states() == [(1, "live", True)]


def test_a_different_form_as_a_draft_needs_replace_to_go_live(mission, tmp_path):
    run("load_forms", workbook(tmp_path / "o.xlsx", "election_day_opening", code="ED"))
    run("load_forms", workbook(tmp_path / "c.xlsx", "election_day_closing", code="ED"), "--draft")
    with pytest.raises(CommandError, match="already used by .*election_day_opening.*--replace"):
        run("publish_form", "ED")
    assert states() == [(1, "live", True), (2, "draft", False)]
    run("publish_form", "ED", "--replace")
    assert states() == [(1, "superseded", False), (2, "live", True)]


def test_unknown_codes_and_elections_are_named(mission):
    with pytest.raises(CommandError, match=r"No form 'NOPE' in test-election\. Its forms: "):
        run("publish_form", "nope")
    with pytest.raises(CommandError, match="No form 'NOPE'"):
        run("close_form", "NOPE")
    with pytest.raises(CommandError, match="No election 'other'"):
        call_command("close_form", "ED", "--election", "other")


def test_draft_refuses_defaults_and_replace(mission, tmp_path):
    path = workbook(tmp_path / "o.xlsx", "election_day_opening", code="ED")
    with pytest.raises(CommandError, match="--draft is for form files"):
        run("load_forms", "--defaults", "--draft")
    with pytest.raises(CommandError, match="a draft replaces nothing"):
        run("load_forms", path, "--draft", "--replace")
    assert not Form.objects.filter(code="ED").exists()
