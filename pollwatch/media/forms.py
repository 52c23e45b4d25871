from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollwatch.media.models import Outlet


class IntakeForm(forms.Form):
    """Pasted text or an uploaded file (TXT, HTML, JSONL, CSV), with the outlet it came from."""

    outlet = forms.ModelChoiceField(
        queryset=Outlet.objects.none(),
        required=False,
        label=gettext_lazy("Outlet"),
        empty_label=gettext_lazy("(from the file, or none)"),
    )
    title = forms.CharField(max_length=500, required=False, label=gettext_lazy("Title"))
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
        required=False,
        label=gettext_lazy("Paste text or HTML"),
    )
    file = forms.FileField(required=False, label=gettext_lazy("or upload TXT, HTML, JSONL or CSV"))

    def __init__(self, *args, election=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = Outlet.objects.filter(election=election)  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if not (data.get("text") or "").strip() and upload is None:
            raise forms.ValidationError(_("Paste some text or choose a file."))
        if upload is not None and upload.size > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("%(name)s: file too large (%(size)s bytes; limit %(limit)s)")
                % {
                    "name": upload.name,
                    "size": f"{upload.size:,}",
                    "limit": f"{settings.MAX_IMPORT_BYTES:,}",
                }
            )
        return data
