"""SMS through every gateway: stored raw first, authenticated, parsed, replied to, never counted twice."""

from __future__ import annotations

import json

import pytest

from pollwatch.submissions.gateways.twilio import signature
from pollwatch.submissions.models import Inbound, Submission

OBSERVER_PHONE = "+994501000006"  # persona "observer", code 1006, deployed at D1-001


def send_json(client, sender, text, secret="json-secret"):
    return client.post(
        "/sms/json/",
        json.dumps({"from": sender, "text": text, "id": "m1"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_a_good_sms_is_stored_submitted_and_thanked(client, forms, gateways_on, reachable_phone):
    response = send_json(client, reachable_phone, "op 1006 a1 1 a2 5 @ long queue")
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert reply and response.json()["to"] == reachable_phone
    submission = Submission.objects.get()
    assert (
        submission.answers["A1"] == 1
        and submission.answers["A2"] == 5
        and submission.source == "sms"
    )
    assert submission.answers["_comment"] == "long queue"
    inbound = Inbound.objects.get()
    assert (
        inbound.raw == "op 1006 a1 1 a2 5 @ long queue"
        and inbound.status == "accepted"
        and inbound.reply == reply
    )
    outbox = [json.loads(line) for line in gateways_on.read_text().splitlines()]
    assert outbox == [{"to": reachable_phone, "text": reply, "at": outbox[0]["at"]}]


def test_numbered_answers_are_read_by_the_forms_question_order(
    client, forms, gateways_on, reachable_phone
):
    # NEMO's style: "1." is the form's first question (A1), "2." its second (A2).
    response = send_json(client, reachable_phone, "OP 1006 1.1 2. 5")
    assert response.status_code == 200
    submission = Submission.objects.get()
    assert submission.answers["A1"] == 1 and submission.answers["A2"] == 5
    assert Inbound.objects.get().status == "accepted"


def test_valid_parts_are_kept_and_bad_codes_named_in_the_reply(
    client, forms, gateways_on, reachable_phone
):
    reply = send_json(client, reachable_phone, "OP 1006 A1 1 A2 99 Q7 3").json()["reply"]
    assert "A2" in reply and "Q7" in reply
    assert Submission.objects.get().answers == {"A1": 1}
    assert Inbound.objects.get().status == "partial"


def test_the_same_text_again_is_a_duplicate(client, forms, gateways_on, reachable_phone):
    send_json(client, reachable_phone, "OP 1006 A1 1")
    again = send_json(client, reachable_phone, "OP 1006 A1 1").json()["reply"]
    assert Submission.objects.count() == 1 and again
    assert list(Inbound.objects.order_by("pk").values_list("status", flat=True)) == [
        "accepted",
        "duplicate",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ZZ 1006 A1 1",
        "OP",
        "OP 1006 A1 x",
        "x" * 1000,
        "🙂🙂",
        "Привет, всё спокойно",
        "سب ٹھیک ہے",
        "OP 1006 A1 ١",
    ],
)
def test_every_malformed_sms_gets_a_reply_and_is_kept(
    client, forms, gateways_on, reachable_phone, text
):
    response = send_json(client, reachable_phone, text)
    assert response.status_code == 200 and response.json()["reply"]
    assert Inbound.objects.get().raw == text


def test_an_unknown_phone_is_told_so(client, forms, gateways_on):
    reply = send_json(client, "+994559876543", "OP 1006 A1 1").json()["reply"]
    assert reply and not Submission.objects.exists()
    assert "not registered" in Inbound.objects.get().problem


def test_a_wrong_secret_is_refused_and_the_post_kept(client, forms, gateways_on, reachable_phone):
    response = send_json(client, reachable_phone, "OP 1006 A1 1", secret="guess")
    assert response.status_code == 403
    inbound = Inbound.objects.get()
    assert inbound.status == "rejected" and "secret" in inbound.problem
    # The secret travels in a header, so the body of a post without it is never read: nobody
    # without the secret can hold a worker by sending a body slowly. Its size is kept.
    assert inbound.raw == "" and int(inbound.meta["declared_bytes"]) > 0
    assert not Submission.objects.exists()


def test_a_form_gateway_with_a_wrong_secret_keeps_the_post(client, forms, gateways_on):
    response = client.post(
        "/sms/telerivet/", {"from_number": "+994501234567", "content": "OP 1006", "secret": "x"}
    )
    assert response.status_code == 403
    assert "OP 1006" in Inbound.objects.get().raw


def test_a_gateway_without_a_configured_secret_refuses_everything(
    client, forms, settings, reachable_phone
):
    settings.SMS_JSON_SECRET = ""
    assert send_json(client, reachable_phone, "OP 1006 A1 1", secret="").status_code == 403


def test_malformed_json_is_refused_with_its_reason_and_kept(client, forms, gateways_on):
    response = client.post(
        "/sms/json/",
        '{"from": "+9945',
        content_type="application/json",
        headers={"Authorization": "Bearer json-secret"},
    )
    assert response.status_code == 400 and "malformed JSON" in response.json()["error"]
    assert Inbound.objects.get().raw == '{"from": "+9945'


def test_twilio_posts_are_checked_by_signature_and_answered_in_twiml(
    client, forms, gateways_on, reachable_phone
):
    params = {"From": reachable_phone, "Body": "OP 1006 A1 1", "MessageSid": "SM1"}
    url = "http://testserver/sms/twilio/"
    good = client.post(
        "/sms/twilio/",
        params,
        headers={"X-Twilio-Signature": signature(url, params, "twilio-token")},
    )
    assert good.status_code == 200 and good["Content-Type"].startswith("application/xml")
    assert b"<Response><Message>" in good.content
    forged = client.post("/sms/twilio/", params, headers={"X-Twilio-Signature": "AAAA"})
    assert forged.status_code == 403
    assert Submission.objects.count() == 1


def test_telerivet_posts_use_their_secret_and_json_reply(
    client, forms, gateways_on, reachable_phone
):
    response = client.post(
        "/sms/telerivet/",
        {
            "secret": "telerivet-secret",
            "from_number": reachable_phone,
            "content": "OP 1006 A1 1",
            "id": "T1",
        },
    )
    assert response.status_code == 200 and response.json()["messages"][0]["content"]
    assert (
        client.post(
            "/sms/telerivet/", {"secret": "no", "from_number": reachable_phone, "content": "x"}
        ).status_code
        == 403
    )


def test_an_sms_flood_from_one_phone_is_rate_limited(
    client, forms, gateways_on, reachable_phone, settings
):
    settings.SMS_RATE_LIMIT = 3
    for number in range(5):
        send_json(client, reachable_phone, f"OP 1006 A2 {number}")
    statuses = list(Inbound.objects.order_by("pk").values_list("status", "problem"))
    assert len(statuses) == 5 and statuses[-1] == ("rejected", "rate limit exceeded")
    assert Submission.objects.count() == 3


def test_unknown_gateway_and_get_are_refused(client, gateways_on):
    assert client.post("/sms/carrier-pigeon/", {}).status_code == 404
    assert client.get("/sms/json/").status_code == 405


FILTERED_FORM = """
code: MS
version: 1
kind: checklist
phase: opening
languages: [en]
name: {en: Mission opening}
groups:
  - code: G
    label: {en: Opening}
    questions:
      - code: RG
        kind: single
        label: {en: Region}
        options:
          - {code: r1, label: {en: North}}
          - {code: r2, label: {en: South}}
      - code: DS
        kind: single
        label: {en: District}
        options:
          - {code: d1, label: {en: North-1}, relevant: "RG == 'r1'"}
          - {code: d3, label: {en: South-1}, relevant: "RG == 'r2'"}
      - {code: ST, kind: text, label: {en: Station code}}
      - {code: QU, kind: integer, relevant: "ST == '123'", label: {en: Queue}}
"""


def test_the_reply_counts_only_answers_the_forms_logic_kept(
    client, mission, forms, gateways_on, reachable_phone
):
    # A choice its filter does not offer and an answer to a question that does not apply
    # were dropped on storing, while the reply thanked for them ("answers recorded: 3").
    from pollwatch.checklists.loading import install_form
    from pollwatch.formspec.spec import loads_form

    install_form(mission.election, loads_form(FILTERED_FORM))
    reply = send_json(client, reachable_phone, "MS 1006 RG r1 DS d3 ST 999 QU 5").json()["reply"]
    assert Submission.objects.get().answers == {"RG": "r1", "ST": "999"}
    assert reply == (
        "Thank you. MS 1006: answers recorded: 2. Bad option: DS=d3."
        " Not kept, does not apply with your answers: QU. Please resend the corrected answers."
    )
    assert Inbound.objects.get().reply == reply


def test_an_answer_whose_condition_reads_an_answer_not_sent_is_kept(
    client, mission, forms, gateways_on, reachable_phone
):
    # QU applies when ST is 123; this message has no ST (it may have come in another SMS),
    # so nothing shows QU does not apply: it is kept, not dropped.
    from pollwatch.checklists.loading import install_form
    from pollwatch.formspec.spec import loads_form

    install_form(mission.election, loads_form(FILTERED_FORM))
    reply = send_json(client, reachable_phone, "MS 1006 QU 5").json()["reply"]
    assert Submission.objects.get().answers == {"QU": 5}
    assert "answers recorded: 1" in reply and "QU" not in reply.split("recorded")[1]
