"""Documents inside a Woo release: splitting a PDF into documents, telling their kind, reading
the header of an e-mail or memo, and reading the release's inventory list.

* **Splitting** uses page-level cues, strongest first: the document number a Woo release prints
  on every page ('Document 12'); page numbering that restarts ('pagina 1 van 3' after '3 van
  3'); a page that opens like a new document (an e-mail header, a 'Verslag'/'Notulen'/'Memo'
  title, an inventory list). Page numbering that continues ('2 van 3' after '1 van 3') keeps a
  page in its document whatever its top lines say.
* **Kinds**: ``minutes``, ``email``, ``memo``, ``inventory`` or ``document`` (anything else in a
  bundle). A file on its own is minutes unless it is clearly another kind.
* **Inventory list**: rows of document number, date, title, assessment ('deels openbaar') and
  the grounds applied ('5.1.2e'), joined to the documents by number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .header import OTHER_MEETING
from .pdf import PdfPage
from .schemas import InventoryEntry
from .textutil import find_date

__all__ = [
    "DocumentPart",
    "HeaderFields",
    "STAMP_LINE",
    "clean_person",
    "document_kind",
    "email_fields",
    "page_cues",
    "read_inventory",
    "split_pages",
]

# A Woo stamp on its own line: 'Document 12', 'Documentnummer: 12', 'Doc.nr. 12'.
STAMP_LINE = re.compile(
    r"(?im)^\s*(?:document(?:nummer|nr\.?)?|doc\.?\s*nr\.?|docnr\.?)\s*[:.]?\s*(\d{1,5}[a-z]?)\s*$"
)
_PAGE_OF = re.compile(
    r"(?i)\b(?:pagina|page|blad|p\.)\s*(\d{1,3})\s*(?:van|/|of|uit)\s*(\d{1,3})\b"
)
_PAGE_ALONE = re.compile(r"^\s*(?:-\s*)?(\d{1,3})\s*(?:/\s*(\d{1,3}))?\s*(?:-)?\s*$")
_TITLE_CUE = re.compile(
    r"(?i)^\W*(?:concept[- ]?)?(verslag|notulen|besluitenlijst|actiepuntenlijst|actielijst"
    r"|agenda|memo|memorandum|nota|notitie|inventarislijst|inventaris)\b"
)
_MAIL_KEYS = {
    "from": "sender", "van": "sender",
    "to": "to", "aan": "to",
    "cc": "cc",
    "subject": "subject", "onderwerp": "subject", "betreft": "subject",
    "sent": "date", "verzonden": "date", "date": "date", "datum": "date",
}  # fmt: skip
_MAIL_LINE = re.compile(
    r"(?i)^\s*(from|van|to|aan|cc|subject|onderwerp|betreft|sent|verzonden|date|datum)\s*:\s*(.*)$"
)
_MINUTES_CUE = re.compile(
    r"(?i)\b(verslag|notulen|besluitenlijst|actiepunt\w*|aanwezig\w*|afwezig\w*|vergader\w*|"
    r"overleg|agenda|voorzitter|rondvraag|deelnemers)\b"
)
# A meeting header's labels at the top of a page: 'Aanwezig:', 'Deelnemers', 'Vergaderdatum'.
_HEADER_LABEL = re.compile(
    r"(?i)^\W*(aanwezig(en)?|deelnemers|vergaderdatum|afwezig(en)?|notulist|genodigden)\b"
)
_DATE_LABEL = re.compile(r"(?i)^\W*datum\b")
_ITEM_LINE = re.compile(r"(?m)^\s*\d{1,2}[.)]\s+\S")
_MEMO_TITLE = re.compile(r"(?i)^\W*(memo|memorandum|nota|notitie|adviesnota|beslisnota)\b")
_INVENTORY_HEAD = re.compile(r"(?i)\b(inventarislijst|inventaris)\b")
_ASSESSMENT = re.compile(r"(?i)\b(deels openbaar|niet openbaar|reeds openbaar|openbaar)\b")
# Woo/Wob grounds: '5.1.2e', '5.1.1 c', '5.2', '10.2.e', '11.1'
_GROUND = re.compile(r"\b((?:5\.1\.[12]\s?[a-i]|5\.[2-7]|10\.[12]\.?[a-g]|11\.1))\b", re.I)


@dataclass
class PageCues:
    """What a page's top and bottom lines say about where it belongs."""

    number: str | None = None  # Woo document number stamped on the page
    page: int | None = None  # printed page number
    of: int | None = None  # printed page count
    opens: str | None = None  # 'email', 'title', 'header', 'inventory': the page opens a document
    title: str = ""  # the title line that opens it (to tell a running header)


