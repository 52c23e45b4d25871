"""Teams (members, areas, a mobile team's route) and reserves promoted in the sample design."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.audit.models import record
from pollwatch.elections.models import Area
from pollwatch.observers import reserves
from pollwatch.observers.access import (
    ALL_PEOPLE_ROLES,
    Access,
    can_deploy,
    election_for_user,
    people_for,
    submissions_for,
)
from pollwatch.observers.models import Membership, Role, RouteStop, Team
from pollwatch.results.models import SampledStation


def teams_for(access: Access) -> QuerySet[Team]:
    """Every team (admin, coordinator, clerk); a supervisor's: teams with an area in their areas."""
    teams = Team.objects.filter(election=access.election)
    if access.roles & ALL_PEOPLE_ROLES:
        return teams
    if Role.SUPERVISOR in access.roles:
        return teams.filter(access._path_filter("areas__path")).distinct()
    return teams.none()


def _may_see_teams(access: Access) -> bool:
    return bool(access.roles & (ALL_PEOPLE_ROLES | {Role.SUPERVISOR}))


@login_required
def teams(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = election_for_user(request, slug)
    request.election = election
    if not _may_see_teams(access):
        raise PermissionDenied
    if request.method == "POST":
        if not can_deploy(access):
            raise PermissionDenied
        name = request.POST.get("name", "").strip()[:200]
        if not name:
            messages.error(request, _("name: a team needs a name"))
        else:
            with transaction.atomic():
                team = Team.objects.create(
                    election=election, name=name, mobile=request.POST.get("mobile") == "1"
                )
                record(
                    "team.create",
                    actor=request.user.get_username(),
                    election_id=election.pk,
                    obj=team,
                    payload={"name": name, "mobile": team.mobile},
                )
            return HttpResponseRedirect(reverse("team", args=[slug, team.pk]))
    listed = teams_for(access).prefetch_related("areas").order_by("name")
    return render(
        request,
        "observers/teams.html",
        {"election": election, "teams": listed, "can_deploy": can_deploy(access)},
    )


@login_required
def team_detail(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    election, access = election_for_user(request, slug)
    request.election = election
    if not _may_see_teams(access):
        raise PermissionDenied
    team = teams_for(access).filter(pk=pk).first()
    if team is None:
        raise Http404("No such team")
    if request.method == "POST":
        if not can_deploy(access):
            raise PermissionDenied
        problem = _change_team(request, team)
        if problem:
            messages.error(request, problem)
        return HttpResponseRedirect(reverse("team", args=[slug, team.pk]))
    route = list(team.route.select_related("station").order_by("position"))
    reported = set(
        submissions_for(access)
        .filter(station__in=[stop.station for stop in route])
        .values_list("station_id", flat=True)
    )
    return render(
        request,
        "observers/team.html",
        {
            "election": election,
            "team": team,
            "members": team.members.filter(person__in=people_for(access))
            .select_related("person")
            .order_by("person__full_name"),
            "areas": team.areas.order_by("path"),
            "route": [(stop, stop.station_id in reported) for stop in route],
            "can_deploy": can_deploy(access),
        },
    )


def _change_team(request: PollwatchRequest, team: Team) -> str:
    """Add a member, add or remove an area or a route stop, move a stop up or down; an error
    message naming the field, or ''."""
    actor = request.user.get_username()
    action = request.POST.get("action", "")
    if action == "add-member":
        code = request.POST.get("observer", "").strip()
        membership = Membership.objects.filter(
            election=team.election, role=Role.OBSERVER, person__code=code
        ).first()
        if membership is None:
            return _("observer: no observer with code %(code)s in this election") % {
                "code": repr(code)
            }
        with transaction.atomic():
            before = membership.team_id
            membership.team = team
            membership.save(update_fields=["team"])
            record(
                "team.member",
                actor=actor,
                election_id=team.election_id,
                obj=membership,
                payload={"observer": code, "before": before, "after": team.pk},
            )
        return ""
    if action == "add-stop":
        if not team.mobile:
            return _("route: only a mobile team has a route")
        code = request.POST.get("station", "").strip()
        station = team.election.stations.filter(code=code).first()
        if station is None:
            return _("station: no station with code %(code)s in this election") % {
                "code": repr(code)
            }
        if team.route.filter(station=station).exists():
            return _("station: %(code)s is on the route already") % {"code": code}
        with transaction.atomic():
            last = team.route.aggregate(last=Max("position"))["last"] or 0
            stop = RouteStop.objects.create(team=team, station=station, position=last + 1)
            record(
                "team.route_add",
                actor=actor,
                election_id=team.election_id,
                obj=stop,
                payload={"team": team.name, "station": code, "position": stop.position},
            )
        return ""
    if action == "remove-stop":
        wanted = request.POST.get("stop", "")
        leaving = (
            team.route.filter(pk=int(wanted)).select_related("station").first()
            if wanted.isdigit()
            else None
        )
        if leaving is None:
            return "stop: not on this team's route"
        with transaction.atomic():
            record(
                "team.route_remove",
                actor=actor,
                election_id=team.election_id,
                obj=leaving,
                payload={"team": team.name, "station": leaving.station.code},
            )
            leaving.delete()
        return ""
    if action == "add-area":
        code = request.POST.get("area", "").strip()
        area = Area.objects.filter(election=team.election, code=code).first()
        if area is None:
            return _("area: no area with code %(code)s in this election") % {"code": repr(code)}
        if team.areas.filter(pk=area.pk).exists():
            return _("area: %(code)s is one of the team's areas already") % {"code": code}
        with transaction.atomic():
            team.areas.add(area)
            record(
                "team.area_add",
                actor=actor,
                election_id=team.election_id,
                obj=team,
                payload={"team": team.name, "area": code},
            )
        return ""
    if action == "remove-area":
        wanted = request.POST.get("area", "")
        area = team.areas.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        if area is None:
            return "area: not one of this team's areas"
        with transaction.atomic():
            team.areas.remove(area)
            record(
                "team.area_remove",
                actor=actor,
                election_id=team.election_id,
                obj=team,
                payload={"team": team.name, "area": area.code},
            )
        return ""
    if action == "move-stop":
        return _move_stop(team, request.POST.get("stop", ""), request.POST.get("to", ""), actor)
    return f"action: unknown {action!r}"


def _move_stop(team: Team, wanted: str, direction: str, actor: str) -> str:
    """Swap a route stop with the one before ("up") or after ("down") it; audited."""
    if direction not in ("up", "down"):
        return f"to: {direction!r} is not up or down"
    with transaction.atomic():
        route = list(team.route.select_for_update().select_related("station").order_by("position"))
        index = next((i for i, stop in enumerate(route) if str(stop.pk) == wanted), None)
        if index is None:
            return "stop: not on this team's route"
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(route):
            place = "first" if direction == "up" else "last"
            return f"stop: {route[index].station.code} is {place} on the route already"
        moving, neighbour = route[index], route[other]
        moving.position, neighbour.position = neighbour.position, moving.position
        RouteStop.objects.bulk_update([moving, neighbour], ["position"])
        record(
            "team.route_move",
            actor=actor,
            election_id=team.election_id,
            obj=moving,
            payload={
                "team": team.name,
                "station": moving.station.code,
                "position": moving.position,
                "swapped_with": neighbour.station.code,
            },
        )
    return ""


@login_required
def reserves_page(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Sampled stations and the reserves of their stratum: replace one by a reserve, or undo."""
    election, access = election_for_user(request, slug)
    request.election = election
    if not can_deploy(access):
        raise PermissionDenied
    design = reserves.imported_design(election)
    if request.method == "POST":
        if design is None:
            raise Http404("No imported sample design")
        actor = request.user.get_username()
        try:
            if request.POST.get("action") == "withdraw":
                reserves.withdraw(design, request.POST.get("reserve", ""), actor=actor)
                messages.success(request, _("Promotion withdrawn."))
            else:
                code, reserve = request.POST.get("sampled", ""), request.POST.get("reserve", "")
                reserves.promote(design, code, reserve, actor=actor)
                messages.success(
                    request,
                    _("%(code)s is replaced by reserve %(reserve)s.")
                    % {"code": code, "reserve": reserve},
                )
        except reserves.PromotionError as exc:
            messages.error(request, _("Not changed: %(problem)s") % {"problem": exc})
        return HttpResponseRedirect(reverse("reserves", args=[slug]))
    rows = []
    if design is not None:
        query = request.GET.get("q", "").strip()[:100]
        sampled = design.stations.filter(role=SampledStation.Role.SAMPLED).select_related("station")
        if query:
            sampled = sampled.filter(Q(station__code__istartswith=query) | Q(stratum__iexact=query))
        for row in sampled.order_by("stratum", "station__code")[:200]:
            rows.append(
                (
                    row,
                    reserves.replacement_of(design, row),
                    list(reserves.free_reserves(design, row.stratum)[:10]),
                )
            )
    return render(
        request,
        "observers/reserves.html",
        {"election": election, "design": design, "rows": rows, "query": request.GET.get("q", "")},
    )
