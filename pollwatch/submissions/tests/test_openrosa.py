"""ODK Collect and Enketo against /odk/: requests in the shapes they send, per the OpenRosa specs.

Form list, form download, HEAD then POST of a submission (multipart with
``xml_submission_file`` and photos), Basic sign-in with the first try
unauthenticated. The instance posted is filled into the primary instance of
the XForm the server itself served, as ODK Collect does.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import shutil
import tempfile
import uuid
import xml.etree.ElementTree as ET
from email.utils import formatdate

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pollwatch.submissions.intake import process_pending
from pollwatch.submissions.models import Inbound, Submission

XFORMS = "http://www.w3.org/2002/xforms"
FORM_LIST = "http://openrosa.org/xforms/xformsList"
RESPONSE = "http://openrosa.org/http/response"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
OP = "test-election-OP"
IN = "test-election-IN"


def headers(code=None, token=None):
    """What ODK Collect sends on every request (and Basic credentials on its retry)."""
    sent = {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True)}
    if code is not None:
        sent["Authorization"] = "Basic " + base64.b64encode(f"{code}:{token}".encode()).decode()
    return sent


@pytest.fixture
def observer(mission, forms, observer_token):
    return headers(mission.people["observer"].code, observer_token)


def assert_openrosa(response):
    assert response["X-OpenRosa-Version"] == "1.0" and response["Date"]


def message(response) -> str:
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{RESPONSE}}}OpenRosaResponse"
    return root.find(f"{{{RESPONSE}}}message").text


def download(client, auth, xform_id=OP) -> bytes:
    response = client.get(f"/odk/forms/{xform_id}.xml", headers=auth)
    assert response.status_code == 200, response.content
    return response.content


def filled(xform: bytes, values: dict[str, str], instance_id: str | None = None) -> bytes:
    """The XForm's primary instance with ``values`` filled in, as ODK Collect saves it."""
    model = ET.fromstring(xform).find(f".//{{{XFORMS}}}model")
    data = copy.deepcopy(model.find(f"{{{XFORMS}}}instance")[0])
    for element in data.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
        if element.tag in values:
            element.text = values[element.tag]
    data.find("meta/instanceID").text = instance_id or f"uuid:{uuid.uuid4()}"
    return ET.tostring(data, encoding="utf-8", xml_declaration=True)


def opening(**answers) -> dict[str, str]:
    values = {
        "start": "2026-12-06T07:02:11.000+04:00",
        "end": "2026-12-06T07:05:42.000+04:00",
        "station": "D1-001",
        "A1": "1",
        "A2": "5",
        "A3": "1",
    }
    return values | answers


def submit(client, auth, xml: bytes, *, read=True, **files):
    """Post as ODK Collect does; unless ``read=False``, the report reader then reads it."""
    parts = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")}
    parts |= {
        name: SimpleUploadedFile(name, content, "image/jpeg") for name, content in files.items()
    }
    response = client.post("/odk/submission", parts, headers=auth)
    if read and response.status_code == 202:
        process_pending()
    return response


def test_without_credentials_every_endpoint_asks_for_basic_credentials(client, observer):
    for response in (
        client.get("/odk/formList", headers=headers()),
        client.get(f"/odk/forms/{OP}.xml", headers=headers()),
        client.head("/odk/submission", headers=headers()),
        client.post("/odk/submission", {"xml_submission_file": "<data/>"}, headers=headers()),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith('Basic realm="pollwatch"')
        assert_openrosa(response)
    assert not Inbound.objects.exists()


def test_collect_retries_with_credentials_after_the_challenge(client, observer):
    first = client.head("/odk/submission", headers=headers())
    assert first.status_code == 401
    again = client.head("/odk/submission", headers=observer)
    assert again.status_code == 204
    assert int(again["X-OpenRosa-Accept-Content-Length"]) > 1_000_000
    assert_openrosa(again)


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + base64.b64encode(b"1006:not-the-token").decode(),
        "Basic !!!not-base64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"10\x0006:token").decode(),
        "Token whatever",
    ],
)
def test_wrong_credentials_are_refused(client, observer, authorization):
    response = client.get("/odk/formList", headers={**headers(), "Authorization": authorization})
    assert response.status_code == 401 and "WWW-Authenticate" in response
    assert_openrosa(response)


