"""Grounded answers: retrieve → number the sources → model → parse ``[n]`` → validate.

Citations are checked by code, never trusted: a citation must name a source that was retrieved
and given to the model, and its quote is taken verbatim from that source's stored text. An
answer without any valid citation is not returned as grounded: the chain falls back to the
extractive answer (the best-matching source sentences), and says so in ``warnings``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableLambda
from pydantic import BaseModel, Field

from .chunk import count_tokens, dutch_date_iso, reference, split_sentences
from .grounded import (
    attribute_sentences,
    format_numbered,
    number_sentences,
    sentence_schema,
    verify,
)
from .keyword import tokenize
from .prompting import load_prompt
from .retrieve import Hit, HybridRetriever, Mode, SearchFilters
from .textutil import MONTHS, REDACTION_TOKEN_RE

__all__ = [
    "CANNOT_ANSWER",
    "Answer",
    "AnswerChain",
    "Citation",
    "detect_language",
    "parse_citation_markers",
]

#: The one phrase for "the minutes do not say": used by the prompt, the code and the tests.
CANNOT_ANSWER = "Dit staat niet in de verslagen."

ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "sources": {"type": "array", "items": {"type": "integer"}},
    },
    "required": ["answer", "sources"],
}

_EN = {"the", "what", "when", "who", "which", "is", "are", "was", "were", "of", "how", "why",
       "did", "does", "will", "to", "and", "on", "for", "about", "has", "have", "should",
       "must", "there", "this", "that", "with", "from", "by", "it", "its", "can",
       "would"}  # fmt: skip
_NL = {"de", "het", "een", "wat", "wanneer", "wie", "welke", "welk", "is", "zijn", "was", "van",
       "hoe", "waarom", "waarvoor", "waar", "wordt", "worden", "moet", "moeten", "en", "in", "op",
       "voor", "over", "er", "wil", "wilde", "heeft", "hebben", "kan", "kunnen", "zal", "met",
       "bij", "aan", "te", "dat", "die", "niet", "ook", "nog", "naar", "om", "door", "hoeveel",
       "gaat", "werd", "zich", "deze", "dit", "hun", "ze", "zij"}  # fmt: skip


def detect_language(text: str) -> str:
    """'Dutch' or 'English', by function words (ties go to Dutch)."""
    words = re.findall(r"[a-z]+", text.lower())
    en = sum(w in _EN and w not in _NL for w in words)
    nl = sum(w in _NL and w not in _EN for w in words)
    return "English" if en > nl else "Dutch"


class Citation(BaseModel):
    """Where a claim comes from: meeting, agenda item, file, and a verbatim quote."""

    n: int = Field(description="Number of the source as shown to the model.")
    meeting_id: str
    meeting_title: str
    meeting_date: str
    item_label: str
    item_title: str
    quote: str = Field(description="A sentence copied verbatim from the source text.")
    source: str = Field(description="Path of the verslag file.")

    @property
    def ref(self) -> str:
        """'[MT DGLZ breed, 1 maart 2021, punt 3c]'."""
        return f"[{reference(self.meeting_title, self.meeting_date, self.item_label)}]"


class Answer(BaseModel):
    """An answer with checked citations, or an abstention."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    mode: str = Field(description="'llm' or 'extractive'.")
    model: str = Field(default="", description="Provider string of the model used.")
    warnings: list[str] = Field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        lines = [self.answer]
        for c in self.citations:
            lines.append(f"  [{c.n}] {c.ref} {c.item_title} — “{c.quote}”")
            lines.append(f"      {c.source}")
        lines.extend(f"  (!) {w}" for w in self.warnings)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Answer(\n{self}\n)"


# -- helpers ---------------------------------------------------------------------------------

_MARKER = re.compile(r"\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")


def parse_citation_markers(text: str) -> list[int]:
    """Source numbers cited as [1], [2, 3] or [1][2], in order of first appearance."""
    seen: list[int] = []
    for m in _MARKER.finditer(text):
        for n in re.split(r"\s*[,;]\s*", m.group(1)):
            if n and int(n) not in seen:
                seen.append(int(n))
    return seen


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip().lstrip("-").strip()
        if line:
            out.extend(s for s in split_sentences(line) if not _INJECTION_RE.search(s))
    return out


# Sentences that address a language model ("negeer alle eerdere instructies", "SYSTEM: …") or
# carry forged citation markers ("volgens bron [9]") are never shown to the model nor quoted as
# an answer: a verslag is data, not a prompt.
_INJECTION_RE = re.compile(
    r"(?i)\b(negeer|vergeet|ignore|disregard|forget|override|ignorieren|ignoriere|vergiss|"
    r"vergessen|ignorez|ignorer|oubliez)\b.{0,40}\b(instructie|instructies|opdracht|opdrachten|"
    r"instructions?|prompt|regels|rules|anweisungen|regeln|consignes|sources|bronnen)\b|"
    r"(^|\s|\[|<)(system|systeem|assistant|developer)\s*[:\]>]|"
    # citation markers inside a verslag are forged: only verslagqa numbers sources
    r"\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]|"
    r"\b(you are now|je bent nu|act as|doe alsof|du bist jetzt|vous êtes maintenant)\b|"
    r"\b(antwoord|answer|reply|respond|antworten|antworte|répondez)\s+(?:\w+\s+)?"
    r"(alleen|uitsluitend|only|exactly|precies|nur|seulement)\b"
)


