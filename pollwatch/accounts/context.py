"""Role-aware navigation for every page."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pollwatch.api.access import can_export
from pollwatch.checklists.access import can_read_forms
from pollwatch.media.access import can_see_media
from pollwatch.messaging.access import can_message
from pollwatch.observers.access import access_for, can_see_coverage, can_take_calls
from pollwatch.results.access import can_read_published, can_see_analysis


def navigation(request: HttpRequest) -> dict:
    """Links the user's roles in the current election allow; views put the election on request."""
    election = getattr(request, "election", None)
    if election is None or not request.user.is_authenticated:
        return {"nav": []}
    access = access_for(request.user, election)
    if access is None:
        return {"nav": []}
    links = [(_("Mission"), reverse("election-home", args=[election.slug]))]
    if access.can_view_stations():
        links.append((_("Stations"), reverse("stations", args=[election.slug])))
    if access.can_view_deployments():
        label = _("My stations") if access.roles == {"observer"} else _("Deployments")
        links.append((label, reverse("deployments", args=[election.slug])))
    if can_see_coverage(access):
        links.append((_("Coverage"), reverse("coverage", args=[election.slug])))
    if access.can_view_deployments() or access.mission_wide:
        links.append((_("Submissions"), reverse("submissions", args=[election.slug])))
        links.append((_("Incidents"), reverse("incidents", args=[election.slug])))
    if can_take_calls(access):
        links.append((_("Phone desk"), reverse("phone-caller", args=[election.slug])))
    if access.can_view_photos():
        links.append((_("Photos"), reverse("photos", args=[election.slug])))
    if can_see_analysis(access):
        links.append((_("Analysis"), reverse("quick-count", args=[election.slug])))
    elif can_read_published(access):
        links.append((_("Statements"), reverse("statements", args=[election.slug])))
    if can_export(access):
        links.append((_("Exports"), reverse("exports", args=[election.slug])))
    if can_see_media(access):
        links.append((_("Media"), reverse("media-home", args=[election.slug])))
    if can_message(access):
        links.append((_("Messages"), reverse("messages", args=[election.slug])))
    if access.can_view_people():
        links.append((_("People"), reverse("people", args=[election.slug])))
    if can_read_forms(access):
        links.append((_("Forms"), reverse("forms", args=[election.slug])))
    if access.roles & {"admin", "coordinator"}:
        links.append((_("Staff"), reverse("staff", args=[election.slug])))
        links.append((_("Setup"), reverse("election-setup", args=[election.slug])))
    if access.can_import():
        links.append((_("Imports"), reverse("imports", args=[election.slug])))
    return {"nav": links, "access": access, "election": election}
