from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollwatch.elections.forms import MappingForm, UploadForm
from pollwatch.elections.models import Candidate, Election
from pollwatch.results.models import PublishedPoll

__all__ = ["MappingForm", "PublishedPollForm", "ResultsUploadForm"]


class ResultsUploadForm(UploadForm):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV or XLSX, one row per polling station"),
    )


class PublishedPollForm(forms.Form):
    source = forms.CharField(
        max_length=200,
        label=gettext_lazy("Source"),
        help_text=gettext_lazy("who announced it, e.g. 'State TV / Pollster X'"),
    )
    kind = forms.ChoiceField(choices=PublishedPoll.Kind.choices, label=gettext_lazy("Kind"))
    announced_at = forms.DateTimeField(
        required=False, label=gettext_lazy("Announced at"), help_text="YYYY-MM-DD HH:MM"
    )
    turnout = forms.FloatField(
        required=False,
        min_value=0,
        max_value=100,
        label=gettext_lazy("Turnout"),
        help_text=gettext_lazy("percent"),
    )
    url = forms.URLField(required=False, label=gettext_lazy("Address (URL)"))
    note = forms.CharField(
        required=False, label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, candidates: list[Candidate], data: Any = None):
        super().__init__(data)
        self.candidates = candidates
        for candidate in candidates:
            self.fields[f"share_{candidate.code}"] = forms.FloatField(
                required=False,
                min_value=0,
                max_value=100,
                label=f"{candidate.name} (%)",
            )

    def clean(self):
        cleaned = super().clean()
        shares = {
            c.code: cleaned[f"share_{c.code}"]
            for c in self.candidates
            if cleaned.get(f"share_{c.code}") is not None
        }
        if not shares:
            raise forms.ValidationError(_("Give at least one candidate's announced percentage."))
        if sum(shares.values()) > 100.5:
            raise forms.ValidationError(
                _("The percentages add up to %(total)s %%, more than 100 %%.")
                % {"total": number_format(sum(shares.values()), 1)}
            )
        cleaned["shares"] = shares
        return cleaned

    def save(self, election: Election, user) -> PublishedPoll:
        data = self.cleaned_data
        return PublishedPoll.objects.create(
            election=election,
            source=data["source"],
            kind=data["kind"],
            announced_at=data.get("announced_at"),
            turnout=data.get("turnout"),
            url=data.get("url") or "",
            note=data.get("note") or "",
            shares=data["shares"],
            created_by=user if user.is_authenticated else None,
        )

    def share_fields(self):
        return [self[f"share_{c.code}"] for c in self.candidates]
