from django.contrib import admin

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.submissions.cleanup import mark_junk, revoke_token_rows
from pollwatch.submissions.models import Inbound, Incident, ObserverToken, Revision, Submission


@admin.register(Inbound)
class InboundAdmin(AuditedAdmin):
    """Read-only: raw intake is evidence, stored by the channels alone and never edited."""

    list_display = ["received_at", "channel", "gateway", "sender", "status", "junk", "problem"]
    list_filter = ["channel", "gateway", "status", "junk"]
    search_fields = ["sender", "raw", "external_id"]
    actions = ["mark_as_junk"]

    @admin.action(description="Mark as junk (kept, left out of counts; their reports rejected)")
    def mark_as_junk(self, request, queryset):
        reason = f"marked as junk in the admin by {request.user.get_username()}"
        rows, rejected = mark_junk(queryset, reason=reason, actor=request.user)
        self.message_user(
            request, f"{rows} message(s) marked as junk; {rejected} report(s) rejected."
        )

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
    list_filter = ["revoked"]
    readonly_fields = ["token_hash"]
    raw_id_fields = ["person"]
    search_fields = ["person__code", "person__full_name"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected sign-in tokens")
    def revoke(self, request, queryset):
        count = revoke_token_rows(queryset, reason="revoked in the admin", actor=request.user)
        self.message_user(request, f"{count} token(s) revoked.")
