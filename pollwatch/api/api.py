"""The read-only JSON API at /api/v1/ (django-ninja), for scripts and notebooks.

Authentication is a personal token (``Authorization: Bearer pw_…``, made on
/account/api-tokens/) or the browser's session. Reach is the web pages' own:
every endpoint asks the access helpers (``pollwatch.observers.access``,
``pollwatch.results.access``) and nothing else, so an election the user has
no role in is 404 and a role without reach is 403, as on the pages.

A token that is sent but unknown or revoked is 401 even when a session
cookie comes with it: a script must learn that its token no longer works.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, django_auth

from pollwatch.api import schemas as s
from pollwatch.api.access import can_view_reports, user_for_token
from pollwatch.elections.models import Area, Election, PollingStation
from pollwatch.lib.plainjson import jsonable
from pollwatch.observers.access import (
    Access,
    access_for,
    areas_for,
    election_for_user,
    elections_for_user,
    incidents_for,
    stations_for,
    submissions_for,
)
from pollwatch.results.access import can_see_analysis
from pollwatch.results.estimates import exit_poll_for, quick_count_for
from pollwatch.results.models import ForensicsRun, OfficialResult, PublishedPoll
from pollwatch.submissions.models import Incident, Submission

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
ERRORS: dict[int, Any] = {
    401: s.Error,
    403: s.Error,
    404: s.Error,
    422: s.ValidationErrors,
}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = user_for_token(token.strip())
        if user is None:
            raise AuthenticationError(message="Unknown or revoked API token")
        # The access helpers read request.user, as for a signed-in page.
        request.user = user
        return user


class LocalSwagger(DocsBase):
    """Swagger UI from the files django-ninja ships, served by us: no CDN, no inline script."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            # Swagger UI would otherwise load a badge from validator.swagger.io.
            "validatorUrl": None,
            "supportedSubmitMethods": ["get"],
        }
        return render(request, "api/docs.html", {"api": api, "swagger_settings": settings})


api = NinjaAPI(
    title="pollwatch API",
    version="1",
    description=(
        "Read-only access to an election's stations, observers' reports, estimates, official "
        "results and forensics, within the reach of the user's roles. See docs/api.md."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), django_auth],
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


def election_for_api(request: HttpRequest, slug: str) -> tuple[Election, Access]:
    """The web pages' ``election_for_user``, after refusing what cannot be a slug (as not found)."""
    if not SLUG.fullmatch(slug):
        raise Http404("No such election")
    return election_for_user(request, slug)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _area(access: Access, code: str) -> Area:
    area = areas_for(access).filter(code=code).first()
    if area is None:
        raise Http404("No such area")
    return area


def _subtree(area: Area) -> list[int]:
    return list(
        Area.objects.filter(election_id=area.election_id, path__startswith=area.path).values_list(
            "pk", flat=True
        )
    )


