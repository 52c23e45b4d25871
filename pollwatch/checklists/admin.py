from django.contrib import admin

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.checklists.models import Form


@admin.register(Form)
class FormAdmin(AuditedAdmin):
    list_display = ["code", "version", "name", "kind", "phase", "state", "election"]
    list_filter = ["election", "kind", "state"]
    # Publish and close on the forms page (/e/<slug>/forms/), which checks and audits them.
    readonly_fields = ["fingerprint", "version", "created", "state", "active"]
