"""Parse a verslag (text, markdown or PDF) into a structured :class:`Meeting`.

Reading bytes (encodings, PDF text), then the stages in their own modules: :mod:`.lines`
(markdown taken off each line), :mod:`.header` (header fields, title, date, times),
:mod:`.sections` (page furniture, agenda items). Redaction codes become one visible token
``[weggelakt 5.1.2e]``.

Anything that can be read as text becomes a :class:`Meeting`: a document without a recognisable
verslag header still gets a title (first heading or the file name), a date (from the text or the
file name) and sections as items, with ``warnings`` saying what was guessed. Only unreadable
input (empty, binary, encrypted, a PDF without text) is an error.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from .documents import (
    STAMP_LINE,
    clean_person,
    document_kind,
    email_fields,
    read_inventory,
    split_pages,
)
from .errors import VerslagQAError
from .header import (
    Header,
    parse_header,
    pick_date,
    pick_times,
    pick_title,
    plausible_title,
    split_people,
    top_window,
)
from .lines import Line, normalise_chars, split_front_matter, to_lines
from .pdf import PdfPage, PdfReadError, read_pdf_pages
from .schemas import InventoryEntry, Meeting
from .sections import (
    CLASSIFICATION_RE,
    HEADER_SECTION,
    build_items,
    furniture_mask,
    is_strong,
)
from .speakers import find_speakers

if TYPE_CHECKING:
    from .settings import Settings

from .textutil import (
    REDACTION_TOKEN_RE,
    count_redactions,
    find_date,
    is_date_only,
    legend_codes,
    mark_word_redactions,
    normalise_redactions,
    slugify,
)

__all__ = [
    "PARSER_VERSION",
    "FolderInventories",
    "LoadResult",
    "ParseFailure",
    "VerslagParseError",
    "file_of",
    "inventory_first",
    "join_inventory",
    "load_verslagen",
    "parse_file",
    "parse_verslag",
    "read_text",
    "split_people",
]

#: Raised when a change makes the parser read the same file differently: an index then parses
#: its files again on the next ``add`` (and re-embeds only the chunks whose text changed).
#: 2: a redaction mark on its own line is kept even when it repeats like a running header.
#: 3: a lone repeated line goes as a running header by its own count, not its block's first
#: line's; a footer's file name is furniture; an item title broken after a hyphen is joined;
#: a title line stops at its date; a generic first line yields to the body named under it;
#: 'Afwezig met kennisgeving:' is one label; 'sluit … om 21:05' without 'uur' is a time.
PARSER_VERSION = 4  # 4: pdfium text layers, agenda lists, speakers, the record

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf")


class VerslagParseError(VerslagQAError, ValueError):
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


def _pdf_pages(data: bytes, source: str, settings: Settings) -> list[PdfPage]:
    """The PDF's pages as text (OCR for scans); an error when no page has any text."""
    if not data.lstrip().startswith(b"%PDF-"):
        raise VerslagParseError(source, "named .pdf but is not a PDF file")
    try:
        ocr = settings.parse.ocr
        pages = read_pdf_pages(data, source, ocr, ocr.cache_dir or settings.home / "ocr")
    except PdfReadError as exc:
        raise VerslagParseError(source, str(exc)) from exc
    if not any(len(re.sub(r"\s", "", p.text)) >= 20 for p in pages):
        problems = [p.problem for p in pages if p.problem]
        why = problems[0] if problems else "no text on any page"
        if problems and "page 1" in why and len(problems) > 1:
            why = why.replace("page 1", f"pages 1-{pages[-1].number}", 1)
        raise VerslagParseError(source, f"PDF has no text layer (scanned?): {why}")
    return pages


def pdf_pages_of(path: str | Path, settings: Settings | None = None) -> list[PdfPage]:
    """The pages of the PDF at ``path`` as the parser reads them (text, OCR, word boxes)."""
    from .settings import Settings

    settings = settings or Settings()
    data, src = _read_input(Path(path), None, settings.parse.max_bytes)
    return _pdf_pages(data, src, settings)


