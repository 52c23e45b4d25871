"""The observer app's posts: judged at once as far as the contract says, kept with one INSERT and
answered 202, then read by the worker: validated, once per client UUID, only for one's own stations."""

from __future__ import annotations

import json
import uuid

from pollwatch.audit.models import AuditEvent
from pollwatch.submissions.intake import process_pending
from pollwatch.submissions.models import Inbound, Incident, Revision, Submission


def post(client, token, payload, raw=None, *, read=True):
    """Post as the app does; unless ``read=False``, the worker then reads what was received."""
    response = client.post(
        "/api/o/submissions",
        raw if raw is not None else json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": f"Token {token}"},
    )
    if read and response.status_code == 202:
        process_pending()
    return response


def status_of(client, token, client_uuid):
    found = client.get(
        f"/api/o/submissions?uuid={client_uuid}", headers={"Authorization": f"Token {token}"}
    ).json()["submissions"]
    return found[0] if found else None


def sent(client, token, payload):
    """Post as the app does, let the worker read it, and return what the app's poll then sees."""
    response = post(client, token, payload, read=False)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "received"
    assert response["Location"] == f"/api/o/submissions?uuid={payload['client_uuid']}"
    process_pending()
    return status_of(client, token, payload["client_uuid"])


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
    response = post(client, observer_token, body, read=False)
    assert response.status_code == 202, response.content
    assert status_of(client, observer_token, body["client_uuid"])["status"] == "received"
    assert not Submission.objects.exists() and Inbound.objects.get().status == "stored"
    assert process_pending() == 1 and process_pending() == 0  # read once
    assert status_of(client, observer_token, body["client_uuid"])["status"] == "accepted"
    submission = Submission.objects.get(client_uuid=body["client_uuid"])
    assert submission.answers == {"A1": 1, "A2": 5, "A3": 1} and submission.station.code == "D1-001"
    assert json.loads(submission.inbound.raw) == body and submission.inbound.status == "accepted"
    assert Revision.objects.get(submission=submission).number == 1
    # One event per report: what arrived (the post's id, sha256 and time) and what it became.
    received = AuditEvent.objects.get(kind="submission.received", object_id=str(submission.pk))
    assert received.payload["inbound"]["id"] == submission.inbound.pk
    assert received.payload["inbound"]["sha256"] == submission.inbound.sha256


def test_a_retry_returns_the_first_result_and_creates_nothing(client, forms, observer_token):
    body = payload()
    assert sent(client, observer_token, body)["status"] == "accepted"
    # A retry after the first was read, and two retries in one batch: still one submission.
    assert post(client, observer_token, body, read=False).status_code == 202
    assert post(client, observer_token, body, read=False).status_code == 202
    assert process_pending() == 2
    assert Submission.objects.count() == 1
    assert status_of(client, observer_token, body["client_uuid"])["status"] == "accepted"
    assert sorted(Inbound.objects.filter(channel="web").values_list("status", flat=True)) == [
        "accepted",
        "duplicate",
        "duplicate",
    ]  # every post is kept, raw


def test_out_of_range_answers_are_kept_apart_and_the_rest_accepted(client, forms, observer_token):
    result = sent(client, observer_token, payload(answers={"A1": 1, "A2": 99}))
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
    sent(client, observer_token, payload(answers={"A1": 1, "A3": 0}))
    incident = Incident.objects.get()
    # A3 is marked "severity: high" in the form
    assert incident.severity == Incident.Severity.HIGH and incident.station.code == "D1-001"


def test_an_incident_form_opens_an_incident(client, forms, observer_token):
    sent(client, observer_token, payload(form="IN", answers={"T": "2", "D": "extra ballots seen"}))
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
    # Both in one batch of the worker, and then a third in the next.
    post(client, observer_token, payload(answers={"A1": 1}), read=False)
    post(client, issue_token(other), payload(answers={"A1": 0}), read=False)
    process_pending()
    assert set(Submission.objects.values_list("conflict", flat=True)) == {True}


def test_the_app_gets_its_deployments_forms_and_statuses(client, forms, observer_token):
    me = client.get("/api/o/me", headers={"Authorization": f"Token {observer_token}"}).json()
    assert me["observer"]["code"] == "1006"
    assert [d["station"] for d in me["deployments"]] == ["D1-001"]
    assert {f["code"] for f in me["forms"]} == {"OP", "IN"}
    body = payload()
    post(client, observer_token, body)
    process_pending()
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
    assert sent(client, observer_token, payload(form="IN", answers={"T": "1", "P": data_url}))
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


def test_a_sent_report_is_corrected_as_a_new_revision_once(client, forms, observer_token):
    first = payload(answers={"A1": 1, "A2": 5, "A3": 1})
    assert sent(client, observer_token, first)["status"] == "accepted"
    correction = payload(answers={"A1": 1, "A2": 7, "A3": 1}, corrects=first["client_uuid"])
    result = sent(client, observer_token, correction)
    assert result["status"] == "accepted" and result["revision"] == 2
    submission = Submission.objects.get()
    assert submission.answers["A2"] == 7 and submission.revision == 2
    assert list(submission.revisions.values_list("number", "reason")) == [
        (1, "received by web"),
        (2, "corrected by the observer (web)"),
    ]
    assert AuditEvent.objects.filter(kind="submission.corrected").count() == 1
    # The same correction again (a retry) makes no third revision.
    post(client, observer_token, correction)
    process_pending()
    assert Submission.objects.get().revision == 2
    assert status_of(client, observer_token, first["client_uuid"])["revision"] == 2


