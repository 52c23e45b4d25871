from django.contrib import admin

from pollwatch.checklists.models import Form


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "name", "kind", "phase", "active", "election"]
    list_filter = ["election", "kind", "active"]
    readonly_fields = ["fingerprint", "version", "created"]