def test_a_token_signs_in_only_with_its_own_observers_code(
    client, mission, observer, observer_token
):
    other = mission.people["other_observer"].code
    response = client.get("/odk/formList", headers=headers(other, observer_token))
    assert response.status_code == 401


def test_a_revoked_token_is_refused(client, mission, observer):
    from pollwatch.submissions.models import ObserverToken

    ObserverToken.objects.update(revoked=True)
    assert client.get("/odk/formList", headers=observer).status_code == 401


def test_wrong_passwords_meet_the_login_throttle(client, mission, observer, settings):
    settings.LOGIN_RATE_LIMIT = 2
    code = mission.people["observer"].code
    statuses = [
        client.get("/odk/formList", headers=headers(code, f"guess-{n}")).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]
    # Throttled means unchecked: even the right token waits for the window to pass.
    throttled = client.get("/odk/formList", headers=observer)
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "persona",
    ["admin", "coordinator", "analyst", "media_monitor", "supervisor", "observer", "outsider"],
)
def test_a_signed_in_session_gets_nothing(client, mission, forms, persona):
    client.force_login(mission.users[persona])
    assert client.get("/odk/formList", headers=headers()).status_code == 401
    assert client.get(f"/odk/forms/{OP}.xml", headers=headers()).status_code == 401
    assert client.head("/odk/submission", headers=headers()).status_code == 401


def form_list(client, auth, query=""):
    response = client.get("/odk/formList" + query, headers=auth)
    assert response.status_code == 200, response.content
    assert_openrosa(response)
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{FORM_LIST}}}xforms"
    return {
        entry.findtext(f"{{{FORM_LIST}}}formID"): {
            child.tag.split("}")[1]: child.text for child in entry
        }
        for entry in root
    }


def test_the_form_list_names_the_observers_active_forms_with_their_hash(client, observer, forms):
    listed = form_list(client, observer)
    assert set(listed) == {IN, OP}
    entry = listed[OP]
    assert entry["name"] == "Opening" and entry["version"] == "1"
    assert entry["downloadUrl"] == f"http://testserver/odk/forms/{OP}.xml"
    xform = download(client, observer)
    assert entry["hash"] == "md5:" + hashlib.md5(xform).hexdigest()
    assert set(form_list(client, observer, f"?formID={OP}")) == {OP}


def test_inactive_forms_and_other_elections_forms_are_not_listed(client, mission, observer, forms):
    import datetime

    from pollwatch.checklists.loading import install_form
    from pollwatch.elections.models import Election

    forms["IN"].active = False
    forms["IN"].save()
    elsewhere = Election.objects.create(
        slug="elsewhere", name="Elsewhere", date=datetime.date(2026, 12, 6)
    )
    install_form(elsewhere, forms["OP"].spec)
    assert set(form_list(client, observer)) == {OP}
    assert client.get("/odk/forms/elsewhere-OP.xml", headers=observer).status_code == 404
    assert client.get(f"/odk/forms/{IN}.xml", headers=observer).status_code == 404


def test_only_observers_with_deployments_have_forms_to_fill(client, mission, forms):
    from pollwatch.submissions.views import issue_token

    for persona, person in mission.people.items():
        listed = form_list(client, headers(person.code, issue_token(person)))
        assert (set(listed) == {IN, OP}) == (persona in ("observer", "other_observer")), persona


