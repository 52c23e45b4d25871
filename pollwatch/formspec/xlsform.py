"""Import an XLSForm (the ODK spreadsheet format) as a FormSpec: kept whole, or refused whole.

The spreadsheet is read by pyxform's own reader, so anything ODK tools accept
is read the same way here; this module maps pyxform's JSON to a FormSpec.
What a form says is either kept with the same meaning or the import is
refused with **one list of every problem**, each naming the sheet, the row,
the question and the column (``survey row 7 (district), choice_filter:
...``); nothing is dropped or changed in meaning without a word. The mapping
(docs/forms.md has the table):

* ``select_one`` -> single, ``select_multiple`` -> multiple, ``integer``
  (and pyxform's alias ``int``), ``decimal``, ``date``, ``time``,
  ``geopoint`` (and ``gps``), ``text`` (and ``string``), ``image`` ->
  photo; ``or_other`` adds the ``other`` choice and the text question pyxform
  makes for it;
* ``begin_group`` -> a group (nested groups are flattened into the outer one;
  a group's ``relevant`` is and-ed into each of its questions); questions
  outside any group go into a group named after the form;
* ``relevant``, ``constraint``, ``required`` (yes/no, or an expression),
  ``choice_filter`` and the ``calculation`` of a ``calculate`` row that they
  read are translated by ``xpath.translate``, which knows each question's
  type (see there);
* ``constraint``: a simple range on an integer without a message becomes
  minimum/maximum; any other constraint becomes a cross-field check with its
  ``constraint_message`` (pollwatch's wording when none is given);
* ``choice_filter`` -> a ``relevant`` on each choice (the app hides the
  choice and the server refuses it when the filter does not hold); choices
  listed twice under one name (``allow_choice_duplicates``) become one choice
  offered under either condition;
* ``default`` and ``read_only`` are kept; ``${name}`` in a label or hint is
  rewritten to ``${CODE}``, which the app fills in with the answer;
* ``note`` rows and metadata (start, end, today, deviceid ...) carry no
  observer answer and are left out (pollwatch records who sent what when).

The question code is the ``sms_field`` column when given, else the ``name``
upper-cased. The form code comes from the settings sheet (a ``code`` column,
else ``form_id``) unless the caller gives one; it must fit pollwatch's form
codes (1-10 letters and digits, typed in SMS), so a long ``form_id`` is
refused rather than cut: ``election_day_opening`` and
``election_day_closing`` would both have become ``ELECTIONDA``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .expr import CODE_PATTERN, ExpressionError, compile_expression
from .spec import (
    FORM_CODE_PATTERN,
    LANGUAGE_PATTERN,
    Check,
    FormSpec,
    FormSpecError,
    Group,
    Option,
    Question,
    is_iso_date,
)
from .xpath import Context, Field, Untranslatable, translate

_TYPES = {
    "select one": "single",
    "select all that apply": "multiple",
    "integer": "integer",
    "int": "integer",
    "text": "text",
    "string": "text",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "geopoint": "geopoint",
    "gps": "geopoint",
    "photo": "photo",
}
# Metadata and display-only rows: no answer from the observer.
_SKIPPED_TYPES = {
    "note", "start", "end", "today", "deviceid", "subscriberid", "uri:deviceid",
    "simserial", "phonenumber", "username", "email", "audit", "start-geopoint",
}  # fmt: skip
_TYPE_ADVICE = {
    "datetime": "pollwatch stamps every report with its time; use a date and a time question",
    "dateTime": "pollwatch stamps every report with its time; use a date and a time question",
    "geotrace": "pollwatch keeps one point (geopoint), not a line",
    "geoshape": "pollwatch keeps one point (geopoint), not a shape",
    "select one external": "choices must be listed in the choices sheet",
    "hidden": "pollwatch has no hidden answers",
}
_REPEATS = ("repeat", "loop")
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"", "no", "false", "false()", "0"}
# Columns written "label::English" without a code; the rest must say "Name (code)".
_LANGUAGE_NAMES = {
    "english": "en", "azerbaijani": "az", "russian": "ru", "urdu": "ur", "french": "fr",
    "spanish": "es", "arabic": "ar", "ukrainian": "uk", "georgian": "ka", "armenian": "hy",
    "turkish": "tr", "persian": "fa", "portuguese": "pt", "german": "de", "chinese": "zh",
    "hindi": "hi", "swahili": "sw", "kyrgyz": "ky", "kazakh": "kk", "uzbek": "uz",
}  # fmt: skip
_LANGUAGE_IN_PARENS = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\)\s*$")
_RANGE_PART = re.compile(r"\(?\s*([A-Z][A-Z0-9_]*)\s*(>=|<=|>|<)\s*(-?\d+)\s*\)?")
_LABEL_REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")
# Keys of pyxform's JSON that carry nothing an observer sees or a rule reads.
_IGNORED_KEYS = {
    "type", "name", "label", "hint", "bind", "choices", "children", "itemset", "list_name",
    "parameters", "appearance", "sms_field", "control", "default", "choice_filter", "__row_number",
}  # fmt: skip
_KNOWN_BIND = {
    "relevant", "constraint", "jr:constraintMsg", "required", "readonly", "calculate",
    "jr:preload", "orx:max-pixels",
}  # fmt: skip


class XLSFormError(ValueError):
    """The XLSForm cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("XLSForm import failed:\n  " + "\n  ".join(self.problems))