def read_text(data: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Decode raw file bytes (UTF-8, UTF-16, cp1252/latin-1 fallback, or PDF) to text."""
    if len(data) > max_bytes:
        raise _too_large(source, len(data), max_bytes)
    if not data.strip():
        raise VerslagParseError(source, "file is empty")
    if data.startswith(b"%PDF-") or source.lower().endswith(".pdf"):
        from .settings import Settings

        pages = _pdf_pages(data, source, Settings())
        return "\n\n".join(p.text for p in pages)
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


_FRAGMENT = re.compile(r"#pages=(\d+)-(\d+)$")


def _split_fragment(
    path_or_text: str | Path | bytes,
) -> tuple[str | Path | bytes, tuple[int, int] | None]:
    """'bundle.pdf#pages=3-4' → ('bundle.pdf', (3, 4)): the address of one document of a PDF."""
    if isinstance(path_or_text, str | Path) and "\n" not in str(path_or_text):
        m = _FRAGMENT.search(str(path_or_text))
        if m and Path(str(path_or_text)[: m.start()]).exists():
            base = str(path_or_text)[: m.start()]
            return (Path(base) if isinstance(path_or_text, Path) else base), (
                int(m.group(1)),
                int(m.group(2)),
            )
    return path_or_text, None


def file_of(source: str) -> str:
    """The file of a document's source: 'release.pdf#pages=3-4' → 'release.pdf'."""
    m = _FRAGMENT.search(source)
    return source[: m.start()] if m else source


def parse_file(
    path_or_text: str | Path | bytes,
    *,
    source: str | None = None,
    max_bytes: int | None = None,
    settings: Settings | None = None,
) -> list[Meeting]:
    """Every document of one file: a text file is one; a PDF of a Woo release may hold several
    (minutes, e-mails, memos, an inventory list), each with its page range in ``source``
    (``release.pdf#pages=3-4``). Scanned pages are OCR'd when Tesseract is installed.

    Raises :class:`VerslagParseError` (``"<file>: <reason>"``) for unreadable input.
    """
    from .settings import Settings

    settings = settings or Settings()
    limit = max_bytes if max_bytes is not None else settings.parse.max_bytes
    path_or_text, _ = _split_fragment(path_or_text)
    data, src = _read_input(path_or_text, source, limit)
    try:
        return _parse_file(data, src, limit, settings)
    except VerslagParseError:
        raise
    except RecursionError as exc:  # pathological input must not escape as a crash
        raise VerslagParseError(src, f"could not parse text ({type(exc).__name__})") from exc


def parse_verslag(
    path_or_text: str | Path | bytes,
    *,
    source: str | None = None,
    max_bytes: int | None = None,
    settings: Settings | None = None,
) -> Meeting:
    """Parse one verslag from a file path, raw text or bytes.

    A PDF that holds several documents gives its first minutes (with a warning naming the
    others); address one document with its page range (``release.pdf#pages=3-4``), or use
    :func:`parse_file` for all of them.

    Raises :class:`VerslagParseError` (message: ``"<file>: <reason>"``) for anything that is
    not a readable verslag: empty, binary, too large, a PDF without text.
    """
    _, wanted = _split_fragment(path_or_text)
    docs = parse_file(path_or_text, source=source, max_bytes=max_bytes, settings=settings)
    if wanted is not None:
        for doc in docs:
            if doc.pages == wanted:
                return doc
        raise VerslagParseError(
            str(path_or_text), f"no document on pages {wanted[0]}-{wanted[1]} of this PDF"
        )
    if len(docs) == 1:
        return docs[0]
    first = next((d for d in docs if d.is_minutes), docs[0])
    others = ", ".join(f"{d.source} ({d.kind})" for d in docs if d is not first)
    first.warnings.append(f"the file holds {len(docs)} documents; the others: {others}")
    return first


def _parse_file(data: bytes, src: str, max_bytes: int, settings: Settings) -> list[Meeting]:
    if len(data) > max_bytes:
        raise _too_large(src, len(data), max_bytes)
    if not data.strip():
        raise VerslagParseError(src, "file is empty")
    if not (data.startswith(b"%PDF-") or src.lower().endswith(".pdf")):
        text = read_text(data, src, max_bytes)
        doc = _parse(text, src, hashlib.sha256(data).hexdigest())
        doc.redaction_grounds = count_redactions(text)
        return [_as_kind(doc, normalise_chars(text), bundled=False)]
    pages = _pdf_pages(data, src, settings)
    sha = hashlib.sha256(data).hexdigest()
    parts = split_pages(pages) if settings.parse.split_documents else []
    if len(parts) <= 1:
        doc = _parse_pages(pages, src, sha)
        doc.document_number = (parts[0].number if parts else None) or _number_in_name(src)
        return [_as_kind(doc, _raw(pages), bundled=False)]
    docs: list[Meeting] = []
    for part in parts:
        part_src = f"{src}#pages={part.first}-{part.last}"
        part_sha = hashlib.sha256(f"{sha}:{part.first}-{part.last}".encode()).hexdigest()
        try:
            doc = _parse_pages(part.pages, part_src, part_sha)
        except VerslagParseError as exc:
            if "no text" in exc.reason or "no words" in exc.reason:
                continue  # a blank separator page or a cover sheet
            raise
        doc.document_number = part.number
        docs.append(_as_kind(doc, _raw(part.pages), bundled=True))
    if not docs:
        raise VerslagParseError(src, "no document with text in this PDF")
    join_inventory(docs, [e for d in docs for e in d.inventory_entries])
    return docs


def _number_in_name(src: str) -> str | None:
    """A Woo document number in the file name: 'document-7.pdf', 'doc_12.pdf'."""
    m = re.search(r"(?i)(?:^|[\W_])doc(?:ument)?[-_ ]?(\d{1,5})(?![\d])", Path(src).stem)
    return m.group(1) if m else None


def _raw(pages: list[PdfPage]) -> str:
    return normalise_chars("\n\n".join(p.text for p in pages))


_PAGE_NO = re.compile(r"^\s*(?:-\s*)?(\d{1,4})(?:\s*-)?\s*$")


def _page_numbers(texts: list[str], numbers: list[int]) -> list[str]:
    """The pages without their printed page number: a first or last line that is a bare number
    counting up by one from page to page (a number that does not count up is content)."""
    found: list[tuple[int, int] | None] = []  # (line index, number) per page
    for text in texts:
        lines = text.split("\n")
        ends = [k for k in range(len(lines)) if lines[k].strip()]
        cand = None
        for k in (ends[:1] + ends[-1:]) if ends else []:
            m = _PAGE_NO.match(lines[k])
            if m:
                cand = (k, int(m.group(1)))
                break
        found.append(cand)
    out = []
    for i, text in enumerate(texts):
        cand = found[i]
        near = [found[j] for j in (i - 1, i + 1) if 0 <= j < len(found)]
        counts = cand is not None and (
            any(f is not None and abs(f[1] - cand[1]) == 1 for f in near)
            or cand[1] == numbers[i]  # the page's own number, its neighbours unnumbered
        )
        if counts and cand is not None:
            lines = text.split("\n")
            del lines[cand[0]]
            text = "\n".join(lines)
        out.append(text)
    return out


def _redactions(pages: list[PdfPage]) -> dict[str, int]:
    """Redactions per ground over ``pages``: the marks in the text, and on a scan the black
    bars beyond them (a bar with its ground printed beside it is one redaction, not two)."""
    total: dict[str, int] = {}
    for p in pages:
        counts = count_redactions(p.text)
        extra = max(0, p.bars - sum(counts.values()))
        if extra:
            counts[""] = counts.get("", 0) + extra
        for ground, n in counts.items():
            total[ground] = total.get(ground, 0) + n
    return total


def _parse_pages(pages: list[PdfPage], src: str, sha: str) -> Meeting:
    texts = []
    for p in pages:
        text = STAMP_LINE.sub("", normalise_chars(p.text))  # Woo stamps are page furniture
        for rx in _BOILERPLATE_RES:
            text = rx.sub("\n", text)
        texts.append(text)
    texts = _page_numbers(texts, [p.number for p in pages])
    rows = [0]
    for text in texts:
        rows.append(rows[-1] + text.count("\n") + 2)
    numbers = [p.number for p in pages]
    meeting = _parse("\n\n".join(texts), src, sha, page_of_row=(rows, numbers))
    meeting.pages = (pages[0].number, pages[-1].number)
    meeting.ocr_pages = [p.number for p in pages if p.ocr]
    # every page counts, letterhead and header included: a redacted phone number is one too
    meeting.redaction_grounds = _redactions(pages)
    unread = [p.problem for p in pages if p.problem]
    if unread:
        meeting.warnings.append(
            f"{len(unread)} page(s) without text were not read: {unread[0]}"
            if len(unread) > 1
            else f"a page without text was not read: {unread[0]}"
        )
    return meeting


def _as_kind(doc: Meeting, raw: str, *, bundled: bool) -> Meeting:
    """The document's kind; a non-minutes document gets its own metadata (subject, sender,
    date) and title from ``raw``, its text before cleaning."""
    kind = document_kind(raw, bundled=bundled)
    doc.kind = kind
    if kind == "minutes":
        return doc
    doc.warnings = [
        w
        for w in doc.warnings
        if not any(k in w for k in ("verslag header", "meeting date", "no title"))
    ]
    if kind == "inventory":
        _grounds_as_codes(doc)  # its 'weigeringsgrond' column lists grounds, withholds nothing
        doc.inventory_entries = read_inventory(raw)
        doc.title = "Inventarislijst"
        doc.meeting_date = None  # the dates in it are its documents' dates
        doc.redaction_grounds = {}  # its grounds column names what was applied elsewhere
    elif kind in ("email", "memo"):
        head = email_fields(raw)
        doc.subject = normalise_redactions(head.subject, token=False)[0] if head.subject else None
        doc.sender = clean_person(head.sender)
        doc.recipients = [
            r for r in (clean_person(v) for v in re.split(r"[;]", head.to or "")) if r
        ]
        if doc.subject:
            doc.title = doc.subject
        if head.date:
            doc.meeting_date = head.date
            doc.document_date = head.date
    doc.meeting_id = _meeting_id(doc)
    return doc


def _grounds_as_codes(doc: Meeting) -> None:
    """'[weggelakt 5.1.2e]' back to '5.1.2e' in the text, items and page marks."""
    shifts: list[tuple[int, int]] = []  # (end of a token in the old text, length change)

    def code(m: re.Match[str]) -> str:
        new = m.group(0)[len("[weggelakt ") : -1]
        shifts.append((m.end(), len(new) - len(m.group(0))))
        return new

    doc.text = REDACTION_TOKEN_RE.sub(code, doc.text)

    def moved(offset: int) -> int:
        return offset + sum(d for end, d in shifts if end <= offset)

    for item in doc.items:
        item.start, item.end = moved(item.start), moved(item.end)
        item.text = doc.text[item.start : item.end]
    doc.page_marks = [(moved(off), page) for off, page in doc.page_marks]
    doc.record_end = moved(doc.record_end)
    for turn in doc.speakers:
        turn.start, turn.end = moved(turn.start), moved(turn.end)
    doc.redactions = 0


def _meeting_id(doc: Meeting) -> str:
    kind = "" if doc.kind == "minutes" else f"{doc.kind}-"
    if doc.meeting_date:
        return f"{doc.meeting_date.isoformat()}-{kind}{slugify(doc.title)}".rstrip("-")
    return f"zonder-datum-{kind}{slugify(doc.title)}-{doc.sha256[:6]}"


def join_inventory(docs: Iterable[Meeting], entries: Iterable[InventoryEntry]) -> int:
    """Give each document with a Woo number its inventory row; returns how many were joined."""
    by_number = {e.number: e for e in entries}
    joined = 0
    for doc in docs:
        if doc.kind != "inventory" and doc.document_number in by_number:
            doc.inventory = by_number[doc.document_number]
            joined += 1
    return joined


def _parse(
    text: str,
    src: str,
    sha: str,
    page_of_row: tuple[list[int], list[int]] | None = None,
) -> Meeting:
    text = normalise_chars(text)
    front, text = split_front_matter(text) if page_of_row is None else ({}, text)
    if page_of_row is None:
        for rx in _BOILERPLATE_RES:
            text = rx.sub("\n", text)
    lines = to_lines(text)
    if page_of_row is not None:
        rows, numbers = page_of_row
        for ln in lines:
            ln.page = numbers[max(0, bisect.bisect_right(rows, ln.row) - 1)]
    if not lines:
        raise VerslagParseError(src, "file has no text")
    if not re.search(r"[^\W\d_]{2}", text):
        raise VerslagParseError(src, "file has no words (only numbers or symbols)")

    header = parse_header(lines)
    fields = header.fields
    classification = next((ln.text for ln in lines if CLASSIFICATION_RE.match(ln.text)), None)
    document_date = _document_date(lines, header)
    counts = Counter(ln.key for ln in lines if ln.text)
    first_section = _first_section(lines)
    top = top_window(lines, first_section)
    title, title_idx, title_from = pick_title(lines, header, top, front, src, counts, first_section)
    meeting_date, date_from = pick_date(lines, header, top, front, document_date, src)
    date_line = _date_line(lines, top, meeting_date) if date_from == "top" else None
    start_time, end_time = pick_times(lines, header, top, date_line)

    warnings = []
    if header.first < 0:
        warnings.append("no verslag header (Betreft/Vergaderdatum); metadata taken from the text")
    if title_from == "file name":
        warnings.append("no title found in the text; title taken from the file name")
    if date_from in ("file name", "letterhead", "front matter", "running header"):
        warnings.append(f"no meeting date in the text's header; date taken from the {date_from}")
    elif meeting_date is None:
        warnings.append("no meeting date found in the text or the file name")
    title = normalise_redactions(title, token=False)[0] or "Verslag"

    if header.first >= 0 and header.first < 40:
        body_start = header.last + 1
    else:
        body_start = title_idx + 1 if title_idx is not None else 0
    skip = header.lines | ({title_idx} if title_idx is not None else set())
    body = [
        ln
        for k, ln in enumerate(lines)
        if k not in skip
        and (k >= body_start or (ln.heading and not is_strong(ln.text) and k > (title_idx or -1)))
    ]
    mask = furniture_mask(body, counts)
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
    # the header's record (date, place, who attended, who was absent) is text a question asks
    # about ('how many members were present?'): it opens the text, before the first item
    # the letterhead too: its 'Uw contactpersoon' and date are part of the record (a Woo
    # release redacts the contact's name there)
    # (what the body keeps, a heading under the title, stays in the body)
    in_body = {id(ln) for ln in body}
    record = [
        Line(**{**lines[k].__dict__, "blank_before": True})  # a field per line, never joined
        for k in sorted(set(range(0, body_start)) | header.lines)
        if k != title_idx
        and lines[k].text
        and not _PAGE_NO.match(lines[k].text)
        and id(lines[k]) not in in_body
    ]

    redactions = 0
    for key in ("title", "when", "place", "attendees", "absent"):
        redactions += normalise_redactions(fields.get(key, ""))[1]
    codes = legend_codes(text) if "geanonimiseerd" in text.lower() else []
    for ln in kept:
        ln.text, n = normalise_redactions(ln.text)
        ln.text, marks = mark_word_redactions(ln.text, codes[0] if len(codes) == 1 else None)
        redactions += n + marks

    items, full_text = build_items(kept)
    # the record opens the text, before (and outside) the agenda items
    record_text = "\n".join(normalise_redactions(ln.text)[0] for ln in record)
    if record_text:
        shift = len(record_text) + 2
        full_text = f"{record_text}\n\n{full_text}"
        for item in items:
            item.start, item.end = item.start + shift, item.end + shift
    speakers = find_speakers(full_text, items, fields.get("chair", ""))
    place = fields.get("place") or None
    if place:
        place = normalise_redactions(place, token=False)[0]
    attendees = split_people(fields.get("attendees", "")) or _section_people(lines, "aanwezig")
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
        attendees=attendees,
        absent=split_people(fields.get("absent", "")) or _section_people(lines, "afwezig"),
        document_date=document_date,
        classification=classification,
        source=src,
        sha256=sha,
        redactions=redactions,
        items=items,
        text=full_text,
        speakers=speakers,
        warnings=warnings,
        page_marks=_page_marks([*record, *kept], full_text) if page_of_row is not None else [],
        record_end=len(record_text),
    )


