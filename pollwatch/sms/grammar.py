"""Parse an observer's structured SMS into answers checked against the form's rules.

The grammar (docs/sms.md has it with examples and the replies)::

    FORM  OBSERVER-ID  CODE ANSWER  CODE ANSWER ...  [@ comment]

e.g. ``OP 1234 A1 1 A3 12 A5 135 @ long queue outside``. It follows NDI Apollo
and NEMO: question codes are read greedily by the codes the form knows, so
``A11A312`` means A1=1, A3=12. It recovers as a person reading the message
would: the observer id is the digit run after the form code, an unknown code
is named while the answers around it are kept, a yes/no code alone is yes, a
code is never the answer of the question before it, and O/I/l are digits where
a digit belongs. The parser never raises, keeps every valid answer even when
other parts are wrong, and reports each wrong part as a ``Problem`` that
``replies.reply_for`` turns into the reply. ``tests/test_peer_messages.py``
holds the cases, with Apollo's and NEMO's own test messages.

Pure functions, no Django: the SMS webhook stores the raw text first and calls
``parse_message`` afterwards (DESIGN §2, §5).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pollwatch.sms.rules import FormRules, QuestionRule

MAX_MESSAGE_CHARS = 1000
"""Longer messages are read up to this many characters (after trimming) and get a ``too_long`` problem."""

MAX_OBSERVER_ID_DIGITS = 12

PROBLEM_KINDS = (
    "empty",
    "unknown_form",
    "missing_observer",
    "bad_observer",
    "unknown_code",
    "out_of_range",
    "not_a_number",
    "bad_option",
    "bad_format",
    "not_by_sms",
    "not_applicable",  # given by the intake, not the parser: the form's skip logic dropped it
    "duplicate_code",
    "missing_answer",
    "too_long",
    "unparsed_text",
)

# Any of these makes the whole message unusable: without a form the answers
# cannot be checked, without an observer they cannot be attributed.
HEADER_PROBLEM_KINDS = frozenset({"empty", "unknown_form", "missing_observer", "bad_observer"})

COMMENT_MARK = "@"

# ASCII punctuation observers type between tokens, plus what phone keyboards
# produce instead: Arabic/Urdu comma, semicolon and full stop, CJK comma and
# full stop, and the en/em dashes that autocorrect makes of "-".
SEPARATORS = frozenset(" ,;.:-=/_\u060c\u061b\u06d4\u3001\u3002\u2013\u2014")

THOUSANDS_MARKS = frozenset(",.")

# Arabic-script number punctuation, read like the ASCII marks it stands for.
ARABIC_NUMBER_MARKS = {"\u066b": ".", "\u066c": ","}

YES_NO_WORDS = (("YES", 1), ("NO", 0), ("Y", 1), ("N", 0))
YES_NO_DIGITS = {"1": 1, "0": 0}

# Where a digit is expected (the observer id, a number, a yes/no), letters that
# phone users type for digits are read as those digits. Apollo does the same
# for the whole message: its parse_text "convert[s] known characters like i, l
# to 1 and o to 0" (nditech/apollo, apollo/messaging/utils.py); here only where
# a digit belongs, and never where one of the form's codes starts.
LOOKALIKE_DIGITS = {"O": "0", "I": "1", "L": "1"}

# Apollo's head is PREFIX ID [!] [X SERIAL] (nditech/apollo,
# apollo/messaging/utils.py parse_text and test_messaging.py
# test_parse_survey_message: "TC111111X321AA2" is form TC, participant
# 111111, form serial 321, answers AA2). "!" chose the incident form among
# forms sharing a prefix (form_type "INCIDENT"); pollwatch's form codes are
# unique, so it is read and changes nothing. The serial numbers one paper form
# of a survey and is kept on the result.
INCIDENT_MARK = "!"
SERIAL_MARK = "X"

# An unknown code glued to an answer looks like letters then digits ("ZZ1");
# more letters than this, and it is a word.
MAX_UNKNOWN_CODE_LETTERS = 4

# Letters that look like Latin capitals on a Cyrillic, Greek or Azerbaijani
# keyboard; observers switch keyboards mid-message and cannot see the
# difference, so codes are read as the Latin letter they look like.
LOOKALIKE_LETTERS = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y", "І": "I",
    "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K",
    "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "İ": "I",
}  # fmt: skip


Answer = int | float | str | list[str]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a message.

    ``kind`` is one of ``PROBLEM_KINDS``; ``code`` the question code it concerns
    (empty when none); ``value`` what the observer typed there; ``detail`` what
    was allowed (``"0-20"``, ``"1-4"``, the known form codes, the length limit).
    """

    kind: str
    code: str = ""
    value: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ParsedMessage:
    """The result of ``parse_message``.

    ``answers`` holds only valid answers: ``int`` for yes_no (1 yes, 0 no) and
    integer questions, the option code (``str``) for single, a list of option
    codes in the form's order for multiple, ``str`` for text; for decimal a
    number (``int`` when whole, else ``float``), for date ``"YYYY-MM-DD"``,
    for time ``"HH:MM"``, as ``formspec.validate`` stores them.
    """

    form_code: str | None = None
    observer_id: str | None = None
    serial: str = ""  # Apollo's form serial (``X321`` after the id), when given
    answers: dict[str, Answer] = field(default_factory=dict)
    comment: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        """``accepted`` (no problems), ``partial`` (answers kept, some problems) or ``rejected`` (nothing usable)."""
        if not self.problems:
            return "accepted"
        if not self.answers or any(
            problem.kind in HEADER_PROBLEM_KINDS for problem in self.problems
        ):
            return "rejected"
        return "partial"


