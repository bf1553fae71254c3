"""The Dutch words every stage needs, in one place: months, weekdays, number words.

Sentence splitting lives in :mod:`verslagqa.chunk` (``split_sentences``, ``sentence_spans``),
stems and stop words in :mod:`verslagqa.keyword` (``tokenize``), dates in
:mod:`verslagqa.textutil`; they all take their words from here.
"""

from __future__ import annotations

__all__ = [
    "EN_MONTH_NAMES",
    "MONTHS",
    "MONTH_NAMES",
    "MONTH_PATTERN",
    "NUMBER_WORDS",
    "WEEKDAYS",
    "WEEKDAY_PATTERN",
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
