"""An OpenRosa server under ``/odk/``, so ODK Collect and Enketo can fetch pollwatch's forms and submit to it.

Three endpoints (docs/odk.md), every answer with ``X-OpenRosa-Version: 1.0``:

* ``GET /odk/formList``: the OpenRosa form list of the forms the observer
  fills (the active forms of the elections they are deployed in);
* ``GET /odk/forms/<form id>.xml``: one form as an XForm made by pyxform
  (``formspec/xform.py``), the station a choice among the observer's own;
* ``HEAD``/``POST /odk/submission``: a filled form, multipart with
  ``xml_submission_file`` and its photos.

Sign-in is HTTP Basic (over HTTPS): the observer code as user name, the
token of the observer's sign-in link as password. A request without
credentials gets 401 with ``WWW-Authenticate: Basic``, and ODK Collect
retries with them. Wrong credentials count in the login throttle; a post
counts in the same per-token quotas as the observer app's.

A post is kept raw before it is judged (the XML as text, each attachment's
name, type, size and sha256 in ``meta``; a refused post's attachments on disk
under ``uploads/odk-attachments``). :func:`instance_payload` turns the XML
into exactly the JSON body the observer app posts, and that goes through the
app's own intake, so both channels keep one set of rules.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mimetypes
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from pollwatch.accounts import throttle
from pollwatch.accounts.boundary import (
    Body,
    content_length,
    read_body,
    stores_raw_first,
)
from pollwatch.accounts.http import client_ip
from pollwatch.checklists.models import Form, active_forms
from pollwatch.elections.models import Election
from pollwatch.formspec.spec import FormSpec
from pollwatch.formspec.xform import STATION_FIELD, xform
from pollwatch.lib.boundary import decode_body, unstorable_problem
from pollwatch.observers.models import Deployment, Person, Role
from pollwatch.submissions import intake, quotas
from pollwatch.submissions.models import Inbound, ObserverToken

REALM = "pollwatch"
FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
RESPONSE_NS = "http://openrosa.org/http/response"
XML_PART = "xml_submission_file"
MAX_CODE_LENGTH = 150
_INTEGER = re.compile(r"[+-]?\d{1,15}")


class OpenRosaError(ValueError):
    """A submission that cannot be read; ``field`` names the part or question at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Attachment:
    """A file sent beside the XML (a photo), by the name the XML gives it."""

    content_type: str
    content: bytes


def form_id(election_slug: str, form_code: str) -> str:
    """The XForm id of an election's form: stable across versions (form codes hold no "-")."""
    return f"{election_slug}-{form_code}"


