"""The observer app's posts: stored raw first, validated, once per client UUID, only for one's own stations."""

from __future__ import annotations

import json
import uuid

from pollwatch.audit.models import AuditEvent
from pollwatch.submissions.models import Inbound, Incident, Revision, Submission


def post(client, token, payload, raw=None):
    return client.post(
        "/api/o/submissions",
        raw if raw is not None else json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": f"Token {token}"},
    )


def payload(**overrides):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "form": "OP",
        "station": "D1-001",
        "answers": {"A1": 1, "A2": 5, "A3": 1},
    }
    body.update(overrides)
    return body


def test_a_report_is_stored_raw_validated_and_audited(client, forms, observer_token):
    body = payload()
    response = post(client, observer_token, body)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "accepted"
    submission = Submission.objects.get(client_uuid=body["client_uuid"])
    assert submission.answers == {"A1": 1, "A2": 5, "A3": 1} and submission.station.code == "D1-001"
    assert json.loads(submission.inbound.raw) == body and submission.inbound.status == "accepted"
    assert Revision.objects.get(submission=submission).number == 1
    assert AuditEvent.objects.filter(
        kind="submission.received", object_id=str(submission.pk)
    ).exists()


def test_a_retry_returns_the_first_result_and_creates_nothing(client, forms, observer_token):
    body = payload()
    first = post(client, observer_token, body)
    again = post(client, observer_token, body)
    assert first.status_code == 201 and again.status_code == 200
    assert (
        again.json()["status"] == "duplicate"
        and again.json()["submission"] == first.json()["submission"]
    )
    assert Submission.objects.count() == 1
    assert Inbound.objects.filter(channel="web").count() == 2  # both posts are kept, raw


def test_out_of_range_answers_are_kept_apart_and_the_rest_accepted(client, forms, observer_token):
    response = post(client, observer_token, payload(answers={"A1": 1, "A2": 99}))
    assert response.status_code == 201
    result = response.json()
    assert result["status"] == "partial"
    assert any(p["code"] == "A2" for p in result["problems"])
    assert Submission.objects.get().answers == {"A1": 1}


def test_malformed_json_is_refused_but_kept(client, forms, observer_token):
    response = post(client, observer_token, None, raw='{"client_uuid": "x", ')
    assert (
        response.status_code == 400
        and "malformed JSON" in response.json()["problems"][0]["message"]
    )
    inbound = Inbound.objects.get()
    assert inbound.raw == '{"client_uuid": "x", ' and inbound.status == "rejected"


def test_an_observer_cannot_post_for_a_station_that_is_not_theirs(client, forms, observer_token):
    response = post(client, observer_token, payload(station="D3-001"))
    assert response.status_code == 403
    assert "not one of your deployments" in response.json()["problems"][0]["message"]
    assert not Submission.objects.exists() and Inbound.objects.get().status == "rejected"


def test_a_wrong_or_missing_token_is_refused(client, forms):
    assert post(client, "not-a-token", payload()).status_code == 401
    assert (
        client.post("/api/o/submissions", "{}", content_type="application/json").status_code == 401
    )
    assert client.get("/api/o/me").status_code == 401


def test_unknown_form_and_bad_uuid_are_named(client, forms, observer_token):
    unknown = post(client, observer_token, payload(form="ZZ")).json()
    assert (
        "unknown form" in unknown["problems"][0]["message"]
        and "IN, OP" in unknown["problems"][0]["message"]
    )
    bad = post(client, observer_token, payload(client_uuid="123")).json()
    assert bad["problems"][0]["code"] == "client_uuid"


def test_a_critical_answer_opens_an_incident(client, forms, observer_token):
    post(client, observer_token, payload(answers={"A1": 1, "A3": 0}))
    incident = Incident.objects.get()
    # A3 is marked "severity: high" in the form
    assert incident.severity == Incident.Severity.HIGH and incident.station.code == "D1-001"


def test_an_incident_form_opens_an_incident(client, forms, observer_token):
    post(client, observer_token, payload(form="IN", answers={"T": "2", "D": "extra ballots seen"}))
    assert Incident.objects.get().status == "new"


def test_two_observers_who_disagree_at_one_station_are_flagged(
    client, mission, forms, observer_token
):
    from pollwatch.observers.models import Deployment
    from pollwatch.submissions.views import issue_token

    other = mission.people["other_observer"]
    Deployment.objects.create(
        membership=other.memberships.get(), station=mission.stations["D1-001"]
    )
    post(client, observer_token, payload(answers={"A1": 1}))
    post(client, issue_token(other), payload(answers={"A1": 0}))
    assert set(Submission.objects.values_list("conflict", flat=True)) == {True}


def test_the_app_gets_its_deployments_forms_and_statuses(client, forms, observer_token):
    me = client.get("/api/o/me", headers={"Authorization": f"Token {observer_token}"}).json()
    assert me["observer"]["code"] == "1006"
    assert [d["station"] for d in me["deployments"]] == ["D1-001"]
    assert {f["code"] for f in me["forms"]} == {"OP", "IN"}
    body = payload()
    post(client, observer_token, body)
    statuses = client.get(
        f"/api/o/submissions?uuid={body['client_uuid']}&uuid=junk",
        headers={"Authorization": f"Token {observer_token}"},
    ).json()
    assert statuses["submissions"][0]["status"] == "accepted"


def test_the_app_shell_service_worker_and_manifest_are_served(client, db):
    assert b"observer-app-0.1.js" in client.get("/o/").content
    worker = client.get("/o/sw.js")
    assert (
        worker["Content-Type"].startswith("application/javascript")
        and b"caches.open" in worker.content
    )
    assert client.get("/o/manifest.webmanifest").json()["start_url"] == "/o/"


def test_a_photo_is_stored_as_a_file_and_referenced_by_its_hash(
    client, forms, observer_token, settings, tmp_path
):
    import base64
    import hashlib

    settings.MEDIA_ROOT = tmp_path
    image = b"\x89PNG\r\n\x1a\n" + b"protocol" * 100
    data_url = "data:image/png;base64," + base64.b64encode(image).decode()
    response = post(client, observer_token, payload(form="IN", answers={"T": "1", "P": data_url}))
    assert response.status_code == 201, response.content
    digest = hashlib.sha256(image).hexdigest()
    assert Submission.objects.get().answers["P"] == f"sha256:{digest}"
    assert (tmp_path / "photos" / digest[:2] / f"{digest}.png").read_bytes() == image
    assert data_url in Inbound.objects.get().raw


def test_a_bad_photo_is_refused_by_name(client, forms, observer_token):
    response = post(
        client,
        observer_token,
        payload(form="IN", answers={"T": "1", "P": "data:text/html;base64,PGI+"}),
    )
    assert (
        response.status_code == 400
        and "P: a photo must be" in response.json()["problems"][0]["message"]
    )