@dataclass
class DocumentPart:
    """A run of pages that forms one document."""

    pages: list[PdfPage] = field(default_factory=list)
    number: str | None = None

    @property
    def first(self) -> int:
        return self.pages[0].number

    @property
    def last(self) -> int:
        return self.pages[-1].number

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def page_cues(text: str) -> PageCues:
    """The cues of one page's text."""
    lines = _lines(text)
    cues = PageCues()
    edge = lines[:6] + lines[-6:]
    m = STAMP_LINE.search("\n".join(edge))
    if m:
        cues.number = m.group(1).lower()
    for ln in reversed(edge):
        pm = _PAGE_OF.search(ln)
        if pm:
            cues.page, cues.of = int(pm.group(1)), int(pm.group(2))
            break
    else:
        for ln in lines[-3:]:
            pm = _PAGE_ALONE.match(ln)
            if pm and (pm.group(2) or ln.strip().startswith("-")):
                cues.page = int(pm.group(1))
                cues.of = int(pm.group(2)) if pm.group(2) else None
                break
    top = [ln for ln in lines[:12] if not STAMP_LINE.fullmatch(ln)]
    if sum(1 for ln in top if _MAIL_LINE.match(ln)) >= 3 and any(
        re.match(r"(?i)^\s*(from|van)\s*:", ln) for ln in top
    ):
        cues.opens = "email"
    elif any(_INVENTORY_HEAD.search(ln) for ln in top[:3]):
        cues.opens = "inventory"
    else:
        for i, ln in enumerate(top[:8]):
            if not _heading_position(top, i):
                break  # body text above: this page goes on a document
            if _TITLE_CUE.match(ln) and len(ln.split()) <= 12:
                cues.opens, cues.title = "title", _key(ln)
                break
            if _HEADER_LABEL.match(ln) or (_DATE_LABEL.match(ln) and find_date(ln)):
                cues.opens, cues.title = "header", _key(ln)
                break
    return cues


def _heading_position(top: list[str], i: int) -> bool:
    """Whether line ``i`` of a page's top lines can still be a document's first heading: the
    lines above it are short (a letterhead, a date), not body text or agenda items."""
    return not any(_body_line(ln) for ln in top[:i])


def _body_line(line: str) -> bool:
    """A line of running text: long, an agenda item, a sentence, or one that goes on a
    sentence from the page before (starts in lower case)."""
    words = line.split()
    return (
        len(words) > 8
        or bool(_ITEM_LINE.match(line))
        or (len(words) >= 4 and line.rstrip().endswith((".", ";", ",")))
        or bool(re.match(r"^[a-zà-ÿ]", line))
    )


def _field_line(line: str) -> bool:
    """A header field of minutes: 'Aanwezig: …', 'Datum: …', 'Locatie: …'."""
    return bool(
        _HEADER_LABEL.match(line) or _DATE_LABEL.match(line) or re.match(r"^\W*\w+\s*:", line)
    )


def _prose_line(line: str) -> bool:
    """A line of a document's own text, not of a letterhead: an agenda point, a long line, or
    a sentence's end."""
    words = line.split()
    return (
        len(words) >= 6
        or bool(_ITEM_LINE.match(line))
        or (len(words) >= 4 and line.rstrip().endswith((".", ";")))
    )


def _key(line: str) -> str:
    return re.sub(r"\W+", " ", line.lower()).strip()


def _repeats(title: str, running: list[set[str]], lines: list[str]) -> bool:
    """Whether the line that seems to open a document repeats one of the current document: a
    running header (on each of its pages; OCR may put it anywhere on the page), or the title
    of a one-page document of the same series when this page has no meeting header of its
    own ('Aanwezig', 'Datum:')."""
    seen = sum(1 for keys in running if title in keys)
    if seen == 0:
        return False
    if len(running) >= 2:
        return seen == len(running)
    return not any(_HEADER_LABEL.match(ln) or _DATE_LABEL.match(ln) for ln in lines[:15])


def _continues(prev: PageCues, cur: PageCues) -> bool:
    """Printed page numbers say ``cur`` follows ``prev`` in the same document."""
    if prev.page is None or cur.page is None:
        return False
    if prev.of and cur.of and prev.of != cur.of:
        return False
    return cur.page == prev.page + 1


#: Lines below a document's opening line within which its date must stand.
_DATE_WITHIN = 3
#: Lines below it within which a meeting header label ('Aanwezig:') must stand.
_HEADER_WITHIN = 8


