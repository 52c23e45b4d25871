"""The demo mission: a simulated election loaded through the real importers.

``load_demo`` is idempotent per data folder: it reuses an existing demo
election unless asked to reset it. Accounts are written to
``demo-accounts.json`` in the data folder (readable by the owner only) so that
a second run can print them again.
"""

from __future__ import annotations

import csv
import datetime
import json
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from pollwatch.checklists.loading import install_defaults
from pollwatch.elections.boundaries import partition_from_stations
from pollwatch.elections.importers import create_job, run_job
from pollwatch.elections.models import Candidate, Contest, Election, ImportJob, PollingStation
from pollwatch.media.demo import load_demo_media
from pollwatch.observers.models import Deployment, Membership, Mission, Person, Role, Team
from pollwatch.results.demo import load_demo_night, true_protocols
from pollwatch.results.design import import_sample
from pollwatch.stats.sampling import draw_sample
from pollwatch.stats.simulate import simulate_election
from pollwatch.submissions.models import Submission
from pollwatch.submissions.views import issue_token

DEMO_SLUG = "demo"
DEMO_FRAUD = "stuffing:0.10,rewrite:0.05"
ACCOUNT_ROLES = [
    Role.ADMIN,
    Role.COORDINATOR,
    Role.ANALYST,
    Role.SUPERVISOR,
    Role.OBSERVER,
    Role.MEDIA_MONITOR,
    Role.CLERK,
    Role.PARTNER,
]
Say = Callable[[str], None]


def accounts_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-accounts.json"


def reset_demo(say: Say) -> None:
    election = Election.objects.filter(slug=DEMO_SLUG).first()
    if election is not None:
        say("Removing the previous demo election …")
        # Submissions protect the observers who sent them: they go first.
        Submission.objects.filter(election=election).delete()
        Person.objects.filter(mission__election=election).delete()
        election.delete()
    User.objects.filter(username__in=[role.value for role in ACCOUNT_ROLES]).delete()
    accounts_file().unlink(missing_ok=True)
    observers_file().unlink(missing_ok=True)


def load_demo(
    *, stations: int = 6500, observers: int = 600, seed: int = 2026, say: Say = print
) -> dict[str, str]:
    """Create the demo election (if absent) and return {username: password}."""
    if (
        Election.objects.filter(slug=DEMO_SLUG).exists()
        and accounts_file().exists()
        and observers_file().exists()
    ):
        say("Reusing the demo election in this data folder (use --reset to start afresh).")
        return json.loads(accounts_file().read_text())
    reset_demo(say)
    say(f"Simulating an election with {stations:,} polling stations …")
    # Some ballot stuffing and rewritten protocols, so that the official-results check
    # and the forensics have something to find (the true count is unchanged).
    simulated = simulate_election(
        stations=stations, seed=seed, observers=observers, fraud=DEMO_FRAUD
    )
    folder = Path(settings.DATA_DIR) / "demo-simulation"
    paths = simulated.write(folder)
    today = datetime.date.today()
    election = Election.objects.create(
        slug=DEMO_SLUG,
        name="Snap presidential election (simulated)",
        date=today,
        kind=Election.Kind.PRESIDENTIAL,
        status=Election.Status.COUNTING,
        country_code="AZ",
        languages="en",
    )
    mission = Mission.objects.create(
        election=election,
        name="International election observation mission (demo)",
        kind=Mission.Kind.INTERNATIONAL,
    )
    contest = Contest.objects.create(election=election, name="President")
    Candidate.objects.bulk_create(
        Candidate(
            contest=contest,
            code=str(row["code"]),
            name=str(row["name"]),
            party=str(row["party"]),
            ballot_order=int(row["ballot_order"]),
            colour=str(row["colour"]),
        )
        for row in simulated.candidates.to_dict("records")
    )
    for kind, name in (
        (ImportJob.Kind.STATIONS, "stations.csv"),
        (ImportJob.Kind.PEOPLE, "people.csv"),
    ):
        say(f"Importing {name} …")
        job = run_job(create_job(election, kind, paths[name], name, {"region": "AZ"}))
        if job.status != ImportJob.Status.DONE:
            raise RuntimeError(
                f"demo import of {name} failed: {job.message}\n{job.errors_csv[:2000]}"
            )
        say(f"  {job.message}")
    say(f"Deploying {observers:,} observers to a stratified sample of stations …")
    deploy_observers(election, seed, folder)
    make_teams(election)
    partition_from_stations(election, seed=seed)
    say("Installing the international checklists, incident, results and exit-poll forms …")
    install_defaults(election, actor="demo")
    say("Adding news items from four outlets, coded by machine, for the media monitors …")
    load_demo_media(election)
    load_demo_night(election, folder, seed=seed, say=say)
    accounts = make_accounts(election, mission)
    load_demo_operations(election, folder, seed=seed, say=say)
    write_observer_credentials(election, folder)
    path = accounts_file()
    path.write_text(json.dumps(accounts, indent=2))
    path.chmod(0o600)
    return accounts