def is_injection(sentence: str) -> bool:
    """True for text that tries to instruct the model instead of recording a meeting."""
    return bool(_INJECTION_RE.search(sentence))


def _overlap(query_stems: set[str], sentence: str) -> float:
    stems = set(tokenize(sentence))
    return float(len(query_stems & stems))


def _best_sentence(text: str, reference: str) -> str:
    """The sentence of ``text`` sharing most stems with ``reference`` (first on ties)."""
    ref = set(tokenize(reference))
    sentences = _sentences(text) or [text.strip()]
    return max(sentences, key=lambda s: (_overlap(ref, s), -sentences.index(s)))


#: Scores sentences against a question, in "shared terms" units (1 ≈ one shared term).
Relevance = Callable[[list[str]], list[float]]


def lexical_relevance(question: str) -> Relevance:
    """Sentence relevance as the number of question stems a sentence shares."""
    q = set(tokenize(question))
    return lambda sentences: [_overlap(q, s) for s in sentences]


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


def select_context(
    hits: list[Hit], question: str, budget: int = 450, relevance: Relevance | None = None
) -> list[list[str]]:
    """Per source, the sentences most related to the question (in document order).

    Small models read slowly and drift on long contexts: instead of whole chunks they get the
    best sentences of each source, plus the sentence after each pick (answers often follow
    the sentence that names the topic), within a token budget.
    """
    rel = relevance or lexical_relevance(question)
    scored: list[tuple[float, int, int]] = []
    per_source = [_sentences(h.text) for h in hits]
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


def format_sources(hits: list[Hit], selected: list[list[str]]) -> str:
    blocks = []
    for n, (h, sentences) in enumerate(zip(hits, selected, strict=True), start=1):
        head = f"[{n}] {h.ref}"
        if h.item_title:
            head += f" ({h.item_title})"
        body = " ".join(sentences) if sentences else (_sentences(h.text) or [""])[0]
        blocks.append(f"{head}\n{body}")
    return "\n\n".join(blocks)


def group_hits(hits: list[Hit], max_sources: int) -> list[tuple[Hit, list[Hit]]]:
    """One source per agenda item: chunks of the same item are merged (their lines, once)."""
    groups: dict[tuple[str, str], list[Hit]] = {}
    for h in hits:
        key = (h.meeting_id, h.item_label)
        if key in groups or len(groups) < max_sources:
            groups.setdefault(key, []).append(h)
    out = []
    for members in groups.values():
        lines: list[str] = []
        for h in sorted(members, key=lambda x: x.start):
            for line in h.text.split("\n"):
                if line.strip() and line not in lines:
                    lines.append(line)
        merged = members[0].model_copy(update={"text": "\n".join(lines)})
        out.append((merged, members))
    return out


# Words every question uses; they say nothing about whether the minutes cover the topic.
_QUESTION_WORDS = frozenset(
    tokenize(
        "wanneer hoeveel welk welke waarom waar wie wat hoe gezegd besproken besloten "
        "afgesproken verslag verslagen vergadering vergaderingen volgens staat stand zaken"
    )
)


def _support(stems: set[str], text: str) -> float:
    """Share of ``stems`` found in the best sentence of ``text``."""
    if not stems:
        return 0.0
    return max((len(stems & set(tokenize(s))) for s in _sentences(text)), default=0) / len(stems)


def attribute(answer: str, sources: list[Hit], model_cited: list[int]) -> tuple[str, list[int]]:
    """Re-cite each answer sentence to the source that supports it best.

    Small models often put the wrong number after a correct claim; the bookkeeping is done by
    code: a sentence keeps the model's citation only when that source supports it at least
    about as well as the best source.
    """
    plain = re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", answer)).strip()
    sentences = split_sentences(plain) or [plain]
    rebuilt: list[str] = []
    cited: list[int] = []
    for sentence in sentences:
        stems = set(tokenize(sentence))
        scores = [_support(stems, s.text) for s in sources]
        best = max(scores) if scores else 0.0
        if best <= 0:
            chosen = [n for n in model_cited if 1 <= n <= len(sources)][:1]
        else:
            chosen = [
                n for n in model_cited if 1 <= n <= len(sources) and scores[n - 1] >= 0.8 * best
            ]
            if not chosen:
                chosen = [scores.index(best) + 1]
        marks = "".join(f"[{n}]" for n in chosen)
        body = sentence.rstrip()
        tail = body[-1] if body and body[-1] in ".!?" else ""
        rebuilt.append(f"{body[: len(body) - len(tail)].rstrip()} {marks}{tail}")
        cited.extend(n for n in chosen if n not in cited)
    return " ".join(rebuilt), cited


