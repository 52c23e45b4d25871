"""Decimal, date, time and geopoint answers from ODK Collect and by SMS are stored in one canonical form."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET

import pytest

from pollwatch.submissions.models import Submission

from .test_openrosa import download, filled, observer, submit  # noqa: F401 - observer is a fixture
from .test_sms_intake import send_json

KV = """
code: KV
version: 1
kind: checklist
phase: any
languages: [en]
name: {en: Kinds}
groups:
  - code: G
    label: {en: Kinds}
    questions:
      - {code: WT, kind: decimal, minimum: 0, maximum: 100, label: {en: Turnout %}}
      - {code: DY, kind: date, minimum: "2026-01-01", label: {en: Day}}
      - {code: OT, kind: time, label: {en: Opened at}}
      - {code: GP, kind: geopoint, label: {en: Where}}
"""


@pytest.fixture
def kinds_form(mission, forms):
    from pollwatch.checklists.loading import install_form
    from pollwatch.formspec.spec import loads_form

    return install_form(mission.election, loads_form(KV))[0]


def test_odk_collects_values_are_stored_canonically(client, observer, kinds_form):  # noqa: F811
    xform = download(client, observer, "test-election-KV")
    values = {
        "start": "2026-12-06T07:02:11.000+04:00",
        "end": "2026-12-06T07:05:42.000+04:00",
        "station": "D1-001",
        "WT": "61.50",
        "DY": "2026-12-06",
        "OT": "07:05:00.000+04:00",
        "GP": "40.409262 49.867092 12.0 4.8",
    }
    response = submit(client, observer, filled(xform, values))
    assert response.status_code == 202, response.content
    submission = Submission.objects.get(form__code="KV")
    assert submission.answers == {
        "WT": 61.5,
        "DY": "2026-12-06",
        "OT": "07:05",
        "GP": "40.409262 49.867092 12 4.8",
    }


def test_odk_validate_accepts_the_form_with_the_new_kinds(client, observer, kinds_form):  # noqa: F811
    from pyxform.validators.odk_validate import check_xform

    xform = download(client, observer, "test-election-KV")
    types = {
        element.get("nodeset", "").rsplit("/", 1)[-1]: element.get("type")
        for element in ET.fromstring(xform).iter("{http://www.w3.org/2002/xforms}bind")
    }
    assert [types[code] for code in ("WT", "DY", "OT", "GP")] == [
        "decimal", "date", "time", "geopoint",
    ]  # fmt: skip
    with tempfile.NamedTemporaryFile(suffix=".xml") as file:
        file.write(xform)
        file.flush()
        assert check_xform(file.name) == []


def test_an_sms_with_the_new_kinds_is_stored_canonically(
    client, kinds_form, gateways_on, reachable_phone
):
    response = send_json(client, reachable_phone, "KV 1006 WT61,5 DY06.12.2026 OT0705 GP 40.4 49.8")
    assert response.status_code == 200
    assert "Not by SMS, use the app: GP." in response.json()["reply"]
    submission = Submission.objects.get(form__code="KV")
    assert submission.answers == {"WT": 61.5, "DY": "2026-12-06", "OT": "07:05"}


def test_staff_see_a_location_as_coordinates_and_correct_the_new_kinds(client, mission, kinds_form):
    from django.urls import reverse

    from pollwatch.testing import send

    answers = {"WT": "61.5", "DY": "2026-12-06", "OT": "07:05", "GP": "40.4093 49.8671 0 8"}
    submission = send(mission, kinds_form, "observer", "D1-001", answers).submission
    client.force_login(mission.users["clerk"])
    page = client.get(reverse("submission", args=["test-election", submission.pk])).text
    assert "40.4093, 49.8671 (±8 m)" in page
    form = client.get(reverse("submission-correct", args=["test-election", submission.pk])).text
    assert 'name="DY" value="2026-12-06" autocomplete="off" type="date" min="2026-01-01"' in form
    assert 'name="OT" value="07:05" autocomplete="off" type="time"' in form
    assert 'name="WT" value="61.5" autocomplete="off" inputmode="decimal"' in form
    response = client.post(
        reverse("submission-correct", args=["test-election", submission.pk]),
        {**answers, "WT": "62.25", "OT": "07:10", "reason": "read again"},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.answers["WT"] == 62.25 and submission.answers["OT"] == "07:10"
