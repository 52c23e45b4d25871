from django.contrib import admin

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.media.models import Coding, Intake, Item, MediaSettings, Outlet, Review, Subject


@admin.register(MediaSettings)
class MediaSettingsAdmin(AuditedAdmin):
    list_display = ["election", "double_code_every"]


@admin.register(Outlet)
class OutletAdmin(AuditedAdmin):
    list_display = ["name", "kind", "owner", "language", "reach", "active", "election"]
    list_filter = ["election", "kind", "active"]


@admin.register(Subject)
class SubjectAdmin(AuditedAdmin):
    list_display = ["name", "key", "kind", "election"]
    list_filter = ["election", "kind"]
    search_fields = ["name", "key"]


@admin.register(Item)
class ItemAdmin(AuditedAdmin):
    list_display = ["pk", "title", "outlet", "published", "genre", "status", "double_code"]
    list_filter = ["election", "status", "genre", "outlet"]
    search_fields = ["title", "text"]
    # Raw input, hashes and the machine's proposal are evidence: shown, never edited here.
    readonly_fields = ["raw", "raw_sha256", "content_hash", "machine", "intake", "duplicate_of"]


@admin.register(Intake)
class IntakeAdmin(AuditedAdmin):
    list_display = ["name", "election", "created", "created_by"]
    readonly_fields = ["raw", "raw_sha256", "problems"]


@admin.register(Coding)
class CodingAdmin(AuditedAdmin):
    list_display = [
        "item",
        "subject",
        "coder",
        "tone",
        "characters",
        "seconds",
        "is_machine",
        "confirmed",
        "added",
        "removed",
    ]
    list_filter = ["is_machine", "confirmed", "tone", "added", "removed"]
    raw_id_fields = ["item"]


@admin.register(Review)
class ReviewAdmin(AuditedAdmin):
    list_display = ["item", "coder", "genre", "created"]
    raw_id_fields = ["item"]