def form_from_xlsform(
    path: str | Path,
    code: str | None = None,
    kind: str = "checklist",
    phase: str = "any",
    version: int | None = None,
    default_language: str = "en",
    strict: bool = True,
    warnings: list[str] | None = None,
) -> FormSpec:
    """Read the XLSForm at ``path`` as a FormSpec, with form code ``code`` if given.

    Without ``code`` the settings sheet's ``code`` column, else its ``form_id``
    (else the file name), upper-cased without anything but letters and digits,
    must fit a form code; otherwise that is one of the problems. ``version``
    defaults to the settings sheet's version when it is a whole number, else 1.
    Raises XLSFormError listing every problem at once if anything cannot be
    kept as written (with ``strict``, the default) or if the result is not a
    valid form. Without ``strict``, the parts with problems are left out and
    each problem is appended to ``warnings``.
    """
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    if warnings is None:
        warnings = []
    try:
        workbook = get_xlsform(str(path))
        survey = workbook_to_json(
            workbook,
            form_name="data",
            fallback_form_name=workbook.fallback_form_name,
            default_language=default_language,
            warnings=[],
        )
    except PyXFormError as exc:
        raise XLSFormError([f"{Path(path).name}: pyxform cannot read it: {exc}"]) from None
    rows = _Rows(workbook)
    importer = _Importer(default_language, rows)
    settings = rows.settings
    source_id = str(survey.get("id_string") or Path(path).stem)
    if code is None:
        code = importer.form_code(settings, source_id)
    if settings.get("public_key"):
        importer.problems.append(
            "settings row 2, public_key: encrypted submissions are not supported; pollwatch"
            " keeps reports on the mission's server (see docs/deployment.md)"
        )
    importer.walk(survey.get("children", []), group=None, group_relevant=None)
    importer.unused_calculations()

    title = survey.get("title") or survey.get("id_string") or code
    title_text = (
        importer.text(title)
        if isinstance(title, Mapping)
        else {lang: str(title) for lang in importer.languages or [default_language]}
    )
    groups = importer.groups
    if importer.loose:
        groups.insert(0, Group(code="MAIN", label=title_text, questions=tuple(importer.loose)))
    if version is None:
        raw_version = str(survey.get("version") or "1").strip()
        version = int(raw_version) if raw_version.isdigit() and 0 < int(raw_version) < 2**31 else 1
    languages = importer.languages or [default_language]
    spec = None
    problems = importer.problems
    if not groups:
        problems.append(
            "survey: no question an observer answers (select_one, select_multiple, integer,"
            " decimal, date, time, geopoint, text, image)"
        )
    else:
        try:
            spec = FormSpec(
                code=code,
                name=title_text,
                kind=kind,
                phase=phase,
                version=version,
                languages=tuple(languages),
                groups=tuple(groups),
                checks=tuple(importer.checks),
                source=f"xlsform:{source_id}",
            )
        except FormSpecError as exc:
            problems += importer.spec_problems(exc.problems)
    if problems and (strict or spec is None):
        raise XLSFormError(problems)
    warnings.extend(problems)
    assert spec is not None
    return spec


