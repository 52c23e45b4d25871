from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from pollwatch.elections.models import Election, ImportJob
from pollwatch.elections.setup import CandidateSpec, check_colour, check_time_zone
from pollwatch.lib.tabular import ENCODINGS


class UploadForm(forms.Form):
    """A CSV or XLSX file to import, within the size limit, with the encoding of a CSV (from a known list)."""

    file = forms.FileField(
        label=gettext_lazy("File"), help_text=gettext_lazy("CSV (UTF-8), XLSX or XLS")
    )
    encoding = forms.ChoiceField(
        choices=list(ENCODINGS.items()),
        required=False,
        initial="utf-8",
        label=gettext_lazy("Encoding"),
        help_text=gettext_lazy("only for CSV files not in UTF-8"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Unknown encoding %(value)s: choose one from the list (or save the file as UTF-8)."
            )
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": settings.MAX_IMPORT_BYTES // 2**20}
            )
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm", ".xls")):
            raise forms.ValidationError(_("Give a .csv, .xlsx or .xls file."))
        return upload

    def clean_encoding(self):
        return self.cleaned_data["encoding"] or "utf-8"


class ImportForm(UploadForm):
    # Official results go through their own upload with a column-mapping step (results app).
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[(k, label) for k, label in ImportJob.Kind.choices if k != ImportJob.Kind.RESULTS],
    )
    replace = forms.BooleanField(
        required=False,
        label=gettext_lazy("Replace"),
        help_text=gettext_lazy("stations only: delete the election's stations first"),
    )
    field_order = ["kind", "file", "encoding", "replace"]


class MappingForm(forms.Form):
    """One select per field over the file's columns (a multiple select for a field that takes
    several, such as other phones): the one column-mapping form of every import."""

    confirm = forms.BooleanField(
        required=False, label=gettext_lazy("The warnings are understood: import anyway")
    )

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
                    choices=[("", _("— not in the file —")), *columns],
                    required=required,
                    label=label,
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
                        _("column %(column)s is already mapped to %(field)s")
                        % {
                            "column": repr(column),
                            "field": self.fields["field_" + used[column]].label,
                        },
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
        label=gettext_lazy(
            "Keep the columns not mapped to a field as extra attributes (never a password column)"
        ),
    )
    default_role = forms.ChoiceField(
        required=False,
        choices=[],
        label=gettext_lazy("Role of rows without one"),
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


class ElectionForm(forms.Form):
    """The new-election page: the election itself and its first contest."""

    name = forms.CharField(max_length=200, label=pgettext_lazy("name of a thing", "Name"))
    slug = forms.SlugField(
        max_length=50,
        label=gettext_lazy("Slug"),
        help_text=gettext_lazy("short name in the addresses, e.g. pres-2026 (/e/pres-2026/)"),
    )
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=Election.Kind.choices,
        initial=Election.Kind.PRESIDENTIAL,
    )
    country = forms.CharField(
        max_length=2,
        required=False,
        label=gettext_lazy("Country"),
        help_text=gettext_lazy("ISO 3166 code, e.g. AZ (phone numbers' default)"),
    )
    time_zone = forms.CharField(
        max_length=64,
        initial="UTC",
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("e.g. Asia/Baku"),
    )
    mission = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Mission"),
        help_text=gettext_lazy("default: “<name> observation mission”"),
    )
    contest = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Contest"),
        help_text=gettext_lazy("what is on the ballot; default: the name"),
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Election.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("An election %(slug)s exists already.") % {"slug": repr(slug)}
            )
        return slug

    def clean_time_zone(self):
        return check_time_zone(self.cleaned_data["time_zone"].strip())

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if country and not country.isalpha():
            raise forms.ValidationError(
                _("%(country)s is not a two-letter country code.") % {"country": repr(country)}
            )
        return country


class CandidateForm(forms.Form):
    """One row of the ballot, in ballot order; a row with neither code nor name is left out."""

    code = forms.CharField(
        max_length=32,
        required=False,
        label=gettext_lazy("Code"),
        help_text=gettext_lazy("used in result forms and SMS, e.g. C1"),
    )
    name = forms.CharField(max_length=200, required=False, label=gettext_lazy("Name"))
    party = forms.CharField(max_length=200, required=False, label=gettext_lazy("Party"))
    colour = forms.CharField(
        label=gettext_lazy("Colour"),
        max_length=7,
        required=False,
        initial="#777777",
        widget=forms.TextInput(attrs={"type": "color"}),
    )

    def clean_colour(self):
        return check_colour(self.cleaned_data["colour"].strip() or "#777777")

    def clean(self):
        data = super().clean()
        code, name = data.get("code", "").strip(), data.get("name", "").strip()
        if code and not name:
            self.add_error("name", _("Candidate %(code)s needs a name.") % {"code": repr(code)})
        if name and not code:
            self.add_error("code", _("%(name)s needs a code (e.g. C1).") % {"name": repr(name)})
        return data


class BaseCandidateFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if code in seen:
                raise forms.ValidationError(
                    _("Candidate code %(code)s is on rows %(first)s and %(second)s.")
                    % {"code": repr(code), "first": seen[code], "second": number}
                )
            seen[code] = number

    def specs(self) -> list[CandidateSpec]:
        return [
            CandidateSpec(
                code=f.cleaned_data["code"].strip(),
                name=f.cleaned_data["name"].strip(),
                party=f.cleaned_data.get("party", "").strip(),
                colour=f.cleaned_data["colour"],
            )
            for f in self.forms
            if f.cleaned_data.get("code")
        ]


CandidateFormSet = forms.formset_factory(CandidateForm, formset=BaseCandidateFormSet, extra=4)


class ContestForm(forms.Form):
    name = forms.CharField(max_length=200, label=pgettext_lazy("name of a thing", "Name"))
