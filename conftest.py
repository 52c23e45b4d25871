"""Fixtures shared by every test: the real data beside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get(
        "POLLWATCH_SHARED_DATA", Path(__file__).resolve().parent.parent / "shared" / "data"
    )
)


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Per-process caches must not carry rows from one test's rolled-back database into the next."""
    try:
        from django.core.cache import cache
        from django.test import override_settings
    except Exception:  # the pure-core tests run without Django
        yield
        return
    # Figures are computed inside the request: a background thread cannot see a test's transaction.
    with override_settings(ANALYSIS_BACKGROUND_REFRESH=False):
        yield
    cache.clear()
    try:
        from pollwatch.checklists.models import forget_active_forms
        from pollwatch.submissions import lookups
    except Exception:  # the pure-core tests run without Django
        return
    forget_active_forms()
    lookups.reset()
    from pollwatch.submissions.inserts import close_group_writers

    close_group_writers()  # its own connection would keep the test database from being dropped


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (or $POLLWATCH_SHARED_DATA); tests using it skip cleanly where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def mission(db):
    """A small observed election with one user per persona (DESIGN §6.5).

    Geography: regions R1 (districts D1, D2) and R2 (district D3, newly included);
    two stations per district. Personas: admin, coordinator, analyst, media
    monitor, supervisor of R1, observer deployed in D1 ("observer"), observer
    deployed in D3 ("other_observer"), a data clerk ("clerk", code 1008), a read-only
    partner ("partner", code 1009), and a
    user with no role ("outsider").
    """
    import datetime
    from types import SimpleNamespace

    from django.contrib.auth.models import User

    from pollwatch.elections.models import Area, Candidate, Contest, Election, PollingStation
    from pollwatch.observers.models import Deployment, Membership, Mission, Person, Role

    election = Election.objects.create(
        slug="test-election",
        name="Test presidential election",
        date=datetime.date(2026, 12, 6),
        country_code="AZ",
    )
    contest = Contest.objects.create(election=election, name="President")
    for order, (code, name) in enumerate([("C1", "Incumbent"), ("C2", "Challenger")], start=1):
        Candidate.objects.create(contest=contest, code=code, name=name, ballot_order=order)
    observed_by = Mission.objects.create(election=election, name="Test mission")
    r1 = Area.objects.create(
        election=election, level=1, level_name="region", code="R1", name="North", path="/R1/"
    )
    r2 = Area.objects.create(
        election=election,
        level=1,
        level_name="region",
        code="R2",
        name="Returned",
        path="/R2/",
        newly_included=True,
    )
    districts = {}
    for code, parent in [("D1", r1), ("D2", r1), ("D3", r2)]:
        districts[code] = Area.objects.create(
            election=election,
            parent=parent,
            level=2,
            level_name="district",
            code=code,
            name=f"District {code}",
            path=f"{parent.path}{code}/",
        )
    stations = {}
    for district in districts.values():
        for number in (1, 2):
            code = f"{district.code}-{number:03d}"
            stations[code] = PollingStation.objects.create(
                election=election,
                code=code,
                name=f"School {code}",
                area=district,
                area_path=district.path,
                registered_voters=1000 + number,
                newly_included=district.code == "D3",
            )
    from pollwatch.elections.importers import refresh_area_totals

    refresh_area_totals(election)
    users = {}
    areas = {"supervisor": r1, "observer": districts["D1"], "other_observer": districts["D3"]}
    roles = {
        "admin": Role.ADMIN,
        "coordinator": Role.COORDINATOR,
        "analyst": Role.ANALYST,
        "media_monitor": Role.MEDIA_MONITOR,
        "supervisor": Role.SUPERVISOR,
        "observer": Role.OBSERVER,
        "other_observer": Role.OBSERVER,
        "clerk": Role.CLERK,
        "partner": Role.PARTNER,
    }
    people = {}
    for number, (persona, role) in enumerate(roles.items(), start=1):
        user = User.objects.create_user(persona, is_staff=persona == "admin")
        person = Person.objects.create(
            mission=observed_by,
            code=str(1000 + number),
            full_name=persona.replace("_", " ").title(),
            phone=f"+99450{1000000 + number}",
            user=user,
        )
        Membership.objects.create(
            person=person, election=election, role=role, area=areas.get(persona)
        )
        users[persona] = user
        people[persona] = person
    users["outsider"] = User.objects.create_user("outsider")
    Deployment.objects.create(
        membership=people["observer"].memberships.get(), station=stations["D1-001"]
    )
    Deployment.objects.create(
        membership=people["other_observer"].memberships.get(), station=stations["D3-001"]
    )
    return SimpleNamespace(
        election=election,
        regions={"R1": r1, "R2": r2},
        districts=districts,
        stations=stations,
        users=users,
        people=people,
        mission=observed_by,
    )