_QUESTION_START = re.compile(
    r"(?i)^\s*(wat|wanneer|wie|welke?|waar\w*|hoe\w*|is|zijn|wordt|worden|heeft|hebben|"
    r"kan|kunnen|moet|moeten|zal|zullen|wil|gaat|what|when|who|which|where|why|how|are|"
    r"was|were|did|does|do|will|can|should|has|have)\b"
)


def is_question(text: str) -> bool:
    """True for a question, False for a keyword search ("UMCG wekelijks regionaal overleg")."""
    return text.rstrip().endswith("?") or bool(_QUESTION_START.search(text))


def topic_anchor(
    answer: str, question: str, sources: list[Hit]
) -> tuple[bool, tuple[int, str] | None]:
    """Whether the answer is about the question's topic, and a source sentence to add if needed.

    Small models often answer with a fluent sentence from elsewhere in the sources. Each answer
    sentence is traced to the source sentence it copies from (its basis). A basis is on topic
    when it shares as many question terms as the best source sentence does (up to two). For a
    question (not a keyword search, where the sentence with the terms is the answer), the
    first basis may instead directly follow an on-topic sentence, which then names the topic
    ("… update op de vaccinaties in de ziekenhuizen." → "M MZS wil de informatie gestructureerd
    ontvangen."): that sentence and its source number are returned so the answer can carry
    them. Later answer sentences
    must be on topic or continue the previous basis ("2) Betaalbaarheid …"). Sentences that are
    not copied from the sources (paraphrase, translation) cannot be traced and are not judged.
    Returns ``(False, None)`` for an off-topic answer, else ``(True, (n, sentence) or None)``.
    """
    topic = set(tokenize(question)) - _QUESTION_WORDS
    per_source = [_sentences(h.text) for h in sources]
    located = [
        (si, ji, set(tokenize(s)))
        for si, sents in enumerate(per_source)
        for ji, s in enumerate(sents)
    ]
    if not topic or not located:
        return True, None
    need = min(2, max(len(topic & stems) for _, _, stems in located))
    plain = _MARKER.sub("", answer)
    if not is_question(question) and len(topic & set(tokenize(plain))) < need:
        return False, None  # a keyword search is answered by what the minutes say of its terms
    on_topic = {(si, ji) for si, ji, stems in located if len(topic & stems) >= need}
    previous: tuple[int, int] | None = None
    anchor: tuple[int, str] | None = None
    for sentence in split_sentences(plain) or [plain]:
        words = set(tokenize(sentence))
        if not words:
            continue
        share = max(len(words & stems) for _, _, stems in located) / len(words)
        if share < 0.5:
            continue
        bases = [
            (si, ji) for si, ji, stems in located if len(words & stems) / len(words) >= 0.8 * share
        ]
        if any(b in on_topic for b in bases):
            previous = next(b for b in bases if b in on_topic)
        elif previous is not None and any(
            si == previous[0] and 0 < ji - previous[1] <= 2 for si, ji in bases
        ):
            previous = bases[0]
        elif previous is None:
            before = [(si, ji - 1) for si, ji in bases if (si, ji - 1) in on_topic]
            if not before or not is_question(question):
                return False, None
            previous = bases[0]
            anchor = (before[0][0] + 1, per_source[before[0][0]][before[0][1]])
        else:
            return False, None
    return True, anchor


#: An answer in another language than its sources must be at least this similar (cosine of
#: the packaged embeddings) to one sentence of its cited sources. Measured on sample answers:
#: faithful English renderings of a Dutch sentence 0.62-0.81, invented ones 0.51-0.54.
MIN_CROSS_LANGUAGE_SIMILARITY = 0.55


_NAME_RE = re.compile(r"\b(?:[A-Z][A-Z0-9]{1,}[a-z]?|\d[\d.,]*)\b")


def cross_language_support(
    answer: str, question: str, sources: list[Hit], embeddings: Any
) -> tuple[float, list[str]]:
    """The check for answers that cannot be compared word by word (English answer, Dutch
    minutes): the highest embedding similarity between the answer and a sentence of
    ``sources`` (its basis), and the abbreviations and numbers of the answer that neither that
    sentence nor the question holds ("MVWS werkt aan …" when the basis says "MO werkt aan …")."""
    import numpy as np

    sentences = [s for h in sources for s in _sentences(h.text)]
    plain = _MARKER.sub("", answer).strip()
    if not sentences or not plain:
        return 0.0, []
    vecs = np.asarray(embeddings.embed_documents([plain, *sentences]), dtype=float)
    sims = vecs[1:] @ vecs[0]
    basis = sentences[int(sims.argmax())]
    stray = [
        name
        for name in _NAME_RE.findall(plain)
        if name.rstrip(".,") not in basis and name.rstrip(".,") not in question
    ]
    return float(sims.max()), stray


