from django.contrib import admin

from pollwatch.api.models import ApiToken
from pollwatch.audit.admin import AuditedAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Read-only: tokens are made and revoked by their owners on /account/api-tokens/ (audited)."""

    list_display = ["prefix", "name", "user", "created", "last_used", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created", "last_used", "revoked"]
    exclude = ["token_hash"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
