"""Hostile input at the intake boundary: every reproduction of issue 10 as a test, on SQLite and PostgreSQL.

Whatever arrives, the server answers below 500, keeps the raw input (escaped
where it cannot be stored as it is), names the field at fault, and the audit
sealer goes on sealing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import pytest
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pollwatch.audit.models import AuditEvent, seal_all
from pollwatch.elections.models import Election
from pollwatch.observers.models import Membership, Mission, Person, Role
from pollwatch.submissions.intake import process_pending, sms_client_uuid
from pollwatch.submissions.models import Inbound, Submission
from pollwatch.submissions.tests.test_sms_intake import send_json
from pollwatch.submissions.tests.test_web_intake import payload, post, status_of
from pollwatch.submissions.views import issue_token


def sealed_and_intact() -> bool:
    """The sealer links every event and the chain verifies (raises otherwise)."""
    seal_all()
    call_command("audit", "verify")
    return not AuditEvent.objects.filter(seq__isnull=True).exists()


# 1. A lone surrogate: refused with the field named, kept raw, the sealer goes on.


def test_a_lone_surrogate_in_an_answer_is_refused_naming_the_field(client, forms, observer_token):
    raw = json.dumps(payload(answers={"A1": 1, "A2": 5, "A3": 1, "_comment": "x\ud800y"}))
    assert "\\ud800" in raw  # JSON's own escape: legal JSON, not storable text
    response = post(client, observer_token, None, raw=raw)
    assert response.status_code == 400
    problem = response.json()["problems"][0]
    assert problem["code"] == "answers._comment" and "lone surrogate" in problem["message"]
    inbound = Inbound.objects.get(channel="web")
    assert inbound.raw == raw and inbound.status == "rejected"
    assert not Submission.objects.exists()
    assert sealed_and_intact()


def test_a_lone_surrogate_in_the_station_is_refused(client, forms, observer_token):
    response = post(client, observer_token, payload(station="D1\ud800"))
    assert response.status_code == 400 and response.json()["problems"][0]["code"] == "station"


def test_raw_bytes_that_are_not_utf8_are_kept_as_escapes(client, forms, observer_token):
    body = b'{"client_uuid": "\xff\xfe", "answers": {}}'
    response = client.post(
        "/api/o/submissions",
        body,
        content_type="application/json",
        headers={"Authorization": f"Token {observer_token}"},
    )
    assert response.status_code == 400 and "not UTF-8" in response.json()["problems"][0]["message"]
    inbound = Inbound.objects.get()
    assert "\\xff\\xfe" in inbound.raw and inbound.sha256 == hashlib.sha256(body).hexdigest()


def test_a_lone_surrogate_in_an_sms_keeps_the_message_and_its_answers(
    client, forms, gateways_on, reachable_phone
):
    response = send_json(client, reachable_phone, "op 1006 a1 1 a2 5 @ queue \ud800 long")
    assert response.status_code == 200
    inbound = Inbound.objects.get()
    assert "\\ud800" in inbound.raw and inbound.status == "accepted"
    assert Submission.objects.get().answers["A2"] == 5
    assert sealed_and_intact()


def test_a_nul_in_an_sms_is_kept_visible(client, forms, gateways_on, reachable_phone):
    response = send_json(client, reachable_phone, "op 1006 a1 1 a2 5 @ a\x00b")
    assert response.status_code == 200
    assert "a\\x00b" in Submission.objects.get().answers["_comment"]
    assert sealed_and_intact()


def test_pages_and_exports_show_an_escaped_message(
    client, forms, gateways_on, reachable_phone, mission
):
    send_json(client, reachable_phone, "op 1006 a1 1 a2 5 @ \ud800")
    client.force_login(mission.users["coordinator"])
    submission = Submission.objects.get()
    page = client.get(f"/e/test-election/submissions/{submission.pk}/")
    assert page.status_code == 200
    for fmt in ("csv", "xlsx", "parquet"):
        export = client.get(f"/e/test-election/export/submissions.{fmt}")
        assert export.status_code == 200, fmt
        b"".join(export.streaming_content) if export.streaming else export.content


# 2. Idempotency keys are the sender's own.


def test_another_observer_cannot_claim_the_keys_of_coming_sms(
    client, forms, gateways_on, reachable_phone, mission
):
    other = issue_token(mission.people["other_observer"])
    next_ids = Inbound.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for pk in range(next_ids + 1, next_ids + 40):
        guessed = sms_client_uuid(Inbound(pk=pk))
        post(client, other, payload(client_uuid=str(guessed), station="D3-001"))
    response = send_json(client, reachable_phone, "op 1006 a1 1 a2 5")
    assert response.status_code == 200 and "Thank you" in response.json()["reply"]
    assert Submission.objects.filter(source="sms", observer__person__code="1006").count() == 1


def test_the_same_key_from_two_observers_makes_two_reports_and_reveals_nothing(
    client, forms, mission, observer_token
):
    other = issue_token(mission.people["other_observer"])
    key = str(uuid.uuid4())
    theirs = post(client, other, payload(client_uuid=key, station="D3-001", answers={"A1": 0}))
    mine = post(client, observer_token, payload(client_uuid=key))
    assert theirs.status_code == 202 and mine.status_code == 202
    assert Submission.objects.filter(client_uuid=key).count() == 2
    again = post(client, observer_token, payload(client_uuid=key))
    assert again.status_code == 202 and Submission.objects.filter(client_uuid=key).count() == 2
    assert Inbound.objects.filter(client_uuid=key, status="duplicate").get().person.code == "1006"
    # Each sees only their own report's status under the shared key.
    assert status_of(client, observer_token, key)["problems"] == []
    assert status_of(client, other, key)["status"] == "accepted"
    mine_only = Submission.objects.get(client_uuid=key, observer__person__code="1006")
    assert mine_only.station.code == "D1-001"


# 4. Quotas per token: rate and size, with Retry-After; oversized bodies kept by their trace only.


def test_posts_over_the_rate_get_429_with_retry_after(client, forms, observer_token, settings):
    settings.OBSERVER_API_RATE_LIMIT, settings.OBSERVER_API_RATE_WINDOW = 3, 300
    answers = [post(client, observer_token, payload()).status_code for _ in range(4)]
    assert answers == [202, 202, 202, 429]
    refused = post(client, observer_token, payload())
    assert int(refused["Retry-After"]) >= 1 and refused.json()["retry_after"] >= 1
    assert Submission.objects.count() == 3


def test_a_body_over_the_limit_is_413_and_only_its_trace_is_kept(
    client, forms, observer_token, settings
):
    settings.OBSERVER_API_MAX_BYTES = 50_000
    junk = json.dumps(payload(answers={"A1": 1, "_comment": "x" * 200_000}))
    response = post(client, observer_token, None, raw=junk)
    assert response.status_code == 413 and "Retry-After" not in response
    trace = Inbound.objects.get()
    assert len(trace.raw) == 4096 and trace.raw == junk[:4096]
    assert trace.sha256 == hashlib.sha256(junk.encode()).hexdigest()
    assert trace.meta["bytes"] == len(junk) and trace.status == "rejected"


def test_a_token_that_sends_too_many_bytes_a_day_is_stopped(
    client, forms, observer_token, settings
):
    settings.OBSERVER_API_DAILY_BYTES = 3_000
    statuses = [
        post(client, observer_token, payload(answers={"A1": 1, "_comment": "y" * 800})).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [202, 202, 202] and statuses[3] == 429


def test_refusals_leave_a_bounded_trace(client, forms, observer_token, settings):
    settings.OBSERVER_API_RATE_LIMIT = 1
    for _ in range(60):
        post(client, observer_token, payload())
    assert Inbound.objects.count() <= 1 + 20


# 8. Input that used to give 500s: a clear 400 naming the field.


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (payload(observed_at="2024-02-30T10:00:00"), "observed_at", "observed_at"),
        (payload(observed_at="1900-01-01T10:00:00Z"), "observed_at", "could have reported"),
        (payload(observed_at=12), "observed_at", "ISO 8601"),
        (payload(form=["OP"]), "form", "text code"),
    ],
)
def test_bad_fields_are_400_naming_them(client, forms, observer_token, body, field, words):
    response = post(client, observer_token, body)
    assert response.status_code == 400
    problem = response.json()["problems"][0]
    assert problem["code"] == field and words in problem["message"]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ('{"answers": {"A2": ' + "9" * 5000 + "}}", "5,000 digits"),
        ("[" * 100_000 + "]" * 100_000, "nested"),
        ('{"a":' * 40 + "1" + "}" * 40, "nested"),
        ('{"answers": {"A2": 1e999}}', "too large"),
        ('{"answers": {"A2": NaN}}', "NaN"),
    ],
)
def test_json_that_cannot_be_stored_is_400(client, forms, observer_token, raw, words):
    response = post(client, observer_token, None, raw=raw)
    assert response.status_code == 400 and words in response.json()["problems"][0]["message"]
    assert Inbound.objects.get().raw == raw


def test_deep_nesting_in_the_sms_webhook_is_400_and_kept(db, client, gateways_on):
    raw = "[" * 20_000 + "]" * 20_000
    response = client.post(
        "/sms/json/",
        raw,
        content_type="application/json",
        headers={"Authorization": "Bearer json-secret"},
    )
    assert response.status_code == 400 and "nested" in response.json()["error"]
    assert Inbound.objects.get().raw == raw


def test_an_incident_id_that_is_not_a_number_is_400(client, forms, mission):
    client.force_login(mission.users["coordinator"])
    for bad in ("abc", "9" * 5000, "²"):
        response = client.post(
            "/e/test-election/incidents/", {"incident": bad, "status": "confirmed"}
        )
        assert response.status_code == 400


def test_a_nul_in_a_query_parameter_is_400_naming_it(client, mission):
    client.force_login(mission.users["coordinator"])
    response = client.get("/e/test-election/submissions/", {"form": "OP\x00"})
    assert response.status_code == 400 and b"'form'" in response.content


# 10. SMS replies give nothing away about who exists; the lookup stays in the sender's mission.


def test_an_unregistered_phone_gets_the_same_reply_for_real_and_unknown_ids(
    client, forms, gateways_on, mission
):
    mission.people["observer"].language = "ru"
    mission.people["observer"].save()
    real = send_json(client, "+994551112233", "op 1006 a1 1").json()["reply"]
    unknown = send_json(client, "+994551112233", "op 9999 a1 1").json()["reply"]
    assert real.replace("1006", "#") == unknown.replace("9999", "#")
    assert "not found" in real  # in the sender's language (English by default), not the observer's
    assert "1006" in Inbound.objects.order_by("pk").first().problem  # staff still see why


def test_an_observer_of_another_mission_is_not_found(
    client, forms, gateways_on, mission, reachable_phone
):
    elsewhere = Election.objects.create(slug="elsewhere", name="Elsewhere", date="2026-12-06")
    other_mission = Mission.objects.create(election=elsewhere, name="Other mission")
    stranger = Person.objects.create(mission=other_mission, code="4242", phone="+994552223344")
    Membership.objects.create(person=stranger, election=elsewhere, role=Role.OBSERVER)
    # The mission's own observer names a code that exists only in another mission.
    response = send_json(client, reachable_phone, "op 4242 a1 1")
    assert "not found" in response.json()["reply"]
    assert not Submission.objects.exists()


# The property: whatever arrives, below 500, raw kept, the sealer seals.

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
BODIES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    JSONISH.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {
            "client_uuid": st.uuids().map(str),
            "form": st.sampled_from(["OP", "op", "IN", ""]),
            "station": st.sampled_from(["D1-001", "D3-001", ""]),
            "answers": JSONISH,
        },
        optional={
            "observed_at": st.text(max_size=30),
            "corrects": st.one_of(st.uuids().map(str), st.text(max_size=10)),
            "form_version": st.one_of(st.integers(), JSONISH),
            "location": st.one_of(
                JSONISH, st.fixed_dictionaries({"lat": st.floats(), "lon": st.floats()})
            ),
        },
    ).map(lambda v: json.dumps(v).encode()),
)


@pytest.fixture
def generous_quotas(settings):
    settings.OBSERVER_API_RATE_LIMIT = 10**6
    settings.SMS_RATE_LIMIT = 10**6


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES)
def test_any_body_at_the_observer_api_is_kept_and_answered_below_500(
    forms, observer_token, generous_quotas, body
):
    client = Client()
    before = Inbound.objects.count()
    response = client.post(
        "/api/o/submissions",
        body,
        content_type="application/json",
        headers={"Authorization": f"Token {observer_token}"},
    )
    assert response.status_code < 500
    assert Inbound.objects.count() == before + 1
    # The worker reads whatever was accepted, once, and leaves nothing waiting.
    process_pending()
    assert not Inbound.objects.filter(status="stored").exists()
    assert client.get("/healthz").status_code == 200
    assert sealed_and_intact()


SMS_TEXT = st.one_of(
    st.text(max_size=200), st.from_regex(r"(?i)(op|in) 100[0-9]( [a-c][0-9] ?[0-9]{0,3})*")
)


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=SMS_TEXT, sender=st.text(max_size=20), body=st.binary(max_size=200))
def test_any_sms_at_each_gateway_is_kept_and_answered_below_500(
    forms, gateways_on, generous_quotas, text, sender, body
):
    from pollwatch.submissions.gateways.twilio import signature

    client = Client()
    before = Inbound.objects.count()
    answers = [
        client.post(
            "/sms/json/",
            json.dumps({"from": sender or "+994501234567", "text": text, "id": "x"}),
            content_type="application/json",
            headers={"Authorization": "Bearer json-secret"},
        ),
        client.post(
            "/sms/json/",
            body,
            content_type="application/json",
            headers={"Authorization": "Bearer json-secret"},
        ),
        client.post(
            "/sms/telerivet/",
            {"from_number": sender, "content": text, "secret": "telerivet-secret"},
        ),
    ]
    params = {"From": sender or "x", "Body": text}
    answers.append(
        client.post(
            "/sms/twilio/",
            params,
            headers={
                "X-Twilio-Signature": signature(
                    "http://testserver/sms/twilio/", params, "twilio-token"
                )
            },
        )
    )
    assert all(response.status_code < 500 for response in answers), [
        (r.status_code, r.content[:200]) for r in answers
    ]
    assert Inbound.objects.count() == before + 4
    assert sealed_and_intact()


def test_an_sms_over_the_size_limit_is_413_and_kept_by_its_trace(db, client, gateways_on):
    raw = json.dumps({"from": "+994501234567", "text": "x" * 100_000})
    response = client.post(
        "/sms/json/",
        raw,
        content_type="application/json",
        headers={"Authorization": "Bearer json-secret"},
    )
    assert response.status_code == 413
    trace = Inbound.objects.get()
    assert trace.raw == raw[:4096] and trace.meta["bytes"] == len(raw)


def test_answers_stored_before_the_boundary_are_escaped_once(db, mission, forms):
    """An SQLite database attacked before the upgrade: the migration leaves it readable."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import DataError, connection, transaction

    from pollwatch.testing import send

    report = send(mission, forms["OP"], "observer", "D1-001", {"A1": 1}).submission
    rows = Submission.objects.filter(pk=report.pk)
    if connection.vendor != "sqlite":
        # Only SQLite could have stored one: PostgreSQL refuses it at insert.
        with pytest.raises((UnicodeEncodeError, DataError)), transaction.atomic():
            rows.update(answers={"A1": 1, "_comment": "x\ud800"})
        return
    rows.update(answers={"A1": 1, "_comment": "x\ud800"})
    migration = importlib.import_module(
        "pollwatch.submissions.migrations.0003_escape_unstorable_answers"
    )
    migration.escape_answers(apps, SimpleNamespace(connection=connection))
    assert Submission.objects.get().answers == {"A1": 1, "_comment": "x\\ud800"}


