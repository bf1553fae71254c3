"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank fusion, with filters."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import BaseModel, ConfigDict, Field

from .chunk import date_ts, page_in_chunk, reference, speaker_in_chunk
from .index import Index

__all__ = ["Hit", "HybridRetriever", "SearchFilters", "rrf_fuse"]

Mode = Literal["hybrid", "dense", "bm25"]


class SearchFilters(BaseModel):
    """Restrict a search: a date range, a meeting (title or id, case-insensitive substring)
    and/or an agenda item label."""

    van: dt.date | None = Field(default=None, description="Meetings on or after this date.")
    tot: dt.date | None = Field(default=None, description="Meetings on or before this date.")
    meeting: str | None = Field(default=None, description="Substring of meeting title or id.")
    item: str | None = Field(default=None, description="Agenda item label, e.g. '3c'.")
    speaker: str | None = Field(
        default=None,
        description="Substring of the speaker of verbatim minutes: a name, party or role "
        "('SP', 'Verdonk', 'wethouder').",
    )

    def is_empty(self) -> bool:
        return not any((self.van, self.tot, self.meeting, self.item, self.speaker))


class Hit(BaseModel):
    """One retrieved chunk with where it came from."""

    chunk_id: str
    meeting_id: str
    meeting_title: str
    meeting_date: str
    item_label: str
    item_title: str
    text: str
    score: float = Field(description="Fused score (RRF) or the single retriever's score.")
    source: str
    dense_score: float | None = Field(default=None, description="Cosine similarity.")
    bm25_score: float | None = None
    start: int = 0
    end: int = 0
    kind: str = Field(default="minutes", description="'minutes', 'email', 'memo', …")
    pages: str = Field(default="", description="Pages of a PDF the chunk spans (see chunk).")
    speakers: str = Field(default="", description="Turns of speech in the chunk (see chunk).")

    def speaker_of(self, quote: str) -> str:
        """Who speaks ``quote`` (a piece of the text) in verbatim minutes; '' if not known."""
        pos = self.text.find(quote)
        return speaker_in_chunk(self.speakers, pos) if pos >= 0 else ""

    def page_of(self, quote: str) -> int | None:
        """The PDF page on which ``quote`` (a piece of the text) stands."""
        pos = self.text.find(quote)
        return page_in_chunk(self.pages, max(pos, 0))

    @property
    def ref(self) -> str:
        """'MT DGLZ breed, 1 maart 2021, punt 3c' (', p. 4' for a PDF)."""
        page = page_in_chunk(self.pages, 0)
        return reference(self.meeting_title, self.meeting_date, self.item_label, page, self.kind)

    def public(self) -> dict[str, Any]:
        return self.model_dump(
            include={
                "meeting_id", "meeting_title", "meeting_date", "item_label", "item_title",
                "text", "score", "source",
            }
        )  # fmt: skip