def normalise(text: str) -> str:
    """The message as the parser reads it: one line, codes in upper-case Latin, the comment as typed.

    Unicode compatibility forms are folded (full-width letters and digits,
    ``＠``), every decimal digit (Arabic-Indic, Persian, ...) becomes ASCII,
    control and invisible formatting characters go, runs of whitespace and line
    breaks become one space, and everything before the first ``@`` is
    upper-cased with Cyrillic/Greek look-alike letters mapped to Latin.
    """
    plain = _clean(text)
    body, mark, comment = plain.partition(COMMENT_MARK)
    folded_body = _fold_codes(body).strip()
    if not mark:
        return folded_body
    return f"{folded_body} {COMMENT_MARK} {comment.strip()}".strip()


def parse_message(text: str, forms: Mapping[str, FormRules]) -> ParsedMessage:
    """Parse one SMS against the mission's forms (keyed by form code); never raises."""
    try:
        return _parse(text, forms)
    except Exception as error:  # noqa: BLE001 - an SMS must always get a stored result and a reply
        return ParsedMessage(
            problems=[
                Problem("unparsed_text", value=str(text)[:MAX_MESSAGE_CHARS], detail=repr(error))
            ]
        )


def _parse(text: str, forms: Mapping[str, FormRules]) -> ParsedMessage:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    problems: list[Problem] = []
    trimmed = text.strip()
    if len(trimmed) > MAX_MESSAGE_CHARS:
        problems.append(Problem("too_long", value=str(len(trimmed)), detail=str(MAX_MESSAGE_CHARS)))
        trimmed = trimmed[:MAX_MESSAGE_CHARS]

    plain = _clean(trimmed)
    known_forms = ", ".join(sorted(_fold_codes(code) for code in forms))
    if not plain:
        return ParsedMessage(problems=[Problem("empty", detail=known_forms)])

    plain_body, _, comment = plain.partition(COMMENT_MARK)
    comment = comment.strip()
    # _fold_codes maps one character to one character, so positions in the
    # folded body also point into the plain body (needed for text answers).
    folded_body = _fold_codes(plain_body)
    forms_by_code = {_fold_codes(code): rules for code, rules in forms.items()}

    header = _Scanner(plain_body, folded_body, {})
    pos = header.skip_separators(0)
    form_code = _match_form_code(folded_body, pos, forms_by_code)
    if form_code is None:
        problems.append(Problem("unknown_form", value=header.first_word(pos), detail=known_forms))
        return ParsedMessage(comment=comment, problems=problems)
    rules = forms_by_code[form_code]

    scanner = _Scanner(plain_body, folded_body, rules.questions, rules.ranked_codes)
    observer_id, serial, pos = scanner.read_observer_id(pos + len(form_code), problems)
    answers = scanner.read_answers(pos, problems)
    if not answers and not problems:
        problems.append(Problem("missing_answer", detail="no answers"))
    return ParsedMessage(
        form_code=form_code,
        observer_id=observer_id,
        serial=serial,
        answers=answers,
        comment=comment,
        problems=problems,
    )


def _clean(text: str) -> str:
    characters = []
    for character in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(character)
        if category == "Nd":
            characters.append(str(unicodedata.decimal(character, 0)))
        elif category == "Cc" or character.isspace():
            characters.append(" ")
        elif character in ARABIC_NUMBER_MARKS:
            characters.append(ARABIC_NUMBER_MARKS[character])
        elif category in ("Cf", "Cs"):
            # Zero-width and direction marks hide inside codes; lone surrogates
            # cannot be stored as UTF-8. Neither carries meaning in a report.
            continue
        else:
            characters.append(character)
    return " ".join("".join(characters).split())


def _fold_codes(text: str) -> str:
    """Upper-case with look-alikes mapped to Latin, one character for one character."""
    folded = []
    for character in text:
        upper = character.upper()
        if len(upper) != 1:
            upper = character
        folded.append(LOOKALIKE_LETTERS.get(upper, upper))
    return "".join(folded)


def _is_ascii_letter(character: str) -> bool:
    return "A" <= character <= "Z"


def _is_ascii_digit(character: str) -> bool:
    return "0" <= character <= "9"