def _opens_inside(lines: list[str], i: int) -> bool:
    """Whether line ``i`` of a page opens a new document in the middle of the page: a title
    cue ('Verslag', 'Actielijst', 'Agenda') with its date at most ``_DATE_WITHIN`` lines down
    and a meeting header label at most ``_HEADER_WITHIN`` lines down (bundles that paste the
    minutes of several meetings one after the other), after a line that ends what was above."""
    line = lines[i]
    if not _TITLE_CUE.match(line) or len(line.split()) > 14 or OTHER_MEETING.search(line):
        return False
    own = [ln for ln in lines[:i] if _prose_line(ln) and not _field_line(ln)]
    if len(own) < 2:
        return False  # only a letterhead or this document's header above: it opens here
    heading = len(line.split()) <= 3 or line.isupper()
    above = lines[i - 1] if i else ""
    if above and not heading and not re.search(r"[.:;!?)]$", above) and len(above.split()) > 3:
        return False  # the line above goes on: this is a sentence, not a title
    # the document's own date: not one inside a point of its agenda ('3. Verslag van 12 mei')
    if not any(find_date(ln) for ln in lines[i : i + 1 + _DATE_WITHIN] if not _ITEM_LINE.match(ln)):
        return False
    below = lines[i + 1 : i + 1 + _HEADER_WITHIN]
    # a meeting's header, or an agenda's first point right under its title
    return any(_HEADER_LABEL.match(ln) for ln in below) or any(
        re.match(r"^1[.)]\s+\S", ln) for ln in below[:2]
    )


def split_inside(pages: Sequence[PdfPage]) -> list[PdfPage]:
    """The pages with each page cut where a document starts in its middle (see
    :func:`_opens_inside`); the pieces keep their page's number."""
    out: list[PdfPage] = []
    for page in pages:
        raw = page.text.split("\n")
        lines = [ln.strip() for ln in raw]
        nonempty = [k for k, ln in enumerate(lines) if ln]
        cuts = [
            nonempty[j]
            for j in range(1, len(nonempty))
            if _opens_inside([lines[k] for k in nonempty], j)
        ]
        start = 0
        pieces: list[PdfPage] = []
        for cut in [*cuts, len(raw)]:
            offset = sum(len(r) + 1 for r in raw[:start])
            end = sum(len(r) + 1 for r in raw[:cut])
            text = "\n".join(raw[start:cut])
            if text.strip():
                words = [
                    (a - offset, b - offset, *box) for a, b, *box in page.words if offset <= a < end
                ]
                piece = replace(page, text=text, words=words, bar_boxes=[])  # type: ignore[arg-type]
                pieces.append(piece)
            start = cut
        _share_bars(page, pieces)
        out.extend(pieces)
    return out


def _share_bars(page: PdfPage, pieces: list[PdfPage]) -> None:
    """Each black bar goes to the piece of the page it stands in (by height on the page: a
    piece runs down to where the next one's words start); without word boxes, to the first."""
    if not pieces:
        return
    if len(pieces) == 1:
        pieces[0].bar_boxes = list(page.bar_boxes)
        return
    tops = [max((w[5] for w in piece.words), default=None) for piece in pieces]
    for bar in page.bar_boxes:
        middle = (bar[1] + bar[3]) / 2
        home = pieces[0]
        for piece, top in zip(pieces, tops, strict=True):
            if top is not None and middle <= top + 2:
                home = piece  # the lowest piece whose first line is above the bar
        home.bar_boxes.append(bar)


def split_pages(pages: Sequence[PdfPage]) -> list[DocumentPart]:
    """The documents a PDF holds, by page-level cues (one part when nothing says otherwise);
    a document that starts in the middle of a page starts on a piece of that page."""
    pages = split_inside(pages)
    parts: list[DocumentPart] = []
    prev: PageCues | None = None
    running: list[set[str]] = []  # the lines of each page of the current document
    for page in pages:
        cues = page_cues(page.text)
        lines = _lines(page.text)
        keys = {_key(ln) for ln in lines}
        if cues.opens in ("title", "header") and _repeats(cues.title, running, lines):
            cues.opens = None
        new = not parts
        if prev is not None:
            if cues.number and prev.number:
                new = cues.number != prev.number
            elif _continues(prev, cues):
                new = False
            elif cues.page == 1 and (prev.page is not None or cues.of):
                new = True  # numbering restarts
            elif prev.page is not None and prev.of is not None and prev.page == prev.of:
                new = bool(cues.opens) or cues.page is not None  # the last page was printed
            else:
                new = cues.opens is not None
        if new or not parts:
            parts.append(DocumentPart(number=cues.number))
            running = []
        elif cues.number and not parts[-1].number:
            parts[-1].number = cues.number
        parts[-1].pages.append(page)
        running.append(keys)
        # a page without cues of its own keeps the document's numbering going
        prev = cues if (cues.page is not None or cues.number or prev is None) else _carry(prev)
    return [p for p in parts if any(pg.text.strip() for pg in p.pages)] or parts[:1]


