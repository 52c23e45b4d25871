"""The admin's side of the audit log: every change to mission data made in the admin is recorded.

``AuditedAdmin`` is the base of every ModelAdmin of mission data: adding,
changing and deleting an object (one by one, in bulk with the "delete
selected" action, or as a row of an inline) records an ``admin.add``,
``admin.change`` or ``admin.delete`` event in the same transaction, naming the
object, its election and the fields with their values (before and after for a
change; every field of a deleted object, so what was removed stays readable in
the log). Rows that cascade from a deleted object are not listed one by one.
The audit log itself is read-only here.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router, transaction
from django.forms.fields import InvalidJSONInput, JSONString
from django.http import HttpRequest

from pollwatch.audit.models import AuditEvent, error_text, record
from pollwatch.lib.boundary import UnstorableInput, load_json

# Fields never copied into the log: credentials are not evidence.
SECRET_FIELDS = frozenset({"password", "token_hash", "secret"})
# ... nor a second factor's key, nor a recovery code (django-otp's models name them so).
MODEL_SECRET_FIELDS = {"otp_totp.totpdevice": {"key"}, "otp_static.statictoken": {"token"}}

# How an object without an election of its own reaches one (Deployment → membership → election).
ELECTION_PATHS = ("election", "station", "membership", "mission", "person", "item", "contest")


class BoundaryJSONField(forms.JSONField):
    """The admin's JSON fields parse through the intake boundary: NaN, huge numbers, deep
    nesting and unstorable text are form errors naming what is wrong, never a 500."""

    def to_python(self, value: Any) -> Any:
        if self.disabled or value in self.empty_values:
            return super().to_python(value)
        if isinstance(value, str | bytes | bytearray):
            text = value.decode() if isinstance(value, bytes | bytearray) else value
            try:
                converted = load_json(text)
            except UnstorableInput as exc:
                where = f" (at {exc.field})" if exc.field else ""
                raise ValidationError(f"{exc.message}{where}", code="invalid") from None
            return JSONString(converted) if isinstance(converted, str) else converted
        return value

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Redisplaying what was typed must not parse it with plain json (a 5,000-digit
        # number or deep nesting would raise there): show the text as typed instead.
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return load_json(data)
        except (UnstorableInput, TypeError):
            return InvalidJSONInput(data)


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose adds, changes and deletes, inlines included, go into the audit log."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, models.JSONField):
            kwargs.setdefault("form_class", BoundaryJSONField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        # Kept on the object until save_related, when its many-to-many fields are saved too.
        before = field_values(type(obj)._default_manager.get(pk=obj.pk)) if change else {}
        obj._audit_before = before  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """As Django's, with the object's event recorded once it is whole, before its inline rows'."""
        form.save_m2m()
        obj = form.instance
        if change:
            record_change(request, obj, getattr(obj, "_audit_before", {}), form.changed_data)
        else:
            record_admin(request, "admin.add", obj, {"fields": field_values(obj)})
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Fresh from the database: the formset's own instances already hold the posted values.
        pks = [obj.pk for obj in formset.get_queryset() if obj.pk]
        stored = formset.model._default_manager.filter(pk__in=pks)
        before = {obj.pk: field_values(obj) for obj in stored}
        for deleted in formset.deleted_forms:  # recorded first: a deleted object loses its pk
            if deleted.instance.pk in before:
                fields = before[deleted.instance.pk]
                record_admin(request, "admin.delete", deleted.instance, {"fields": fields})
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record_admin(request, "admin.add", obj, {"fields": field_values(obj)})
        for obj, changed in formset.changed_objects:
            record_change(request, obj, before.get(obj.pk, {}), changed)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        record_admin(request, "admin.delete", obj, {"fields": field_values(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        """The "delete selected" action: one event per object, all or nothing with the delete."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                record_admin(request, "admin.delete", obj, {"fields": field_values(obj)})
            super().delete_queryset(request, queryset)


def record_admin(request: HttpRequest, kind: str, obj: models.Model, payload: dict) -> None:
    record(
        kind,
        actor=getattr(request.user, "username", ""),
        election_id=election_of(obj),
        obj=obj,
        payload={"model": obj._meta.label_lower, "object": str(obj)[:200], **payload},
    )


def record_change(
    request: HttpRequest, obj: models.Model, before: dict[str, Any], changed: list[str]
) -> None:
    """One ``admin.change`` event with each changed field's value before and after (none if none changed)."""
    after = field_values(obj, changed)
    fields = {name: {"before": before.get(name), "after": value} for name, value in after.items()}
    if fields:
        record_admin(request, "admin.change", obj, {"changed": fields})


def field_values(obj: models.Model, names: list[str] | None = None) -> dict[str, Any]:
    """The object's concrete and many-to-many fields as JSON values (foreign keys as their ids)."""
    values: dict[str, Any] = {}
    secret = SECRET_FIELDS | MODEL_SECRET_FIELDS.get(obj._meta.label_lower, set())
    for field in [*obj._meta.concrete_fields, *obj._meta.many_to_many]:
        if field.name in secret or (names is not None and field.name not in names):
            continue
        if field.many_to_many:
            related = getattr(obj, field.name)
            value = list(related.order_by("pk").values_list("pk", flat=True)) if obj.pk else []
        else:
            value = field.value_from_object(obj)
        values[field.name] = _jsonable(value)
    return values


def election_of(obj: models.Model, depth: int = 3) -> int | None:
    """The id of the election the object belongs to, following its foreign keys a few steps."""
    from pollwatch.elections.models import Election

    if isinstance(obj, Election):
        return obj.pk
    own = getattr(obj, "election_id", None)
    if own is not None:
        return own
    if depth == 0:
        return None
    for name in ELECTION_PATHS[1:]:
        try:
            parent = getattr(obj, name, None)
        except Exception:  # a broken or missing relation: the event is recorded without one
            continue
        if isinstance(parent, models.Model):
            found = election_of(parent, depth - 1)
            if found is not None:
                return found
    return None


def _jsonable(value: Any) -> Any:
    """The value as JSON can hold it; files by name, anything else unknown by its text."""
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    try:
        json.dumps(value, cls=DjangoJSONEncoder)
    except (TypeError, ValueError):
        return repr(value)[:1000]
    return value


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the application and sealed into the chain, never edited.

    A quarantined event may hold what Python cannot read or a page cannot
    encode, so the payload is read one event at a time and shown escaped.
    """

    list_display = ["pk", "seq", "at", "kind", "actor", "object_type", "object_id", "quarantined"]
    list_filter = [("quarantined_at", admin.EmptyFieldListFilter), "kind"]
    search_fields = ["kind", "actor", "object_id"]
    show_full_result_count = False
    exclude = ["payload"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[AuditEvent]:
        return super().get_queryset(request).defer("payload")

    @admin.display(boolean=True, description="quarantined")
    def quarantined(self, event: AuditEvent) -> bool:
        return bool(event.quarantined_reason)

    @admin.display(description="payload")
    def payload_shown(self, event: AuditEvent) -> str:
        try:
            with transaction.atomic():
                rows = AuditEvent.objects.filter(pk=event.pk).values_list("payload", flat=True)
                payload = rows.first()
            return json.dumps(payload, ensure_ascii=True, indent=1, sort_keys=True, default=str)
        except Exception as exc:  # shown, not a 500: this is where an admin looks at bad events
            return f"(unreadable: {error_text(exc)})"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [field.name for field in AuditEvent._meta.fields if field.name != "payload"]
        return [*fields, "payload_shown"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
