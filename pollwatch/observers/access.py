"""Who may see and change what: one helper per object (DESIGN §6.4).

Views never filter by role themselves; they ask these helpers. An election a
user has no role in is a 404, so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from pollwatch.elections.models import Area, Election, PollingStation
from pollwatch.observers.models import Deployment, Membership, Person, Role

# What each role may open, besides the mission home and the geography tree.
STATIONS_ROLES = {
    Role.ADMIN,
    Role.COORDINATOR,
    Role.ANALYST,
    Role.CLERK,
    Role.SUPERVISOR,
    Role.OBSERVER,
}
PEOPLE_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.CLERK, Role.SUPERVISOR}
DEPLOYMENT_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.CLERK, Role.SUPERVISOR, Role.OBSERVER}
# Roles whose reach is the whole election rather than an area or their own deployments.
MISSION_WIDE_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.ANALYST, Role.CLERK}
# Roles that see every person and deployment of the election (a call centre phones anyone).
ALL_PEOPLE_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.CLERK}
# The data desk: enter phoned-in reports, correct answers, check answers one by one. The
# clerk is not an analyst: estimates, forensics and reports stay closed (results/access.py).
DATA_DESK_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.CLERK}
# Protocol photos are for staff who review reports: the reach of ``photo_submissions_for``.
PHOTO_ROLES = MISSION_WIDE_ROLES | {Role.SUPERVISOR}


@dataclass
class Access:
    """A user's reach in one election."""

    election: Election
    roles: set[str]
    person: Person | None = None
    supervised_paths: list[str] = field(default_factory=list)

    @property
    def role_names(self) -> list[str]:
        """The roles' names in the page's language, in the order of ``Role``."""
        return [str(role.label) for role in Role if role in self.roles]

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def mission_wide(self) -> bool:
        return bool(self.roles & MISSION_WIDE_ROLES)

    def can_view_stations(self) -> bool:
        return bool(self.roles & STATIONS_ROLES)

    def can_view_people(self) -> bool:
        return bool(self.roles & PEOPLE_ROLES)

    def can_view_deployments(self) -> bool:
        return bool(self.roles & DEPLOYMENT_ROLES)

    def can_view_photos(self) -> bool:
        return bool(self.roles & PHOTO_ROLES)

    def can_import(self) -> bool:
        return self.is_admin

    def _path_filter(self, field_name: str) -> Q:
        query = Q(pk__in=[])
        for path in self.supervised_paths:
            query |= Q(**{f"{field_name}__startswith": path})
        return query


def access_for(user: User | AnonymousUser, election: Election) -> Access | None:
    """The user's Access in the election, or None when they have no role in it."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Access(election, {Role.ADMIN}, getattr(user, "person", None))
    memberships = list(
        Membership.objects.filter(election=election, person__user=user).select_related(
            "person", "area"
        )
    )
    if not memberships:
        return None
    roles = {m.role for m in memberships}
    supervised = [
        m.area.path for m in memberships if m.role == Role.SUPERVISOR and m.area is not None
    ]
    return Access(election, roles, memberships[0].person, supervised)


def elections_for_user(user: User | AnonymousUser) -> QuerySet[Election]:
    if not user.is_authenticated:
        return Election.objects.none()
    if user.is_superuser:
        return Election.objects.all()
    return Election.objects.filter(memberships__person__user=user).distinct()


def election_for_user(request: HttpRequest, slug: str) -> tuple[Election, Access]:
    """The election and the user's reach in it; 404 when the user has no role there."""
    election = Election.objects.filter(slug=slug).first()
    access = access_for(request.user, election) if election else None
    if election is None or access is None:
        raise Http404("No such election")
    return election, access


def stations_for(access: Access) -> QuerySet[PollingStation]:
    """Stations the user may list: all (mission-wide roles), their areas (supervisors), their own (observers)."""
    stations = PollingStation.objects.filter(election=access.election)
    if access.mission_wide:
        return stations
    query = Q(pk__in=[])
    if Role.SUPERVISOR in access.roles:
        query |= access._path_filter("area_path")
    if Role.OBSERVER in access.roles and access.person is not None:
        query |= Q(
            deployments__membership__person=access.person,
            deployments__membership__election=access.election,
        )
    if not (access.roles & STATIONS_ROLES):
        return stations.none()
    return stations.filter(query).distinct()


