"""The forms of the sample page: draw one in the app, or upload the file `pollwatch sample` wrote."""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings

from pollwatch.results.draw import DrawSpec


def random_seed() -> int:
    return secrets.randbelow(10**6) + 1


class DrawForm(forms.Form):
    stratum = forms.ChoiceField(help_text="the sample is drawn separately in each stratum")
    sizing = forms.ChoiceField(
        choices=[("size", "a number of stations"), ("margin", "a target margin of error")],
        initial="size",
        widget=forms.RadioSelect,
        label="Size from",
    )
    size = forms.IntegerField(min_value=1, required=False, help_text="stations in the sample")
    margin = forms.FloatField(
        min_value=0.001,
        max_value=0.5,
        required=False,
        help_text="half-width of a share's interval, e.g. 0.01 for ±1 point",
    )
    turnout = forms.FloatField(min_value=0.01, max_value=1, initial=0.6)
    icc = forms.FloatField(
        min_value=0, max_value=1, initial=0.05, label="ICC ρ", help_text="intra-station correlation"
    )
    confidence = forms.FloatField(min_value=0.5, max_value=0.999, initial=0.95)
    response_rate = forms.FloatField(
        min_value=0.05,
        max_value=1,
        initial=0.9,
        help_text="share of sampled stations expected to report; the size is divided by it",
    )
    method = forms.ChoiceField(
        choices=[
            ("srs", "simple random (SRS)"),
            ("pps", "proportional to registered voters (PPS)"),
        ],
        initial="srs",
    )
    allocation = forms.ChoiceField(
        choices=[
            ("proportional", "proportional to the stratum's stations"),
            ("fixed", "the same in each stratum"),
        ],
        initial="proportional",
    )
    reserve = forms.IntegerField(min_value=0, max_value=50, initial=2, help_text="per stratum")
    minimum = forms.IntegerField(min_value=0, initial=2, help_text="stations per stratum at least")
    seed = forms.IntegerField(
        min_value=0, help_text="kept on the design: the same seed and stations give the same draw"
    )
    replace = forms.BooleanField(
        required=False, label="Replace the recorded sample even though reports came from it"
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
            self.add_error("size", "Give the number of stations, or size it from a margin.")
        if data.get("sizing") == "margin" and not data.get("margin"):
            self.add_error("margin", "Give the target margin, e.g. 0.01.")
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
        help_text="the CSV `pollwatch sample` writes: code, stratum, weight, sample_role, reserve_rank"
    )
    replace = forms.BooleanField(
        required=False, label="Replace the recorded sample even though reports came from it"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.MAX_IMPORT_BYTES // 2**20} MB."
            )
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Give a .csv or .xlsx file.")
        return upload
