"""Dutch deadline phrases resolved against the meeting date.

``resolve_deadline("Deadline is dinsdag 2 maart", date(2021, 3, 1))`` → ``("2021-03-02",
"dinsdag 2 maart")``. Relative phrases count from the meeting date: "vandaag"/"vanmiddag" is the
meeting day, a weekday ("vrijdag", "a.s. maandag") is its next occurrence after the meeting,
"volgende week" / "deze week" is the Friday of that week (a deadline "next week" is met by the
end of the working week), "binnen twee weken" adds days, "eind maart" is the month's last day,
"Q1 2026" the quarter's last day, "eind van het jaar" / "nog in 2023" the year's last day.
A date after "na"/"vanaf" starts something and a date before the meeting is history: neither
is a deadline.
A phrase that names no day ("volgend MT", "z.s.m.") keeps ``due_text`` with no date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .dutch import MONTH_PATTERN, MONTHS, NUMBER_WORDS, WEEKDAY_PATTERN, WEEKDAYS

__all__ = ["resolve_deadline"]

NUMBERS = NUMBER_WORDS

_MONTH = MONTH_PATTERN
_DAY = WEEKDAY_PATTERN
_NUM = r"\d{1,2}|" + "|".join(NUMBERS)
_PREFIX = r"(?:(?:uiterlijk|vóór|voor|per|op|tot|deadline(?: is)?)\s+)?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("numeric", re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\b")),
    (
        "daymonth",
        re.compile(
            rf"\b(?:(?:{_DAY})\s+)?(\d{{1,2}})\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.IGNORECASE
        ),
    ),
    ("today", re.compile(r"\b(vandaag|vanmiddag|vanochtend|vanmorgen|vanavond)\b", re.I)),
    ("tomorrow", re.compile(r"\b(overmorgen|morgen(?:ochtend|middag)?)\b", re.I)),
    (
        "nextweekday",
        re.compile(rf"\b(?:volgende|komende)\s+week\s+({_DAY})\b", re.I),
    ),
    (
        "weekday",
        re.compile(rf"\b(?:(?:a\.?s\.?|aanstaande|komende|volgende|deze)\s+)?({_DAY})\b", re.I),
    ),
    # a range ("binnen 2-3 weken", "twee à drie weken") is due at its far end
    (
        "within",
        re.compile(
            rf"\b(?:binnen|over)\s+({_NUM})(?:\s*(?:-|–|à|a|tot|of)\s*({_NUM}))?\s+"
            r"(dag|dagen|week|weken)\b",
            re.I,
        ),
    ),
    (
        "week",
        re.compile(r"\b(?:(eind|einde)\s+(?:van\s+)?)?(deze|volgende|komende)\s+week\b", re.I),
    ),
    ("monthend", re.compile(rf"\b(?:eind|einde|ultimo)\s+(?:van\s+)?({_MONTH})\b", re.I)),
    ("quarter", re.compile(r"\bQ([1-4])(?:\s+|-)?((?:19|20)\d\d)?\b")),
    (
        "yearend",
        re.compile(r"\b(?:eind|einde|ultimo)\s+(?:van\s+)?(?:het|dit|v/h|'t)\s+jaar\b", re.I),
    ),
    (
        "year",
        re.compile(r"\b(?:nog\s+in|uiterlijk\s+in|eind|einde|ultimo)\s+((?:19|20)\d\d)\b", re.I),
    ),
    ("monthmid", re.compile(rf"\b(?:medio|half|midden)\s+({_MONTH})\b", re.I)),
    # 'resultaten terug in mei', 'uiterlijk juli', 'in de raadsvergadering van juli 2024': a
    # month without a day is due by its end
    (
        "month",
        re.compile(
            rf"\b(?:in|uiterlijk|voor|vóór|per|tot|van)\s+({_MONTH})\b(?!\s*\d{{1,2}}\b)"
            r"(?:\s+((?:19|20)\d\d))?",
            re.I,
        ),
    ),
    ("thismonth", re.compile(r"\b(?:eind|einde)\s+(?:van\s+)?(?:deze|de)\s+maand\b", re.I)),
    (
        "vague",
        re.compile(
            r"\b(z\.s\.m\.?|zo snel mogelijk|volgend(?:e)? (?:MT|overleg|vergadering|staf)"
            r"|binnenkort|asap"
            # a season or a recess: 'voor de zomer', 'na het zomerreces', 'voor de kerst'
            r"|(?:voor|vóór|na|in|tijdens)\s+(?:de|het)\s+(?:zomer|herfst|winter|kerst|"
            r"zomerreces|meireces|kerstreces|herfstreces|voorjaarsreces|zomervakantie|"
            r"voorjaarsnota|begroting(?:sbehandeling)?))(?!\w)",
            re.I,
        ),
    ),
]


def _year_for(month: int, day: int, ref: dt.date) -> int:
    """Minutes name dates without a year: the nearest one that is not long past."""
    try:
        candidate = dt.date(ref.year, month, day)
    except ValueError:
        return ref.year
    if (ref - candidate).days > 60:
        return ref.year + 1
    return ref.year


def _next_weekday(ref: dt.date, weekday: int) -> dt.date:
    days = (weekday - ref.weekday()) % 7
    return ref + dt.timedelta(days=days or 7)


def _friday(ref: dt.date, weeks_ahead: int) -> dt.date:
    monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(weeks=weeks_ahead)
    return monday + dt.timedelta(days=4)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text.lower()]


def _resolve(kind: str, m: re.Match[str], ref: dt.date | None) -> dt.date | None:
    g = m.groups()
    try:
        if kind == "numeric":
            year = int(g[2]) + (2000 if len(g[2]) == 2 else 0)
            return dt.date(year, int(g[1]), int(g[0]))
        if kind == "daymonth":
            month, day = MONTHS[g[1].lower()], int(g[0])
            if g[2]:
                return dt.date(int(g[2]), month, day)
            if ref is None:
                return None
            return dt.date(_year_for(month, day, ref), month, day)
    except ValueError:
        return None
    if ref is None:
        return None
    if kind == "today":
        return ref
    if kind == "tomorrow":
        return ref + dt.timedelta(days=2 if g[0].lower() == "overmorgen" else 1)
    if kind == "nextweekday":
        monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(weeks=1)
        return monday + dt.timedelta(days=WEEKDAYS[g[0].lower()])
    if kind == "weekday":
        return _next_weekday(ref, WEEKDAYS[g[0].lower()])
    if kind == "within":
        n = _number(g[1] or g[0])
        return ref + dt.timedelta(days=n * (7 if g[2].lower().startswith("we") else 1))
    if kind == "week":
        return _friday(ref, 0 if g[1].lower() == "deze" else 1)
    if kind in ("monthend", "monthmid", "month"):
        month = MONTHS[g[0].lower()]
        year = int(g[1]) if kind == "month" and g[1] else _year_for(month, 28, ref)
        if kind == "monthmid":
            return dt.date(year, month, 15)
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    if kind == "quarter":
        year = int(g[1]) if g[1] else ref.year
        month = int(g[0]) * 3
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    if kind == "yearend":
        return dt.date(ref.year, 12, 31)
    if kind == "year":
        return dt.date(int(g[0]), 12, 31)
    if kind == "thismonth":
        return dt.date(ref.year, ref.month, calendar.monthrange(ref.year, ref.month)[1])
    return None


def resolve_deadline(text: str, meeting_date: dt.date | None) -> tuple[str | None, str | None]:
    """``(ISO date or None, phrase as written or None)`` for the first deadline in ``text``."""
    found: list[tuple[int, int, str, re.Match[str]]] = []
    for rank, (kind, pattern) in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            found.append((m.start(), rank, kind, m))
    # the earliest phrase wins; at the same spot the more specific pattern (lower rank) wins
    found.sort(key=lambda f: (f[0], f[1]))
    for start, _, kind, m in found:
        before = text[max(0, start - 12) : start]
        if re.search(r"\b(?:na|vanaf|sinds|sedert)\s+$", before, re.I):
            continue  # 'na 10 augustus' starts something, it is no deadline
        resolved = _resolve(kind, m, meeting_date)
        if resolved and meeting_date and resolved < meeting_date:
            continue  # a date before the meeting ('issue van 5 jan.') is no deadline
        # take a leading "uiterlijk"/"voor" into the phrase as written
        prefix = re.search(_PREFIX + r"$", text[max(0, start - 20) : start], re.I)
        phrase_start = start - len(prefix.group(0)) if prefix and prefix.group(0) else start
        due_text = text[phrase_start : m.end()].strip()
        return (resolved.isoformat() if resolved else None), due_text
    return None, None