def station_for_user(request: HttpRequest, slug: str, code: str) -> tuple[PollingStation, bool]:
    """(station, can_write); 404 when the station is outside the user's reach."""
    election, access = election_for_user(request, slug)
    station = stations_for(access).filter(code=code).select_related("area").first()
    if station is None:
        raise Http404("No such station")
    can_write = access.is_admin or Role.COORDINATOR in access.roles
    return station, can_write


def areas_for(access: Access) -> QuerySet[Area]:
    """The geography tree is public within the mission: every member may see it."""
    return Area.objects.filter(election=access.election)


def people_for(access: Access) -> QuerySet[Person]:
    """People with a role in the election: everyone (admin, coordinator, clerk) or those in a
    supervisor's areas."""
    people = Person.objects.filter(memberships__election=access.election)
    if access.roles & ALL_PEOPLE_ROLES:
        return people.distinct()
    if Role.SUPERVISOR in access.roles:
        in_area = access._path_filter("memberships__area__path") | access._path_filter(
            "memberships__deployments__station__area_path"
        )
        return people.filter(in_area).distinct()
    return people.none()


def person_for_user(request: HttpRequest, slug: str, code: str) -> tuple[Person, bool]:
    """(person, can_write); 404 outside the user's reach."""
    election, access = election_for_user(request, slug)
    person = people_for(access).filter(code=code).first()
    if person is None:
        raise Http404("No such person")
    return person, access.is_admin or Role.COORDINATOR in access.roles


# Who assigns, moves and removes deployments. Supervisors do not: the access rules give them no
# write on people (``person_for_user``), so they see their areas' deployments read-only.
DEPLOY_ROLES = {Role.ADMIN, Role.COORDINATOR}


def can_deploy(access: Access) -> bool:
    return bool(access.roles & DEPLOY_ROLES)


def deployments_for(access: Access) -> QuerySet[Deployment]:
    """Deployments: all (admin, coordinator, clerk), in a supervisor's areas, or an observer's own."""
    deployments = Deployment.objects.filter(membership__election=access.election)
    if access.roles & ALL_PEOPLE_ROLES:
        return deployments
    query = Q(pk__in=[])
    if Role.SUPERVISOR in access.roles:
        query |= access._path_filter("station__area_path")
    if Role.OBSERVER in access.roles and access.person is not None:
        query |= Q(membership__person=access.person)
    if not (access.roles & DEPLOYMENT_ROLES):
        return deployments.none()
    return deployments.filter(query)


def can_see_coverage(access: Access) -> bool:
    """The Coverage page (who has reported, who is silent): mission-wide roles, and supervisors
    who chase their area's silent observers."""
    return access.mission_wide or Role.SUPERVISOR in access.roles


# Reports (submissions, incidents, inbound messages) follow the same reach as stations.
REVIEW_ROLES = {Role.ADMIN, Role.COORDINATOR}


def can_review(access: Access) -> bool:
    """Verify, reject, quarantine and edit submissions; change incident status."""
    return bool(access.roles & REVIEW_ROLES)


def can_take_calls(access: Access) -> bool:
    """Enter a report an observer phones in (and see every call logged)."""
    return bool(access.roles & DATA_DESK_ROLES)


def can_correct(access: Access) -> bool:
    """Correct a submission's answers (a new revision with a reason) and check answers one by one."""
    return bool(access.roles & DATA_DESK_ROLES)


def can_log_calls(access: Access) -> bool:
    """Log a call with a person in reach: the data desk, and supervisors who chase their observers."""
    return can_take_calls(access) or Role.SUPERVISOR in access.roles


def calls_for(access: Access):
    """Calls logged in the election: all for the data desk, a supervisor's people and stations.

    Observers see no call log at all, not even of their own calls: notes are the staff's.
    """
    from pollwatch.submissions.models import Call

    calls = Call.objects.filter(election=access.election)
    if can_take_calls(access):
        return calls
    if Role.SUPERVISOR in access.roles:
        return calls.filter(
            Q(person__in=people_for(access)) | access._path_filter("station__area_path")
        )
    return calls.none()


def _reports_within_reach(
    reports: QuerySet, access: Access, *, station: str, observer_person: str
) -> QuerySet:
    """Reports (submissions, incidents): all for mission-wide roles, a supervisor's areas, an observer's own."""
    if access.mission_wide:
        return reports
    query = Q(pk__in=[])
    if Role.SUPERVISOR in access.roles:
        query |= access._path_filter(f"{station}__area_path")
    if Role.OBSERVER in access.roles and access.person is not None:
        query |= Q(**{observer_person: access.person})
    return reports.filter(query)


