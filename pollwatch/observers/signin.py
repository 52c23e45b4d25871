"""Observers' sign-in links from the browser: printable cards (PDF with QR codes), links sent by
SMS or e-mail, and revocation (docs/reporting.md, "Sign-in cards").

A link carries a token that only the observer holds: pollwatch keeps its hash
(``submissions.views.issue_token``), so a card or a message is the only copy.
Every card printed and every link sent therefore issues a NEW token; older links
keep working unless the user asks to revoke them. Audit events say who did it,
for how many and whom (codes), never the tokens.

Who may: admins and coordinators, for every observer of the election. Supervisors
see their areas' people but change nothing about them (``access.person_for_user``
gives them no write), and a sign-in link is a credential: they are refused, as
are clerks, analysts, partners and observers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.template.loader import render_to_string

from pollwatch.audit.models import record
from pollwatch.elections.models import Area, Election
from pollwatch.observers.access import Access, people_for
from pollwatch.observers.models import CardJob, Person, Role

SIGNIN_ROLES = {Role.ADMIN, Role.COORDINATOR}
CARDS_PER_PAGE = 8
# From this many observers the cards are laid out by the task worker, with a progress bar.
# Measured: 200 cards in 12 s, 2,000 in about 130 s on a shared core, past gunicorn's 120 s
# timeout (ops/processes.py); 500 take about 35 s, as long as a request should wait.
BACKGROUND_FROM = 500
CHUNK_PAGES = 10  # pages laid out at a time (and between progress updates)
RTL_LANGUAGES = {"ur"}

# The observer app's languages (formspec DEFAULT_LANGUAGES); anything else gets English.
INSTRUCTIONS = {
    "en": [
        "Open the link on your phone, or scan the code with its camera.",
        "Add the page to your home screen; it works without a connection.",
        "Keep this card private: the link signs you in.",
    ],
    "az": [
        "Linki telefonunuzda açın və ya kodu kamera ilə skan edin.",
        "Səhifəni ana ekrana əlavə edin; internet olmadan da işləyir.",
        "Bu kartı heç kimə göstərməyin: link sizi sistemə daxil edir.",
    ],
    "ru": [
        "Откройте ссылку на телефоне или отсканируйте код камерой.",
        "Добавьте страницу на главный экран: она работает и без связи.",
        "Никому не показывайте эту карточку: по ссылке выполняется вход.",
    ],
    "ur": [
        "اپنے فون پر لنک کھولیں، یا کیمرے سے کوڈ اسکین کریں۔",
        "صفحے کو ہوم اسکرین پر شامل کریں؛ یہ انٹرنیٹ کے بغیر بھی چلتا ہے۔",
        "یہ کارڈ کسی کو نہ دکھائیں: یہ لنک آپ کو سائن اِن کرتا ہے۔",
    ],
}
SMS_LABEL = {
    "en": "No data? Report by SMS:",
    "az": "İnternet yoxdur? SMS ilə göndərin:",
    "ru": "Нет интернета? Отправьте SMS:",
    "ur": "انٹرنیٹ نہیں؟ SMS سے بھیجیں:",
}
EMAIL_SUBJECT = "{site}: your observer app link for {election}"


def can_manage_signin(access: Access) -> bool:
    """Issue, send, print and revoke observers' sign-in links."""
    return bool(access.roles & SIGNIN_ROLES)


def language_of(person: Person) -> str:
    return person.language if person.language in INSTRUCTIONS else "en"


def link_for(token: str, base_url: str) -> str:
    """The observer app's address with the token in the fragment (never sent to a server log)."""
    return f"{base_url.rstrip('/')}/o/#t={token}"


def qr_svg(link: str) -> str:
    """The link as an inline SVG QR code (medium error correction: a creased card still scans)."""
    return segno.make(link, error="m").svg_inline(scale=2, border=2, omitsize=True)


def observers_in(election: Election) -> QuerySet[Person]:
    return Person.objects.filter(
        memberships__election=election, memberships__role=Role.OBSERVER
    ).distinct()


