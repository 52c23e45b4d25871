from typing import Any

from django import forms
from django.conf import settings

from pollwatch.elections.models import ImportJob
from pollwatch.lib.tabular import ENCODINGS


class UploadForm(forms.Form):
    """A CSV or XLSX file to import, within the size limit, with the encoding of a CSV (from a known list)."""

    file = forms.FileField(help_text="CSV (UTF-8), XLSX or XLS")
    encoding = forms.ChoiceField(
        choices=list(ENCODINGS.items()),
        required=False,
        initial="utf-8",
        help_text="only for CSV files not in UTF-8",
        error_messages={
            "invalid_choice": "Unknown encoding %(value)s: choose one from the list "
            "(or save the file as UTF-8)."
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.MAX_IMPORT_BYTES // 2**20} MB."
            )
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm", ".xls")):
            raise forms.ValidationError("Give a .csv, .xlsx or .xls file.")
        return upload

    def clean_encoding(self):
        return self.cleaned_data["encoding"] or "utf-8"


class ImportForm(UploadForm):
    # Official results go through their own upload with a column-mapping step (results app).
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in ImportJob.Kind.choices if k != ImportJob.Kind.RESULTS]
    )
    replace = forms.BooleanField(
        required=False, help_text="stations only: delete the election's stations first"
    )
    field_order = ["kind", "file", "encoding", "replace"]


class MappingForm(forms.Form):
    """One select per field over the file's columns (a multiple select for a field that takes
    several, such as other phones): the one column-mapping form of every import."""

    confirm = forms.BooleanField(required=False, label="The warnings are understood: import anyway")

    def __init__(
        self,
        header: list[str],
        fields: list[tuple],
        data: Any = None,
        initial: dict[str, Any] | None = None,
    ):
        super().__init__(data, initial={f"field_{k}": v for k, v in (initial or {}).items()})
        columns = [(column, column) for column in header]
        self.field_keys = []
        self.many_keys: set[str] = set()
        for key, label, required, *many in fields:
            if many and many[0]:
                self.fields[f"field_{key}"] = forms.MultipleChoiceField(
                    choices=columns, required=False, label=label
                )
                self.many_keys.add(key)
            else:
                self.fields[f"field_{key}"] = forms.ChoiceField(
                    choices=[("", "— not in the file —"), *columns], required=required, label=label
                )
            self.field_keys.append(key)
        # The confirmation box goes last.
        self.fields["confirm"] = self.fields.pop("confirm")

    def clean(self):
        cleaned = super().clean()
        used: dict[str, str] = {}
        for key in self.field_keys:
            value = cleaned.get(f"field_{key}")
            for column in value if isinstance(value, list) else [value]:
                if not column:
                    continue
                if column in used:
                    self.add_error(
                        f"field_{key}",
                        f"column {column!r} is already mapped to {self.fields['field_' + used[column]].label}",
                    )
                used[column] = key
        return cleaned

    def mapping(self) -> dict[str, Any]:
        return {
            key: (self.cleaned_data.get(f"field_{key}") or [])
            if key in self.many_keys
            else (self.cleaned_data.get(f"field_{key}") or None)
            for key in self.field_keys
        }

    def mapping_fields(self):
        return [self[f"field_{key}"] for key in self.field_keys]


class ImportOptionsForm(forms.Form):
    """What to do with the columns no field takes, and the role of rows without one (people)."""

    keep_extra = forms.BooleanField(
        required=False,
        label="Keep the columns not mapped to a field as extra attributes (never a password column)",
    )
    default_role = forms.ChoiceField(
        required=False,
        choices=[],
        label="Role of rows without one",
    )

    def __init__(self, *args, people: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        from pollwatch.observers.models import Role

        if people:
            role_field = self.fields["default_role"]
            assert isinstance(role_field, forms.ChoiceField)
            role_field.choices = Role.choices
            role_field.initial = Role.OBSERVER
        else:
            del self.fields["default_role"]
