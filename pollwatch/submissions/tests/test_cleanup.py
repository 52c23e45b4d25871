"""After an attack: junk set aside (never deleted) and many tokens revoked at once, both audited."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from pollwatch.audit.models import AuditEvent
from pollwatch.observers.models import Team
from pollwatch.submissions.cleanup import mark_junk
from pollwatch.submissions.intake import process_pending
from pollwatch.submissions.models import Inbound, ObserverToken, Submission
from pollwatch.submissions.tests.test_web_intake import payload, post
from pollwatch.submissions.views import issue_token


def test_junk_is_kept_marked_and_its_reports_rejected(client, forms, mission, observer_token):
    post(client, observer_token, payload())
    junk = Inbound.objects.filter(channel="web")
    rows, rejected = mark_junk(
        junk, reason="posted with a leaked token", actor=mission.users["admin"]
    )
    assert (rows, rejected) == (1, 1)
    inbound = Inbound.objects.get()
    assert inbound.junk and inbound.junk_reason == "posted with a leaked token"
    report = Submission.objects.get()
    assert report.status == "rejected" and report.revisions.last().reason.startswith("junk:")
    assert AuditEvent.objects.filter(kind="inbound.junk").exists()
    with pytest.raises(ValueError):
        mark_junk(junk, reason=" ", actor=mission.users["admin"])


def test_junk_not_yet_read_is_never_read(client, forms, mission, observer_token):
    post(client, observer_token, payload(), read=False)
    rows, rejected = mark_junk(
        Inbound.objects.all(), reason="leaked token", actor=mission.users["admin"]
    )
    assert (rows, rejected) == (1, 0)
    assert process_pending() == 0 and not Submission.objects.exists()
    inbound = Inbound.objects.get()
    assert inbound.status == "rejected" and inbound.problem == "junk: leaked token"


def test_revoking_a_whole_mission_signs_every_observer_out(client, forms, mission, observer_token):
    issue_token(mission.people["other_observer"])
    call_command("revoke_tokens", "--election", "test-election", "--all", "--reason", "leak")
    assert not ObserverToken.objects.filter(revoked=False).exists()
    assert post(client, observer_token, payload()).status_code == 401
    event = AuditEvent.objects.get(kind="token.revoked")
    assert event.payload["tokens"] == 2 and event.payload["reason"] == "leak"


def test_revoking_one_region_leaves_the_others(db, mission):
    issue_token(mission.people["observer"])  # D1, region R1
    issue_token(mission.people["other_observer"])  # D3, region R2
    call_command("revoke_tokens", "--election", "test-election", "--area", "R2", "--reason", "leak")
    live = set(ObserverToken.objects.filter(revoked=False).values_list("person__code", flat=True))
    assert live == {mission.people["observer"].code}


def test_revoking_one_team(db, mission):
    team = Team.objects.create(election=mission.election, name="Mobile 1")
    membership = mission.people["other_observer"].memberships.get()
    membership.team = team
    membership.save()
    issue_token(mission.people["observer"])
    issue_token(mission.people["other_observer"])
    call_command(
        "revoke_tokens",
        "--election",
        "test-election",
        "--team",
        "Mobile 1",
        "--reason",
        "lost phone",
    )
    live = set(ObserverToken.objects.filter(revoked=False).values_list("person__code", flat=True))
    assert live == {mission.people["observer"].code}


def test_an_unknown_area_is_a_clear_error(db, mission):
    with pytest.raises(CommandError, match="no area 'R9'"):
        call_command(
            "revoke_tokens", "--election", "test-election", "--area", "R9", "--reason", "x"
        )


def test_sign_in_links_are_proper_csv_that_no_spreadsheet_runs(db, mission):
    import csv
    import io

    person = mission.people["observer"]
    person.full_name = '=HYPERLINK("http://x", "Aliyev, Rashad")'
    person.save()
    out = io.StringIO()
    call_command("observer_links", "--election", "test-election", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["code", "name", "phone", "link"]
    mine = next(row for row in rows if row[0] == person.code)
    assert mine[1] == "'" + person.full_name and mine[3].startswith("http://127.0.0.1:8000/o/#t=")


def test_admins_mark_junk_and_revoke_tokens_from_the_admin(client, forms, mission, observer_token):
    post(client, observer_token, payload())
    admin_user = mission.users["admin"]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    inbound = Inbound.objects.get()
    response = client.post(
        "/admin/submissions/inbound/",
        {"action": "mark_as_junk", "_selected_action": [inbound.pk]},
    )
    assert response.status_code == 302
    assert Inbound.objects.get().junk and Submission.objects.get().status == "rejected"
    token = ObserverToken.objects.get()
    client.post(
        "/admin/submissions/observertoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert ObserverToken.objects.get().revoked
    assert AuditEvent.objects.filter(kind="token.revoked", election_id=mission.election.pk).exists()


def test_the_admin_refuses_json_it_could_not_store(client, mission):
    admin_user = mission.users["admin"]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    person = mission.people["observer"]
    url = f"/admin/observers/person/{person.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "other_phones": '["+99450\\ud800"]',
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200 and b"lone surrogate" in response.content
    person.refresh_from_db()
    assert person.other_phones == []


def test_junk_reports_leave_the_export(client, forms, mission, observer_token):
    import csv
    import io

    post(client, observer_token, payload())
    post(client, observer_token, payload())
    junk = Inbound.objects.order_by("pk")[:1]
    mark_junk(
        Inbound.objects.filter(pk__in=junk.values("pk")),
        reason="leak",
        actor=mission.users["admin"],
    )
    client.force_login(mission.users["coordinator"])
    export = client.get("/e/test-election/export/submissions.csv")
    body = b"".join(export.streaming_content) if export.streaming else export.content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 and Submission.objects.count() == 2


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("[NaN]", "NaN"),
        ("[1e999]", "too large"),
        ("[" + "9" * 5000 + "]", "5,000 digits"),
        ("[" * 3000 + "]" * 3000, "nested"),
        ('["+99450\\ud800"]', "lone surrogate"),
    ],
)
def test_the_admin_refuses_json_it_could_not_store_naming_why(client, mission, typed, words):
    admin_user = mission.users["admin"]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    person = mission.people["observer"]
    url = f"/admin/observers/person/{person.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {"other_phones": typed, "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    )
    response = client.post(url, data)
    assert response.status_code == 200 and words in response.content.decode()
    person.refresh_from_db()
    assert person.other_phones == []
