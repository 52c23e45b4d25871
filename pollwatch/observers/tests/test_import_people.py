"""People import: phones normalised to E.164, duplicates found, nothing half-written."""

from __future__ import annotations

import pytest

from pollwatch.elections.importers import ImportFailed
from pollwatch.observers.importers import import_people
from pollwatch.observers.models import Membership, Person


def write(tmp_path, text):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_imports_people_with_roles_and_e164_phones(mission, tmp_path):
    text = (
        "code,name,phone,email,role,area_code,language\n"
        "5001,Aysel Məmmədova,050 123 45 67,aysel@example.org,observer,D1,az\n"
        "5002,Rauf Əliyev,+994 51 234 56 78,,supervisor,R1,ru\n"
        ",Анна Петрова,0552345678,,media monitor,,ru\n"
    )
    result = import_people(mission.election, write(tmp_path, text))
    assert result.people == 3
    aysel = Person.objects.get(code="5001")
    assert aysel.phone == "+994501234567" and aysel.language == "az"
    assert Membership.objects.get(person=aysel).area.code == "D1"
    assert Person.objects.get(code="5002").phone == "+994512345678"
    anna = Person.objects.get(full_name="Анна Петрова")
    assert anna.code and Membership.objects.get(person=anna).role == "media_monitor"


def test_bad_and_duplicate_people_are_reported_and_nothing_is_written(mission, tmp_path):
    before = Person.objects.count()
    text = (
        "code,name,phone,email,role,area_code\n"
        "6001,A,050 123 45 67,a@example.org,observer,D1\n"
        "6001,B,050 123 45 68,,observer,D1\n"
        "6003,C,050 123 45 67,,observer,D1\n"
        "6004,D,12,,observer,D1\n"
        "6005,E,,,observer,D1\n"
        "6006,F,050 123 45 70,a@example.org,observer,D1\n"
        "6007,G,050 123 45 71,,wizard,D1\n"
        "6008,H,050 123 45 72,,observer,D99\n"
        "1001,I,050 123 45 73,,observer,D1\n"
        "6010,J,+994501000002,,observer,D1\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_people(mission.election, write(tmp_path, text))
    found = {(e.row, e.column) for e in failure.value.errors}
    assert found == {
        (3, "code"),
        (4, "phone"),
        (5, "phone"),
        (6, "phone"),
        (7, "email"),
        (8, "role"),
        (9, "area_code"),
        (10, "code"),
        (11, "phone"),
    }
    reasons = " ".join(e.reason for e in failure.value.errors)
    assert "duplicate phone +994501234567 (first at row 2)" in reasons
    assert "already in the mission" in reasons
    assert Person.objects.count() == before


def test_values_wider_than_their_column_are_refused_with_their_row_never_cut(mission, tmp_path):
    # An Apollo id of 300 digits went into a 32-character column (PostgreSQL then failed the
    # whole job with a database error) and a 250-character name was cut to 200 without a word.
    before = Person.objects.count()
    text = (
        "code,name,phone,email,language\n"
        f"{'9' * 33},A,050 123 45 67,,\n"
        f"7002,{'N' * 201},050 123 45 68,,\n"
        f"7003,C,050 123 45 69,{'e' * 250}@example.org,\n"
        "7004,D,050 123 45 70,,english-language\n"
        f"{'8' * 32},E,050 123 45 71,,ru-RU\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_people(mission.election, write(tmp_path, text))
    found = {(e.row, e.column): e.reason for e in failure.value.errors}
    assert found == {
        (2, "code"): "code longer than 32 characters",
        (3, "name"): "name longer than 200 characters",
        (4, "email"): "not an email address",
        (5, "language"): "not a language tag (at most 10 characters, e.g. en, az, ru-RU)",
        # 32 characters fit the column, but an observer types the code in every SMS.
        (6, "code"): "an observer's code is the id typed in every SMS report: 1 to 12 digits",
    }
    assert Person.objects.count() == before


def test_an_observer_code_sms_cannot_read_is_refused_a_staff_code_is_not(mission, tmp_path):
    text = (
        "code,name,phone,role\n"
        "12A-4,A,050 123 45 67,observer\n"
        "1234567890123,B,050 123 45 68,observer\n"
        "403794,C,050 123 45 69,observer\n"
        "ANA-1,D,050 123 45 70,coordinator\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_people(mission.election, write(tmp_path, text))
    assert {(e.row, e.column, e.value) for e in failure.value.errors} == {
        (2, "code", "12A-4"),
        (3, "code", "1234567890123"),
    }
