"""'Wanneer is X besproken?': the answer is the date of the meetings whose minutes discuss X.

That date is the meeting's, from the record (the parsed header), not from a sentence, so the
model's answer and its checks (which want the date in the cited sentence) cannot give it. Code
answers instead: the retrieved agenda items whose text, item title and meeting title hold most
of the question's topic words (``min_topic_coverage``, rare words weighing more) are listed with
their meeting's date, each citing the sentence that names the topic best. When no item holds
enough of the topic, the question goes the normal way.

Only questions about the past meeting itself take this path ("is … besproken", "vergaderde",
"vond de vergadering plaats"); "wanneer wordt X besproken?" asks for a date the minutes write.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .checks import content_words
from .dutch import EN_MONTH_NAMES, MONTHS, carried_share, dutch_date_iso, tokenize
from .extractive import citation
from .grounded import source_sentences
from .retrieve import Hit
from .schemas import Citation

__all__ = [
    "asks_meeting_date",
    "meeting_date_answer",
    "named_period",
    "topic_terms",
    "without_period",
]

_WHEN = re.compile(
    r"(?i)^\s*(?:wanneer|op welke (?:datum|dag|dagen|data)|in welke (?:vergadering|overleg)\w*)\b"
)
_PAST = re.compile(
    r"(?i)\b(?:is|zijn|werd|werden|kwam|kwamen)\b.*\b(?:besproken|behandeld|geagendeerd|"
    r"toegelicht|gepresenteerd|aan de orde(?: geweest| gekomen| gesteld)?|"
    r"ter sprake(?: gekomen| gebracht)?)\b"
    r"|\bvergaderden?\b|\b(?:heeft|hebben)\b.*\bvergaderd\b"
    r"|\b(?:vond|was)\b.*\b(?:vergadering|overleg|zitting)\b"
)
# a question about what is still to come asks for a date the minutes write
_FUTURE = re.compile(r"(?i)\b(?:wordt|worden|zal|zullen|gaat|gaan|komt|komen)\b")
# words that ask for the meeting, not the topic
_MEETING_WORDS = frozenset(
    tokenize(
        "besproken behandeld geagendeerd toegelicht gepresenteerd orde sprake gekomen kwam "
        "kwamen gebracht gesteld geweest "
        "vergaderde vergaderden vergaderd vergadering overleg zitting vond plaats datum dag"
    )
)


def asks_meeting_date(question: str) -> bool:
    """True for a question about when a past meeting discussed something or took place."""
    return bool(_WHEN.search(question) and _PAST.search(question) and not _FUTURE.search(question))


def topic_terms(question: str) -> set[str]:
    """The question's content stems that name what was discussed."""
    return {t for t in content_words(question) if t not in _MEETING_WORDS}


def meeting_date_answer(
    question: str,
    sources: list[Hit],
    members: list[list[Hit]],
    weight: dict[str, float] | None = None,
    min_coverage: float = 0.75,
    max_meetings: int = 5,
) -> tuple[str, list[Citation]]:
    """(text, citations): per meeting (oldest first) whose retrieved agenda item holds at least
    ``min_coverage`` of the topic words (rare words, by ``weight``, count more; parts of
    compounds count), its date and item, citing the item's sentence that holds most of them;
    ('', []) when no item does."""
    terms = topic_terms(question)
    if not terms:
        return "", []

    def held(have: set[str]) -> float:
        return carried_share(terms, have, weight)

    found: dict[str, tuple[int, Hit, str]] = {}
    for n, (hit, chunks) in enumerate(zip(sources, members, strict=True), start=1):
        if hit.meeting_id in found:
            continue
        # a quote must stand verbatim in a retrieved chunk
        stems = {
            s: set(tokenize(s))
            for s in source_sentences(hit.text)
            if any(s in c.text for c in chunks)
        }
        item = set(tokenize(f"{hit.item_title} {hit.meeting_title}")).union(*stems.values())
        if not stems or held(item) < min_coverage:
            continue
        best = max(stems, key=lambda s: held(stems[s]))
        found[hit.meeting_id] = (n, hit, best)
    picked = sorted(found.values(), key=lambda t: t[1].meeting_date)[:max_meetings]
    parts, citations = [], []
    for n, hit, quote in picked:
        where = hit.meeting_title + (f", {hit.item_title}" if hit.item_title else "")
        parts.append(f"{dutch_date_iso(hit.meeting_date)} ({where}) [{n}]")
        citations.append(citation(n, hit, quote))
    if not parts:
        return "", []
    if len(parts) == 1:
        return f"In de vergadering van {parts[0]}.", citations
    return f"In de vergaderingen van {', '.join(parts[:-1])} en {parts[-1]}.", citations


_MONTH_WORDS = "|".join(
    sorted([*MONTHS, *EN_MONTH_NAMES], key=len, reverse=True)  # 'sept' before 'sep'
)
# "in december 2021", "van juni 2026", "de vergadering van 3 maart 2021", "on March 3, 2021":
# the question places a meeting in time. "voor oktober 2026" / "per januari 2026" are
# deadlines, not meetings, and a bare year ("voor 2024") names no meeting.
_PERIOD = re.compile(
    rf"(?i)\b(?:in|van|op|tijdens|of|on|at|during)\s+(?:(\d{{1,2}})\s+)?({_MONTH_WORDS})\.?"
    rf"(?:\s+(\d{{1,2}}),?)?\s+((?:19|20)\d\d)\b"
)


def without_period(question: str) -> str:
    """The question without the words that place its meeting in time: they name the meeting,
    not the topic (the date may stand only in the meeting's header)."""
    return _PERIOD.sub(" ", question)


def named_period(question: str) -> tuple[dt.date, dt.date] | None:
    """The day or month a question places its meeting in ("Wie lichtte X toe in het TO van
    december 2022?" → 1-31 December 2022); None when it names none."""
    m = _PERIOD.search(question)
    if not m:
        return None
    word = m.group(2).lower()
    month = MONTHS.get(word) or EN_MONTH_NAMES.index(word) + 1
    year = int(m.group(4))
    day = m.group(1) or m.group(3)
    try:
        if day:
            date = dt.date(year, month, int(day))
            return date, date
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, 1), dt.date(year, month, last)
    except ValueError:
        return None
