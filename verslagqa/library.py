"""``Library``: the one object a REPL user needs: open a store, add files, search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .index import Index, IndexReport, MeetingInfo
from .retrieve import Hit, HybridRetriever, SearchFilters
from .settings import Settings

__all__ = ["Library"]


class Library:
    """A collection of indexed verslagen.

    >>> lib = Library.open("vectorstore")          # doctest: +SKIP
    >>> lib.add(["samples/verslagen"])              # doctest: +SKIP
    >>> lib.search("deadline aanlevering CFA")[0]   # doctest: +SKIP
    """

    def __init__(self, index: Index) -> None:
        self.index = index
        self.retriever = HybridRetriever.from_index(index)

    @classmethod
    def open(
        cls,
        store: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
    ) -> Library:
        """Open (or create) the store at ``store`` (default: settings / ./vectorstore)."""
        return cls(Index(settings or Settings(), embeddings=embeddings, store=store))

    def add(self, paths: Iterable[str | Path] | str | Path, *, prune: bool = False) -> IndexReport:
        """Index files or folders; unchanged files cost nothing. Bad files land in ``errors``."""
        if isinstance(paths, str | Path):
            paths = [paths]
        return self.index.add(paths, prune=prune)

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        van: dt.date | str | None = None,
        tot: dt.date | str | None = None,
        meeting: str | None = None,
        item: str | None = None,
    ) -> list[Hit]:
        """The best passages for ``query``, each with meeting, date, item and file."""
        filters = SearchFilters.model_validate(
            {"van": van, "tot": tot, "meeting": meeting, "item": item}
        )
        return self.retriever.search(query, k=k, filters=filters)

    def meetings(self) -> list[MeetingInfo]:
        """What is indexed, oldest first."""
        return self.index.meetings()

    def __repr__(self) -> str:
        return f"Library({str(self.index.store)!r}, meetings={len(self.index.files)})"