def _carry(prev: PageCues) -> PageCues:
    return PageCues(
        number=prev.number,
        page=prev.page + 1 if prev.page is not None else None,
        of=prev.of,
    )


# --------------------------------------------------------------------------------------------
# Kinds and header fields
# --------------------------------------------------------------------------------------------


@dataclass
class HeaderFields:
    """The header of an e-mail or memo."""

    sender: str | None = None
    to: str | None = None
    cc: str | None = None
    subject: str | None = None
    date: dt.date | None = None
    end: int = 0  # index (in the text's non-empty lines) of the first line after the header


def email_fields(text: str) -> HeaderFields:
    """'Van:', 'Aan:', 'Onderwerp:', 'Verzonden:' (or English) in the first header block."""
    out = HeaderFields()
    lines = _lines(text)
    seen = 0
    key = None
    for i, ln in enumerate(lines[:30]):
        m = _MAIL_LINE.match(ln)
        if m:
            key = _MAIL_KEYS[m.group(1).lower()]
            value = m.group(2).strip()
            seen += 1
            out.end = i + 1
            if key == "date":
                if out.date is None:
                    out.date = find_date(value)
            elif getattr(out, key) is None and value:
                setattr(out, key, value)
            continue
        if seen >= 2 and key in ("to", "cc") and ln.endswith((";", ",")):
            continue  # a long list of recipients wraps
        if seen >= 3:
            break
        if seen and i > out.end + 1:
            break
    return out


def clean_person(value: str | None) -> str | None:
    """A sender or recipient as written, or None where it is redacted or empty."""
    if not value:
        return None
    from .textutil import normalise_redactions

    cleaned = normalise_redactions(value, token=False)[0]
    if not re.search(r"[^\W\d_]{2,}", _GROUND.sub("", cleaned)):
        return None  # only redaction codes and punctuation
    return cleaned.strip(" ;,") or None


def document_kind(text: str, *, bundled: bool) -> str:
    """'minutes', 'email', 'memo', 'inventory' or 'document' for one document's text.

    A file on its own (``bundled`` False) is minutes unless it clearly is another kind: the
    tool's users hand it minutes, and a verslag without a header must still be read.
    """
    lines = _lines(text)
    top = lines[:12]
    cues = page_cues(text)
    if cues.opens == "inventory" and len(read_inventory(text)) >= 2:
        return "inventory"
    title_line = next((ln for ln in top[:4] if _TITLE_CUE.match(ln)), "")
    if _MEMO_TITLE.match(title_line):
        return "memo"
    if cues.opens == "email":
        return "email"
    mail = email_fields(text)
    head = "\n".join(lines[:80])
    minutes_words = len(_MINUTES_CUE.findall(head))
    if mail.to and mail.subject and mail.sender is not None and minutes_words < 2:
        return "memo"  # 'Aan: / Van: / Datum: / Onderwerp:' without a meeting around it
    if not bundled:
        return "minutes"
    labels = any(_HEADER_LABEL.match(ln) or _DATE_LABEL.match(ln) for ln in top)
    if title_line or labels or minutes_words >= 2 or _ITEM_LINE.search(head):
        return "minutes"
    return "document"


# --------------------------------------------------------------------------------------------
# Inventory list
# --------------------------------------------------------------------------------------------

_ROW_START = re.compile(r"^\s*\|?\s*(\d{1,5}[a-z]?)[.)]?\s*(?:\||\s)\s*(.*)$")


def read_inventory(text: str) -> list[InventoryEntry]:
    """The rows of an inventory list: number, date, title, assessment and grounds."""
    entries: list[InventoryEntry] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        m = _ROW_START.match(raw)
        if not m:
            continue
        rest = m.group(2)
        assessment = _ASSESSMENT.search(rest)
        if not assessment:
            continue
        number = m.group(1).lower()
        if number in seen:
            continue
        cells_text = rest.replace("|", " ")
        date = find_date(cells_text)
        title_part = rest[: assessment.start()]
        title_part = re.sub(
            r"^\s*\|?\s*\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\s*\|?", "", title_part
        )  # a numeric date cell before the title
        title = re.sub(r"\s*\|\s*", " ", title_part).strip(" |-\t")
        grounds = sorted(
            {re.sub(r"\s", "", g).lower() for g in _GROUND.findall(rest[assessment.end() :])}
        )
        seen.add(number)
        entries.append(
            InventoryEntry(
                number=number,
                date=date,
                title=title,
                assessment=assessment.group(1).lower(),
                grounds=grounds,
            )
        )
    return entries
