from django.contrib import admin

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.messaging.models import Broadcast, DeliveryReport, Message, OptOut


@admin.register(Message)
class MessageAdmin(AuditedAdmin):
    list_display = ["created", "to", "kind", "status", "gateway", "attempts"]
    list_filter = ["status", "kind", "gateway"]
    search_fields = ["to", "text", "external_id"]
    readonly_fields = [f.name for f in Message._meta.fields]


@admin.register(Broadcast)
class BroadcastAdmin(AuditedAdmin):
    list_display = ["created", "audience", "queued", "status"]
    readonly_fields = [f.name for f in Broadcast._meta.fields]


@admin.register(DeliveryReport)
class DeliveryReportAdmin(AuditedAdmin):
    list_display = ["received_at", "gateway", "external_id", "status", "problem"]
    readonly_fields = [f.name for f in DeliveryReport._meta.fields]


@admin.register(OptOut)
class OptOutAdmin(AuditedAdmin):
    """Numbers that sent STOP; an admin may add one (asked by phone) or remove one."""

    list_display = ["phone", "at", "how"]
    search_fields = ["phone"]
