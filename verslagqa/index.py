"""The index: Chroma vectors + BM25 tokens + a manifest, updated idempotently per file.

Layout of a store directory (default ``vectorstore/``)::

    chroma.sqlite3, <uuid>/     Chroma's own files (absent when a Chroma server is used)
    keyword/                    BM25 tokens (SQLite) and the cached bm25s matrix
    manifest.json               model, chunker, versions, and per-file hashes and chunk ids
    .lock                       held while writing, so two indexers never interleave

A collection is named after the embedding model and the chunker version, so vectors of
different models or chunkers are never mixed. Chunk ids are content hashes: re-indexing an
unchanged file embeds nothing; a changed file has exactly its stale chunks replaced.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, Field

from .chunk import CHUNKER_VERSION, Chunk, chunk_meeting
from .errors import VerslagQAError
from .keyword import KeywordIndex
from .parse import (
    PARSER_VERSION,
    FolderInventories,
    VerslagParseError,
    file_of,
    inventory_first,
    iter_verslag_files,
    parse_file,
    unique_meeting_id,
)
from .schemas import InventoryEntry, Meeting
from .settings import ChunkSettings, Settings
from .textutil import slugify

__all__ = [
    "embed_progress",
    "FORMAT_VERSION",
    "Index",
    "IndexError_",
    "IndexReport",
    "MeetingInfo",
    "StoreLockedError",
]

FORMAT_VERSION = 1


#: Chunks embedded per call while progress is reported.
_EMBED_SLICE = 64
_EMBED_PROGRESS: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar(
    "verslagqa_embed_progress", default=None
)


@contextlib.contextmanager
def embed_progress(callback: Callable[[int, int], None]) -> Iterator[None]:
    """Report (chunks embedded, chunks to embed) to ``callback`` while indexing in the block:
    a 100-page file is one group of a few hundred chunks."""
    token = _EMBED_PROGRESS.set(callback)
    try:
        yield
    finally:
        _EMBED_PROGRESS.reset(token)


class IndexError_(VerslagQAError, RuntimeError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """The store cannot be used as asked (version mismatch, newer format, …)."""


class StoreLockedError(IndexError_):
    """Another process is writing to the store."""


class FileError(BaseModel):
    source: str = Field(description="The file.")
    reason: str = Field(description="Why it was not indexed.")


class IndexReport(BaseModel):
    """Result of one `index` run. Counts of chunks, except ``meetings``."""

    meetings: int = Field(0, description="Meetings in the store after the run.")
    chunks: int = Field(0, description="Chunks in the store after the run.")
    added: int = Field(0, description="Chunks embedded and added in this run.")
    updated: int = Field(0, description="Chunks kept but given new metadata (e.g. file moved).")
    unchanged: int = Field(0, description="Chunks of files that did not change.")
    removed: int = Field(0, description="Chunks deleted (changed or pruned files).")
    errors: list[FileError] = Field(default_factory=list, description="Files not indexed.")
    warnings: list[FileError] = Field(
        default_factory=list,
        description="Files indexed with guessed metadata (no header, date from the file name).",
    )


class MeetingInfo(BaseModel):
    meeting_id: str
    title: str
    meeting_date: str
    source: str
    sha256: str
    chunks: int
    items: list[str] = Field(default_factory=list)
    kind: str = "minutes"
    inventory: InventoryEntry | None = None


class FileEntry(BaseModel):
    """One indexed file. ``pending`` while its chunks are being written: a crash then makes the
    next run redo it (``pending_ids`` are the chunks that may exist)."""

    state: Literal["pending", "complete"] = "complete"
    sha256: str = ""
    file_sha256: str = Field(
        default="", description="sha256 of the whole file (a PDF may hold several documents)."
    )
    kind: str = "minutes"
    warnings: list[str] = Field(
        default_factory=list, description="What the parser had to guess, shown on every run."
    )
    inventory: InventoryEntry | None = Field(
        default=None, description="The Woo inventory row joined to the document."
    )
    parser: int = Field(
        default=0,
        description="The PARSER_VERSION that read the file; with another the next add parses "
        "it again (0: written before versions were recorded).",
    )
    meeting_id: str = ""
    title: str = ""
    meeting_date: str = ""
    items: list[str] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)
    pending_ids: list[str] = Field(default_factory=list)


class CollectionEntry(BaseModel):
    """One index identity (model, chunker, chunk settings): its files and what built it."""

    model_config = ConfigDict(extra="allow")

    files: dict[str, FileEntry] = Field(default_factory=dict)
    embedding_model: str = ""
    chunker_version: str = ""
    chunk_settings: dict[str, Any] = Field(default_factory=dict)
    verslagqa_version: str = ""
    chromadb_version: str = ""
    langchain_chroma_version: str = ""
    updated_at: str = ""


class Manifest(BaseModel):
    """``manifest.json``: the store format and every collection's files."""

    model_config = ConfigDict(extra="allow")

    format: int = FORMAT_VERSION
    collections: dict[str, CollectionEntry] = Field(default_factory=dict)

    @classmethod
    def read(cls, path: Path, store: Path) -> Manifest:
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise IndexError_(f"{path}: unreadable manifest ({exc})") from exc
        if int(data.get("format", 0)) > FORMAT_VERSION:
            raise IndexError_(
                f"{store} was written by a newer verslagqa (store format "
                f"{data.get('format')}, this version reads {FORMAT_VERSION}); upgrade verslagqa"
            )
        try:
            return cls.model_validate(data)
        except ValueError as exc:
            raise IndexError_(f"{path}: unreadable manifest ({exc})") from exc

    def write(self, path: Path) -> None:
        """Atomically: a reader sees the old manifest or the new one, never half of one."""
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.model_dump_json(indent=1))
        os.replace(tmp, path)


