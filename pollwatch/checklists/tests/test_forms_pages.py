"""The forms pages: who may see and change forms, upload (YAML, XLSForm, hostile files),
the replace confirmation, draft → live → closed, preview, compare, the shipped defaults."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pollwatch.checklists.models import Form, active_forms
from pollwatch.testing import PERSONAS, assert_reach

READERS = {"admin", "coordinator", "analyst", "supervisor", "clerk"}
MANAGERS = {"admin", "coordinator"}
SLUG = "test-election"

OP_V2 = b"""
code: OP
version: 2
kind: checklist
phase: opening
languages: [en, ru]
name: {en: Opening, ru: "\xd0\x9e\xd1\x82\xd0\xba\xd1\x80\xd1\x8b\xd1\x82\xd0\xb8\xd0\xb5"}
groups:
  - code: G
    label: {en: Opening, ru: "\xd0\x9e\xd1\x82\xd0\xba\xd1\x80\xd1\x8b\xd1\x82\xd0\xb8\xd0\xb5"}
    questions:
      - {code: A1, kind: yes_no, required: true, label: {en: "Did it open on time?", ru: "\xd0\x92\xd0\xbe\xd0\xb2\xd1\x80\xd0\xb5\xd0\xbc\xd1\x8f?"}}
      - {code: A4, kind: integer, minimum: 0, label: {en: Voters waiting, ru: "\xd0\x96\xd0\xb4\xd1\x83\xd1\x82"}}