def _page(
    request: HttpRequest,
    query: Any,
    rows: Sequence[Any],
    key: Callable[[Any], Any],
    item: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """One page from ``limit + 1`` fetched rows; ``next`` continues after the last row's key."""
    more = len(rows) > query.limit
    shown = list(rows[: query.limit])
    following = None
    if more and shown:
        params = {k: v for k, v in request.GET.items() if k not in {"after", "offset"}}
        params["after"] = str(key(shown[-1]))
        following = f"{request.path}?{urlencode(params)}"
    return {
        "limit": query.limit,
        "offset": query.offset,
        "next": following,
        "items": [item(row) for row in shown],
    }


def _window(queryset: Any, query: Any) -> list[Any]:
    return list(queryset[query.offset : query.offset + query.limit + 1])


def _election_out(election: Election, access: Access) -> dict[str, Any]:
    return {
        "slug": election.slug,
        "name": election.name,
        "date": election.date,
        "kind": election.kind,
        "status": election.status,
        "country_code": election.country_code,
        "roles": sorted(access.roles),
        "reach": {
            "stations": access.can_view_stations(),
            "reports": can_view_reports(access),
            "analysis": can_see_analysis(access),
        },
    }


@api.get(
    "/elections",
    response={200: list[s.ElectionOut], 401: s.Error},
    operation_id="list_elections",
    tags=["elections"],
)
def list_elections(request: HttpRequest) -> list[dict[str, Any]]:
    """The elections the user has a role in, with the roles and what they reach."""
    out = []
    for election in elections_for_user(request.user):
        access = access_for(request.user, election)
        if access is not None:
            out.append(_election_out(election, access))
    return out


@api.get(
    "/elections/{slug}",
    response={200: s.ElectionOut, **ERRORS},
    operation_id="get_election",
    tags=["elections"],
)
def get_election(request: HttpRequest, slug: str) -> dict[str, Any]:
    election, access = election_for_api(request, slug)
    return _election_out(election, access)


def _station_out(station: PollingStation) -> dict[str, Any]:
    return {
        "code": station.code,
        "name": station.name,
        "area_code": station.area.code,
        "area_path": station.area_path,
        "registered_voters": station.registered_voters,
        "latitude": station.latitude,
        "longitude": station.longitude,
        "newly_included": station.newly_included,
        "abroad": station.abroad,
        "special": station.special,
    }


@api.get(
    "/elections/{slug}/stations",
    response={200: s.StationPage, **ERRORS},
    operation_id="list_stations",
    tags=["stations"],
)
def list_stations(request: HttpRequest, slug: str, query: Query[s.StationQuery]) -> dict[str, Any]:
    """Stations within the user's reach, by code; the whole frame for mission-wide roles."""
    _election, access = election_for_api(request, slug)
    _require(access.can_view_stations(), "Your role does not list polling stations")
    stations = stations_for(access).select_related("area")
    if query.area:
        stations = stations.filter(area_id__in=_subtree(_area(access, query.area)))
    if query.after:
        stations = stations.filter(code__gt=query.after)
    rows = _window(stations.order_by("code"), query)
    return _page(request, query, rows, lambda station: station.code, _station_out)


def _submission_out(submission: Submission) -> dict[str, Any]:
    return {
        "id": submission.pk,
        "client_uuid": str(submission.client_uuid),
        "form_code": submission.form.code,
        "form_version": submission.form.version,
        "form_kind": submission.form.kind,
        "station_code": submission.station.code,
        "observer_code": submission.observer.person.code,
        "source": submission.source,
        "status": submission.status,
        "revision": submission.revision,
        "conflict": submission.conflict,
        "critical": submission.critical,
        "problems": submission.problems,
        "answers": submission.answers,
        "observed_at": submission.observed_at,
        "created": submission.created,
        "updated": submission.updated,
    }


@api.get(
    "/elections/{slug}/submissions",
    response={200: s.SubmissionPage, **ERRORS},
    operation_id="list_submissions",
    tags=["reports"],
)
def list_submissions(
    request: HttpRequest, slug: str, query: Query[s.SubmissionQuery]
) -> dict[str, Any]:
    """Submissions within reach, oldest first: all (mission-wide roles), a supervisor's areas, an observer's own."""
    _election, access = election_for_api(request, slug)
    _require(can_view_reports(access), "Your role does not read observers' reports")
    submissions = submissions_for(access).select_related("form", "station", "observer__person")
    if query.status:
        submissions = submissions.filter(status=query.status)
    if query.form:
        submissions = submissions.filter(form__code=query.form)
    if query.station:
        submissions = submissions.filter(station__code=query.station)
    if query.after is not None:
        submissions = submissions.filter(pk__gt=query.after)
    rows = _window(submissions.order_by("pk"), query)
    return _page(request, query, rows, lambda submission: submission.pk, _submission_out)


def _incident_out(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "submission_id": incident.submission_id,
        "form_code": incident.submission.form.code,
        "station_code": incident.station.code,
        "observer_code": incident.submission.observer.person.code,
        "severity": incident.severity,
        "severity_label": Incident.Severity(incident.severity).name.capitalize(),  # English, stable
        "status": incident.status,
        "summary": incident.summary,
        "created": incident.created,
    }


@api.get(
    "/elections/{slug}/incidents",
    response={200: s.IncidentPage, **ERRORS},
    operation_id="list_incidents",
    tags=["reports"],
)
def list_incidents(
    request: HttpRequest, slug: str, query: Query[s.IncidentQuery]
) -> dict[str, Any]:
    """Incidents within reach (the submissions' reach), oldest first."""
    _election, access = election_for_api(request, slug)
    _require(can_view_reports(access), "Your role does not read observers' reports")
    incidents = incidents_for(access).select_related(
        "station", "submission__form", "submission__observer__person"
    )
    if query.status:
        incidents = incidents.filter(status=query.status)
    if query.severity is not None:
        incidents = incidents.filter(severity__gte=query.severity)
    if query.station:
        incidents = incidents.filter(station__code=query.station)
    if query.after is not None:
        incidents = incidents.filter(pk__gt=query.after)
    rows = _window(incidents.order_by("pk"), query)
    return _page(request, query, rows, lambda incident: incident.pk, _incident_out)


def analysis_for_api(request: HttpRequest, slug: str) -> Election:
    election, access = election_for_api(request, slug)
    _require(can_see_analysis(access), "The analysis is for analysts, coordinators and admins")
    return election


@api.get(
    "/elections/{slug}/estimates/quick-count",
    response={200: s.QuickCountOut, **ERRORS},
    operation_id="get_quick_count",
    tags=["analysis"],
)
def get_quick_count(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The quick count (PVT) from observers' result forms, nationally and per region."""
    return jsonable(quick_count_for(analysis_for_api(request, slug)))


@api.get(
    "/elections/{slug}/estimates/exit-poll",
    response={200: s.ExitPollOut, **ERRORS},
    operation_id="get_exit_poll",
    tags=["analysis"],
)
def get_exit_poll(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Our exit poll from the interview tallies."""
    return jsonable(exit_poll_for(analysis_for_api(request, slug)))


def _result_out(result: OfficialResult) -> dict[str, Any]:
    return {
        "station_code": result.station.code,
        "registered": result.registered,
        "ballots_issued": result.ballots_issued,
        "ballots_cast": result.ballots_cast,
        "invalid": result.invalid,
        "valid": result.valid,
        "votes": result.votes,
        "flags": result.flags,
    }


@api.get(
    "/elections/{slug}/official-results",
    response={200: s.OfficialResultPage, **ERRORS},
    operation_id="list_official_results",
    tags=["analysis"],
)
def list_official_results(
    request: HttpRequest, slug: str, query: Query[s.ResultQuery]
) -> dict[str, Any]:
    """The imported official protocol of each station, by station code."""
    election, access = election_for_api(request, slug)
    _require(can_see_analysis(access), "The analysis is for analysts, coordinators and admins")
    results = OfficialResult.objects.filter(election=election).select_related("station")
    if query.area:
        results = results.filter(station__area_id__in=_subtree(_area(access, query.area)))
    if query.after:
        results = results.filter(station__code__gt=query.after)
    rows = _window(results.order_by("station__code"), query)
    return _page(request, query, rows, lambda result: result.station.code, _result_out)


@api.get(
    "/elections/{slug}/published-polls",
    response={200: list[s.PublishedPollOut], **ERRORS},
    operation_id="list_published_polls",
    tags=["analysis"],
)
def list_published_polls(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """Figures others announced (broadcasters' exit polls, preliminary results), newest first."""
    election = analysis_for_api(request, slug)
    return [
        {
            "id": poll.pk,
            "source": poll.source,
            "kind": poll.kind,
            "announced_at": poll.announced_at,
            "shares": poll.shares,
            "turnout": poll.turnout,
            "url": poll.url,
            "note": poll.note,
            "created": poll.created,
        }
        for poll in PublishedPoll.objects.filter(election=election).order_by("-created", "-pk")
    ]


@api.get(
    "/elections/{slug}/forensics",
    response={200: s.ForensicsOut, **ERRORS},
    operation_id="get_forensics",
    tags=["analysis"],
)
def get_forensics(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The latest finished forensics run on the official results; 404 when none has finished."""
    election = analysis_for_api(request, slug)
    run = (
        ForensicsRun.objects.filter(
            election=election, status=ForensicsRun.Status.DONE, result__isnull=False
        )
        .order_by(F("finished").desc(nulls_last=True), "-created", "-pk")
        .first()
    )
    if run is None:
        raise Http404("No finished forensics run")
    return {
        "id": run.pk,
        "status": run.status,
        "stations": run.stations,
        "replicates": run.replicates,
        "created": run.created,
        "finished": run.finished,
        "result": run.result,
    }