#: Characters a line needs to mark where its page starts in the cleaned text.
_MIN_PROBE = 12


def _page_marks(kept: list[Line], full_text: str) -> list[tuple[int, int]]:
    """(offset, page) where each new page's text starts in the cleaned text."""
    marks: list[tuple[int, int]] = []
    cursor = 0
    last = None
    seen = Counter(ln.key for ln in kept)
    for ln in kept:
        # a short line ('2', 'wordt.') or a running header is found anywhere: a page starts at
        # its first line that can be found only where it stands
        if ln.page == last or len(ln.text.strip()) < _MIN_PROBE or seen[ln.key] > 1:
            continue
        probe = ln.text[:40]
        pos = full_text.find(probe, cursor)
        if pos < 0:
            continue  # joined into the previous line: its page holds the start
        marks.append((pos, ln.page))
        cursor, last = pos, ln.page
    return marks


def _first_section(lines: list[Line]) -> int:
    """Index of the first agenda item or section heading after the title."""
    first_heading = next((i for i, ln in enumerate(lines) if ln.heading), None)
    for i, ln in enumerate(lines):
        if i == 0:
            continue
        if re.match(r"^\d{1,2}[.)]\s+\S", ln.text) and ln.indent <= 1 and not ln.bullet:
            return i
        if (
            ln.heading
            and i != first_heading
            and not HEADER_SECTION.match(ln.text)
            and plausible_title(ln.text)
        ):
            return i
    return len(lines)