def stations_in(xform: bytes) -> list[str]:
    root = ET.fromstring(xform)
    instance = next(i for i in root.iter(f"{{{XFORMS}}}instance") if i.get("id") == "stations")
    return [item.findtext(f"{{{XFORMS}}}name") for item in instance.iter(f"{{{XFORMS}}}item")]


def test_the_form_is_an_xform_with_this_observers_stations_only(client, mission, observer):
    xform = download(client, observer)
    root = ET.fromstring(xform)
    assert root.tag == "{http://www.w3.org/1999/xhtml}html"
    data = root.find(f".//{{{XFORMS}}}model/{{{XFORMS}}}instance")[0]
    assert data.get("id") == OP and data.get("version") == "1"
    assert stations_in(xform) == ["D1-001"]
    binds = {b.get("nodeset").rsplit("/", 1)[1]: b for b in root.iter(f"{{{XFORMS}}}bind")}
    assert binds["station"].get("required") == "true()"
    assert binds["A1"].get("required") == "true()"
    assert binds["A2"].get("constraint") == ". >= 0 and . <= 20"
    from pollwatch.submissions.views import issue_token

    other = mission.people["other_observer"]
    assert stations_in(download(client, headers(other.code, issue_token(other)))) == ["D3-001"]


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_odk_validate_accepts_every_form_served(client, mission, observer, results_forms):
    from pyxform.validators.odk_validate import check_xform

    for xform_id in form_list(client, observer):
        with tempfile.NamedTemporaryFile(suffix=".xml") as file:
            file.write(download(client, observer, xform_id))
            file.flush()
            assert check_xform(file.name) == [], xform_id


def test_a_submission_becomes_a_report_once_per_instance_id(client, mission, observer):
    xml = filled(download(client, observer), opening())
    assert client.head("/odk/submission", headers=observer).status_code == 204
    first = submit(client, observer, xml, read=False)
    assert first.status_code == 202, first.content  # ODK Collect and Enketo take 202 as success
    assert_openrosa(first)
    assert "received" in message(first)
    assert Inbound.objects.get(gateway="odk").status == "stored"
    assert process_pending() == 1  # the JSON twin; the XML row is not read twice
    submission = Submission.objects.get()
    instance_id = ET.fromstring(xml).findtext("meta/instanceID")
    assert str(submission.client_uuid) == instance_id.removeprefix("uuid:")
    assert submission.answers == {"A1": 1, "A2": 5, "A3": 1}
    assert submission.station.code == "D1-001" and submission.form.code == "OP"
    assert submission.observed_at.isoformat() == "2026-12-06T03:05:42+00:00"
    raw = Inbound.objects.get(gateway="odk")
    assert raw.raw == xml.decode() and raw.status == "accepted" and raw.person.code == "1006"

    again = submit(client, observer, xml)
    assert again.status_code == 202
    assert Submission.objects.count() == 1
    assert sorted(Inbound.objects.filter(gateway="odk").values_list("status", flat=True)) == [
        "accepted",
        "duplicate",
    ]


def test_a_chunked_submission_is_read(client, observer):
    """OpenRosa servers must take chunked posts; the web server de-chunks, Django's parser needs a length."""
    import io

    from django.test import RequestFactory
    from django.test.client import BOUNDARY, encode_multipart

    from pollwatch.submissions.openrosa import submission

    xml = filled(download(client, observer), opening())
    body = encode_multipart(
        BOUNDARY, {"xml_submission_file": SimpleUploadedFile("s.xml", xml, "text/xml")}
    )
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    request = RequestFactory().post("/odk/submission", body, content_type, headers=observer)
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = io.BytesIO(body)
    response = submission(request)
    assert response.status_code == 202, response.content
    process_pending()
    assert Submission.objects.get().answers["A2"] == 5


def test_answers_the_form_refuses_are_flagged_as_in_the_app(client, observer):
    xml = filled(download(client, observer), opening(A2="99"))
    assert submit(client, observer, xml).status_code == 202
    submission = Submission.objects.get()
    assert submission.status == "partial" and submission.problems[0]["code"] == "A2"
    assert "A2" in Inbound.objects.get(gateway="odk").problem


