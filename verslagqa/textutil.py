"""Small text helpers shared by the parser and later stages: dates, times, redactions."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .dutch import MONTH_PATTERN, MONTHS, WEEKDAY_PATTERN
from .schemas import REDACTION_TOKEN_PREFIX

__all__ = [
    "MONTHS",
    "REDACTION_TOKEN_RE",
    "date_spans",
    "display_title",
    "find_date",
    "legend_codes",
    "mark_word_redactions",
    "find_time_range",
    "is_redaction_only",
    "normalise_redactions",
    "count_redactions",
    "redaction_code",
    "slugify",
]

_MONTH_ALT = MONTH_PATTERN
_DATE_TEXT = re.compile(
    rf"(?<![\w.])(\d{{1,2}})(?:e)?\s*({_MONTH_ALT})\.?,?\s+'?(\d{{4}})(?!\d)", re.IGNORECASE
)
_DATE_NUM = re.compile(r"(?<![\d.])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?![\d])")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

_TIME = r"([01]?\d|2[0-3])\s?[:.]\s?([0-5]\d)"
_TIME_RANGE = re.compile(
    rf"(?<![\d.]){_TIME}\s*(?:uur|u\.?|h)?\s*(?:-|–|—|tot|t/m)\s*{_TIME}(?![\d])", re.IGNORECASE
)
_TIME_SINGLE = re.compile(rf"(?<![\d.]){_TIME}(?![\d.])")


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def date_spans(text: str) -> list[tuple[int, int, dt.date]]:
    """Every Dutch-written, numeric or ISO date in ``text`` as (start, end, date), in order
    ('1 maart 2021', '01-03-2021', '2021-03-01'; 'maandag 1 maart 2021' from the day)."""
    found: list[tuple[int, int, dt.date]] = []
    for rx, order in ((_DATE_TEXT, "dmy_text"), (_DATE_NUM, "dmy"), (_DATE_ISO, "ymd")):
        for m in rx.finditer(text):
            a, b, c = m.groups()
            if order == "dmy_text":
                date = _safe_date(int(c), MONTHS[b.lower()], int(a))
            elif order == "dmy":
                date = _safe_date(int(c), int(b), int(a))
            else:
                date = _safe_date(int(a), int(b), int(c))
            if date and not any(s <= m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), date))
    return sorted(found)


def find_date(text: str) -> dt.date | None:
    """First Dutch-written or numeric date in ``text`` ('1 maart 2021', '01-03-2021')."""
    spans = date_spans(text)
    return spans[0][2] if spans else None


def is_date_only(text: str) -> bool:
    """True when a line holds a date and nothing else of substance (weekday allowed)."""
    stripped = _DATE_TEXT.sub("", text)
    stripped = _DATE_NUM.sub("", stripped)
    stripped = _DATE_ISO.sub("", stripped)
    if stripped == text:
        return False
    rest = re.sub(rf"(?i)\b({WEEKDAY_PATTERN}|datum)\b", "", stripped)
    return not re.sub(r"[\s,.:*_]", "", rest)


def find_time_range(text: str) -> tuple[str | None, str | None]:
    """('10:30', '11:30') from '10:30-11:30 uur' or '13.45 – 14.45'; single time → (t, None)."""
    m = _TIME_RANGE.search(text)
    if m:
        h1, m1, h2, m2 = m.groups()
        return f"{int(h1):02d}:{m1}", f"{int(h2):02d}:{m2}"
    for m in _TIME_SINGLE.finditer(text):
        # a lone time must not be a piece of a date such as 01.03.2021
        return f"{int(m.group(1)):02d}:{m.group(2)}", None
    return None, None


# --- redaction codes -------------------------------------------------------------------------
# Woo grounds 5.1.1a-e, 5.1.2a-i (plus 5.1.4/5.1.5), Wob 10.1a-d / 10.2a-g. A letter is required
# so ordinary numbers ("10.2 miljoen") are never taken for a redaction. OCR repeats like
# "5.1.2e2e" and spellings "5.1.2.e", "5.1.2 e", "5,1,2e" collapse to one code.
# Also 'art. 10.2.e' (the article word goes with the code), and an OCR layer's '10 2 e' and
# '5 1 2 e' (the dots read as spaces).
_CODE_RE = re.compile(
    rf"(?<![\w.,])(?<!{REDACTION_TOKEN_PREFIX} )(?:(?i:art(?:ikel)?\.?)\s?)?"
    r"(?P<num>5\s?[.,]\s?1\s?[.,]\s?[1-5]|10\s?[.,]\s?[12]|5\s1\s[1-5](?=\s[a-i]\b)"
    r"|10\s[12](?=\s[a-g]\b))[.,]?\s?(?P<letter>[a-i])"
    r"(?:\d?[a-i](?![a-z]))*(?![a-z0-9])"
)
# '(10)(2e)', printed small as '(10)' over '(2e)'
_PAREN_CODE_RE = re.compile(
    r"\(\s?(?P<num>10|5\.1)\s?\)\s*\(\s?(?P<lid>[12])\s?(?P<letter>[a-i])\s?\)"
)
# a black bar that an OCR layer read as a run of ones ('111111•1111', '11111111MOMIII')
_BAR_DEBRIS = re.compile(r"(?<![\w|•.!])(?=[1Iil|•.!]*1{4})[1Iil|•.!]{8,}(?:[A-Z]{2,8}\b)?")
# a passage left out because it is outside the request: a mark without a ground
# (a mark on its own: in a line, a cell or brackets; 'valt buiten verzoek' in a sentence is prose)
_OUT_OF_SCOPE = re.compile(
    r"(?im)(?:^|(?<=[\t(\[|]))[ \t]*buiten\s+(?:verzoek|reikwijdte)[ \t]*(?=$|[\t)\]|.])"
)
_ORDINALS = {"eerste": "1", "tweede": "2", "derde": "3", "vierde": "4", "vijfde": "5"}
# 'artikel 5.1 lid 2 onder e Woo', 'art. 5.1. lid 2 sub e', 'art. 5.1 lid 2 e', and OCR
# without spaces or with a letter dropped: 'Arikel51lid2Woo', 'Art. 5. 1 lid 2 sub e'. Without
# the law's name an article counts only with its paragraph (5.1 lid 2, 5.2 lid 1).
_ARTICLE_RE = re.compile(
    r"(?i)(?<![\w.])(?:art(?:ikel|\.)?|arikel|artikl|artiekel)\s*"
    r"(?P<art>5\s?[.,]?\s?1|5\s?[.,]?\s?2|10|11\s?[.,]?\s?1)\.?\s*,?\s*"
    r"(?:lid\s*(?P<lid>\d)|(?P<lidw>eerste|tweede|derde|vierde|vijfde)\s+lid)?\s*,?\s*"
    r"(?:(?:(?:onder|sub)\s*(?P<letter>[a-i])|(?<=\d\s)(?P<bare>[a-i]))(?![a-z]))?\s*,?\s*"
    r"(?:van\s+de\s+)?(?P<law>Woo|Wob)?(?![a-z])"
)
REDACTION_TOKEN_RE = re.compile(
    rf"\[{REDACTION_TOKEN_PREFIX}(?: (?P<code>[0-9.]+[a-i]?|buiten verzoek))?\]"
)
# Woo releases that black out words and print a mark instead of the ground
_WORD_MARK = re.compile(
    r"\((?:geanonimiseerd|weggelakt|gelakt|zwartgelakt)\)|\[(?:geanonimiseerd)\]", re.I
)


def legend_codes(text: str) -> list[str]:
    """The grounds listed in a Woo release's legend ('J Art. 5.1 lid 2 sub e'), in order."""
    codes: list[str] = []
    for m in _ARTICLE_RE.finditer(text):
        art = re.sub(r"[\s,.]", "", m.group("art"))
        if m.group("law") or ((m.group("lid") or m.group("lidw")) and art in ("51", "52")):
            code = _article_code(m)
            if code not in codes:
                codes.append(code)
    return codes


