from __future__ import annotations

import hashlib
import json
import logging
import secrets
import string
import time
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.gzip import re_accepts_gzip
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from pollwatch.accounts.boundary import Body, content_length, read_body, stores_raw_first
from pollwatch.accounts.http import PollwatchRequest, client_ip
from pollwatch.accounts.models import TokenBucket
from pollwatch.checklists.models import Form
from pollwatch.formspec.titles import geopoint_text
from pollwatch.observers.access import (
    areas_for,
    can_correct,
    can_see_coverage,
    election_for_user,
    messages_for,
    person_for_user,
    photo_submission_for_user,
    photo_submissions_for,
    submission_for_user,
    submissions_for,
)
from pollwatch.observers.models import Deployment, Person, Role
from pollwatch.submissions import intake, lookups, quotas
from pollwatch.submissions.clerk import answer_checks, calls_context
from pollwatch.submissions.gateways import BadMessage, gateways
from pollwatch.submissions.models import Inbound, ObserverToken, Submission
from pollwatch.submissions.photo_listing import photo_item
from pollwatch.submissions.photos import photo_digests, photo_file
from pollwatch.submissions.search import search_submissions

log = logging.getLogger("pollwatch.sms")
UNAUTHENTICATED_RAW_LIMIT = 10_000


def deliver_reply(sender: str, reply: str, inbound: Inbound | None = None) -> None:
    """The reply goes back in the gateway's answer; a copy is kept in the person's thread
    (pollwatch/messaging) and in the outbox (the console, or a file the demo and tests read)."""
    if not reply:
        return
    from pollwatch.messaging.outbox import record_reply
    from pollwatch.submissions.gateways.console import write

    if inbound is not None:
        record_reply(inbound, reply)
    write(sender, reply)


@csrf_exempt
@stores_raw_first
@require_POST
def sms_webhook(request: HttpRequest, gateway: str) -> HttpResponse:
    """One inbound SMS from a gateway; the reply goes back in the gateway's own format.

    Every post is kept raw before it is judged (a wrong secret's only while
    they come slowly from one address, and without its body when the gateway's
    secret travels in a header); a body over ``SMS_MAX_BYTES`` by its size,
    sha256 and first 4 KB.
    """
    module = gateways().get(gateway)
    if module is None:
        raise Http404("No such SMS gateway")
    if getattr(module, "SECRET_IN_HEADERS", False) and not module.authenticate(request):
        # Refused before the body is read: nobody without the secret can hold a worker
        # by sending a body slowly (behind a buffering proxy they cannot anyway).
        if TokenBucket.authorize(f"sms-bad-secret:{client_ip(request)}", 20, 300):
            meta = {
                "remote": client_ip(request),
                "content_type": request.content_type,
                "declared_bytes": request.META.get("CONTENT_LENGTH") or "",
            }
            _refused(gateway, Body("", 0, "", False, None), meta, "wrong or missing gateway secret")
        return JsonResponse({"error": "wrong or missing gateway secret"}, status=403)
    body = read_body(request, settings.SMS_MAX_BYTES)
    meta = {"remote": client_ip(request), "content_type": request.content_type, "bytes": body.size}
    if body.too_large:
        # Not authenticated (a signature covers the whole body): kept only while it comes slowly.
        message = (
            f"the post is {body.size:,} bytes; at most {settings.SMS_MAX_BYTES:,} are accepted"
        )
        if TokenBucket.authorize(f"sms-too-large:{client_ip(request)}", 20, 300):
            _refused(gateway, body, meta, message)
        return JsonResponse({"error": message}, status=413)
    if not module.authenticate(request):
        if TokenBucket.authorize(f"sms-bad-secret:{client_ip(request)}", 20, 300):
            problem = "wrong or missing gateway secret"
            _refused(gateway, body, meta, problem, limit=UNAUTHENTICATED_RAW_LIMIT)
        return JsonResponse({"error": "wrong or missing gateway secret"}, status=403)
    try:
        sms = module.parse(request)
    except BadMessage as exc:
        _refused(gateway, body, meta, str(exc))
        return JsonResponse({"error": str(exc)}, status=400)
    result = intake.intake_sms(
        gateway, sms.sender, sms.text, external_id=sms.external_id, meta={**meta, **sms.meta}
    )
    deliver_reply(sms.sender, result.reply, result.inbound)
    return module.respond(result.reply, sms)