def _match_form_code(folded: str, pos: int, forms_by_code: Mapping[str, FormRules]) -> str | None:
    """The longest known form code at ``pos`` that is not the start of a longer word (``OP1234`` is fine)."""
    for code in sorted(forms_by_code, key=len, reverse=True):
        if not code or not folded.startswith(code, pos):
            continue
        after = pos + len(code)
        if after >= len(folded) or not _is_ascii_letter(folded[after]):
            return code
    return None


class _Scanner:
    """Reads one message body; ``plain`` and ``folded`` are the same text, as typed and as codes."""

    def __init__(
        self,
        plain: str,
        folded: str,
        questions: Mapping[str, QuestionRule],
        ranks: tuple[str, ...] = (),
    ):
        self.plain = plain
        self.folded = folded
        self.length = len(folded)
        self.rules_by_code = {_fold_codes(code): rule for code, rule in questions.items() if code}
        # Longest first, so A11 wins over A1 when a form has both.
        self.codes = sorted(self.rules_by_code, key=len, reverse=True)
        # NEMO's numbered answers ("1.15 2.8"): the codes in the form's order, question 1 first.
        self.ranks = tuple(_fold_codes(code) for code in ranks)
        self.by_rank = False

    def rank_at(self, pos: int, *, known: bool = False) -> tuple[int, int] | None:
        """NEMO's ``N.`` where a word starts (``2.8``, ``2. 8``): (N, position of the point).

        Read only in a message whose answers start with a question's number
        (``by_rank``, decided with ``known``: N from 1 to the number of
        questions), so a stray number in a message written with codes stays a
        stray number. Past that first one, a number the form has not is an
        unknown question, named as such.
        """
        if pos >= self.length or (pos > 0 and self.folded[pos - 1] not in SEPARATORS):
            return None
        end = pos
        while end < self.length and end - pos < 4 and _is_ascii_digit(self.folded[end]):
            end += 1
        if end == pos or end - pos > 3 or end >= self.length or self.folded[end] != ".":
            return None
        number = int(self.folded[pos:end])
        if known and not 1 <= number <= len(self.ranks):
            return None
        return number, end

    def skip_separators(self, pos: int) -> int:
        while pos < self.length and self.folded[pos] in SEPARATORS:
            pos += 1
        return pos

    def code_at(self, pos: int) -> str | None:
        for code in self.codes:
            if self.folded.startswith(code, pos):
                return code
        return None

    def starts_new_code(self, pos: int) -> bool:
        """A known code begins here on a letter, so an answer typed before it ends here (``A312A4`` → 12).

        After a letter only a code with a digit counts (``YESA2`` splits, ``ABC`` does not
        become A and BC): letters-only codes inside a word are too often just the word.
        """
        if pos >= self.length or not _is_ascii_letter(self.folded[pos]):
            return False
        code = self.code_at(pos)
        if code is None:
            return False
        after_letter = pos > 0 and _is_ascii_letter(self.folded[pos - 1])
        return not after_letter or any(_is_ascii_digit(character) for character in code)

    def starts_code_word(self, pos: int) -> bool:
        """A known code begins here and is not the start of a longer word (``S2``, ``S 2``; not ``school``).

        Free text ends only at such a code (or, in a numbered message, at the
        next ``N.``), so words that begin like a code stay in the text.
        """
        if self.by_rank and self.rank_at(pos) is not None:
            return True
        code = (
            self.code_at(pos) if pos < self.length and _is_ascii_letter(self.folded[pos]) else None
        )
        if code is None:
            return False
        after = pos + len(code)
        return after >= self.length or not _is_ascii_letter(self.folded[after])

    def is_boundary(self, pos: int) -> bool:
        return pos >= self.length or self.folded[pos] in SEPARATORS or self.starts_new_code(pos)

    def token_end(self, pos: int) -> int:
        """End of the answer token at ``pos``: the next separator, or the next known code glued to it."""
        end = pos + 1
        while (
            end < self.length
            and self.folded[end] not in SEPARATORS
            and not self.starts_new_code(end)
        ):
            end += 1
        return end

    def first_word(self, pos: int) -> str:
        end = pos
        while end < self.length and self.folded[end] not in SEPARATORS and end - pos < 20:
            end += 1
        return self.plain[pos:end]

    def digit_run(self, pos: int) -> tuple[str, int]:
        """The digits at ``pos`` with look-alike letters read as digits: (digits, end); ("", pos) for none.

        ``4O3794`` is 403794 and a lone ``l`` or ``O`` where a digit belongs is
        1 or 0 (Apollo's ``AAlBAo``). A look-alike is not a digit where one of
        the form's codes starts (``1234IN12`` with a code IN), nor at the end of
        the run when a word follows (``15LONG`` is 15 then "LONG"); a run of
        look-alikes alone (``ILL``) is a word, not 111.
        """
        end = pos
        while end < self.length:
            character = self.folded[end]
            if _is_ascii_digit(character) or (
                character in LOOKALIKE_DIGITS and self.code_at(end) is None
            ):
                end += 1
            else:
                break
        if end < self.length and _is_ascii_letter(self.folded[end]) and self.code_at(end) is None:
            while end > pos and self.folded[end - 1] in LOOKALIKE_DIGITS:
                end -= 1
        run = self.folded[pos:end]
        if not any(_is_ascii_digit(character) for character in run) and not (
            len(run) == 1 and (self.is_boundary(end) or self.code_at(end) is not None)
        ):
            return "", pos
        return "".join(LOOKALIKE_DIGITS.get(character, character) for character in run), end

    def read_observer_id(self, pos: int, problems: list[Problem]) -> tuple[str | None, str, int]:
        """The observer id: the longest run of digits after the form code; then Apollo's ``!`` and ``X`` serial.

        The id ends where its digits end, so ``XA403794ZZ1AA2`` is observer
        403794 with an unknown code ZZ1, not a wrong id "403794ZZ1".
        Returns (id or None, serial, position after them).
        """
        pos = self.skip_separators(pos)
        if pos >= self.length or self.code_at(pos) is not None:
            problems.append(Problem("missing_observer"))
            return None, "", pos
        digits, end = self.digit_run(pos)
        if digits:
            # "1.15" is no id followed by 15: like a number, a point or comma between digits joins them.
            token, _, end = self.extend_number(digits, "", end)
            digits = token if token == digits else ""
            # A sign glued inside the id ("12#4") makes it unreadable; letters after it start the answers.
            glued_sign = end < self.length and not (
                self.folded[end] in SEPARATORS
                or _is_ascii_letter(self.folded[end])
                or self.folded[end] == INCIDENT_MARK
            )
            if glued_sign:
                digits = ""
        if not digits or len(digits) > MAX_OBSERVER_ID_DIGITS:
            end = end if digits else max(end, self.token_end(pos))
            problems.append(
                Problem(
                    "bad_observer",
                    value=self.plain[pos:end][:20],
                    detail=f"1-{MAX_OBSERVER_ID_DIGITS} digits",
                )
            )
            return None, "", end
        after = self.skip_separators(end)
        if after < self.length and self.folded[after] == INCIDENT_MARK:
            end = after + 1
        serial, end = self.read_serial(end)
        return digits, serial, end

    def read_serial(self, pos: int) -> tuple[str, int]:
        """Apollo's form serial ``X321`` right after the id, unless X321 is one of the form's codes."""
        start = self.skip_separators(pos)
        if start >= self.length or self.folded[start] != SERIAL_MARK or self.code_at(start):
            return "", pos
        end = start + 1
        while end < self.length and _is_ascii_digit(self.folded[end]):
            end += 1
        if end == start + 1:
            return "", pos
        return self.folded[start + 1 : end], end

    def read_answers(self, pos: int, problems: list[Problem]) -> dict[str, Answer]:
        answers: dict[str, Answer] = {}
        answered: set[str] = set()
        unparsed: list[int] = []  # [start, end] of the current run of text nothing could read

        def flush_unparsed() -> None:
            if unparsed:
                problems.append(
                    Problem("unparsed_text", value=self.plain[unparsed[0] : unparsed[1]].strip())
                )
                unparsed.clear()

        def mark_unparsed(start: int, end: int) -> None:
            # Neighbouring unreadable words are reported together ("long queue"), not one by one.
            if unparsed:
                unparsed[1] = end
            else:
                unparsed.extend((start, end))

        def keep(
            code: str, answer_pos: int, result: tuple[Answer | None, Problem | None, int]
        ) -> None:
            answer, problem, end = result
            if code in answered:
                typed = self.plain[answer_pos:end].strip(" " + "".join(SEPARATORS))
                problems.append(
                    Problem("duplicate_code", code=code, value=typed, detail="first kept")
                )
            else:
                answered.add(code)
                if problem is not None:
                    problems.append(problem)
                elif answer is not None:
                    answers[code] = answer

        self.by_rank = self.rank_at(self.skip_separators(pos), known=True) is not None
        while True:
            pos = self.skip_separators(pos)
            if pos >= self.length:
                break
            rank = self.rank_at(pos) if self.by_rank else None
            if rank is not None:
                flush_unparsed()
                number, point = rank
                code = self.ranks[number - 1] if 1 <= number <= len(self.ranks) else ""
                rule = self.rules_by_code.get(code)
                if rule is None:  # no such question, or a photo question (not by SMS)
                    end = self.token_end(self.skip_separators(point))
                    value = self.plain[point:end].strip(" " + "".join(SEPARATORS))
                    problems.append(Problem("unknown_code", code=code or str(number), value=value))
                    pos = end
                    continue
                # The point is the separator after the question's number, as after a code.
                result = self.read_answer(rule, point)
                keep(code, point, result)
                pos = max(result[2], point + 1)
                continue
            if self.code_at(pos) is not None:
                flush_unparsed()
                code, result = self.read_code_and_answer(pos)
                keep(code, pos + len(code), result)
                pos = max(result[2], pos + len(code))
                continue
            character = self.folded[pos]
            if _is_ascii_letter(character):
                unknown, end = self.read_unknown_code(pos)
                if unknown is not None:
                    flush_unparsed()
                    problems.append(unknown)
                else:
                    mark_unparsed(pos, end)
                pos = end
            elif _is_ascii_digit(character):
                end = self.token_end(pos)
                mark_unparsed(pos, end)
                pos = end
            else:
                end = pos + 1
                while (
                    end < self.length
                    and self.folded[end] not in SEPARATORS
                    and not _is_ascii_letter(self.folded[end])
                    and not _is_ascii_digit(self.folded[end])
                ):
                    end += 1
                mark_unparsed(pos, end)
                pos = end
        flush_unparsed()
        return answers

    def read_code_and_answer(
        self, pos: int
    ) -> tuple[str, tuple[Answer | None, Problem | None, int]]:
        """The known code at ``pos`` and its answer: the longest code, unless no answer was typed for it.

        Then a shorter code whose glued answer reads cleanly wins: in a form
        with D1, D2 and D11, ``D11D20`` is D1=1 D2=0, not D11 unanswered (nor
        D11 a bare yes).
        """
        candidates = [code for code in self.codes if self.folded.startswith(code, pos)]
        longest = candidates[0]
        result = self.read_answer(self.rules_by_code[longest], pos + len(longest))
        if self.nothing_typed(result, pos + len(longest)):
            for shorter in candidates[1:]:
                shorter_result = self.read_answer(self.rules_by_code[shorter], pos + len(shorter))
                if shorter_result[1] is None and not self.nothing_typed(
                    shorter_result, pos + len(shorter)
                ):
                    return shorter, shorter_result
        return longest, result

    @staticmethod
    def nothing_typed(result: tuple[Answer | None, Problem | None, int], code_end: int) -> bool:
        """The answer was missing, or was a bare yes/no code (which ends where its code ends)."""
        answer, problem, end = result
        if problem is not None:
            return problem.kind == "missing_answer"
        return end == code_end

    def unknown_code_at(self, pos: int) -> bool:
        """Letters then digits (``ZZ1``, ``Q7``): what an unknown code with its answer looks like."""
        end = pos
        while end < self.length and _is_ascii_letter(self.folded[end]):
            end += 1
        return (
            0 < end - pos <= MAX_UNKNOWN_CODE_LETTERS
            and end < self.length
            and _is_ascii_digit(self.folded[end])
        )

    def read_unknown_code(self, pos: int) -> tuple[Problem | None, int]:
        """A code the form does not know, e.g. ``Q7 5``, ``Q75`` or ``QQ 5``; else (None, end of the word).

        A short run of letters followed by digits looks like a code with its
        answer; a longer word, or letters with nothing numeric after them, is
        text the parser cannot place.
        """
        letters_end = pos + 1
        while (
            letters_end < self.length
            and _is_ascii_letter(self.folded[letters_end])
            and not self.starts_new_code(letters_end)
        ):
            letters_end += 1
        digits_end = letters_end
        while digits_end < self.length and _is_ascii_digit(self.folded[digits_end]):
            digits_end += 1
        if letters_end - pos > 4:
            return None, digits_end
        code_end = digits_end
        value = ""
        value_pos = self.skip_separators(code_end)
        if (
            value_pos > code_end
            and value_pos < self.length
            and _is_ascii_digit(self.folded[value_pos])
        ):
            value_end = self.token_end(value_pos)
            value = self.folded[value_pos:value_end]
            code_end = value_end
        if digits_end == letters_end and not value:
            return None, letters_end
        return Problem("unknown_code", code=self.folded[pos:digits_end], value=value), code_end

    def read_answer(
        self, rule: QuestionRule, pos: int
    ) -> tuple[Answer | None, Problem | None, int]:
        """Read the answer to ``rule`` starting at ``pos`` (just after its code): (answer, problem, end)."""
        code = _fold_codes(rule.code)
        value_pos = self.skip_separators(pos)
        if rule.kind == "yes_no":
            return self.read_yes_no(code, pos, value_pos)
        if rule.kind == "text":
            next_code_here = self.starts_code_word(value_pos)
        else:
            # One of the form's codes where the answer should be is the next
            # question ("AABA2": AA unanswered, BA=2), unless it reads as an
            # option of this one.
            next_code_here = self.code_at(value_pos) is not None and not (
                rule.kind in ("single", "multiple") and self.reads_as_options(rule, value_pos)
            )
        # Text glued to its code ("D15police") is too easily a glued number for a
        # shorter code (D1 500), so text needs a separator after its code.
        text_glued = rule.kind == "text" and value_pos == pos
        if value_pos >= self.length or next_code_here or text_glued:
            return None, Problem("missing_answer", code=code), pos
        if rule.kind == "text":
            return self.read_text(code, value_pos)
        if rule.kind == "multiple":
            return self.read_multiple(rule, code, pos, value_pos)
        if rule.kind == "integer":
            return self.read_integer(rule, code, value_pos)
        if rule.kind in VALUE_READERS:
            return self.read_value(rule, code, value_pos)
        if rule.kind == "geopoint":
            return self.refuse_geopoint(code, value_pos)
        end = self.token_end(value_pos)
        token = self.folded[value_pos:end]
        typed = self.plain[value_pos:end]
        if rule.kind == "single":
            option = _match_single_option(token, rule.options)
            if option is None:
                return (
                    None,
                    Problem(
                        "bad_option", code=code, value=typed, detail=_describe_options(rule.options)
                    ),
                    end,
                )
            return option, None, end
        # A kind this parser does not know (a newer formspec): say so rather than guess.
        return (
            None,
            Problem("unknown_code", code=code, value=typed, detail=f"kind {rule.kind}"),
            end,
        )

    def value_span(self, pos: int) -> int:
        """End of a decimal, date or time at ``pos``: digits joined by single marks (``12.5``, ``06.12.2026``)."""
        end = pos
        while end < self.length:
            if _is_ascii_digit(self.folded[end]):
                end += 1
            elif (
                self.folded[end] in VALUE_MARKS
                and end + 1 < self.length
                and _is_ascii_digit(self.folded[end + 1])
                and end > pos
            ):
                end += 1
            else:
                break
        return end

    def read_value(
        self, rule: QuestionRule, code: str, pos: int
    ) -> tuple[int | float | str | None, Problem | None, int]:
        """A decimal, date or time answer, read by ``VALUE_READERS[rule.kind]``; its range checked."""
        end = self.value_span(pos)
        if end == pos or not self.number_ends_at(end):
            end = self.token_end(pos)
        typed = self.plain[pos:end]
        answer = VALUE_READERS[rule.kind](self.folded[pos:end])
        if answer is None:
            return (
                None,
                Problem("bad_format", code=code, value=typed, detail=VALUE_FORMATS[rule.kind]),
                end,
            )
        too_small = rule.minimum is not None and answer < rule.minimum
        too_large = rule.maximum is not None and answer > rule.maximum
        if too_small or too_large:
            return (
                None,
                Problem("out_of_range", code=code, value=typed, detail=_describe_range(rule)),
                end,
            )
        return answer, None, end

    def refuse_geopoint(self, code: str, pos: int) -> tuple[None, Problem, int]:
        """A location cannot be typed sensibly by SMS: its numbers are read and refused, never guessed."""
        end = pos
        while True:
            value_end = self.value_span(end)
            if value_end == end:
                break
            end = value_end
            after = self.skip_separators(end)
            if after >= self.length or not (
                _is_ascii_digit(self.folded[after]) or self.folded[after] in "+-"
            ):
                break
            end = after + (self.folded[after] in "+-")
        end = max(end, self.token_end(pos))
        return None, Problem("not_by_sms", code=code, value=self.plain[pos:end]), end

    def reads_as_options(self, rule: QuestionRule, pos: int) -> bool:
        parts, wrong = _split_options(self.folded[pos : self.token_end(pos)], rule.options)
        return bool(parts) and not wrong

    def read_integer(
        self, rule: QuestionRule, code: str, pos: int
    ) -> tuple[int | None, Problem | None, int]:
        """A whole number: digits (look-alikes read as digits), thousands grouped with ``,`` or ``.``.

        The number ends at the next separator or known code, and also where
        an unknown code (``2ZZ1``: 2, then ZZ1) or a word (``3THIS``: 3, then
        "THIS") is glued to it, so one typo does not lose the answer before
        it. One letter or sign glued to it (``12x``, ``4🙂``) may be a mistyped
        digit: the whole is *not a number* rather than a guess.
        """
        digits, end = self.digit_run(pos)
        if digits:
            token, typed, end = self.extend_number(digits, self.plain[pos:end], end)
            if token.isascii() and token.isdigit() and self.number_ends_at(end):
                number = int(token)
                too_small = rule.minimum is not None and number < rule.minimum
                too_large = rule.maximum is not None and number > rule.maximum
                if too_small or too_large:
                    return (
                        None,
                        Problem(
                            "out_of_range", code=code, value=token, detail=_describe_range(rule)
                        ),
                        end,
                    )
                return number, None, end
            if not (token.isascii() and token.isdigit()):
                return None, Problem("not_a_number", code=code, value=typed), end
        end = self.token_end(pos)
        return None, Problem("not_a_number", code=code, value=self.plain[pos:end]), end

    def number_ends_at(self, pos: int) -> bool:
        if self.is_boundary(pos) or self.code_at(pos) is not None:
            return True
        if not _is_ascii_letter(self.folded[pos]):
            return False
        letters_end = pos
        while letters_end < self.length and _is_ascii_letter(self.folded[letters_end]):
            letters_end += 1
        letters = letters_end - pos
        code_like = (
            letters <= MAX_UNKNOWN_CODE_LETTERS
            and letters_end < self.length
            and _is_ascii_digit(self.folded[letters_end])
        )
        return code_like or letters >= 2

    def extend_number(self, token: str, typed: str, end: int) -> tuple[str, str, int]:
        """Read ``1,500`` and ``1.500`` as 1500; make ``12.5`` and ``5,25`` one wrong token.

        A comma or point between digits is never a separator here: taking the
        first digits alone would silently record 1 for "1,500".
        """
        if not (token.isascii() and token.isdigit()):
            return token, typed, end
        start = end - len(token)
        digits = token
        pos = end
        while (
            pos + 4 <= self.length
            and self.folded[pos] in THOUSANDS_MARKS
            and self.folded[pos + 1 : pos + 4].isdigit()
            and self.folded[pos + 1 : pos + 4].isascii()
            and (pos + 4 == self.length or not _is_ascii_digit(self.folded[pos + 4]))
        ):
            digits += self.folded[pos + 1 : pos + 4]
            pos += 4
        if (
            pos + 1 < self.length
            and self.folded[pos] in THOUSANDS_MARKS
            and _is_ascii_digit(self.folded[pos + 1])
        ):
            wrong_end = self.token_end(pos + 1)
            while (
                wrong_end + 1 < self.length
                and self.folded[wrong_end] in THOUSANDS_MARKS
                and _is_ascii_digit(self.folded[wrong_end + 1])
            ):
                wrong_end = self.token_end(wrong_end + 1)
            return self.folded[start:wrong_end], self.plain[start:wrong_end], wrong_end
        return digits, self.plain[start:pos], pos

    def read_yes_no(
        self, code: str, code_end: int, pos: int
    ) -> tuple[int | None, Problem | None, int]:
        """1/0, Y/N, YES/NO; or the code alone, which is yes (Apollo's yes/no questions are checkboxes).

        A bare code ends where it ends: at the end of the message, before
        another of the form's codes (``BBAA2``: BB yes, AA=2) or before an
        unknown code (``BBZZ1``). Anything else typed there is a bad option.
        """
        for word, answer in YES_NO_WORDS:
            if self.folded.startswith(word, pos) and self.is_boundary(pos + len(word)):
                return answer, None, pos + len(word)
        digits, digits_end = self.digit_run(pos)
        if digits in YES_NO_DIGITS and self.is_boundary(digits_end):
            return YES_NO_DIGITS[digits], None, digits_end
        if pos >= self.length or self.code_at(pos) is not None or self.unknown_code_at(pos):
            return 1, None, code_end
        end = self.token_end(pos)
        return (
            None,
            Problem("bad_option", code=code, value=self.plain[pos:end], detail="1=yes 0=no"),
            end,
        )

    def read_multiple(
        self, rule: QuestionRule, code: str, code_end: int, pos: int
    ) -> tuple[list[str] | None, Problem | None, int]:
        """Options glued (``135``) or separated (``1,3,5`` / ``1 3 5``); any bad part rejects the whole answer.

        A token joined to the list by a mark (``,`` ``;`` ``/`` ...) is part of
        the answer whatever it is (``Q2.2,4,no``: "no" is a bad option, and Q2
        is refused rather than recorded as [2, 4]); a token after a space only
        while it reads as options (or as digits, when the options are digits).
        An empty item (``Q2..B``, ``1,,2``) is a bad part too. The problem names
        exactly the bad parts: ``Q2.abhk`` → ``h,k``.
        """
        digit_options = bool(rule.options) and all(
            option.isascii() and option.isdigit() for option in rule.options
        )
        chosen: list[str] = []
        bad: list[str] = []
        gap_start, start = code_end, pos
        first = True
        while True:
            if not first:
                start = self.skip_separators(gap_start)
                if start >= self.length:
                    break
            end = self.token_end(start)
            token = self.folded[start:end]
            parts, wrong = _split_options(token, rule.options)
            gap = [mark for mark in self.folded[gap_start:start] if mark != " "]
            if not first:
                reads = parts and not wrong
                if self.code_at(start) is not None and not reads:
                    break
                if self.by_rank and self.rank_at(start) is not None:
                    break
                if not gap and not reads and not (digit_options and token.isdigit()):
                    break
            if len(gap) > 1:
                bad.append("".join(gap[1:]) + self.plain[start:end])
            else:
                chosen.extend(parts)
                bad.extend(
                    self.plain[start + first_char : start + last_char]
                    for first_char, last_char in wrong
                )
            first = False
            gap_start = end
        if bad:
            return (
                None,
                Problem(
                    "bad_option",
                    code=code,
                    value=",".join(bad),
                    detail=_describe_options(rule.options),
                ),
                gap_start,
            )
        order = {option: index for index, option in enumerate(rule.options)}
        return sorted(set(chosen), key=order.__getitem__), None, gap_start

    def read_text(self, code: str, pos: int) -> tuple[str | None, Problem | None, int]:
        """Free text runs to the next known code written as its own word (``S2``, ``S 2``), or to the ``@`` comment."""
        end = pos + 1
        while end < self.length and not (
            self.folded[end - 1] in SEPARATORS and self.starts_code_word(end)
        ):
            end += 1
        text = self.plain[pos:end].strip(" " + "".join(SEPARATORS))
        if not text:
            return None, Problem("missing_answer", code=code), end
        return text, None, end