@dataclass(frozen=True)
class Selection:
    """Which observers: an area (with those below it), a team, codes, or only those who never
    signed in; empty fields select everyone within reach."""

    area: str = ""
    team: str = ""
    codes: tuple[str, ...] = ()
    never_signed_in: bool = False

    @classmethod
    def from_query(cls, query) -> Selection:
        codes = query.get("codes", "").replace(",", " ").split()
        return cls(
            area=query.get("area", "").strip(),
            team=query.get("team", "").strip(),
            codes=tuple(codes[:10000]),
            never_signed_in=query.get("never") in ("1", "on", "true"),
        )

    def people(self, access: Access) -> QuerySet[Person]:
        """The selected observers within the user's reach; ValueError names an unknown area."""
        election = access.election
        people = observers_in(election).filter(pk__in=people_for(access).values("pk"))
        if self.area:
            area = Area.objects.filter(election=election, code=self.area).first()
            if area is None:
                raise ValueError(f"no area {self.area!r} in {election.slug}")
            people = people.filter(
                Q(memberships__area__path__startswith=area.path)
                | Q(memberships__deployments__station__area_path__startswith=area.path),
                memberships__election=election,
            )
        if self.team:
            people = people.filter(
                memberships__election=election, memberships__team__name=self.team
            )
        if self.codes:
            people = people.filter(code__in=self.codes)
        if self.never_signed_in:
            people = people.exclude(tokens__last_used__isnull=False)
        return people.distinct().order_by("code")

    def describe(self) -> str:
        parts = [
            f"area {self.area}" if self.area else "",
            f"team {self.team}" if self.team else "",
            f"{len(self.codes)} code(s)" if self.codes else "",
            "never signed in" if self.never_signed_in else "",
        ]
        return ", ".join(p for p in parts if p) or "every observer"


def signin_status(person: Person) -> dict:
    """Live links and when one was last used, for the person's page."""
    from pollwatch.submissions.models import ObserverToken

    live = ObserverToken.objects.filter(person=person, revoked=False)
    return {
        "live_links": live.count(),
        "last_used": ObserverToken.objects.filter(person=person).aggregate(at=Max("last_used"))[
            "at"
        ],
    }


def revoke_links(people: QuerySet[Person], *, election: Election, user: User, scope: str) -> int:
    """Revoke every live link of ``people``; the observer API refuses them at once (401)."""
    from pollwatch.submissions.cleanup import revoke_token_rows
    from pollwatch.submissions.models import ObserverToken

    return revoke_token_rows(
        ObserverToken.objects.filter(person__in=people),
        reason=f"revoked from the sign-in page by {user.get_username()}",
        actor=user,
        election=election,
        scope=scope,
    )


def new_links(
    people: list[Person], base_url: str, *, revoke_older: bool, election: Election, user: User
) -> dict[int, str]:
    """A new link for each person ({person pk: link}); with ``revoke_older`` their earlier links
    stop working first. Not audited here: the caller says what the links were for."""
    from pollwatch.submissions.views import issue_token

    with transaction.atomic():
        if revoke_older and people:
            revoke_links(
                Person.objects.filter(pk__in=[p.pk for p in people]),
                election=election,
                user=user,
                scope=f"{len(people)} observer(s) given new links",
            )
        return {person.pk: link_for(issue_token(person), base_url) for person in people}


def sms_line(code: str, form_codes: list[str]) -> str:
    form = form_codes[0] if form_codes else "FORM"
    return f"{form} {code} CODE ANSWER …"


def _live_form_codes(election: Election) -> list[str]:
    from pollwatch.checklists.models import Form

    return sorted(
        set(
            Form.objects.filter(election=election, state=Form.State.LIVE).values_list(
                "code", flat=True
            )
        )
    )


