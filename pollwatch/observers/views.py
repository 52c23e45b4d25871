from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.elections.forms import MappingForm
from pollwatch.elections.importers import ImportFailed, import_limits, store_raw_file
from pollwatch.elections.models import Area, Election
from pollwatch.lib.columns import guess_mapping, normalise, unmapped_columns
from pollwatch.lib.tabular import TableError, read_rows
from pollwatch.messaging.access import can_message
from pollwatch.observers import deploy
from pollwatch.observers.access import (
    Access,
    can_deploy,
    can_take_calls,
    deployments_for,
    election_for_user,
    incidents_for,
    people_for,
    person_for_user,
    stations_for,
    submissions_for,
)
from pollwatch.observers.models import CallerPin, Deployment, Membership, Role
from pollwatch.observers.signin_views import signin_context
from pollwatch.submissions.clerk import calls_context


@login_required
def people(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = election_for_user(request, slug)
    request.election = election
    if not access.can_view_people():
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    qs = people_for(access)
    if query:
        qs = qs.filter(
            Q(full_name__icontains=query) | Q(code__iexact=query) | Q(phone__contains=query)
        )
    if role in Role.values:
        qs = qs.filter(memberships__election=election, memberships__role=role)
    page = Paginator(qs.order_by("full_name", "pk"), 50).get_page(request.GET.get("page"))
    roles = {
        m.person_id: m
        for m in Membership.objects.filter(
            election=election, person__in=page.object_list
        ).select_related("area")
    }
    rows = [(person, roles.get(person.pk)) for person in page.object_list]
    template = "observers/_people_table.html" if request.htmx else "observers/people.html"
    return render(
        request,
        template,
        {
            "election": election,
            "page": page,
            "rows": rows,
            "query": query,
            "role": role,
            "roles": Role.choices,
        },
    )


PERSON_REPORTS_SHOWN = 50


@login_required
def person_detail(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    person, can_write = person_for_user(request, slug, code)
    election, access = election_for_user(request, slug)
    request.election = election
    memberships = person.memberships.filter(election=election).select_related("area", "team")
    deployments = (
        deployments_for(access).filter(membership__person=person).select_related("station")
    )
    context = {
        "election": election,
        "person": person,
        "memberships": memberships,
        "deployments": deployments,
        "can_write": can_write,
        "is_observer": any(m.role == Role.OBSERVER for m in memberships),
        "has_caller_pin": CallerPin.objects.filter(person=person).exists(),
        "can_take_calls": can_take_calls(access),
        "can_message": can_message(access),
        "can_deploy": can_deploy(access),
        # What they sent and what it raised, within the user's reach (as on a station's page).
        "reports": submissions_for(access)
        .filter(observer__person=person)
        .select_related("form", "station", "observer__person")
        .order_by("-created", "-pk")[:PERSON_REPORTS_SHOWN],
        "report_count": submissions_for(access).filter(observer__person=person).count(),
        "incidents": incidents_for(access)
        .filter(submission__observer__person=person)
        .select_related("station", "submission__form")
        .order_by("-created")[:PERSON_REPORTS_SHOWN],
        "with_station": True,
    }
    context.update(signin_context(access, person))
    # The call log (submissions/clerk.py): calls with this person, for those who may see them.
    context.update(
        calls_context(access, person=person),
        call_people=None,
        call_stations=[d.station for d in deployments],
    )
    return render(request, "observers/person.html", context)


@login_required
def deployments(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = election_for_user(request, slug)
    request.election = election
    if not access.can_view_deployments():
        raise PermissionDenied
    qs = deployments_for(access).select_related("membership__person", "station", "station__area")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        qs = qs.filter(
            Q(station__code__istartswith=query)
            | Q(station__name__icontains=query)
            | Q(membership__person__full_name__icontains=query)
            | Q(membership__person__code__iexact=query)
        )
    area_code = request.GET.get("area", "").strip()
    if area_code:
        area = Area.objects.filter(election=election, code=area_code).first()
        if area is None:
            raise Http404("No such area")
        qs = qs.filter(station__area_path__startswith=area.path)
    page = Paginator(qs.order_by("station__code", "pk"), 50).get_page(request.GET.get("page"))
    template = "observers/_deployments_table.html" if request.htmx else "observers/deployments.html"
    return render(
        request,
        template,
        {
            "election": election,
            "page": page,
            "query": query,
            "area": area_code,
            "areas": Area.objects.filter(election=election, level__lte=2).order_by("path"),
            "own_only": access.roles == {Role.OBSERVER},
            "can_deploy": can_deploy(access),
        },
    )


def _deployer(request: PollwatchRequest, slug: str) -> tuple[Election, Access]:
    """The election, for a user who may change its deployments (403 otherwise, 404 outside it)."""
    election, access = election_for_user(request, slug)
    request.election = election
    if not can_deploy(access):
        raise PermissionDenied
    return election, access


def _back(request: PollwatchRequest, slug: str) -> HttpResponseRedirect:
    """To the page the form was on (``next``, this site only), else the deployments page."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("deployments", args=[slug])
    return HttpResponseRedirect(target)


@login_required
@require_POST
def deployment_assign(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Assign an observer to a station, or move their primary deployment there (audited)."""
    election, access = _deployer(request, slug)
    try:
        membership = deploy.observer_membership(election, request.POST.get("observer", ""))
        code = request.POST.get("station", "")
        station = stations_for(access).filter(code=code.strip()).first()
        if station is None:
            raise deploy.DeploymentError(
                f"station: no station with code {code!r} within your reach"
            )
        with transaction.atomic():
            change = deploy.assign(
                membership,
                station,
                reserve=request.POST.get("reserve") == "1",
                actor=request.user.get_username(),
            )
    except deploy.DeploymentError as exc:
        messages.error(request, _("Not deployed: %(problem)s") % {"problem": exc})
        return _back(request, slug)
    who = f"{membership.person.full_name} ({membership.person.code})"
    if change.action == "moved" and change.before:
        messages.success(
            request,
            _("%(who)s moved from %(before)s to %(station)s.")
            % {"who": who, "before": change.before, "station": station.code},
        )
    elif change.action == "unchanged":
        messages.info(
            request,
            _("%(who)s was already deployed at %(station)s.")
            % {"who": who, "station": station.code},
        )
    else:
        messages.success(
            request,
            _("%(who)s deployed at %(station)s.") % {"who": who, "station": station.code},
        )
    return _back(request, slug)


@login_required
@require_POST
def deployment_remove(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    election, access = _deployer(request, slug)
    deployment = (
        deployments_for(access)
        .filter(pk=pk)
        .select_related("membership__person", "station")
        .first()
    )
    if deployment is None:
        raise Http404("No such deployment")
    with transaction.atomic():
        deploy.remove(deployment, actor=request.user.get_username())
    messages.success(
        request,
        _("%(name)s no longer deployed at %(station)s.")
        % {"name": deployment.membership.person.full_name, "station": deployment.station.code},
    )
    return _back(request, slug)


# A stored upload travels between the two steps in a signed, hour-long token: the browser
# never names a file on the server.
UPLOAD_SALT = "pollwatch.deployments.upload"
UPLOAD_MAX_AGE = 3600
PREVIEW_ROWS = 5


@login_required
def deployment_import(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Deploy from a CSV/XLSX in two steps: upload (the raw file is kept), then the guessed
    column mapping and the first rows, which the user corrects and confirms; every row is then
    checked, all or nothing."""
    election, access = _deployer(request, slug)
    context: dict = {"election": election, "fields": deploy.DEPLOYMENT_FIELDS}
    if request.method != "POST":
        return render(request, "observers/deployment_import.html", context)
    upload = request.FILES.get("file")
    if upload is not None:
        name = upload.name or "deployments.csv"
        with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as temporary:
            for chunk in upload.chunks():
                temporary.write(chunk)
            temporary.flush()
            relative, _sha, _size = store_raw_file(Path(temporary.name), name)
        stored = {
            "path": relative,
            "name": name,
            "encoding": request.POST.get("encoding") or "utf-8",
        }
        confirmed = False
    elif request.POST.get("stored"):
        try:
            stored = signing.loads(request.POST["stored"], salt=UPLOAD_SALT, max_age=UPLOAD_MAX_AGE)
        except signing.BadSignature:
            context["problem"] = _("The upload has expired or was altered: upload the file again.")
            return render(request, "observers/deployment_import.html", context, status=400)
        confirmed = True
    else:
        context["problem"] = _("Choose a file to upload.")
        return render(request, "observers/deployment_import.html", context, status=400)
    path = Path(settings.MEDIA_ROOT) / stored["path"]
    try:
        header, rows = read_rows(path, stored["encoding"], import_limits(), first_rows=PREVIEW_ROWS)
        sample = list(rows)
    except TableError as exc:
        context["problem"] = f"{stored['name']}: {exc}"
        return render(request, "observers/deployment_import.html", context, status=400)
    fields = [(f.key, f.label, f.required, f.many) for f in deploy.DEPLOYMENT_FIELDS]
    guessed = guess_mapping(header, deploy.DEPLOYMENT_FIELDS, deploy.DEPLOYMENT_PRESETS)
    form = MappingForm(header, fields, request.POST if confirmed else None, initial=guessed)
    mapping = guessed
    status = 200
    if confirmed:
        status = 400
        if form.is_valid():
            mapping = form.mapping()
            try:
                result = deploy.import_deployments(
                    election,
                    path,
                    encoding=stored["encoding"],
                    mapping=mapping,
                    actor=request.user.get_username(),
                )
            except ImportFailed as exc:
                context.update(errors=exc.errors, error_total=exc.total)
            except TableError as exc:
                context["problem"] = f"{stored['name']}: {exc}"
            else:
                messages.success(
                    request,
                    _(
                        "Deployments from %(file)s: %(assigned)s assigned, %(moved)s moved, "
                        "%(unchanged)s unchanged."
                    )
                    % {
                        "file": stored["name"],
                        "assigned": result.assigned,
                        "moved": result.moved,
                        "unchanged": result.unchanged,
                    },
                )
                return HttpResponseRedirect(reverse("deployments", args=[slug]))
    context.update(
        stored=stored,
        token=signing.dumps(stored, salt=UPLOAD_SALT),
        form=form,
        header=header,
        sample=sample,
        unmapped=unmapped_columns(header, mapping),
    )
    return render(request, "observers/deployment_import.html", context, status=status)


ADDRESS_COLUMNS = {"address", "station address", "adres", "адрес", "adresse", "direccion"}


def station_address(extra: dict) -> str:
    """The address kept from the stations file (an extra attribute), whatever its column's case."""
    for key, value in (extra or {}).items():
        if normalise(str(key)) in ADDRESS_COLUMNS and value:
            return str(value)
    return ""


def _print_regions(access: Access) -> list[tuple[Area, list[tuple[Deployment, str]]]]:
    """Each region (level-1 area) with its (deployment, address) rows, in station order; empty regions left out."""
    rows = list(
        deployments_for(access)
        .select_related("membership__person", "station")
        .order_by("station__area_path", "station__code", "reserve", "membership__person__code")
    )
    regions = []
    for region in Area.objects.filter(election=access.election, level=1).order_by("code"):
        within = [
            (d, station_address(d.station.extra))
            for d in rows
            if d.station.area_path.startswith(region.path)
        ]
        if within:
            regions.append((region, within))
    return regions


# The printable lists carry their print styles inline (WeasyPrint reads the same HTML); the
# browser applies them under this response's nonce (the site's policy refuses inline styles).
PRINT_CSP: dict[str, Any] = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.NONCE]}


@login_required
@csp_override(PRINT_CSP)
def deployment_print(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Printable deployment lists, one region per page: HTML (print CSS) or ``?format=pdf``."""
    election, access = election_for_user(request, slug)
    request.election = election
    if not (access.roles & PRINT_ROLES):
        raise PermissionDenied
    html = render_to_string(
        "observers/deployment_print.html",
        {"election": election, "regions": _print_regions(access)},
        request=request,
    )
    if request.GET.get("format") != "pdf":
        return HttpResponse(html)
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="deployments-{election.slug}.pdf"'
    return response


# Printed lists carry phone numbers: the staff who see every deployment or their areas'.
PRINT_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.CLERK, Role.SUPERVISOR}
