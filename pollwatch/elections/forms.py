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