def _stations(people: list[Person], election: Election) -> dict[int, list[str]]:
    from pollwatch.observers.models import Deployment

    stations: dict[int, list[str]] = {}
    rows = Deployment.objects.filter(
        membership__election=election, membership__person__in=people
    ).values_list("membership__person_id", "station__code")
    for person_id, code in rows.order_by("station__code"):
        stations.setdefault(person_id, []).append(code)
    return stations


def card_rows(people: list[Person], links: dict[int, str], election: Election) -> list[dict]:
    """What each card shows, in the observer's language."""
    form_codes = _live_form_codes(election)
    stations = _stations(people, election)
    cards = []
    for person in people:
        language = language_of(person)
        cards.append(
            {
                "name": person.full_name,
                "code": person.code,
                "stations": stations.get(person.pk, []),
                "link": links[person.pk],
                "qr": qr_svg(links[person.pk]),
                "language": language,
                "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
                "instructions": INSTRUCTIONS[language],
                "sms_label": SMS_LABEL[language],
                "sms_line": sms_line(person.code, form_codes),
                "forms": form_codes,
            }
        )
    return cards


def _layout(cards: list[dict], election: Election):
    from weasyprint import HTML

    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    document = render_to_string(
        "observers/signin_cards.html", {"election": election, "pages": pages}
    )
    return HTML(string=document).render()


def cards_pdf(
    cards: list[dict], election: Election, progress: Callable[[int], None] | None = None
) -> bytes:
    """A4 pages of ``CARDS_PER_PAGE`` cards (two columns) with cut marks, laid out ``CHUNK_PAGES``
    pages at a time (one document of 2,000 cards took WeasyPrint 6 minutes; in chunks the time
    grows with the cards); ``progress`` is told the number of cards done after each chunk."""
    chunk = CARDS_PER_PAGE * CHUNK_PAGES
    documents = []
    for start in range(0, len(cards), chunk):
        documents.append(_layout(cards[start : start + chunk], election))
        if progress is not None:
            progress(min(start + chunk, len(cards)))
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def _audit_cards(
    people: list[Person], *, election: Election, user: User, selection: str, revoke_older: bool
) -> None:
    record(
        "signin.cards_printed",
        actor=user.get_username(),
        election_id=election.pk,
        payload={
            "observers": len(people),
            "people": [p.code for p in people],
            "selection": selection,
            "revoked_older": revoke_older,
        },
    )


def print_cards(
    people: list[Person],
    base_url: str,
    *,
    revoke_older: bool,
    election: Election,
    user: User,
    selection: str,
) -> bytes:
    """Issue a new link per person and lay them out as cards; audited (how many, whom)."""
    with transaction.atomic():
        links = new_links(people, base_url, revoke_older=revoke_older, election=election, user=user)
        _audit_cards(
            people, election=election, user=user, selection=selection, revoke_older=revoke_older
        )
    return cards_pdf(card_rows(people, links, election), election)


def email_body(person: Person, link: str, election: Election) -> str:
    steps = "\n".join(f"{n}. {s}" for n, s in enumerate(INSTRUCTIONS[language_of(person)], 1))
    return f"{person.full_name} ({person.code}),\n\n{link}\n\n{steps}\n\n{election.name}\n"


def send_email_link(person: Person, base_url: str, election: Election) -> None:
    """A new link by e-mail through Django's mail (MAILERS / EMAIL_* settings)."""
    from pollwatch.messaging.outbox import ComposeError
    from pollwatch.submissions.views import issue_token

    if not person.email:
        raise ComposeError({"email": f"{person.full_name} has no e-mail address"})
    with transaction.atomic():
        link = link_for(issue_token(person), base_url)
        send_mail(
            EMAIL_SUBJECT.format(site=settings.SITE_NAME, election=election.name),
            email_body(person, link, election),
            None,
            [person.email],
        )


