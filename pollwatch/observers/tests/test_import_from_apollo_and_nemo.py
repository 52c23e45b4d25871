"""A mission moving from Apollo or NEMO imports their files as those tools write them, losing nothing.

Headers are Apollo's and NEMO's own (see ``pollwatch.lib.columns`` for where they
come from): observers keep their ids and phones, stations their codes and
coordinates; a column that maps to nothing is listed, and kept when asked.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from pollwatch.elections.importers import (
    create_job,
    import_stations,
    remembered_mapping,
    run_job,
)
from pollwatch.elections.models import Area, ImportJob, PollingStation
from pollwatch.lib.columns import (
    PEOPLE_FIELDS,
    PEOPLE_PRESETS,
    guess_mapping,
    read_map_file,
    station_fields,
)
from pollwatch.observers.importers import import_people
from pollwatch.observers.models import Membership, Person

# Apollo's participants export (BOM and CRLF as its csv writer emits them).
APOLLO_PARTICIPANTS = (
    "\ufeffParticipant ID,Full Name,Partner,Role,Location ID,Supervisor ID,Gender,Email,"
    "Password,Phone #1,Phone #2,Phone #3\r\n"
    "403794,Aysel Mammadova,EMDS,Observer,D1-001,500001,F,aysel@example.org,s3cret,"
    "+994501110001,+994551110001,\r\n"
    "403795,Rashad Aliyev,EMDS,OBS,D1-002,500001,M,,hunter2,0502220002,,\r\n"
    "500001,Leyla Huseynova,EMDS,Supervisor,R1,,F,leyla@example.org,pw,+994503330003,,\r\n"
)

# Apollo's locations export: per location type _N_<lang>, _ID, _RV; then LAT, LON.
APOLLO_LOCATIONS = (
    "REGION_N_EN,REGION_N_AZ,REGION_ID,DISTRICT_N_EN,DISTRICT_ID,"
    "POLLING STATION_N_EN,POLLING STATION_ID,POLLING STATION_PCODE,POLLING STATION_RV,LAT,LON\n"
    "North,Şimal,R1,District 1,D1,School 77,PS-77,PC77,1250,40.4093,49.8671\n"
    "North,Şimal,R1,District 1,D1,School 78,PS-78,PC78,980,40.4101,49.8702\n"
)

# NEMO's user batch import (English and French headers, as in its own fixtures).
NEMO_USERS = (
    "Username,Full Name,Main Phone,Alternate Phone,Email,Birth Year,Gender,Nationality,Notes,Groups\n"
    "abob,A Bob,+994504440004,+994554440004,a@bc.com,1981,Man,Azerbaijan,,Baku team\n"
)
NEMO_USERS_FR = (
    "IDENTIFIANT,nom complet,numéro de téléphone principal,Autre numéro de téléphone,E-mail,"
    "Année de naissance,Genre,Nationnalité,Observations,Groupes\n"
    "user0,User Zero,+994505550005,,email0@email.com,1981,Homme,Canada,note_0,Les habitants\n"
)


def write(tmp_path, text, name="f.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    "header,preset,expected",
    [
        (
            "Participant ID,Full Name,Role,Phone #1,Phone #2,Phone #3",
            None,
            {
                "code": "Participant ID",
                "name": "Full Name",
                "role": "Role",
                "phone": "Phone #1",
                "other_phones": ["Phone #2", "Phone #3"],
            },
        ),
        (
            "Participant ID,Full Name,Location Code,Role,Gender,Organization,Phone 1",
            "apollo",
            {"code": "Participant ID", "name": "Full Name", "phone": "Phone 1"},
        ),
        (
            "Username,Full Name,Main Phone,Alternate Phone,Email,Notes,Groups",
            "nemo",
            {
                "name": "Full Name",
                "phone": "Main Phone",
                "other_phones": ["Alternate Phone"],
                "email": "Email",
                "code": None,
            },
        ),
        (
            "IDENTIFIANT,nom complet,numéro de téléphone principal,Autre numéro de téléphone,E-mail",
            None,
            {
                "name": "nom complet",
                "phone": "numéro de téléphone principal",
                "other_phones": ["Autre numéro de téléphone"],
                "email": "E-mail",
            },
        ),
        (
            "code,name,role,phone,email,area_code,language",
            "pollwatch",
            {"code": "code", "name": "name", "role": "role", "area_code": "area_code"},
        ),
    ],
    ids=["apollo-export", "apollo-import-fixture", "nemo", "nemo-french", "pollwatch"],
)
def test_people_columns_are_guessed_from_each_tools_header(header, preset, expected):
    mapping = guess_mapping(header.split(","), PEOPLE_FIELDS, PEOPLE_PRESETS, preset)
    assert {key: mapping[key] for key in expected} == expected


@pytest.mark.parametrize(
    "header,expected,levels",
    [
        (
            APOLLO_LOCATIONS.splitlines()[0],
            {
                "code": "POLLING STATION_ID",
                "name": "POLLING STATION_N_EN",
                "registered_voters": "POLLING STATION_RV",
                "latitude": "LAT",
                "longitude": "LON",
                "region_code": "REGION_ID",
                "region_name": "REGION_N_EN",
                "region_name_az": "REGION_N_AZ",
            },
            ["region", "district"],
        ),
        (
            "Country Name,Country ID,Province Name,Province ID,Voting Location Name,"
            "Voting Location ID,Registered Voters",
            {
                "code": "Voting Location ID",
                "name": "Voting Location Name",
                "registered_voters": "Registered Voters",
                "country_code": "Country ID",
            },
            ["country", "province"],
        ),
        (
            "code,name,region_code,region_name,district_code,registered_voters,latitude,longitude",
            {"code": "code", "region_code": "region_code", "latitude": "latitude"},
            ["region", "district"],
        ),
    ],
    ids=["apollo-export", "apollo-sample", "pollwatch"],
)
def test_station_columns_and_levels_are_guessed(header, expected, levels):
    fields, mapping = station_fields(header.split(","))
    assert {key: mapping[key] for key in expected} == expected
    assert [f.key[: -len("_code")] for f in fields if f.key.endswith("_code")] == levels


def test_an_apollo_participants_export_keeps_ids_and_every_phone(mission, tmp_path):
    result = import_people(mission.election, write(tmp_path, APOLLO_PARTICIPANTS))
    assert result.people == 3
    aysel = Person.objects.get(mission=mission.mission, code="403794")
    assert aysel.full_name == "Aysel Mammadova" and aysel.phone == "+994501110001"
    assert aysel.other_phones == ["+994551110001"]
    rashad = Person.objects.get(mission=mission.mission, code="403795")
    assert rashad.phone == "+994502220002"  # national number, read in the election's country
    roles = dict(
        Membership.objects.filter(person__code__in=["403794", "403795", "500001"]).values_list(
            "person__code", "role"
        )
    )
    assert roles == {"403794": "observer", "403795": "observer", "500001": "supervisor"}
    # Nothing dropped silently: what maps to no field is named.
    assert result.unmapped == ["Partner", "Location ID", "Supervisor ID", "Gender", "Password"]
    assert aysel.extra == {}


def test_unmapped_columns_are_kept_when_asked_but_never_a_password(mission, tmp_path):
    result = import_people(mission.election, write(tmp_path, APOLLO_PARTICIPANTS), keep_extra=True)
    assert result.kept == ["Partner", "Location ID", "Supervisor ID", "Gender"]
    aysel = Person.objects.get(mission=mission.mission, code="403794")
    assert aysel.extra == {
        "Partner": "EMDS",
        "Location ID": "D1-001",
        "Supervisor ID": "500001",
        "Gender": "F",
    }
    assert "s3cret" not in str(Person.objects.values_list("extra", flat=True))


@pytest.mark.parametrize("text", [NEMO_USERS, NEMO_USERS_FR], ids=["english", "french"])
def test_a_nemo_user_file_imports_with_the_default_role(mission, tmp_path, text):
    result = import_people(mission.election, write(tmp_path, text), keep_extra=True)
    assert result.people == 1
    person = Person.objects.filter(mission=mission.mission).order_by("-pk").first()
    assert person.phone.startswith("+99450") and person.code  # a code is made up
    assert Membership.objects.get(person=person).role == "observer"
    assert "Groups" in person.extra or "Groupes" in person.extra


def test_an_apollo_locations_export_keeps_codes_coordinates_and_translated_names(mission, tmp_path):
    result = import_stations(mission.election, write(tmp_path, APOLLO_LOCATIONS), keep_extra=True)
    assert result.stations == 2
    station = PollingStation.objects.get(election=mission.election, code="PS-77")
    assert (station.name, station.registered_voters) == ("School 77", 1250)
    assert (station.latitude, station.longitude) == (40.4093, 49.8671)
    assert station.area.code == "D1" and station.area.parent.code == "R1"
    assert station.extra == {"POLLING STATION_PCODE": "PC77"}
    assert result.unmapped == ["POLLING STATION_PCODE"]
    assert Area.objects.get(election=mission.election, code="R1").name == "North"


def test_the_cli_takes_a_preset_and_a_map_file(mission, tmp_path, settings, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command(
        "import_people",
        str(write(tmp_path, NEMO_USERS, "nemo.csv")),
        "--election",
        "test-election",
        "--preset",
        "nemo",
    )
    out = capsys.readouterr().out
    assert "Imported 1 people" in out and "Columns not imported" in out and "Username" in out
    mapping_file = tmp_path / "map.yaml"
    mapping_file.write_text(
        "code: Kod\nname: Ad\nphone: Telefon\nrole: Rol\nkeep_extra: true\n", encoding="utf-8"
    )
    text = "Kod,Ad,Telefon,Rol,Qeyd\n7001,Nigar,+994506660006,observer,first time\n"
    call_command(
        "import_people",
        str(write(tmp_path, text, "own.csv")),
        "--election",
        "test-election",
        "--map",
        str(mapping_file),
    )
    person = Person.objects.get(mission=mission.mission, code="7001")
    assert person.extra == {"Qeyd": "first time"}


def test_a_bad_map_file_is_refused_by_name(mission, tmp_path, settings):
    from django.core.management.base import CommandError

    settings.MEDIA_ROOT = tmp_path / "media"
    bad = tmp_path / "map.yaml"
    bad.write_text("name: [1, 2]\n", encoding="utf-8")
    with pytest.raises(CommandError, match="field 'name'"):
        call_command(
            "import_people",
            str(write(tmp_path, NEMO_USERS)),
            "--election",
            "test-election",
            "--map",
            str(bad),
        )


def test_a_confirmed_mapping_is_remembered_for_the_next_file(mission, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    mapping = {"code": "Kod", "name": "Ad", "phone": "Telefon", "role": None}
    first = write(tmp_path, "Kod,Ad,Telefon\n7001,Nigar,+994506660006\n", "a.csv")
    job = run_job(create_job(mission.election, "people", first, "a.csv", {"mapping": mapping}))
    assert job.status == "done", job.message
    header = ["Kod", "Ad", "Telefon", "Qeyd"]
    assert remembered_mapping(mission.election, ImportJob.Kind.PEOPLE, header) == mapping
    # not for another kind, nor for a file without those columns
    assert remembered_mapping(mission.election, ImportJob.Kind.STATIONS, header) is None
    assert remembered_mapping(mission.election, ImportJob.Kind.PEOPLE, ["Kod", "Ad"]) is None


def test_one_column_mapped_twice_is_refused(mission, tmp_path):
    from pollwatch.elections.importers import ImportFailed

    with pytest.raises(ImportFailed, match="mapped to both"):
        import_people(
            mission.election,
            write(tmp_path, NEMO_USERS),
            mapping={"name": "Full Name", "code": "Full Name"},
        )


def test_a_mapping_naming_a_field_the_importer_has_not_is_refused(mission, tmp_path):
    # "foo: Gender" took the Gender column away from the extras without a word.
    from pollwatch.elections.importers import ImportFailed

    with pytest.raises(ImportFailed) as failure:
        import_people(
            mission.election,
            write(tmp_path, NEMO_USERS),
            mapping={"name": "Full Name", "foo": "Gender"},
            keep_extra=True,
        )
    [error] = failure.value.errors
    assert (error.row, error.column) == (1, "foo")
    assert error.reason.startswith("no such field; the fields are code, name, role, phone")


def test_a_mapping_naming_a_column_the_file_lacks_is_refused(mission, tmp_path):
    # A typo in a --map file ("Participant I") was ignored: every observer got a new code.
    from pollwatch.elections.importers import ImportFailed

    with pytest.raises(ImportFailed) as failure:
        import_people(
            mission.election,
            write(tmp_path, APOLLO_PARTICIPANTS),
            mapping={"code": "Participant I", "name": "Full Name", "other_phones": ["Phone #9"]},
        )
    found = {(e.row, e.column): e.reason for e in failure.value.errors}
    assert set(found) == {(1, "code"), (1, "other_phones")}
    assert found[(1, "code")].startswith(
        "the mapping names column 'Participant I', which the file has not (or has twice)"
        " (the file has: Participant ID, Full Name,"
    )
    assert not Person.objects.filter(full_name="Aysel Mammadova").exists()
    header = APOLLO_LOCATIONS.lstrip("\ufeff").splitlines()[0].split(",")
    with pytest.raises(ImportFailed, match="column 'LATITUDE'"):
        import_stations(
            mission.election,
            write(tmp_path, APOLLO_LOCATIONS, "locations.csv"),
            mapping={**station_fields(header)[1], "latitude": "LATITUDE"},
        )


def test_keep_extra_in_a_map_file_must_be_true_or_false():
    with pytest.raises(ValueError, match="keep_extra: give true or false, not 'maybe'"):
        read_map_file("code: Participant ID\nkeep_extra: maybe\n")
    assert read_map_file("code: Participant ID\nkeep_extra: true\n")[1] == {"keep_extra": True}
