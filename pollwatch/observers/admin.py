from django.contrib import admin

from pollwatch.observers.models import Deployment, Membership, Mission, Person, Team


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "election"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["area", "team"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "code", "phone", "email", "language", "mission"]
    search_fields = ["full_name", "code", "phone", "email"]
    list_filter = ["mission", "memberships__role"]
    raw_id_fields = ["user"]
    inlines = [MembershipInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "election"]
    filter_horizontal = ["areas"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "election", "role", "area", "team"]
    list_filter = ["election", "role"]
    search_fields = ["person__full_name", "person__code"]
    raw_id_fields = ["person", "area", "team"]


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["membership", "station", "starts_at", "ends_at", "reserve"]
    search_fields = ["station__code", "membership__person__full_name"]
    raw_id_fields = ["membership", "station"]
