"""Pages for observers' sign-in links: one person's (posted from their page) and the bulk page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.audit.models import record
from pollwatch.observers import signin
from pollwatch.observers.access import Access, election_for_user, person_for_user
from pollwatch.observers.models import CardJob, Person, Role, Team

BULK_LISTED = 200  # observers named on the bulk page before "and N more"


def _base_url(request: PollwatchRequest) -> str:
    return settings.PUBLIC_URL or request.build_absolute_uri("/")


def _user(request: PollwatchRequest) -> User:
    """The signed-in user (the views are behind ``login_required``)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _manager(request: PollwatchRequest, slug: str) -> Access:
    election, access = election_for_user(request, slug)
    request.election = election
    if not signin.can_manage_signin(access):
        raise PermissionDenied
    return access


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"  # it holds live sign-in links
    return response


@login_required
@require_POST
@never_cache
def person_signin(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    """One observer: revoke, issue (shown once), send by SMS or e-mail, print a card."""
    access = _manager(request, slug)
    person, _access = person_for_user(request, slug, code)
    election = access.election
    if not signin.observers_in(election).filter(pk=person.pk).exists():
        raise PermissionDenied  # staff sign in with a password, not an observer link
    user = _user(request)
    action = request.POST.get("action", "")
    revoke_older = request.POST.get("revoke_older") == "1"
    base = _base_url(request)
    if action == "revoke":
        count = signin.revoke_links(
            Person.objects.filter(pk=person.pk),
            election=election,
            user=user,
            scope=f"observer {person.code}",
        )
        messages.success(
            request,
            ngettext(
                "Revoked %(count)s sign-in link of %(name)s.",
                "Revoked %(count)s sign-in links of %(name)s.",
                count,
            )
            % {"count": count, "name": person.full_name},
        )
    elif action == "issue":
        links = signin.new_links(
            [person],
            base,
            revoke_older=revoke_older,
            election=election,
            user=user,
        )
        record(
            "signin.link_shown",
            actor=user.get_username(),
            election_id=election.pk,
            obj=person,
            payload={"revoked_older": revoke_older},
        )
        link = links[person.pk]
        return render(
            request,
            "observers/signin_issued.html",
            {"election": election, "person": person, "link": link, "qr": signin.qr_svg(link)},
        )
    elif action == "card":
        pdf = signin.print_cards(
            [person],
            base,
            revoke_older=revoke_older,
            election=election,
            user=user,
            selection=f"observer {person.code}",
        )
        return _pdf(pdf, f"signin-card-{person.code}.pdf")
    elif action in ("sms", "email"):
        sent, skipped = signin.send_links(
            [person],
            action,
            base,
            revoke_older=revoke_older,
            election=election,
            user=user,
            selection=f"observer {person.code}",
        )
        if sent:
            done = (
                _("A new sign-in link was sent to %(name)s by SMS.")
                if action == "sms"
                else _("A new sign-in link was sent to %(name)s by e-mail.")
            )
            messages.success(request, done % {"name": person.full_name})
        for _person, why in skipped:
            refused = (
                _("Not sent by SMS: %(why)s.")
                if action == "sms"
                else _("Not sent by e-mail: %(why)s.")
            )
            messages.error(request, refused % {"why": why})
    else:
        return HttpResponse(f"unknown action {action!r}", status=400)
    return redirect("person", slug=slug, code=code)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def bulk_signin(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Choose observers (area, team, codes, never signed in), see how many, then print their cards
    or send their links; each of these issues new links."""
    access = _manager(request, slug)
    election = access.election
    query = request.POST if request.method == "POST" else request.GET
    selection = signin.Selection.from_query(query)
    problem = ""
    try:
        people = list(selection.people(access))
    except ValueError as exc:
        people, problem = [], str(exc)
    context = {
        "election": election,
        "selection": selection,
        "codes_text": " ".join(selection.codes),
        "people": people[:BULK_LISTED],
        "count": len(people),
        "problem": problem,
        "teams": Team.objects.filter(election=election).order_by("name"),
        "background_from": signin.BACKGROUND_FROM,
        "filtered": any(k in query for k in ("area", "team", "codes", "never")),
    }
    if request.method == "POST" and not problem:
        action = request.POST.get("action", "")
        revoke_older = request.POST.get("revoke_older") == "1"
        user = _user(request)
        if not people:
            context["problem"] = _("No observer matches this selection.")
        elif action == "cards" and len(people) >= signin.BACKGROUND_FROM:
            job = signin.start_card_job(
                people,
                _base_url(request),
                revoke_older=revoke_older,
                election=election,
                user=user,
                selection=selection.describe(),
            )
            return redirect("card-job", slug=slug, pk=job.pk)
        elif action == "cards":
            pdf = signin.print_cards(
                people,
                _base_url(request),
                revoke_older=revoke_older,
                election=election,
                user=user,
                selection=selection.describe(),
            )
            return _pdf(pdf, f"signin-cards-{election.slug}.pdf")
        elif action in ("sms", "email"):
            sent, skipped = signin.send_links(
                people,
                action,
                _base_url(request),
                revoke_older=revoke_older,
                election=election,
                user=user,
                selection=selection.describe(),
            )
            context.update(channel=action, sent=sent, skipped=skipped)
        else:
            return HttpResponse(f"unknown action {action!r}", status=400)
    return render(request, "observers/signin.html", context)


def _card_job(request: PollwatchRequest, slug: str, pk: int) -> CardJob:
    access = _manager(request, slug)
    job = CardJob.objects.filter(election=access.election, pk=pk).first()
    if job is None:
        raise Http404("No such print of sign-in cards")
    return job


@login_required
@require_GET
@never_cache
def card_job(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """A large print's progress (polled by htmx), then its download button."""
    job = _card_job(request, slug, pk)
    template = "observers/_card_job.html" if request.htmx else "observers/card_job.html"
    return render(request, template, {"election": job.election, "job": job})


@login_required
@require_POST
@never_cache
def card_job_download(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """The finished PDF, once: it is deleted as it is handed over."""
    job = _card_job(request, slug, pk)
    try:
        pdf = signin.collect_card_job(job)
    except ValueError as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain")
    return _pdf(pdf, f"signin-cards-{job.election.slug}-{job.pk}.pdf")


def signin_context(access: Access, person: Person) -> dict:
    """What the person page's "Sign-in" section needs (empty for those who may not manage it)."""
    if not signin.can_manage_signin(access):
        return {"can_manage_signin": False}
    is_observer = person.memberships.filter(election=access.election, role=Role.OBSERVER).exists()
    return {"can_manage_signin": is_observer, "signin": signin.signin_status(person)}