def _refused(gateway: str, body: Body, meta: dict, problem: str, limit: int | None = None) -> None:
    intake.store_inbound(
        Inbound.Channel.SMS,
        gateway,
        body.text[:limit],
        meta=meta,
        sha256=body.sha256,
        refused=problem,
    )


TOKEN_LAST_USED_EVERY = timedelta(minutes=10)  # a token's last use is written at most this often
_tokens: dict[str, tuple[float, Person]] = {}
_TOKEN = lookups.Joined(ObserverToken, ["person"], "{root}.token_hash = %s AND {root}.revoked = %s")


@lookups.on_change
def _forget_tokens(person_ids: set[int] | None) -> None:
    if person_ids is None:
        _tokens.clear()
        return
    for key, (_, person) in list(_tokens.items()):
        if person.pk in person_ids:
            _tokens.pop(key, None)


def person_for_token(request: HttpRequest) -> Person | None:
    return person_and_token(request)[0]


def person_and_token(request: HttpRequest) -> tuple[Person | None, str]:
    """The observer signed in by the app's token, and the token's hash (the key of its quotas).

    Each process remembers a token (``lookups.py``): a revoked one stops working on every host
    within about a second."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Token "):
        return None, ""
    token_hash = ObserverToken.hash(header[6:].strip())
    lookups.fresh()
    now = time.monotonic()
    cached = _tokens.get(token_hash)
    if cached is not None and cached[0] > now:
        return cached[1], token_hash
    found = _TOKEN.fetch(token_hash, False)
    token = found[0] if found else None
    if token is None:
        _tokens.pop(token_hash, None)
        return None, ""
    if token.last_used is None or timezone.now() - token.last_used > TOKEN_LAST_USED_EVERY:
        ObserverToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    _tokens[token_hash] = (now + lookups.LOOKUP_TTL, token.person)
    return token.person, token_hash


TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 32  # about 190 bits


def issue_token(person: Person) -> str:
    """A new sign-in token for the observer app; only its hash is kept.

    Letters and digits only: the link is printed on a card, and a "-" or "_" (as in a URL-safe
    token) is easily misread, and at the end of a printed line reads as a hyphenated break."""
    token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    ObserverToken.objects.create(person=person, token_hash=ObserverToken.hash(token))
    return token


def _unauthorised() -> JsonResponse:
    return JsonResponse(
        {"error": "sign in with your observer link (missing or revoked token)"}, status=401
    )


def api_me(request: HttpRequest) -> HttpResponse:
    """The observer app's start data: who I am, my deployments, the forms I fill.

    The app keeps the last answer and shows it at once, then asks again with
    ``If-None-Match``: the ETag is the sha256 of the JSON itself, so any change
    to a form, a deployment or the observer changes it, and an unchanged answer
    costs a 304 of a few hundred bytes. Compressed with gzip when the client
    accepts it (no secret rides in the body and the request needs the token
    header, which a cross-site page cannot add, so BREACH has nothing to find).
    """
    person = person_for_token(request)
    if person is None:
        return _unauthorised()
    body = json.dumps(_me_data(person), ensure_ascii=False, separators=(",", ":")).encode()
    tag = hashlib.sha256(body).hexdigest()[:32]
    gzipped = bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))
    if tag in _etags_asked(request):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(
            compress_string(body) if gzipped else body, content_type="application/json"
        )
        if gzipped:
            response["Content-Encoding"] = "gzip"
    # One content, two byte sequences: each coding gets its own strong tag (RFC 9110 8.8.3).
    response["ETag"] = f'"{tag}-gzip"' if gzipped else f'"{tag}"'
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Authorization", "Accept-Encoding"])
    return response


def _etags_asked(request: HttpRequest) -> set[str]:
    """The content hashes named by If-None-Match, whatever coding's tag (or a proxy's W/) was sent."""
    asked = set()
    for entry in request.headers.get("If-None-Match", "").split(","):
        value = entry.strip().removeprefix("W/").strip('"')
        asked.add(value.removesuffix("-gzip"))
    asked.discard("")
    return asked


def _me_data(person: Person) -> dict[str, Any]:
    deployments = Deployment.objects.filter(
        membership__person=person, membership__role=Role.OBSERVER
    ).select_related("station", "membership__election")
    elections = {d.membership.election for d in deployments}
    forms = [
        {
            "election": form.election.slug,
            "code": form.code,
            "name": form.name,
            "kind": form.kind,
            "phase": form.phase,
            "version": form.version,
            "spec": observer_spec(form.spec.to_dict(), person.language),
        }
        for form in Form.objects.filter(election__in=elections, active=True)
        .select_related("election")
        .order_by("election__slug", "code")
    ]
    from pollwatch.messaging.phones import open_check

    return {
        "observer": {"code": person.code, "name": person.full_name, "language": person.language},
        # A code was texted to the observer's phone: the app asks for it (docs/messages.md).
        "phone_check": open_check(person) is not None,
        "deployments": [
            {
                "election": d.membership.election.slug,
                "station": d.station.code,
                "name": d.station.name,
                "reserve": d.reserve,
            }
            for d in deployments
        ],
        "forms": forms,
    }


@csrf_exempt
@require_POST
def api_verify_phone(request: HttpRequest) -> HttpResponse:
    """POST {"code": "123456"}: the code texted to the observer's phone, typed into the app."""
    from pollwatch.messaging.phones import confirm, open_check

    person, _ = person_and_token(request)
    if person is None:
        return _unauthorised()
    body = read_body(request, 1024)
    try:
        payload = json.loads(body.text) if not body.too_large else None
    except ValueError:
        payload = None
    code = payload.get("code") if isinstance(payload, dict) else None
    if not isinstance(code, str) or not code.strip().isdigit() or len(code.strip()) != 6:
        return JsonResponse(
            {"error": 'send the six digits of the code as {"code": "123456"}'}, status=400
        )
    if open_check(person) is None:
        return JsonResponse({"error": "no code is waiting for this phone"}, status=409)
    if not confirm(person.phone, code.strip()):
        return JsonResponse(
            {"error": "that is not the code we sent, or it has expired"}, status=400
        )
    return JsonResponse({"verified": True})