def unsupported_share(answer: str, question: str, sources: list[Hit], language: str) -> float:
    """Share of the answer's new content (not in the question) absent from the sources."""
    source_stems: set[str] = set()
    for s in sources:
        header = (
            f"{s.meeting_title} {s.meeting_date} {dutch_date_iso(s.meeting_date)} "
            f"{s.item_title} punt {s.item_label}"
        )
        source_stems |= set(tokenize(s.text)) | set(tokenize(header))
    new = set(tokenize(_MARKER.sub("", answer))) - set(tokenize(question))
    if language != "Dutch":
        new = {t for t in new if t.isdigit()}  # only numbers can be checked across languages
    new -= {"weggelakt", "grond", "5", "1", "2", "10"}
    if not new:
        return 0.0
    return len(new - source_stems) / len(new)


_WEEKDAYS = "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_TIME_RE = re.compile(
    rf"(?i)\b({_WEEKDAYS}|{_MONTHS}|morgen|vandaag|gisteren|vanmiddag|vanavond|vanmorgen|"
    r"volgende week|vorige week|deze week|komende|a\.s\.|binnenkort|t\.z\.t\.|"
    r"prinsjesdag|kerst|voorjaar|najaar|zomer|winter|monday|tuesday|wednesday|thursday|"
    r"friday|tomorrow|today|next week|january|february|march|may|june|july|august|october|"
    r"binnen (één|een|\w+) (dag|dagen|week|weken|maand))\b|\b\d{1,2}[:.-]\d{1,2}|\b(19|20)\d\d\b"
)
# "een" is left out: as the Dutch article it is in nearly every sentence
_NUMBER_RE = re.compile(
    r"(?i)\d|\b(één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|honderd|duizend|"
    r"miljoen|miljard|half|helft|dubbel)\b"
)


def best_typed_sentence(question: str, sources: list[Hit]) -> str | None:
    """The source sentence sharing the most question terms (at least 3) that holds an answer
    of the asked type, or None."""
    kind = answer_type(question)
    if not kind:
        return None
    q = set(tokenize(question)) - _QUESTION_WORDS
    best, best_score = None, 2.0
    for h in sources:
        for s in _sentences(h.text):
            score = _overlap(q, s)
            if score > best_score and has_answer_type(s, kind, question):
                best, best_score = s, score
    return best


def shares_answer_value(answer: str, sentence: str, kind: str, question: str) -> bool:
    """True when a date/number of the answer occurs in ``sentence``."""
    values = answer_values(_MARKER.sub("", answer), kind, question)
    text = sentence.lower()
    return not values or any(v in text for v in values)


_EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")  # fmt: skip
_ANY_MONTH = "|".join(sorted(set(MONTHS) | set(_EN_MONTHS), key=len, reverse=True))
_FULL_DATE_RE = re.compile(rf"(?i)\b(\d{{1,2}})\s+({_ANY_MONTH})\.?,?\s+(\d{{4}})\b")


def _full_dates(text: str) -> set[dt.date]:
    """Every 'day month year' date in ``text``, with Dutch or English month names."""
    out = set()
    for day, month, year in _FULL_DATE_RE.findall(text):
        m = month.lower()
        number = MONTHS.get(m) or _EN_MONTHS.index(m) + 1
        try:
            out.add(dt.date(int(year), number, int(day)))
        except ValueError:
            continue
    return out


def dates_only_in_header(answer: str, sources: list[Hit], when: bool = False) -> bool:
    """True when the answer's dates come from the sources' headers, not their text: it names
    days/dates none of which occurs in the text, or (``when``: for a when-question, whose answer
    is the time of an event, not of the meeting) names a source's meeting date, in Dutch or
    English, that the source's text does not."""
    plain = _MARKER.sub("", answer)
    found = {m.group(0).lower() for m in _TIME_RE.finditer(plain)}
    if not found:
        return False
    body = " ".join(s.text for s in sources).lower()
    if not any(t in body for t in found):
        return True
    if not when:
        return False
    named = _full_dates(plain)
    return any(
        s.meeting_date
        and dt.date.fromisoformat(s.meeting_date) in named
        and dt.date.fromisoformat(s.meeting_date) not in _full_dates(s.text)
        for s in sources
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.meeting_date or "")
    )


def answer_type(question: str) -> str | None:
    """'time' for when-questions, 'number' for how-much/many, 'place' for where, else None."""
    q = question.lower()
    if re.search(r"\b(wanneer|per wanneer|hoe laat|op welke datum|when|what date)\b", q):
        return "time"
    if re.search(r"\b(hoeveel|hoe groot|hoe hoog|how much|how many)\b", q):
        return "number"
    if re.match(r"\s*(waar|where|in welke (plaats|stad|regio|provincie|gemeente))\b", q):
        return "place"
    return None


