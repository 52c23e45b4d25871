"""The forms pages: list, upload (YAML or XLSForm), draft → live → closed, preview, compare.

Installing goes through ``loading`` as the command line does; these views only
read the request, ask ``access`` who may act, and show the outcome.
"""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.checklists.access import can_manage_forms, form_version, forms_for_user
from pollwatch.checklists.compare import compare
from pollwatch.checklists.loading import (
    FormCodeTaken,
    NotAllowed,
    close,
    install_defaults,
    install_form,
    publish,
)
from pollwatch.checklists.models import Form
from pollwatch.checklists.upload import FormFileRefused, max_bytes, read_upload
from pollwatch.elections.models import Election

REPLACE_SALT = "pollwatch.checklists.replace"
REPLACE_MAX_AGE = 3600  # seconds a confirmation page stays valid


class UploadForm(django_forms.Form):
    file = django_forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("a YAML form (.yaml) or an XLSForm (.xlsx, .xls)"),
    )
    code = django_forms.CharField(
        required=False,
        max_length=16,
        label=gettext_lazy("Code"),
        help_text=gettext_lazy("the form code (typed first in an SMS); empty: the file's own"),
    )
    live = django_forms.ChoiceField(
        choices=[
            ("draft", gettext_lazy("save as a draft: preview it, then publish")),
            ("live", gettext_lazy("install it live now")),
        ],
        initial="draft",
        widget=django_forms.RadioSelect,
        label=gettext_lazy("Then"),
    )


def _actor(request: PollwatchRequest) -> str:
    return request.user.get_username()


def _codes(election: Election) -> list[dict]:
    """One row per form code: its live version (or latest), state, version count, reports."""
    versions = list(Form.objects.filter(election=election).order_by("code", "-version"))
    reports = {
        row["code"]: row["n"]
        for row in Form.objects.filter(election=election)
        .values("code")
        .annotate(n=Count("submissions"))
    }
    rows: dict[str, dict] = {}
    for form in versions:
        row = rows.setdefault(
            form.code, {"code": form.code, "shown": form, "versions": 0, "drafts": 0}
        )
        row["versions"] += 1
        row["drafts"] += form.state == Form.State.DRAFT
        if form.state == Form.State.LIVE:
            row["shown"] = form
    for row in rows.values():
        row["reports"] = reports.get(row["code"], 0)
        row["state"] = row["shown"].state
    return list(rows.values())


def _list_page(request, election, access, upload_form, problems=None, status=200):
    return render(
        request,
        "checklists/forms.html",
        {
            "election": election,
            "rows": _codes(election),
            "can_manage": can_manage_forms(access),
            "upload_form": upload_form,
            "problems": problems or [],
            "max_mb": max_bytes() // 2**20,
        },
        status=status,
    )