def rrf_fuse(rankings: list[tuple[list[str], float]], rrf_k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of (ranked ids, weight) lists → ids by fused score."""
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class HybridRetriever(BaseRetriever):
    """LangChain retriever over an :class:`Index` (hybrid, dense-only or BM25-only)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    k: int = 5
    mode: Mode = "hybrid"
    filters: SearchFilters = Field(default_factory=SearchFilters)
    candidates: int = 40
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0

    @classmethod
    def from_index(cls, index: Index, **kwargs: Any) -> HybridRetriever:
        r = index.settings.retrieval
        defaults = dict(
            k=r.k,
            candidates=r.candidates,
            rrf_k=r.rrf_k,
            dense_weight=r.dense_weight,
            bm25_weight=r.bm25_weight,
        )
        return cls(index=index, **{**defaults, **kwargs})

    def _meeting_ids(self, filters: SearchFilters) -> list[str] | None:
        if not filters.meeting:
            return None
        needle = filters.meeting.lower()
        return sorted(
            m.meeting_id
            for m in self.index.meetings()
            if needle in m.title.lower() or needle in m.meeting_id.lower()
        )

    def _where(self, filters: SearchFilters, meeting_ids: list[str] | None) -> dict | None:
        conds: list[dict[str, Any]] = []
        if filters.van:
            conds.append({"meeting_ts": {"$gte": date_ts(filters.van)}})
        if filters.tot:
            conds.append({"meeting_ts": {"$lte": date_ts(filters.tot)}})
        if meeting_ids is not None:
            conds.append({"meeting_id": {"$in": meeting_ids}})
        if filters.item:
            conds.append({"item_label": {"$eq": filters.item}})
        if not conds:
            return None
        return conds[0] if len(conds) == 1 else {"$and": conds}

    def dense(
        self,
        query_vector: list[float],
        n: int,
        filters: SearchFilters,
        meeting_ids: list[str] | None,
    ) -> list[tuple[str, float]]:
        coll: Any = self.index.chroma
        # Chroma's count() costs ~8 ms at 100k chunks; the keyword index holds the same chunks
        # (written in one step with Chroma) and knows its size from its cache
        total = self.index.keyword.count()
        if total == 0:
            return []
        where = self._where(filters, meeting_ids)
        if where is not None or filters.speaker:
            # Chroma's metadata pre-filter costs ~0.5 s at 100k chunks: take more neighbours and
            # filter them on the keyword index's cached columns; the same hits whenever enough
            # of them pass, else (a narrow filter) Chroma filters
            fetch = min(total, n * 8)
            res = coll.query(
                query_embeddings=[query_vector], n_results=fetch, include=["distances"]
            )
            ids, dists = res["ids"][0], res["distances"][0]
            passed = self.index.keyword.filter_ids(
                ids,
                ts_range=(
                    date_ts(filters.van) if filters.van else None,
                    date_ts(filters.tot) if filters.tot else None,
                ),
                meeting_ids=set(meeting_ids) if meeting_ids is not None else None,
                item_label=filters.item,
                speaker=filters.speaker,
            )
            if passed is not None:
                kept = [
                    (i, 1.0 - d / 2.0) for i, d, ok in zip(ids, dists, passed, strict=True) if ok
                ]
                if len(kept) >= n or fetch == total:
                    return kept[:n]
        only: list[str] | None = None
        if filters.speaker:
            # Chroma has no substring filter on metadata: the chunks of the speaker by name
            only = self.index.keyword.speaker_ids(filters.speaker)
            if not only:
                return []
        res = coll.query(
            query_embeddings=[query_vector],
            n_results=min(n, total, len(only) if only is not None else total),
            where=where,
            ids=only,
            include=["distances"],
        )
        # vectors are unit length: squared L2 distance d = 2 - 2·cos
        return [(i, 1.0 - d / 2.0) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def bm25(
        self, query: str, n: int, filters: SearchFilters, meeting_ids: list[str] | None
    ) -> list[tuple[str, float]]:
        return self.index.keyword.search(
            query,
            n,
            ts_range=(
                date_ts(filters.van) if filters.van else None,
                date_ts(filters.tot) if filters.tot else None,
            ),
            meeting_ids=meeting_ids,
            item_label=filters.item,
            speaker=filters.speaker,
        )

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: Mode | None = None,
        query_vector: list[float] | None = None,
    ) -> list[Hit]:
        """The best ``k`` chunks for ``query``."""
        k = k or self.k
        filters = filters or self.filters
        mode = mode or self.mode
        n = max(self.candidates, k)
        meeting_ids = self._meeting_ids(filters)
        if meeting_ids == []:
            return []  # the meeting filter matches nothing
        dense: list[tuple[str, float]] = []
        keyword: list[tuple[str, float]] = []
        # one after the other: each takes a few ms at 100k chunks, less than a thread hand-off
        # costs on 2 busy cores
        if mode in ("hybrid", "bm25"):
            keyword = self.bm25(query, n, filters, meeting_ids)
        if mode in ("hybrid", "dense"):
            vec = query_vector or self.index.embeddings.embed_query(query)
            dense = self.dense(vec, n, filters, meeting_ids)
        if mode == "dense":
            ranked = dense
        elif mode == "bm25":
            ranked = keyword
        else:
            ranked = rrf_fuse(
                [
                    ([i for i, _ in dense], self.dense_weight),
                    ([i for i, _ in keyword], self.bm25_weight),
                ],
                self.rrf_k,
            )
        top = ranked[:k]
        dense_scores = dict(dense)
        bm25_scores = dict(keyword)
        stored = self.index.get_chunks([cid for cid, _ in top])
        hits = []
        for cid, score in top:
            if cid not in stored:
                continue  # keyword index ahead of Chroma after a crash: never show a ghost
            text, meta = stored[cid]
            hits.append(
                Hit(
                    chunk_id=cid,
                    meeting_id=str(meta["meeting_id"]),
                    meeting_title=str(meta["meeting_title"]),
                    meeting_date=str(meta["meeting_date"]),
                    item_label=str(meta["item_label"]),
                    item_title=str(meta["item_title"]),
                    text=text,
                    score=float(score),
                    source=str(meta["source"]),
                    dense_score=dense_scores.get(cid),
                    bm25_score=bm25_scores.get(cid),
                    start=int(meta.get("start", 0)),
                    end=int(meta.get("end", 0)),
                    kind=str(meta.get("kind", "minutes")),
                    pages=str(meta.get("pages", "")),
                    speakers=str(meta.get("speakers", "")),
                )
            )
        return hits

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=h.text,
                id=h.chunk_id,
                metadata=h.model_dump(exclude={"text"}),
            )
            for h in self.search(query)
        ]
