"""BM25 keyword index with a Dutch stemmer, persisted next to Chroma and updated per chunk.

Tokens of every chunk live in SQLite (one transaction per file, so a crash never leaves half a
file); the bm25s matrix is derived from them, saved to disk with the data version it was built
from, and rebuilt only when the data changed.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .dutch import carried, tokenize

__all__ = ["KeywordIndex", "carried", "tokenize"]  # stems re-exported for older imports


def _bm25_scores(retriever: Any, token_ids: list[int]) -> np.ndarray:
    """BM25 of every chunk for the query's token ids, from bm25s's precomputed matrix.

    bm25s adds each token's postings with ``np.add.at`` (unbuffered: ~15 ms for a common
    token at 100k chunks); one ``bincount`` over all postings gives the same sums in ~1 ms.
    """
    matrix = retriever.scores
    indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
    spans = [(int(indptr[t]), int(indptr[t + 1])) for t in token_ids]
    docs = np.concatenate([indices[a:b] for a, b in spans])
    weights = np.concatenate([data[a:b] for a, b in spans]).astype(np.float64)
    counted = np.bincount(docs, weights=weights, minlength=int(matrix["num_docs"]))
    scores: np.ndarray = counted.astype(np.float64, copy=False)
    if getattr(retriever, "nonoccurrence_array", None) is not None:
        scores = scores + float(retriever.nonoccurrence_array[token_ids].sum())
    return scores


def _speaker_names(spans: str) -> str:
    """'0:Rita Verdonk (Hart voor Den Haag)|412:de voorzitter' → the labels, '|'-separated."""
    return "|".join(span.partition(":")[2] for span in spans.split("|") if span)


def _has_speaker(names: str, wanted: str) -> bool:
    """Whether one of the '|'-separated speaker labels holds ``wanted`` as whole words
    ('SP' is not 'SGP'; 'verdonk' is in 'Rita Verdonk (Hart voor Den Haag)')."""
    rx = re.compile(rf"(?<!\w){re.escape(wanted.strip().lower())}(?!\w)")
    return any(rx.search(n) for n in names.lower().split("|"))


class KeywordIndex:
    """Chunk tokens in SQLite plus a cached bm25s index over them."""

    def __init__(self, directory: Path, collection: str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.collection = collection
        self.db_path = self.directory / "keyword.sqlite3"
        # searches run BM25 in a worker thread beside the Chroma query; one lock serialises use
        self._conn = sqlite3.connect(self.db_path, timeout=60, check_same_thread=False)
        self._lock = threading.RLock()
        self._positions: tuple[int, dict[str, int]] | None = None
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS chunks (collection TEXT, id TEXT, meeting_id TEXT, "
            "meeting_ts INTEGER, item_label TEXT, tokens TEXT, PRIMARY KEY (collection, id))"
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS meta (collection TEXT PRIMARY KEY, version INTEGER)"
        )
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(chunks)")}
        if "speakers" not in columns:  # a store from before speakers were kept
            try:
                self._conn.execute("ALTER TABLE chunks ADD COLUMN speakers TEXT DEFAULT ''")
            except sqlite3.OperationalError:
                pass  # another process added it first; a read-only store is read as it is
        self._conn.commit()
        self._cache: tuple[int, Any, list[str], dict[str, np.ndarray]] | None = None

    def close(self) -> None:
        self._conn.close()

    @property
    def version(self) -> int:
        row = self._conn.execute(
            "SELECT version FROM meta WHERE collection=?", (self.collection,)
        ).fetchone()
        return int(row[0]) if row else 0

    def replace(self, remove_ids: list[str], rows: list[tuple[str, dict[str, Any], str]]) -> None:
        """Delete ``remove_ids`` and insert ``(id, metadata, keyword_text)`` rows atomically."""
        with self._lock, self._conn:
            self._conn.executemany(
                "DELETE FROM chunks WHERE collection=? AND id=?",
                [(self.collection, i) for i in remove_ids],
            )
            self._conn.executemany(
                "INSERT OR REPLACE INTO chunks (collection, id, meeting_id, meeting_ts, "
                "item_label, tokens, speakers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        self.collection,
                        cid,
                        str(meta["meeting_id"]),
                        int(meta["meeting_ts"]),
                        str(meta["item_label"]),
                        " ".join(tokenize(text)),
                        _speaker_names(str(meta.get("speakers", ""))),
                    )
                    for cid, meta, text in rows
                ],
            )
            self._conn.execute(
                "INSERT INTO meta VALUES (?, 1) ON CONFLICT(collection) "
                "DO UPDATE SET version = version + 1",
                (self.collection,),
            )

    def ids(self) -> set[str]:
        rows = self._conn.execute("SELECT id FROM chunks WHERE collection=?", (self.collection,))
        return {r[0] for r in rows}

    def _cache_dir(self) -> Path:
        return self.directory / f"bm25-{self.collection}"

    def _load(self) -> tuple[Any, list[str], dict[str, np.ndarray]] | None:
        with self._lock:
            return self._load_locked()

    def _load_locked(self) -> tuple[Any, list[str], dict[str, np.ndarray]] | None:
        import bm25s

        version = self.version
        if self._cache and self._cache[0] == version:
            return self._cache[1], self._cache[2], self._cache[3]
        rows = self._conn.execute(
            "SELECT id, meeting_id, meeting_ts, item_label, tokens, speakers FROM chunks "
            "WHERE collection=? ORDER BY id",
            (self.collection,),
        ).fetchall()
        if not rows:
            self._cache = None
            return None
        ids = [r[0] for r in rows]
        columns = {
            "meeting_id": np.array([r[1] for r in rows], dtype=object),
            "meeting_ts": np.array([r[2] for r in rows], dtype=np.int64),
            "item_label": np.array([r[3] for r in rows], dtype=object),
            "speakers": np.array([(r[5] or "").lower() for r in rows], dtype=object),
        }
        cache_dir = self._cache_dir()
        stamp = cache_dir / "version.json"
        retriever = None
        if stamp.exists():
            try:
                saved = json.loads(stamp.read_text())
                if saved.get("version") == version and saved.get("n") == len(ids):
                    retriever = bm25s.BM25.load(str(cache_dir / "index"))
            except (OSError, ValueError):
                retriever = None
        if retriever is None:
            retriever = bm25s.BM25()
            retriever.index([r[4].split() or ["_"] for r in rows], show_progress=False)
            tmp = cache_dir.with_suffix(".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            retriever.save(str(tmp / "index"))
            (tmp / "version.json").write_text(json.dumps({"version": version, "n": len(ids)}))
            shutil.rmtree(cache_dir, ignore_errors=True)
            tmp.rename(cache_dir)
        self._cache = (version, retriever, ids, columns)
        return retriever, ids, columns

    def filter_ids(
        self,
        ids: list[str],
        *,
        ts_range: tuple[int | None, int | None] = (None, None),
        meeting_ids: set[str] | None = None,
        item_label: str | None = None,
        speaker: str | None = None,
    ) -> list[bool] | None:
        """Which of ``ids`` pass the filters, from the cached columns (None: index empty)."""
        with self._lock:
            loaded = self._load_locked()
            if loaded is None:
                return None
            _, all_ids, cols = loaded
            if self._positions is None or self._positions[0] != self._cache_version():
                self._positions = (self._cache_version(), {c: n for n, c in enumerate(all_ids)})
            where = self._positions[1]
        lo, hi = ts_range
        out = []
        for cid in ids:
            n = where.get(cid)
            if n is None:
                out.append(False)
                continue
            ts = int(cols["meeting_ts"][n])
            out.append(
                (lo is None or ts >= lo)
                and (hi is None or ts <= hi)
                and (meeting_ids is None or cols["meeting_id"][n] in meeting_ids)
                and (item_label is None or cols["item_label"][n] == item_label)
                and (speaker is None or _has_speaker(cols["speakers"][n], speaker))
            )
        return out

    def speaker_ids(self, speaker: str) -> list[str]:
        """Every chunk in which ``speaker`` (a name, party or role) speaks."""
        loaded = self._load()
        if loaded is None:
            return []
        _, ids, cols = loaded
        return [i for i, s in zip(ids, cols["speakers"], strict=True) if _has_speaker(s, speaker)]

    def count(self) -> int:
        """Chunks in this collection (from the cached index: no SQL count per search)."""
        loaded = self._load()
        return len(loaded[1]) if loaded else 0

    def _cache_version(self) -> int:
        return self._cache[0] if self._cache else -1

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        """(stem → number of chunks holding it, number of chunks), cached per data version."""
        version = self.version
        cached = getattr(self, "_df_cache", None)
        if cached and cached[0] == version:
            return cached[1], cached[2]
        with self._lock:
            rows = self._conn.execute(
                "SELECT tokens FROM chunks WHERE collection=?", (self.collection,)
            ).fetchall()
        df: dict[str, int] = {}
        for (tokens,) in rows:
            for t in set(tokens.split()):
                df[t] = df.get(t, 0) + 1
        self._df_cache = (version, df, len(rows))
        return df, len(rows)

    def vocabulary(self) -> frozenset[str]:
        """Every stem that occurs in this collection."""
        loaded = self._load()
        return frozenset(loaded[0].vocab_dict) if loaded else frozenset()

    def search(
        self,
        query: str,
        k: int,
        *,
        ts_range: tuple[int | None, int | None] = (None, None),
        meeting_ids: list[str] | None = None,
        item_label: str | None = None,
        speaker: str | None = None,
    ) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, BM25 score) pairs with score > 0, honouring the filters."""
        loaded = self._load()
        tokens = tokenize(query)
        if loaded is None or not tokens:
            return []
        retriever, ids, cols = loaded
        mask = np.ones(len(ids), dtype=bool)
        lo, hi = ts_range
        if lo is not None:
            mask &= cols["meeting_ts"] >= lo
        if hi is not None:
            mask &= cols["meeting_ts"] <= hi
        if meeting_ids is not None:
            mask &= np.isin(cols["meeting_id"], np.array(meeting_ids, dtype=object))
        if item_label is not None:
            mask &= cols["item_label"] == item_label
        if speaker:
            mask &= np.array([_has_speaker(s, speaker) for s in cols["speakers"]], dtype=bool)
        if not mask.any():
            return []
        vocab = retriever.vocab_dict
        known = [int(vocab[t]) for t in tokens if t in vocab]
        if not known:
            return []
        scores = _bm25_scores(retriever, known)
        scores[~mask] = 0.0
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        # best first; equal scores in index order, so a search is reproducible
        top = top[np.lexsort((top, -scores[top]))]
        return [(ids[int(d)], float(scores[d])) for d in top]
