"""Install form definitions into an election: a changed definition becomes a new version.

A definition from another source (another XLSForm ``form_id``, or an XLSForm
where a YAML form was) under a code already in use is a *different* form,
not a new version of it: installing it would deactivate the form observers
fill now, so it needs ``replace=True`` (``--replace`` on the command line, a
confirmation on a web page) and raises FormCodeTaken otherwise.

A version is a draft, live, superseded or closed (``Form.State``). ``install_form``
makes the new version live at once (the command line's way) or, with
``draft=True``, keeps it as a draft that staff preview and then ``publish``;
``close`` takes a live form out of use. Each change is audited.
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
        self.current = current
        self.new = new
        super().__init__(
            f"form code {code} is already used by {current}; this file is {new}, a different"
            " form. Give it another code (--code), or replace the form observers fill now"
            " (--replace)"
        )


def _origin(spec) -> str:
    return f"{spec.kind} form from {spec.source}" if spec.source else f"{spec.kind} form"


def install_form(
    election: Election, spec, *, actor: str = "", replace: bool = False, draft: bool = False
) -> tuple[Form, bool]:
    """(form, created): the live version of ``spec.code``, new when the definition changed.

    Raises FormCodeTaken when the live form under this code is a different
    form (another source or kind) and ``replace`` is false. With ``draft`` the
    new version is a draft (the live one stays as it is; ``publish`` makes the
    draft live and asks for ``replace`` then); a definition equal to the live
    version or to a draft already kept returns that version, not created.
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
        if draft:
            kept = Form.objects.filter(
                election=election, code=spec.code, state=Form.State.DRAFT, fingerprint=fingerprint
            ).first()
            if kept is not None:
                return kept, False
        elif current is not None and not replace:
            _check_same_form(spec.code, current.spec, spec)
        latest = (
            Form.objects.filter(election=election, code=spec.code).aggregate(v=Max("version"))["v"]
            or 0
        )
        if not draft:
            _supersede(election, spec.code)
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
            active=not draft,
            state=Form.State.DRAFT if draft else Form.State.LIVE,
        )
        _forget_on_commit()
        record(
            "form.drafted" if draft else "form.installed",
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


def _check_same_form(code: str, before, after) -> None:
    if (before.source, before.kind) != (after.source, after.kind):
        raise FormCodeTaken(code, _origin(before), _origin(after))


def _supersede(election: Election, code: str) -> None:
    Form.objects.filter(election=election, code=code, active=True).update(
        active=False, state=Form.State.SUPERSEDED
    )


def _forget_on_commit() -> None:
    # Other processes see the change within checklists.models.FORMS_TTL seconds.
    forget_active_forms()
    transaction.on_commit(forget_active_forms)


class NotAllowed(ValueError):
    """The version is not in a state that allows this change."""


def publish(form: Form, *, actor: str = "", replace: bool = False) -> Form:
    """Make ``form`` (a draft, or an older or closed version) the live one; the live one is
    superseded. FormCodeTaken when the live one is a different form and not ``replace``."""
    with transaction.atomic():
        form = Form.objects.select_for_update().get(pk=form.pk)
        if form.state == Form.State.LIVE:
            raise NotAllowed(f"{form.code} version {form.version} is live already")
        current = (
            Form.objects.select_for_update()
            .filter(election=form.election, code=form.code, active=True)
            .first()
        )
        if current is not None and not replace:
            _check_same_form(form.code, current.spec, form.spec)
        _supersede(form.election, form.code)
        was = form.state
        form.state = Form.State.LIVE
        form.active = True
        form.save(update_fields=["state", "active"])
        _forget_on_commit()
        record(
            "form.published",
            actor=actor,
            election_id=form.election_id,
            obj=form,
            payload={
                "code": form.code,
                "version": form.version,
                "was": was,
                **({"superseded": current.version} if current is not None else {}),
                **({"replaced": current.pk} if current is not None and replace else {}),
            },
        )
    return form


def close(form: Form, *, actor: str = "") -> Form:
    """Take the live ``form`` out of use: observers, SMS and ODK no longer get it. Its
    reports stay; publishing it (or another version) again brings the code back."""
    with transaction.atomic():
        form = Form.objects.select_for_update().get(pk=form.pk)
        if form.state != Form.State.LIVE:
            raise NotAllowed(f"{form.code} version {form.version} is not live ({form.state})")
        form.state = Form.State.CLOSED
        form.active = False
        form.save(update_fields=["state", "active"])
        _forget_on_commit()
        record(
            "form.closed",
            actor=actor,
            election_id=form.election_id,
            obj=form,
            payload={"code": form.code, "version": form.version},
        )
    return form


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