def mark_word_redactions(text: str, code: str | None) -> tuple[str, int]:
    """'(geanonimiseerd)' → '[weggelakt 5.1.2e]' (the one ground of the legend) or
    '[weggelakt]' when the legend names several grounds or none; returns (text, count)."""
    token = f"[{REDACTION_TOKEN_PREFIX} {code}]" if code else f"[{REDACTION_TOKEN_PREFIX}]"
    return _WORD_MARK.subn(token, text)


def redaction_code(raw: str) -> str:
    """Canonical code for a raw redaction mark: '5.1.2e2e' → '5.1.2e'."""
    return normalise_redactions(raw.strip(), token=False)[0]


def _article_code(m: re.Match[str]) -> str:
    lid = m.group("lid") or _ORDINALS.get((m.group("lidw") or "").lower(), "")
    art = re.sub(r"[\s,.]", "", m.group("art"))
    art = f"{art[:-1]}.{art[-1]}" if art in ("51", "52", "111") else art
    code = art + (f".{lid}" if lid else "")
    return code + (m.group("letter") or m.group("bare") or "").lower()


def normalise_redactions(text: str, token: bool = True) -> tuple[str, int]:
    """Replace every redaction mark with one canonical form; return (text, count).

    With ``token`` the form is ``[weggelakt 5.1.2e]`` (cleaned text), else the bare code
    (header values such as attendee names).
    """
    count = 0

    def code_sub(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        code = re.sub(r"[\s,]", ".", m.group("num")).replace("..", ".") + m.group("letter")
        return f"[{REDACTION_TOKEN_PREFIX} {code}]" if token else code

    def art_sub(m: re.Match[str]) -> str:
        nonlocal count
        art = re.sub(r"[\s,.]", "", m.group("art"))
        if not m.group("law") and not ((m.group("lid") or m.group("lidw")) and art in ("51", "52")):
            return m.group(0)  # 'artikel 10 van de Grondwet' is no redaction ground
        count += 1
        code = _article_code(m)
        return f"[{REDACTION_TOKEN_PREFIX} {code}]" if token else code

    def paren_sub(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        code = f"{m.group('num')}.{m.group('lid')}{m.group('letter')}"
        return f"[{REDACTION_TOKEN_PREFIX} {code}]" if token else code

    def bar_sub(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"[{REDACTION_TOKEN_PREFIX}]" if token else ""

    def scope_sub(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"[{REDACTION_TOKEN_PREFIX} buiten verzoek]" if token else m.group(0)

    text = _ARTICLE_RE.sub(art_sub, text)
    text = _PAREN_CODE_RE.sub(paren_sub, text)
    text = _CODE_RE.sub(code_sub, text)
    text = _BAR_DEBRIS.sub(bar_sub, text)
    text = _OUT_OF_SCOPE.sub(scope_sub, text)
    return text, count


def count_redactions(text: str) -> dict[str, int]:
    """Redaction marks in ``text`` per ground ('10.2e': 6, '': a bar without a printed ground),
    every spelling read as one (see :func:`normalise_redactions`)."""
    marked = mark_word_redactions(normalise_redactions(text)[0], None)[0]
    counts: dict[str, int] = {}
    for m in REDACTION_TOKEN_RE.finditer(marked):
        code = m.group("code") or ""
        counts[code] = counts.get(code, 0) + 1
    return counts


def is_redaction_only(text: str) -> bool:
    """A line holding nothing but redaction marks ('5.1.2e', '(geanonimiseerd)'): what was
    withheld there, never page furniture even when it repeats."""
    t = mark_word_redactions(normalise_redactions(text)[0], None)[0]
    rest, marks = REDACTION_TOKEN_RE.subn("", t)
    return marks > 0 and not re.sub(r"[\W_]", "", rest)


# What a Woo ground withholds, for counting redactions in a title: 5.1.2e protects privacy
# (in minutes: names of people); other grounds withhold passages.
_GROUND_NOUN = {"5.1.2e": ("naam", "namen")}


def display_title(title: str) -> str:
    """A title for reading: its redaction tokens counted instead of repeated
    ('POK claim, [weggelakt 5.1.2e] [weggelakt 5.1.2e]' → 'POK claim (2 namen weggelakt)')."""
    codes = [m.group("code") or "" for m in REDACTION_TOKEN_RE.finditer(title)]
    if not codes:
        return title
    bare = REDACTION_TOKEN_RE.sub(" ", title)
    bare = re.sub(r"\s+([,.;:)])", r"\1", re.sub(r"\s{2,}", " ", bare))
    bare = re.sub(r"(?:[\s,;:/&-]|\ben\b)+$", "", bare.strip()).strip(" ,;:-/")
    parts = []
    for code in dict.fromkeys(codes):
        n = codes.count(code)
        one, many = _GROUND_NOUN.get(code, ("passage", "passages"))
        ground = f", {code}" if code and code not in _GROUND_NOUN else ""
        parts.append(f"{n} {one if n == 1 else many} weggelakt{ground}")
    counted = "; ".join(parts)
    return f"{bare} ({counted})" if bare else counted


def slugify(text: str, max_len: int = 60) -> str:
    """ASCII slug: 'Corona Continuïteit Team LZ' → 'corona-continuiteit-team-lz'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:max_len].rstrip("-")
