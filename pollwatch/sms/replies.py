"""The reply to every SMS, in the observer's language.

Translators edit ``MESSAGES``: one plain dict per language, the same keys and
the same ``{placeholders}`` in each (a test checks both). Codes, numbers and
ranges are inserted as typed, so they read the same in every language.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from pollwatch.sms.grammar import MAX_MESSAGE_CHARS, ParsedMessage, Problem

DEFAULT_LANGUAGE = "en"

MAX_REPLY_CHARS = 160
"""Problem lists are cut (with "…") to keep a reply within this; one GSM segment in English.

Non-Latin replies (az with ə, ru, ur) go out as UCS-2, 70 characters a
segment (67 when concatenated), so 160 characters cost three segments.
"""

MAX_ECHOED_CHARS = 12  # of anything the observer typed that is quoted back

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "empty": "Empty message. Send the form code ({forms}), your observer ID, then the answers.",
        "unknown_form": 'Unknown form "{value}". Forms: {forms}. Send: FORM ID answers.',
        "missing_observer": "{form}: observer ID missing. Send: {form} <your ID> <answers>.",
        "bad_observer": '{form}: observer ID "{value}" is not valid; use 1 to 12 digits.',
        "observer_not_found": "Observer ID {observer} not found. Check it and resend.",
        "phone_not_registered": "This phone is not registered for observer {observer}.",
        "station_not_allowed": "Observer {observer} may not report for this polling station.",
        "duplicate": "Already received: {form} from {observer}. No need to resend.",
        "recorded": "Thank you. {form} {observer}: answers recorded: {count}.",
        "nothing_recorded": "{form} {observer}: nothing recorded.",
        "no_answers": "No answers after the observer ID.",
        "unknown_code": "Unknown: {items}.",
        "out_of_range": "Out of range: {items}.",
        "not_a_number": "Not a number: {items}.",
        "bad_option": "Bad option: {items}.",
        "bad_format": "Wrong format: {items}.",
        "not_by_sms": "Not by SMS, use the app: {items}.",
        "not_applicable": "Not kept, does not apply with your answers: {items}.",
        "missing_answer": "No answer: {items}.",
        "duplicate_code": "Sent twice, first kept: {items}.",
        "unparsed_text": "Not understood: {items}.",
        "too_long": "Too long: read the first {limit} characters.",
        "resend": "Please resend the corrected answers.",
    },
    "az": {
        "empty": "Boş mesaj. Forma kodunu ({forms}), müşahidəçi ID-nizi, sonra cavabları göndərin.",
        "unknown_form": 'Naməlum forma "{value}". Formalar: {forms}. Göndərin: FORMA ID cavablar.',
        "missing_observer": "{form}: müşahidəçi ID-si yoxdur. Göndərin: {form} <ID> <cavablar>.",
        "bad_observer": '{form}: müşahidəçi ID-si "{value}" doğru deyil; 1-12 rəqəm yazın.',
        "observer_not_found": "Müşahidəçi ID {observer} tapılmadı. Yoxlayıb yenidən göndərin.",
        "phone_not_registered": "Bu telefon {observer} müşahidəçisi üçün qeydiyyatda deyil.",
        "station_not_allowed": "Müşahidəçi {observer} bu seçki məntəqəsi üzrə məlumat göndərə bilməz.",
        "duplicate": "Artıq qəbul edilib: {form}, {observer}. Yenidən göndərməyə ehtiyac yoxdur.",
        "recorded": "Təşəkkür edirik. {form} {observer}: qeydə alınan cavablar: {count}.",
        "nothing_recorded": "{form} {observer}: heç nə qeydə alınmadı.",
        "no_answers": "Müşahidəçi ID-sindən sonra cavab yoxdur.",
        "unknown_code": "Naməlum kod: {items}.",
        "out_of_range": "Aralıqdan kənar: {items}.",
        "not_a_number": "Rəqəm deyil: {items}.",
        "bad_option": "Yanlış variant: {items}.",
        "bad_format": "Yanlış format: {items}.",
        "not_by_sms": "SMS ilə yox, tətbiqlə göndərin: {items}.",
        "not_applicable": "Saxlanmadı, cavablarınıza aid deyil: {items}.",
        "missing_answer": "Cavab yoxdur: {items}.",
        "duplicate_code": "İki dəfə göndərilib, birincisi saxlanıldı: {items}.",
        "unparsed_text": "Başa düşülmədi: {items}.",
        "too_long": "Çox uzundur: ilk {limit} simvol oxundu.",
        "resend": "Düzəldilmiş cavabları yenidən göndərin.",
    },
    "ru": {
        "empty": "Пустое сообщение. Отправьте код формы ({forms}), ваш ID наблюдателя и ответы.",
        "unknown_form": "Неизвестная форма «{value}». Формы: {forms}. Формат: ФОРМА ID ответы.",
        "missing_observer": "{form}: нет ID наблюдателя. Формат: {form} <ID> <ответы>.",
        "bad_observer": "{form}: неверный ID наблюдателя «{value}»; от 1 до 12 цифр.",
        "observer_not_found": "Наблюдатель с ID {observer} не найден. Проверьте и отправьте снова.",
        "phone_not_registered": "Этот телефон не зарегистрирован для наблюдателя {observer}.",
        "station_not_allowed": "Наблюдатель {observer} не может сообщать по этому участку.",
        "duplicate": "Уже получено: {form} от {observer}. Повторять не нужно.",
        "recorded": "Спасибо. {form} {observer}: записано ответов: {count}.",
        "nothing_recorded": "{form} {observer}: ничего не записано.",
        "no_answers": "После ID наблюдателя нет ответов.",
        "unknown_code": "Неизвестно: {items}.",
        "out_of_range": "Вне диапазона: {items}.",
        "not_a_number": "Не число: {items}.",
        "bad_option": "Неверный вариант: {items}.",
        "bad_format": "Неверный формат: {items}.",
        "not_by_sms": "Не по SMS, используйте приложение: {items}.",
        "not_applicable": "Не сохранено, не относится к вашим ответам: {items}.",
        "missing_answer": "Нет ответа: {items}.",
        "duplicate_code": "Повтор, учтён первый: {items}.",
        "unparsed_text": "Не понято: {items}.",
        "too_long": "Слишком длинное: прочитаны первые {limit} символов.",
        "resend": "Отправьте исправленные ответы снова.",
    },
    "ur": {
        "empty": "خالی پیغام۔ فارم کوڈ ({forms})، اپنی مبصر آئی ڈی، پھر جوابات بھیجیں۔",
        "unknown_form": 'نامعلوم فارم "{value}"۔ فارم: {forms}۔ اس طرح بھیجیں: فارم آئی ڈی جوابات۔',
        "missing_observer": "{form}: مبصر آئی ڈی موجود نہیں۔ اس طرح بھیجیں: {form} <آئی ڈی> <جوابات>۔",
        "bad_observer": '{form}: مبصر آئی ڈی "{value}" درست نہیں؛ 1 سے 12 ہندسے لکھیں۔',
        "observer_not_found": "مبصر آئی ڈی {observer} نہیں ملی۔ جانچ کر دوبارہ بھیجیں۔",
        "phone_not_registered": "یہ فون مبصر {observer} کے لیے رجسٹرڈ نہیں ہے۔",
        "station_not_allowed": "مبصر {observer} اس پولنگ اسٹیشن کی رپورٹ نہیں بھیج سکتا۔",
        "duplicate": "پہلے ہی موصول ہو چکا ہے: {form}، {observer}۔ دوبارہ بھیجنے کی ضرورت نہیں۔",
        "recorded": "شکریہ۔ {form} {observer}: درج شدہ جوابات: {count}۔",
        "nothing_recorded": "{form} {observer}: کچھ درج نہیں ہوا۔",
        "no_answers": "مبصر آئی ڈی کے بعد کوئی جواب نہیں۔",
        "unknown_code": "نامعلوم: {items}۔",
        "out_of_range": "حد سے باہر: {items}۔",
        "not_a_number": "عدد نہیں: {items}۔",
        "bad_option": "غلط انتخاب: {items}۔",
        "bad_format": "غلط فارمیٹ: {items}۔",
        "not_by_sms": "ایس ایم ایس سے نہیں، ایپ استعمال کریں: {items}۔",
        "not_applicable": "محفوظ نہیں، آپ کے جوابات پر لاگو نہیں: {items}۔",
        "missing_answer": "جواب موجود نہیں: {items}۔",
        "duplicate_code": "دو بار بھیجا، پہلا رکھا گیا: {items}۔",
        "unparsed_text": "سمجھ نہیں آیا: {items}۔",
        "too_long": "بہت طویل: پہلے {limit} حروف پڑھے گئے۔",
        "resend": "براہ کرم درست جوابات دوبارہ بھیجیں۔",
    },
}

# The order problems are listed in a reply: what lost an answer first.
ANSWER_PROBLEM_ORDER = (
    "out_of_range",
    "not_a_number",
    "bad_option",
    "bad_format",
    "not_by_sms",
    "not_applicable",
    "missing_answer",
    "unknown_code",
    "duplicate_code",
    "unparsed_text",
)


def reply_for(
    parsed: ParsedMessage,
    language: str,
    *,
    duplicate: bool = False,
    observer_found: bool = True,
    phone_matches: bool = True,
    station_allowed: bool = True,
) -> str:
    """The reply to send for ``parsed``; never empty, never raises for a ``ParsedMessage``.

    The caller does the database checks and passes their outcome: whether the
    observer id exists, whether the sender's phone is that observer's, whether
    the observer may report for the station, whether the same text came from
    the same phone within the duplicate window. The first failing check of
    (message header, observer, phone, station, duplicate) is the whole reply;
    otherwise the reply thanks with the count of recorded answers and names
    what was wrong, within ``MAX_REPLY_CHARS`` where it can.
    """
    messages = MESSAGES[_language_code(language)]
    problems = list(parsed.problems)
    by_kind: dict[str, list[Problem]] = {}
    for problem in problems:
        by_kind.setdefault(problem.kind, []).append(problem)
    form = parsed.form_code or "?"
    observer = parsed.observer_id or "?"

    if "empty" in by_kind:
        return messages["empty"].format(forms=by_kind["empty"][0].detail or "?")
    if "unknown_form" in by_kind:
        problem = by_kind["unknown_form"][0]
        return messages["unknown_form"].format(
            value=_echo(problem.value), forms=problem.detail or "?"
        )
    if (
        "missing_observer" in by_kind
        or parsed.observer_id is None
        and "bad_observer" not in by_kind
    ):
        return messages["missing_observer"].format(form=form)
    if "bad_observer" in by_kind:
        return messages["bad_observer"].format(
            form=form, value=_echo(by_kind["bad_observer"][0].value)
        )
    if not observer_found:
        return messages["observer_not_found"].format(observer=observer)
    if not phone_matches:
        return messages["phone_not_registered"].format(observer=observer)
    if not station_allowed:
        return messages["station_not_allowed"].format(observer=observer)
    if duplicate:
        return messages["duplicate"].format(form=form, observer=observer)

    if parsed.answers:
        head = messages["recorded"].format(form=form, observer=observer, count=len(parsed.answers))
    else:
        head = messages["nothing_recorded"].format(form=form, observer=observer)
    sentences = []
    if "too_long" in by_kind:
        sentences.append(
            messages["too_long"].format(limit=by_kind["too_long"][0].detail or MAX_MESSAGE_CHARS)
        )
    if any(problem.kind == "missing_answer" and not problem.code for problem in problems):
        sentences.append(messages["no_answers"])
    for kind in ANSWER_PROBLEM_ORDER:
        described = (
            _describe(problem)
            for problem in by_kind.get(kind, [])
            if problem.code or kind == "unparsed_text"
        )
        items = list(dict.fromkeys(described))
        if items:
            sentences.append(messages[kind].format(items=", ".join(items)))
    if sentences:
        sentences.append(messages["resend"])
    return _fit([head, *sentences])


def as_kept(
    parsed: ParsedMessage, kept: Mapping[str, object], refused: Collection[str]
) -> ParsedMessage:
    """``parsed`` with only the answers the form kept after its skip logic and choice filters,
    so that the reply never counts an answer that was not stored.

    An answer the form refused (``refused``: a choice its filter does not offer with the other
    answers) becomes a ``bad_option``; one dropped because its question does not apply (its
    ``relevant`` is false, or reads a question not answered yet) becomes ``not_applicable``.
    """
    answers = {code: answer for code, answer in parsed.answers.items() if code in kept}
    dropped = [
        Problem("bad_option" if code in refused else "not_applicable", code, _as_typed(answer))
        for code, answer in parsed.answers.items()
        if code not in kept
    ]
    return replace(parsed, answers=answers, problems=[*parsed.problems, *dropped])


def _as_typed(answer: object) -> str:
    return ",".join(map(str, answer)) if isinstance(answer, list) else str(answer)


def _language_code(language: object) -> str:
    """``"ru-RU"`` and ``"AZ_az"`` find ``ru`` and ``az``; anything unknown is English."""
    if not isinstance(language, str):
        return DEFAULT_LANGUAGE
    code = language.strip().lower().replace("_", "-").split("-")[0]
    return code if code in MESSAGES else DEFAULT_LANGUAGE


def _echo(typed: str) -> str:
    typed = " ".join(str(typed).split())
    return typed if len(typed) <= MAX_ECHOED_CHARS else typed[: MAX_ECHOED_CHARS - 1] + "…"


def _describe(problem: Problem) -> str:
    """``A3=25 (0-20)``, ``A4=7 (1-4)``, ``A3=abc``, ``A2``, ``Q7``, or quoted text."""
    if problem.kind == "unparsed_text":
        return f'"{_echo(problem.value)}"'
    if problem.kind in (
        "missing_answer",
        "duplicate_code",
        "unknown_code",
        "not_by_sms",
        "not_applicable",
    ):
        return problem.code
    described = f"{problem.code}={_echo(problem.value)}"
    if problem.kind in ("out_of_range", "bad_option", "bad_format") and problem.detail:
        described += f" ({problem.detail})"
    return described


def _fit(sentences: list[str]) -> str:
    """Join sentences within ``MAX_REPLY_CHARS``: the first always, then the rest while they fit.

    The first sentence that does not fit is cut and ends with "…", so a long
    list of problems still names its first few.
    """
    reply = sentences[0]
    for sentence in sentences[1:]:
        candidate = f"{reply} {sentence}"
        if len(candidate) <= MAX_REPLY_CHARS:
            reply = candidate
            continue
        room = MAX_REPLY_CHARS - len(reply) - 2
        if room >= 12:
            return f"{reply} {sentence[:room].rstrip()}…"
        return f"{reply} …"
    return reply