def test_a_chunked_report_without_content_length_is_read_and_kept(forms, observer_token):
    """The web server de-chunks the stream; Django alone would read no body and lose the raw post."""
    import io

    from django.test import RequestFactory

    from pollwatch.submissions.views import api_submissions

    body = json.dumps(payload()).encode()
    request = RequestFactory().post(
        "/api/o/submissions",
        b"",
        content_type="application/json",
        headers={"Authorization": f"Token {observer_token}"},
    )
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = io.BytesIO(body)
    response = api_submissions(request)
    assert response.status_code == 202
    assert Inbound.objects.get().raw == body.decode()


def test_a_raw_nul_in_a_json_body_is_named_as_a_control_character(client, forms, observer_token):
    raw = json.dumps(payload()).replace('"OP"', '"O\x00P"')
    response = post(client, observer_token, None, raw=raw)
    assert response.status_code == 400
    assert "control character" in response.json()["problems"][0]["message"]
    assert "O\\x00P" in Inbound.objects.get().raw


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("data:image/png;base64," + base64.b64encode(b"<html>hi</html>").decode(), "not a PNG"),
        ("data:image/png;base64,QUJD", "not a PNG"),
        ("data:image/jpeg;base64,", "not a JPG"),
        ("http://evil.example/x.png", "the image itself"),
        ("sha256:" + "0" * 64, "the image itself"),  # no such stored photo
        (["data:image/png;base64,QUJD"], "the image itself"),
    ],
)
def test_a_photo_that_is_not_an_image_is_refused_by_name(
    client, forms, observer_token, answer, words
):
    response = post(client, observer_token, payload(form="IN", answers={"T": "1", "P": answer}))
    assert response.status_code == 400
    assert words in response.json()["problems"][0]["message"]
    assert not Submission.objects.exists()