def parse_instance(xml_bytes: bytes) -> ET.Element:
    """The XML's root element; OpenRosaError for what is not plain, well-formed XML.

    A DOCTYPE is refused outright (an instance never needs one), so no entity
    is ever expanded: no "billion laughs", no external file read.
    """
    try:
        return parse_xml(xml_bytes, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise OpenRosaError(
            XML_PART, "a DOCTYPE or entity declaration is not allowed in a submission"
        ) from None
    except ET.ParseError as exc:
        raise OpenRosaError(XML_PART, f"not well-formed XML ({exc})") from None


def instance_payload(
    form_spec_or_form: FormSpec | Form, xml_bytes: bytes, attachments: Mapping[str, Attachment]
) -> dict[str, Any]:
    """The observer app's JSON body for one ODK submission: client_uuid, form, station, answers, observed_at.

    Pure: reads the XForm instance (``instanceID`` ``uuid:…`` -> client_uuid,
    ``station``, ``end`` else ``start`` -> observed_at, one element per question
    code wherever its group puts it) and turns answers into the app's types
    (yes_no 1/0 and whole numbers as numbers, multiple choices as lists, photos
    as ``data:`` URLs of the attachment the answer names). An answer the form
    would refuse is passed on as it came, for validation to name. Raises
    OpenRosaError naming the field for what cannot be read at all.
    """
    spec = form_spec_or_form.spec if isinstance(form_spec_or_form, Form) else form_spec_or_form
    root = parse_instance(xml_bytes)
    leaves: dict[str, str] = {}
    for element in root.iter():
        if len(element) or element is root:
            continue
        name = _local(element.tag)
        if name in leaves:
            raise OpenRosaError(name, "is answered twice in the submission")
        leaves[name] = (element.text or "").strip()
    instance_id = leaves.get("instanceID", "")
    try:
        if not instance_id.startswith("uuid:"):
            raise ValueError
        client_uuid = uuid.UUID(instance_id[5:])
    except ValueError:
        raise OpenRosaError(
            "instanceID", f"meta/instanceID must be uuid:<UUID>, not {instance_id[:60]!r}"
        ) from None
    station = leaves.get(STATION_FIELD, "")
    if not station:
        raise OpenRosaError(STATION_FIELD, "no polling station was chosen")
    answers: dict[str, Any] = {}
    for question in spec.questions:
        text = leaves.get(question.code, "")
        if text:
            answers[question.code] = _answer(question.kind, question.code, text, attachments)
    return {
        "client_uuid": str(client_uuid),
        "form": spec.code,
        "station": station,
        "answers": answers,
        "observed_at": leaves.get("end") or leaves.get("start") or None,
    }


def _answer(kind: str, code: str, text: str, attachments: Mapping[str, Attachment]) -> Any:
    if kind in ("yes_no", "integer") and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "multiple":
        return text.split()
    if kind == "photo":
        attachment = attachments.get(text)
        if attachment is None:
            raise OpenRosaError(code, f"the photo {text[:100]!r} was not attached to the post")
        media_type = attachment.content_type.split(";")[0].strip().lower()
        if not media_type.startswith("image/"):
            media_type = mimetypes.guess_type(text)[0] or "application/octet-stream"
        encoded = base64.b64encode(attachment.content).decode("ascii")
        return f"data:{media_type};base64,{encoded}"
    return text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _respond(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = http_date()
    return response


def _message(status: int, text: str, nature: str = "") -> HttpResponse:
    """The OpenRosa response envelope; ODK Collect shows the message to the observer."""
    root = ET.Element("OpenRosaResponse", xmlns=RESPONSE_NS)
    message = (
        ET.SubElement(root, "message", nature=nature) if nature else ET.SubElement(root, "message")
    )
    message.text = text
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return _respond(HttpResponse(body, status=status, content_type="text/xml; charset=utf-8"))


def _challenge(text: str) -> HttpResponse:
    response = _message(401, text)
    response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def observer_for_basic(request: HttpRequest) -> tuple[Person, str] | HttpResponse:
    """(the observer, their token's hash) for HTTP Basic credentials, or the 401/429 to answer.

    The user name is the observer code, the password the token of the sign-in
    link; only the token's hash is stored, so the look-up is by hash and code.
    A check with credentials runs under the login throttle (counted per code
    and per address); a request without them is the client's first try and
    counts nowhere.
    """
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return _challenge("Sign in with your observer code and the token of your sign-in link.")
    try:
        code, colon, token = (
            base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, ValueError):
        return _challenge("The Authorization header is not valid Basic credentials.")
    code = code.strip()
    if (
        not colon
        or not code
        or not token
        or len(code) > MAX_CODE_LENGTH
        or unstorable_problem(code + token)
    ):
        return _challenge("Wrong observer code or token.")
    token_hash = ObserverToken.hash(token)
    found: list[ObserverToken] = []

    def check() -> bool:
        found.extend(
            ObserverToken.objects.filter(token_hash=token_hash, revoked=False, person__code=code)
            .select_related("person")
            .order_by()[:1]
        )
        return bool(found)

    try:
        if not throttle.guard(request, code, check):
            return _challenge("Wrong observer code or token.")
    except throttle.LoginThrottled:
        response = _message(429, throttle.THROTTLED_MESSAGE)
        response["Retry-After"] = str(
            max(1, settings.LOGIN_RATE_WINDOW // max(1, settings.LOGIN_RATE_LIMIT))
        )
        return response
    ObserverToken.objects.filter(pk=found[0].pk).update(last_used=timezone.now())
    return found[0].person, token_hash


def _fillable(person: Person) -> Iterator[tuple[Election, Form, tuple[tuple[str, str], ...]]]:
    """(election, form, the observer's stations there as (code, label)) for every form they fill."""
    deployments = (
        Deployment.objects.filter(membership__person=person, membership__role=Role.OBSERVER)
        .select_related("station", "membership__election")
        .order_by("membership__election__slug", "reserve", "station__code")
    )
    stations: dict[Election, list[tuple[str, str]]] = {}
    for deployment in deployments:
        label = f"{deployment.station.code} · {deployment.station.name}"
        if deployment.reserve:
            label += " (reserve)"
        stations.setdefault(deployment.membership.election, []).append(
            (deployment.station.code, label)
        )
    for election, choices in stations.items():
        for code in sorted(active_forms(election)):
            yield election, active_forms(election)[code], tuple(choices)


def _xform(election: Election, form: Form, stations: tuple[tuple[str, str], ...]) -> str:
    return _xform_cached(
        form_id(election.slug, form.code), form.fingerprint, form.definition, stations
    )


@lru_cache(maxsize=256)
def _xform_cached(
    xform_id: str, fingerprint: str, definition: str, stations: tuple[tuple[str, str], ...]
) -> str:
    from pollwatch.checklists.models import parsed_form

    return xform(parsed_form(fingerprint, definition), xform_id, stations).xml


def _label(form: Form, language: str) -> str:
    name = form.spec.name
    return name.get(language) or name.get(form.spec.languages[0]) or form.name


def form_list(request: HttpRequest) -> HttpResponse:
    """The OpenRosa form list (``formID`` narrows it to one form); each hash covers this observer's XForm."""
    signed_in = observer_for_basic(request)
    if isinstance(signed_in, HttpResponse):
        return signed_in
    person, _ = signed_in
    wanted = request.GET.get("formID")
    root = ET.Element("xforms", xmlns=FORM_LIST_NS)
    for election, form, stations in _fillable(person):
        xform_id = form_id(election.slug, form.code)
        if wanted is not None and wanted != xform_id:
            continue
        xml = _xform(election, form, stations)
        entry = ET.SubElement(root, "xform")
        for tag, text in (
            ("formID", xform_id),
            ("name", _label(form, person.language)),
            ("version", str(form.version)),
            ("hash", "md5:" + hashlib.md5(xml.encode(), usedforsecurity=False).hexdigest()),
            ("downloadUrl", request.build_absolute_uri(reverse("odk-form", args=[xform_id]))),
        ):
            ET.SubElement(entry, tag).text = text
    body = ET.tostring(root, encoding="unicode")
    return _respond(HttpResponse(body, content_type="text/xml; charset=utf-8"))


def form_download(request: HttpRequest, xform_id: str) -> HttpResponse:
    """One form as an XForm, with the station to choose among this observer's deployments."""
    signed_in = observer_for_basic(request)
    if isinstance(signed_in, HttpResponse):
        return signed_in
    person, _ = signed_in
    for election, form, stations in _fillable(person):
        if form_id(election.slug, form.code) == xform_id:
            return _respond(
                HttpResponse(
                    _xform(election, form, stations), content_type="text/xml; charset=utf-8"
                )
            )
    return _message(404, f"form id {xform_id[:100]!r} is not a form you fill")


@csrf_exempt
@stores_raw_first
def submission(request: HttpRequest) -> HttpResponse:
    """HEAD: 204 with the size limit. POST: one filled form (multipart with ``xml_submission_file``).

    Checks in the observer app's order (docs/reporting.md): credentials (401),
    the token's rate (429), the body's size (413), its bytes per day (429);
    then the post is kept raw and read: what cannot be read (no XML part, not
    XML, a DOCTYPE, an unknown form, no instanceID, a photo named but not sent)
    is a 400 naming the field. The rest is the app's intake: a station that
    is not the observer's 403, answers validated, once per instanceID.
    """
    if request.method not in ("HEAD", "POST"):
        response = _message(405, "Use HEAD or POST.")
        response["Allow"] = "HEAD, POST"
        return response
    signed_in = observer_for_basic(request)
    if isinstance(signed_in, HttpResponse):
        return signed_in
    person, token_hash = signed_in
    if request.method == "HEAD":
        response = _respond(HttpResponse(status=204))
        response["X-OpenRosa-Accept-Content-Length"] = str(settings.OBSERVER_API_MAX_BYTES)
        return response
    meta: dict[str, Any] = {"remote": client_ip(request), "content_type": request.content_type}
    declared = content_length(request)
    small = declared is not None and declared <= quotas.SMALL_POST
    if not small:
        wait, why = quotas.posts_wait(token_hash)
        if wait:
            return _refuse(person, token_hash, 429, wait, why, meta)
    body = read_body(request, settings.OBSERVER_API_MAX_BYTES)
    if body.too_large:
        limit = settings.OBSERVER_API_MAX_BYTES
        message = f"the submission is {body.size:,} bytes; at most {limit:,} are accepted"
        return _refuse(person, token_hash, 413, 0, message, meta, body)
    charge = quotas.post_and_bytes_wait if small else quotas.bytes_wait
    wait, why = charge(token_hash, body.size)
    if wait:
        return _refuse(person, token_hash, 429, wait, why, meta, body)
    meta["bytes"] = body.size
    if content_length(request) is None:
        # A chunked post (which OpenRosa servers must take): Django's multipart parser reads
        # nothing without a length, and the de-chunked body is in hand now.
        request.META["CONTENT_LENGTH"] = str(body.size)
    try:
        xml_bytes, attachments = _parts(request)
    except OpenRosaError as exc:
        intake.store_inbound(
            Inbound.Channel.WEB,
            "odk",
            body.text,
            sender=person.code,
            meta=meta,
            sha256=body.sha256,
            refused=str(exc),
            person=person,
        )
        return _message(400, str(exc))
    meta["attachments"] = [
        {
            "name": name,
            "content_type": attachment.content_type,
            "bytes": len(attachment.content),
            "sha256": hashlib.sha256(attachment.content).hexdigest(),
        }
        for name, attachment in attachments.items()
    ]
    inbound = intake.store_inbound(
        Inbound.Channel.WEB,
        "odk",
        decode_body(xml_bytes).text,
        sender=person.code,
        meta=meta,
        sha256=body.sha256,
        person=person,
    )
    try:
        form = _submitted_form(person, parse_instance(xml_bytes))
        payload = instance_payload(form, xml_bytes, attachments)
    except OpenRosaError as exc:
        _refused(inbound, str(exc), attachments)
        return _message(400, str(exc))
    return _hand_to_intake(person, payload, inbound, meta)


def _parts(request: HttpRequest) -> tuple[bytes, dict[str, Attachment]]:
    """The XML and the attachments (by file name) of a multipart post."""
    if request.content_type != "multipart/form-data":
        raise OpenRosaError(
            XML_PART, f"the post must be multipart/form-data, not {request.content_type!r}"
        )
    try:
        files, fields = request.FILES, request.POST
    except (MultiPartParserError, RequestDataTooBig, SuspiciousOperation) as exc:
        raise OpenRosaError(XML_PART, f"the multipart body cannot be read ({exc})") from None
    xml_file = files.get(XML_PART)
    if xml_file is not None:
        xml_bytes = xml_file.read()
    elif XML_PART in fields:
        xml_bytes = fields[XML_PART].encode("utf-8")
    else:
        raise OpenRosaError(XML_PART, "the post has no xml_submission_file part")
    attachments: dict[str, Attachment] = {}
    for field_name, uploads in files.lists():
        if field_name == XML_PART:
            continue
        for uploaded in uploads:
            # ODK Collect names the part after the file; the XML answer holds the file's name.
            name = Path(uploaded.name or field_name).name
            attachments[name] = Attachment(uploaded.content_type or "", uploaded.read())
    return xml_bytes, attachments


def _submitted_form(person: Person, root: ET.Element) -> Form:
    """The active form the instance's ``id`` names, among the forms this observer fills."""
    wanted = root.get("id") or ""
    known = []
    for election, form, _stations in _fillable(person):
        xform_id = form_id(election.slug, form.code)
        if xform_id == wanted:
            return form
        known.append(xform_id)
    raise OpenRosaError(
        "form id",
        f"{wanted[:100]!r} is not a form you fill (yours: {', '.join(known) or 'none'})",
    )


def _hand_to_intake(
    person: Person, payload: dict[str, Any], inbound: Inbound, meta: dict[str, Any]
) -> HttpResponse:
    """The observer app's intake for the payload, as if the app had posted it; its outcome in
    OpenRosa. The payload is kept as a second raw row (gateway "odk-json", pointing at the XML's row)
    and read by the report reader like the app's posts; the reader writes the outcome on the XML's
    row too. ODK Collect and Enketo take 202 as success."""
    text = json.dumps(payload, ensure_ascii=False)
    data = text.encode("utf-8")
    body = Body(text, len(data), hashlib.sha256(data).hexdigest(), False, None)
    http, result = intake.intake_web(
        person,
        body,
        meta={"remote": meta["remote"], "via": "odk", "odk_inbound": inbound.pk},
        gateway="odk-json",
    )
    problems = "; ".join(p["message"] for p in result.problems)
    if http != 202:
        Inbound.objects.filter(pk=inbound.pk).update(
            status=Inbound.Status.REJECTED, problem=problems[:2000]
        )
        return _message(http, problems or "the report cannot be read")
    return _message(202, "Report received; it is checked in a moment.", nature="submit_success")


def _refused(inbound: Inbound, problem: str, attachments: Mapping[str, Attachment]) -> None:
    """Mark the raw row refused, and keep its attachments on disk by their sha256 (nothing is lost)."""
    folder = Path(settings.MEDIA_ROOT) / "odk-attachments"
    for attachment in attachments.values():
        digest = hashlib.sha256(attachment.content).hexdigest()
        path = folder / digest[:2] / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(attachment.content)
    Inbound.objects.filter(pk=inbound.pk).update(
        status=Inbound.Status.REJECTED, problem=problem[:2000]
    )


def _refuse(
    person: Person,
    token_hash: str,
    status: int,
    retry_after: int,
    message: str,
    meta: dict[str, Any],
    body: Body | None = None,
) -> HttpResponse:
    """A quota or size refusal in OpenRosa, traced as the observer app's are (quotas.refuse)."""
    quotas.trace_refusal(person, token_hash, status, message, meta, body, gateway="odk")
    response = _message(status, message)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