"""


def upload(client, name: str, content: bytes, **fields):
    data = {"file": SimpleUploadedFile(name, content), "live": "draft", **fields}
    return client.post(reverse("forms-upload", args=[SLUG]), data)


def problems_of(response) -> list[str]:
    return [str(p) for p in response.context["problems"]]


@pytest.fixture
def admin(client, mission):
    client.force_login(mission.users["admin"])
    return client


@pytest.fixture
def examples(shared_data):
    return shared_data / "xlsform-examples"


# Reach: each page × each persona × anonymous.


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(
    "url",
    [
        f"/e/{SLUG}/forms/",
        f"/e/{SLUG}/forms/OP/",
        f"/e/{SLUG}/forms/OP/v1/preview/",
        f"/e/{SLUG}/forms/OP/compare/",
    ],
)
def test_forms_pages_open_to_the_staff_who_read_forms(client, mission, forms, persona, url):
    assert_reach(client, mission, persona, url, READERS)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(
    "url",
    [
        f"/e/{SLUG}/forms/upload/",
        f"/e/{SLUG}/forms/replace/",
        f"/e/{SLUG}/forms/defaults/",
        f"/e/{SLUG}/forms/OP/v1/publish/",
        f"/e/{SLUG}/forms/OP/v1/close/",
    ],
)
def test_only_admins_and_coordinators_change_forms(client, mission, forms, persona, url):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    # Confirmed, as the confirmation pages post: the role alone must stop it.
    response = client.post(url, {"confirm": "close" if url.endswith("close/") else "replace"})
    if persona == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
    elif persona in MANAGERS:
        assert response.status_code in (200, 302, 400), (persona, response.status_code)
    else:
        assert response.status_code in (403, 404), persona
    # Nothing changed for anyone but the managers (who closed OP).
    if persona not in MANAGERS:
        assert Form.objects.get(code="OP").state == Form.State.LIVE
        assert Form.objects.count() == 2


def test_readers_see_no_upload_form(client, mission, forms):
    client.force_login(mission.users["analyst"])
    page = client.get(f"/e/{SLUG}/forms/").content.decode()
    assert "Opening" in page and 'name="file"' not in page and "forms/defaults" not in page


def test_the_navigation_links_the_forms_page_for_readers_only(client, mission, forms):
    client.force_login(mission.users["clerk"])
    assert f'href="/e/{SLUG}/forms/"' in client.get(f"/e/{SLUG}/").content.decode()
    client.force_login(mission.users["observer"])
    assert f'href="/e/{SLUG}/forms/"' not in client.get(f"/e/{SLUG}/").content.decode()


def test_the_list_shows_each_code_with_its_live_version_and_reports(admin, mission, forms):
    from pollwatch.testing import send

    send(mission, forms["OP"], "observer", "D1-001", {"A1": "1"})
    upload(admin, "op.yaml", OP_V2)
    response = admin.get(f"/e/{SLUG}/forms/")
    rows = {row["code"]: row for row in response.context["rows"]}
    assert rows["OP"]["shown"].version == 1 and rows["OP"]["state"] == "live"
    assert rows["OP"]["versions"] == 2 and rows["OP"]["drafts"] == 1
    assert rows["OP"]["reports"] == 1 and rows["IN"]["reports"] == 0
    admin.post(f"/e/{SLUG}/forms/IN/v1/close/", {"confirm": "close"})
    upload(admin, "new.yaml", OP_V2.replace(b"code: OP", b"code: NW"))
    rows = {row["code"]: row for row in admin.get(f"/e/{SLUG}/forms/").context["rows"]}
    assert rows["IN"]["state"] == "closed" and rows["NW"]["state"] == "draft"


# Upload.


def test_a_yaml_form_is_saved_as_a_draft_that_observers_never_get(
    admin, client, mission, forms, observer_token
):
    response = upload(admin, "op.yaml", OP_V2)
    assert response.status_code == 302
    draft = Form.objects.get(code="OP", version=2)
    assert (draft.state, draft.active) == (Form.State.DRAFT, False)
    assert active_forms(mission.election)["OP"].version == 1
    me = Client().get("/api/o/me", HTTP_AUTHORIZATION=f"Token {observer_token}").json()
    assert [(f["code"], f["version"]) for f in me["forms"]] == [("IN", 1), ("OP", 1)]
    odk = (
        Client().get("/odk/formList", HTTP_AUTHORIZATION=f"Token {observer_token}").content.decode()
    )
    assert "Voters waiting" not in odk
    from pollwatch.audit.models import AuditEvent

    assert AuditEvent.objects.filter(kind="form.drafted").count() == 1


def test_publishing_a_draft_supersedes_the_live_version_and_reaches_observers(
    admin, mission, forms, observer_token
):
    upload(admin, "op.yaml", OP_V2)
    response = admin.post(f"/e/{SLUG}/forms/OP/v2/publish/")
    assert response.status_code == 302
    states = dict(Form.objects.filter(code="OP").values_list("version", "state"))
    assert states == {1: "superseded", 2: "live"}
    me = Client().get("/api/o/me", HTTP_AUTHORIZATION=f"Token {observer_token}").json()
    assert {f["code"]: f["version"] for f in me["forms"]} == {"IN": 1, "OP": 2}
    from pollwatch.audit.models import AuditEvent

    event = AuditEvent.objects.get(kind="form.published")
    assert event.payload["was"] == "draft" and event.payload["superseded"] == 1


def test_closing_a_live_form_takes_it_from_observers_and_sms(admin, mission, forms, observer_token):
    response = admin.post(f"/e/{SLUG}/forms/IN/v1/close/")
    assert response.status_code == 200 and "Close form IN?" in response.content.decode()
    assert "IN" in active_forms(mission.election)  # asked first, nothing closed yet
    response = admin.post(f"/e/{SLUG}/forms/IN/v1/close/", {"confirm": "close"})
    assert response.status_code == 302
    assert Form.objects.get(code="IN").state == Form.State.CLOSED
    assert "IN" not in active_forms(mission.election)
    me = Client().get("/api/o/me", HTTP_AUTHORIZATION=f"Token {observer_token}").json()
    assert [f["code"] for f in me["forms"]] == ["OP"]
    # Closed again: refused with a reason, nothing changes.
    admin.post(f"/e/{SLUG}/forms/IN/v1/close/", {"confirm": "close"})
    assert Form.objects.get(code="IN").state == Form.State.CLOSED
    # Published again, it is back.
    admin.post(f"/e/{SLUG}/forms/IN/v1/publish/")
    assert Form.objects.get(code="IN").state == Form.State.LIVE


def test_sms_takes_a_form_once_published_and_no_longer_once_closed(
    admin, mission, forms, settings, tmp_path
):
    import json

    from pollwatch.submissions.models import Submission

    settings.SMS_JSON_SECRET = "json-secret"
    settings.SMS_OUTBOX = str(tmp_path / "outbox.jsonl")
    phone = "+994501234567"
    mission.people["observer"].phone = phone
    mission.people["observer"].save()

    def sms(text: str) -> int:
        Client().post(
            "/sms/json/",
            json.dumps({"from": phone, "text": text, "id": text}),
            content_type="application/json",
            headers={"Authorization": "Bearer json-secret"},
        )
        return Submission.objects.count()

    upload(admin, "nw.yaml", OP_V2.replace(b"code: OP", b"code: NW"))
    assert sms("nw 1006 a1 1") == 0  # a draft: unknown to SMS
    admin.post(f"/e/{SLUG}/forms/NW/v1/publish/")
    assert sms("nw 1006 a1 0") == 1
    admin.post(f"/e/{SLUG}/forms/NW/v1/close/", {"confirm": "close"})
    assert sms("nw 1006 a1 1 a4 3") == 1


@pytest.mark.parametrize(
    "name", ["example_xls__choice_filter_test.xlsx", "example_xls__yes_or_no_question.xls"]
)
def test_an_xlsform_installs_live_with_its_code(admin, mission, examples, name):
    content = (examples / name).read_bytes()
    response = upload(admin, name, content, code="cf", live="live")
    assert response.status_code == 302, problems_of(response)
    form = Form.objects.get(code="CF")
    assert form.state == Form.State.LIVE and form.spec.source.startswith("xlsform:")
    assert "CF" in active_forms(mission.election)


def test_a_bad_xlsform_lists_every_problem_and_installs_nothing(admin, mission, examples):
    from pollwatch.formspec.xlsform import XLSFormError, form_from_xlsform

    path = examples / "bug_example_xls__UCL_Biomass_Plot_Form.xlsx"
    with pytest.raises(XLSFormError) as expected:
        form_from_xlsform(path)
    response = upload(admin, path.name, path.read_bytes())
    assert response.status_code == 400
    assert problems_of(response) == expected.value.problems and len(expected.value.problems) > 3
    page = response.content.decode()
    assert "Nothing was installed" in page
    assert page.count("<li>") >= len(expected.value.problems)
    assert "survey row" in page
    assert not Form.objects.exists()


def test_a_bad_yaml_form_names_each_problem(admin, mission):
    text = OP_V2.replace(b"kind: integer", b"kind: number").replace(b"code: A4", b"code: A1")
    response = upload(admin, "op.yaml", text)
    assert response.status_code == 400
    problems = problems_of(response)
    assert len(problems) >= 2 and any("number" in p for p in problems), problems
    assert not Form.objects.exists()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (80 * 1024 * 1024) + b"/>")
    return buffer.getvalue()


def alias_bomb() -> bytes:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return ("\n".join(lines) + "\ncode: *i\nname: {en: *i}\n").encode()


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("form.yaml", alias_bomb(), "alias bomb"),
        ("form.yaml", b"a: " + b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        ("form.xlsx", b"code: OP\n", "not an XLSX workbook"),
        ("form.xls", b"PK\x03\x04 not really", "name it .xlsx"),
        ("form.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 junk", "name it .xls"),
        ("form.xlsx", b"PK\x03\x04 broken zip", "not a readable XLSX workbook"),
        ("form.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 junk", "not a readable workbook"),
        ("form.yaml", b"code: OP\x00\n", "NUL bytes"),
        ("form.yaml", b"PK\x03\x04 zipped", "Excel workbook"),
        ("form.yaml", b"name: \xff\xfe\n", "not UTF-8"),
        ("form.yaml", b"a: [unclosed\n", "not valid YAML"),
        ("form.yaml", b"- just\n- a list\n", "form"),
        ("form.csv", b"a,b\n", "give a YAML form"),
        ("form.xlsx", zip_bomb(), "zip bomb"),
    ],
)
def test_hostile_files_get_a_clear_error_never_a_500(admin, mission, name, content, reason):
    response = upload(admin, name, content)
    assert response.status_code == 400
    problems = problems_of(response)
    assert any(reason in p for p in problems), problems
    assert not Form.objects.exists()


def test_a_file_over_the_size_limit_is_refused_unread(admin, mission, monkeypatch):
    monkeypatch.setattr("pollwatch.checklists.upload.FORM_FILE_MAX_BYTES", 1024 * 1024)
    response = upload(admin, "big.yaml", b"#" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert "larger than 1 MB" in problems_of(response)[0]


# A different form under a code in use.


def test_a_different_form_under_a_live_code_asks_before_replacing(admin, mission, forms, examples):
    content = (examples / "example_xls__yes_or_no_question.xlsx").read_bytes()
    response = upload(admin, "yes_or_no.xlsx", content, code="OP", live="live")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Replace the form observers fill now?" in page and "xlsform:" in page
    assert Form.objects.filter(code="OP").count() == 1  # nothing installed yet
    token = response.context["token"]
    # Cancelled (no confirm field): nothing happens.
    admin.post(reverse("forms-replace", args=[SLUG]), {"token": token})
    assert Form.objects.filter(code="OP").count() == 1
    # A token altered on the way is refused.
    admin.post(
        reverse("forms-replace", args=[SLUG]), {"token": token[:-2] + "xx", "confirm": "replace"}
    )
    assert Form.objects.filter(code="OP").count() == 1
    response = admin.post(
        reverse("forms-replace", args=[SLUG]), {"token": token, "confirm": "replace"}
    )
    assert response.status_code == 302
    live = Form.objects.get(code="OP", active=True)
    assert live.version == 2 and live.spec.source.startswith("xlsform:")
    from pollwatch.audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        kind="form.installed", payload__replaced__isnull=False
    ).exists()


def test_a_replace_token_of_another_election_is_refused(admin, mission, forms, examples):
    from django.core import signing

    from pollwatch.checklists.views import REPLACE_SALT

    token = signing.dumps({"election": 999, "definition": "x"}, salt=REPLACE_SALT, compress=True)
    admin.post(reverse("forms-replace", args=[SLUG]), {"token": token, "confirm": "replace"})
    assert Form.objects.filter(code="OP").count() == 1


def test_publishing_a_draft_of_a_different_form_asks_first(admin, mission, forms, examples):
    content = (examples / "example_xls__yes_or_no_question.xlsx").read_bytes()
    assert upload(admin, "yes.xlsx", content, code="OP").status_code == 302
    response = admin.post(f"/e/{SLUG}/forms/OP/v2/publish/")
    assert response.status_code == 409
    assert Form.objects.get(code="OP", version=2).state == Form.State.DRAFT
    page = admin.get(f"/e/{SLUG}/forms/OP/").content.decode()
    assert page.count("a different form from the live one") == 1
    response = admin.post(f"/e/{SLUG}/forms/OP/v2/publish/", {"confirm": "replace"})
    assert Form.objects.get(code="OP", version=2).state == Form.State.LIVE


def test_csrf_is_required(mission, forms):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mission.users["admin"])
    assert client.post(f"/e/{SLUG}/forms/IN/v1/close/", {"confirm": "close"}).status_code == 403
    assert client.post(f"/e/{SLUG}/forms/defaults/").status_code == 403
    assert Form.objects.get(code="IN").state == Form.State.LIVE


# Preview, compare, defaults.


def test_the_preview_embeds_the_form_for_the_observer_app_in_the_language_asked(admin, forms):
    upload(admin, "op.yaml", OP_V2)
    response = admin.get(f"/e/{SLUG}/forms/OP/v2/preview/?lang=ru")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="preview-form"' in page and "observer-app-0.1.js" in page
    preview = response.context["preview"]
    assert preview["language"] == "ru" and preview["form"]["version"] == 2
    assert preview["form"]["spec"]["groups"][0]["questions"][1]["code"] == "A4"
    assert admin.get(f"/e/{SLUG}/forms/OP/v2/preview/?lang=fr").status_code == 404
    assert admin.get(f"/e/{SLUG}/forms/OP/v9/preview/").status_code == 404


def test_two_versions_compared_side_by_side(admin, forms):
    upload(admin, "op.yaml", OP_V2)
    response = admin.get(f"/e/{SLUG}/forms/OP/compare/?a=1&b=2")
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["rows"]}
    assert rows["A4"].status == "added" and rows["A4"].summary == "integer in group G; minimum 0"
    assert rows["A2"].status == "removed" and rows["A3"].status == "removed"
    changed = {c.part: (c.before, c.after) for c in rows["A1"].changes}
    assert changed["label (en)"] == ("Opened on time?", "Did it open on time?")
    assert "label (ru)" in changed
    page = response.content.decode()
    assert "1 added, 2 removed, 1 changed" in page
    assert "yes_no in group G; critical A3 == 0; severity high" in page
    assert admin.get(f"/e/{SLUG}/forms/OP/compare/?a=x").status_code == 404


def test_the_shipped_defaults_are_one_click_away(admin, mission):
    response = admin.post(f"/e/{SLUG}/forms/defaults/", follow=True)
    installed = set(Form.objects.filter(active=True).values_list("code", flat=True))
    assert {"PR", "EP"} <= installed and len(installed) >= 5
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Installed live:" in text and "Already current" not in text
    response = admin.post(f"/e/{SLUG}/forms/defaults/", follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Already current:" in text and "Installed live" not in text
    assert Form.objects.count() == len(installed)


def test_the_migration_gives_each_version_its_state(admin, mission, forms):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("pollwatch.checklists.migrations.0002_form_state")
    upload(admin, "op.yaml", OP_V2)
    admin.post(f"/e/{SLUG}/forms/OP/v2/publish/")
    # As 0001 left them: a state nobody set, only active.
    Form.objects.update(state="live")
    Form.objects.filter(code="OP", version=1).update(active=False)
    Form.objects.filter(code="IN").update(active=False)
    migration.states_from_active(apps, None)
    by_version = {(f.code, f.version): f.state for f in Form.objects.all()}
    assert by_version == {("OP", 1): "superseded", ("OP", 2): "live", ("IN", 1): "closed"}


def test_the_database_refuses_an_active_draft_or_two_live_versions(mission, forms):
    from django.db import IntegrityError, transaction

    op = forms["OP"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Form.objects.filter(pk=op.pk).update(state=Form.State.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Form.objects.create(
            election=op.election,
            code="OP",
            name=op.name,
            kind=op.kind,
            version=2,
            definition=op.definition,
            fingerprint=op.fingerprint,
        )
