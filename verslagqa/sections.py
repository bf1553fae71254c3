"""Page furniture, agenda items and the cleaned text of a verslag.

* **Page furniture**: letterhead blocks repeat at every page break, often in the middle of a
  sentence. A run of lines is furniture when it holds a line with a letterhead shape
  (address, phone, ``Datum`` label, ``Pagina 2 van 4`` …) or two or more short lines that also
  occur elsewhere in the document. Such runs are cut out and the sentence around them rejoined.
* **Agenda items**, in order of preference:

  1. numbered headings (``1.``, ``3a``, ``3.1``, ``II.1``, ``Agendapunt 4:``) in any markdown
     dress (heading, bold, setext underline, list entry with a heading in it). Numbers usually
     run on; items discussed out of order or repeated keep their own number; a list written
     ``1.`` ``1.`` ``1.`` (a Word export) is numbered in order. A numbering that restarts at 1
     one heading level deeper belongs to the item above it. Unnumbered headings after the
     first item, at the same or a higher level, are items too (``Rondvraag``, ``Actiepunten``);
  2. plain numbered lines that are the body of the minutes (not a list inside a section);
  3. unnumbered headings as sections: a heading followed directly by deeper headings is a
     parent and its children are the items;
  4. the whole text as one item.

  Attendance and agenda sections ("Aanwezigen", "Deelnemers", "Agenda") are not items.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .agenda import agenda_points
from .lines import Line
from .schemas import AgendaItem
from .textutil import is_date_only, is_redaction_only, normalise_redactions

__all__ = ["build_items", "furniture_mask", "is_strong"]

# --------------------------------------------------------------------------------------------
# Page furniture
# --------------------------------------------------------------------------------------------

# Classification marks printed on minutes (a page header, never a title or an item).
_CLASSIFICATIONS = (
    r"departementaal vertrouwelijk|dep\.? vertrouwelijk|rijksvertrouwelijk|vertrouwelijk|"
    r"stg\.? (confidentieel|geheim|zeer geheim)|zeer geheim|geheim|intern gebruik|"
    r"uitsluitend voor intern gebruik"
)
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
        r"^\[?[\w .~-]{1,60}\.(docx?|pdf|xlsx?|odt|rtf|pptx?)\]?$",  # a footer's file name
        r"^\S*\s?@[\w-]+(\.[\w-]+)+$",
        r"^datum\s*:?\s*(\d.{4,25}\d{4})$",
        rf"^({_CLASSIFICATIONS}|staatsgeheim.{{0,20}}|"
        r"concept|verslag|notulen|besluitenlijst|actielijst|conceptverslag)$",
    )
]
CLASSIFICATION_RE = re.compile(
    rf"^({_CLASSIFICATIONS}|staatsgeheim(\s+(confidentieel|geheim|zeer geheim))?)$",
    re.IGNORECASE,
)
# an agenda point ('3a.', 'b)', 'A.', 'E.1'): repeated where the point is taken up, no furniture
_ITEM_LIKE = re.compile(r"^(\d{1,2}[a-z]?[.)]|[a-zA-Z]{1,2}[.)]|[A-Z]{1,2}\.\d{1,2}\.?)\s")


def is_strong(text: str) -> bool:
    """A line with a letterhead shape (address, phone, 'Pagina 2 van 4', classification …)."""
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


def furniture_mask(lines: list[Line], counts: Counter[str]) -> list[bool]:
    """True for every line that belongs to a block of page furniture."""
    kinds: list[str | None] = []
    for ln in lines:
        if not ln.text:
            kinds.append(None)
            continue
        t = ln.text
        if ln.heading:
            kinds.append("content")  # a markdown heading is the author's structure
        elif is_strong(t):
            kinds.append("strong")
        elif (
            counts[ln.key] >= 2
            and len(t) <= 60
            and len(t.split()) <= 8
            and not _is_sentence(t)
            and not _ITEM_LIKE.match(t)
            and not ln.heading
        ):
            # a redacted name on its own line repeats like a running header but belongs to
            # the text (the subject of the line after it): it goes with a furniture block
            # around it (a letterhead's 'Inlichtingen bij / 5.1.2e'), never makes one
            kinds.append("redaction" if is_redaction_only(t) else "repeat")
        elif _is_weak(t):
            kinds.append("weak")
        else:
            kinds.append("content")
    for i, ln in enumerate(lines):
        # a redacted name followed by the rest of its sentence ('(geanonimiseerd)' / 'licht de
        # voorlegger toe.') is that sentence's subject: text, even beside a letterhead-like line
        if kinds[i] in ("redaction", "weak") and is_redaction_only(ln.text):
            nxt = next((k for k in range(i + 1, len(lines)) if kinds[k] is not None), None)
            if nxt is not None and kinds[nxt] == "content" and lines[nxt].text[:1].islower():
                kinds[i] = "content"
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
        elif block_kinds["repeat"] == 1:
            # a running header/footer line repeated on every page (the repeated line's own
            # count: the block may open with a page number or a redaction)
            k = next(k for k in members if kinds[k] == "repeat")
            mask[k] = counts[lines[k].key] >= 3
        i = j
    return mask


# --------------------------------------------------------------------------------------------
# Agenda items
# --------------------------------------------------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
          "x": 10, "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15}  # fmt: skip
_NUM_ITEM = re.compile(
    r"^(?:(?P<prefix>agendapunt|agenda punt|punt|ad)\s+)?(?P<num>\d{1,2}|(?-i:[IVX]{1,4})(?=[.\s]))"
    r"(?:(?P<sub>[a-z])(?![a-z])|\.(?P<dec>\d{1,2}))?\s*(?P<sep>[.):]|\s-|\s–)?"
    r"(?:\s+(?P<title>\S.*))?$",
    re.IGNORECASE,
)
_LETTER_ITEM = re.compile(r"^(?P<sub>[a-z])\s*[.)]\s+(?P<title>\S.*)$")
_BARE_NUMBER = re.compile(r"^[|\\{]?(?P<num>\d{1,2})\s*[.!)|]?$")
_AGENDAPUNT = re.compile(r"^(?:agenda\s?punt|punt)\s+(\d{1,2}[a-z]?)\s*[:.\-–]?\s*", re.I)
# Sections that hold the attendance or the agenda: header material, never an item.
HEADER_SECTION = re.compile(
    r"^(?:aanwezig(?:en)?|aanwezig\s+zijn|afwezig(?:en)?(?:\s*/\s*afgemeld)?|afgemeld|deelnemers"
    r"|afmeldingen|gasten|genodigden|verhinderd|afwezig\s+\(.*\)"
    r"|(?:de\s+)?(?:vastgestelde\s+|voorlopige\s+|concept[- ]?)?agenda(?:\s+van\s+.*)?)\s*:?$",
    re.IGNORECASE,
)
# Headings that hold the minutes themselves: not an item of their own.
_CONTAINER = re.compile(
    r"^(?:agenda\s*(?:en|&|/|\+)\s*verslag|verslag(?:\s*(?:en|&|/|\+)\s*agenda)?|notulen"
    r"|besproken\s+punten|bespreking|verslag\s+van\s+de\s+vergadering)\s*:?$",
    re.IGNORECASE,
)


@dataclass
class _Heading:
    index: int  # line index
    label: str
    title: str
    top: int
    sub: str | None
    inline: str = ""  # body text that sat on the heading line after the title
    skip: int = 0  # lines after the heading taken as its title


@dataclass
class _Numbered:
    index: int
    num: int
    letter: str | None
    decimal: int | None
    title: str
    marked: bool
    level: int  # markdown heading level; 7 = bold/prefixed line; 8 = plain line
    roman: bool = False
    prefix: bool = False
    skip: int = 0


def _titlelike(title: str) -> bool:
    return (
        len(title) <= 90
        and len(title.split()) <= 12
        and not title.rstrip().endswith((".", ";", ","))
    )


def _heading_ok(text: str, strict: bool = False) -> bool:
    """A markdown heading the author wrote: any length up to a long sentence. ``strict`` (an
    OCR text whose '#' lines are mostly debris): it must hold a real lower-case word."""
    if "geanonimiseerd" in text.lower() or "weggelakt" in text.lower():
        return False
    if strict and not re.search(r"[a-zà-ÿ]{5,}", text):
        return False
    words = len(text.split())
    return 2 <= len(text) <= 160 and words <= 25 and bool(re.search(r"[^\W\d_]{2}", text))


def _debris_headings(lines: list[Line]) -> bool:
    """True when most markdown headings are OCR debris ('(geanonimiseerd)', 'EE FE ,', 'UWV')."""
    heads = [ln.text for ln in lines if ln.heading]
    if len(heads) < 4:
        return False
    bad = sum(
        not re.search(r"[a-zà-ÿ]{4,}", t) or bool(re.search(r"geanonimiseerd|weggelakt", t, re.I))
        for t in heads
    )
    return bad / len(heads) >= 0.4


def _standalone(lines: list[Line], i: int) -> bool:
    prev_ok = i == 0 or not lines[i - 1].text or lines[i].blank_before
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    next_ok = nxt is None or nxt.blank_before or not nxt.text
    return prev_ok and next_ok


def clean_heading(title: str) -> str:
    """Links, bare URLs, a repeated 'Agendapunt 1:' and trailing separators out of a title."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    t = re.sub(r"\(\s*https?://[^)]*\)", "", t)
    t = re.sub(r"\s*https?://\S+", "", t)
    t = _AGENDAPUNT.sub("", t) if _AGENDAPUNT.match(t) and len(_AGENDAPUNT.sub("", t)) > 1 else t
    t = re.sub(r"\s+", " ", t).strip()
    return t.strip(" -–—:*_|\\{}").strip()


def _split_title(title: str, marked: bool) -> tuple[str, str]:
    """'Opening: de voorzitter opent…' → ('Opening', 'de voorzitter opent…')."""
    title = clean_heading(title.strip().strip("*_ ").rstrip(":").strip())
    if not marked and not _titlelike(title):
        m = re.match(r"^(.{2,60}?)\s*[:–]\s+(.{20,})$", title)
        if m and "://" not in m.group(0)[: m.end(1) + 3]:
            return m.group(1).strip(), m.group(2).strip()
    return title, ""


def _level(ln: Line, marked: bool) -> int:
    if ln.heading:
        return ln.heading
    return 7 if marked else 8


def _header_zone(lines: list[Line]) -> list[bool]:
    """True for the lines of attendance/agenda sections (heading to the next heading at the
    same or a higher level)."""
    zone = [False] * len(lines)
    level = 0
    for i, ln in enumerate(lines):
        if ln.heading or (ln.emph and not ln.bullet):
            lvl = ln.heading or 7
            if level and (lvl <= level or _NUM_ITEM.match(ln.text)):
                level = 0
            if not level and HEADER_SECTION.match(ln.text):
                level = lvl
        zone[i] = bool(level)
    return zone


def _next_text(lines: list[Line], i: int) -> Line | None:
    return lines[i + 1] if i + 1 < len(lines) else None


def _numbered_heading(lines: list[Line], i: int, m: re.Match[str]) -> _Numbered | None:
    ln = lines[i]
    marked = bool(ln.heading) or ln.emph
    raw_num = m.group("num")
    roman = not raw_num.isdigit()
    if roman and raw_num.lower() not in _ROMAN:
        return None
    num = _ROMAN[raw_num.lower()] if roman else int(raw_num)
    title_raw = m.group("title") or ""
    prefix = bool(m.group("prefix"))
    is_marked = (
        marked or prefix or bool(re.match(r"^\*\*", ln.raw.split(raw_num, 1)[-1].lstrip(" .\\)")))
    )
    has_sep = m.group("sep") is not None or m.group("sub") or m.group("dec")
    if roman and not (m.group("sep") or m.group("dec")):
        return None
    if num == 0 or (not has_sep and not is_marked):
        return None
    skip = 0
    if not title_raw:
        # 'Agendapunt 2:' with its title on the next line
        nxt = _next_text(lines, i)
        if not (prefix or ln.heading) or nxt is None or not _titlelike(nxt.text) or nxt.heading:
            return None
        title_raw, skip = nxt.text, 1
    elif re.search(r"[^\W\d_]-$", title_raw):
        # a title broken after a hyphen: 'hoek Amsterdamseweg-' / 'Keizer Karelweg'
        nxt = _next_text(lines, i)
        if (
            nxt is not None
            and len(nxt.text.split()) <= 6
            and _titlelike(nxt.text)
            and not (nxt.heading or _NUM_ITEM.match(nxt.text))
        ):
            title_raw, skip = title_raw + nxt.text.strip(), 1
    return _Numbered(
        i, num, (m.group("sub") or "").lower() or None,
        int(m.group("dec")) if m.group("dec") else None, title_raw, is_marked,
        _level(ln, is_marked), roman, prefix, skip,
    )  # fmt: skip


def _numbered(lines: list[Line], i: int) -> _Numbered | None:
    ln = lines[i]
    t = ln.text
    m = _NUM_ITEM.match(t)
    found = _numbered_heading(lines, i, m) if m else None
    if found is not None:
        return found
    m = _BARE_NUMBER.match(t)
    if m and not ln.bullet:
        # OCR: the number alone on a line, the title on the next one
        nxt = _next_text(lines, i)
        if nxt is None or nxt.heading or not re.search(r"[A-Za-z]{3,}", nxt.text):
            return None
        title = nxt.text.strip("|\\{ ")
        if not _titlelike(title) or len(title.split()) > 8 or _NUM_ITEM.match(title):
            return None
        return _Numbered(i, int(m.group("num")), None, None, title, False, 8, skip=1)
    return None


def _in_list_section(lines: list[Line], zone: list[bool], has_sections: bool) -> list[bool]:
    """True for lines under an unnumbered section heading that is not the body of the minutes
    (a numbered list there is a list, not the agenda). OCR debris headings are no sections."""
    out = [False] * len(lines)
    if not has_sections:
        return out
    strict = _debris_headings(lines)
    current = False
    for i, ln in enumerate(lines):
        if (
            ln.heading
            and not _NUM_ITEM.match(ln.text)
            and _heading_ok(clean_heading(ln.text), strict)
        ):
            current = not (_CONTAINER.match(ln.text) or zone[i])
        out[i] = current
    return out


def _find_headings(lines: list[Line], title_index: int | None) -> list[_Heading]:
    zone = _header_zone(lines)
    cands = [c for i in range(len(lines)) if not zone[i] and (c := _numbered(lines, i))]
    marked_top = [c for c in cands if c.marked and c.letter is None and c.decimal is None]
    use_marked = len(marked_top) >= 2
    section_heads = [
        i for i, ln in enumerate(lines)
        if ln.heading and i != title_index and not zone[i] and not _NUM_ITEM.match(ln.text)
        and not HEADER_SECTION.match(ln.text)
    ]  # fmt: skip
    strict = _debris_headings(lines)
    sections = [i for i in section_heads if _heading_ok(clean_heading(lines[i].text), strict)]
    in_list = _in_list_section(lines, zone, len(sections) >= 2)
    top_level = min((c.level for c in marked_top), default=8) if use_marked else 8

    heads: list[_Heading] = []
    top = 0
    sub: str | None = None
    dec = 0
    all_ones = True
    nested_level = 0  # a numbering restarted one level deeper: the item's own sub-structure
    consumed: set[int] = set()
    for c in cands:
        ln = lines[c.index]
        if c.index in consumed:
            continue
        plain = not c.marked
        if plain and c.letter is None and c.decimal is None:
            if use_marked or in_list[c.index] or ln.indent > 1 or ln.bullet:
                continue
        if c.marked and c.level > top_level and c.letter is None and c.decimal is None:
            if nested_level and c.level >= nested_level:
                continue
            if c.num == 1 and top >= 1:
                nested_level = c.level
                continue
        elif c.level <= top_level:
            nested_level = 0
        ok = False
        label = ""
        if c.decimal is not None:
            ok = (c.num == top and c.decimal == dec + 1) or (c.num == top + 1 and c.decimal == 1)
        elif c.letter is not None:
            follows = c.letter == "a" if sub is None else ord(c.letter) == ord(sub) + 1
            ok = (c.num == top and follows) or (c.num == top + 1 and c.letter == "a")
        elif c.num == top + 1:
            ok = (
                c.marked
                or _titlelike(c.title)
                or _standalone(lines, c.index)
                or bool(_split_title(c.title, False)[1])
                or (top >= 1 and len(c.title.split()) <= 25 and not c.title.endswith((";", ",")))
            )
        elif all_ones and c.num == 1 and top >= 1 and c.marked and c.level == top_level:
            ok = True  # a Word list written 1. 1. 1.: numbered in order
            label = str(len([h for h in heads if h.sub is None]) + 1)
        elif c.marked and top < c.num <= top + 3 and (_titlelike(c.title) or ln.heading):
            ok = True  # skipped numbers happen when items are left out of a release
        elif (
            heads
            and c.num != top + 1
            and _titlelike(clean_heading(c.title))
            and (
                (c.marked and c.level == top_level)
                or (
                    plain
                    and len(heads) >= 2
                    and c.num <= max(h.top for h in heads) + 5
                    and re.search(r"[^\W\d_]{4,}", c.title)
                    and not _next_is_numbered(lines, c.index)
                )
            )
        ):
            ok = True  # discussed out of order, or an item taken up twice
        if not ok:
            continue
        all_ones = all_ones and c.num == 1 if c.letter is None and c.decimal is None else all_ones
        title, inline = _split_title(c.title, c.marked)
        if c.decimal is not None:
            label, dec, sub = f"{_num_text(c)}.{c.decimal}", c.decimal, None
        elif c.letter is not None:
            label, sub, dec = f"{_num_text(c)}{c.letter}", c.letter, 0
        else:
            label, sub, dec = label or _num_text(c), None, 0
        top = c.num
        heads.append(_Heading(c.index, label, title, c.num, c.letter, inline, c.skip))
        consumed.update(range(c.index + 1, c.index + 1 + c.skip))
    heads.extend(_letter_items(lines, heads, zone))
    heads.sort(key=lambda h: h.index)
    if heads:
        heads.extend(_extra_sections(lines, heads, zone, title_index, top_level))
        heads.sort(key=lambda h: h.index)
    return heads


def _num_text(c: _Numbered) -> str:
    if c.roman:
        return next(k for k, v in _ROMAN.items() if v == c.num).upper()
    return str(c.num)


def _next_is_numbered(lines: list[Line], i: int) -> bool:
    nxt = _next_text(lines, i)
    return nxt is not None and nxt.indent <= 1 and bool(re.match(r"^\d{1,2}[.)]\s", nxt.text))


def _letter_items(lines: list[Line], heads: list[_Heading], zone: list[bool]) -> list[_Heading]:
    """'a. Titel' / '### b. Titel' under a numbered item: 3a, 3b …"""
    out: list[_Heading] = []
    tops = [h for h in heads if h.sub is None]
    taken = {h.index for h in heads}
    for i, ln in enumerate(lines):
        lm = _LETTER_ITEM.match(ln.text)
        if not lm or zone[i] or i in taken:
            continue
        parent = next((h for h in reversed(tops) if h.index < i), None)
        if parent is None and tops:
            continue
        letter = lm.group("sub")
        prev = [h for h in heads + out if (parent is None or h.index > parent.index) and h.index < i
                and h.sub is not None]  # fmt: skip
        expected = "a" if not prev else chr(ord(prev[-1].sub or "a") + 1)
        marked = bool(ln.heading) or ln.emph
        title_raw = lm.group("title")
        if letter != expected or not (marked or _titlelike(title_raw)):
            continue
        if ln.bullet and not (marked or _emph_title(ln)):
            continue
        title, inline = _split_title(title_raw, marked)
        label = f"{parent.label}{letter}" if parent else letter
        out.append(_Heading(i, label, title, parent.top if parent else 0, letter, inline))
    return out


def _emph_title(ln: Line) -> bool:
    return bool(re.search(r"^\s*[-*•]?\s*[a-z][.)]\s*[*_]", ln.raw))


def _extra_sections(
    lines: list[Line],
    heads: list[_Heading],
    zone: list[bool],
    title_index: int | None,
    top_level: int,
) -> list[_Heading]:
    """Unnumbered headings after the first item, at the numbered items' level or higher."""
    first = heads[0].index
    taken = {h.index for h in heads} | {h.index + k for h in heads for k in range(1, h.skip + 1)}
    strict = _debris_headings(lines)
    out = []
    for i, ln in enumerate(lines):
        if i <= first or i in taken or zone[i] or i == title_index or not ln.heading:
            continue
        if top_level > 6 or ln.heading > top_level:
            continue
        text = clean_heading(ln.text)
        if _NUM_ITEM.match(ln.text) or _CONTAINER.match(text) or not _heading_ok(text, strict):
            continue
        out.append(_Heading(i, "", text, 0, None))
    return out


def _section_headings(lines: list[Line], title_index: int | None) -> list[_Heading]:
    """Unnumbered documents: markdown headings (or, without any, bold-only lines) become
    sections; a heading followed directly by a deeper heading is a parent, not an item."""
    zone = _header_zone(lines)
    heads = []
    md = [
        i for i, ln in enumerate(lines)
        if ln.heading and i != title_index and not zone[i] and not HEADER_SECTION.match(ln.text)
    ]  # fmt: skip
    strict = _debris_headings(lines)
    if md:
        for i in md:
            ln = lines[i]
            text = clean_heading(ln.text)
            if not _heading_ok(text, strict):
                continue
            nxt = _next_text(lines, i)
            if nxt is not None and nxt.heading > ln.heading and not zone[i + 1]:
                continue  # a parent: its children are the items
            if _CONTAINER.match(text) and (nxt is None or nxt.heading):
                continue
            heads.append(_Heading(i, "", text.rstrip(":"), 0, None))
        return heads
    for i, ln in enumerate(lines):
        if not ln.text or ln.bullet or zone[i] or i == title_index:
            continue
        if ln.emph and _titlelike(ln.text) and len(ln.text) >= 2:
            heads.append(_Heading(i, "", clean_heading(ln.text).rstrip(":"), 0, None))
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
    """Lines back to text; list entries keep their indentation (nesting carries meaning: the
    entries under 'Acties:' belong to it)."""
    rendered = []
    for ln in lines:
        indent = " " * min(ln.indent, 8)
        if ln.bullet:
            rendered.append(f"{indent}- {ln.text}")
        elif ln.indent and re.match(r"^\d{1,2}[.)]\s", ln.text):
            rendered.append(indent + ln.text)
        else:
            rendered.append(ln.text)
    return "\n".join(rendered)


def build_items(lines: list[Line], title_index: int | None = None) -> tuple[list[AgendaItem], str]:
    """Agenda items of the (furniture-free) body lines, and the cleaned full text."""
    points = agenda_points(lines)
    if points:
        # a row of a decision list is its item's first line of text, outcome column and all
        heads = [
            _Heading(
                p.treated,
                p.label,
                p.title,
                0,
                None,
                lines[p.index].text if p.index == p.treated else "",
            )
            for p in sorted(points, key=lambda p: p.treated or 0)
            if p.treated is not None
        ]
    else:
        heads = _find_headings(lines, title_index)
    if not heads:
        heads = _section_headings(lines, title_index)
    segments: list[tuple[str, str, list[Line], str]] = []  # label, title, body, inline
    first = heads[0].index if heads else len(lines)
    intro = lines[:first]
    if intro or not heads:
        segments.append(("", "", intro, ""))
    for k, h in enumerate(heads):
        end = heads[k + 1].index if k + 1 < len(heads) else len(lines)
        segments.append((h.label, h.title, lines[h.index + 1 + h.skip : end], h.inline))

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
    if points:
        # listed, never taken up: an item without text, after the point before it on the list
        # (items stay in order of their place in the text)
        ends = {i.label: i.end for i in items if i.label}
        last = 0
        for p in points:
            if p.treated is None:
                items.append(
                    AgendaItem(label=p.label, title=p.title, text="", start=last, end=last)
                )
            else:
                last = ends.get(p.label, last)
        items.sort(key=lambda i: i.start)
    return items, "".join(parts)
