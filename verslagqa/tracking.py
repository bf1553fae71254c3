"""Follow actions across meetings: series, links between meetings, a status history per action.

A *series* is the meetings of one body: the same title once the generic words ('verslag',
'notulen', 'concept', dates) are gone, or what the user assigned (``series.json`` in the store).
Within a series, meetings are read oldest first. An action of a later meeting is the same
action as an earlier, still open one when both carry the same meeting-qualified number
('324/01'), else when their descriptions are alike (embedding cosine, or shared Dutch stems
without an embedding model), with a lower bar when an owner is the same. A sentence of a later
meeting that is alike an open action is a mention of it; one that says it is done ('afgerond',
'gesloten') closes it. Every step keeps its quote. Code finds every candidate; nothing here
asks a language model.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .actions import QUALIFIED_NUMBER, extract_actions, filter_actions
from .dutch import carried, split_sentences, tokenize
from .safety import is_injection
from .schemas import ActionItem, ActionStep, Decision, Meeting, TrackedAction
from .settings import TrackingSettings
from .votes import decision_in, find_votes

__all__ = [
    "SeriesMap",
    "extract_decisions",
    "group_series",
    "series_key",
    "track_actions",
]

# words that name the kind of document or meeting, not the body that meets
_GENERIC = {
    "verslag", "verslagen", "notulen", "concept", "conceptverslag", "samenvatting", "agenda",
    "en", "van", "de", "het", "der", "den", "des", "te", "inzake", "over", "bijlage", "document",
    "vergadering", "bijeenkomst", "definitief", "openbaar", "geanonimiseerd", "actiepuntenlijst",
    "besluitenlijst", "logius",
}  # fmt: skip
_SUFFIX = re.compile(r"(?<=\w{3})(?:vergadering|bijeenkomst|overleg|verslag|notulen)$")
_MONTH_OR_NUMBER = re.compile(
    r"^(?:\d+|jan\w*|feb\w*|maa\w*|apr\w*|mei|jun\w*|jul\w*|aug\w*|sep\w*|okt\w*|oct\w*|nov\w*"
    r"|dec\w*)$"
)
_CLOSING = re.compile(
    r"\b(afgerond|gesloten|gereed|afgehandeld|voltooid|uitgevoerd|opgeleverd|verstuurd"
    r"|rondgestuurd|gedaan|done|closed|kan van de (?:actie)?lijst)\b",
    re.I,
)
# a sentence that reports on an action says where it stands; one that only names the topic
# is a discussion, not a mention
_PROGRESS = re.compile(
    r"\b(nog|staat open|loopt|lopend|in gesprek|in behandeling|volgt|voortgang|status|opgepakt"
    r"|aangeleverd|besproken|wacht|wachten|uitgesteld|vertraagd|doorgeschoven|herhaald|actie"
    r"|actiepunt|terugkoppeling|gereed|klaar)\b",
    re.I,
)
_NEGATED = re.compile(r"\b(niet|nog geen|geen|nog niet)\s+(?:\w+\s+){0,2}$", re.I)
# a number that names its meeting ('324/01'); a bare '2' restarts every meeting
_QUALIFIED_NUMBER = re.compile(rf"^{QUALIFIED_NUMBER}")


def series_key(title: str) -> str:
    """'Verslag Technisch Overleg Digikoppeling' → 'technisch overleg digikoppeling'."""
    words = [_SUFFIX.sub("", w) or w for w in re.findall(r"[a-z0-9à-ÿ]+", title.lower())]
    kept = [w for w in words if w not in _GENERIC and not _MONTH_OR_NUMBER.match(w)]
    return " ".join(kept) or title.strip().lower()


def _within(word: str, words: set[str]) -> bool:
    """The word, or a compound that holds it ('klankbord' in 'klankbordoverleg'; not 'groep'
    for 'werkgroep': the wider word must be the other title's)."""
    return word in words or (len(word) >= 5 and any(word in w for w in words))


def _merge_keys(keys: set[str]) -> dict[str, str]:
    """Each key → the key of its series: a title whose words all stand in exactly one longer
    title ('rvb' in 'rvb vrijdag', 'bomos klankbord' in 'bomos klankbordoverleg') is that
    series; in two or more it is ambiguous and stays apart."""
    words = {k: set(k.split()) for k in keys}
    parent: dict[str, str] = {}
    for k in keys:
        wider = [
            other for other in keys
            if other != k and len(words[other]) >= len(words[k])
            and all(_within(w, words[other]) for w in words[k])
        ]  # fmt: skip
        if len(wider) == 1:
            parent[k] = wider[0]
    out = {}
    for k in keys:
        root, seen = k, {k}
        while root in parent and parent[root] not in seen:
            root = parent[root]
            seen.add(root)
        out[k] = root
    return out


class SeriesMap:
    """The user's series assignments (meeting id → series name), kept in ``series.json``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.assigned: dict[str, str] = {}
        if path is not None and path.exists():
            self.assigned = dict(json.loads(path.read_text(encoding="utf-8")))

    def assign(self, meeting_id: str, series: str | None) -> None:
        """Put a meeting in ``series`` (None: back to the detected series); saved at once."""
        if series:
            self.assigned[meeting_id] = series
        else:
            self.assigned.pop(meeting_id, None)
        if self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.assigned, ensure_ascii=False, indent=1), "utf-8")
            tmp.replace(self.path)


def group_series(
    meetings: Iterable[Meeting], assigned: dict[str, str] | None = None
) -> dict[str, list[Meeting]]:
    """Series name → its meetings, oldest first. A detected series is named by its most
    common title; an assigned one by the name the user gave."""
    assigned = assigned or {}
    meetings = list(meetings)
    merged = _merge_keys({series_key(m.title) for m in meetings if m.meeting_id not in assigned})
    groups: dict[str, list[Meeting]] = {}
    for m in meetings:
        key = assigned.get(m.meeting_id) or "\0" + merged[series_key(m.title)]
        groups.setdefault(key, []).append(m)
    named: dict[str, list[Meeting]] = {}
    for key, ms in groups.items():
        titles = Counter(m.title for m in ms)
        name = key if not key.startswith("\0") else titles.most_common(1)[0][0]
        while name in named:  # two keys with the same most common title
            name += " "
        named[name] = sorted(ms, key=lambda m: (m.meeting_date or dt.date.min, m.meeting_id))
    return named


# -- similarity ---------------------------------------------------------------------------------

Similarity = Callable[[str, Sequence[str]], list[float]]


_URL = re.compile(r"https?://\S+|www\.\S+")


def _words(text: str) -> list[tuple[str, str]]:
    """(stem, word) pairs; a link's path is no description."""
    text = _URL.sub(" ", text)
    return [(tokenize(w)[0], w.lower()) for w in re.findall(r"\w+", text) if tokenize(w)]


def lexical_similarity(text: str, others: Sequence[str]) -> list[float]:
    """Share of the shorter side's words that the other side carries: the same stem, or one
    word inside the other ('delegatie' in 'delegatievoorstel', which stem apart)."""
    a = _words(text)
    out = []
    for other in others:
        b = _words(other)
        if not a or not b:
            out.append(0.0)
            continue
        short, long_ = (a, b) if len(a) <= len(b) else (b, a)
        stems, words = {s for s, _ in long_}, {w for _, w in long_}
        shared = sum(carried(s, stems) or carried(w, words) for s, w in dict(short).items())
        # one shared word between two short lines is chance, not the same action
        out.append(shared / len(dict(short)) if shared >= 2 else 0.0)
    return out


def embedding_similarity(embeddings: Any) -> Similarity:
    """Cosine between embedding vectors, each text embedded once."""
    import numpy as np

    cache: dict[str, Any] = {}

    def vectors(texts: Sequence[str]) -> list[Any]:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            for t, v in zip(todo, embeddings.embed_documents(todo), strict=True):
                arr = np.asarray(v, dtype=float)
                cache[t] = arr / (np.linalg.norm(arr) or 1.0)
        return [cache[t] for t in texts]

    def similarity(text: str, others: Sequence[str]) -> list[float]:
        if not others:
            return []
        va, *vb = vectors([text, *others])
        return [float(va @ v) for v in vb]

    return similarity


# -- tracking ---------------------------------------------------------------------------------


@dataclass
class _Open:
    action: TrackedAction
    texts: list[str] = field(default_factory=list)  # every description it was recorded with
    owners: set[str] = field(default_factory=set)
    last_record_status: str | None = None


def _owners(names: Iterable[str]) -> set[str]:
    return {n.lower().strip() for n in names if n.strip()}


def _closing(sentence: str) -> bool:
    m = _CLOSING.search(sentence)
    return m is not None and not _NEGATED.search(sentence[: m.start()])


def _step(meeting: Meeting, event: str, quote: str, label: str, how: str) -> ActionStep:
    return ActionStep(
        meeting_id=meeting.meeting_id, meeting_date=meeting.meeting_date, event=event,
        quote=quote, item_label=label, how=how,
    )  # fmt: skip


def _item_sentences(meeting: Meeting, skip: set[str]) -> list[tuple[str, str]]:
    """(sentence, item label) of the meeting, without the lines that are action records."""
    out = []
    for item in meeting.items or []:
        for s in split_sentences(item.text):
            s = s.strip().lstrip("-*•| ").strip()
            if len(s.split()) >= 3 and not any(s in q or q in s for q in skip):
                out.append((s, item.label))
    return out


def _link_scores(
    a: ActionItem, cands: list[_Open], sim: Similarity, cfg: TrackingSettings, lexical: bool
) -> list[float]:
    """How far each open action is above its bar for ``a`` (negative: no link). By meaning:
    alike enough on its own, or alike and sharing words; an owner in common lowers the bars."""
    texts = [c.texts[-1] for c in cands]
    words = lexical_similarity(a.description, texts)
    meaning = words if lexical else sim(a.description, texts)
    scores = []
    for c, m, w in zip(cands, meaning, words, strict=True):
        bonus = cfg.same_owner_bonus if _owners(a.owners) & c.owners else 0.0
        if lexical:
            scores.append(w + bonus - cfg.lexical_link)
            continue
        alone = m + bonus - cfg.min_similarity
        with_words = min(m + bonus - cfg.min_similarity_shared, w - cfg.min_shared_words)
        scores.append(max(alone, with_words))
    return scores


def track_actions(
    meetings: Iterable[Meeting],
    *,
    settings: TrackingSettings | None = None,
    assigned: dict[str, str] | None = None,
    embeddings: Any = None,
    similarity: Similarity | None = None,
    as_of: dt.date | None = None,
) -> list[TrackedAction]:
    """Every action of ``meetings``, linked across the meetings of each series, with its
    status history; ``embeddings`` (a LangChain ``Embeddings``) makes the links by meaning,
    without it shared stems decide (``similarity``: an ``embedding_similarity`` to reuse)."""
    cfg = settings or TrackingSettings()
    lexical = embeddings is None and similarity is None
    sim: Similarity = similarity or (
        lexical_similarity if embeddings is None else embedding_similarity(embeddings)
    )
    as_of = as_of or dt.date.today()
    out: list[TrackedAction] = []
    for name, series in group_series(meetings, assigned).items():
        opened: list[_Open] = []
        for meeting in series:
            records = extract_actions(meeting)
            for a in records:
                earlier = [
                    k for k, o in enumerate(opened)
                    if o.action.steps[-1].meeting_id != meeting.meeting_id  # one link a meeting
                ]  # fmt: skip
                hit = None
                if a.number and _QUALIFIED_NUMBER.match(a.number):
                    hit = next((k for k in earlier if opened[k].action.number == a.number), None)
                    how = "number"
                if hit is None and earlier:
                    scores = _link_scores(a, [opened[k] for k in earlier], sim, cfg, lexical)
                    best = max(range(len(earlier)), key=lambda j: scores[j])
                    if scores[best] >= 0:
                        hit, how = earlier[best], "similar"
                event = "closed" if a.status == "closed" else "mentioned"
                if hit is None:
                    o = _Open(
                        TrackedAction(
                            series=name, number=a.number, owners=a.owners,
                            description=a.description, status="open",
                            first_seen=meeting.meeting_date, last_seen=meeting.meeting_date,
                            due_date=a.due_date, due_text=a.due_text, steps=[],
                        )
                    )  # fmt: skip
                    opened.append(o)
                    hit, how = len(opened) - 1, "first"
                    event = "closed" if a.status == "closed" else "opened"
                o = opened[hit]
                o.action.steps.append(_step(meeting, event, a.source_quote, a.item_label, how))
                o.texts.append(a.description)
                o.owners |= _owners(a.owners)
                o.last_record_status = a.status
                t = o.action
                t.owners = a.owners or t.owners
                t.description, t.last_seen = a.description, meeting.meeting_date
                t.due_date, t.due_text = a.due_date or t.due_date, a.due_text or t.due_text
                t.number = t.number or a.number
            _mentions(meeting, records, opened, sim, cfg, lexical)
        for o in opened:
            t = o.action
            t.status = "closed" if t.steps[-1].event == "closed" else "open"
            if t.status == "open" and any(s.event == "closed" for s in t.steps):
                # mentioned after it was closed: still closed unless a record says open again
                t.status = "open" if o.last_record_status == "open" else "closed"
            if t.status == "open" and t.first_seen:
                t.age_days = (as_of - t.first_seen).days
            out.append(t)
    return out


def _mentions(
    meeting: Meeting,
    records: list[ActionItem],
    opened: list[_Open],
    sim: Similarity,
    cfg: TrackingSettings,
    lexical: bool,
) -> None:
    """Sentences of ``meeting`` that speak of an earlier open action: a mention, or a
    closing when the sentence says it is done."""
    # an action with a record in this meeting may also be reported on in its text
    waiting = [
        k for k, o in enumerate(opened)
        if o.action.steps[0].meeting_id != meeting.meeting_id
        and not any(s.event == "closed" for s in o.action.steps)
    ]  # fmt: skip
    if not waiting:
        return
    sentences = _item_sentences(meeting, {r.source_quote for r in records})
    if not sentences:
        return
    texts = [s for s, _ in sentences]
    bar = cfg.lexical_mention if lexical else cfg.min_mention_similarity
    # a report on an action says where it stands; the model compares only those sentences
    closing = {j for j, t in enumerate(texts) if _closing(t)}
    reporting = [j for j, t in enumerate(texts) if j in closing or _PROGRESS.search(t)]
    taken: set[int] = set()
    for k in waiting:
        o = opened[k]
        recorded = list(dict.fromkeys(o.texts))  # every wording the action was recorded with
        # a mention shares words with the action, not only meaning
        shares = {j: max(lexical_similarity(texts[j], recorded)) for j in reporting}
        cands = [j for j in reporting if j not in taken and shares[j] >= cfg.mention_min_shared]
        if not cands:
            continue
        per_text = [sim(t, [texts[j] for j in cands]) for t in recorded]
        scores = [max(col) for col in zip(*per_text, strict=True)]
        best = max(range(len(cands)), key=lambda i: scores[i])
        if scores[best] < bar:
            continue
        j = cands[best]
        taken.add(j)
        event = "closed" if j in closing else "mentioned"
        o.action.steps.append(_step(meeting, event, texts[j], sentences[j][1], "text"))
        o.action.last_seen = meeting.meeting_date


def select_tracked(
    tracked: Iterable[TrackedAction],
    *,
    status: str | None = None,
    series: str | None = None,
    owner: str | None = None,
) -> list[TrackedAction]:
    """Tracked actions by status ('open', 'closed', None for all), series (contains, case-
    insensitive) and owner (as ``filter_actions``); oldest first."""
    out = []
    for t in tracked:
        if status and status != "all" and t.status != status:
            continue
        if series and series.lower() not in t.series.lower():
            continue
        if owner and not filter_actions([_as_item(t)], owner=owner):
            continue
        out.append(t)
    return sorted(out, key=lambda t: (t.first_seen or dt.date.min, t.series, t.description))


def _as_item(t: TrackedAction) -> ActionItem:
    last = t.steps[-1]
    return ActionItem(
        owners=t.owners, description=t.description, item_label=last.item_label,
        source_quote=last.quote, meeting_id=last.meeting_id, meeting_date=last.meeting_date,
    )  # fmt: skip


# -- decisions -----------------------------------------------------------------------------------

_DECISION_LIST = re.compile(
    r"^\W*(?:genomen\s+)?(?:besluiten|besluitenlijst|besloten|besluit)\s*:?\W*$", re.I
)


def _spoken(meeting: Meeting, offset: int) -> bool:
    """Whether ``offset`` lies in a turn of speech of verbatim minutes (turns are in order)."""
    k = bisect.bisect_right([t.start for t in meeting.speakers], offset) - 1
    return k >= 0 and offset < meeting.speakers[k].end


def extract_decisions(meeting: Meeting, series: str = "") -> list[Decision]:
    """Decisions of ``meeting``: votes and decision-list rows with their outcome
    (:func:`find_votes`), then sentences that record one ('besloten', 'Besluit:', 'akkoord',
    'afgesproken') and the entries of a decisions list."""
    out: list[Decision] = find_votes(meeting, series)
    seen: set[str] = set()
    recorded = [d.source_quote for d in out]
    for item in meeting.items or []:
        sentences = [x.strip().lstrip("-*• ").strip() for x in split_sentences(item.text)]
        found = [
            s for s in dict.fromkeys(sentences)
            if s and decision_in(s) and not is_injection(s) and not any(s in q for q in recorded)
            # 'besluit' in a speech is no decision of the meeting: the votes are
            and not _spoken(meeting, item.start + max(item.text.find(s), 0))
        ]  # fmt: skip
        lines = item.text.split("\n")
        for i, line in enumerate(lines):
            if _DECISION_LIST.match(line.strip()):
                for entry in lines[i + 1 :]:
                    e = entry.strip()
                    if not re.match(r"^(?:[-*•–]|\d{1,2}[.)])\s*\S", e):
                        if e:
                            break
                        continue
                    found.append(re.sub(r"^(?:[-*•–]|\d{1,2}[.)])\s*", "", e))
        for sentence in found:
            quote = sentence.strip()
            if quote in seen:
                continue
            seen.add(quote)
            desc = re.sub(r"^\W*(?:besluit|besloten|conclusie)\W*:\W*", "", quote, flags=re.I)
            out.append(
                Decision(
                    description=desc.strip("*_ ") or quote, source_quote=quote,
                    item_label=item.label, meeting_id=meeting.meeting_id,
                    meeting_date=meeting.meeting_date, series=series,
                    outcome=decision_in(quote) or "adopted",  # a decisions list's entry: taken
                    page=meeting.page_at(item.start + max(item.text.find(quote), 0)),
                )
            )  # fmt: skip
    return out


def select_decisions(
    decisions: Iterable[Decision],
    *,
    series: str | None = None,
    van: dt.date | None = None,
    tot: dt.date | None = None,
) -> list[Decision]:
    """Decisions of a series (contains, case-insensitive) in a range of meeting dates."""
    out = []
    for d in decisions:
        if series and series.lower() not in d.series.lower():
            continue
        if van and (d.meeting_date is None or d.meeting_date < van):
            continue
        if tot and (d.meeting_date is None or d.meeting_date > tot):
            continue
        out.append(d)
    return out


def series_decisions(
    meetings: Iterable[Meeting], assigned: dict[str, str] | None = None
) -> list[Decision]:
    """Every decision of ``meetings``, with the series each belongs to, oldest first."""
    out: list[Decision] = []
    for name, series in group_series(meetings, assigned).items():
        for m in series:
            out.extend(extract_decisions(m, name))
    return sorted(out, key=lambda d: (d.meeting_date or dt.date.min, d.meeting_id))