def test_a_retry_of_a_report_with_a_stored_photo_passes(
    client, forms, observer_token, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    image = b"\xff\xd8\xff\xe0" + b"jpeg" * 50
    data_url = "data:image/jpeg;base64," + base64.b64encode(image).decode()
    first = payload(form="IN", answers={"T": "1", "P": data_url})
    assert post(client, observer_token, first).status_code == 202
    stored = Submission.objects.get().answers["P"]
    again = payload(form="IN", answers={"T": "1", "P": stored})
    assert post(client, observer_token, again).status_code == 202
    assert (
        Submission.objects.count() == 2 and Inbound.objects.filter(status="accepted").count() == 2
    )


def test_the_detail_page_shows_only_the_start_of_a_huge_message(
    client, forms, observer_token, mission
):
    post(client, observer_token, payload(answers={"A1": 1, "_comment": "z" * 100_000}))
    client.force_login(mission.users["coordinator"])
    page = client.get(f"/e/test-election/submissions/{Submission.objects.get().pk}/")
    assert page.status_code == 200 and len(page.content) < 60_000
    assert b"more are kept in the raw message" in page.content


@pytest.mark.parametrize("declared", [5_000, 40 * 1024 * 1024])
def test_a_report_cut_short_by_a_client_that_went_away_is_refused_and_kept_by_its_start(
    forms, observer_token, settings, declared
):
    """The phone lost its connection mid-upload: what came is not read as a (malformed) report."""
    import io

    from django.core.handlers.wsgi import WSGIRequest
    from django.test import RequestFactory

    from pollwatch.submissions.views import api_submissions

    sent = json.dumps(payload(answers={"A1": 1, "A2": 5})).encode()[:40]
    environ = (
        RequestFactory()
        .post(
            "/api/o/submissions",
            b"",
            content_type="application/json",
            headers={"Authorization": f"Token {observer_token}"},
        )
        .environ
    )
    environ.update({"CONTENT_LENGTH": str(declared), "wsgi.input": io.BytesIO(sent)})
    response = api_submissions(WSGIRequest(environ))
    assert response.status_code in (400, 413)
    kept = Inbound.objects.get()
    assert kept.status == "rejected" and kept.raw == sent.decode()
    if response.status_code == 400:
        assert f"after 40 of its {declared:,} bytes (cut short)" in kept.problem


def test_a_request_without_a_host_header_is_answered_as_gunicorn_answers_it(settings):
    """HTTP/1.0 health checks send no Host; granian passes it on empty, which Django refuses:
    the site's WSGI entry leaves it out, so Django takes the server's name (PEP 3333)."""
    import io

    from django.core.handlers.wsgi import WSGIRequest

    from pollwatch.intake_wsgi import with_intake_path

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    seen = []
    application = with_intake_path(lambda environ, start_response: seen.append(environ) or [])
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    application(dict(environ), None)
    assert WSGIRequest(seen[0]).get_host() == "127.0.0.1:8000"
    with pytest.raises(Exception, match="Invalid HTTP_HOST"):
        WSGIRequest(dict(environ)).get_host()  # as it came from granian


def test_a_body_far_over_the_limit_is_too_large_not_cut_short(settings):
    """Past 16 × the limit the body is no longer read: it is refused as too large (413)."""
    import io

    from django.core.handlers.wsgi import WSGIRequest
    from django.test import RequestFactory

    from pollwatch.accounts.boundary import read_body

    environ = RequestFactory().post("/api/o/submissions", b"", content_type="text/plain").environ
    environ.update({"CONTENT_LENGTH": str(10**9), "wsgi.input": io.BytesIO(b"x" * 200_000)})
    body = read_body(WSGIRequest(environ), 10_000)
    assert body.too_large and body.problem is None and body.size > 160_000