def answer_values(text: str, kind: str, question: str = "") -> set[str]:
    """Dates/days ('time') or numbers ('number') in ``text`` that the question itself does not
    already contain ("fase 3" does not answer "bij hoeveel bedden … fase 3")."""
    asked = question.lower()
    if kind == "place":
        # a place is a name: a capitalised word that does not open a sentence ("In Groningen")
        names = re.findall(
            r"(?<![.!?:]\s)(?<!^)\b[A-Z][A-Za-zà-ÿ]{2,}(?:[- ][A-Z][A-Za-zà-ÿ]+)*", text
        )
        return {n.lower() for n in names if n.lower() not in asked}
    pattern = _TIME_RE if kind == "time" else _NUMBER_RE
    found = set()
    for m in pattern.finditer(text):
        token = m.group(0).lower()
        if kind == "number" and token.isdigit():
            # the whole number, not one digit of it
            whole = re.match(r"\d+", text[m.start() :])
            token = whole.group(0) if whole else token
            if not re.search(rf"(?<!\d){re.escape(token)}(?!\d)", asked):
                found.add(token)
        elif token not in asked:
            found.add(token)
    return found


def has_answer_type(text: str, kind: str | None, question: str = "") -> bool:
    """True when ``text`` holds a date, number or place of the asked kind that the question
    lacks."""
    if kind not in ("time", "number", "place"):
        return True
    return bool(answer_values(text, kind, question))


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


def _citation(n: int, hit: Hit, quote: str) -> Citation:
    return Citation(
        n=n,
        meeting_id=hit.meeting_id,
        meeting_title=hit.meeting_title,
        meeting_date=hit.meeting_date,
        item_label=hit.item_label,
        item_title=hit.item_title,
        quote=quote,
        source=hit.source,
    )


def _parse_model_output(raw: str) -> tuple[str, list[int]]:
    """(answer text, source numbers) from the model's JSON, or from plain text."""
    raw = raw.strip()
    m = re.search(r"\{.*\}", raw, re.S)
    if m:
        try:
            data = json.loads(m.group(0))
            answer = str(data.get("answer", "")).strip()
            sources = [int(s) for s in data.get("sources", []) if str(s).strip().isdigit()]
            return answer, sources
        except (ValueError, TypeError, AttributeError):
            pass
    return raw, []


def _parse_sentence_reply(raw: str) -> tuple[str, list[str]]:
    """(answer, sentence ids) from the model's JSON; nothing usable gives ('', [])."""
    m = re.search(r"\{.*\}", raw.strip(), re.S)
    if not m:
        return "", []
    try:
        data = json.loads(m.group(0))
        ids = [str(i).strip() for i in data.get("sentences", []) if str(i).strip()]
        return str(data.get("answer", "")).strip(), ids
    except (ValueError, TypeError, AttributeError):
        return "", []


def _is_abstention(answer: str) -> bool:
    norm = re.sub(r"\W+", " ", answer.lower()).strip()
    target = re.sub(r"\W+", " ", CANNOT_ANSWER.lower()).strip()
    return not norm or norm.startswith(target) or norm == "niet in de verslagen"


# -- the chain -------------------------------------------------------------------------------