class _Rows:
    """Row numbers of the workbook, as the spreadsheet shows them (header = row 1)."""

    def __init__(self, workbook: Any):
        self.survey: dict[str, int] = {}
        for index, row in enumerate(workbook.survey or [], 2):
            name = _cell(row, "name")
            if name and name not in self.survey:
                self.survey[name] = index
        self.choices: dict[tuple[str, str], list[int]] = {}
        for index, row in enumerate(workbook.choices or [], 2):
            key = (_cell(row, "list_name") or _cell(row, "list name"), _cell(row, "name"))
            self.choices.setdefault(key, []).append(index)
        self.settings: dict[str, str] = {
            str(key).strip().lower(): str(value).strip()
            for key, value in ((workbook.settings or [{}])[0] or {}).items()
            if value is not None
        }

    def question(self, name: str) -> str:
        # or_other makes "<name>_other", which has no row of its own.
        row = self.survey.get(name)
        if row is None and name.endswith("_other") and name[: -len("_other")] in self.survey:
            return f"survey row {self.survey[name[: -len('_other')]]} ({name}, made by or_other)"
        return f"survey row {row} ({name})" if row else f"survey ({name})"

    def choice(self, list_name: str, name: str, nth: int = 0) -> str:
        found = self.choices.get((list_name, name)) or []
        row = found[min(nth, len(found) - 1)] if found else None
        return f"choices row {row} ({list_name}/{name})" if row else f"choices ({list_name}/{name})"


def _cell(row: Mapping[str, Any], column: str) -> str:
    for key, value in row.items():
        if str(key).strip().lower() == column and value is not None:
            return str(value).strip()
    return ""


@dataclass
class _Row:
    """One survey row as pyxform gives it, with what the importer learnt about it."""

    name: str
    type: str
    data: Mapping[str, Any]
    field: Field | None


