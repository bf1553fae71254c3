"""``Library``: the one object a REPL user needs: open a store, add files, search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from .actions import extract_actions, filter_actions
from .answer import Answer, AnswerChain
from .errors import MeetingNotFound
from .index import Index, IndexReport, MeetingInfo
from .parse import VerslagParseError, file_of, parse_verslag
from .retrieve import Hit, HybridRetriever, SearchFilters
from .schemas import ActionItem, Decision, Meeting, MeetingSummary, TrackedAction
from .settings import Settings
from .summarize import SummaryCache, summarize_meeting
from .tracking import (
    SeriesMap,
    group_series,
    select_decisions,
    select_tracked,
    series_decisions,
    track_actions,
)

__all__ = ["Library"]


def _filters(
    van: dt.date | str | None,
    tot: dt.date | str | None,
    meeting: str | None,
    item: str | None,
    speaker: str | None = None,
) -> SearchFilters:
    return SearchFilters.model_validate(
        {"van": van, "tot": tot, "meeting": meeting, "item": item, "speaker": speaker}
    )


def resolve_meeting(index: Index, ref: str | Path) -> Meeting:
    """Parse the verslag behind a meeting id in ``index`` (or the file ``ref`` itself)."""
    if Path(file_of(str(ref))).is_file():  # a file, or one document of it ('x.pdf#pages=3-4')
        return parse_verslag(ref, settings=index.settings)
    infos = index.meetings()
    exact = [i for i in infos if i.meeting_id == str(ref)]
    matches = exact or [i for i in infos if i.meeting_id.startswith(str(ref))]
    if not matches:
        raise MeetingNotFound(f"no meeting {str(ref)!r} in {index.store} and no such file")
    if len(matches) > 1:
        ids = ", ".join(i.meeting_id for i in matches[:5])
        raise MeetingNotFound(f"{str(ref)!r} matches several meetings: {ids}")
    info = matches[0]
    if not Path(file_of(info.source)).is_file():
        raise MeetingNotFound(
            f"{info.meeting_id}: its file {info.source} is gone; re-index the folder"
        )
    try:
        m = parse_verslag(info.source, settings=index.settings)
    except VerslagParseError as exc:
        raise MeetingNotFound(
            f"{info.meeting_id}: {info.source} changed since indexing; re-index it ({exc.reason})"
        ) from None
    if m.sha256 != info.sha256:
        raise MeetingNotFound(
            f"{info.meeting_id}: {info.source} changed since indexing; re-index it"
        )
    m.meeting_id = info.meeting_id
    m.inventory = m.inventory or info.inventory
    return m


class Library:
    """A collection of indexed verslagen.

    >>> lib = Library.open("vectorstore")          # doctest: +SKIP
    >>> lib.add(["samples/verslagen"])              # doctest: +SKIP
    >>> lib.search("deadline aanlevering CFA")[0]   # doctest: +SKIP
    """

    def __init__(
        self,
        index: Index,
        *,
        llm: str | None = None,
        chat_model: BaseChatModel | None = None,
    ) -> None:
        self.index = index
        self.retriever = HybridRetriever.from_index(index)
        self.chat_model = chat_model
        self.llm = llm or ("custom" if chat_model is not None else index.settings.llm)
        self._chain: AnswerChain | None = None

    @classmethod
    def open(
        cls,
        store: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
        llm: str | None = None,
        chat_model: BaseChatModel | None = None,
    ) -> Library:
        """Open (or create) the store at ``store`` (default: settings / ./vectorstore).

        ``llm`` picks the answer model: 'local' (default), 'local:0.5b', 'extractive',
        'openai:<model>', 'ollama:<model>'; or pass any LangChain ``chat_model`` (and
        ``embeddings``) object directly.
        """
        index = Index(settings or Settings(), embeddings=embeddings, store=store)
        return cls(index, llm=llm, chat_model=chat_model)

    @property
    def chain(self) -> AnswerChain:
        """The answer chain (the chat model is created on first use)."""
        if self._chain is None:
            model = self.chat_model or self.index.settings.get_chat_model(self.llm)
            self._chain = AnswerChain(
                self.retriever, model, model_name=self.llm, settings=self.index.settings.answer
            )
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
        speaker: str | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """A short answer in the question's language, every claim cited, or an abstention.
        ``speaker`` keeps to what one speaker (name, party or role) said in verbatim minutes.
        ``on_token`` receives the model's words as they are generated (before the checks)."""
        flt = _filters(van, tot, meeting, item, speaker)
        return self.chain.ask(question, filters=flt, k=k, on_token=on_token)

    def warm(self) -> None:
        """Load the models and read the answer prompt's fixed part now (a REPL does this while
        the user types its first question)."""
        self.chain.warm()

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
        speaker: str | None = None,
    ) -> list[Hit]:
        """The best passages for ``query``, each with meeting, date, item and file;
        ``speaker`` (name, party or role) keeps to what one speaker said."""
        flt = _filters(van, tot, meeting, item, speaker)
        return self.retriever.search(query, k=k, filters=flt)

    def meetings(self) -> list[MeetingInfo]:
        """What is indexed, oldest first."""
        return self.index.meetings()

    def meeting(self, ref: str | Path) -> Meeting:
        """A meeting by id (or unique id prefix) in the store, or a verslag file path."""
        return resolve_meeting(self.index, ref)

    def summarize(
        self, meeting: str | Path, *, llm: str | None = None, refresh: bool = False
    ) -> MeetingSummary:
        """Structured summary with action items; cached in the store per meeting and model."""
        model = self.chat_model if llm is None else None
        return summarize_cached(
            self.meeting(meeting), self.index.settings, llm or self.llm, refresh=refresh,
            chat_model=model,
        )  # fmt: skip

    def actions(
        self,
        *,
        owner: str | None = None,
        van: dt.date | str | None = None,
        tot: dt.date | str | None = None,
        meeting: str | None = None,
        status: str | None = None,
        series: str | None = None,
        as_of: dt.date | None = None,
        all_documents: bool = False,
    ) -> list[ActionItem] | list[TrackedAction]:
        """Action items across the indexed meetings (deterministic, no model).

        Without ``status``/``series``: every meeting's action records. With ``status``
        ('open', 'closed', 'all') or ``series``: actions followed across the meetings of each
        series (``TrackedAction``: owner, age in days at ``as_of``, last mention, the quote of
        every step), oldest first. Minutes only, unless ``all_documents`` (e-mails, memos of a
        Woo release too)."""
        if status is not None or series is not None:
            return self.tracked_actions(status=status, series=series, owner=owner, as_of=as_of)
        flt = _filters(van, tot, meeting, None)
        found: list[ActionItem] = []
        for info in self.meetings():
            if info.kind != "minutes" and not all_documents:
                continue
            if meeting and meeting.lower() not in (info.meeting_id + " " + info.title).lower():
                continue
            found.extend(extract_actions(resolve_meeting(self.index, info.meeting_id)))
        return filter_actions(found, owner=owner, van=flt.van, tot=flt.tot)

    # -- series: actions and decisions across meetings ----------------------------------------

    @property
    def series_map(self) -> SeriesMap:
        """The user's series assignments, kept beside the index (``series.json``)."""
        return SeriesMap(Path(self.index.store) / "series.json")

    def _all_meetings(self) -> list[Meeting]:
        """Every indexed minutes (series, tracking and decisions are about meetings)."""
        return [
            resolve_meeting(self.index, i.meeting_id)
            for i in self.meetings()
            if i.kind == "minutes"
        ]

    def series(self) -> dict[str, list[str]]:
        """Series name → its meeting ids, oldest first (detected from titles, or assigned)."""
        grouped = group_series(self._all_meetings(), self.series_map.assigned)
        return {name: [m.meeting_id for m in ms] for name, ms in grouped.items()}

    def set_series(self, meeting: str, series: str | None) -> None:
        """Put ``meeting`` (an id) in ``series``; ``None`` returns it to the detected one."""
        info = resolve_meeting(self.index, meeting)
        self.series_map.assign(info.meeting_id, series)

    def tracked_actions(
        self,
        *,
        status: str | None = None,
        series: str | None = None,
        owner: str | None = None,
        as_of: dt.date | None = None,
    ) -> list[TrackedAction]:
        """Actions followed across meetings; see :meth:`actions`."""
        cfg = self.index.settings.tracking
        tracked = track_actions(
            self._all_meetings(), settings=cfg, assigned=self.series_map.assigned,
            embeddings=self.index.embeddings if cfg.embeddings else None, as_of=as_of,
        )  # fmt: skip
        return select_tracked(tracked, status=status, series=series, owner=owner)

    def closed_by(self, meeting: str) -> list[TrackedAction]:
        """Earlier actions that ``meeting`` (an id) closed."""
        mid = resolve_meeting(self.index, meeting).meeting_id
        return [
            t for t in self.tracked_actions(status="all")
            if t.steps[0].meeting_id != mid
            and any(s.meeting_id == mid and s.event == "closed" for s in t.steps)
        ]  # fmt: skip

    def decisions(
        self,
        *,
        series: str | None = None,
        van: dt.date | str | None = None,
        tot: dt.date | str | None = None,
    ) -> list[Decision]:
        """Decisions and agreements ('besloten', 'Besluit:', 'akkoord', besluitenlijsten)
        with their series, meeting, item and quote, oldest first."""
        flt = _filters(van, tot, None, None)
        found = series_decisions(self._all_meetings(), self.series_map.assigned)
        return select_decisions(found, series=series, van=flt.van, tot=flt.tot)

    def __repr__(self) -> str:
        return f"Library({str(self.index.store)!r}, meetings={len(self.index.files)})"


def summarize_cached(
    meeting: Meeting,
    settings: Settings,
    spec: str | None = None,
    *,
    refresh: bool = False,
    chat_model: BaseChatModel | None = None,
) -> MeetingSummary:
    """The summary of ``meeting`` by model ``spec`` (default: settings), cached in the store
    directory per meeting hash, model and settings; needs no index (nor embedding model)."""
    spec = spec or settings.llm
    implied = settings.summary.implied_actions
    key = spec + ("+implied" if implied else "")
    cache = SummaryCache(Path(settings.store))
    if not refresh:
        cached = cache.get(meeting.sha256, key)
        if cached is not None:
            return cached
    model = chat_model or settings.get_chat_model(spec)
    summary, _ = summarize_meeting(meeting, model, model_name=spec, implied_actions=implied)
    cache.put(meeting.sha256, key, summary)
    return summary
