from django.contrib import admin

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.elections.models import Area, Candidate, Contest, Election, ImportJob, PollingStation


@admin.register(Election)
class ElectionAdmin(AuditedAdmin):
    list_display = ["name", "slug", "date", "kind", "status"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "level_name",
        "election",
        "station_count",
        "registered_voters",
        "newly_included",
    ]
    list_filter = ["election", "level_name", "newly_included"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "station_count", "registered_voters"]


@admin.register(PollingStation)
class PollingStationAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "area",
        "registered_voters",
        "newly_included",
        "abroad",
        "special",
    ]
    list_filter = ["election", "newly_included", "abroad", "special"]
    search_fields = ["code"]
    raw_id_fields = ["area"]
    readonly_fields = ["area_path"]
    show_full_result_count = False  # a COUNT over a million stations on every page is wasted work

    def save_model(self, request, obj, form, change):
        obj.area_path = obj.area.path
        super().save_model(request, obj, form, change)


class CandidateInline(admin.TabularInline):
    model = Candidate
    extra = 0


@admin.register(Contest)
class ContestAdmin(AuditedAdmin):
    list_display = ["name", "election"]
    inlines = [CandidateInline]


@admin.register(ImportJob)
class ImportJobAdmin(AuditedAdmin):
    list_display = [
        "original_name",
        "kind",
        "election",
        "status",
        "imported",
        "error_count",
        "created",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