TEST_FORMS = {
    "OP": """
code: OP
version: 1
kind: checklist
phase: opening
languages: [en]
name: {en: Opening}
groups:
  - code: G
    label: {en: Opening}
    questions:
      - {code: A1, kind: yes_no, required: true, label: {en: "Opened on time?"}}
      - {code: A2, kind: integer, minimum: 0, maximum: 20, label: {en: Staff present}}
      - {code: A3, kind: yes_no, critical: "A3 == 0", severity: high, label: {en: "Ballot box shown empty?"}}
""",
    "IN": """
code: IN
version: 1
kind: incident
phase: any
languages: [en]
name: {en: Incident}
groups:
  - code: G
    label: {en: Incident}
    questions:
      - code: T
        kind: single
        required: true
        label: {en: Type}
        options:
          - {code: "1", label: {en: Intimidation}}
          - {code: "2", label: {en: Ballot stuffing}}
      - {code: D, kind: text, label: {en: What happened}}
      - {code: P, kind: photo, label: {en: Photo}}
""",
}


@pytest.fixture
def forms(mission):
    """Two small forms installed in the test election: OP (checklist) and IN (incident)."""
    from pollwatch.checklists.loading import install_form
    from pollwatch.formspec.spec import loads_form

    return {
        code: install_form(mission.election, loads_form(text))[0]
        for code, text in TEST_FORMS.items()
    }


@pytest.fixture
def observer_token(mission):
    """A sign-in token of the observer app for the persona 'observer' (deployed at D1-001)."""
    from pollwatch.submissions.views import issue_token

    return issue_token(mission.people["observer"])


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def night(db, settings, tmp_path):
    """The demo's election night on a small simulated country (400 stations, 80 observers).

    Everything goes through the real code: importers, sample, forms, intake,
    the official-results import with a guessed mapping and a forensic run.
    Returns (election, truth summary, data folder).
    """
    import json
    from types import SimpleNamespace

    from pollwatch.elections.models import Election
    from pollwatch.ops.demo import load_demo

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    accounts = load_demo(stations=400, observers=80, seed=7, say=lambda _: None)
    election = Election.objects.get(slug="demo")
    folder = Path(tmp_path) / "demo-simulation"
    truth = json.loads((folder / "truth.json").read_text())
    return SimpleNamespace(election=election, truth=truth, folder=folder, accounts=accounts)


@pytest.fixture
def report_reader():
    """The report reader (``pollwatch read-reports``) for a live server: it reads what was
    received after each request, in the server's thread (so on the in-memory SQLite database
    too), as the worker process does beside gunicorn."""
    from django.core.signals import request_finished

    from pollwatch.submissions.intake import process_pending

    def read(**_):
        process_pending()

    request_finished.connect(read, dispatch_uid="test-report-reader")
    yield
    request_finished.disconnect(dispatch_uid="test-report-reader")


@pytest.fixture
def results_forms(mission):
    """The PVT result form (PR) and the exit-poll form (EP) for the mission's two candidates."""
    from pollwatch.checklists.loading import install_form
    from pollwatch.formspec.defaults import exitpoll_form, results_form

    candidates = [("C1", "Incumbent"), ("C2", "Challenger")]
    return {
        "PR": install_form(mission.election, results_form(candidates))[0],
        "EP": install_form(mission.election, exitpoll_form(candidates))[0],
    }


@pytest.fixture
def browser(monkeypatch):
    """Headless Debian Chromium through Playwright (tests using it carry ``pollwatch.testing.BROWSER_TEST``)."""
    from playwright.sync_api import sync_playwright

    from pollwatch.testing import CHROMIUM, CHROMIUM_ARGS

    # Playwright's sync API keeps an event loop in this thread; the ORM calls of
    # the test itself are still plain synchronous code (Django's documented escape).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The live server's request threads may still hold PostgreSQL sessions when the session
    ends (pytest-django stops it after the database): end them, so the test database drops."""
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a file, as pollwatch itself does, not the default in-memory database:
    the live server would otherwise share one connection between its request threads, and a
    page's concurrent requests (its chart images) would collide on it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("database") / "test.sqlite3"
        )
