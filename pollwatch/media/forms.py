from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollwatch.media.models import Outlet

# ISO 639-1 (two-letter language codes), as the language detector writes them on items.
ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
    vi vo wa wo xh yi yo za zh zu
    """.split()
)


class OutletForm(forms.ModelForm):
    """An outlet of one election: its name is unique there (ignoring case)."""

    class Meta:
        model = Outlet
        fields = ["name", "kind", "language", "owner", "reach"]
        labels = {
            "name": gettext_lazy("Name"),
            "kind": gettext_lazy("Kind"),
            "language": gettext_lazy("Language"),
            "owner": gettext_lazy("Owner"),
            "reach": gettext_lazy("Reach"),
        }
        help_texts = {
            "language": gettext_lazy("Two-letter ISO 639-1 code, e.g. az, ru, en."),
            "owner": gettext_lazy("e.g. state, private, party"),
        }

    def __init__(self, *args, election=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.election = election
        self.fields["reach"].widget.attrs["min"] = 1

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the outlet a name."))
        taken = Outlet.objects.filter(election=self.election, name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("This election already has an outlet named “%(name)s”.") % {"name": name}
            )
        return name

    def clean_language(self) -> str:
        code = self.cleaned_data["language"].strip().lower()
        if code and code not in ISO_639_1:
            raise forms.ValidationError(
                _("“%(code)s” is not an ISO 639-1 language code (two letters, e.g. az, ru, en).")
                % {"code": code[:20]}
            )
        return code

    def clean_reach(self) -> int | None:
        reach = self.cleaned_data["reach"]
        if reach is not None and reach < 1:
            raise forms.ValidationError(
                _("Reach is a positive number of people; leave it empty if unknown.")
            )
        return reach

    def save(self, commit: bool = True) -> Outlet:
        self.instance.election = self.election
        return super().save(commit)


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
    file = forms.FileField(
        required=False,
        label=gettext_lazy("or upload TXT, HTML, JSONL, CSV, or an SRT or WebVTT transcript"),
    )

    def __init__(self, *args, election=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = Outlet.objects.filter(election=election, active=True)  # type: ignore[attr-defined]

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