def _split_options(token: str, options: tuple[str, ...]) -> tuple[list[str], list[tuple[int, int]]]:
    """``"135"`` → (["1", "3", "5"], []) by the longest option at each step, and the (start, end) of each bad part.

    A bad part is one letter (``"abhk"`` → h and k) or a run of digits; a token
    in which no option is found at all is one bad part (``"no"``, ``"99"``).
    """
    by_folded = {_fold_codes(option): option for option in options if option}
    ordered = sorted(by_folded, key=len, reverse=True)
    parts: list[str] = []
    wrong: list[tuple[int, int]] = []
    pos = 0
    while pos < len(token):
        for option in ordered:
            if token.startswith(option, pos):
                parts.append(by_folded[option])
                pos += len(option)
                break
        else:
            if wrong and wrong[-1][1] == pos and token[pos].isdigit() and token[pos - 1].isdigit():
                wrong[-1] = (wrong[-1][0], pos + 1)
            else:
                wrong.append((pos, pos + 1))
            pos += 1
    if not parts and token:
        return [], [(0, len(token))]
    return parts, wrong


def _match_single_option(token: str, options: tuple[str, ...]) -> str | None:
    for option in options:
        if _fold_codes(option) == token:
            return option
    # "04" for option 4: a leading zero changes nothing a human meant.
    if token.isascii() and token.isdigit():
        for option in options:
            if option.isascii() and option.isdigit() and int(option) == int(token):
                return option
    return None