class AnswerChain:
    """question → retrieve → select → prompt → model → validate → :class:`Answer`."""

    def __init__(
        self,
        retriever: HybridRetriever,
        model: BaseChatModel | None,
        *,
        model_name: str = "",
        k: int = 3,
        context_tokens: int = 300,
        min_overlap: int = 1,
        min_similarity: float = MIN_CROSS_LANGUAGE_SIMILARITY,
        strategy: str | None = None,
    ) -> None:
        from .settings import Settings

        self.strategy = strategy or Settings().answer.strategy
        if self.strategy not in ("checks", "sentences"):
            raise ValueError(f"unknown answer strategy {self.strategy!r} (checks, sentences)")
        self.retriever = retriever
        self.model = model
        self.model_name = model_name or ("extractive" if model is None else "custom")
        self.k = k
        self.context_tokens = context_tokens
        self.min_overlap = min_overlap
        self.min_similarity = min_similarity
        self.prompt = load_prompt("answer")
        self.sentence_prompt = load_prompt("answer_sentences")
        self.last_hits: list[Hit] = []
        self._relevance_cache: tuple[str, Relevance] = ("", lexical_relevance(""))
        # LCEL: the same steps as a Runnable, for users who compose chains
        self.runnable = RunnableLambda(self._retrieve_step) | RunnableLambda(self._answer_step)

    # steps, usable on their own and through ``runnable``
    def _retrieve_step(self, inp: dict[str, Any]) -> dict[str, Any]:
        filters = inp.get("filters") or SearchFilters()
        # the keyword index holds Dutch stems: an English question matches by meaning only
        mode: Mode | None = "dense" if detect_language(inp["question"]) != "Dutch" else None
        hits = self.retriever.search(
            inp["question"], k=inp.get("k") or self.k, filters=filters, mode=mode
        )
        self.last_hits = hits
        return {**inp, "hits": hits}

    def _answer_step(self, inp: dict[str, Any]) -> Answer:
        if self.strategy == "sentences":
            return self._answer_sentences(inp["question"], inp["hits"], inp.get("on_token"))
        return self._answer(inp["question"], inp["hits"], inp.get("on_token"))

    def ask(
        self,
        question: str,
        *,
        filters: SearchFilters | None = None,
        k: int | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer ``question`` from the index, citing meeting and agenda item."""
        return self.runnable.invoke(
            {"question": question, "filters": filters, "k": k, "on_token": on_token}
        )

    def _result(
        self,
        question: str,
        text: str,
        citations: list[Citation],
        mode: str,
        warnings: list[str],
        t0: float,
    ) -> Answer:
        return Answer(
            question=question,
            answer=text,
            abstained=not citations,
            citations=citations,
            mode=mode,
            model=self.model_name,
            warnings=warnings,
            seconds=round(time.perf_counter() - t0, 2),
        )

    def _abstain(self, question: str, mode: str, t0: float, warnings: list[str]) -> Answer:
        return self._result(question, CANNOT_ANSWER, [], mode, warnings, t0)

    def _answer(
        self, question: str, hits: list[Hit], on_token: Callable[[str], None] | None
    ) -> Answer:
        t0 = time.perf_counter()
        language = detect_language(question)
        early, groups = self._prepare(question, hits, t0)
        if early is not None:
            return early
        sources = [merged for merged, _ in groups]
        selected = select_context(sources, question, self.context_tokens, self._relevance(question))
        messages = self.prompt.render(
            language=language,
            cannot_answer=CANNOT_ANSWER,
            sources=format_sources(sources, selected),
            question=question,
        )
        try:
            raw = self._call_model(messages, on_token)
        except Exception as exc:  # any provider failure → extractive, with a warning
            warning = f"model failed ({type(exc).__name__}: {exc}); extractive answer"
            return self._extractive(question, sources, t0, [warning], groups)
        answer, listed = _parse_model_output(raw)
        if _is_abstention(answer):
            return self._abstain(question, "llm", t0, [])
        if language == "Dutch" and detect_language(answer) == "English":
            warning = "model answered in English to a Dutch question; extractive answer"
            return self._extractive(question, sources, t0, [warning], groups)
        kind = answer_type(question)
        if not has_answer_type(_MARKER.sub("", answer), kind, question):
            # a when-question answered without any date or day does not answer it
            warning = f"model answer holds no {kind}; extractive answer instead"
            return self._extractive(question, sources, t0, [warning], groups)
        cited = parse_citation_markers(answer) or listed
        valid = [n for n in cited if 1 <= n <= len(sources)]
        warnings = []
        dropped = [n for n in cited if n not in valid]
        if dropped:
            warnings.append(f"dropped citations to sources that were not given: {dropped}")
        if not valid:
            warnings.append("model answer had no valid citation; extractive answer instead")
            return self._extractive(question, sources, t0, warnings, groups)
        answer, valid = attribute(answer, sources, valid)
        cited_sources = [sources[n - 1] for n in valid]
        best = best_typed_sentence(question, sources)
        if kind and best and not shares_answer_value(answer, best, kind, question):
            # the model's date/number is not the one in the sentence that best answers the
            # question: small models pick a neighbouring fact; the sentence itself is safer
            warning = f"model answer's {kind} differs from the best source sentence"
            return self._extractive(question, sources, t0, [warning], groups)
        on_topic, anchor = topic_anchor(answer, question, sources)
        if not on_topic:
            warning = "model answer comes from a passage about another topic; extractive answer"
            return self._extractive(question, sources, t0, [warning], groups)
        if anchor:
            # the model's sentence leaves its topic to the sentence before it: show that too
            n, sentence = anchor
            answer = f"{sentence} [{n}] {answer}"
            valid = [n, *(v for v in valid if v != n)]
        if dates_only_in_header(answer, cited_sources, when=kind == "time"):
            # small models read the meeting date in a source header as the answer to 'wanneer'
            warning = "model answer's date is only the meeting date, not in the minutes' text"
            return self._extractive(question, sources, t0, [warning], groups)
        similarity, stray = 1.0, list[str]()
        if language != "Dutch":
            similarity, stray = cross_language_support(
                answer, question, cited_sources, self.retriever.index.embeddings
            )
        if (
            unsupported_share(answer, question, cited_sources, language) > 0.5
            or similarity < self.min_similarity
        ):
            return self._abstain(
                question, "llm", t0, ["model answer is not supported by the sources; abstained"]
            )
        if stray:
            warning = f"model answer names {', '.join(stray)}, not in its source sentence"
            return self._extractive(question, sources, t0, [warning], groups)
        clean = _MARKER.sub("", answer).strip()
        citations = []
        for n in valid:
            merged, members = groups[n - 1]
            quote = _best_sentence(merged.text, clean + " " + question)
            if not any(quote in m.text for m in members):  # verbatim in a retrieved chunk
                continue
            citations.append(_citation(n, merged, quote))
        if not citations:
            return self._abstain(question, "llm", t0, [*warnings, "no quote could be verified"])
        return self._result(question, answer.strip(), citations, "llm", warnings, t0)

    def _answer_sentences(
        self, question: str, hits: list[Hit], on_token: Callable[[str], None] | None
    ) -> Answer:
        """The model points at numbered sentences; code quotes them and checks the answer
        against exactly those (:mod:`verslagqa.grounded`)."""
        t0 = time.perf_counter()
        language = detect_language(question)
        english = language != "Dutch"
        early, groups = self._prepare(question, hits, t0)
        if early is not None:
            return early
        sources = [merged for merged, _ in groups]
        selected = select_context(sources, question, self.context_tokens, self._relevance(question))
        numbered = number_sentences(sources, selected, [_sentences(h.text) for h in sources])
        if not numbered:
            return self._abstain(question, "llm", t0, [])
        by_id = {s.sid: s for s in numbered}
        messages = self.sentence_prompt.render(
            language=language,
            cannot_answer=CANNOT_ANSWER,
            sources=format_numbered(sources, numbered),
            question=question,
        )
        try:
            raw = self._call_model(messages, on_token, schema=sentence_schema(list(by_id)))
        except Exception as exc:  # any provider failure → extractive, with a warning
            warning = f"model failed ({type(exc).__name__}: {exc}); extractive answer"
            return self._extractive(question, sources, t0, [warning], groups)
        answer, ids = _parse_sentence_reply(raw)
        chosen = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
        if _is_abstention(answer):
            return self._abstain(question, "llm", t0, [])
        kind = answer_type(question)
        similarity = self._similarity(answer, [c.text for c in chosen]) if english else None
        checks: dict[str, Any] = {
            "english": english,
            "min_similarity": self.min_similarity,
            "weight": self._idf(question),
            "kind": "who" if re.match(r"(?i)\s*(wie|who)\b", question) else kind,
        }
        verdict = (
            verify(question, answer, chosen, sources, similarity=similarity, **checks)
            if chosen
            else None
        )
        if chosen and not (verdict and verdict.supported and verdict.on_topic) and not english:
            # a right answer with the wrong ids: the sentence that carries it, found by code
            # among the sentences of the sources the model pointed at
            near = [s for s in numbered if s.source in {c.source for c in chosen}]
            found = attribute_sentences(question, answer, near, sources, **checks)
            if found:
                chosen, verdict = found
        if not chosen or verdict is None:
            return self._abstain(question, "llm", t0, [])
        evidence = " ".join(c.text for c in chosen)
        if kind and not has_answer_type(evidence, kind, question):
            # a when/how-many/where question whose sentences hold no date/number/place
            return self._abstain(
                question, "llm", t0, [f"the sentences the model chose hold no {kind}"]
            )
        if not verdict.on_topic:
            return self._abstain(
                question, "llm", t0, ["the sentences the model chose are not about the question"]
            )
        if kind and verdict.supported and not has_answer_type(answer, kind, question):
            verdict.supported, verdict.reason = False, f"the answer holds no {kind}"
        citations: list[Citation] = []
        for c in chosen:
            members = groups[c.source - 1][1]
            if any(c.text in m.text for m in members):  # verbatim in a retrieved chunk
                citations.append(_citation(c.source, sources[c.source - 1], c.text))
        if not citations:
            return self._abstain(question, "llm", t0, ["no quote could be verified"])
        markers = " ".join(f"[{n}]" for n in dict.fromkeys(c.source for c in chosen))
        wrong_language = not english and detect_language(answer) == "English"
        if verdict.supported and not wrong_language:
            text = f"{_MARKER.sub('', answer).strip()} {markers}"
            return self._result(question, text, citations, "llm", [], t0)
        reason = "it is in English" if wrong_language else verdict.reason
        quoted = " ".join(f"{c.text} [{c.source}]" for c in chosen)
        warning = f"the model's answer is not carried by its sentences ({reason}); they are shown"
        return self._result(question, quoted, citations, "quoted", [warning], t0)

    def _idf(self, question: str) -> dict[str, float]:
        """Inverse document frequency of the question's stems in the index."""
        import math

        df, n = self.retriever.index.keyword.document_frequencies()
        return {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in tokenize(question)}

    def _similarity(self, answer: str, sentences: list[str]) -> float:
        import numpy as np

        emb = self.retriever.index.embeddings
        if not sentences:
            return 0.0
        # both sides embedded as passages: an answer is a statement, not a query
        vecs = np.asarray(emb.embed_documents([answer, *sentences]), dtype=float)
        return float(max(vecs[1:] @ vecs[0]))

    def _prepare(
        self, question: str, hits: list[Hit], t0: float
    ) -> tuple[Answer | None, list[tuple[Hit, list[Hit]]]]:
        """Abstain early (nothing relevant retrieved, the question's subject never occurs in
        the minutes) or answer extractively without a model; else the grouped sources."""
        mode = "llm" if self.model else "extractive"
        q_stems = set(tokenize(question))
        language = detect_language(question)
        # shared terms say nothing across languages: there the model and the checks decide
        relevant = [
            h for h in hits if language != "Dutch" or _overlap(q_stems, h.text) >= self.min_overlap
        ]
        if not hits or not relevant:
            return self._abstain(question, mode, t0, []), []
        unknown = self._unknown_terms(question) if language == "Dutch" else []
        content = q_stems - _QUESTION_WORDS
        if len(unknown) >= 2 and len(unknown) >= 0.5 * len(content):
            # most of what the question is about never occurs in the indexed minutes
            return self._abstain(question, mode, t0, []), []
        groups = group_hits(hits, self.k)
        if self.model is None:
            sources = [merged for merged, _ in groups]
            return self._extractive(question, sources, t0, [], groups), groups
        return None, groups

    def _relevance(self, question: str) -> Relevance:
        """Shared stems for Dutch questions; embedding similarity across languages."""
        if detect_language(question) == "Dutch":
            return lexical_relevance(question)
        if self._relevance_cache[0] != question:
            emb = embedding_relevance(question, self.retriever.index.embeddings)
            self._relevance_cache = (question, emb)
        return self._relevance_cache[1]

    def _unknown_terms(self, question: str) -> list[str]:
        vocab = self.retriever.index.keyword.vocabulary()
        if not vocab:
            return []
        return [t for t in tokenize(question) if t not in vocab and t not in _QUESTION_WORDS]

    def _call_model(
        self,
        messages: list,
        on_token: Callable[[str], None] | None,
        schema: dict[str, Any] | None = None,
    ) -> str:
        assert self.model is not None
        kwargs: dict[str, Any] = {}
        from .llm import LlamaCppChat

        if isinstance(self.model, LlamaCppChat):
            kwargs["response_format"] = {"type": "json_object", "schema": schema or ANSWER_SCHEMA}
        if on_token is None:
            return str(self.model.invoke(messages, **kwargs).content)
        parts = []
        streamer = _AnswerFieldStreamer(on_token)
        for chunk in self.model.stream(messages, **kwargs):
            text = str(chunk.content)
            parts.append(text)
            streamer.feed(text)
        return "".join(parts)

    def _extractive(
        self,
        question: str,
        hits: list[Hit],
        t0: float,
        warnings: list[str],
        groups: list[tuple[Hit, list[Hit]]] | None = None,
    ) -> Answer:
        """The best-matching sentences of the top sources, each cited."""
        rel = self._relevance(question)
        kind = answer_type(question)
        scored = []
        base: dict[str, float] = {}
        for n, h in enumerate(hits, start=1):
            sentences = _sentences(h.text)
            for s, score in zip(sentences, rel(sentences), strict=True):
                if REDACTION_TOKEN_RE.fullmatch(s.strip()):
                    continue
                base[s] = score
                # a sentence of the asked type (a date for 'wanneer') is worth one more term
                bonus = 1.0 if kind and has_answer_type(s, kind, question) else 0.0
                scored.append((score + bonus + 0.5 / n, n, s))
        if kind in ("time", "number"):
            # a 'wanneer'/'hoeveel' question is answered by a sentence with a date/number; when
            # no relevant sentence has one, the sources do not answer it
            typed = [t for t in scored if has_answer_type(t[2], kind, question) and base[t[2]] >= 1]
            if not typed:
                return self._abstain(question, "extractive", t0, warnings)
            scored = typed
        scored.sort(key=lambda t: -t[0])
        picked = [t for t in scored[:2] if t[0] >= 1] or scored[:1]
        if not picked:
            return self._abstain(question, "extractive", t0, warnings)
        citations: list[Citation] = []
        parts: list[str] = []
        for _, n, first in picked:
            if any(c.n == n for c in citations):
                continue
            members = groups[n - 1][1] if groups else [hits[n - 1]]
            mine = [t[2] for t in picked if t[1] == n]
            for m in members:
                # adjacent picks of one source are quoted (and shown) as one verbatim stretch
                span = _span(m.text, mine)
                if span:
                    parts.append(f"{span} [{n}]")
                    citations.append(_citation(n, hits[n - 1], span))
                    break
                if first in m.text:
                    parts.extend(f"{x} [{n}]" for x in mine)
                    citations.append(_citation(n, hits[n - 1], first))
                    break
        text = " ".join(parts)
        if not citations:
            return self._abstain(question, "extractive", t0, warnings)
        return self._result(question, text, citations, "extractive", warnings, t0)


class _AnswerFieldStreamer:
    """Passes on only the characters of the JSON ``answer`` field while it is generated."""

    def __init__(self, on_token: Callable[[str], None]) -> None:
        self.on_token = on_token
        self.buffer = ""
        self.state = "before"  # before → inside → after

    def feed(self, text: str) -> None:
        for ch in text:
            if self.state == "before":
                self.buffer += ch
                if re.search(r'"answer"\s*:\s*"$', self.buffer):
                    self.state = "inside"
                    self.buffer = ""
            elif self.state == "inside":
                if self.buffer.endswith("\\"):
                    self.buffer = ""
                    self.on_token({"n": "\n", '"': '"'}.get(ch, ch))
                elif ch == "\\":
                    self.buffer = "\\"
                elif ch == '"':
                    self.state = "after"
                else:
                    self.on_token(ch)
