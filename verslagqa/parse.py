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

import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, Field

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
from .schemas import Meeting
from .sections import (
    CLASSIFICATION_RE,
    HEADER_SECTION,
    build_items,
    furniture_mask,
    is_strong,
)
from .textutil import (
    find_date,
    is_date_only,
    legend_codes,
    mark_word_redactions,
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
    "split_people",
]

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
    text = normalise_chars(read_text(data, src, max_bytes))
    front, text = split_front_matter(text)
    for rx in _BOILERPLATE_RES:
        text = rx.sub("\n", text)
    lines = to_lines(text)
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

    redactions = 0
    for key in ("title", "when", "place", "attendees", "absent"):
        redactions += normalise_redactions(fields.get(key, ""))[1]
    codes = legend_codes(text) if "geanonimiseerd" in text.lower() else []
    for ln in kept:
        ln.text, n = normalise_redactions(ln.text)
        ln.text, marks = mark_word_redactions(ln.text, codes[0] if len(codes) == 1 else None)
        redactions += n + marks

    items, full_text = build_items(kept)
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
        warnings=warnings,
    )


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