# What the phone never reads: the spec's code, version, kind and phase (the form
# record beside it carries them) and the alert rules, which only the server applies.
_SERVER_ONLY = ("code", "version", "kind", "phase")
_QUESTION_SERVER_ONLY = ("critical", "severity")


def observer_spec(spec: dict[str, Any], language: str) -> dict[str, Any]:
    """A form spec (``FormSpec.to_dict()``) cut to what one observer's app uses.

    Texts keep the observer's language, the form's first language (the app's
    and validate.py's fallback) and English (the app's own fallback); the rest
    of the spec (codes, kinds, options, ranges, relevance, checks) is whole.
    """
    languages = list(spec.get("languages") or [])
    keep = {language, "en", *languages[:1]}

    def text(value: dict[str, str]) -> dict[str, str]:
        return {lang: words for lang, words in value.items() if lang in keep} or value

    def question(q: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in q.items() if k not in _QUESTION_SERVER_ONLY}
        out["label"] = text(q["label"])
        if "hint" in q:
            out["hint"] = text(q["hint"])
        if "options" in q:
            out["options"] = [{**o, "label": text(o["label"])} for o in q["options"]]
        return out

    slim = {k: v for k, v in spec.items() if k not in _SERVER_ONLY}
    slim["languages"] = [lang for lang in languages if lang in keep]
    slim["name"] = text(spec["name"])
    slim["groups"] = [
        {**g, "label": text(g["label"]), "questions": [question(q) for q in g["questions"]]}
        for g in spec.get("groups", [])
    ]
    if "checks" in spec:
        slim["checks"] = [{**c, "message": text(c["message"])} for c in spec["checks"]]
    return slim


@csrf_exempt
@stores_raw_first
def api_submissions(request: HttpRequest) -> HttpResponse:
    """POST a submission (JSON with client_uuid, form, station, answers); GET ?uuid=… for statuses.

    A post passes the intake contract's checks in order (docs/reporting.md):
    the token (401), the token's rate (429), the body's size (413), the token's
    bytes per day (429), then storable text and the JSON's shape (400). Each
    refusal is kept in the raw table, a body over the limit by its size, sha256
    and first 4 KB only.
    """
    person, token_hash = person_and_token(request)
    if person is None:
        return _unauthorised()
    if request.method == "GET":
        asked = request.GET.getlist("uuid")
        if not asked:
            # A new or wiped phone learns what its observer already sent.
            return JsonResponse({"submissions": intake.sent_by(person)})
        return JsonResponse({"submissions": intake.statuses(person, asked)})
    if request.method != "POST":
        return JsonResponse({"error": "use GET or POST"}, status=405)
    meta = {"remote": client_ip(request)}
    declared = content_length(request)
    # A report without a photo is read first and both quotas charged in one transaction;
    # a large post is refused by its rate before it is read.
    small = declared is not None and declared <= quotas.SMALL_POST
    if not small:
        wait, why = quotas.posts_wait(token_hash)
        if wait:
            return quotas.refuse(request, person, token_hash, 429, wait, why, meta)
    body = read_body(request, settings.OBSERVER_API_MAX_BYTES)
    if body.too_large:
        limit = settings.OBSERVER_API_MAX_BYTES
        message = f"the report is {body.size:,} bytes; at most {limit:,} are accepted"
        return quotas.refuse(request, person, token_hash, 413, 0, message, meta, body)
    charge = quotas.post_and_bytes_wait if small else quotas.bytes_wait
    # Quotas in the database and the report are written in one transaction: one commit per
    # report. With quotas in Redis the report's one INSERT commits by itself.
    with nullcontext() if settings.REDIS_URL else transaction.atomic():
        wait, why = charge(token_hash, body.size)
        if wait:
            return quotas.refuse(request, person, token_hash, 429, wait, why, meta, body)
        http, result = intake.intake_web(person, body, meta=meta)
    response = JsonResponse(result.as_dict(), status=http)
    if http == 202:
        response["Location"] = result.as_dict()["status_url"]
    return response