def observers_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-observers.json"


def write_observer_credentials(election: Election, folder: Path) -> None:
    """Tokens of the observer app, the SMS gateway secret and each station's true count, for the demo traffic."""
    codes = list(
        Candidate.objects.filter(contest__election=election)
        .order_by("ballot_order")
        .values_list("code", flat=True)
    )
    protocols = true_protocols(folder / "truth.csv", codes)
    observers = []
    deployments = Deployment.objects.filter(
        membership__election=election, reserve=False
    ).select_related("membership__person", "station")
    for deployment in deployments:
        person = deployment.membership.person
        observers.append(
            {
                "code": person.code,
                "phone": person.phone,
                "station": deployment.station.code,
                "token": issue_token(person),
                "protocol": protocols.get(deployment.station.code),
            }
        )
    path = observers_file()
    path.write_text(
        json.dumps({"sms_secret": secrets.token_urlsafe(16), "observers": observers}, indent=1)
    )
    path.chmod(0o600)


def observer_app_link(base_url: str) -> str:
    """The sign-in link of the demo account 'observer' in the observer app."""
    data = json.loads(observers_file().read_text())
    person = Person.objects.filter(user__username=Role.OBSERVER.value).first()
    token = next((o["token"] for o in data["observers"] if person and o["code"] == person.code), "")
    return f"{base_url.rstrip('/')}/o/#t={token}"


def sms_secret() -> str:
    return json.loads(observers_file().read_text())["sms_secret"]


def deploy_observers(election: Election, seed: int, folder: Path) -> int:
    """One station per observer, from a district-stratified sample; observers stay in their district where possible.

    The draw is recorded as the election's sample design through
    ``pollwatch import-sample``'s own code (``folder``/sample.csv, the columns
    ``pollwatch sample`` writes), so the quick count estimates from the design
    that was drawn rather than one inferred from the deployments.
    """
    frame = list(
        PollingStation.objects.filter(election=election)
        .values_list("pk", "area__code")
        .order_by("code")
    )
    station_ids = np.array([pk for pk, _ in frame])
    districts = np.array([code for _, code in frame])
    observer_memberships = list(
        Membership.objects.filter(election=election, role=Role.OBSERVER)
        .select_related("area")
        .order_by("pk")
    )
    strata = len(set(districts))
    # Two stations per district lets every district's variance be estimated; a tiny demo settles for fewer.
    minimum = (
        2 if len(observer_memberships) >= 2 * strata else int(len(observer_memberships) >= strata)
    )
    draw = draw_sample(districts, len(observer_memberships), seed=seed, reserve=1, minimum=minimum)
    free = defaultdict(list)
    for index in draw.sampled:
        free[districts[index]].append(int(station_ids[index]))
    reserves = {districts[i]: int(station_ids[i]) for i in draw.reserve}
    unmatched = []
    pairs = []
    for membership in observer_memberships:
        district = membership.area.code if membership.area else None
        if district and free.get(district):
            pairs.append((membership, free[district].pop(), district))
        else:
            unmatched.append(membership)
    leftovers = [(station, district) for district, stations in free.items() for station in stations]
    for membership, (station, district) in zip(unmatched, leftovers, strict=False):
        pairs.append((membership, station, district))
    opening = datetime.datetime.combine(election.date, datetime.time(7, 0), tzinfo=datetime.UTC)
    closing = opening + datetime.timedelta(hours=14)
    deployments = [
        Deployment(membership=membership, station_id=station, starts_at=opening, ends_at=closing)
        for membership, station, _ in pairs
    ]
    # Each observer also gets their district's reserve station, visited if the first is unreachable.
    deployments += [
        Deployment(membership=membership, station_id=reserves[district], reserve=True)
        for membership, station, district in pairs
        if district in reserves and reserves[district] != station
    ]
    Deployment.objects.bulk_create(deployments, batch_size=1000)
    record_sample_design(election, draw, station_ids, districts, folder / "sample.csv")
    return len(pairs)