@login_required
@require_GET
def forms_list(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = forms_for_user(request, slug)
    return _list_page(request, election, access, UploadForm())


@login_required
@require_POST
def form_upload(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = forms_for_user(request, slug, manage=True)
    upload_form = UploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        return _list_page(request, election, access, upload_form, status=400)
    upload = upload_form.cleaned_data["file"]
    try:
        spec = read_upload(upload, upload_form.cleaned_data["code"] or None)
    except FormFileRefused as exc:
        return _list_page(request, election, access, upload_form, exc.problems, status=400)
    draft = upload_form.cleaned_data["live"] == "draft"
    try:
        form, created = install_form(election, spec, actor=_actor(request), draft=draft)
    except FormCodeTaken as exc:
        from pollwatch.formspec.spec import dump_form

        token = signing.dumps(
            {"election": election.pk, "definition": dump_form(spec), "file": upload.name},
            salt=REPLACE_SALT,
            compress=True,
        )
        return _confirm_page(request, election, exc, token=token)
    return _installed(request, election, form, created)


def _installed(request, election, form: Form, created: bool) -> HttpResponse:
    if not created:
        messages.info(
            request,
            _(
                "%(code)s version %(version)s (%(state)s) is this form already: nothing new installed."
            )
            % {"code": form.code, "version": form.version, "state": form.state},
        )
    elif form.state == Form.State.DRAFT:
        messages.success(
            request,
            _("%(code)s version %(version)s saved as a draft: preview it, then publish it.")
            % {"code": form.code, "version": form.version},
        )
    else:
        messages.success(
            request,
            _("%(code)s version %(version)s is live: observers get it now.")
            % {"code": form.code, "version": form.version},
        )
    return redirect("form", slug=election.slug, code=form.code)


def _confirm_page(request, election, taken: FormCodeTaken, *, token="", form=None):
    return render(
        request,
        "checklists/replace.html",
        {"election": election, "taken": taken, "token": token, "form": form},
        status=409,
    )


@login_required
@require_POST
def form_replace(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The confirmation of an upload that replaces a different form: the signed definition
    the upload page read, read again (and so validated again), installed live."""
    from pollwatch.formspec.spec import FormSpecError, loads_form

    election, access = forms_for_user(request, slug, manage=True)
    try:
        kept = signing.loads(
            request.POST.get("token", ""), salt=REPLACE_SALT, max_age=REPLACE_MAX_AGE
        )
    except signing.BadSignature:
        messages.error(
            request, _("The confirmation expired or was altered: upload the file again.")
        )
        return redirect("forms", slug=election.slug)
    if kept.get("election") != election.pk or request.POST.get("confirm") != "replace":
        messages.error(
            request, _("Nothing was replaced: upload the file again to replace the form.")
        )
        return redirect("forms", slug=election.slug)
    try:
        spec = loads_form(kept["definition"])
    except FormSpecError as exc:
        return _list_page(request, election, access, UploadForm(), exc.problems, status=400)
    form, created = install_form(election, spec, actor=_actor(request), replace=True)
    return _installed(request, election, form, created)


@login_required
@require_GET
def form_detail(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    election, access = forms_for_user(request, slug)
    versions = list(
        Form.objects.filter(election=election, code=code)
        .annotate(reports=Count("submissions"))
        .order_by("-version")
    )
    if not versions:
        raise Http404(f"No form {code}")
    live = next((v for v in versions if v.state == Form.State.LIVE), None)
    # Publishing one of these asks first (FormCodeTaken): say so before the click.
    other_forms = {
        version.version
        for version in versions
        if live is not None and (version.spec.source, version.kind) != (live.spec.source, live.kind)
    }
    return render(
        request,
        "checklists/form.html",
        {
            "election": election,
            "code": code,
            "versions": versions,
            "live": live,
            "other_forms": other_forms,
            "can_manage": can_manage_forms(access),
        },
    )


@login_required
@require_POST
def form_publish(request: PollwatchRequest, slug: str, code: str, version: int) -> HttpResponse:
    election, access = forms_for_user(request, slug, manage=True)
    form = form_version(election, code, version)
    try:
        publish(form, actor=_actor(request), replace=request.POST.get("confirm") == "replace")
    except FormCodeTaken as exc:
        return _confirm_page(request, election, exc, form=form)
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("form", slug=election.slug, code=code)
    messages.success(
        request,
        _("%(code)s version %(version)s is live: observers get it now.")
        % {"code": code, "version": version},
    )
    return redirect("form", slug=election.slug, code=code)


@login_required
@require_POST
def form_close(request: PollwatchRequest, slug: str, code: str, version: int) -> HttpResponse:
    election, access = forms_for_user(request, slug, manage=True)
    form = form_version(election, code, version)
    if request.POST.get("confirm") != "close":
        # Closing stops every observer reporting on this form: one more click, with what it does.
        reports = form.submissions.count()
        return render(
            request,
            "checklists/close.html",
            {"election": election, "form": form, "reports": reports},
        )
    try:
        close(form, actor=_actor(request))
    except NotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(code)s is closed: observers, SMS and ODK no longer get it.") % {"code": code},
        )
    return redirect("form", slug=election.slug, code=code)


@login_required
@require_GET
def form_preview(request: PollwatchRequest, slug: str, code: str, version: int) -> HttpResponse:
    """The observer app itself, drawing this version in one of its languages; nothing is sent."""
    from pollwatch.submissions.views import observer_spec

    election, access = forms_for_user(request, slug)
    form = form_version(election, code, version)
    spec = form.spec
    language = request.GET.get("lang") or spec.languages[0]
    if language not in spec.languages:
        raise Http404(f"Form {code} has no {language!r} texts")
    preview = {
        "language": language,
        "deployment": {"election": election.slug, "station": "PREVIEW", "name": election.name},
        "form": {
            "election": election.slug,
            "code": form.code,
            "name": form.name,
            "kind": form.kind,
            "phase": form.phase,
            "version": form.version,
            "spec": observer_spec(spec.to_dict(), language),
        },
    }
    return render(
        request,
        "observer_app/app.html",
        {
            "preview": preview,
            "preview_form": form,
            "languages": spec.languages,
            "language": language,
            "election": election,
        },
    )


@login_required
@require_GET
def form_compare(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    election, access = forms_for_user(request, slug)
    versions = list(Form.objects.filter(election=election, code=code).order_by("-version"))
    if not versions:
        raise Http404(f"No form {code}")
    numbers = [v.version for v in versions]
    try:
        before_number = int(
            request.GET.get("a") or (numbers[1] if len(numbers) > 1 else numbers[0])
        )
        after_number = int(request.GET.get("b") or numbers[0])
    except ValueError:
        raise Http404("Versions are numbers") from None
    before = form_version(election, code, before_number)
    after = form_version(election, code, after_number)
    form_changes, rows = compare(before.spec.to_dict(), after.spec.to_dict())
    return render(
        request,
        "checklists/compare.html",
        {
            "election": election,
            "code": code,
            "versions": versions,
            "before": before,
            "after": after,
            "form_changes": form_changes,
            "rows": rows,
            "counts": {
                status: sum(row.status == status for row in rows)
                for status in ("added", "removed", "changed", "same")
            },
        },
    )


@login_required
@require_POST
def forms_defaults(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = forms_for_user(request, slug, manage=True)
    installed = install_defaults(election, actor=_actor(request))
    created = [f"{form.code} v{form.version}" for form, new in installed if new]
    current = [f"{form.code} v{form.version}" for form, new in installed if not new]
    if created:
        messages.success(request, _("Installed live: %(forms)s.") % {"forms": ", ".join(created)})
    if current:
        messages.info(request, _("Already current: %(forms)s.") % {"forms": ", ".join(current)})
    return redirect("forms", slug=election.slug)
