"""Split meetings into retrieval chunks: one per agenda item, long items at bullet boundaries.

Each chunk keeps the clean original text (what users see and quotes come from) and carries
two derived texts: ``embed_text`` (a context header "MT DGLZ breed, 1 maart 2021, punt 3c
Covid beleidskader fase 3" plus the text) and ``keyword_text`` (for BM25). Redaction tokens
are kept out of both derived texts: "[weggelakt 5.1.2e]" says nothing about the topic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable

from pydantic import BaseModel, Field

from .dutch import dutch_date, dutch_date_iso, split_sentences
from .schemas import AgendaItem, Meeting
from .textutil import REDACTION_TOKEN_RE, display_title

__all__ = [
    "CHUNKER_VERSION",
    "Chunk",
    "chunk_meeting",
    "context_header",
    "count_tokens",
    "page_in_chunk",
    "speaker_in_chunk",
    "page_spans",
    "dutch_date",
    "dutch_date_iso",
    "split_sentences",
]

#: Bump when chunk boundaries or derived texts change: it is part of the collection name,
#: so vectors made by another chunker are never mixed in.
CHUNKER_VERSION = "2"  # 2: speakers of verbatim minutes in the metadata

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


#: How a reference names a document that is not minutes.
KIND_NAMES = {"email": "e-mail", "memo": "memo", "inventory": "inventarislijst", "document": ""}


def reference(
    title: str,
    date_iso: str,
    item_label: str,
    page: int | None = None,
    kind: str = "minutes",
) -> str:
    """'MT DGLZ breed, 1 maart 2021, punt 3c' (', p. 4' for a PDF; 'e-mail: …' for an e-mail):
    how answers, prompts and the CLI name a source."""
    name = display_title(title)
    if KIND_NAMES.get(kind) and not name.lower().startswith(KIND_NAMES[kind]):
        name = f"{KIND_NAMES[kind]}: {name}"
    parts = [name]
    if date_iso:
        parts.append(dutch_date_iso(date_iso))
    if item_label:
        parts.append(f"punt {item_label}")
    if page:
        parts.append(f"p. {page}")
    return ", ".join(parts)


def count_tokens(text: str) -> int:
    """Approximate model tokens: words and punctuation marks (errs on the high side)."""
    return len(_TOKEN_RE.findall(text))


def context_header(meeting: Meeting, item: AgendaItem) -> str:
    """'MT DGLZ breed, 1 maart 2021, punt 3c Covid beleidskader fase 3'."""
    parts = [meeting.title]
    if meeting.meeting_date:
        parts.append(dutch_date(meeting.meeting_date))
    header = ", ".join(parts)
    if item.display:
        header += ", " + item.display
    return strip_redactions(header)


def strip_redactions(text: str) -> str:
    return re.sub(r"[ \t]{2,}", " ", REDACTION_TOKEN_RE.sub("", text)).strip()


class Chunk(BaseModel):
    """One retrievable piece of an agenda item."""

    id: str = Field(description="Content hash: the same text in the same meeting → same id.")
    text: str = Field(description="Clean original text, as shown and quoted.")
    embed_text: str = Field(description="Context header + text, redaction tokens removed.")
    keyword_text: str = Field(description="Text for keyword search, redaction tokens removed.")
    metadata: dict[str, str | int] = Field(description="Meeting and item metadata.")


def _units(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the bullet/paragraph lines of an item text."""
    spans = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for sentence in split_sentences(text[start:end]):
        i = text.find(sentence, cursor, end)
        if i < 0:  # cannot happen for stripped pieces, but never lose text
            return [(start, end)]
        spans.append((i, i + len(sentence)))
        cursor = i + len(sentence)
    return spans or [(start, end)]


def _heading_like(line: str) -> bool:
    stripped = line.strip().lstrip("-").strip()
    return len(stripped.split()) <= 4 and not stripped.endswith((".", "!", "?", ")"))


def _windows(text: str, max_tokens: int, overlap_tokens: int) -> list[tuple[int, int]]:
    """Group sentence-or-line spans into windows of at most max_tokens, with overlap."""
    pieces: list[tuple[int, int]] = []
    for s, e in _units(text):
        if count_tokens(text[s:e]) <= max_tokens:
            pieces.append((s, e))
        else:
            pieces.extend(_sentence_spans(text, s, e))
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(pieces):
        j = i
        tokens = count_tokens(text[pieces[i][0] : pieces[i][1]])
        while j + 1 < len(pieces):
            nxt = count_tokens(text[pieces[j + 1][0] : pieces[j + 1][1]])
            if tokens + nxt > max_tokens:
                break
            tokens += nxt
            j += 1
        # a short heading-like line ('- DGLZ') belongs with what follows it
        while j > i and j + 1 < len(pieces) and _heading_like(text[pieces[j][0] : pieces[j][1]]):
            j -= 1
        windows.append((pieces[i][0], pieces[j][1]))
        if j + 1 >= len(pieces):
            break
        # step back over whole pieces for the overlap, never mid-sentence
        k = j + 1
        back = 0
        while k - 1 > i and back + count_tokens(text[pieces[k - 1][0] : pieces[k - 1][1]]) <= (
            overlap_tokens
        ):
            k -= 1
            back += count_tokens(text[pieces[k][0] : pieces[k][1]])
        i = k
    return windows