def record_sample_design(
    election: Election, draw, station_ids: np.ndarray, districts: np.ndarray, path: Path
) -> None:
    """Write the draw as ``pollwatch sample`` would and record it with ``import_sample`` (audited as "demo")."""
    codes = dict(PollingStation.objects.filter(election=election).values_list("pk", "code"))
    rows = [
        (codes[int(station_ids[i])], districts[i], f"{w:.6f}", "sampled", "")
        for i, w in zip(draw.sampled.tolist(), draw.weight.tolist(), strict=True)
    ]
    rows += [
        (codes[int(station_ids[i])], districts[i], "", "reserve", str(int(rank)))
        for i, rank in zip(draw.reserve.tolist(), draw.reserve_rank.tolist(), strict=True)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "stratum", "weight", "sample_role", "reserve_rank"])
        writer.writerows(rows)
    import_sample(election, path, actor="demo")


def make_teams(election: Election) -> None:
    """One team per region; its supervisors and observers are those whose area lies in the region."""
    for region in election.areas.filter(level=1):
        team = Team.objects.create(election=election, name=f"Team {region.name}")
        team.areas.add(region)
        Membership.objects.filter(election=election, area__path__startswith=region.path).update(
            team=team
        )


@transaction.atomic
def make_accounts(election: Election, mission: Mission) -> dict[str, str]:
    """One login per role; the supervisor and observer accounts are real people of the mission."""
    accounts = {}
    for role in ACCOUNT_ROLES:
        password = secrets.token_urlsafe(9)
        user = User.objects.create_user(
            role.value,
            password=password,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        accounts[role.value] = password
        if role in (Role.OBSERVER, Role.SUPERVISOR):
            membership = (
                (
                    Membership.objects.filter(
                        election=election, role=role, person__user__isnull=True
                    ).filter(deployments__isnull=False)
                    if role == Role.OBSERVER
                    else Membership.objects.filter(
                        election=election, role=role, person__user__isnull=True
                    )
                )
                .order_by("pk")
                .first()
            )
            if membership is None:
                raise RuntimeError(
                    f"the simulated mission has no {role.label} to give an account to"
                )
            person = membership.person
            person.user = user
            person.save(update_fields=["user"])
            user.first_name = person.full_name
            user.save(update_fields=["first_name"])
            continue
        # A code no simulated person has (their codes are random, 4 or 5 digits).
        code = f"9{ACCOUNT_ROLES.index(role)}00"
        while Person.objects.filter(mission=mission, code=code).exists():
            code = str(int(code) + 1)
        person = Person.objects.create(
            mission=mission,
            code=code,
            full_name=f"Demo {role.label}",
            language="en",
            user=user,
        )
        Membership.objects.create(person=person, election=election, role=role)
    return accounts


def load_demo_operations(election: Election, folder: Path, *, seed: int, say: Say = print) -> None:
    """Election-day operations under way, so the Messages, Inbox, Phone desk and call logs show
    something on the first visit: a reminder to the observers who have not sent their result
    form (the demo's sender hands it to the console outbox: ``sms-outbox.jsonl`` in the data
    folder), another scheduled for an hour from now, results phoned in to the data clerk by
    observers without a signal, calls that found nobody, and an SMS from an unknown number
    answered by the coordinator."""
    import random

    from pollwatch.checklists.models import Form, active_forms
    from pollwatch.messaging.outbox import compose, send_one
    from pollwatch.observers.access import access_for
    from pollwatch.results.estimates import candidates_for
    from pollwatch.submissions import intake
    from pollwatch.submissions.clerk import log_call, take_phone_report
    from pollwatch.submissions.models import Call

    rng = random.Random(seed + 12)
    coordinator = User.objects.get(username=Role.COORDINATOR.value)
    clerk = User.objects.get(username=Role.CLERK.value)
    access = access_for(coordinator, election)
    assert access is not None
    forms = active_forms(election)
    results = next(f for f in forms.values() if f.kind == Form.Kind.RESULTS)
    say("Election-day operations: reminders, phoned-in results, calls …")
    reported = set(
        Submission.objects.filter(election=election, form__code=results.code).values_list(
            "observer_id", flat=True
        )
    )
    silent = [
        d
        for d in Deployment.objects.filter(
            membership__election=election, membership__role=Role.OBSERVER, reserve=False
        )
        .select_related("membership__person", "station")
        .order_by("station__code")
        if d.membership_id not in reported
    ]
    protocols = true_protocols(folder / "truth.csv", [c.code for c in candidates_for(election)])
    now = timezone.now()
    for deployment in rng.sample(silent, min(6, len(silent))):
        person = deployment.membership.person
        answers = protocols.get(deployment.station.code)
        if answers is None:
            continue
        take_phone_report(
            election=election,
            person=person,
            membership=deployment.membership,
            deployment=deployment,
            form=results,
            answers=dict(answers),
            clerk=clerk,
            confirmation={"method": "pin", "at": now.isoformat()},
            client_uuid=uuid.uuid4(),
            note="no mobile data at the station; read out from the protocol copy",
        )
    for deployment in rng.sample(silent, min(4, len(silent))):
        log_call(
            election,
            deployment.membership.person,
            coordinator,
            direction=Call.Direction.OUT,
            outcome=rng.choice(
                [Call.Outcome.NO_ANSWER, Call.Outcome.NO_ANSWER, Call.Outcome.REACHED]
            ),
            station=deployment.station,
            note="called about the missing result form",
        )
    texts = {
        "en": "{first_name}, the count at {station} should be over: please send the {form} "
        "result form now, or call the data desk.",
        "az": "{first_name}, {station} məntəqəsində say bitməlidir: {form} nəticə formunu indi "
        "göndərin və ya məlumat masasına zəng edin.",
    }
    texts = {lang: text.replace("{form}", results.code) for lang, text in texts.items()}
    compose(access, coordinator, {"not_reported": results.code}, texts, "en")
    compose(
        access,
        coordinator,
        {"not_reported": results.code},
        texts,
        "en",
        send_at=now + datetime.timedelta(hours=1),
    )
    incident_form = next((f for f in forms.values() if f.kind == Form.Kind.INCIDENT), None)
    if incident_form is not None:
        on_duty = list(
            Deployment.objects.filter(
                membership__election=election, membership__role=Role.OBSERVER, reserve=False
            ).select_related("membership", "station")
        )
        for deployment in rng.sample(on_duty, min(8, len(on_duty))):
            demo_incident_with_photo(incident_form, deployment, rng)
    stranger = intake.intake_sms("json", "+994557770011", "hello I cannot find the form")
    if stranger.inbound is not None:
        send_one(
            election,
            None,
            stranger.inbound.sender,
            "Hello: this number takes observers' reports. Observers start with the form code, "
            "e.g. OP 1234 A1 1. Call the data desk if you are one of ours.",
            user=coordinator,
            in_reply_to=stranger.inbound,
        )


def demo_incident_with_photo(form, deployment: Deployment, rng) -> None:
    """An incident report with a photo, as an observer's phone sends it (the image drawn here:
    a ballot box with its seal and the station's code, in the observer's own framing)."""
    import base64
    import io

    import yaml
    from PIL import Image, ImageDraw

    from pollwatch.ops.traffic import random_answers
    from pollwatch.submissions.intake import store_photos, submit

    width, height = 960, 720
    wall = tuple(rng.randint(170, 215) for _ in range(3))
    image = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 520, width, height), fill=(120, 96, 72))  # the table
    left = rng.randint(200, 380)
    draw.rectangle(
        (left, 220, left + 360, 540), fill=(235, 235, 240), outline=(60, 60, 60), width=4
    )
    draw.rectangle((left + 130, 200, left + 230, 222), fill=(40, 40, 40))  # the slot
    seal = (200, 30, 30) if rng.random() < 0.5 else (30, 120, 40)
    draw.rectangle((left + 160, 300, left + 200, 340), fill=seal)
    station = deployment.station
    draw.text((40, 40), f"{station.code} {station.name}", fill=(20, 20, 20))
    draw.text((40, 70), "ballot box, seal", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    answers = random_answers(yaml.safe_load(form.definition), rng)
    photo = next((q.code for q in form.spec.questions if q.kind == "photo"), None)
    if photo is None:
        return
    answers[photo] = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
    note = next((q.code for q in form.spec.questions if q.kind == "text"), None)
    if note:
        answers[note] = rng.choice(
            ["seal number differs from the one recorded at opening", "box moved behind a screen"]
        )
    if store_photos(form, answers):
        return
    submit(
        deployment.membership,
        form,
        station,
        answers,
        client_uuid=uuid.uuid4(),
        source="web",
    )
