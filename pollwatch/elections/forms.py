from django import forms
from django.conf import settings

from pollwatch.elections.models import ImportJob


class UploadForm(forms.Form):
    """A CSV or XLSX file to import, within the size limit, with the encoding of a CSV."""

    file = forms.FileField(help_text="CSV (UTF-8) or XLSX")
    encoding = forms.CharField(
        required=False, initial="utf-8", help_text="only for CSV files not in UTF-8, e.g. cp1251"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.MAX_IMPORT_BYTES // 2**20} MB."
            )
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError("Give a .csv or .xlsx file.")
        return upload

    def clean_encoding(self):
        import codecs

        encoding = self.cleaned_data["encoding"] or "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise forms.ValidationError(f"Unknown encoding {encoding!r}.") from exc
        return encoding


class ImportForm(UploadForm):
    # Official results go through their own upload with a column-mapping step (results app).
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in ImportJob.Kind.choices if k != ImportJob.Kind.RESULTS]
    )
    replace = forms.BooleanField(
        required=False, help_text="stations only: delete the election's stations first"
    )
    field_order = ["kind", "file", "encoding", "replace"]