class _Importer:
    def __init__(self, default_language: str, rows: _Rows):
        self.default_language = default_language
        self.rows = rows
        self.languages: list[str] = []
        self.problems: list[str] = []
        self.groups: list[Group] = []
        self.loose: list[Question] = []
        self.checks: list[Check] = []
        self.fields: dict[str, Field] = {}  # XLSForm name -> what an expression can read
        self.others: dict[str, str] = {}  # name -> type, for rows no expression can read
        self.where_code: dict[str, str] = {}  # question code -> "survey row N (name)"
        self.bad_languages: set[str] = set()
        self.used_calculations: set[str] = set()
        self.bad_codes: set[str] = set()  # reported once, at their own row
        self.dropped: set[str] = set()  # questions left out for problems reported at their row

    def problem(self, where: str, column: str | None, message: str) -> None:
        self.problems.append(f"{where}, {column}: {message}" if column else f"{where}: {message}")

    def form_code(self, settings: Mapping[str, str], source_id: str) -> str:
        if settings.get("code"):
            column, raw = "code", settings["code"]
        elif settings.get("form_id"):
            column, raw = "form_id", settings["form_id"]
        else:
            column, raw = None, source_id
        code = re.sub(r"[^A-Z0-9]", "", raw.upper())
        if FORM_CODE_PATTERN.fullmatch(code):
            return code
        where = f"settings row 2, {column}" if column else f"file name {raw!r}"
        self.problems.append(
            f"{where}: {raw!r} does not make a form code (1-10 letters and digits, starting"
            " with a letter, which observers type in SMS); add a 'code' column to the settings"
            " sheet, or give the code when importing (--code)"
        )
        return "X"

    def language(self, column: str) -> str:
        if column == "default":
            return self.default_language
        match = _LANGUAGE_IN_PARENS.search(column)
        if match:
            return match.group(1).lower()
        name = column.strip().lower()
        if name in _LANGUAGE_NAMES:
            return _LANGUAGE_NAMES[name]
        if not LANGUAGE_PATTERN.fullmatch(name) and column not in self.bad_languages:
            self.bad_languages.add(column)
            self.problems.append(
                f"survey, ...::{column}: language column {column!r}: name the language with its"
                " code, e.g. 'English (en)'"
            )
        return name

    def text(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            out = {
                self.language(str(key)): str(text)
                for key, text in value.items()
                if text is not None
            }
        else:
            out = {self.default_language: str(value)}
        for lang in out:
            if lang not in self.languages:
                self.languages.append(lang)
        return out

    def shown_text(self, value: Any, where: str, column: str) -> dict[str, str]:
        """A label or hint, with ``${name}`` rewritten to ``${CODE}`` for the app to fill in."""
        text = self.text(value)

        def code_of(match: re.Match) -> str:
            name = match.group(1)
            target = self.fields.get(name)
            if target is None or target.kind == "calculate":
                self.problem(
                    where,
                    column,
                    f"${{{name}}} cannot be shown: "
                    + ("it is a calculation" if target else "there is no such question"),
                )
                return match.group(0)
            return "${" + target.code + "}"

        return {lang: _LABEL_REFERENCE.sub(code_of, body) for lang, body in text.items()}

    def walk(
        self, children: list, group: list[Question] | None, group_relevant: str | None
    ) -> None:
        if group is None:
            # First pass: every row an expression may read, so a relevant may name a later question.
            self._collect(children, in_repeat=False)
        for child in children:
            kind = child.get("type")
            name = str(child.get("name", "?"))
            bind = child.get("bind") or {}
            where = self.rows.question(name)
            if kind == "group" and name == "meta":
                continue
            if kind == "group":
                relevant = self.expression(bind.get("relevant"), name, "relevant")
                combined = _and(group_relevant, relevant)
                if group is None:
                    questions: list[Question] = []
                    self.walk(child.get("children", []), questions, combined)
                    if questions:
                        self.groups.append(
                            Group(
                                code=_code(name),
                                label=self.text(child.get("label"))
                                or {self.default_language: name},
                                questions=tuple(questions),
                            )
                        )
                else:
                    self.walk(child.get("children", []), group, combined)
                continue
            if kind in _REPEATS:
                self.problem(
                    where, "type", f"{kind} groups are not supported (one report per station)"
                )
                continue
            if kind in _SKIPPED_TYPES or kind == "calculate":
                continue
            if kind not in _TYPES:
                advice = _TYPE_ADVICE.get(str(kind))
                self.problem(
                    where,
                    "type",
                    f"question type {kind!r} is not supported"
                    + (f" ({advice})" if advice else "")
                    + "; pollwatch forms hold select_one, select_multiple, integer, decimal,"
                    " date, time, geopoint, text and image questions",
                )
                continue
            question = self.question(child, _TYPES[kind], group_relevant)
            if question is not None:
                (group if group is not None else self.loose).append(question)

    def _collect(self, children: list, in_repeat: bool) -> None:
        for child in children:
            kind = child.get("type")
            name = child.get("name")
            if kind == "group" and name == "meta":
                continue  # pyxform's instanceID; pollwatch gives every report its own id
            if kind == "group":
                self._collect(child.get("children", []), in_repeat)
                continue
            if kind in _REPEATS:
                self.others[str(name)] = "question in a repeat"
                self._collect(child.get("children", []), True)
                continue
            if not name:
                continue
            if in_repeat:
                self.others[name] = "question in a repeat"
            elif kind == "calculate":
                calculation = (child.get("bind") or {}).get("calculate")
                self.fields[name] = Field(
                    code=_code(name), kind="calculate", calculation=calculation
                )
            elif kind in _TYPES:
                code = _code(child.get("sms_field") or name)
                if not CODE_PATTERN.fullmatch(code):
                    self.bad_codes.add(code)
                    self.problem(
                        self.rows.question(name),
                        "sms_field" if child.get("sms_field") else "name",
                        f"the question code {code!r} is too long or not a code (at most 16"
                        " letters, digits or _, starting with a letter); give a shorter code"
                        " in the sms_field column",
                    )
                options = tuple(str(choice.get("name")) for choice in child.get("choices") or ())
                self.fields[name] = Field(code=code, kind=_TYPES[kind], options=options)
                self.where_code[code] = self.rows.question(name)
            else:
                self.others[name] = f"{kind} row"

    def unsupported(self, name: str) -> str | None:
        if name in self.others:
            return f"${{{name}}} is a {self.others[name]}, which pollwatch keeps no answer for"
        return None

    def question(
        self, child: Mapping[str, Any], kind: str, group_relevant: str | None
    ) -> Question | None:
        name = child["name"]
        where = self.rows.question(name)
        code = self.fields[name].code
        bind = child.get("bind") or {}
        before = len(self.problems)
        self._unsupported_columns(child, where)
        options = self.options(child, where)
        minimum = maximum = None
        constraint = bind.get("constraint")
        given_message = self.text(bind.get("jr:constraintMsg"))
        if constraint:
            translated = self.expression(constraint, name, "constraint", self_name=name)
            if translated is not None:
                bounds = _range(translated, code) if kind == "integer" else None
                if bounds is not None and not given_message:
                    minimum, maximum = bounds
                else:
                    # A range with its own message stays a check, so the message is kept.
                    message = given_message or {self.default_language: f"{code}: {constraint}"}
                    self.checks.append(Check(expression=translated, message=message))
        elif given_message:
            self.problem(where, "constraint_message", "there is no constraint for it to explain")
        relevant = _and(group_relevant, self.expression(bind.get("relevant"), name, "relevant"))
        required, required_if = self.required(bind, name, where)
        default = self.default(child.get("default"), kind, self.fields[name], where)
        read_only = str(bind.get("readonly", "")).strip().lower()
        if read_only not in _TRUE | _FALSE:
            self.problem(where, "read_only", f"{read_only!r} must be yes or no")
        if bind.get("calculate"):
            self.problem(
                where,
                "calculation",
                "a calculation on a question is not supported; use a calculate row",
            )
        if len(self.problems) > before:
            self.dropped.add(code)
            return None
        return Question(
            code=code,
            kind=kind,
            label=self.shown_text(child.get("label"), where, "label")
            or {self.default_language: name},
            hint=self.shown_text(child.get("hint"), where, "hint"),
            options=options,
            minimum=minimum,
            maximum=maximum,
            required=required,
            relevant=relevant,
            required_if=required_if,
            default=default,
            read_only=read_only in _TRUE,
        )

    def _unsupported_columns(self, child: Mapping[str, Any], where: str) -> None:
        for key in sorted(set(child) - _IGNORED_KEYS):
            self.problem(where, key, "this column is not supported")
        for key in sorted(set(child.get("bind") or {}) - _KNOWN_BIND):
            column = {"jr:requiredMsg": "required_message"}.get(key, key)
            self.problem(where, column, "this column is not supported")

    def required(self, bind: Mapping[str, Any], name: str, where: str) -> tuple[bool, str | None]:
        raw = str(bind.get("required") or "").strip()
        if raw.lower() in _TRUE:
            return True, None
        if raw.lower() in _FALSE:
            return False, None
        return False, self.expression(raw, name, "required")

    def default(self, raw: Any, kind: str, target: Field, where: str) -> str | None:
        if raw is None or not str(raw).strip():
            return None
        value = str(raw).strip()
        if "${" in value or "(" in value:
            self.problem(where, "default", f"{value!r}: only a fixed answer can be a default")
            return None
        if kind == "single" and value not in target.options:
            self.problem(where, "default", f"{value!r} is not one of the choices")
        elif kind == "multiple" and not set(value.split()) <= set(target.options):
            self.problem(where, "default", f"{value!r} names a choice that is not in the list")
        elif kind == "integer" and not re.fullmatch(r"-?\d{1,15}", value):
            self.problem(where, "default", f"{value!r} is not a whole number")
        elif kind == "decimal" and not re.fullmatch(r"-?\d{1,15}(\.\d{1,6})?", value):
            self.problem(where, "default", f"{value!r} is not a number with at most 6 decimals")
        elif kind == "date":
            # A date cell in Excel reaches pyxform as a datetime at midnight.
            day = value.removesuffix(" 00:00:00")
            if not is_iso_date(day):
                self.problem(where, "default", f"{value!r} is not a day written YYYY-MM-DD")
                return None
            return day
        elif kind == "time":
            clock = re.fullmatch(
                r"([01]\d|2[0-3]):([0-5]\d)(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d|Z)?", value
            )
            if clock is None:
                self.problem(where, "default", f"{value!r} is not a time written HH:MM")
                return None
            return f"{clock[1]}:{clock[2]}"  # as the app's time input and validate.py keep it
        elif kind == "photo":
            self.problem(where, "default", "a photo question cannot have a default")
        return value

    def options(self, child: Mapping[str, Any], where: str) -> tuple[Option, ...]:
        """The choices, each with its choice_filter condition; duplicates merged when they agree."""
        list_name = str(child.get("list_name") or child.get("itemset") or "")
        choice_filter = child.get("choice_filter")
        merged: dict[str, tuple[dict[str, str], list[str | None]]] = {}
        order: list[str] = []
        seen: dict[str, int] = {}
        columns = frozenset(
            column for choice in child.get("choices") or () for column in _choice_columns(choice)
        )
        filter_problems: dict[str, list[str]] = {}
        for choice in child.get("choices") or ():
            option_code = str(choice.get("name"))
            nth = seen.get(option_code, 0)
            seen[option_code] = nth + 1
            label = self.text(choice.get("label")) or {self.default_language: option_code}
            condition: str | None = None
            if choice_filter:
                choice_where = self.rows.choice(list_name, option_code, nth)
                context = self._context(None, _choice_columns(choice), columns)
                try:
                    condition = _checked(translate(str(choice_filter), context), self.fields)
                except (Untranslatable, ExpressionError) as exc:
                    # One line per reason, naming every choice it concerns.
                    filter_problems.setdefault(str(exc), []).append(choice_where)
                    continue
                constant = compile_expression(condition)
                if not constant.names:
                    # The filter reads only this choice's columns: offered always, or never (as in ODK).
                    if constant.evaluate({}) is not True:
                        continue
                    condition = None
            if option_code in merged:
                if merged[option_code][0] != label:
                    self.problem(
                        self.rows.choice(list_name, option_code, nth),
                        "name",
                        f"{option_code!r} is listed twice with different labels; pollwatch"
                        " stores the choice code, so each code needs one label",
                    )
                merged[option_code][1].append(condition)
                continue
            merged[option_code] = (label, [condition])
            order.append(option_code)
        for reason, choices in filter_problems.items():
            shown = choices if len(choices) <= 3 else [*choices[:3], f"{len(choices) - 3} more"]
            self.problem(
                where, "choice_filter", f"{choice_filter!r}: {reason} (for {', '.join(shown)})"
            )
        options = []
        for option_code in order:
            label, conditions = merged[option_code]
            known = [condition for condition in conditions if condition is not None]
            relevant = (
                None
                if len(known) < len(conditions)
                else " or ".join(f"({c})" if len(known) > 1 else c for c in known)
            )
            options.append(Option(code=option_code, label=label, relevant=relevant))
        return tuple(options)

    def _context(
        self,
        self_name: str | None,
        choice: Mapping[str, str] | None = None,
        columns: frozenset[str] = frozenset(),
    ) -> Context:
        return Context(self.fields, self_name, choice, columns, self.unsupported)

    def expression(
        self, source: Any, name: str, column: str, self_name: str | None = None
    ) -> str | None:
        """Translate an XLSForm expression, or record why not and return None."""
        if source is None or not str(source).strip():
            return None
        source = str(source)
        self.used_calculations.update(re.findall(r"\$\{\s*([^}\s]+)\s*\}", source))
        try:
            return _checked(translate(source, self._context(self_name)), self.fields)
        except (Untranslatable, ExpressionError) as exc:
            if not any(repr(code) in str(exc) for code in self.bad_codes):
                self.problem(self.rows.question(name), column, f"{source!r}: {exc}")
            return None

    def unused_calculations(self) -> None:
        for name, target in self.fields.items():
            if target.kind == "calculate" and name not in self.used_calculations:
                self.problem(
                    self.rows.question(name),
                    "calculation",
                    "no condition reads this calculation and pollwatch does not store"
                    " calculated values, so it would be lost; delete the row or use it",
                )

    def spec_problems(self, problems: list[str]) -> list[str]:
        """FormSpec's problems, each with the survey row of the question it names."""
        out = []
        for problem in problems:
            match = re.search(r"question '([^']+)'", problem)
            if match and match.group(1) in self.bad_codes:
                continue  # reported at its row already
            if self.bad_languages and "languages must be" in problem:
                continue
            unknown = re.search(r"unknown question code\(s\): (.*)$", problem)
            if unknown and set(unknown.group(1).split(", ")) <= self.dropped | self.bad_codes:
                continue  # it reads a question refused above; that row says why
            if match and match.group(1) in self.where_code:
                problem = f"{self.where_code[match.group(1)]}: {problem}"
            out.append(problem)
        return out


def _choice_columns(choice: Mapping[str, Any]) -> dict[str, str]:
    """A choice's columns by the names a choice_filter uses (``label::English`` for a language)."""
    columns = {}
    for key, value in choice.items():
        if isinstance(value, Mapping):
            columns.update({f"{key}::{lang}": str(text) for lang, text in value.items()})
        elif value is not None:
            columns[str(key)] = str(value)
    return columns


def _checked(translated: str, fields: Mapping[str, Field]) -> str:
    compile_expression(translated, {field.code for field in fields.values()})
    return translated


def _range(expression: str, code: str) -> tuple[int | None, int | None] | None:
    """(minimum, maximum) if the expression is only bounds on ``code``, else None."""
    minimum = maximum = None
    for part in re.split(r"\s+and\s+", expression.strip()):
        match = _RANGE_PART.fullmatch(part.strip())
        if not match or match.group(1) != code:
            return None
        op, number = match.group(2), int(match.group(3))
        if op == ">=":
            minimum = number if minimum is None else max(minimum, number)
        elif op == ">":
            minimum = number + 1 if minimum is None else max(minimum, number + 1)
        elif op == "<=":
            maximum = number if maximum is None else min(maximum, number)
        else:
            maximum = number - 1 if maximum is None else min(maximum, number - 1)
    return minimum, maximum


def _and(first: str | None, second: str | None) -> str | None:
    if first and second:
        return f"({first}) and ({second})"
    return first or second


def _code(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", str(name)).upper()