def _date_line(lines: list[Line], top: range, date: dt.date | None) -> int | None:
    for i in top:
        if date and find_date(lines[i].text) == date:
            return i
    return None


def _section_people(lines: list[Line], word: str) -> list[str]:
    """Names listed under an 'Aanwezigen'/'Deelnemers' heading (list entries or table rows)."""
    people: list[str] = []
    inside = 0
    for ln in lines[:200]:
        if ln.heading or (ln.emph and not ln.bullet):
            level = ln.heading or 7
            if inside and level <= inside and not ln.text.lower().startswith(word):
                break
            if ln.text.lower().startswith(word) or (
                word == "aanwezig" and ln.text.lower().startswith("deelnemers")
            ):
                inside = level
            continue
        if not inside:
            continue
        if ln.bullet:
            people.append(ln.text)
        elif ln.text.startswith("|") and not re.fullmatch(r"[|:\-\s]+", ln.text):
            cells = [c.strip() for c in ln.text.strip("|").split("|") if c.strip()]
            if cells and not re.match(r"(?i)^(naam|achternaam|voornaam)$", cells[0]):
                people.append(" ".join(cells[:2]) if len(cells) > 2 else ", ".join(cells))
    return people


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
    folder: str | Path | Iterable[str | Path],
    *,
    max_bytes: int | None = None,
    settings: Settings | None = None,
) -> LoadResult:
    """Parse every document in a folder (or list of paths); bad files are reported, not fatal.

    A PDF of a Woo release gives one meeting per document it holds; an inventory list (in the
    release or a file of its own in the same folder) is joined to the documents by number.
    Duplicate content under two names is reported once as an error; meeting ids are made
    unique within the batch (start time, then a content hash, is appended on a clash).
    """
    from .settings import Settings

    settings = settings or Settings()
    paths = [folder] if isinstance(folder, str | Path) else list(folder)
    result = LoadResult()
    seen_sha: dict[str, str] = {}
    seen_ids: set[str] = set()
    inventories = FolderInventories()
    for path in inventory_first(iter_verslag_files(paths)):
        try:
            docs = parse_file(path, max_bytes=max_bytes, settings=settings)
        except VerslagParseError as exc:
            result.errors.append(ParseFailure(source=exc.source, reason=exc.reason))
            continue
        inventories.join(Path(path), docs)
        for meeting in docs:
            if meeting.sha256 in seen_sha:
                result.errors.append(
                    ParseFailure(
                        source=meeting.source,
                        reason=f"duplicate content of {seen_sha[meeting.sha256]}",
                    )
                )
                continue
            seen_sha[meeting.sha256] = meeting.source
            meeting.meeting_id = unique_meeting_id(meeting, seen_ids)
            seen_ids.add(meeting.meeting_id)
            result.meetings.append(meeting)
    return result


class FolderInventories:
    """The inventory rows read so far in each folder of a batch: the documents of every file
    read next are joined to the rows of its folder (those of its own bundle come first)."""

    def __init__(self) -> None:
        self.rows: dict[Path, list[InventoryEntry]] = {}

    def join(self, path: Path, docs: list[Meeting]) -> None:
        rows = self.rows.setdefault(path.parent, [])
        rows.extend(e for d in docs for e in d.inventory_entries)
        join_inventory([d for d in docs if d.inventory is None], rows)


def inventory_first(files: list[Path]) -> list[Path]:
    """Files in order, an inventory list ('inventaris…') of a folder before the folder's other
    files, so that documents read after it can be joined to its rows."""
    return sorted(files, key=lambda f: (str(f.parent), "inventaris" not in f.name.lower(), str(f)))


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