def _decimal_answer(token: str) -> int | float | None:
    """``12.5`` or ``12,5`` (one mark, 1-6 decimals); ``1,500`` and ``1.500`` are refused.

    Three digits after one mark read as thousands in some countries and as
    decimals in others, so a number like that is asked again rather than guessed
    (``0.125`` is clear and kept).
    """
    match = re.fullmatch(r"(\d{1,15})(?:[.,](\d{1,6}))?", token)
    if match is None:
        return None
    whole, decimals = match.groups()
    if decimals is not None and len(decimals) == 3 and int(whole) != 0:
        return None
    number = float(f"{whole}.{decimals or 0}")
    return int(number) if number.is_integer() else number  # as validate.py stores it


def _date_answer(token: str) -> str | None:
    """``20261206``, ``2026-12-06`` or ``06.12.2026`` (day first, any of . - /) as ``2026-12-06``."""
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", token) or None
    if match is not None:
        year, month, day = match.groups()
    else:
        match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", token)
        if match is None:
            return None
        day, month, year = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _time_answer(token: str) -> str | None:
    """``0730``, ``07:30``, ``7.30`` (24 hours) as ``07:30``."""
    match = re.fullmatch(r"(\d{2})(\d{2})|(\d{1,2})[:.](\d{2})", token)
    if match is None:
        return None
    hour, minute = (int(part) for part in match.groups() if part is not None)
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


VALUE_READERS: dict[str, Callable[[str], int | float | str | None]] = {
    "decimal": _decimal_answer,
    "date": _date_answer,
    "time": _time_answer,
}
# What the reply asks for when an answer cannot be read (codes and digits read the same in every language).
VALUE_FORMATS = {"decimal": "12.5", "date": "YYYYMMDD", "time": "HHMM"}
VALUE_MARKS = frozenset(".,:-/")


def _describe_range(rule: QuestionRule) -> str:
    """``0-20``; a one-sided range as ``>=20`` or ``<=20`` (``-20`` would read as minus twenty)."""
    if rule.minimum is not None and rule.maximum is not None:
        return f"{rule.minimum}-{rule.maximum}"
    if rule.minimum is not None:
        return f">={rule.minimum}"
    if rule.maximum is not None:
        return f"<={rule.maximum}"
    return ""


def _describe_options(options: tuple[str, ...]) -> str:
    """``1-4`` for consecutive numbers, else the codes listed (``A,B,C``)."""
    if options and all(option.isascii() and option.isdigit() for option in options):
        numbers = [int(option) for option in options]
        if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{numbers[0]}-{numbers[-1]}"
    return ",".join(options)