def date_ts(date: dt.date | None) -> int:
    if date is None:
        return -1
    return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())


def page_spans(starts: Iterable[tuple[int, int | None]]) -> str:
    """A chunk's ``pages`` metadata, '3:0,4:812': each (offset in the chunk's text, page)
    where a new page starts; '' when no page is known (not a PDF)."""
    spans, last = [], None
    for offset, page in starts:
        if page is not None and page != last:
            spans.append(f"{page}:{offset}")
            last = page
    return ",".join(spans)


def _chunk_pages(meeting: Meeting, start: int, end: int) -> str:
    if not meeting.pages:
        return ""
    inside = [(off - start, page) for off, page in meeting.page_marks if start < off < end]
    return page_spans([(0, meeting.page_at(start)), *inside])


def _chunk_speakers(meeting: Meeting, start: int, end: int) -> str:
    """A chunk's ``speakers`` metadata, '0:Rita Verdonk (Hart voor Den Haag)|412:de voorzitter':
    each (offset in the chunk's text, speaker) where a turn of speech holds the text."""
    spans = []
    for turn in meeting.speakers:
        if turn.end <= start or turn.start >= end:
            continue
        spans.append(f"{max(turn.start - start, 0)}:{turn.label.replace('|', '/')}")
    return "|".join(spans)


def speaker_in_chunk(speakers: str, offset: int) -> str:
    """The speaker at ``offset`` (into the chunk's text) from a chunk's ``speakers`` metadata."""
    found = ""
    for span in speakers.split("|") if speakers else []:
        at, _, label = span.partition(":")
        if int(at or 0) <= offset:
            found = label
    return found


def page_in_chunk(pages: str, offset: int) -> int | None:
    """The page of ``offset`` (into the chunk's text) from a chunk's ``pages`` metadata."""
    if not pages:
        return None
    found = None
    for span in pages.split(","):
        page, _, at = span.partition(":")
        if int(at or 0) <= offset:
            found = int(page)
    return found


def chunk_meeting(
    meeting: Meeting, *, max_tokens: int = 320, overlap_tokens: int = 40
) -> list[Chunk]:
    """Chunks for every agenda item of ``meeting``, in order."""
    chunks: list[Chunk] = []
    record = meeting.text[: meeting.record_end]
    items = list(meeting.items)
    if record.strip():
        # the header's record is searched too ('how many members were present?')
        items.insert(0, AgendaItem(label="", title="", text=record, start=0, end=len(record)))
    for item in items:
        if not item.text.strip():
            continue
        header = context_header(meeting, item)
        for idx, (s, e) in enumerate(_windows(item.text, max_tokens, overlap_tokens)):
            raw = item.text[s:e]
            text = raw.strip()
            start = item.start + s + len(raw) - len(raw.lstrip())
            body = strip_redactions(text)
            embed_text = f"{header}\n{body}"
            keyword_text = f"{strip_redactions(item.title)}\n{body}"
            digest = hashlib.sha256(
                "\x1f".join(
                    (CHUNKER_VERSION, meeting.meeting_id, item.label, str(idx), embed_text, text)
                ).encode()
            ).hexdigest()[:32]
            chunks.append(
                Chunk(
                    id=digest,
                    text=text,
                    embed_text=embed_text,
                    keyword_text=keyword_text,
                    metadata={
                        "meeting_id": meeting.meeting_id,
                        "meeting_title": meeting.title,
                        "meeting_date": meeting.meeting_date.isoformat()
                        if meeting.meeting_date
                        else "",
                        "meeting_ts": date_ts(meeting.meeting_date),
                        "item_label": item.label,
                        "item_title": item.title,
                        "chunk_index": idx,
                        "source": meeting.source,
                        "sha256": meeting.sha256,
                        "start": start,
                        "end": start + len(text),
                        "context": header,
                        "kind": meeting.kind,
                        "pages": _chunk_pages(meeting, start, start + len(text)),
                        "speakers": _chunk_speakers(meeting, start, start + len(text)),
                    },
                )
            )
    return chunks
