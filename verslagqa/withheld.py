"""'Wie …?' when the name is redacted: say that it is withheld, with the Woo ground.

In Woo releases the person a who-question asks for is often blacked out ('[weggelakt 5.1.2e]').
The model then has no name to give: it abstains, or its answer fails the checks and no sentence
rates as an answer, so the chain would say "not in the minutes", which is wrong: the minutes say
who, and the release withholds it. Code answers instead, as a fallback after the model: the
passage around a redaction mark (``window_chars`` either side) in a retrieved item that holds at
least ``min_coverage`` of the question's topic words (rare words weigh more; the item title,
meeting title and meeting date count, as questions name the meeting by them) is quoted, with
the ground of the redaction where the release gives one.

Code cannot tell that the redacted name is the one asked for (OCR of a blacked-out page mixes
the words of a line), so the answer carries a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from .checks import content_words
from .dutch import carried_share, dutch_date_iso, tokenize
from .extractive import citation
from .grounded import source_sentences
from .retrieve import Hit
from .schemas import Citation
from .textutil import REDACTION_TOKEN_RE

__all__ = ["WITHHELD_WARNING", "best_redacted_passage", "withheld_answer"]

WITHHELD_WARNING = (
    "the name is redacted in the passage that names the topic; code cannot check that it is "
    "the name asked for"
)


@dataclass(frozen=True)
class _Passage:
    coverage: float
    n: int
    hit: Hit
    quote: str
    codes: tuple[str, ...]


def withheld_answer(
    question: str,
    sources: list[Hit],
    members: list[list[Hit]],
    weight: dict[str, float] | None = None,
    min_coverage: float = 0.7,
    window_chars: int = 200,
) -> tuple[str, list[Citation]]:
    """(text, citations) saying the name is withheld, citing the passage around the redaction
    mark whose surroundings hold the most of the question's topic words (at least
    ``min_coverage``); ('', []) when no such passage was retrieved."""
    best = best_redacted_passage(question, sources, members, weight, window_chars)
    if best is None or best.coverage < min_coverage:
        return "", []
    grounds = sorted({c for c in best.codes if c})
    if grounds:
        text = f"De naam is in het verslag weggelakt ({', '.join(grounds)}) [{best.n}]."
    else:
        text = (
            "De naam is in het verslag weggelakt; de openbaarmaking noemt er geen grond bij "
            f"[{best.n}]."
        )
    return text, [citation(best.n, best.hit, best.quote)]


def best_redacted_passage(
    question: str,
    sources: list[Hit],
    members: list[list[Hit]],
    weight: dict[str, float] | None = None,
    window_chars: int = 200,
) -> _Passage | None:
    """The passage around a redaction mark whose surroundings hold the most of the question's
    topic words, with that share (``coverage``) and the grounds printed in it; None when no
    retrieved passage has a redaction mark. The threshold on ``coverage`` is the caller's."""
    terms = content_words(question)
    if not terms:
        return None
    best: _Passage | None = None
    for n, (hit, chunks) in enumerate(zip(sources, members, strict=True), start=1):
        record = set(
            tokenize(f"{hit.item_title} {hit.meeting_title} {dutch_date_iso(hit.meeting_date)}")
        )
        # each retrieved chunk on its own: the quote must stand in it verbatim, and the
        # merged source keeps a repeated line once (a redacted name often is one)
        for chunk in chunks:
            if not REDACTION_TOKEN_RE.search(chunk.text):
                continue
            sentences = source_sentences(chunk.text)
            spans = _spans(chunk.text, sentences)
            stems = [set(tokenize(s)) for s in sentences]
            topical = [carried_share(terms, st, weight) > 0 for st in stems]
            for k, sentence in enumerate(sentences):
                if not REDACTION_TOKEN_RE.search(sentence):
                    continue
                lo, hi = _window(sentences, k, window_chars)
                coverage = carried_share(terms, record.union(*stems[lo:hi]), weight)
                if best is not None and coverage <= best.coverage:
                    continue
                # quoted: from the first to the last sentence that names the topic, with the mark
                named = [i for i in range(lo, hi) if topical[i]]
                a, b = min([k, *named]), max([k, *named]) + 1
                quote = chunk.text[spans[a][0] : spans[b - 1][1]] if spans else sentence
                codes = tuple(m.group("code") or "" for m in REDACTION_TOKEN_RE.finditer(quote))
                best = _Passage(coverage, n, chunk, quote, codes)
    return best


def _window(sentences: list[str], k: int, chars: int) -> tuple[int, int]:
    """Bounds of the sentences around ``sentences[k]`` within ``chars`` either side: a few
    lines of OCR, a sentence or two of prose."""
    lo, used = k, 0
    while lo > 0 and used + len(sentences[lo - 1]) <= chars:
        lo -= 1
        used += len(sentences[lo])
    hi, used = k + 1, 0
    while hi < len(sentences) and used + len(sentences[hi]) <= chars:
        used += len(sentences[hi])
        hi += 1
    return lo, hi


def _spans(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Where each of ``sentences`` (in order) stands in ``text``; [] when one does not (a
    repeated line is found at its own place, not at its first)."""
    spans, cursor = [], 0
    for sentence in sentences:
        pos = text.find(sentence, cursor)
        if pos < 0:
            return []
        spans.append((pos, pos + len(sentence)))
        cursor = pos + len(sentence)
    return spans
