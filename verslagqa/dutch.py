"""The Dutch language in one place: months, weekdays, number words, dates written out,
sentences, stems and stop words. Every stage takes them from here (finding dates in text,
which needs the redaction rules too, is :mod:`verslagqa.textutil`)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache
from typing import Any

__all__ = [
    "EN_MONTH_NAMES",
    "MONTHS",
    "MONTH_NAMES",
    "MONTH_PATTERN",
    "NUMBER_WORDS",
    "WEEKDAYS",
    "WEEKDAY_PATTERN",
    "carried",
    "dutch_date",
    "dutch_date_iso",
    "fold",
    "sentence_spans",
    "split_sentences",
    "tokenize",
]

#: Full month names, January first.
MONTH_NAMES = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()
#: Month names and their abbreviations as written in minutes → month number.
MONTHS: dict[str, int] = {
    **{name: n for n, name in enumerate(MONTH_NAMES, start=1)},
    "jan": 1, "feb": 2, "febr": 2, "mrt": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}  # fmt: skip
#: Weekday names → weekday number (Monday 0).
WEEKDAYS: dict[str, int] = {
    "maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5,
    "zondag": 6,
}  # fmt: skip
#: Number words → value.
NUMBER_WORDS: dict[str, int] = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "veertien": 14, "twintig": 20,
}  # fmt: skip
EN_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()

#: Regex alternations, longest first (so 'sept' wins over 'sep').
MONTH_PATTERN = "|".join(sorted(MONTHS, key=len, reverse=True))
WEEKDAY_PATTERN = "|".join(WEEKDAYS)


def dutch_date(date: dt.date | None) -> str:
    """'1 maart 2021' (empty string for no date)."""
    if date is None:
        return ""
    return f"{date.day} {MONTH_NAMES[date.month - 1]} {date.year}"


def dutch_date_iso(iso: str) -> str:
    """'2021-03-01' → '1 maart 2021'; anything that is not an ISO date comes back unchanged."""
    try:
        return dutch_date(dt.date.fromisoformat(iso))
    except ValueError:
        return iso


# -- sentences --------------------------------------------------------------------------------

# A sentence ends at . ! ? followed by space and an upper-case letter, digit, quote or bracket,
# but not after common Dutch abbreviations (m.b.t., t.z.t., o.a., i.v.m., bijv., mw.).
_ABBREV = re.compile(
    r"(?:\b(?:[a-zA-Z]\.){1,3}|\b(?:bijv|mw|dhr|mevr|nr|ca|incl|excl|resp|vs|jl|zgn)\.)$"
)


def sentence_spans(text: str, by_line: bool = True) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``; 'm.b.t.' does not split a sentence.

    With ``by_line`` every line is a sentence of its own too (bullets often lack a full stop).
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+" if by_line else r"(?s).+", text):
        base, body = line.start(), line.group(0)
        start = 0
        for m in re.finditer(r"[.!?]+[\"')\]]*\s+(?=[A-Z0-9À-Ý\"'(\[-])", body):
            if _ABBREV.search(body[start : m.start() + 1]):
                continue
            spans.append((base + start, base + m.end()))
            start = m.end()
        if body[start:].strip():
            spans.append((base + start, base + len(body)))
    return spans


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, keeping abbreviations such as 'm.b.t.' intact."""
    out = [text[a:b].strip() for a, b in sentence_spans(text, by_line=False)]
    return [s for s in out if s]


# -- stems and stop words ---------------------------------------------------------------------

_WORD = re.compile(r"\w+")


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("dutch")


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_DUTCH

    return frozenset(fold(w) for w in STOPWORDS_DUTCH)


def fold(text: str) -> str:
    """Lower case without accents ('Continuïteit' → 'continuiteit')."""
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()


def tokenize(text: str) -> list[str]:
    """Lower-case, accent-folded Dutch stems without stop words ('Brieven' → 'brief')."""
    words = [w for w in _WORD.findall(fold(text)) if w not in _stopwords() and len(w) > 1]
    return list(_stemmer().stemWords(words))


def carried(stem: str, have: set[str] | frozenset[str]) -> bool:
    """A stem is carried by a set of stems when the set holds it, also inside a compound
    ('werkgroep' in 'orchestratiewerkgroep')."""
    return stem in have or (
        len(stem) >= 5 and any(stem in h or h in stem for h in have if len(h) >= 5)
    )


def carried_share(
    terms: set[str], have: set[str] | frozenset[str], weight: dict[str, float] | None = None
) -> float:
    """The share of ``terms`` that ``have`` carries (:func:`carried`), each term weighing
    ``weight[term]`` (1 when absent); 0 for no terms."""
    w = weight or {}
    total = sum(w.get(t, 1.0) for t in terms)
    if total <= 0:
        return 0.0
    return sum(w.get(t, 1.0) for t in terms if carried(t, have)) / total