def _pkg_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _model_id(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "model_id", type(embeddings).__name__))


def collection_name(model_id: str, chunk: ChunkSettings | None = None) -> str:
    """The index's identity: a Chroma collection per embedding model, chunker version and
    chunk settings ('vq-embeddinggemma-300m-bfloat16-3f2a9c1d'). Changing any of them opens
    another collection, so chunks made one way are never kept or mixed with chunks made
    another way."""
    settings = (chunk or ChunkSettings()).model_dump()
    identity = json.dumps([model_id, CHUNKER_VERSION, settings], sort_keys=True)
    digest = hashlib.sha1(identity.encode()).hexdigest()[:8]
    return f"vq-{slugify(model_id, 40)}-{digest}"


class Index:
    """Everything that is stored: open it, ``add`` files, ``search`` through a retriever."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embeddings: Embeddings | None = None,
        store: Path | str | None = None,
    ) -> None:
        self.settings = settings or Settings()
        if store is not None:
            self.settings = self.settings.model_copy(update={"store": Path(store)})
        self.store = Path(self.settings.store)
        self.store.mkdir(parents=True, exist_ok=True)
        self.embeddings = embeddings or self.settings.get_embeddings()
        self.model_id = _model_id(self.embeddings)
        self.collection = collection_name(self.model_id, self.settings.chunk)
        self._manifest_path = self.store / "manifest.json"
        self.manifest = self._read_manifest()
        self.client = self.settings.get_chroma_client()
        self.chroma = self._open_collection()
        self.keyword = KeywordIndex(self.store / "keyword", self.collection)

    def _open_collection(self) -> Any:
        # chromadb directly: verslagqa embeds itself (no embedding function in Chroma)
        return self.client.get_or_create_collection(self.collection, embedding_function=None)

    @property
    def vectorstore(self) -> Any:
        """This index's vectors as a LangChain ``VectorStore`` (langchain-chroma's public API),
        for users who compose their own chains; verslagqa itself uses ``chroma``."""
        from langchain_chroma import Chroma

        return Chroma(
            client=self.client, collection_name=self.collection, embedding_function=self.embeddings
        )

    # -- manifest ---------------------------------------------------------------------------

    def _read_manifest(self) -> Manifest:
        return Manifest.read(self._manifest_path, self.store)

    def _write_manifest(self) -> None:
        entry = self._entry()
        entry.embedding_model = self.model_id
        entry.chunker_version = CHUNKER_VERSION
        entry.chunk_settings = self.settings.chunk.model_dump()
        entry.verslagqa_version = _pkg_version("verslagqa")
        entry.chromadb_version = _pkg_version("chromadb")
        entry.langchain_chroma_version = _pkg_version("langchain-chroma")
        entry.updated_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.manifest.format = FORMAT_VERSION
        self.manifest.write(self._manifest_path)

    def _entry(self) -> CollectionEntry:
        return self.manifest.collections.setdefault(self.collection, CollectionEntry())

    @property
    def files(self) -> dict[str, FileEntry]:
        """The files of this index (its collection), by path."""
        return self._entry().files

    def other_collections(self) -> list[str]:
        """Collections in this store built with another model, chunker or chunk settings."""
        return [c for c, e in self.manifest.collections.items() if c != self.collection and e.files]

    # -- locking ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, timeout: float = 30.0) -> Iterator[None]:
        """Exclusive write lock on the store; waits up to ``timeout`` seconds."""
        path = self.store / ".lock"
        with open(path, "a+") as fh:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreLockedError(
                            f"{self.store} is being written by another verslagqa process "
                            f"(waited {timeout:.0f} s); try again when it has finished"
                        ) from None
                    time.sleep(0.2)
            try:
                # re-read: another process may have changed the store while we waited
                self.manifest = self._read_manifest()
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- writing ----------------------------------------------------------------------------

    def _collection(self) -> Any:
        return self.chroma

    def _embed(self, chunks: list[Chunk]) -> list[list[float]]:
        texts = [c.embed_text for c in chunks]
        progress = _EMBED_PROGRESS.get()
        if progress is None or len(texts) <= _EMBED_SLICE:
            return self.embeddings.embed_documents(texts)
        # in slices of similar length (as one call would sort them), to report progress
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), _EMBED_SLICE):
            part = order[start : start + _EMBED_SLICE]
            for i, vec in zip(part, self.embeddings.embed_documents([texts[i] for i in part]),
                              strict=True):  # fmt: skip
                vectors[i] = vec
            progress(min(start + _EMBED_SLICE, len(order)), len(order))
        return vectors

    def _write_chunks(self, remove: list[str], chunks: list[Chunk]) -> None:
        coll = self._collection()
        if remove:
            coll.delete(ids=remove)
        if chunks:
            vectors = self._embed(chunks)
            coll.upsert(
                ids=[c.id for c in chunks],
                embeddings=vectors,
                documents=[c.text for c in chunks],
                metadatas=[dict(c.metadata) for c in chunks],
            )
        self.keyword.replace(remove, [(c.id, c.metadata, c.keyword_text) for c in chunks])

    def add(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        on_file: Callable[[str, int, int], None] | None = None,
        lock_timeout: float | None = None,
    ) -> IndexReport:
        """Index files and folders; bad files are reported in ``errors``, the rest goes on."""
        report = IndexReport()
        files = iter_verslag_files(list(paths))
        timeout = self.settings.lock_timeout_s if lock_timeout is None else lock_timeout
        with self.lock(timeout):
            self._repair()
            by_sha = {e.sha256: src for src, e in self.files.items()}
            taken = {e.meeting_id for e in self.files.values()}
            # meetings are embedded in groups: one encode call sorts many chunks by length
            # (less padding) and the manifest is written twice per group, not per file
            group: list[tuple[str, Meeting, list[Chunk], str]] = []
            inventories = FolderInventories()
            for n, path in enumerate(inventory_first(files)):
                src = str(Path(path).resolve())
                if on_file:
                    on_file(src, n, len(files))
                known = self._entries_of(src)
                file_sha = self._file_sha(Path(path))
                if known and all(
                    e.state == "complete"
                    and e.file_sha256 == file_sha
                    and e.parser == PARSER_VERSION
                    for e in known.values()
                ):
                    report.unchanged += sum(len(e.chunk_ids) for e in known.values())
                    report.warnings.extend(
                        FileError(source=k, reason=w) for k, e in known.items() for w in e.warnings
                    )
                    continue  # unchanged: not parsed again (a scanned PDF is not OCR'd again)
                try:
                    docs = parse_file(path, source=src, settings=self.settings)
                except VerslagParseError as exc:
                    report.errors.append(FileError(source=str(path), reason=exc.reason))
                    continue
                inventories.join(Path(src), docs)
                for gone in set(known) - {d.source for d in docs}:
                    taken.discard(known[gone].meeting_id)
                    report.removed += self._remove_file(gone)  # the file was split anew
                for meeting in docs:
                    doc_src = meeting.source
                    report.warnings.extend(
                        FileError(source=doc_src, reason=w) for w in meeting.warnings
                    )
                    old = self.files.get(doc_src)
                    if (
                        old
                        and old.sha256 == meeting.sha256
                        and old.state == "complete"
                        and old.parser == PARSER_VERSION
                    ):
                        self.files[doc_src] = old.model_copy(
                            update={"file_sha256": file_sha, "warnings": meeting.warnings}
                        )
                        report.unchanged += len(old.chunk_ids)
                        continue
                    twin = by_sha.get(meeting.sha256)
                    if twin and twin != doc_src:
                        if Path(file_of(twin)).exists():
                            report.errors.append(
                                FileError(source=doc_src, reason=f"duplicate content of {twin}")
                            )
                            continue
                        report.updated += self._move(twin, doc_src)  # same content, file moved
                        by_sha[meeting.sha256] = doc_src
                        continue
                    if old:
                        taken.discard(old.meeting_id)
                    meeting.meeting_id = unique_meeting_id(meeting, taken)
                    taken.add(meeting.meeting_id)
                    by_sha[meeting.sha256] = doc_src
                    group.append((doc_src, meeting, self._chunks(meeting), file_sha))
                if sum(len(c) for _, _, c, _ in group) >= self.settings.embedding.group_chunks:
                    self._index_group(group, report)
                    group = []
            if group:
                self._index_group(group, report)
            if prune:
                for src in [s for s in self.files if not Path(file_of(s)).exists()]:
                    report.removed += self._remove_file(src)
            self._write_manifest()
        report.meetings = len(self.files)
        report.chunks = sum(len(e.chunk_ids) for e in self.files.values())
        return report

    def _chunks(self, meeting: Meeting) -> list[Chunk]:
        return chunk_meeting(
            meeting,
            max_tokens=self.settings.chunk.max_tokens,
            overlap_tokens=self.settings.chunk.overlap_tokens,
        )

    def _file_sha(self, path: Path) -> str:
        """sha256 of the file's bytes; '' when it cannot be read or is too large (the parser
        then reports why, without reading it)."""
        try:
            if path.stat().st_size > self.settings.parse.max_bytes:
                return ""
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return ""

    def _entries_of(self, src: str) -> dict[str, FileEntry]:
        """The entries of file ``src``: itself, or the documents of a PDF bundle."""
        return {k: e for k, e in self.files.items() if file_of(k) == src}

    def _index_group(self, group: list[tuple[str, Meeting, list[Chunk], str]], report: Any) -> None:
        """Index a few meetings at once, crash-safe: all 'pending' first, 'complete' after."""
        remove: list[str] = []
        fresh: dict[str, Chunk] = {}
        counts = []
        for src, _meeting, chunks, _file_sha in group:
            before = self.files.get(src, FileEntry(state="pending"))
            old_ids = set(before.chunk_ids)
            new_ids = [c.id for c in chunks]
            remove += sorted(old_ids - set(new_ids))
            new = [c for c in chunks if c.id not in old_ids]
            fresh.update((c.id, c) for c in new)
            counts.append((len(new), len(old_ids - set(new_ids))))
            # a crash between here and 'complete' makes the next run redo this file
            self.files[src] = before.model_copy(
                update={"state": "pending", "pending_ids": sorted(set(new_ids) | old_ids)}
            )
        self._write_manifest()
        self._write_chunks(remove, list(fresh.values()))
        for (src, meeting, chunks, file_sha), (added, removed) in zip(group, counts, strict=True):
            self.files[src] = FileEntry(
                state="complete",
                sha256=meeting.sha256,
                file_sha256=file_sha,
                parser=PARSER_VERSION,
                kind=meeting.kind,
                warnings=meeting.warnings,
                inventory=meeting.inventory,
                meeting_id=meeting.meeting_id,
                title=meeting.title,
                meeting_date=meeting.meeting_date.isoformat() if meeting.meeting_date else "",
                items=[i.label for i in meeting.items],
                chunk_ids=[c.id for c in chunks],
            )
            report.added += added
            report.removed += removed
            report.unchanged += len(chunks) - added
        self._write_manifest()

    def _move(self, old_src: str, new_src: str) -> int:
        entry = self.files.pop(old_src)
        ids = entry.chunk_ids
        if ids:
            self._collection().update(ids=ids, metadatas=[{"source": new_src} for _ in ids])
        self.files[new_src] = entry
        self._write_manifest()
        return len(ids)

    def _remove_file(self, src: str) -> int:
        entry = self.files.get(src, FileEntry(state="pending"))
        ids = sorted(set(entry.chunk_ids) | set(entry.pending_ids))
        self.files[src] = entry.model_copy(update={"state": "pending", "pending_ids": ids})
        self._write_manifest()
        self._write_chunks(ids, [])
        del self.files[src]
        self._write_manifest()
        return len(entry.chunk_ids)

    def _repair(self) -> None:
        """Undo files left half-indexed by a crash: their chunks are removed, then redone."""
        for src, entry in list(self.files.items()):
            if entry.state != "complete":
                self._remove_file(src)

    def rebuild(self) -> None:
        """Drop this collection and its keyword index (and other collections' leftovers)."""
        with self.lock():
            for name in [self.collection, *self.other_collections()]:
                with contextlib.suppress(Exception):
                    self.client.delete_collection(name)
                kw = KeywordIndex(self.store / "keyword", name)
                kw.replace(sorted(kw.ids()), [])
                kw.close()
                self.manifest.collections.pop(name, None)
            self.chroma = self._open_collection()
            self._write_manifest()

    # -- reading ----------------------------------------------------------------------------

    def meetings(self) -> list[MeetingInfo]:
        """What is indexed, oldest meeting first."""
        infos = [
            MeetingInfo(
                meeting_id=e.meeting_id,
                title=e.title,
                meeting_date=e.meeting_date,
                source=src,
                sha256=e.sha256,
                chunks=len(e.chunk_ids),
                items=e.items,
                kind=e.kind,
                inventory=e.inventory,
            )
            for src, e in self.files.items()
            if e.state == "complete"
        ]
        return sorted(infos, key=lambda m: (m.meeting_date, m.meeting_id))

    def count(self) -> int:
        return int(self._collection().count())

    def get_chunks(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        if not ids:
            return {}
        res = self._collection().get(ids=ids, include=["documents", "metadatas"])
        return {
            i: (d, dict(m))
            for i, d, m in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
        }
