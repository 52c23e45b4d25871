from django.contrib import admin

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.submissions.models import Inbound, Incident, ObserverToken, Revision, Submission


@admin.register(Inbound)
class InboundAdmin(AuditedAdmin):
    """Read-only: raw intake is evidence, stored by the channels alone and never edited."""

    list_display = ["received_at", "channel", "gateway", "sender", "status", "problem"]
    list_filter = ["channel", "gateway", "status"]
    search_fields = ["sender", "raw", "external_id"]

    def has_add_permission(self, request):
        return False  # a message typed in here would pass for one an observer sent

    def has_change_permission(self, request, obj=None):
        return False  # raw intake is evidence: append only

    def has_delete_permission(self, request, obj=None):
        return False


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    readonly_fields = ["number", "status", "answers", "problems", "reason", "actor", "created"]


@admin.register(Submission)
class SubmissionAdmin(AuditedAdmin):
    list_display = ["created", "form", "station", "observer", "source", "status", "conflict"]
    list_filter = ["status", "source", "conflict"]
    raw_id_fields = ["station", "observer", "inbound", "form"]
    inlines = [RevisionInline]

    def has_add_permission(self, request):
        return False  # forms arrive through intake (raw message first), never typed in here

    def has_change_permission(self, request, obj=None):
        return False  # changes go through revisions (the coordinator's pages)


@admin.register(Incident)
class IncidentAdmin(AuditedAdmin):
    list_display = ["created", "station", "severity", "status", "summary"]
    list_filter = ["status", "severity"]
    raw_id_fields = ["submission", "station"]


@admin.register(ObserverToken)
class ObserverTokenAdmin(AuditedAdmin):
    list_display = ["person", "created", "last_used", "revoked"]
    readonly_fields = ["token_hash"]
    raw_id_fields = ["person"]
