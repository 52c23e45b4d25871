"""The observer app's start: /api/o/me is small, compressed and revalidated by its ETag.

The app shows the `me` it stored at once and asks again with If-None-Match;
these tests hold the server's half of that bargain (docs/reporting.md,
"Fast start and updates").
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from pollwatch.submissions.views import issue_token

OP_RENAMED = """
code: OP
version: 1
kind: checklist
phase: opening
languages: [en]
name: {en: Opening (revised)}
groups:
  - code: G
    label: {en: Opening}
    questions:
      - {code: A1, kind: yes_no, required: true, label: {en: "Opened on time?"}}
"""


def me(client, token, **headers):
    return client.get("/api/o/me", headers={"Authorization": f"Token {token}", **headers})


def test_anonymous_and_unknown_tokens_get_401(client, forms):
    assert client.get("/api/o/me").status_code == 401
    assert me(client, "not-a-token").status_code == 401


def test_a_signed_in_coordinator_without_an_observer_token_gets_401(client, mission, forms):
    client.force_login(mission.users["coordinator"])
    assert client.get("/api/o/me").status_code == 401


def test_a_revoked_token_gets_401(client, mission, forms, observer_token):
    from pollwatch.submissions.models import ObserverToken
    from pollwatch.submissions.views import _tokens

    assert me(client, observer_token).status_code == 200
    ObserverToken.objects.update(revoked=True)
    _tokens.clear()  # what each worker does by itself when a look-up changes or expires
    assert me(client, observer_token).status_code == 401


def test_the_observer_gets_a_strong_etag_and_a_304_for_it(client, forms, observer_token):
    first = me(client, observer_token)
    assert first.status_code == 200
    tag = first["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    assert first["Cache-Control"] == "private, no-cache"
    assert {"Authorization", "Accept-Encoding"} <= {v.strip() for v in first["Vary"].split(",")}
    assert first.json()["deployments"][0]["station"] == "D1-001"

    again = me(client, observer_token, **{"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == tag
    assert me(client, observer_token, **{"If-None-Match": '"something-else"'}).status_code == 200


def test_gzip_when_the_client_accepts_it_with_its_own_tag(client, forms, observer_token):
    plain = me(client, observer_token)
    zipped = me(client, observer_token, **{"Accept-Encoding": "gzip, deflate, br"})
    assert zipped["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    # Another coding is another byte sequence: another strong tag, for the same content.
    assert zipped["ETag"] != plain["ETag"]
    assert zipped["ETag"].strip('"').startswith(plain["ETag"].strip('"'))
    # Either tag (and a weakened one, as some proxies send) revalidates either coding.
    for sent in (zipped["ETag"], plain["ETag"], "W/" + zipped["ETag"]):
        answer = me(client, observer_token, **{"If-None-Match": sent, "Accept-Encoding": "gzip"})
        assert answer.status_code == 304, sent


def test_the_etag_changes_when_a_form_changes(client, mission, forms, observer_token):
    from pollwatch.checklists.loading import install_form
    from pollwatch.formspec.spec import loads_form

    before = me(client, observer_token)["ETag"]
    form, created = install_form(mission.election, loads_form(OP_RENAMED))
    assert created and form.version == 2
    after = me(client, observer_token, **{"If-None-Match": before})
    assert after.status_code == 200
    assert after["ETag"] != before
    op = next(f for f in after.json()["forms"] if f["code"] == "OP")
    assert op["version"] == 2 and op["spec"]["name"] == {"en": "Opening (revised)"}


def test_the_etag_changes_when_a_deployment_changes(client, mission, forms, observer_token):
    from pollwatch.observers.models import Deployment

    before = me(client, observer_token)["ETag"]
    person = mission.people["observer"]
    deployment = Deployment.objects.create(
        membership=person.memberships.get(), station=mission.stations["D1-002"], reserve=True
    )
    after = me(client, observer_token, **{"If-None-Match": before})
    assert after.status_code == 200 and after["ETag"] != before
    assert [d["station"] for d in after.json()["deployments"]] == ["D1-001", "D1-002"]
    deployment.reserve = False
    deployment.save()
    last = me(client, observer_token, **{"If-None-Match": after["ETag"]})
    assert last.status_code == 200 and last["ETag"] != after["ETag"]


def test_each_observer_has_their_own_tag(client, mission, forms, observer_token):
    other = issue_token(mission.people["other_observer"])
    mine, theirs = me(client, observer_token), me(client, other)
    assert mine.json()["deployments"] != theirs.json()["deployments"]
    assert me(client, other, **{"If-None-Match": mine["ETag"]}).status_code == 200


@pytest.fixture
def shipped_forms(mission):
    from pollwatch.checklists.loading import install_defaults

    return {form.code: form for form, _ in install_defaults(mission.election)}


def test_form_texts_come_in_the_observers_language_and_the_fallbacks_only(
    client, mission, shipped_forms
):
    person = mission.people["observer"]
    person.language = "ru"
    person.save()
    body = me(client, issue_token(person)).json()
    op = next(f for f in body["forms"] if f["code"] == "OP")
    full = shipped_forms["OP"].spec.to_dict()
    assert full["languages"][0] == "en" and {"az", "ur"} <= set(full["languages"])
    assert op["spec"]["languages"] == ["en", "ru"]
    assert set(op["spec"]["name"]) == {"en", "ru"}
    questions = [q for g in op["spec"]["groups"] for q in g["questions"]]
    full_questions = [q for g in full["groups"] for q in g["questions"]]
    assert [q["code"] for q in questions] == [q["code"] for q in full_questions]
    for slim, whole in zip(questions, full_questions, strict=True):
        assert set(slim["label"]) == {"en", "ru"}
        # Everything the form logic reads is whole; alert rules stay on the server.
        for key in ("kind", "minimum", "maximum", "relevant", "required"):
            assert slim.get(key) == whole.get(key), (slim["code"], key)
        assert "critical" not in slim and "severity" not in slim
        assert [o["code"] for o in slim.get("options", [])] == [
            o["code"] for o in whole.get("options", [])
        ]
    assert [c["expression"] for c in op["spec"].get("checks", [])] == [
        c["expression"] for c in full.get("checks", [])
    ]
    assert all(set(c["message"]) == {"en", "ru"} for c in op["spec"].get("checks", []))


def test_me_is_a_fraction_of_the_full_specs(client, mission, shipped_forms, observer_token):
    """The first open on a slow line waits for this answer: it must stay small."""
    full = json.dumps(
        [f.spec.to_dict() for f in shipped_forms.values()]
    ).encode()  # the old answer's forms: every language, ASCII-escaped
    plain = me(client, observer_token)
    zipped = me(client, observer_token, **{"Accept-Encoding": "gzip"})
    assert len(plain.content) < len(full) / 2
    assert len(zipped.content) < len(plain.content) / 3


def test_the_shell_and_its_worker_are_public_and_carry_no_personal_data(
    client, mission, forms, observer_token
):
    """The app must open signed out (the sign-in screen is in the shell); it signs in by token."""
    from pollwatch.submissions.views import shell_version

    for signed_in in (False, True):
        if signed_in:
            client.force_login(mission.users["observer"])
        page, worker = client.get("/o/"), client.get("/o/sw.js")
        assert page.status_code == 200 and worker.status_code == 200
        assert mission.people["observer"].full_name.encode() not in page.content + worker.content
        assert f'const VERSION = "{shell_version()}";'.encode() in worker.content
        assert worker["Cache-Control"] == "no-cache"
        assert b'"/static/pollwatch/formlogic-0.1.js",' in worker.content


def test_the_shell_version_changes_with_any_shell_file(tmp_path, monkeypatch):
    from django.contrib.staticfiles import finders

    from pollwatch.submissions import views

    copies = {}
    for name in views.SHELL_STATIC:
        copies[name] = tmp_path / name.replace("/", "_")
        copies[name].write_bytes(Path(finders.find(name)).read_bytes())
    monkeypatch.setattr(finders, "find", lambda name, **kwargs: str(copies[name]))
    first = views.shell_version()
    assert views.shell_version() == first
    target = copies["pollwatch/observer-app-0.1.js"]
    target.write_bytes(target.read_bytes() + b"\n// a fix\n")
    second = views.shell_version()
    assert second != first
    css = copies["pollwatch/observer-app-0.1.css"]
    css.write_bytes(css.read_bytes().replace(b"#", b"%", 1))  # same size: the time tells
    os.utime(css, ns=(css.stat().st_atime_ns, css.stat().st_mtime_ns + 1_000_000))
    assert views.shell_version() not in (first, second)
