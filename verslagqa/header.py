"""Meeting metadata: the key/value header, the title, the meeting date and times.

General rules, in order of trust (each step only where the one before found nothing):

* **Date**: a header field (``Vergaderdatum``, ``Datum bespreking``, ``datum:``); a date near the
  top (title line, the line under it, a sentence naming the meeting: ``Directievergadering van
  woensdag 19 december 2018``) that is not about a previous or next meeting; an OCR-scattered
  date near the top (``Datum 4 2025`` / ``bespreking juli``); a title in the file's front
  matter; the letterhead ``Datum``; the file name. Falling back is recorded as a warning.
* **Title**: ``Betreft``/``Onderwerp``; the first heading or document-type line (``Verslag …``,
  ``Notulen …``) that is not page furniture, a room number, a label or OCR debris; for a generic
  heading ("Agenda en Verslag") the meeting named in the sentence below it; a front-matter
  title; a running header repeated on every page; the file name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

from .dutch import MONTH_PATTERN, WEEKDAY_PATTERN
from .lines import Line
from .sections import HEADER_SECTION
from .textutil import (
    MONTHS,
    date_spans,
    find_date,
    find_time_range,
    is_date_only,
    normalise_redactions,
)

__all__ = [
    "Header",
    "file_name_date",
    "file_name_title",
    "parse_header",
    "pick_date",
    "pick_times",
    "pick_title",
    "plausible_title",
    "running_header_date",
    "split_people",
    "top_window",
]

_KEYS: list[tuple[str, str]] = [
    ("title", r"betreft|onderwerp|vergadering"),
    (
        "when",
        r"vergaderdatum(?:\s*en\s*-?\s*(?:tijd|tijdstip))?|datum\s*(?:en\s*-?\s*tijd|vergadering"
        r"|bespreking|overleg|bijeenkomst)|datum/tijd|datum",
    ),
    ("time", r"aanvangstijdstip|aanvangstijd|tijdstip|tijd|aanvang"),
    ("place", r"vergaderplaats|vergaderlocatie|locatie|plaats"),
    ("attendees", r"aanwezig(?:en)?|aanwezi|deelnemers"),
    (
        "absent",
        r"afwezig(?:en)?(?:\s+(?:met|zonder)\s+(?:kennisgeving|bericht(?:\s+van\s+verhindering)?))?"
        r"|afgemeld|met\s+kennisgeving\s+afwezig|verhinderd|afmeldingen",
    ),
    ("chair", r"voorzitter"),
    ("minutes", r"notulist|verslag(?:legging)?|verslaglegger"),
]
_KEY_RE = re.compile(
    r"^\|?\s*(?P<key>" + "|".join(f"(?P<{name}>{rx})" for name, rx in _KEYS) + r")"
    r"(?P<sep>\s*[:|\t]\s*|\s{2,}|\s+(?=\S))(?P<value>.*)$",
    re.IGNORECASE,
)
_BARE_KEY_RE = re.compile(
    r"\|?\s*(?:" + "|".join(f"(?P<{name}>{rx})" for name, rx in _KEYS) + r")\s*:?\s*\|?",
    re.IGNORECASE,
)
# Keys that are ordinary words: only accepted with an explicit separator.
_WEAK_WORDS = {
    "tijd", "tijdstip", "aanvang", "plaats", "locatie", "voorzitter", "notulist", "verslag",
    "verslaglegging", "verslaglegger", "datum",
}  # fmt: skip
_LIST_KEYS = {"attendees", "absent"}
HEADER_SCAN_LINES = 120


@dataclass
class Header:
    fields: dict[str, str] = field(default_factory=dict)
    first: int = -1  # line index of the first header field
    last: int = -1  # line index of the last header line (incl. continuations)
    lines: set[int] = field(default_factory=set)  # every line index that is header


def _match_key(line: Line) -> tuple[str, str] | None:
    if line.heading or line.bullet:
        return None
    m = _KEY_RE.match(line.text)
    if not m:
        return None
    name = next(n for n, _ in _KEYS if m.group(n) is not None)
    sep = m.group("sep")
    value = m.group("value").strip().strip("|").strip()
    explicit = bool(re.search(r"[:|\t]", sep)) or len(sep) >= 2
    key = m.group("key").lower()
    if key in _WEAK_WORDS and not explicit:
        return None
    if name == "when" and key == "datum" and not value:
        return None  # a bare 'Datum' label is letterhead, not a header field
    if name == "title" and key == "vergadering" and not explicit:
        return None
    if name == "when" and not explicit and not find_date(value):
        return None  # 'Datum bespreking was lastig' is a sentence
    if not explicit and not value:
        return None
    return name, value


def _bare_key(line: Line) -> str | None:
    """A label alone on its line ('Locatie', 'Datum bespreking', 'Aanvangstijdstip:').

    A bare 'Datum' is the letterhead's document date, not the meeting's."""
    if line.bullet or line.heading or len(line.text) > 40:
        return None
    if re.fullmatch(r"(?i)\W*datum\W*", line.text):
        return None
    m = _BARE_KEY_RE.fullmatch(line.text)
    if not m:
        return None
    return next(n for n, v in m.groupdict().items() if v is not None)


_TIME_ONLY = re.compile(
    r"^\s*([01]?\d|2[0-3])\s?[:.]\s?[0-5]\d"
    r"(?:\s*(?:[-–—]|tot)?\s*([01]?\d|2[0-3])\s?[:.]\s?[0-5]\d)?\s*(?:uur|u\.?)?\s*$",
    re.I,
)


def _value_fits(name: str, text: str) -> bool:
    if name == "when":
        return bool(find_date(text) or loose_date(text.split()))
    if name == "time":
        return bool(_TIME_ONLY.match(text))
    if name in ("title", "place"):
        return 0 < len(text.split()) <= 10 and _bare_key_line(text) is None
    return True


def _match_key_text(text: str) -> bool:
    """'Datum 4 2025', 'Locatie: C10.044': a header label with its value, not a title."""
    m = _KEY_RE.match(text)
    if not m or next(n for n, _ in _KEYS if m.group(n) is not None) in ("title", "minutes"):
        return False
    explicit = bool(re.search(r"[:|\t]", m.group("sep"))) or len(m.group("sep")) >= 2
    key = m.group("key").lower()
    if key == "datum" or key.startswith("datum"):
        return explicit or bool(re.match(r"\s*\d", m.group("value")))
    return explicit or key not in _WEAK_WORDS


def _bare_key_line(text: str) -> str | None:
    m = _BARE_KEY_RE.fullmatch(text)
    return next(n for n, v in m.groupdict().items() if v is not None) if m else None


def parse_header(lines: list[Line]) -> Header:
    """Key/value header fields near the top: 'Betreft: …', 'Vergaderdatum | …', a label with its
    value on the next (or, in OCR column order, the previous) line."""
    header = Header()
    limit = min(len(lines), HEADER_SCAN_LINES)
    i = 0
    while i < limit:
        found = _match_key(lines[i])
        value_line = -1
        if not found:
            bare = _bare_key(lines[i])
            if bare and bare not in header.fields:
                for j in (i + 1, i - 1):
                    if bare not in ("when", "time", "place"):
                        break  # 'Verslag' alone is no label of the line next to it
                    if 0 <= j < len(lines) and j not in header.lines:
                        cand = lines[j].text
                        if _value_fits(bare, cand) and not _match_key(lines[j]):
                            found, value_line = (bare, cand), j
                            break
                if not found and bare in _LIST_KEYS | {"chair", "minutes"}:
                    if header.first >= 0 and i - header.last <= 3:
                        found = (bare, "")
        if not found:
            i += 1
            continue
        name, value = found
        if header.first >= 0 and i - header.last > 12:
            break  # a second key/value cluster far below is body text, not header
        if name == "when" and lines[i].text.lower().startswith("datum") and "when" in header.fields:
            i += 1
            continue
        j = max(i, value_line) + 1
        # wrapped values: an attendee list that continues on the next lines
        while (
            j < len(lines)
            and name in _LIST_KEYS
            and lines[j].text
            and not lines[j].blank_before
            and not _match_key(lines[j])
            and (value.endswith(",") or lines[j].indent > 0 or value == "")
        ) or (
            # a subject wrapped over lines: 'Betreft: Verslag overleg met X / gemeente Y over Z'
            j < len(lines)
            and name == "title"
            and not lines[j].blank_before
            and lines[j].text[:1].islower()
            and not _match_key(lines[j])
            and len(value) < 200
        ):
            value = f"{value} {lines[j].text}".strip()
            j += 1
        if name not in header.fields or not header.fields[name]:
            header.fields[name] = value
        if header.first < 0:
            header.first = min(i, value_line) if value_line >= 0 else i
        header.lines.update(range(i, j))
        if value_line >= 0:
            header.lines.add(value_line)
        header.last = max(header.last, j - 1)
        i = j
    return header


_BR = re.compile(r"(?i)<br\s*/?>")


def split_people(value: str) -> list[str]:
    """Split an attendee list on commas, keeping '(BPZ, verslag)' together."""
    parts = _BR.split(value)
    if len(parts) > 1:  # '<br>' between names (a table cell exported as HTML)
        return [p for v in parts for p in split_people(v.replace(",", " —"))]
    value = re.sub(r"\s+", " ", value).strip().rstrip(".;")
    if not value or value in {"-", "–", "n.v.t.", "nvt", "geen"}:
        return []
    pieces = [p.strip() for p in re.split(r"[,;]", value)]
    merged: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        prev = merged[-1] if merged else ""
        opened = prev.count("(") > prev.count(")")
        closes_first = ")" in piece and ("(" not in piece or piece.index(")") < piece.index("("))
        if merged and opened and closes_first:
            merged[-1] = f"{prev}, {piece}"
        else:
            merged.append(piece)
    out = []
    for p in merged:
        if p.count("(") > p.count(")"):
            p += ")"
        p = re.sub(r"^(en|and)\s+", "", p.strip(), flags=re.I)
        out.append(normalise_redactions(p, token=False)[0])
    return [p for p in out if p]


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_MONTH_WORD = re.compile(rf"^(?:{MONTH_PATTERN})\.?,?$", re.I)
# a date in a line about another meeting or about the document's life cycle
_OTHER_MEETING = re.compile(
    r"\b(vorige?|volgende|eerstvolgende|gepland|vastgesteld|vatgesteld|status|gepubliceerd"
    r"|publicatie|opgesteld|gewijzigd|herzien|deadline|uiterlijk|verstuurd|versie)\b",
    re.I,
)
#: A line about another meeting than the one the document records (public name).
OTHER_MEETING = _OTHER_MEETING
TOP_LINES = 25


def loose_date(tokens: list[str]) -> dt.date | None:
    """A date whose parts OCR scattered: a month name, a 4-digit year and a day number among a
    few tokens in any order ('4 2025 bespreking juli' → 4 juli 2025)."""
    month = year = day = None
    for tok in tokens:
        t = tok.strip(".,:;|()")
        if month is None and _MONTH_WORD.match(t):
            month = MONTHS[t.lower().rstrip(".,")]
        elif year is None and re.fullmatch(r"(19|20)\d\d", t):
            year = int(t)
        elif day is None and re.fullmatch(r"\d{1,2}", t) and 1 <= int(t) <= 31:
            day = int(t)
    if month and year and day:
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return None


def _window_tokens(lines: list[Line], i: int, span: int = 3) -> list[str]:
    return [t for ln in lines[i : i + span] for t in ln.text.split()][:14]


def top_window(lines: list[Line], first_section: int) -> range:
    """The lines that may hold the meeting's own date and title: before the first agenda
    item or section (at most TOP_LINES lines)."""
    end = min(len(lines), TOP_LINES, max(first_section, 6))
    return range(end)


def pick_date(
    lines: list[Line],
    header: Header,
    top: range,
    front: dict[str, str],
    document_date: dt.date | None,
    source: str,
) -> tuple[dt.date | None, str]:
    """The meeting date and where it came from ('header', 'top', 'ocr', 'front matter',
    'letterhead', 'file name' or '')."""
    when = header.fields.get("when", "")
    if when:
        date = find_date(when) or loose_date(when.split())
        if date:
            return date, "header"
    for i in top:
        ln = lines[i]
        if i in header.lines or _OTHER_MEETING.search(ln.text):
            continue
        date = find_date(ln.text)
        if date:
            return date, "top"
    for i in top:
        if i in header.lines and not header.fields.get("when", "").strip() == "":
            continue
        tokens = _window_tokens(lines, i)
        date = loose_date(tokens)
        if date and any(
            _MONTH_WORD.match(t.strip(".,:;|()"))
            for t in lines[i].text.split() + _window_tokens(lines, i, 1)
        ):
            return date, "ocr"
        if date and re.search(r"\b(19|20)\d\d\b", lines[i].text):
            return date, "ocr"
    for key, value in front.items():
        if key == "date" or re.search(r"title|label|name|onderwerp|subject", key):
            date = find_date(value)
            if date:
                return date, "front matter"
    if document_date:
        return document_date, "letterhead"
    date = running_header_date(lines, Counter(ln.key for ln in lines))
    if date:
        return date, "running header"
    date = file_name_date(source)
    if date:
        return date, "file name"
    return None, ""


def file_name_date(source: str) -> dt.date | None:
    """The last date written in a file name: 20250519, 2023-05-24, 10-december-2020."""
    stem = PurePath(source).stem
    spaced = re.sub(r"[_]+", "-", stem)
    found = [(start, date) for start, _end, date in date_spans(spaced)]
    compact = [
        (m.start(), m.group())
        for m in re.finditer(r"(?<!\d)(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)", stem)
    ]
    dates: list[tuple[int, dt.date]] = list(found)
    for pos, text in compact:
        try:
            dates.append((pos * 3, dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))))
        except ValueError:
            continue
    if not dates:
        return None
    return max(dates, key=lambda d: d[0])[1]


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------

# 'sluit de vergadering om 21:05.': a colon is a time without 'uur'; '21.05' needs it
# 'om 14.05 uur', 'te 23.57 uur' ('sluit de voorzitter te 23.57 uur de vergadering')
_AT_TIME = r"\b(?:om|te)\s+(\d{1,2}[.:]\d{2}(?=\s*(?:uur|u\b))|\d{1,2}:\d{2}(?!\d))"
_CLOSE = re.compile(rf"(?:sluit(?:ing)?\b.{{0,40}}?|gesloten\b.{{0,20}}?){_AT_TIME}", re.I)
_OPEN = re.compile(rf"\b(?:opent|geopend)\b.{{0,40}}?{_AT_TIME}", re.I)


def _hhmm(text: str) -> str:
    h, m = re.split(r"[.:]", text)
    return f"{int(h):02d}:{m}"


def pick_times(
    lines: list[Line], header: Header, top: range, date_line: int | None
) -> tuple[str | None, str | None]:
    """Start and end time: header fields, the date line, a time-only line near the top, or
    'opent … om 14.05 uur' / 'sluiting … om 11:15 uur' in the text."""
    start = end = None
    for text in (header.fields.get("when", ""), header.fields.get("time", "")):
        if text and start is None:
            start, end = find_time_range(text)
            if end is None and _loose_time_range(text)[0]:
                start, end = _loose_time_range(text)
    if start is None:
        candidates = [date_line] if date_line is not None else []
        candidates += [i for i in top if _TIME_ONLY.match(re.sub(r"\s+", " ", lines[i].text))]
        for i in candidates:
            s, e = find_time_range(lines[i].text)
            if e is None:
                s, e = (
                    _loose_time_range(lines[i].text)
                    if _loose_time_range(lines[i].text)[0]
                    else (s, e)
                )
            if s:
                start, end = s, e
                break
    if end is None:
        for ln in reversed(lines):  # the meeting closes at the end of its minutes
            m = _CLOSE.search(ln.text)
            if m:
                end = _hhmm(m.group(1))
                break
    if start is None:
        for ln in lines[:80]:
            m = _OPEN.search(ln.text)
            if m:
                start = _hhmm(m.group(1))
                break
    return start, end


def _loose_time_range(text: str) -> tuple[str | None, str | None]:
    """'09. 30 12. 30' (OCR, no dash between the times)."""
    m = re.fullmatch(
        r"\s*([01]?\d|2[0-3])\s?[.:]\s?([0-5]\d)\s+([01]?\d|2[0-3])\s?[.:]\s?([0-5]\d)\s*(?:uur)?\s*",
        text,
    )
    if not m:
        return None, None
    return f"{int(m.group(1)):02d}:{m.group(2)}", f"{int(m.group(3)):02d}:{m.group(4)}"


# --------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------

DOC_TYPE = (
    r"(?:agenda\s+en\s+)?(?:concept[- ]?)?(?:verslag|notulen|vergadernotulen|besluitenlijst"
    r"|actiepuntenlijst|actielijst|samenvatting|verslaglegging)"
)
_DOC_TYPE_START = re.compile(rf"^{DOC_TYPE}\b", re.I)
# 'Verslag', 'Agenda en notulen vergadering', 'Besluitenlijst openbare commissievergadering':
# a document kind and at most an unnamed meeting; the body's name, if any, is on a line nearby
_GENERIC = re.compile(
    rf"^(?:{DOC_TYPE}|agenda)(?:\s+(?:en|&|\+|/)\s+(?:{DOC_TYPE}|agenda))*"
    r"(?:\s+(?:van\s+de\s+)?(?:openbare|besloten|gewone|extra|reguliere)?\s*"
    r"(?:commissie|raads|bestuurs)?(?:bijeenkomst|vergadering|overleg))?\s*[:.]?$",
    re.I,
)
# 'Agenda en Verslag van de Werkgroep API Design Rules 31 januari 2023 - Online …'
_NAMED = re.compile(
    rf"^(?:{DOC_TYPE}|agenda)(?:\s+(?:en|&)\s+{DOC_TYPE})?\s+van\s+(?:de|het)\s+(?P<name>.+)$", re.I
)
_SECTION_NAMES = re.compile(r"^(?:inhoud|inhoudsopgave|toelichting grondslagen)\b", re.I)
# words that label a header value; a line of only these (and dates) names no meeting
_LABEL_WORDS = {
    "bespreking", "datum", "tijd", "uur", "locatie", "plaats", "aanwezig", "afwezig", "aanvang",
    "agendapunt", "actiehouder", "termijn", "nr", "van", "de", "het", "en", "dd",
}  # fmt: skip
_FURNITURE_TITLE = re.compile(
    r"^(?:bijlage|annex|pagina|page|blad|document|kenmerk|ons kenmerk)\s*[\d.\s-]*$", re.I
)


def _real_words(text: str) -> list[str]:
    return [
        w
        for w in re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]{2,}", text)
        if re.search(r"[aeiouyà-ÿ]", w, re.I)
    ]


def plausible_title(text: str) -> bool:
    """A line that can name a meeting: real words, not furniture, a label, a room or OCR debris."""
    t = text.strip()
    if not t or len(t) > 160 or "geanonimiseerd" in t.lower() or "weggelakt" in t.lower():
        return False
    if _FURNITURE_TITLE.match(t) or _SECTION_NAMES.match(t) or HEADER_SECTION.match(t):
        return False
    if _bare_key_line(t) or _match_key_text(t):
        return False
    meaningful = [
        w for w in re.findall(r"[^\W\d_][\w-]*", t)
        if w.lower() not in _LABEL_WORDS and not _MONTH_WORD.match(w)
    ]  # fmt: skip
    if not meaningful:
        return False
    if is_date_only(t) or _TIME_ONLY.match(t):
        return False
    words = t.split()
    real = _real_words(t)
    if not real:
        return False
    # OCR debris: short capital fragments ('EE FE , NE. ONE. NES. NE HE NFS.')
    if not re.search(r"[a-zà-ÿ]{3,}|[A-Z]{2,}-[A-Z]{2,}|[A-Z]{4,}", t):
        return False
    return len(words) <= 2 or len(real) >= 1


def clean_title(text: str) -> str:
    """Dates, times, 'd.d.', links and separators out of a title line."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    t = re.sub(r"\((?:PDF|DOCX?|XLSX?)[^)]*\)", " ", t, flags=re.I)
    t = re.sub(r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d\d\b", " ", t)  # also month-first
    spans = date_spans(t)
    if spans and len(_real_words(t[: spans[0][0]])) >= 2:
        # 'Notulen van de vergadering van de ministerraad gehouden op 12 maart 2021 in de
        # Trêveszaal': after the date come the place and the time, not the name
        t = t[: spans[0][0]]
        spans = []
    for start, end, _date in reversed(spans):
        t = t[:start] + " " + t[end:]
    t = re.sub(r"\b(?:d\.\s?d\.?|dd)(?=\s|$)", " ", t, flags=re.I)
    t = re.sub(rf"\b(?:{WEEKDAY_PATTERN})\b", " ", t, flags=re.I)
    t = re.sub(r"\b\d{1,2}[.:]\d{2}\s*(?:[-–]\s*\d{1,2}[.:]\d{2})?\s*(?:uur)?", " ", t)
    if loose_date(t.split()):
        t = " ".join(
            w for w in t.split() if not (re.fullmatch(r"\d{1,4}", w) or _MONTH_WORD.match(w))
        )
    t = re.sub(r"\s+", " ", t).strip(" ,;:-–—|>*_.")
    t = re.sub(r"(?:\s+(?:van|op|per|om|gehouden|te|in))+$", "", t, flags=re.I)
    t = re.sub(r"(?:\s+\d{1,2})?\s+(?:19|20)\d\d$", "", t)  # an OCR date without its month
    t = re.sub(rf"^(?:{DOC_TYPE})\s+[-–—:]\s*", "", t, flags=re.I)
    t = re.sub(r"^(?:vergadernotulen)\s+", "", t, flags=re.I)
    return t.strip(" ,;:-–—")


_MEETING_NOUN = re.compile(
    r"(?i)\b(?:\w*(?:overleg|vergadering|bijeenkomst|beraad|staf|werkgroep|stuurgroep|klankbord"
    r"|commissie|raad|team|sessie|platform|forum)\w*|(?-i:MT)\w*)\b"
)


def _names_a_meeting(text: str) -> bool:
    """A plain first line that can be a title: it has a date, an abbreviation ('VO-AJD', 'MT')
    or a meeting noun, so that 'melk' or 'geen verslag' is not taken for one."""
    return bool(
        find_date(text)
        or re.search(r"\b[A-Z]{2,}(?:-[A-Z]{2,})?\b", text)
        or _MEETING_NOUN.search(text)
    )


def _names_body(text: str) -> bool:
    """A short plain line that names the meeting body ('Raadscommissie voor Ruimte, wonen en
    natuur', 'Stuurgroep Digitale Overheid'): a meeting noun, no sentence, no date, no label."""
    t = text.strip()
    return bool(
        _MEETING_NOUN.search(t)
        and len(t.split()) <= 8
        and not re.search(r"[.?!:]$", t)
        and not find_date(t)
        and not _DOC_TYPE_START.match(t)
        and not _OTHER_MEETING.search(t)
        and plausible_title(clean_title(t))
    )


def _meeting_line(text: str) -> str:
    """'Directievergadering van woensdag 19 december 2018, 10.00 uur' → 'Directievergadering'."""
    if not find_date(text) or _OTHER_MEETING.search(text):
        return ""
    name = clean_title(text)
    ok = name and len(name.split()) <= 8 and _MEETING_NOUN.search(name) and plausible_title(name)
    return name if ok else ""


def _named_meeting(text: str) -> str:
    """'Agenda en Verslag van de Werkgroep X 31 januari 2023 - Online …' → 'Werkgroep X'."""
    m = _NAMED.match(text.strip())
    if not m:
        return ""
    name = m.group("name")
    cut = len(name)
    for start, _end, _date in date_spans(name):
        cut = min(cut, start)
    dash = re.search(r"\s[-–—]\s", name)
    if dash:
        cut = min(cut, dash.start())
    name = name[:cut].strip(" .,;:-–")
    # a long explanation in brackets is not part of the name
    name = re.sub(
        r"\s*\((?:[^()]|\([^()]*\))*\)\s*$",
        lambda mm: "" if len(mm.group().split()) > 4 else mm.group(),
        name,
    )
    return name.strip(" .,;:-–")


def _join_title(lines: list[Line], i: int) -> str:
    """A title that OCR broke over lines: 'Notulen d.d.' / 'periodiek overleg Belastingdienst' /
    'UWV 14-06-2023'."""
    text = lines[i].text
    if not re.search(r"(?:\bd\.\s?d\.?|\bvan(?:\s+de|\s+het)?)\s*$", text, re.I):
        return text
    parts = [text]
    for k in range(i + 1, min(len(lines), i + 3)):
        nxt = lines[k].text
        if len(nxt.split()) > 6 or _bare_key_line(nxt) or _KEY_RE.match(nxt):
            break
        parts.append(nxt)
        if find_date(nxt):
            break
    return " ".join(parts)


_PAGE_NUMBER = re.compile(r"\s*-?\s*\d{1,3}\s*-?\s*")
# what ties a cover title to its date: 'gehouden op', 'van', 'd.d.', a weekday
_COVER_TAIL = re.compile(
    r"(?:\s+(?:gehouden|op|van|d\.d\.|dd|de|maandag|dinsdag|woensdag|donderdag|vrijdag"
    r"|zaterdag|zondag))+\s*[:,]?$",
    re.I,
)


def _cover_title(lines: list[Line], top: range, header: Header) -> tuple[str, int] | None:
    """A title printed as a cover over a few short lines down to its date ('Vergadering /
    gemeenteraad Den Haag / gehouden op / donderdag 13 februari 2025'): the lines joined
    without the date and the words that tie them to it."""
    start = next(
        (k for k in top if k not in header.lines and not _PAGE_NUMBER.fullmatch(lines[k].text)),
        None,
    )
    if start is None:
        return None
    parts: list[str] = []
    for k in range(start, min(len(lines), start + 6)):
        text = lines[k].text.strip()
        if k in header.lines or not text or len(text.split()) > 5 or _KEY_RE.match(text):
            return None
        date = find_date(text)
        if date:
            if len(parts) < 2:
                return None  # one line over a date is the ordinary title rule's case
            joined = _COVER_TAIL.sub("", " ".join(parts)).strip()
            if _MEETING_NOUN.search(joined) and plausible_title(joined):
                return joined, start
            return None
        if re.search(r"[.;?!]$", text):
            return None
        parts.append(text)
    return None


def pick_title(
    lines: list[Line],
    header: Header,
    top: range,
    front: dict[str, str],
    source: str,
    body_counts: Counter[str],
    first_section: int | None = None,
) -> tuple[str, int | None, str]:
    """The meeting's name, the line it came from (None: not from a line) and where from."""
    title = header.fields.get("title", "").strip()
    if title and plausible_title(title):
        return clean_title(title) or title, None, "header"
    # a cover title only where no line opens with the document's kind ('Verslag overleg …')
    cover = (
        None
        if any(_DOC_TYPE_START.match(lines[k].text) for k in top)
        else (_cover_title(lines, top, header))
    )
    if cover:
        return cover[0], cover[1], "top"
    generic: tuple[str, int] | None = None
    first_text = next(
        (k for k in top if k not in header.lines and not _PAGE_NUMBER.fullmatch(lines[k].text)),
        -1,
    )
    # first a heading or a 'Verslag …' line; a plain first line only when there is neither
    for allow_plain in (False, True):
        for i in top:
            ln = lines[i]
            if i in header.lines or ln.bullet:
                continue
            text = ln.text
            doc_line = bool(_DOC_TYPE_START.match(text)) and not _OTHER_MEETING.search(text)
            if _OTHER_MEETING.search(text):
                continue  # 'Verslag vorige vergadering'
            if first_section is not None and i >= first_section and not doc_line:
                continue  # the first agenda section, not the title
            if doc_line and not ln.heading and i >= 8:
                continue  # deep in OCR text: a front-matter title is surer
            plain_ok = allow_plain and i == first_text and _names_a_meeting(text)
            if not (ln.heading or ln.emph or doc_line or plain_ok):
                continue
            if re.match(r"^\s*(?:\d{1,2}[.)]?\s+|[IVX]{1,4}\.\s)", text) and not doc_line:
                continue  # an agenda item, not the title
            if i > 0 and _bare_key_line(lines[i - 1].text) and not doc_line:
                continue  # the value of a 'Locatie' label above it
            text = _join_title(lines, i) if doc_line else text
            cleaned = clean_title(text)
            if not _GENERIC.match(cleaned) and not plausible_title(cleaned):
                continue
            if _GENERIC.match(cleaned):
                for k in range(i + 1, min(len(lines), i + 4)):
                    named = _named_meeting(lines[k].text) or _meeting_line(lines[k].text)
                    if named:
                        return named, i, "top"
                    nxt = clean_title(lines[k].text)
                    if lines[k].heading and _MEETING_NOUN.search(nxt) and plausible_title(nxt):
                        return f"{cleaned} {nxt}", k, "top"  # '## Verslag' / '## RvB-vergadering'
                    if _names_body(lines[k].text):
                        return nxt, k, "top"  # 'Besluitenlijst …' / 'Raadscommissie voor X'
                generic = generic or (cleaned, i)
                continue
            return cleaned, i, "top"
    for key, value in front.items():
        if re.search(r"title|label|onderwerp|subject|name", key) and value:
            cleaned = clean_title(value)
            cleaned = re.sub(r"^(?:bijlage|document)\s*[\d.]*\s*", "", cleaned, flags=re.I)
            if plausible_title(cleaned) and not re.match(r"^woo[- ]", cleaned, re.I):
                return cleaned.strip(" .,"), None, "front matter"

    # a running header/footer that names the document on every page (OCR may add the month)
    def running_key(text: str) -> str:
        words = [w for w in clean_title(text).split() if not _MONTH_WORD.match(w)]
        return " ".join(w for w in words if not w.isdigit()).lower()

    doc_lines = [ln for ln in lines if _DOC_TYPE_START.match(ln.text)]
    running = Counter(running_key(ln.text) for ln in doc_lines)
    for ln in doc_lines:
        key = running_key(ln.text)
        if running[key] >= 2 or body_counts[ln.key] >= 2:
            cleaned = " ".join(w for w in clean_title(ln.text).split() if not _MONTH_WORD.match(w))
            if plausible_title(cleaned) and not _GENERIC.match(cleaned):
                return cleaned, None, "running header"
    for ln in doc_lines:  # a footer naming the document once
        cleaned = " ".join(w for w in clean_title(ln.text).split() if not _MONTH_WORD.match(w))
        if (
            len(cleaned.split()) <= 6
            and plausible_title(cleaned)
            and not _GENERIC.match(cleaned)
            and not _OTHER_MEETING.search(cleaned)
        ):
            return cleaned, None, "footer"
    if generic:
        return generic[0], generic[1], "top"
    repeated = [k for k, n in running.items() if n >= 2 and k]
    if repeated:  # 'Actiepuntenlijst' on every page: generic, but better than a file name
        first = next(ln for ln in doc_lines if running_key(ln.text) == repeated[0])
        return clean_title(first.text), None, "running header"
    return file_name_title(source), None, "file name"


def file_name_title(source: str) -> str:
    """'2023-05-24 Verslag TO Terugmelden.pdf' → 'Verslag TO Terugmelden'."""
    stem = PurePath(source).stem
    text = re.sub(r"[_]+", " ", stem)
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    text = re.sub(r"(?<!\d)(19|20)\d{6}(?!\d)", " ", text)
    text = clean_title(text)
    words = [w for w in text.split() if not re.fullmatch(r"\d{1,4}", w)]
    m = next((k for k, w in enumerate(words) if _DOC_TYPE_START.match(w)), None)
    if m is not None:
        start = m - 1 if m > 0 and words[m - 1].lower() == "concept" else m
        tail = words[start:]
        if len([w for w in tail if not _DOC_TYPE_START.match(w)]) >= 2:
            words = tail
    return " ".join(words).strip() or stem


def running_header_date(lines: list[Line], counts: Counter[str]) -> dt.date | None:
    """A date in a running header repeated on every page ('DT 21 maart' / '2023' /
    'Actiepuntenlijst'), also when OCR split it over lines."""
    for i, ln in enumerate(lines):
        if counts[ln.key] < 2:
            continue
        date = find_date(ln.text)
        if date:
            return date
        if any(_MONTH_WORD.match(t.strip(".,:;|()")) for t in ln.text.split()):
            date = loose_date(_window_tokens(lines, i))
            if date:
                return date
    return None
