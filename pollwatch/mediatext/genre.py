"""Genre of an item: news, opinion, editorial or advert, by documented rules.

Every rule is a marker that outlets print; the first rule that fires, in
the order advert → editorial → opinion, decides (an advert may well be
written as an opinion, and an editorial is the outlet's own opinion).
Anything else is news. Markers are matched case-insensitively.

* **advert** — a *label line* (a line that is only the label, optionally
  followed by ``:``): "Advertisement", "Advertorial", "Sponsored",
  "Sponsored content", "Paid content", "Political advertisement",
  "Реклама", "Политическая реклама", "Reklam", "Siyasi reklam"; or anywhere in the
  text the funding phrases "Paid for by", "Sponsored by", "Promoted by",
  "На правах рекламы", "Оплачено из (средств) избирательного фонда", "… seçki fondunun
  vəsaiti hesabına".
* **editorial** — a label line or a title beginning with "Editorial",
  "Our view", "Leader" (UK usage), "От редакции", "Редакционная статья",
  "Редакционная колонка", "Redaksiyadan", "Redaksiya məqaləsi".
* **opinion** — a guest-author disclaimer anywhere: "The views expressed
  (in this article/here) are (solely) (those of) the author('s) (own)",
  "… do not necessarily reflect …", "Мнение автора может не совпадать с
  мнением редакции", "Müəllifin fikirləri redaksiyanın mövqeyini əks
  etdirməyə bilər"; or a label line / title beginning with "Opinion",
  "Op-ed", "Comment", "Commentary", "Guest column", "Column", "Analysis and
  opinion", "Мнение", "Колонка", "Комментарий", "Rəy", "Köşə".
* **news** — everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ADVERT_LABELS = (
    "advertisement", "advertorial", "sponsored", "sponsored content", "paid content",
    "paid post", "political advertisement", "paid political advertisement", "реклама",
    "политическая реклама", "агитационный материал", "reklam", "siyasi reklam",
)  # fmt: skip
ADVERT_PHRASES = (
    r"paid for by", r"sponsored by", r"promoted by", r"на правах рекламы",
    r"оплачено из (?:средств )?(?:избирательного )?фонда", r"seçki fondunun vəsaiti hesabına",
)  # fmt: skip
EDITORIAL_LABELS = (
    "editorial", "our view", "leader", "от редакции", "редакционная статья",
    "редакционная колонка", "redaksiyadan", "redaksiya məqaləsi",
)  # fmt: skip
OPINION_LABELS = (
    "opinion", "op-ed", "oped", "comment", "commentary", "guest column", "column",
    "мнение", "колонка", "комментарий", "точка зрения", "rəy", "köşə", "fikir",
)  # fmt: skip
OPINION_PHRASES = (
    r"the views (?:and opinions )?expressed (?:in this (?:article|column|piece) |here(?:in)? )?"
    r"are (?:solely )?(?:those of the author|the author['’]s(?: own)?|(?:his|her|their) own)",
    r"do(?:es)? not necessarily reflect (?:the )?(?:views|position|opinion)",
    r"мнение автора (?:может не совпадать|не обязательно совпадает) с (?:мнением|позицией) редакции",
    r"редакция может не разделять (?:мнение|точку зрения) автора",
    r"müəllifin (?:fikirləri|mövqeyi) redaksiyanın mövqeyini əks etdirməyə bilər",
)  # fmt: skip

GENRES = ("news", "opinion", "editorial", "advert")


@dataclass(frozen=True)
class GenreDecision:
    """The genre, the rule that fired (``None`` for the news default) and where its marker is."""

    genre: str
    rule: str | None = None
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"genre": self.genre, "rule": self.rule, "start": self.start, "end": self.end}


def _label_line_pattern(labels: tuple[str, ...], as_title_prefix: bool) -> re.Pattern[str]:
    options = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    # A label line is just the label (maybe with ':' or '|'); a title may go on after
    # "Editorial:" / "Opinion |" / "Opinion —".
    tail = r"(?:\s*[:|—–-].*)?" if as_title_prefix else r"\s*:?"
    return re.compile(rf"^[ \t]*(?:{options}){tail}[ \t]*$", re.IGNORECASE | re.MULTILINE)


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)


RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("advert", "advert label line", _label_line_pattern(ADVERT_LABELS, as_title_prefix=False)),
    ("advert", "advert funding phrase", _phrase_pattern(ADVERT_PHRASES)),
    ("editorial", "editorial label", _label_line_pattern(EDITORIAL_LABELS, as_title_prefix=True)),
    ("opinion", "opinion disclaimer", _phrase_pattern(OPINION_PHRASES)),
    ("opinion", "opinion label", _label_line_pattern(OPINION_LABELS, as_title_prefix=True)),
)


def classify_genre(text: str, title: str | None = None) -> GenreDecision:
    """Genre by the first rule (in ``RULES`` order) whose marker is in the title or text.

    Offsets refer to ``text``; a marker found in the title has none.
    """
    for genre, rule, pattern in RULES:
        if title and pattern.search(title):
            return GenreDecision(genre, f"{rule} (title)")
        match = pattern.search(text)
        if match:
            return GenreDecision(genre, rule, match.start(), match.end())
    return GenreDecision("news")
