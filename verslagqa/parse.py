"""Parse a verslag (text, markdown or PDF) into a structured :class:`Meeting`.

The rules are general, not per sample:

* **Header**: key/value lines (``Betreft``, ``Vergaderdatum en -tijd``, ``Aanwezig`` …) separated
  by a tab, a colon, a table bar or spacing, anywhere near the top of the document.
* **Page furniture**: letterhead blocks repeat at every page break, often in the middle of a
  sentence. A run of lines is furniture when it holds a line with a letterhead shape
  (address, phone, ``Datum`` label, ``Pagina 2 van 4`` …) or two or more short lines that also
  occur elsewhere in the document. Such runs are cut out and the sentence around them rejoined.
* **Agenda items**: numbered lines (``1.``, ``3a``, ``3.1``, ``a.`` under a number, ``Agendapunt
  4:``) in any markdown dress (heading, bold, italic, list entry) that continue the numbering;
  unnumbered documents become one item, or sections when they carry headings.
* **Redactions**: Woo/Wob codes become one visible token ``[weggelakt 5.1.2e]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from .schemas import AgendaItem, Meeting
from .textutil import (
    find_date,
    find_time_range,
    is_date_only,
    normalise_redactions,
    slugify,
)

__all__ = [
    "LoadResult",
    "ParseFailure",
    "VerslagParseError",
    "load_verslagen",
    "parse_verslag",
    "read_text",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf")


class VerslagParseError(ValueError):
    """A file could not be read as a verslag. The message names the file and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


# --------------------------------------------------------------------------------------------
# Reading bytes
# --------------------------------------------------------------------------------------------


