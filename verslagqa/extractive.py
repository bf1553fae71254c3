"""Answers without a model: the source sentences that match the question best, quoted.

Used when no model is configured (``--llm extractive``) and when the model fails. A
when / how-many question is answered only by a sentence that holds a date / number.
"""

from __future__ import annotations

from .checks import answer_type, has_answer_type
from .grounded import Relevance, source_sentences
from .retrieve import Hit
from .schemas import Citation
from .textutil import REDACTION_TOKEN_RE

__all__ = ["citation", "extractive_answer"]


def citation(n: int, hit: Hit, quote: str) -> Citation:
    """A citation of source ``n`` (``hit``) with ``quote`` as its verbatim quote."""
    return Citation(
        n=n,
        meeting_id=hit.meeting_id,
        meeting_title=hit.meeting_title,
        meeting_date=hit.meeting_date,
        item_label=hit.item_label,
        item_title=hit.item_title,
        quote=quote,
        source=hit.source,
        page=hit.page_of(quote),
        kind=hit.kind,
        speaker=hit.speaker_of(quote),
    )


def _span(text: str, sentences: list[str]) -> str:
    """The stretch of ``text`` covering all ``sentences`` when only whitespace lies between."""
    spots = sorted((text.find(s), s) for s in sentences)
    if not spots or spots[0][0] < 0:
        return ""
    start, end = spots[0][0], spots[0][0] + len(spots[0][1])
    for pos, sentence in spots[1:]:
        if pos < 0 or text[end:pos].strip():
            return text[start:end] if len(sentences) == 1 else ""
        end = pos + len(sentence)
    return text[start:end]


def extractive_answer(
    question: str,
    sources: list[Hit],
    members: list[list[Hit]],
    relevance: Relevance,
) -> tuple[str, list[Citation]]:
    """(text, citations) of the best-matching sentences of ``sources``; ``members`` holds each
    source's retrieved chunks (a quote must occur verbatim in one). ('', []) when no sentence
    answers."""
    kind = answer_type(question)
    scored = []
    base: dict[str, float] = {}
    for n, h in enumerate(sources, start=1):
        sentences = source_sentences(h.text)
        for s, score in zip(sentences, relevance(sentences), strict=True):
            if REDACTION_TOKEN_RE.fullmatch(s.strip()):
                continue
            base[s] = score
            # a sentence of the asked type (a date for 'wanneer') is worth one more term
            bonus = 1.0 if kind and has_answer_type(s, kind, question) else 0.0
            scored.append((score + bonus + 0.5 / n, n, s))
    if kind in ("time", "number"):
        # a 'wanneer'/'hoeveel' question is answered by a sentence with a date/number; when
        # no relevant sentence has one, the sources do not answer it
        scored = [t for t in scored if has_answer_type(t[2], kind, question) and base[t[2]] >= 1]
    scored.sort(key=lambda t: -t[0])
    picked = [t for t in scored[:2] if t[0] >= 1] or scored[:1]
    citations: list[Citation] = []
    parts: list[str] = []
    for _, n, first in picked:
        if any(c.n == n for c in citations):
            continue
        mine = [t[2] for t in picked if t[1] == n]
        for m in members[n - 1]:
            # adjacent picks of one source are quoted (and shown) as one verbatim stretch
            span = _span(m.text, mine)
            if span:
                parts.append(f"{span} [{n}]")
                citations.append(citation(n, sources[n - 1], span))
                break
            if first in m.text:
                parts.extend(f"{x} [{n}]" for x in mine)
                citations.append(citation(n, sources[n - 1], first))
                break
    return " ".join(parts), citations
