"""Two XLSForms never overwrite each other (issue 17, found 6): the code comes from the settings
sheet (``code``, else ``form_id``), never from a cut ``form_id``; ``--code`` sets it; a different
form under a code in use needs ``--replace``, and a refused file installs nothing."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from pollwatch.checklists.models import Form


def workbook(path, form_id, code=None, label="Opened on time?"):
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(("type", "name", "label::English (en)"))
    survey.append(("integer", "a1", label))
    settings = book.create_sheet("settings")
    settings.append(("form_title", "form_id", *(("code",) if code else ())))
    settings.append((form_id, form_id, *((code,) if code else ())))
    book.save(path)
    return path


def load(*args):
    call_command("load_forms", *map(str, args), "--election", "test-election")


def test_two_long_form_ids_are_refused_not_cut_to_the_same_code(mission, tmp_path):
    opening = workbook(tmp_path / "o.xlsx", "election_day_opening")
    with pytest.raises(CommandError, match="form_id: 'election_day_opening' does not make a form"):
        load(opening)
    assert not Form.objects.filter(code="ELECTIONDA").exists()


def test_the_settings_code_column_or_dash_dash_code_names_the_form(mission, tmp_path):
    load(workbook(tmp_path / "o.xlsx", "election_day_opening", code="EDO"))
    load(workbook(tmp_path / "c.xlsx", "election_day_closing"), "--code", "edc")
    assert sorted(Form.objects.filter(active=True).values_list("code", flat=True)) >= [
        "EDC",
        "EDO",
    ]


def test_a_different_form_under_a_code_in_use_needs_replace(mission, tmp_path):
    load(workbook(tmp_path / "o.xlsx", "election_day_opening", code="ED"))
    closing = workbook(tmp_path / "c.xlsx", "election_day_closing", code="ED")
    with pytest.raises(CommandError, match="already used by .*election_day_opening.*--replace"):
        load(closing)
    assert Form.objects.get(code="ED", active=True).spec.source == "xlsform:election_day_opening"
    load(closing, "--replace")
    assert Form.objects.get(code="ED", active=True).spec.source == "xlsform:election_day_closing"


def test_a_changed_version_of_the_same_form_needs_no_replace(mission, tmp_path):
    load(workbook(tmp_path / "o.xlsx", "election_day_opening", code="ED"))
    load(workbook(tmp_path / "o2.xlsx", "election_day_opening", code="ED", label="Opened?"))
    assert Form.objects.get(code="ED", active=True).version == 2


def test_a_refused_file_installs_none_of_the_others(mission, tmp_path):
    good = workbook(tmp_path / "g.xlsx", "good", code="GD")
    bad = workbook(tmp_path / "b.xlsx", "election_day_closing")
    with pytest.raises(CommandError):
        load(good, bad)
    assert not Form.objects.filter(code="GD").exists()


def test_dash_dash_code_takes_one_file(mission, tmp_path):
    with pytest.raises(CommandError, match="exactly one file"):
        load(workbook(tmp_path / "a.xlsx", "a"), workbook(tmp_path / "b.xlsx", "b"), "--code", "X")
