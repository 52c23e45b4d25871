from django.contrib import admin

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.observers.models import Deployment, Membership, Mission, Person, Team


@admin.register(Mission)
class MissionAdmin(AuditedAdmin):
    list_display = ["name", "kind", "election"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["area", "team"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["full_name", "code", "phone", "email", "language", "mission"]
    search_fields = ["full_name", "code", "phone", "email"]
    list_filter = ["mission", "memberships__role"]
    raw_id_fields = ["user"]
    inlines = [MembershipInline]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "election"]
    filter_horizontal = ["areas"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["person", "election", "role", "area", "team"]
    list_filter = ["election", "role"]
    search_fields = ["person__full_name", "person__code"]
    raw_id_fields = ["person", "area", "team"]


@admin.register(Deployment)
class DeploymentAdmin(AuditedAdmin):
    list_display = ["membership", "station", "starts_at", "ends_at", "reserve"]
    search_fields = ["station__code", "membership__person__full_name"]
    raw_id_fields = ["membership", "station"]