def test_a_correction_of_someone_elses_or_an_unknown_report_is_rejected(
    client, forms, observer_token
):
    result = sent(client, observer_token, payload(corrects=str(uuid.uuid4())))
    assert (
        result["status"] == "rejected"
        and "not a report of yours" in result["problems"][0]["message"]
    )
    assert not Submission.objects.exists()
    refused = post(client, observer_token, payload(corrects="nope"))
    assert refused.status_code == 400 and refused.json()["problems"][0]["code"] == "corrects"


def test_a_report_on_an_older_version_of_the_form_is_still_accepted(
    client, mission, forms, observer_token
):
    from pollwatch.checklists.models import Form, forget_active_forms

    old = forms["OP"]
    Form.objects.filter(pk=old.pk).update(active=False)
    Form.objects.create(
        election=old.election,
        code="OP",
        name=old.name,
        kind=old.kind,
        phase=old.phase,
        version=2,
        definition=old.definition,
        fingerprint=old.fingerprint,
        active=True,
    )
    forget_active_forms()
    result = sent(client, observer_token, payload(form_version=1))
    assert result["status"] == "accepted"
    assert Submission.objects.get().form.version == 1
    missing = post(client, observer_token, payload(form_version=9))
    assert missing.status_code == 400 and missing.json()["problems"][0]["code"] == "form_version"


def test_the_phones_position_is_kept_with_its_distance_from_the_station(
    client, mission, forms, observer_token
):
    station = mission.stations["D1-001"]
    station.latitude, station.longitude = 40.4093, 49.8671
    station.save()
    body = payload(location={"lat": 40.4183, "lon": 49.8671, "accuracy": 20})
    assert sent(client, observer_token, body)["status"] == "accepted"
    location = Submission.objects.get().answers["_location"]
    assert location["accuracy"] == 20 and 990 <= location["distance_m"] <= 1010
    bad = post(client, observer_token, payload(location={"lat": 123, "lon": 0}))
    assert bad.status_code == 400 and "location.lat" in bad.json()["problems"][0]["message"]
    # Coordinators see the distance, and a report sent far from its station is flagged.
    far = Submission.objects.get()  # 1 km away, ±20 m: beyond the 500 m allowed
    assert far.far_from_station
    sent(client, observer_token, payload(location={"lat": 40.4095, "lon": 49.8671, "accuracy": 30}))
    near = Submission.objects.exclude(pk=far.pk).get()
    assert not near.far_from_station and near.location["distance_m"] < 50
    client.force_login(mission.users["coordinator"])
    page = client.get(f"/e/test-election/submissions/{far.pk}/").content.decode()
    assert "m from the station" in page and "far from the station" in page
    listing = client.get("/e/test-election/submissions/").content.decode()
    assert listing.count("far from the station") == 1


def test_a_deployment_removed_before_the_report_is_read_rejects_it_by_name(
    client, mission, forms, observer_token
):
    from pollwatch.observers.models import Deployment

    body = payload()
    assert post(client, observer_token, body, read=False).status_code == 202
    Deployment.objects.filter(station__code="D1-001").delete()
    result = (process_pending(), status_of(client, observer_token, body["client_uuid"]))[1]
    assert (
        result["status"] == "rejected"
        and "not one of your deployments" in result["problems"][0]["message"]
    )
    assert Inbound.objects.get().status == "rejected"


def test_a_key_given_twice_is_refused_by_name(client, forms, observer_token):
    raw = '{"client_uuid": "%s", "form": "IC", "form": "OP", "station": "D1-001", "answers": {}}'
    response = post(client, observer_token, None, raw=raw % uuid.uuid4())
    assert response.status_code == 400
    assert "'form' is given twice" in response.json()["problems"][0]["message"]
    assert Inbound.objects.get().status == "rejected"


def test_a_position_without_any_valid_answer_is_still_rejected(client, forms, observer_token):
    body = payload(answers={"A1": "maybe"}, location={"lat": 40.4, "lon": 49.8})
    assert sent(client, observer_token, body)["status"] == "rejected"


def test_a_new_phone_learns_what_its_observer_sent_and_nothing_else(
    client, mission, forms, observer_token
):
    from pollwatch.submissions.views import issue_token

    mine = payload(answers={"A1": 1, "A2": 5, "A3": 1, "_comment": "x"})
    sent(client, observer_token, mine)
    other = issue_token(mission.people["other_observer"])
    sent(client, other, payload(station="D3-001"))  # may be refused; never listed as mine
    listed = client.get(
        "/api/o/submissions", headers={"Authorization": f"Token {observer_token}"}
    ).json()["submissions"]
    assert [s["client_uuid"] for s in listed] == [mine["client_uuid"]]
    assert listed[0]["answers"] == {"A1": 1, "A2": 5, "A3": 1} and listed[0]["form"] == "OP"
    assert listed[0]["status"] == "accepted" and listed[0]["station"] == "D1-001"
    assert client.get("/api/o/submissions").status_code == 401
