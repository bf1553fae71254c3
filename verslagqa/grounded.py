"""The evidence an answer rests on: source sentences, chosen, numbered, and attributed.

Retrieved chunks are grouped into one source per agenda item; of each source the sentences most
related to the question are shown to the model, numbered (``2.3``). The model replies in
constrained JSON: the ids of the sentences that answer (only ids that were shown can be written:
the grammar enumerates them) and a short answer in their words. Code then finds, among every
shown sentence, the one (or two adjacent ones) that carry the answer's words, numbers and names
(:func:`attribute`): the model's ids are a hint, not the record — a small model often writes the
right answer and points at the wrong sentence. The quote is taken from the source by code; it
cannot be invented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .chunk import count_tokens, page_in_chunk, page_spans, speaker_in_chunk
from .dutch import split_sentences, tokenize
from .retrieve import Hit
from .safety import is_injection

if TYPE_CHECKING:
    from .checks import Check, Draft

__all__ = [
    "NumberedSentence",
    "Relevance",
    "attribute",
    "embedding_relevance",
    "format_numbered",
    "group_hits",
    "lexical_relevance",
    "number_sentences",
    "select_context",
    "sentence_schema",
    "source_sentences",
]


def source_sentences(text: str) -> list[str]:
    """The sentences of a source, one list item per sentence; lines that try to instruct the
    model (see :mod:`verslagqa.safety`) are left out."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip().lstrip("-").strip()
        if line:
            out.extend(s for s in split_sentences(line) if not is_injection(s))
    return out


def overlap(query_stems: set[str], sentence: str) -> float:
    """How many of ``query_stems`` the sentence holds."""
    return float(len(query_stems & set(tokenize(sentence))))


#: Scores sentences against a question, in "shared terms" units (1 ≈ one shared term).
Relevance = Callable[[list[str]], list[float]]


def lexical_relevance(question: str) -> Relevance:
    """Sentence relevance as the number of question stems a sentence shares."""
    q = set(tokenize(question))
    return lambda sentences: [overlap(q, s) for s in sentences]


def embedding_relevance(question: str, embeddings: Any) -> Relevance:
    """Sentence relevance by embedding similarity, for a question in another language than the
    minutes (an English question shares no stems with Dutch sentences). Cosines are put on the
    lexical scale: ten times their height above the median of the sentences scored."""
    import numpy as np

    q = np.asarray(embeddings.embed_query(question), dtype=float)
    cache: dict[str, float] = {}

    def score(sentences: list[str]) -> list[float]:
        new = [s for s in dict.fromkeys(sentences) if s not in cache]
        if new:
            vecs = np.asarray(embeddings.embed_documents(new), dtype=float)
            cache.update(zip(new, (vecs @ q).tolist(), strict=True))
        if not cache:
            return []
        floor = float(np.median(list(cache.values())))
        return [max(0.0, 10.0 * (cache[s] - floor)) for s in sentences]

    return score


def group_hits(hits: list[Hit], max_sources: int) -> list[tuple[Hit, list[Hit]]]:
    """One source per agenda item: the chunks of one item merged into one text.

    Chunks carry their place in the meeting text, so overlapping windows are joined where
    they overlap and the merged text is the meeting's own text. Merging by lines instead
    ("each line once") also dropped every later copy of a line that recurs in the item: a
    redacted name on a line of its own, an "Actie:" line.
    """
    groups: dict[tuple[str, str], list[Hit]] = {}
    for h in hits:
        key = (h.meeting_id, h.item_label)
        if key in groups or len(groups) < max_sources:
            groups.setdefault(key, []).append(h)
    out = []
    for members in groups.values():
        ordered = sorted(members, key=lambda x: x.start)
        placed = all(h.end > h.start and h.end - h.start == len(h.text) for h in ordered)
        text, pages, turns = _merge_by_offset(ordered) if placed else _merge_by_line(ordered)
        merged = members[0].model_copy(update={"text": text, "pages": pages, "speakers": turns})
        out.append((merged, members))
    return out


def _merge_by_offset(ordered: list[Hit]) -> tuple[str, str, str]:
    parts: list[str] = []
    starts: list[tuple[int, int | None]] = []  # (offset in the merged text, PDF page)
    turns: list[str] = []  # (offset in the merged text: speaker) of verbatim minutes
    pos, cursor = 0, -1
    for h in ordered:
        skip = max(0, cursor - h.start)
        if skip >= len(h.text):
            continue  # wholly inside what is already there
        if parts and h.start > cursor:  # a gap between two chunks: the text between is unseen
            parts.append("\n")
            pos += 1
        starts.append((pos, page_in_chunk(h.pages, skip)))
        for span in h.pages.split(",") if h.pages else []:
            page, _, at = span.partition(":")
            if int(at or 0) > skip:
                starts.append((pos + int(at) - skip, int(page)))
        first = speaker_in_chunk(h.speakers, skip)
        if first:
            turns.append(f"{pos}:{first}")
        for span in h.speakers.split("|") if h.speakers else []:
            at, _, label = span.partition(":")
            if int(at or 0) > skip:
                turns.append(f"{pos + int(at) - skip}:{label}")
        parts.append(h.text[skip:])
        pos += len(h.text) - skip
        cursor = h.end
    return "".join(parts), page_spans(starts), "|".join(turns)