def _human(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _too_large(source: str, size: int, max_bytes: int) -> VerslagParseError:
    return VerslagParseError(
        source,
        f"file too large ({_human(size)}; limit {_human(max_bytes)}, "
        "raise VERSLAGQA_PARSE__MAX_BYTES to accept it)",
    )


def _pdf_text(data: bytes, source: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:  # pypdf raises several types here
                raise VerslagParseError(source, "PDF is encrypted with a password") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
    except VerslagParseError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise VerslagParseError(source, f"damaged or unreadable PDF ({exc})") from exc
    text = "\n\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 20:
        raise VerslagParseError(
            source, "PDF has no text layer (scanned image?); run OCR on it first"
        )
    return text


def read_text(data: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Decode raw file bytes (UTF-8, UTF-16, cp1252/latin-1 fallback, or PDF) to text."""
    if len(data) > max_bytes:
        raise _too_large(source, len(data), max_bytes)
    if not data.strip():
        raise VerslagParseError(source, "file is empty")
    if data.startswith(b"%PDF-") or source.lower().endswith(".pdf"):
        if not data.lstrip().startswith(b"%PDF-"):
            raise VerslagParseError(source, "named .pdf but is not a PDF file")
        return _pdf_text(data, source)
    if data.startswith(b"PK\x03\x04"):
        raise VerslagParseError(
            source, "ZIP/Office document, not text; export it as .txt or .pdf first"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise VerslagParseError(source, "invalid UTF-16 text") from exc
    if b"\x00" in data[:65536]:
        raise VerslagParseError(source, "binary file (contains NUL bytes), not a text verslag")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(3, len(text[:65536]) // 100):
        raise VerslagParseError(source, "binary file (control characters), not a text verslag")
    return text


# --------------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------------

_LIST_MARK = re.compile(r"^(?P<indent>\s*)(?:[-*+•·▪◦]|\d{1,2}\))?(?P<sp>\s+)")
_HEADING = re.compile(r"^\s*(#{1,6})\s*")


@dataclass
class Line:
    raw: str
    text: str  # markdown stripped
    heading: int = 0
    bullet: bool = False
    indent: int = 0
    emph: bool = False  # the whole line was bold or italic
    blank_before: bool = False
    break_before: bool = False  # page furniture was cut out just before this line

    @property
    def key(self) -> str:
        return re.sub(r"\s+", " ", self.text.lower()).strip(" .:*_-")


def _strip_emphasis(s: str) -> str:
    s = s.replace("**", "").replace("__", "")
    s = re.sub(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "", s)
    s = re.sub(r"(?<![\w])_(?=\S)|(?<=\S)_(?![\w])", "", s)
    return s


def _make_line(raw: str) -> Line:
    raw = raw.rstrip()
    s = raw
    heading = 0
    m = _HEADING.match(s)
    if m:
        heading = len(m.group(1))
        s = s[m.end() :]
    bullet = False
    indent = len(s) - len(s.lstrip(" "))
    stripped = s.strip()
    if re.match(r"^[-*+•·▪◦](\s+|$)", stripped) and not re.match(r"^\*\*", stripped):
        bullet = True
        stripped = stripped[1:].strip()
    inner = stripped
    emph = bool(
        re.fullmatch(r"(\*\*|__)(?!\s).+?(?<!\s)\1[:.]?", inner)
        or re.fullmatch(r"[*_](?![*\s]).+?(?<![\s*])[*_][:.]?", inner)
    )
    text = _strip_emphasis(inner).strip()
    text = re.sub(r"[ \t]{2,}", lambda mm: "\t" if "\t" in mm.group() else " ", text)
    return Line(raw=raw, text=text, heading=heading, bullet=bullet, indent=indent, emph=emph)


def _normalise_chars(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return text


# Multi-line letterhead sentences, matched across line breaks and markdown markers.
_BOILERPLATE_PHRASES = (
    "Correspondentie uitsluitend richten aan het retouradres met vermelding van de datum "
    "en het kenmerk van deze brief.",
)


def _phrase_regex(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"[*_]*" + r"[\s*_]+".join(words) + r"[*_]*", re.IGNORECASE)


_BOILERPLATE_RES = [_phrase_regex(p) for p in _BOILERPLATE_PHRASES]


# --------------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------------

_KEYS: list[tuple[str, str]] = [
    ("title", r"betreft|onderwerp|vergadering"),
    (
        "when",
        r"vergaderdatum(?:\s*en\s*-?\s*(?:tijd|tijdstip))?|datum\s*(?:en\s*-?\s*tijd|vergadering)"
        r"|datum/tijd|datum",
    ),
    ("time", r"tijd|tijdstip|aanvang"),
    ("place", r"vergaderplaats|vergaderlocatie|locatie|plaats"),
    ("attendees", r"aanwezig(?:en)?|deelnemers"),
    ("absent", r"afwezig(?:en)?|afgemeld|met\s+kennisgeving\s+afwezig|verhinderd|afmeldingen"),
    ("chair", r"voorzitter"),
    ("minutes", r"notulist|verslag(?:legging)?|verslaglegger"),
]
_KEY_RE = re.compile(
    r"^\|?\s*(?P<key>" + "|".join(f"(?P<{name}>{rx})" for name, rx in _KEYS) + r")"
    r"(?P<sep>\s*[:|\t]\s*|\s{2,}|\s+(?=\S))(?P<value>.*)$",
    re.IGNORECASE,
)
_BARE_KEY_RE = re.compile(
    "(?:"
    + "|".join(
        f"(?P<{name}>{rx})"
        for name, rx in _KEYS
        if name in ("attendees", "absent", "place", "chair", "minutes")
    )
    + r")\s*:?",
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
    if m.group("key").lower() in _WEAK_WORDS and not explicit:
        return None
    if name == "when" and m.group("key").lower() == "datum" and not value:
        return None  # a bare 'Datum' label is letterhead, not a header field
    if name == "title" and m.group("key").lower() == "vergadering" and not explicit:
        return None
    if not explicit and not value:
        return None
    return name, value


def _parse_header(lines: list[Line]) -> Header:
    header = Header()
    limit = min(len(lines), HEADER_SCAN_LINES)
    i = 0
    while i < limit:
        found = _match_key(lines[i])
        if not found and header.first >= 0 and i - header.last <= 1:
            # 'Afwezig' with nothing after it, right below the other fields
            bare = _BARE_KEY_RE.fullmatch(lines[i].text)
            if bare:
                found = (next(n for n, v in bare.groupdict().items() if v is not None), "")
        if not found:
            i += 1
            continue
        name, value = found
        if header.first >= 0 and i - header.last > 12:
            break  # a second key/value cluster far below is body text, not header
        if name == "when" and lines[i].text.lower().startswith("datum") and "when" in header.fields:
            i += 1
            continue
        j = i + 1
        # wrapped values: an attendee list that continues on the next lines
        while (
            j < len(lines)
            and name in _LIST_KEYS
            and lines[j].text
            and not lines[j].blank_before
            and not _match_key(lines[j])
            and (value.endswith(",") or lines[j].indent > 0 or value == "")
        ):
            value = f"{value} {lines[j].text}".strip()
            j += 1
        if name not in header.fields or not header.fields[name]:
            header.fields[name] = value
        if header.first < 0:
            header.first = i
        header.last = j - 1
        i = j
    return header


def split_people(value: str) -> list[str]:
    """Split an attendee list on commas, keeping '(BPZ, verslag)' together."""
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
# Page furniture
# --------------------------------------------------------------------------------------------

_STRONG_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(ministerie|gemeente|provincie|waterschap) van\b.{0,40}$",
        r"^(directie|directoraat(-generaal)?|programmadirectie|bureau|afdeling|dienst|cluster)"
        r"\b[^.]{0,40}$",
        r"^(bezoekadres|postadres|retouradres|postbus|contactpersoon|inlichtingen( bij)?|"
        r"ons kenmerk|uw kenmerk|kenmerk|uw brief( van)?|bijlage\(n\)|bijlagen?|"
        r"aantal pagina'?s|pagina|datum|telefoon|telefax|fax|e-?mail|doorkiesnummer|"
        r"behandeld door|onze referentie|referentie)\s*:?$",
        r"^(ons kenmerk|uw kenmerk|kenmerk|referentie)\s*:?\s*[\w./-]{2,30}$",
        r"^aantal pagina'?s\s*:?\s*\d+$",
        r"^(pagina|page|blad)\s*:?\s*\d+(\s*(van|/|of)\s*\d+)?$",
        r"^\d+\s*(van|/)\s*\d+$",
        r"^postbus\s+\d+",
        r"^\d{4}\s?[A-Z]{2}\s+[A-Z][\w' -]{1,30}$",
        r"^[A-Z][a-zà-ÿ]+(straat|plein|laan|weg|kade|gracht|singel|park|hof|dreef|markt|dijk"
        r"|steeg|boulevard)\s+\d+[a-z]?$",
        r"^(t|f|m|tel\.?|telefoon|fax)\s*[:.]?\s*(\+\s?31|0)[\d\s()+-]*(\d|5\.1\.2\w?)?\s*$",
        r"^(https?://|www\.)\S+$",
        r"^\S*\s?@[\w-]+(\.[\w-]+)+$",
        r"^datum\s*:?\s*(\d.{4,25}\d{4})$",
        r"^(departementaal vertrouwelijk|dep\.? vertrouwelijk|rijksvertrouwelijk|"
        r"vertrouwelijk|staatsgeheim.{0,20}|stg\.? (confidentieel|geheim|zeer geheim)|"
        r"zeer geheim|geheim|intern gebruik|uitsluitend voor intern gebruik|"
        r"concept|verslag|notulen|besluitenlijst|actielijst|conceptverslag)$",
    )
]
_CLASSIFICATION_RE = re.compile(
    r"^(departementaal vertrouwelijk|dep\.? vertrouwelijk|rijksvertrouwelijk|vertrouwelijk|"
    r"staatsgeheim(\s+(confidentieel|geheim|zeer geheim))?|stg\.? (confidentieel|geheim|"
    r"zeer geheim)|zeer geheim|geheim|intern gebruik|uitsluitend voor intern gebruik)$",
    re.IGNORECASE,
)
_ITEM_LIKE = re.compile(r"^(\d{1,2}[a-z]?[.)]|[a-z][.)])\s")


def _is_strong(text: str) -> bool:
    return len(text) <= 80 and any(rx.match(text) for rx in _STRONG_RES)


def _is_weak(text: str) -> bool:
    t = text.strip()
    if re.fullmatch(r"[\d\s./-]{1,8}", t):
        return True
    if len(t) <= 40 and is_date_only(t):
        return True
    red, n = normalise_redactions(t)
    return n > 0 and not re.sub(r"\[weggelakt [^\]]+\]|[\s@.,()]", "", red)


def _is_sentence(text: str) -> bool:
    t = text.rstrip()
    if t.endswith(("?", "!")):
        return True
    if t.endswith("."):
        last = re.split(r"\s+", t[:-1])[-1] if t[:-1] else ""
        return len(last) >= 5 or len(t.split()) > 4
    return False


def _furniture_mask(lines: list[Line], counts: Counter[str]) -> list[bool]:
    """True for every line that belongs to a block of page furniture."""
    kinds: list[str | None] = []
    for ln in lines:
        if not ln.text:
            kinds.append(None)
            continue
        t = ln.text
        if _is_strong(t):
            kinds.append("strong")
        elif (
            counts[ln.key] >= 2
            and len(t) <= 60
            and len(t.split()) <= 8
            and not _is_sentence(t)
            and not _ITEM_LIKE.match(t)
            and not ln.heading
        ):
            kinds.append("repeat")
        elif _is_weak(t):
            kinds.append("weak")
        else:
            kinds.append("content")
    mask = [False] * len(lines)
    i = 0
    while i < len(lines):
        if kinds[i] in (None, "content"):
            i += 1
            continue
        j = i
        members: list[int] = []
        while j < len(lines) and kinds[j] != "content":
            if kinds[j] is not None:
                members.append(j)
            j += 1
        block_kinds = Counter(kinds[k] for k in members)
        if block_kinds["strong"] >= 1 or block_kinds["repeat"] >= 2:
            for k in members:
                mask[k] = True
        elif block_kinds["repeat"] == 1 and counts[lines[members[0]].key] >= 3:
            # a running header/footer line repeated on every page
            for k in members:
                if kinds[k] == "repeat":
                    mask[k] = True
        i = j
    return mask


# --------------------------------------------------------------------------------------------
# Agenda items
# --------------------------------------------------------------------------------------------

_NUM_ITEM = re.compile(
    r"^(?:(?P<prefix>agendapunt|agenda punt|punt|ad)\s+)?(?P<num>\d{1,2})"
    r"(?:(?P<sub>[a-z])(?![a-z])|\.(?P<dec>\d{1,2}))?\s*(?P<sep>[.):]|\s-|\s–)?\s+(?P<title>\S.*)$",
    re.IGNORECASE,
)
_LETTER_ITEM = re.compile(r"^(?P<sub>[a-z])\s*[.)]\s+(?P<title>\S.*)$")


@dataclass
class _Heading:
    index: int  # line index
    label: str
    title: str
    top: int
    sub: str | None
    inline: str = ""  # body text that sat on the heading line after the title


def _titlelike(title: str) -> bool:
    return (
        len(title) <= 90
        and len(title.split()) <= 12
        and not title.rstrip().endswith((".", ";", ","))
    )


def _standalone(lines: list[Line], i: int) -> bool:
    prev_ok = i == 0 or not lines[i - 1].text or lines[i].blank_before
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    next_ok = nxt is None or nxt.blank_before or not nxt.text
    return prev_ok and next_ok


def _split_title(title: str, marked: bool) -> tuple[str, str]:
    """'Opening: de voorzitter opent…' → ('Opening', 'de voorzitter opent…')."""
    title = title.strip().strip("*_ ").rstrip(":").strip()
    if not marked and not _titlelike(title):
        m = re.match(r"^(.{2,60}?)\s*[:–]\s+(.{20,})$", title)
        if m:
            return m.group(1).strip(), m.group(2).strip()
    return title, ""


def _find_headings(lines: list[Line]) -> list[_Heading]:
    heads: list[_Heading] = []
    top = 0
    sub: str | None = None
    dec = 0
    for i, ln in enumerate(lines):
        t = ln.text
        if not t:
            continue
        marked = bool(ln.heading) or ln.emph
        m = _NUM_ITEM.match(t)
        if m:
            num = int(m.group("num"))
            title_raw = m.group("title")
            is_marked = marked or bool(m.group("prefix")) or bool(re.match(r"^[*_]", title_raw))
            has_sep = m.group("sep") is not None or m.group("sub") or m.group("dec")
            if not has_sep and not is_marked:
                m = None
            if m and num == 0:
                m = None
        if m:
            num = int(m.group("num"))
            title_raw = m.group("title")
            is_marked = marked or bool(m.group("prefix"))
            letter = (m.group("sub") or "").lower() or None
            decimal = int(m.group("dec")) if m.group("dec") else None
            ok = False
            if decimal is not None:
                ok = (num == top and decimal == dec + 1) or (num == top + 1 and decimal == 1)
            elif letter is not None:
                follows = letter == "a" if sub is None else ord(letter) == ord(sub) + 1
                ok = num == top and follows
                ok = ok or (num == top + 1 and letter == "a")
            elif num == top + 1:
                ok = (
                    is_marked
                    or _titlelike(title_raw)
                    or _standalone(lines, i)
                    or bool(_split_title(title_raw, False)[1])
                )
            elif is_marked and top < num <= top + 3 and (_titlelike(title_raw) or ln.heading):
                ok = True  # skipped numbers happen when items are left out of a release
            if ok:
                title, inline = _split_title(title_raw, is_marked)
                if decimal is not None:
                    label = f"{num}.{decimal}"
                    dec = decimal
                    sub = None
                elif letter is not None:
                    label = f"{num}{letter}"
                    sub = letter
                    dec = 0
                else:
                    label = str(num)
                    sub = None
                    dec = 0
                top = num
                heads.append(_Heading(i, label, title, num, letter, inline))
                continue
        lm = _LETTER_ITEM.match(t)
        if lm:
            letter = lm.group("sub")
            title_raw = lm.group("title")
            expected = "a" if sub is None else chr(ord(sub) + 1)
            if letter == expected and (marked or _titlelike(title_raw) or ln.bullet is False):
                if not (marked or _titlelike(title_raw)):
                    continue
                title, inline = _split_title(title_raw, marked)
                label = f"{top}{letter}" if top else letter
                sub = letter
                heads.append(_Heading(i, label, title, top, letter, inline))
    return heads


def _section_headings(lines: list[Line]) -> list[_Heading]:
    """Unnumbered documents: markdown headings or bold-only lines become sections."""
    heads = []
    for i, ln in enumerate(lines):
        if not ln.text or ln.bullet:
            continue
        if (ln.heading or ln.emph) and _titlelike(ln.text) and len(ln.text) >= 2:
            heads.append(_Heading(i, "", ln.text.rstrip(":"), 0, None))
    return heads


# --------------------------------------------------------------------------------------------
# Joining lines
# --------------------------------------------------------------------------------------------

_TERMINAL = (".", "!", "?", ":", ";")


_TABLE_ROW = re.compile(r"^\|.*\|$|^[^|]+(?:\|[^|]+){2,}$|^[^\t]+(?:\t+[^\t]+){2,}$")


def _is_table_row(text: str) -> bool:
    """A row of a markdown/pipe or tab-separated table: never joined to its neighbours."""
    return bool(_TABLE_ROW.match(text.strip()))


def _join_lines(lines: list[Line]) -> list[Line]:
    """Rejoin sentences broken by page breaks or removed furniture; unwrap soft wraps."""
    out: list[Line] = []
    for ln in lines:
        if not ln.text:
            continue
        if out and not (_is_table_row(ln.text) or _is_table_row(out[-1].text)):
            prev = out[-1]
            ptxt = prev.text
            starts_lower = bool(re.match(r"^[a-zà-ÿ]", ln.text)) and not _LETTER_ITEM.match(ln.text)
            ends_open = not ptxt.endswith(_TERMINAL) and not prev.heading
            prose = len(ptxt.split()) >= 6 and not prev.emph
            join = False
            if not ln.bullet and not ln.heading and ends_open:
                if not ln.blank_before and not ln.break_before and (prose or starts_lower):
                    join = True  # soft-wrapped line
                elif starts_lower and (prose or prev.bullet):
                    join = True  # page break in the middle of a sentence
                elif ln.break_before and prose:
                    join = True
            if join:
                if re.search(r"[a-zà-ÿ]-$", ptxt) and starts_lower:
                    prev.text = ptxt[:-1] + ln.text
                else:
                    prev.text = f"{ptxt} {ln.text}"
                continue
        out.append(Line(**{**ln.__dict__}))
    return out


def _render(lines: list[Line]) -> str:
    rendered = []
    for ln in lines:
        if ln.bullet:
            prefix = "  - " if ln.indent >= 2 else "- "
            rendered.append(prefix + ln.text)
        else:
            rendered.append(ln.text)
    return "\n".join(rendered)


# --------------------------------------------------------------------------------------------
# Top level
# --------------------------------------------------------------------------------------------


def _read_input(
    path_or_text: str | Path | bytes, source: str | None, max_bytes: int
) -> tuple[bytes, str]:
    if isinstance(path_or_text, bytes):
        return path_or_text, source or "<bytes>"
    if isinstance(path_or_text, Path) or (
        isinstance(path_or_text, str)
        and "\n" not in path_or_text
        and len(path_or_text) < 4096
        and (Path(path_or_text).suffix.lower() in SUPPORTED_SUFFIXES or Path(path_or_text).exists())
    ):
        path = Path(path_or_text)
        src = source or str(path)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise _too_large(src, size, max_bytes)
            if path.is_dir():
                raise VerslagParseError(src, "is a directory, not a file")
            return path.read_bytes(), src
        except FileNotFoundError:
            raise VerslagParseError(src, "file not found") from None
        except PermissionError:
            raise VerslagParseError(src, "permission denied (cannot read file)") from None
        except IsADirectoryError:
            raise VerslagParseError(src, "is a directory, not a file") from None
        except OSError as exc:
            raise VerslagParseError(src, f"cannot read file ({exc.strerror or exc})") from None
    text = str(path_or_text)
    return text.encode("utf-8", errors="surrogatepass"), source or "<text>"


def parse_verslag(
    path_or_text: str | Path | bytes,
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Meeting:
    """Parse one verslag from a file path, raw text or bytes.

    Raises :class:`VerslagParseError` (message: ``"<file>: <reason>"``) for anything that is
    not a readable verslag: empty, binary, too large, a PDF without text, no header.
    """
    data, src = _read_input(path_or_text, source, max_bytes)
    try:
        return _parse(data, src, max_bytes)
    except VerslagParseError:
        raise
    except RecursionError as exc:  # pathological input must not escape as a crash
        raise VerslagParseError(src, f"could not parse text ({type(exc).__name__})") from exc


def _parse(data: bytes, src: str, max_bytes: int) -> Meeting:
    sha = hashlib.sha256(data).hexdigest()
    text = _normalise_chars(read_text(data, src, max_bytes))
    for rx in _BOILERPLATE_RES:
        text = rx.sub("\n", text)
    raw_lines = text.split("\n")
    lines: list[Line] = []
    blank = False
    for raw in raw_lines:
        ln = _make_line(raw)
        if not ln.text or re.fullmatch(r"[-*•]+", ln.text):
            blank = True
            continue
        ln.blank_before = blank
        blank = False
        lines.append(ln)
    if not lines:
        raise VerslagParseError(src, "file has no text")

    header = _parse_header(lines)
    fields = header.fields
    classification = None
    for ln in lines:
        if _CLASSIFICATION_RE.match(ln.text):
            classification = ln.text
            break
    document_date = _document_date(lines, header)

    title = fields.get("title", "").strip()
    when = fields.get("when", "")
    meeting_date = find_date(when) if when else None
    body_start = header.last + 1 if header.first >= 0 else 0
    if not title:
        title, title_idx = _fallback_title(lines, header)
        if title_idx is not None and header.first < 0:
            body_start = title_idx + 1
            if meeting_date is None:
                meeting_date = find_date(title) or find_date(
                    " ".join(ln.text for ln in lines[title_idx + 1 : title_idx + 3])
                )
    if not title and meeting_date is None:
        raise VerslagParseError(
            src,
            "no recognisable verslag header (no 'Betreft'/'Onderwerp' or 'Vergaderdatum' field, "
            "and no heading with a date)",
        )
    if meeting_date is None:
        meeting_date = document_date
    title = normalise_redactions(title, token=False)[0] or "Verslag"

    start_time, end_time = find_time_range(when) if when else (None, None)
    if start_time is None and fields.get("time"):
        start_time, end_time = find_time_range(fields["time"])

    counts = Counter(ln.key for ln in lines if ln.text)
    body = lines[body_start:]
    mask = _furniture_mask(body, counts)
    kept: list[Line] = []
    cut = False
    for ln, is_furniture in zip(body, mask, strict=True):
        if is_furniture:
            cut = True
            continue
        if cut:
            ln.break_before = True
            ln.blank_before = True
            cut = False
        kept.append(ln)

    redactions = 0
    for key in ("title", "when", "place", "attendees", "absent"):
        redactions += normalise_redactions(fields.get(key, ""))[1]
    for ln in kept:
        ln.text, n = normalise_redactions(ln.text)
        redactions += n

    items, full_text = _build_items(kept)
    place = fields.get("place") or None
    if place:
        place = normalise_redactions(place, token=False)[0]
    meeting_id = (
        f"{meeting_date.isoformat()}-{slugify(title)}"
        if meeting_date
        else f"zonder-datum-{slugify(title)}-{sha[:6]}"
    )
    return Meeting(
        meeting_id=meeting_id.rstrip("-"),
        title=title,
        meeting_date=meeting_date,
        start_time=start_time,
        end_time=end_time,
        place=place,
        attendees=split_people(fields.get("attendees", "")),
        absent=split_people(fields.get("absent", "")),
        document_date=document_date,
        classification=classification,
        source=src,
        sha256=sha,
        redactions=redactions,
        items=items,
        text=full_text,
    )


def _document_date(lines: list[Line], header: Header) -> dt.date | None:
    """The letterhead date: a 'Datum' label with the date on its line or the next one."""
    for i, ln in enumerate(lines):
        if header.first <= i <= header.last:
            continue
        if re.fullmatch(r"(?i)datum\s*:?", ln.text) and i + 1 < len(lines):
            if is_date_only(lines[i + 1].text):
                return find_date(lines[i + 1].text)
        elif re.match(r"(?i)^datum\s*:?\s*\S", ln.text) and is_date_only(ln.text):
            return find_date(ln.text)
    return None


_DOC_TITLE = re.compile(
    r"(?i)^(concept)?(verslag|notulen|besluitenlijst|actielijst|verslaglegging)\b.{3,}"
)


def _fallback_title(lines: list[Line], header: Header) -> tuple[str, int | None]:
    """Title from the first 'Verslag van …' style line or heading near the top."""
    end = header.first if header.first >= 0 else min(len(lines), 40)
    for i, ln in enumerate(lines[:end]):
        if _DOC_TITLE.match(ln.text) and len(ln.text) <= 160:
            return ln.text.rstrip(":"), i
    for i, ln in enumerate(lines[:end]):
        if ln.heading and not _is_strong(ln.text) and len(ln.text) > 3:
            return ln.text, i
    return "", None


def _build_items(lines: list[Line]) -> tuple[list[AgendaItem], str]:
    heads = _find_headings(lines)
    if not heads:
        heads = _section_headings(lines)
    segments: list[tuple[str, str, list[Line], str]] = []  # label, title, body, inline
    first = heads[0].index if heads else len(lines)
    intro = lines[:first]
    if intro or not heads:
        segments.append(("", "", intro, ""))
    for k, h in enumerate(heads):
        end = heads[k + 1].index if k + 1 < len(heads) else len(lines)
        segments.append((h.label, h.title, lines[h.index + 1 : end], h.inline))

    items: list[AgendaItem] = []
    parts: list[str] = []
    pos = 0
    for idx, (label, title, body, inline) in enumerate(segments):
        joined = _join_lines(body)
        text = _render(joined)
        if inline:
            text = (inline + ("\n" + text if text else "")).strip()
        nxt = segments[idx + 1][0] if idx + 1 < len(segments) else ""
        is_parent = (
            not text
            and label.isdigit()
            and nxt.startswith(label)
            and nxt != label
            and not nxt[len(label) :].isdigit()
        )
        if not text and not label and not title:
            continue
        if not text and title and _is_sentence(title) and len(title.split()) >= 4:
            text = title  # '1. Het verslag van 16 november wordt vastgesteld.'
        heading = f"{label}. {title}".strip(". ") if label else title
        if heading:
            parts.append(heading + "\n")
            pos += len(heading) + 1
        if is_parent:
            parts.append("\n")
            pos += 1
            continue
        start = pos
        parts.append(text + "\n\n")
        pos += len(text) + 2
        items.append(
            AgendaItem(label=label, title=title, text=text, start=start, end=start + len(text))
        )
    return items, "".join(parts)


# --------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------


class ParseFailure(BaseModel):
    """One file that could not be used, with the reason."""

    source: str = Field(description="Path of the file.")
    reason: str = Field(description="Why it was skipped.")


class LoadResult(BaseModel):
    """Meetings read from a batch plus the files that failed (the batch never stops)."""

    meetings: list[Meeting] = Field(default_factory=list)
    errors: list[ParseFailure] = Field(default_factory=list)

    def __iter__(self) -> Iterator[Meeting]:  # type: ignore[override]
        return iter(self.meetings)

    def __len__(self) -> int:
        return len(self.meetings)


def iter_verslag_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders (recursively) to the supported files they hold, sorted."""
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(
                sorted(
                    f
                    for f in path.rglob("*")
                    if f.is_file()
                    and f.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files


def load_verslagen(
    folder: str | Path | Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> LoadResult:
    """Parse every verslag in a folder (or list of paths); bad files are reported, not fatal.

    Duplicate content under two names is reported once as an error; meeting ids are made
    unique within the batch (start time, then a content hash, is appended on a clash).
    """
    paths = [folder] if isinstance(folder, str | Path) else list(folder)
    result = LoadResult()
    seen_sha: dict[str, str] = {}
    seen_ids: set[str] = set()
    for path in iter_verslag_files(paths):
        try:
            meeting = parse_verslag(path, max_bytes=max_bytes)
        except VerslagParseError as exc:
            result.errors.append(ParseFailure(source=exc.source, reason=exc.reason))
            continue
        if meeting.sha256 in seen_sha:
            result.errors.append(
                ParseFailure(
                    source=str(path), reason=f"duplicate content of {seen_sha[meeting.sha256]}"
                )
            )
            continue
        seen_sha[meeting.sha256] = str(path)
        meeting.meeting_id = unique_meeting_id(meeting, seen_ids)
        seen_ids.add(meeting.meeting_id)
        result.meetings.append(meeting)
    return result


def unique_meeting_id(meeting: Meeting, taken: set[str]) -> str:
    """The meeting's id, made unique against ``taken`` in a deterministic way."""
    mid = meeting.meeting_id
    if mid not in taken:
        return mid
    if meeting.start_time:
        cand = f"{mid}-{meeting.start_time.replace(':', '')}"
        if cand not in taken:
            return cand
    return f"{mid}-{meeting.sha256[:8]}"
