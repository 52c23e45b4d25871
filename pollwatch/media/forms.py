from __future__ import annotations

from django import forms
from django.conf import settings

from pollwatch.media.models import Outlet


class IntakeForm(forms.Form):
    """Pasted text or an uploaded file (TXT, HTML, JSONL, CSV), with the outlet it came from."""

    outlet = forms.ModelChoiceField(
        queryset=Outlet.objects.none(), required=False, empty_label="(from the file, or none)"
    )
    title = forms.CharField(max_length=500, required=False)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
        required=False,
        label="Paste text or HTML",
    )
    file = forms.FileField(required=False, label="or upload TXT, HTML, JSONL or CSV")

    def __init__(self, *args, election=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = Outlet.objects.filter(election=election)  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if not (data.get("text") or "").strip() and upload is None:
            raise forms.ValidationError("Paste some text or choose a file.")
        if upload is not None and upload.size > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"{upload.name}: file too large ({upload.size:,} bytes; limit {settings.MAX_IMPORT_BYTES:,})"
            )
        return data