def _merge_by_line(ordered: list[Hit]) -> tuple[str, str, str]:
    """For hits without offsets (a store from before they were kept): each line once."""
    lines: list[str] = []
    starts: list[tuple[int, int | None]] = []
    turns: list[str] = []
    pos = 0
    for h in ordered:
        for line in h.text.split("\n"):
            if line.strip() and line not in lines:
                lines.append(line)
                starts.append((pos, h.page_of(line)))
                if h.speaker_of(line):
                    turns.append(f"{pos}:{h.speaker_of(line)}")
                pos += len(line) + 1
    return "\n".join(lines), page_spans(starts), "|".join(turns)


def select_context(
    hits: list[Hit], question: str, budget: int = 300, relevance: Relevance | None = None
) -> list[list[str]]:
    """Per source, the sentences most related to the question (in document order).

    Small models read slowly and drift on long contexts: instead of whole chunks they get the
    best sentences of each source, plus the sentence after each pick (answers often follow
    the sentence that names the topic), within a token budget.
    """
    rel = relevance or lexical_relevance(question)
    scored: list[tuple[float, int, int]] = []
    per_source = [source_sentences(h.text) for h in hits]
    for si, sentences in enumerate(per_source):
        for ji, score in enumerate(rel(sentences)):
            # earlier sources are ranked higher by retrieval: a small bonus keeps that order
            scored.append((score + 0.3 / (si + 1), si, ji))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    chosen: set[tuple[int, int]] = set()
    used = 0
    for score, si, ji in scored:
        for cand in ((si, ji), (si, ji + 1)):
            if cand in chosen or cand[1] >= len(per_source[si]):
                continue
            cost = count_tokens(per_source[si][cand[1]])
            if used + cost > budget:
                continue
            if cand[1] == ji + 1 and score < 1:
                continue
            chosen.add(cand)
            used += cost
    return [
        [s for ji, s in enumerate(sentences) if (si, ji) in chosen]
        for si, sentences in enumerate(per_source)
    ]


@dataclass(frozen=True)
class NumberedSentence:
    sid: str  # '2.3'
    source: int  # 1-based source number
    text: str
    previous: str  # the sentence before it in its source ('' for the first)


def number_sentences(
    hits: list[Hit], selected: list[list[str]], all_sentences: list[list[str]]
) -> list[NumberedSentence]:
    """Ids for the sentences chosen per source, in document order."""
    out: list[NumberedSentence] = []
    for n, (chosen, every) in enumerate(zip(selected, all_sentences, strict=True), start=1):
        for m, sentence in enumerate(chosen, start=1):
            k = every.index(sentence) if sentence in every else -1
            out.append(NumberedSentence(f"{n}.{m}", n, sentence, every[k - 1] if k > 0 else ""))
    return out


def format_numbered(hits: list[Hit], sentences: list[NumberedSentence]) -> str:
    """Sources as a heading ('[2] MT DGLZ breed, 1 maart 2021, punt 3a (POK claim)') and
    their numbered sentences."""
    from .textutil import display_title

    blocks = []
    for n, h in enumerate(hits, start=1):
        head = f"[{n}] {h.ref}" + (f" ({display_title(h.item_title)})" if h.item_title else "")
        lines = [f"{s.sid} {s.text}" for s in sentences if s.source == n]
        if lines:
            blocks.append("\n".join([head, *lines]))
    return "\n\n".join(blocks)


def sentence_schema(
    ids: list[str], max_sentences: int = 3, *, answer_first: bool = False
) -> dict[str, Any]:
    """JSON schema for the reply: the ids can only be ones that were shown. The grammar
    writes the fields in the order given here, so it must be the order the prompt asks for."""
    sentences = {
        "type": "array",
        "items": {"type": "string", "enum": ids or ["0"]},
        "maxItems": max_sentences,
    }
    answer = {"type": "string", "maxLength": 400}
    order = ["answer", "sentences"] if answer_first else ["sentences", "answer"]
    fields = {"answer": answer, "sentences": sentences}
    return {
        "type": "object",
        "properties": {name: fields[name] for name in order},
        "required": order,
    }


def carrying(
    draft: Draft, shown: Sequence[NumberedSentence], checks: Sequence[Check]
) -> Iterator[tuple[list[NumberedSentence], Draft]]:
    """Each shown sentence, then each two adjacent ones of one source, on which every check in
    ``checks`` passes for ``draft``'s answer, with the draft on exactly them."""
    from dataclasses import replace

    candidates = [[s] for s in shown]
    candidates += [[a, b] for a, b in zip(shown, shown[1:], strict=False) if a.source == b.source]
    for cand in candidates:
        trial = replace(draft, chosen=cand)
        if all(check(trial).passed for check in checks if check.applies(trial)):
            yield cand, trial


def attribute(
    draft: Draft, shown: Sequence[NumberedSentence], checks: Sequence[Check]
) -> list[NumberedSentence] | None:
    """The shown sentence, or two adjacent ones of one source, that carry ``draft.answer``:
    every check in ``checks`` passes on them. Among those, the one that leaves the fewest
    answer words unexplained, one sentence before two; ties go to the sentences the model
    pointed at. None when no sentence carries the answer."""
    pointed = {s.sid for s in draft.chosen}
    best: tuple[tuple[float, int, float], list[NumberedSentence]] | None = None
    for cand, trial in carrying(draft, shown, checks):
        hint = sum(s.sid in pointed for s in cand) / len(cand)
        score = (-round(trial.unsupported, 2), -len(cand), hint)
        if best is None or score > best[0]:
            best = (score, cand)
    return best[1] if best else None
