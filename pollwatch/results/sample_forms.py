"""The forms of the sample page: draw one in the app, or upload the file `pollwatch sample` wrote."""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollwatch.results.draw import DrawSpec


def random_seed() -> int:
    return secrets.randbelow(10**6) + 1


class DrawForm(forms.Form):
    stratum = forms.ChoiceField(
        label=gettext_lazy("Stratum"),
        help_text=gettext_lazy("the sample is drawn separately in each stratum"),
    )
    sizing = forms.ChoiceField(
        choices=[
            ("size", gettext_lazy("a number of stations")),
            ("margin", gettext_lazy("a target margin of error")),
        ],
        initial="size",
        widget=forms.RadioSelect,
        label=gettext_lazy("Size from"),
    )
    size = forms.IntegerField(
        min_value=1,
        required=False,
        label=gettext_lazy("Size"),
        help_text=gettext_lazy("stations in the sample"),
    )
    margin = forms.FloatField(
        min_value=0.001,
        max_value=0.5,
        required=False,
        label=gettext_lazy("Margin"),
        help_text=gettext_lazy("half-width of a share's interval, e.g. 0.01 for ±1 point"),
    )
    turnout = forms.FloatField(
        min_value=0.01, max_value=1, initial=0.6, label=gettext_lazy("Turnout")
    )
    icc = forms.FloatField(
        min_value=0,
        max_value=1,
        initial=0.05,
        label=gettext_lazy("ICC ρ"),
        help_text=gettext_lazy("intra-station correlation"),
    )
    confidence = forms.FloatField(
        min_value=0.5, max_value=0.999, initial=0.95, label=gettext_lazy("Confidence")
    )
    response_rate = forms.FloatField(
        min_value=0.05,
        max_value=1,
        initial=0.9,
        label=gettext_lazy("Response rate"),
        help_text=gettext_lazy(
            "share of sampled stations expected to report; the size is divided by it"
        ),
    )
    method = forms.ChoiceField(
        choices=[
            ("srs", gettext_lazy("simple random (SRS)")),
            ("pps", gettext_lazy("proportional to registered voters (PPS)")),
        ],
        initial="srs",
        label=gettext_lazy("Method"),
    )
    allocation = forms.ChoiceField(
        choices=[
            ("proportional", gettext_lazy("proportional to the stratum's stations")),
            ("fixed", gettext_lazy("the same in each stratum")),
        ],
        initial="proportional",
        label=gettext_lazy("Allocation"),
    )
    reserve = forms.IntegerField(
        min_value=0,
        max_value=50,
        initial=2,
        label=gettext_lazy("Reserve"),
        help_text=gettext_lazy("per stratum"),
    )
    minimum = forms.IntegerField(
        min_value=0,
        initial=2,
        label=gettext_lazy("Minimum"),
        help_text=gettext_lazy("stations per stratum at least"),
    )
    seed = forms.IntegerField(
        min_value=0,
        label=gettext_lazy("Seed"),
        help_text=gettext_lazy("kept on the design: the same seed and stations give the same draw"),
    )
    replace = forms.BooleanField(
        required=False,
        label=gettext_lazy("Replace the recorded sample even though reports came from it"),
    )

    def __init__(self, choices: list[tuple[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["stratum"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        self.fields["seed"].initial = random_seed()

    def clean(self):
        data = super().clean()
        if data.get("sizing") == "size" and not data.get("size"):
            self.add_error("size", _("Give the number of stations, or size it from a margin."))
        if data.get("sizing") == "margin" and not data.get("margin"):
            self.add_error("margin", _("Give the target margin, e.g. 0.01."))
        return data

    def spec(self) -> DrawSpec:
        data = self.cleaned_data
        by_size = data["sizing"] == "size"
        return DrawSpec(
            stratum=data["stratum"],
            seed=data["seed"],
            method=data["method"],
            allocation=data["allocation"],
            size=data["size"] if by_size else None,
            margin=None if by_size else data["margin"],
            turnout=data["turnout"],
            icc=data["icc"],
            confidence=data["confidence"],
            response_rate=data["response_rate"],
            reserve=data["reserve"],
            minimum=data["minimum"],
        )


class SampleUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "the CSV `pollwatch sample` writes: code, stratum, weight, sample_role, reserve_rank"
        ),
    )
    replace = forms.BooleanField(
        required=False,
        label=gettext_lazy("Replace the recorded sample even though reports came from it"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": settings.MAX_IMPORT_BYTES // 2**20}
            )
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Give a .csv or .xlsx file."))
        return upload
