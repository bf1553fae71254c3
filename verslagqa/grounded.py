"""Answers built on numbered source sentences: the model points, code quotes and checks.

The sources are shown as numbered sentences (``2.3``). The model replies in constrained JSON:
first the ids of the sentences that answer the question (only ids that were shown can be
written: the grammar enumerates them), then a short answer in the words of those sentences.
Code takes the quotes by id — a quote cannot be invented — and checks the answer against
exactly those sentences (plus the heading of their source: meeting, date, agenda item):

* every number, date and name in the answer must occur in them (or in the question);
* most of the answer's other content words must occur in them;
* a question about when / how many / who / where needs a date / number / name / place there;
* the sentences must be about the question: together with their source heading and the
  sentence before them they hold at least half of the question's content words.

An answer that passes is shown as checked. One whose wording the sentences do not carry is
replaced by those very sentences, verbatim, with a warning (never by another passage). When
the sentences are not about the question, or the model points at none, the chain abstains.
For a question in another language than the minutes, words cannot be compared: numbers, dates
and names still must match, and the answer must be close in meaning (embeddings) to its
sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .keyword import tokenize
from .retrieve import Hit

__all__ = [
    "NumberedSentence",
    "Verdict",
    "format_numbered",
    "number_sentences",
    "sentence_schema",
    "verify",
]

#: Question words and verbs of asking that say nothing about the topic.
_ASKING = set(
    tokenize(
        "wie wat wanneer waar waarom hoe hoeveel welke welk wordt worden werd is zijn was "
        "waren heeft hebben moet moeten zal zullen kan kunnen gaat gaan er over met voor "
        "volgens besproken afgesproken besloten gebeurd gebeurde genoemd staat"
    )
)
_EN_ASKING = {
    "who", "what", "when", "where", "why", "how", "which", "many", "much", "does", "did", "do",
    "is", "are", "was", "were", "will", "would", "should", "the", "a", "an", "of", "to", "in",
    "on", "for", "about", "from", "by", "with", "and", "or", "at", "it", "its", "this", "that",
}  # fmt: skip
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*[a-z]?")
_NAME = re.compile(r"(?<![\w.])(?:[A-Z][\w-]*[A-Z][\w-]*|[A-Z][a-zà-ÿ]{2,}(?:-[A-Za-z]+)?)")


@dataclass
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
    blocks = []
    for n, h in enumerate(hits, start=1):
        head = f"[{n}] {h.ref}" + (f" ({h.item_title})" if h.item_title else "")
        lines = [f"{s.sid} {s.text}" for s in sentences if s.source == n]
        if lines:
            blocks.append("\n".join([head, *lines]))
    return "\n\n".join(blocks)


def sentence_schema(ids: list[str], max_sentences: int = 3) -> dict[str, Any]:
    """JSON schema for the reply: the ids can only be ones that were shown."""
    return {
        "type": "object",
        "properties": {
            "sentences": {
                "type": "array",
                "items": {"type": "string", "enum": ids or ["0"]},
                "maxItems": max_sentences,
            },
            "answer": {"type": "string", "maxLength": 400},
        },
        "required": ["sentences", "answer"],
    }


def _heading(hit: Hit) -> str:
    return f"{hit.meeting_title} {hit.meeting_date} {hit.item_label} {hit.item_title}"


def _content(text: str, english: bool = False) -> set[str]:
    if english:
        words = {w for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _EN_ASKING}
        return words
    return {t for t in tokenize(text) if t not in _ASKING and not t.isdigit()}


def _numbers(text: str) -> set[str]:
    return {m.group().rstrip(".,").lower() for m in _NUMBER.finditer(text)}


def _names(text: str) -> set[str]:
    """Capitalised words that are not the first word of a sentence."""
    names = set()
    for sentence in re.split(r"(?<=[.!?:])\s+", text):
        for m in _NAME.finditer(sentence):
            if m.start() > 0:
                names.add(m.group().lower())
    return names


_NEGATION = re.compile(r"\b(?:niet|geen|nooit|niemand|niets|nog niet)\b", re.I)


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def attribute_sentences(
    question: str, answer: str, shown: list[NumberedSentence], hits: list[Hit], **checks: Any
) -> tuple[list[NumberedSentence], Verdict] | None:
    """The shown sentence (or two adjacent ones of a source) that carries ``answer`` best, when
    the model wrote a right answer but pointed at the wrong ids; None if none carries it."""
    candidates: list[list[NumberedSentence]] = [[s] for s in shown]
    candidates += [[a, b] for a, b in zip(shown, shown[1:], strict=False) if a.source == b.source]
    best: tuple[float, list[NumberedSentence], Verdict] | None = None
    for cand in candidates:
        v = verify(question, answer, cand, hits, **checks)
        if not (v.supported and v.on_topic):
            continue
        score = -v.unsupported - 0.01 * len(cand)
        if best is None or score > best[0]:
            best = (score, cand, v)
    return (best[1], best[2]) if best else None


def _carried(word: str, have: set[str]) -> bool:
    """A word is carried by the sentences when they hold it, also inside a compound
    ('werkgroep' in 'orchestratiewerkgroep')."""
    return word in have or (
        len(word) >= 4 and any(word in h or h in word for h in have if len(h) >= 4)
    )


@dataclass
class Verdict:
    """What the checks found for one model reply."""

    supported: bool  # the answer's wording is carried by its sentences
    on_topic: bool  # the sentences are about the question
    reason: str = ""
    coverage: float = 0.0  # share of the question's content words in sentences + heading
    unsupported: float = 0.0  # share of the answer's content words not in its sentences


def verify(
    question: str,
    answer: str,
    chosen: list[NumberedSentence],
    hits: list[Hit],
    *,
    english: bool = False,
    similarity: float | None = None,
    min_coverage: float = 0.5,
    max_unsupported: float = 0.34,
    min_similarity: float = 0.55,
    weight: dict[str, float] | None = None,
    kind: str | None = None,
) -> Verdict:
    """Check ``answer`` against exactly the sentences it points to (see the module doc).

    ``weight`` gives each question word its weight in ``coverage`` (rare words count more:
    'budget' matters more than 'werkgroep'); ``kind`` ('who', 'time', 'number') asks that the
    answer's name/date/number stands in the chosen sentence that best matches the question."""
    evidence = " ".join(s.text for s in chosen)
    context = " ".join(
        [evidence, *(s.previous for s in chosen), *(_heading(hits[s.source - 1]) for s in chosen)]
    )
    q_words = _content(question)
    w = weight or {}
    total = sum(w.get(t, 1.0) for t in q_words)
    held = sum(w.get(t, 1.0) for t in q_words & _content(context))
    coverage = held / total if total else 1.0
    on_topic = english or coverage >= min_coverage
    # not the heading's: a meeting date is no answer to 'wanneer'
    allowed_numbers = _numbers(evidence + " " + " ".join(c.previous for c in chosen)) | _numbers(
        question
    )
    stray_numbers = _numbers(answer) - allowed_numbers
    allowed_names = {w.lower() for w in re.findall(r"[\w-]+", context + " " + question)}
    if english:  # English words are no Dutch names: only abbreviations can be compared
        candidates = {m.lower() for m in re.findall(r"\b[A-Z][A-Z0-9-]+\b", answer)}
    else:
        candidates = _names(answer)
    stray_names = {n for n in candidates if n not in allowed_names}
    unsupported = 0.0
    if not english:
        a_words = _content(answer) - q_words
        have = _content(context)
        if a_words:
            unsupported = sum(not _carried(w, have) for w in a_words) / len(a_words)
    reasons = []
    if kind in ("who", "time", "number") and len(chosen) > 1:
        best = max(chosen, key=lambda c: len(_content(c.text) & q_words))
        values = _names(answer) if kind == "who" else _numbers(answer)
        values -= _names(question) | _numbers(question)
        held_by_best = {v for v in values if v in best.text.lower()}
        if values and not held_by_best:
            reasons.append("its name/date/number is not in the sentence that matches the question")
    best = max(chosen, key=lambda c: len(_content(c.text) & q_words))
    if _negated(best.text) != _negated(answer) and not english:
        reasons.append("it says the opposite of its sentence (niet/geen)")
    if stray_numbers:
        reasons.append(f"numbers not in its sentences: {', '.join(sorted(stray_numbers))}")
    if stray_names:
        reasons.append(f"names not in its sentences: {', '.join(sorted(stray_names))}")
    if unsupported > max_unsupported:
        reasons.append(f"{unsupported:.0%} of its words are not in its sentences")
    if english and similarity is not None and similarity < min_similarity:
        reasons.append(f"its meaning is far from its sentences (cosine {similarity:.2f})")
    return Verdict(
        supported=not reasons,
        on_topic=on_topic,
        reason="; ".join(reasons) if reasons else "",
        coverage=coverage,
        unsupported=unsupported,
    )
