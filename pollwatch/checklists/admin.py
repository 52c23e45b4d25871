from django.contrib import admin

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.checklists.models import Form


@admin.register(Form)
class FormAdmin(AuditedAdmin):
    list_display = ["code", "version", "name", "kind", "phase", "active", "election"]
    list_filter = ["election", "kind", "active"]
    readonly_fields = ["fingerprint", "version", "created"]