def send_links(
    people: list[Person],
    channel: str,
    base_url: str,
    *,
    revoke_older: bool,
    election: Election,
    user: User,
    selection: str,
) -> tuple[list[Person], list[tuple[Person, str]]]:
    """Send each person a new link by ``channel`` ("sms" through the outbox, "email"); returns
    (sent, skipped with the reason). One audit event names whom and how many."""
    from pollwatch.messaging.outbox import ComposeError
    from pollwatch.messaging.phones import send_signin_link

    if channel not in ("sms", "email"):
        raise ValueError(f"unknown channel {channel!r}: use sms or email")
    sent: list[Person] = []
    skipped: list[tuple[Person, str]] = []
    with transaction.atomic():
        if revoke_older and people:
            revoke_links(
                Person.objects.filter(pk__in=[p.pk for p in people]),
                election=election,
                user=user,
                scope=f"{len(people)} observer(s) sent new links",
            )
        for person in people:
            try:
                # A savepoint each: one refused message leaves no orphan token behind.
                with transaction.atomic():
                    if channel == "sms":
                        send_signin_link(person, base_url, user)
                    else:
                        send_email_link(person, base_url, election)
            except ComposeError as exc:
                skipped.append((person, "; ".join(exc.problems.values())))
            else:
                sent.append(person)
        record(
            f"signin.sent_{channel}",
            actor=user.get_username(),
            election_id=election.pk,
            payload={
                "sent": len(sent),
                "people": [p.code for p in sent],
                "skipped": [p.code for p, _ in skipped],
                "selection": selection,
                "revoked_older": revoke_older,
            },
        )
    return sent, skipped


def card_job_path(job: CardJob) -> Path:
    return Path(settings.DATA_DIR) / "cards" / f"signin-cards-{job.pk}.pdf"


def start_card_job(
    people: list[Person],
    base_url: str,
    *,
    revoke_older: bool,
    election: Election,
    user: User,
    selection: str,
) -> CardJob:
    """Queue a large print for the worker (``observers/tasks.py``); nothing is issued yet."""
    from pollwatch.observers.tasks import run_card_job

    with transaction.atomic():
        job = CardJob.objects.create(
            election=election,
            created_by=user,
            people=[p.pk for p in people],
            selection=selection,
            base_url=base_url,
            revoke_older=revoke_older,
        )
        run_card_job.enqueue(job.pk)  # in the transaction: no job without its task
    return job


def run_card_job(job: CardJob) -> CardJob:
    """Issue the links and lay out the cards, saving progress; ends "done" or "failed"."""
    CardJob.objects.filter(pk=job.pk).update(status=CardJob.Status.RUNNING)
    order = {pk: n for n, pk in enumerate(job.people)}
    people = sorted(Person.objects.filter(pk__in=job.people), key=lambda p: order[p.pk])
    try:
        with transaction.atomic():
            links = new_links(
                people,
                job.base_url,
                revoke_older=job.revoke_older,
                election=job.election,
                user=job.created_by,
            )
            _audit_cards(
                people,
                election=job.election,
                user=job.created_by,
                selection=job.selection,
                revoke_older=job.revoke_older,
            )
        rows = card_rows(people, links, job.election)

        def progress(done: int) -> None:
            CardJob.objects.filter(pk=job.pk).update(cards_done=done)

        pdf = cards_pdf(rows, job.election, progress)
        path = card_job_path(job)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        path.touch(mode=0o600)
        path.write_bytes(pdf)
    except Exception as exc:
        CardJob.objects.filter(pk=job.pk).update(
            status=CardJob.Status.FAILED, problem=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    CardJob.objects.filter(pk=job.pk).update(status=CardJob.Status.DONE, cards_done=len(people))
    job.refresh_from_db()
    return job


def collect_card_job(job: CardJob) -> bytes:
    """The finished PDF, deleted from the data folder as it is handed over (it holds live links)."""
    with transaction.atomic():
        locked = CardJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != CardJob.Status.DONE:
            raise ValueError(f"sign-in cards job {job.pk} is {locked.get_status_display()}")
        path = card_job_path(job)
        pdf = path.read_bytes()
        path.unlink()
        locked.status = CardJob.Status.COLLECTED
        locked.save(update_fields=["status"])
    return pdf
