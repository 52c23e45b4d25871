"""Import people (observers, supervisors, ...) with their role in an election, all or nothing.

Fields (``pollwatch.lib.columns.PEOPLE_FIELDS``): ``name`` (required),
``role`` (the import's default role when absent or blank), ``code`` (the id
typed in SMS; made up when absent — Apollo's ``Participant ID`` lands here, so
Apollo-trained observers keep their ids), ``phone`` (required for observers and
supervisors; normalised to E.164), ``other_phones`` (any number of columns,
e.g. Apollo's ``Phone #2``, ``Phone #3``), ``email``, ``area_code`` (home area
or area of responsibility), ``language``. The file's columns are mapped to
them by a confirmed mapping or a guess (with an Apollo/NEMO/pollwatch preset).
Columns that map to nothing are listed in the result and, with
``keep_extra``, kept on each person as ``extra`` attributes. Duplicate codes,
phones and emails, within the file or against people already in the mission,
are reported by row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from pollwatch.elections.importers import ErrorList, audit_import, import_limits
from pollwatch.elections.models import Area, Election, ImportJob
from pollwatch.lib.columns import (
    PEOPLE_FIELDS,
    PEOPLE_PRESETS,
    guess_mapping,
    kept_columns,
    missing_columns,
    resolve,
    unknown_fields,
)
from pollwatch.lib.phones import to_e164
from pollwatch.lib.tabular import TableError, read_rows
from pollwatch.observers.models import Membership, Mission, Person, Role
from pollwatch.sms.grammar import MAX_OBSERVER_ID_DIGITS

ROLES = {choice.value for choice in Role}
ROLE_ALIASES = {
    "media monitor": Role.MEDIA_MONITOR,
    "media": Role.MEDIA_MONITOR,
    "data clerk": Role.CLERK,
    # Apollo's and NEMO's usual role names
    "obs": Role.OBSERVER,
    "enumerator": Role.OBSERVER,
    "sup": Role.SUPERVISOR,
}
PHONE_REQUIRED = {Role.OBSERVER, Role.SUPERVISOR}
# The widths of Person's columns: a longer value is refused with its row, never cut.
CODE_MAX = Person._meta.get_field("code").max_length or 32


def _sms_readable(code: str) -> bool:
    """An id the SMS grammar reads back whole (``sms.grammar.read_observer_id``)."""
    return code.isascii() and code.isdigit() and len(code) <= MAX_OBSERVER_ID_DIGITS


NAME_MAX = Person._meta.get_field("full_name").max_length or 200
EMAIL_MAX = Person._meta.get_field("email").max_length or 254
LANGUAGE_MAX = Person._meta.get_field("language").max_length or 10


@dataclass
class PeopleImportResult:
    people: int
    memberships: int
    unmapped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def mission_for(election: Election) -> Mission:
    mission = election.missions.order_by("pk").first()
    if mission is None:
        mission = Mission.objects.create(
            election=election, name=f"{election.name} observation mission"
        )
    return mission


def import_people(
    election: Election,
    path: Path,
    *,
    encoding: str = "utf-8",
    region: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    job: ImportJob | None = None,
    mapping: dict | None = None,
    preset: str | None = None,
    keep_extra: bool = False,
    default_role: str = Role.OBSERVER,
) -> PeopleImportResult:
    """Check every row, then create people and their memberships in one transaction, with an audit event.

    ``mapping`` ({field: column}) is the confirmed one; without it the columns
    are guessed from the header (with ``preset``'s names only, if given).
    Raises ImportFailed listing every problem, or TableError (unreadable file, or
    over the MAX_IMPORT_* limits); nothing is written then. ``job`` (the stored
    file being imported) is named in the audit event.
    """
    header_raw, rows = read_rows(path, encoding, import_limits())
    errors = ErrorList()
    for key, absent in missing_columns(header_raw, mapping or {}):
        errors.add(
            1,
            key,
            f"the mapping names column {absent!r}, which the file has not (or has twice)"
            f" (the file has: {', '.join(header_raw[:30])})",
        )
    for key, reason in unknown_fields(mapping or {}, PEOPLE_FIELDS):
        errors.add(1, key, reason)
    errors.raise_if_any()
    mapping = mapping or guess_mapping(header_raw, PEOPLE_FIELDS, PEOPLE_PRESETS, preset)
    try:
        resolved = resolve(header_raw, mapping)
    except ValueError as exc:
        errors.add(1, "", str(exc))
        errors.raise_if_any()
    header = resolved.header(len(header_raw))
    column = {name: index for index, name in enumerate(header) if name}
    other_phone_columns = resolved.many.get("other_phones", [])
    kept = kept_columns(resolved.unmapped) if keep_extra else []
    if "name" not in column:
        errors.add(
            1,
            "name",
            f"no column is mapped to the name (the file has: {', '.join(header_raw[:30])})",
        )
    if default_role not in ROLES:
        errors.add(
            None, "role", f"unknown default role (use {', '.join(sorted(ROLES))})", default_role
        )
    errors.raise_if_any()
    mission = election.missions.order_by("pk").first()
    existing = Person.objects.filter(mission=mission) if mission else Person.objects.none()
    # value: the row where it was first seen, or a note that it exists already
    codes: dict[str, int | str] = {
        code: "already in the mission" for code in existing.values_list("code", flat=True)
    }
    phones: dict[str, int | str] = {
        phone: "already in the mission"
        for phone in existing.values_list("phone", flat=True)
        if phone
    }
    emails: dict[str, int | str] = {
        email.lower(): "already in the mission"
        for email in existing.values_list("email", flat=True)
        if email
    }
    areas = dict(Area.objects.filter(election=election).values_list("code", "pk"))
    region = region or election.country_code or None
    width = len(header)
    people: list[dict] = []

    def cell(cells: list[str], name: str) -> str:
        index = column.get(name)
        return cells[index] if index is not None else ""

    try:
        for row_number, cells in rows:
            if not any(cells):
                continue
            if len(cells) != width:
                errors.add(row_number, "", f"expected {width} cells, found {len(cells)}")
                continue
            if progress is not None and row_number % 1000 == 0:
                progress("checking", row_number, 0)
            bad = False
            name = cell(cells, "name")
            if not name:
                errors.add(row_number, "name", "missing name")
                bad = True
            elif len(name) > NAME_MAX:
                errors.add(row_number, "name", f"name longer than {NAME_MAX} characters", name)
                bad = True
            role_text = cell(cells, "role").lower().strip() or default_role
            role = ROLE_ALIASES.get(role_text, role_text.replace(" ", "_"))
            if role not in ROLES:
                errors.add(
                    row_number, "role", f"unknown role (use {', '.join(sorted(ROLES))})", role_text
                )
                bad = True
            code = cell(cells, "code")
            if len(code) > CODE_MAX:
                errors.add(row_number, "code", f"code longer than {CODE_MAX} characters", code)
                bad = True
            elif code and role == Role.OBSERVER and not _sms_readable(code):
                errors.add(
                    row_number,
                    "code",
                    "an observer's code is the id typed in every SMS report:"
                    f" 1 to {MAX_OBSERVER_ID_DIGITS} digits",
                    code,
                )
                bad = True
            elif code:
                if code in codes:
                    errors.add(row_number, "code", f"duplicate code ({_where(codes[code])})", code)
                    bad = True
                else:
                    codes[code] = row_number
            phone_text = cell(cells, "phone")
            phone = ""
            if phone_text:
                try:
                    phone = to_e164(phone_text, region)
                except ValueError as exc:
                    errors.add(row_number, "phone", str(exc), phone_text)
                    bad = True
                else:
                    if phone in phones:
                        errors.add(
                            row_number,
                            "phone",
                            f"duplicate phone {phone} ({_where(phones[phone])})",
                            phone_text,
                        )
                        bad = True
                    else:
                        phones[phone] = row_number
            elif role in PHONE_REQUIRED:
                errors.add(row_number, "phone", f"a phone number is required for the {role} role")
                bad = True
            other_phones = []
            for at in other_phone_columns:
                if not cells[at]:
                    continue
                try:
                    number = to_e164(cells[at], region)
                except ValueError as exc:
                    errors.add(row_number, header_raw[at], str(exc), cells[at])
                    bad = True
                    continue
                if number in phones:
                    errors.add(
                        row_number,
                        header_raw[at],
                        f"duplicate phone {number} ({_where(phones[number])})",
                        cells[at],
                    )
                    bad = True
                else:
                    phones[number] = row_number
                    other_phones.append(number)
            email = cell(cells, "email").lower()
            if email:
                try:
                    validate_email(email)
                    if len(email) > EMAIL_MAX:
                        raise ValidationError("too long")
                except ValidationError:
                    errors.add(row_number, "email", "not an email address", email)
                    bad = True
                else:
                    if email in emails:
                        errors.add(
                            row_number, "email", f"duplicate email ({_where(emails[email])})", email
                        )
                        bad = True
                    else:
                        emails[email] = row_number
            area_code = cell(cells, "area_code")
            if area_code and area_code not in areas:
                errors.add(row_number, "area_code", "no such area in this election", area_code)
                bad = True
            language = (cell(cells, "language") or "en").lower()
            if len(language) > LANGUAGE_MAX:
                errors.add(
                    row_number,
                    "language",
                    f"not a language tag (at most {LANGUAGE_MAX} characters, e.g. en, az, ru-RU)",
                    language,
                )
                bad = True
            if not bad:
                people.append(
                    {
                        "code": code,
                        "name": name,
                        "phone": phone,
                        "email": email,
                        "role": role,
                        "area_id": areas.get(area_code),
                        "language": language,
                        "other_phones": other_phones,
                        "extra": {name: cells[at] for at, name in kept if cells[at]},
                    }
                )
    except TableError as exc:
        errors.add(exc.error.row, exc.error.column, exc.error.reason)
    errors.raise_if_any()

    with transaction.atomic():
        mission = mission_for(election)
        used = set(Person.objects.filter(mission=mission).values_list("code", flat=True)) | {
            p["code"] for p in people if p["code"]
        }
        next_code = 1000
        for person in people:
            if not person["code"]:
                while str(next_code) in used:
                    next_code += 1
                person["code"] = str(next_code)
                used.add(person["code"])
        created = Person.objects.bulk_create(
            [
                Person(
                    mission=mission,
                    code=p["code"],
                    full_name=p["name"],
                    phone=p["phone"],
                    email=p["email"],
                    language=p["language"],
                    other_phones=p["other_phones"],
                    extra=p["extra"],
                )
                for p in people
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [
                Membership(person=person, election=election, role=p["role"], area_id=p["area_id"])
                for person, p in zip(created, people, strict=True)
            ],
            batch_size=2000,
        )
        audit_import(
            "people.imported",
            election,
            path,
            job,
            {
                "people": len(created),
                "memberships": len(created),
                "mission": mission.pk,
                "mapping": mapping,
                "unmapped": [name for _, name in resolved.unmapped],
                "kept_as_extra": [name for _, name in kept],
            },
        )
    return PeopleImportResult(
        len(created),
        len(created),
        [name for _, name in resolved.unmapped],
        [name for _, name in kept],
    )


def _where(first: int | str) -> str:
    return f"first at row {first}" if isinstance(first, int) else str(first)