def test_a_report_with_no_usable_answer_is_rejected_every_time_it_comes(client, observer):
    xml = filled(download(client, observer), opening(A1="", A2="", A3=""))
    first, again = submit(client, observer, xml), submit(client, observer, xml)
    assert first.status_code == again.status_code == 202
    assert Submission.objects.get().status == "rejected"
    assert "A1" in Inbound.objects.filter(gateway="odk").first().problem


def test_a_photo_attachment_is_stored(client, observer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    xform = download(client, observer, IN)
    values = {"station": "D1-001", "T": "2", "D": "extra ballots", "P": "1765012345678.jpg"}
    response = submit(client, observer, filled(xform, values), **{"1765012345678.jpg": JPEG})
    assert response.status_code == 202, response.content
    digest = hashlib.sha256(JPEG).hexdigest()
    assert Submission.objects.get().answers["P"] == f"sha256:{digest}"
    assert (tmp_path / "photos" / digest[:2] / f"{digest}.jpg").read_bytes() == JPEG
    [attachment] = Inbound.objects.get(gateway="odk").meta["attachments"]
    assert attachment["sha256"] == digest and attachment["name"] == "1765012345678.jpg"


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<data id="test-election-OP"><station>&lol3;</station></data>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<data id="test-election-OP"><station>&x;</station></data>"""


@pytest.mark.parametrize(
    ("xml", "status", "named"),
    [
        (b"<data id='test-election-OP'><station>D1-001", 400, "not well-formed XML"),
        (BOMB, 400, "DOCTYPE"),
        (XXE, 400, "DOCTYPE"),
        (b"\xff\xfe<data/>", 400, "xml_submission_file"),
        ("unknown form", 400, "form id: 'test-election-ZZ' is not a form you fill"),
        ("no instanceID", 400, "instanceID"),
        ("other station", 403, "station 'D3-001' is not one of your deployments"),
        ("photo not sent", 400, "P: the photo 'gone.jpg' was not attached"),
        ("bad time", 400, "observed_at"),
    ],
)
def test_bad_submissions_are_refused_naming_the_problem_and_kept(
    client, observer, xml, status, named
):
    if isinstance(xml, str):
        xform = download(client, observer, IN)
        values = {"station": "D1-001", "T": "1", "end": "2026-12-06T09:00:00.000+04:00"}
        xml = {
            "unknown form": filled(xform, values).replace(IN.encode(), b"test-election-ZZ"),
            "no instanceID": filled(xform, values, instance_id="12345"),
            "other station": filled(xform, values | {"station": "D3-001"}),
            "photo not sent": filled(xform, values | {"P": "gone.jpg"}),
            "bad time": filled(xform, values | {"end": "2026-13-45T99:00:00"}),
        }[xml]
    response = submit(client, observer, xml)
    assert response.status_code == status, response.content
    assert named in message(response)
    assert_openrosa(response)
    assert not Submission.objects.exists()
    kept = Inbound.objects.get(gateway="odk")
    assert kept.status == "rejected" and kept.sha256
    assert kept.raw.startswith(xml[:20].decode("utf-8", "backslashreplace"))


def test_a_refused_submissions_photos_are_kept_on_disk(client, observer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    xml = b"<data id='test-election-IN'><P>a.jpg</P>"  # cut short
    response = submit(client, observer, xml, **{"a.jpg": JPEG})
    assert response.status_code == 400
    digest = hashlib.sha256(JPEG).hexdigest()
    assert (tmp_path / "odk-attachments" / digest[:2] / digest).read_bytes() == JPEG


def test_a_post_that_is_not_multipart_is_refused_and_kept(client, observer):
    body = "<data id='test-election-OP'/>"
    response = client.post("/odk/submission", body, content_type="text/xml", headers=observer)
    assert response.status_code == 400 and "multipart/form-data" in message(response)
    assert Inbound.objects.get(gateway="odk").raw == body


def test_a_post_over_the_size_limit_is_refused_with_a_trace(client, observer, settings):
    settings.OBSERVER_API_MAX_BYTES = 2000
    xml = filled(download(client, observer), opening())
    response = submit(client, observer, xml, **{"big.jpg": JPEG * 3})
    assert response.status_code == 413 and "at most 2,000" in message(response)
    trace = Inbound.objects.get(gateway="odk")
    assert trace.status == "rejected" and trace.meta["bytes"] > 2000


def test_a_photo_over_the_photo_limit_is_refused_naming_the_question(client, observer, settings):
    settings.MAX_PHOTO_BYTES = 100
    xml = filled(download(client, observer, IN), {"station": "D1-001", "T": "1", "P": "p.jpg"})
    response = submit(client, observer, xml, **{"p.jpg": JPEG})
    assert response.status_code == 400 and "P: the photo is larger" in message(response)
    assert not Submission.objects.exists()


def test_posts_share_the_observer_apps_quota(client, observer, settings):
    settings.OBSERVER_API_RATE_LIMIT = 1
    xform = download(client, observer)
    assert submit(client, observer, filled(xform, opening())).status_code == 202
    refused = submit(client, observer, filled(xform, opening()))
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


def test_get_on_the_submission_url_is_not_allowed(client, observer):
    response = client.get("/odk/submission", headers=observer)
    assert response.status_code == 405 and response["Allow"] == "HEAD, POST"


def test_instance_payload_is_the_observer_apps_json_body(forms):
    from pollwatch.submissions.openrosa import Attachment, instance_payload

    xml = b"""<?xml version='1.0' ?><data id="test-election-IN" version="1"
        xmlns:orx="http://openrosa.org/xforms"><start>2026-12-06T07:00:00.000+04:00</start>
        <end/><station>D1-001</station><group_G><T>2</T><D> seen </D><P>p.png</P></group_G>
        <meta><orx:instanceID>uuid:6f1c2a52-8c8e-4b51-9f39-3c5f1e0f6a10</orx:instanceID></meta>
        </data>"""
    png = b"\x89PNG\r\n\x1a\nrest"
    payload = instance_payload(forms["IN"], xml, {"p.png": Attachment("image/png", png)})
    assert payload == {
        "client_uuid": "6f1c2a52-8c8e-4b51-9f39-3c5f1e0f6a10",
        "form": "IN",
        "station": "D1-001",
        "answers": {
            "T": "2",
            "D": "seen",
            "P": "data:image/png;base64," + base64.b64encode(png).decode(),
        },
        "observed_at": "2026-12-06T07:00:00.000+04:00",
    }


def test_instance_payload_types_answers_as_the_app_does(mission):
    from pollwatch.formspec.spec import loads_form
    from pollwatch.submissions.openrosa import instance_payload

    spec = loads_form(
        """
code: T
kind: checklist
languages: [en]
name: T
groups:
  - code: G
    label: G
    questions:
      - {code: Y, kind: yes_no, label: y}
      - {code: N, kind: integer, label: n}
      - {code: M, kind: multiple, label: m, options: [{code: "1", label: a}, {code: x, label: b}]}
      - {code: S, kind: single, label: s, options: [{code: "1", label: a}]}
"""
    )
    xml = (
        b"<data id='x'><station>D1-001</station><Y>0</Y><N>12</N><M>1 x</M><S>1</S>"
        b"<meta><instanceID>uuid:6f1c2a52-8c8e-4b51-9f39-3c5f1e0f6a10</instanceID></meta></data>"
    )
    answers = instance_payload(spec, xml, {})["answers"]
    assert answers == {"Y": 0, "N": 12, "M": ["1", "x"], "S": "1"}
