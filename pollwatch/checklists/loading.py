"""Install form definitions into an election: a changed definition becomes a new version.

A definition from another source (another XLSForm ``form_id``, or an XLSForm
where a YAML form was) under a code already in use is a *different* form,
not a new version of it: installing it would deactivate the form observers
fill now, so it needs ``replace=True`` (``--replace`` on the command line, a
confirmation on a web page) and raises FormCodeTaken otherwise.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.db.models import Max

from pollwatch.audit.models import record
from pollwatch.checklists.models import Form, forget_active_forms
from pollwatch.elections.models import Candidate, Election


class FormCodeTaken(ValueError):
    """Another form is active under this code; installing would replace it."""

    def __init__(self, code: str, current: str, new: str):
        self.code = code
        super().__init__(
            f"form code {code} is already used by {current}; this file is {new}, a different"
            " form. Give it another code (--code), or replace the form observers fill now"
            " (--replace)"
        )


def _origin(spec) -> str:
    return f"{spec.kind} form from {spec.source}" if spec.source else f"{spec.kind} form"


def install_form(
    election: Election, spec, *, actor: str = "", replace: bool = False
) -> tuple[Form, bool]:
    """(form, created): the active version of ``spec.code``, new when the definition changed.

    Raises FormCodeTaken when the active form under this code is a different
    form (another source or kind) and ``replace`` is false.
    """
    from pollwatch.formspec.spec import dump_form

    fingerprint = spec.fingerprint()
    with transaction.atomic():
        current = (
            Form.objects.select_for_update()
            .filter(election=election, code=spec.code, active=True)
            .first()
        )
        if current is not None and current.fingerprint == fingerprint:
            return current, False
        if current is not None and not replace:
            before = current.spec
            if (before.source, before.kind) != (spec.source, spec.kind):
                raise FormCodeTaken(spec.code, _origin(before), _origin(spec))
        latest = (
            Form.objects.filter(election=election, code=spec.code).aggregate(v=Max("version"))["v"]
            or 0
        )
        Form.objects.filter(election=election, code=spec.code, active=True).update(active=False)
        name = spec.name.get("en") if isinstance(spec.name, dict) else str(spec.name)
        form = Form.objects.create(
            election=election,
            code=spec.code,
            name=name or spec.code,
            kind=spec.kind,
            phase=spec.phase or "any",
            version=latest + 1,
            definition=dump_form(spec),
            fingerprint=fingerprint,
        )
        # Other processes see the new version within checklists.models.FORMS_TTL seconds.
        forget_active_forms()
        transaction.on_commit(forget_active_forms)
        record(
            "form.installed",
            actor=actor,
            election_id=election.pk,
            obj=form,
            payload={
                "code": form.code,
                "version": form.version,
                "fingerprint": fingerprint,
                **({"replaced": current.pk} if current is not None and replace else {}),
            },
        )
    return form, True


def candidates_of(election: Election) -> list[tuple[str, str]]:
    return [
        (c.code, c.name)
        for c in Candidate.objects.filter(contest__election=election).order_by("ballot_order")
    ]


def install_defaults(election: Election, *, actor: str = "") -> list[tuple[Form, bool]]:
    """The shipped international checklists and incident form, and results and exit-poll forms for this ballot."""
    from pollwatch.formspec.defaults import load_defaults

    specs = load_defaults(candidates_of(election) or None)
    return [install_form(election, spec, actor=actor) for spec in specs]


def load_file(path: Path, code: str | None = None):
    """A form from YAML, or from an XLSForm workbook (read with pyxform), with ``code`` if given."""
    from dataclasses import replace

    from pollwatch.formspec.spec import load_form

    if path.suffix.lower() in {".xlsx", ".xls"}:
        from pollwatch.formspec.xlsform import form_from_xlsform

        return form_from_xlsform(path, code=code)
    spec = load_form(path)
    return replace(spec, code=code) if code else spec
