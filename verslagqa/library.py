"""``Library``: the one object a REPL user needs: open a store, add files, search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .answer import Answer, AnswerChain
from .index import Index, IndexReport, MeetingInfo
from .retrieve import Hit, HybridRetriever, SearchFilters
from .settings import Settings

__all__ = ["Library"]


def _filters(
    van: dt.date | str | None, tot: dt.date | str | None, meeting: str | None, item: str | None
) -> SearchFilters:
    return SearchFilters.model_validate({"van": van, "tot": tot, "meeting": meeting, "item": item})


class Library:
    """A collection of indexed verslagen.

    >>> lib = Library.open("vectorstore")          # doctest: +SKIP
    >>> lib.add(["samples/verslagen"])              # doctest: +SKIP
    >>> lib.search("deadline aanlevering CFA")[0]   # doctest: +SKIP
    """

    def __init__(self, index: Index, *, llm: str | None = None) -> None:
        self.index = index
        self.retriever = HybridRetriever.from_index(index)
        self.llm = llm or index.settings.llm
        self._chain: AnswerChain | None = None

    @classmethod
    def open(
        cls,
        store: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
        llm: str | None = None,
    ) -> Library:
        """Open (or create) the store at ``store`` (default: settings / ./vectorstore).

        ``llm`` picks the answer model: 'local' (default), 'local:0.5b', 'extractive',
        'openai:<model>', 'ollama:<model>'.
        """
        return cls(Index(settings or Settings(), embeddings=embeddings, store=store), llm=llm)

    @property
    def chain(self) -> AnswerChain:
        """The answer chain (the chat model is created on first use)."""
        if self._chain is None:
            model = self.index.settings.get_chat_model(self.llm)
            self._chain = AnswerChain(self.retriever, model, model_name=self.llm)
        return self._chain

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        van: dt.date | str | None = None,
        tot: dt.date | str | None = None,
        meeting: str | None = None,
        item: str | None = None,
    ) -> Answer:
        """A short answer in the question's language, every claim cited, or an abstention."""
        return self.chain.ask(question, filters=_filters(van, tot, meeting, item), k=k)

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
        return self.retriever.search(query, k=k, filters=_filters(van, tot, meeting, item))

    def meetings(self) -> list[MeetingInfo]:
        """What is indexed, oldest first."""
        return self.index.meetings()

    def __repr__(self) -> str:
        return f"Library({str(self.index.store)!r}, meetings={len(self.index.files)})"