@login_required
def submissions(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Reports within the user's reach, searched by the filters of ``search.py``."""
    election, access = election_for_user(request, slug)
    request.election = election
    reports = submissions_for(access).select_related("form", "station", "observer__person")
    reports, search = search_submissions(reports, election, request.GET)
    page = Paginator(reports.order_by("-created", "-pk"), 50).get_page(request.GET.get("page"))
    forms = Form.objects.filter(election=election, active=True).order_by("code")
    template = "submissions/_table.html" if request.htmx else "submissions/list.html"
    return render(
        request,
        template,
        {
            "election": election,
            "page": page,
            "statuses": Submission.Status.choices,
            "sources": Inbound.Channel.values,
            "forms": forms,
            "areas": areas_for(access).filter(level__lte=2).order_by("path")[:500],
            "search": search.values,
            "problems": search.problems,
        },
        # htmx swaps in only a 2xx answer: there the problems are shown with a 200.
        status=400 if search.problems and not request.htmx else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def submission_detail(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    submission, reviewer = submission_for_user(request, slug, pk)
    request.election = submission.election
    photos = _photo_urls(request, submission)
    desk = can_correct(election_for_user(request, slug)[1])
    if request.method == "POST":
        if not reviewer:
            raise PermissionDenied
        action, reason = request.POST.get("action", ""), request.POST.get("reason", "").strip()
        if action not in {"verify", "reject", "quarantine"} or not reason:
            return render(
                request,
                "submissions/detail.html",
                _detail_context(
                    submission, reviewer, photos, "Choose an action and give a reason.", desk=desk
                ),
                status=400,
            )
        intake.decide(submission, action, reason=reason, actor=request.user)
        return redirect("submission", slug=slug, pk=pk)
    return render(
        request, "submissions/detail.html", _detail_context(submission, reviewer, photos, desk=desk)
    )


def _photo_urls(request: PollwatchRequest, submission: Submission) -> dict[str, str]:
    """Question code -> photo URL, for staff who may open this submission's photos; else empty."""
    codes = photo_digests(submission)
    if not codes:
        return {}
    _, access = election_for_user(request, submission.election.slug)
    if not photo_submissions_for(access).filter(pk=submission.pk).exists():
        return {}
    return {
        code: reverse("submission-photo", args=[submission.election.slug, submission.pk, code])
        for code in codes
    }


@login_required
def submission_photo(
    request: PollwatchRequest, slug: str, pk: int, code: str
) -> HttpResponse | FileResponse:
    """A protocol photo, full size, for staff who may see the submission (never an observer)."""
    submission = photo_submission_for_user(request, slug, pk)
    item = photo_item(submission, code, request.GET.get("r"))  # r: an earlier revision's photo
    found = photo_file(item.digest) if item else None
    if found is None:
        raise Http404("No such photo")
    path, media_type = found
    response = FileResponse(path.open("rb"), content_type=media_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _detail_context(
    submission: Submission,
    reviewer: bool,
    photos: dict[str, str],
    error: str = "",
    *,
    desk: bool = False,
) -> dict:
    """``desk``: the user corrects answers and checks them one by one (``clerk.py``)."""
    questions = (
        {q.code: q for q in submission.form.spec.questions}
        if hasattr(submission.form.spec, "questions")
        else {}
    )
    kept_photos = photo_digests(submission)
    checks = answer_checks(submission)
    rows = [
        (
            code,
            getattr(questions.get(code), "label", {}).get("en", "") if code in questions else "",
            "photo kept (shown to staff in review)"
            if code in kept_photos
            else geopoint_text(value)
            if getattr(questions.get(code), "kind", "") == "geopoint" and isinstance(value, str)
            else value,
            photos.get(code),
            checks.get(code),
        )
        for code, value in submission.answers.items()
        if code != "_location"  # shown above the answers, with its distance
    ]
    return {
        "submission": submission,
        "election": submission.election,
        "reviewer": reviewer,
        "desk": desk,
        "rows": rows,
        "revisions": submission.revisions.select_related("actor"),
        "error": error,
        **_raw_shown(submission.inbound.raw if submission.inbound else ""),
    }


RAW_SHOWN_CHARS = 20_000


def _raw_shown(raw: str) -> dict[str, Any]:
    """The raw message for the page: a post with a photo can be megabytes, so only its start."""
    return {"raw": raw[:RAW_SHOWN_CHARS], "raw_left_out": max(0, len(raw) - RAW_SHOWN_CHARS)}


@login_required
def person_messages(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    person, _ = person_for_user(request, slug, code)
    election, access = election_for_user(request, slug)
    request.election = election
    page = Paginator(messages_for(access, person).order_by("-received_at", "-pk"), 50).get_page(
        request.GET.get("page")
    )
    context = {"election": election, "person": person, "page": page}
    context.update(calls_context(access, person=person), call_people=None, call_stations=None)
    return render(request, "submissions/messages.html", context)


@login_required
def coverage(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Who has reported and who is silent, by area and phase; refreshed by HTMX every few seconds."""
    election, access = election_for_user(request, slug)
    request.election = election
    if not can_see_coverage(access):
        raise PermissionDenied
    from pollwatch.messaging.access import can_compose, can_message
    from pollwatch.submissions.coverage import coverage_table

    context = {
        "election": election,
        **coverage_table(access, request.GET.get("phase", "")),
        "can_compose": can_compose(access),
        "can_message": can_message(access),
    }
    template = "submissions/_coverage.html" if request.htmx else "submissions/coverage.html"
    return render(request, template, context)


# The app shell the service worker keeps (static names; the page and manifest are added by sw.js).
SHELL_STATIC = (
    "pollwatch/formlogic-0.1.js",
    "pollwatch/observer-app-0.1.js",
    "pollwatch/observer-app-0.1.css",
    "pollwatch/pollwatch-0.1.css",
    "pollwatch/favicon-0.1.svg",
)
SHELL_TEMPLATES = ("observer_app/app.html",)
_shell_version: dict[tuple, str] = {}


def shell_version() -> str:
    """A short hash of the package version and the shell's files as they are on disk.

    It is written into sw.js, so a deploy that changes any shell file changes
    sw.js too, and phones install the new worker (and its new cache) in the
    background. Recomputed only when a file's size or time changes.
    """
    from django.contrib.staticfiles import finders
    from django.template.loader import get_template

    import pollwatch

    paths = [finders.find(name) for name in SHELL_STATIC]
    paths += [get_template(name).origin.name for name in SHELL_TEMPLATES]  # type: ignore[attr-defined]
    stats = tuple((str(p), *_size_and_time(str(p))) for p in paths)
    if stats not in _shell_version:
        digest = hashlib.sha256(pollwatch.__version__.encode())
        for path, *_ in stats:
            digest.update(Path(path).read_bytes() if Path(path).is_file() else path.encode())
        _shell_version.clear()
        _shell_version[stats] = digest.hexdigest()[:16]
    return _shell_version[stats]


def _size_and_time(path: str) -> tuple[int, int]:
    try:
        stat = Path(path).stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


def observer_app(request: HttpRequest) -> HttpResponse:
    """The offline-first observer app; it signs in with the token in its link, not a session."""
    return render(request, "observer_app/app.html")


def observer_app_sw(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "observer_app/sw.js",
        {"version": shell_version(), "shell_static": SHELL_STATIC},
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


def observer_app_manifest(request: HttpRequest) -> HttpResponse:
    from django.templatetags.static import static

    return JsonResponse(
        {
            "name": "pollwatch observer",
            "short_name": "pollwatch",
            "start_url": "/o/",
            "scope": "/o/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#102a43",
            "icons": [
                {
                    "src": static("pollwatch/favicon-0.1.svg"),
                    "sizes": "any",
                    "type": "image/svg+xml",
                }
            ],
        },
        content_type="application/manifest+json",
    )