def submissions_for(access: Access):
    from pollwatch.submissions.models import Submission

    return _reports_within_reach(
        Submission.objects.filter(election=access.election),
        access,
        station="station",
        observer_person="observer__person",
    )


def submission_for_user(request: HttpRequest, slug: str, pk: int):
    """(submission, can_review); 404 outside the user's reach."""
    election, access = election_for_user(request, slug)
    submission = (
        submissions_for(access)
        .filter(pk=pk)
        .select_related("form", "station", "observer__person")
        .first()
    )
    if submission is None:
        raise Http404("No such submission")
    return submission, can_review(access)


def photo_submissions_for(access: Access):
    """Submissions whose protocol photos the user may open: the staff reach of ``submissions_for``.

    Photos are for review. An observer's own reports are not in this reach: the observer role
    never opens a photo through the staff pages, whatever other role the person also holds.
    """
    return submissions_for(replace(access, roles=access.roles - {Role.OBSERVER}))


def photo_submission_for_user(request: HttpRequest, slug: str, pk: int):
    """The submission whose photos the user may open; 404 outside the staff reach."""
    election, access = election_for_user(request, slug)
    submission = photo_submissions_for(access).filter(pk=pk).select_related("form").first()
    if submission is None:
        raise Http404("No such submission")
    return submission


def incidents_for(access: Access):
    from pollwatch.submissions.models import Incident

    return _reports_within_reach(
        Incident.objects.filter(election=access.election),
        access,
        station="station",
        observer_person="submission__observer__person",
    )


# Incidents are triaged (status, assignee, notes) by the reviewers mission-wide and by
# supervisors in their areas: they are the ones who can call the station's observer.
TRIAGE_ROLES = REVIEW_ROLES | {Role.SUPERVISOR}


def can_triage(access: Access) -> bool:
    """Change an incident's status or assignee and write notes, on incidents within reach."""
    return bool(access.roles & TRIAGE_ROLES)


def triage_incidents_for(access: Access):
    """Incidents the user may change: those within reach of the roles that triage.

    A person who is both observer and supervisor changes only their area's incidents,
    not their own reports elsewhere."""
    if not can_triage(access):
        return incidents_for(access).none()
    return incidents_for(replace(access, roles=access.roles & TRIAGE_ROLES))


def incident_for_user(request: HttpRequest, slug: str, pk: int):
    """(incident, access); 404 outside the user's reach."""
    election, access = election_for_user(request, slug)
    incident = (
        incidents_for(access)
        .filter(pk=pk)
        .select_related("station", "submission__form", "submission__observer__person", "assignee")
        .first()
    )
    if incident is None:
        raise Http404("No such incident")
    return incident, access


def incident_assignees(election: Election, station: PollingStation | None = None):
    """Staff who may be given an incident: the election's admins and coordinators, and the
    supervisors whose area holds the station (all supervisors when no station is named)."""
    reviewers = Q(person__memberships__role__in=REVIEW_ROLES)
    supervisors = Q(person__memberships__role=Role.SUPERVISOR)
    if station is not None:
        parts = station.area_path.strip("/").split("/")
        above = ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
        supervisors &= Q(person__memberships__area__path__in=above)
    return (
        # One filter(): the election and the role must hold for the same membership.
        User.objects.filter(Q(person__memberships__election=election) & (reviewers | supervisors))
        .select_related("person")
        .distinct()
        .order_by("person__full_name", "username")
    )


def areas_within_reach(access: Access) -> QuerySet[Area]:
    """Areas whose reports the user may list: all (mission-wide), a supervisor's areas and
    those beneath, the areas holding an observer's stations; for filters, never the reach."""
    areas = Area.objects.filter(election=access.election)
    if access.mission_wide:
        return areas
    query = Q(pk__in=[])
    if Role.SUPERVISOR in access.roles:
        query |= access._path_filter("path")
    if Role.OBSERVER in access.roles and access.person is not None:
        paths = set(
            deployments_for(access)
            .filter(membership__person=access.person)
            .values_list("station__area_path", flat=True)
        )
        for path in paths:
            parts = path.strip("/").split("/")
            query |= Q(path__in=["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)])
    return areas.filter(query)


def messages_for(access: Access, person: Person):
    """A person's inbound messages (the SMS and web log), for those who may see the person."""
    from pollwatch.submissions.models import Inbound

    if not people_for(access).filter(pk=person.pk).exists() and access.person != person:
        return Inbound.objects.none()
    return Inbound.objects.filter(person=person)
