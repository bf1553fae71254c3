"""Grounded answers: retrieve → numbered sentences → model → attribute → check → answer.

The orchestration only; the parts live in their own modules:

* :mod:`verslagqa.grounded` — which sentences the model sees, numbered, and which of them carry
  its answer (the quote is taken from the source by code, never from the model);
* :mod:`verslagqa.checks` — the checks the answer must pass (each a small object with a name,
  a reason code and thresholds from settings);
* :mod:`verslagqa.extractive` — answers without a model;
* :mod:`verslagqa.meeting_dates` — "wanneer is X besproken?", answered from the record;
* :mod:`verslagqa.withheld` — "wie …?" where the minutes black out the name.

Outcomes (``Answer.mode``): the model's answer when every check passed (``llm``); else the source
sentence that best answers the question, quoted, with a warning (``quoted``); else an abstention
(:data:`CANNOT_ANSWER`); a question about when a meeting discussed something: the dates of the
meetings whose items name the topic (``dates``); a who-question the model could not answer
where the passage on the topic has the name redacted: that it is withheld, with the ground
(``withheld``, with a warning). ``Answer.checks`` lists every check that ran and what it found.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableLambda

from .checks import (
    SUPPORT_CHECKS,
    Draft,
    abbreviations,
    answer_type,
    asks_who,
    default_checks,
    failed,
    has_answer_type,
    is_question,
    names,
    numbers,
    run_checks,
    term_coverage,
)
from .dutch import tokenize
from .extractive import citation, extractive_answer
from .grounded import (
    NumberedSentence,
    Relevance,
    attribute,
    carrying,
    embedding_relevance,
    format_numbered,
    group_hits,
    lexical_relevance,
    number_sentences,
    overlap,
    select_context,
    sentence_schema,
    source_sentences,
)
from .meeting_dates import (
    asks_meeting_date,
    meeting_date_answer,
    named_period,
    without_period,
)
from .prompting import load_prompt
from .retrieve import Hit, HybridRetriever, Mode, SearchFilters
from .safety import detect_language
from .schemas import CANNOT_ANSWER, Answer, CheckResult, Citation
from .settings import AnswerSettings
from .withheld import WITHHELD_WARNING, withheld_answer

__all__ = ["CANNOT_ANSWER", "Answer", "AnswerChain", "Citation", "detect_language"]

_MARKER = re.compile(r"\s*\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")

# Words every question uses; they say nothing about whether the minutes cover the topic.
_QUESTION_WORDS = frozenset(
    tokenize(
        "wanneer hoeveel welk welke waarom waar wie wat hoe gezegd besproken besloten "
        "afgesproken verslag verslagen vergadering vergaderingen volgens staat stand zaken"
    )
)


def parse_sentence_reply(raw: str) -> tuple[str, list[str]]:
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


_ABSTENTION = re.compile(
    r"(?i)(staat|staan|vind\w*|is|zijn) (dit |dat |het |er )?niet (\w+ ){0,2}in de verslagen|"
    r"niet in de verslagen|not (stated |mentioned |found )?in the minutes|"
    r"(niet|not) (te )?(be)?(answer|beantwoord)"
)


def is_abstention(answer: str) -> bool:
    """True for an empty answer or one that says the minutes do not tell (in any wording)."""
    norm = re.sub(r"\s+", " ", answer).strip()
    return not norm or CANNOT_ANSWER.lower() in norm.lower() or bool(_ABSTENTION.search(norm))


class AnswerChain:
    """question → retrieve → select → prompt → model → attribute → checks → :class:`Answer`."""

    def __init__(
        self,
        retriever: HybridRetriever,
        model: BaseChatModel | None,
        *,
        model_name: str = "",
        settings: AnswerSettings | None = None,
        k: int | None = None,
    ) -> None:
        self.retriever = retriever
        self.model = model
        self.model_name = model_name or ("extractive" if model is None else "custom")
        self.settings = settings or AnswerSettings()
        self.k = k or self.settings.k
        self.checks = default_checks(self.settings.checks)
        self.support_checks = [c for c in self.checks if c.name in SUPPORT_CHECKS]
        self.prompt = load_prompt(self.settings.prompt)
        self.judge_prompt = load_prompt("judge")
        # the reply's fields in the order the prompt shows them (the grammar enforces an order)
        system = self.prompt.sections.get("system", "")
        self._answer_first = system.find('"answer"') < system.find('"sentences"')
        self.last_hits: list[Hit] = []
        #: the sources (one per agenda item, numbered from 1) of the last answer
        self.last_sources: list[Hit] = []
        #: the numbered sentences of those sources the model was shown for the last answer
        self.last_shown: list[NumberedSentence] = []
        # LCEL: the same steps as a Runnable, for users who compose chains
        self.runnable = RunnableLambda(self._retrieve_step) | RunnableLambda(self._answer_step)

    # steps, usable on their own and through ``runnable``
    def _retrieve_step(self, inp: dict[str, Any]) -> dict[str, Any]:
        filters = inp.get("filters") or SearchFilters()
        # the keyword index holds Dutch stems: an English question matches by meaning only
        mode: Mode | None = "dense" if detect_language(inp["question"]) != "Dutch" else None
        k = inp.get("k") or self.k
        question = inp["question"]
        period = named_period(question) if filters.is_empty() and k >= 2 else None
        if period is None:
            hits = self.retriever.search(question, k=k, filters=filters, mode=mode)
        else:
            hits = self._in_named_period(question, period, k, mode)
        self.last_hits = hits
        return {**inp, "hits": hits}

    def _in_named_period(
        self, question: str, period: tuple[dt.date, dt.date], k: int, mode: Mode | None
    ) -> list[Hit]:
        """A question that places its meeting in time ("… in het TO van december 2022?") gets
        the best passages of the meetings held then first, as if the user had set the date
        filter; the best passage of the whole index keeps one place, since the date may be an
        event's rather than the meeting's ("Hoeveel vaccins zijn in december 2021 ontvangen?").
        No meeting held then: the plain search."""
        vector = None
        if (mode or self.retriever.mode) != "bm25":  # both searches use one query vector
            vector = self.retriever.index.embeddings.embed_query(question)
        hits = self.retriever.search(question, k=k, mode=mode, query_vector=vector)
        van, tot = period
        scoped = self.retriever.search(
            question,
            k=k - 1,
            filters=SearchFilters(van=van, tot=tot),
            mode=mode,
            query_vector=vector,
        )
        seen = {h.chunk_id for h in scoped}
        return [*scoped, *[h for h in hits if h.chunk_id not in seen]][:k]

    def _answer_step(self, inp: dict[str, Any]) -> Answer:
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

    def warm(self) -> None:
        """Load the encoder and the model and read the prompts' fixed instructions now, so the
        first question costs what every later one does (the REPL calls this while the user
        types)."""
        self.retriever.index.embeddings.embed_query("vergadering")
        prefill = getattr(self.model, "prefill", None)
        if prefill is None:
            return
        pairs = [("Wie?", "[1] a\n1.1 b"), ("Wat is besloten?", "[1] c\n1.1 d")]
        prefill(
            [
                self.prompt.render(
                    language="Dutch", cannot_answer=CANNOT_ANSWER, sources=src, question=q
                )
                for q, src in pairs
            ]
        )
        if self.settings.checks.judge:
            prefill(
                [self.judge_prompt.render(sentence=s, question=q) for q, s in pairs], judge=True
            )

    # -- the orchestration ---------------------------------------------------------------------

    def _answer(
        self, question: str, hits: list[Hit], on_token: Callable[[str], None] | None
    ) -> Answer:
        t0 = time.perf_counter()
        language = detect_language(question)
        english = language != "Dutch"
        self.last_sources, self.last_shown = [], []
        early, groups = self._prepare(question, hits, t0)
        if early is not None:
            return early
        if not english and asks_meeting_date(question):
            dated = self._meeting_dates(question, groups, t0)
            if dated is not None:
                return dated
        if self.model is None:
            return self._extractive(question, groups, t0, [], self.relevance(question))
        sources, shown, relevance = self._context(question, groups, self.settings.context_tokens)
        self.last_sources, self.last_shown = sources, shown
        if not shown:
            return self._abstain(question, "llm", t0, [])
        messages, schema = self.request(question, sources, shown)
        try:
            raw = self._call_model(messages, on_token, schema=schema)
        except Exception as exc:  # any provider failure → extractive, with a warning
            warning = f"model failed ({type(exc).__name__}: {exc}); extractive answer"
            return self._extractive(question, groups, t0, [warning], relevance)
        reply, ids = parse_sentence_reply(raw)
        answer = _MARKER.sub("", reply).strip()
        checked = self._check_reply(question, answer, ids, groups, sources, shown, english, t0)
        # what the model said stays on record, also when a quote or an abstention replaced it
        return checked.model_copy(update={"model_reply": answer})

    def _check_reply(
        self,
        question: str,
        answer: str,
        ids: list[str],
        groups: list[tuple[Hit, list[Hit]]],
        sources: list[Hit],
        shown: list[NumberedSentence],
        english: bool,
        t0: float,
    ) -> Answer:
        """The model's reply through the checks: shown as its answer, replaced by a quote or
        a withheld-name answer, or an abstention."""
        if is_abstention(answer):
            return self._withheld(question, groups, t0, []) or self._abstain(
                question, "llm", t0, []
            )
        by_id = {s.sid: s for s in shown}
        chosen = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
        judge = self.judge_for(question)
        ranked = self._ranked(question, shown)
        best = [s for score, s in ranked[:2] if score >= 1]
        rivals = _rivals(ranked, self.settings.checks.max_rivals)
        draft = Draft(
            question=question,
            answer=answer,
            chosen=chosen,
            sources=sources,
            english=english,
            weight=self._idf(question),
            judge=judge,
            rivals=[s.text for s in rivals],
        )
        basis = chosen
        if english:
            basis = chosen or [self._closest(answer, shown)]
        else:
            # the model's ids are a hint: code finds the sentences that carry its answer
            basis = attribute(draft, shown, self.support_checks) or chosen
        if not basis:
            return self._abstain(question, "llm", t0, ["the model pointed at no sentence"])
        draft = replace(draft, chosen=basis)
        if english:
            draft.similarity = lambda: self._similarity(answer, [s.text for s in basis])
        results = run_checks(draft, self.checks)
        if not failed(results):
            return self._result(question, answer, basis, groups, "llm", [], t0, results)
        why = "; ".join(r.detail for r in failed(results))
        # a keyword search is quoted by its own rule (the passage naming its terms)
        standins = [*chosen, *basis, *best]
        if self.settings.checks.quote_supported and is_question(question):
            candidates = self._carriers(draft, shown)
            if any(r.code == "better_sentence_shown" for r in failed(results)):
                # that check named the sentences rated above the answer's own
                candidates += rivals
            quote = self._quote(question, candidates, judge, sources)
            least = self.settings.checks.min_standin_p
            if least is None:
                least = self.settings.checks.min_answer_p
            if judge is not None and least < 1.0:
                # a sentence the answer does not rest on must pass a bar of its own
                other = self._quote(question, standins, judge, sources, least=least)
                if other is not None and (quote is None or judge(other.text) > judge(quote.text)):
                    quote = other
        else:
            quote = self._quote(question, standins, judge, sources)
        withheld = self._withheld(question, groups, t0, results)
        # the sentence that best answers a who-question sits beside the redacted name: that
        # name is the answer
        if withheld is not None and (
            quote is None
            or any(c.n == quote.source and quote.text in c.quote for c in withheld.citations)
        ):
            return withheld
        if quote is None:
            warning = f"the model's answer failed the checks ({why}); no sentence answers it"
            return self._abstain(question, "llm", t0, [warning], results)
        warning = (
            f"the model's answer failed the checks ({why}); "
            "the source sentence that best answers the question is shown instead"
        )
        passage = self._passage(quote, groups)
        text = " ".join(s.text for s in passage)
        return self._result(question, text, passage, groups, "quoted", [warning], t0, results)

    def _context(
        self, question: str, groups: list[tuple[Hit, list[Hit]]], budget: int
    ) -> tuple[list[Hit], list[NumberedSentence], Relevance]:
        """The sources, the sentences of them shown to the model (numbered), and how the
        sentences were scored."""
        sources = [merged for merged, _ in groups]
        relevance = self.relevance(question)
        selected = select_context(sources, question, budget, relevance)
        shown = number_sentences(sources, selected, [source_sentences(h.text) for h in sources])
        return sources, shown, relevance

    def request(
        self, question: str, sources: list[Hit], shown: list[NumberedSentence]
    ) -> tuple[list[BaseMessage], dict[str, Any]]:
        """The answer prompt for ``shown`` (numbered sentences of ``sources``) and the JSON
        schema its reply is held to (only shown ids can be written)."""
        messages = self.prompt.render(
            language=detect_language(question),
            cannot_answer=CANNOT_ANSWER,
            sources=format_numbered(sources, shown),
            question=question,
        )
        return messages, sentence_schema([s.sid for s in shown], answer_first=self._answer_first)

    def context(
        self, question: str, *, budget: int | None = None, filters: SearchFilters | None = None
    ) -> tuple[list[Hit], list[NumberedSentence]]:
        """What the model would be shown for ``question`` (sources and numbered sentences),
        without calling it; nothing when the chain would abstain before the call."""
        hits = self._retrieve_step({"question": question, "filters": filters})["hits"]
        _, groups = self._prepare(question, hits, time.perf_counter())
        if not groups:  # the chain abstains before any model call
            return [], []
        sources, shown, _ = self._context(question, groups, budget or self.settings.context_tokens)
        return sources, shown

    def _passage(
        self, best: NumberedSentence, groups: list[tuple[Hit, list[Hit]]]
    ) -> list[NumberedSentence]:
        """The quoted sentence and the one after it in its source (when that is in a retrieved
        chunk too): minutes often give the answer right after the sentence that names the topic
        (the reason the context shows the sentence after each pick, too)."""
        merged, members = groups[best.source - 1]
        every = source_sentences(merged.text)
        k = every.index(best.text) if best.text in every else len(every)
        if k + 1 >= len(every) or not any(every[k + 1] in m.text for m in members):
            return [best]
        return [best, NumberedSentence(f"{best.sid}+", best.source, every[k + 1], best.text)]

    def _carriers(self, draft: Draft, shown: list[NumberedSentence]) -> list[NumberedSentence]:
        """The shown sentences that carry the model's answer, the ones a quote may be taken
        from: the support checks (numbers, names, wording) pass on each alone or with the
        next shown sentence of its source (the first of the two is returned); for an answer
        in another language, each is at least ``min_similarity`` close to it in meaning. A
        sentence the answer does not rest on is no stand-in for it: on the development gold
        such replacements were wrong more often than right (evals/README.md)."""
        # its names, numbers and abbreviations stand in the sentences themselves, not only
        # in their heading: a meeting titled '… Belastingdienst UWV' carries 'UWV' for every
        # sentence of it
        q = draft.question
        values = (names(draft.answer) | numbers(draft.answer) | abbreviations(draft.answer)) - (
            names(q) | numbers(q) | abbreviations(q)
        )

        def holds_values(group: list[NumberedSentence]) -> bool:
            text = " ".join(s.text for s in group).lower()
            return all(v in text for v in values)

        if draft.english or detect_language(draft.answer) != "Dutch":
            sims = self._cosines(draft.answer, [s.text for s in shown])
            least = self.settings.checks.min_similarity
            return [
                s for s, sim in zip(shown, sims, strict=True) if sim >= least and holds_values([s])
            ]
        # one sentence, or two adjacent ones of a source (the quote shows the next one too)
        found = carrying(draft, shown, self.support_checks)
        return list(dict.fromkeys(group[0] for group, _ in found if holds_values(group)))

    def _ranked(
        self, question: str, shown: list[NumberedSentence]
    ) -> list[tuple[float, NumberedSentence]]:
        """The shown sentences with how well they match the question, best first (the best
        two are what the extractive answer would quote)."""
        scores = self.relevance(question)([s.text for s in shown])
        return sorted(zip(scores, shown, strict=True), key=lambda t: -t[0])

    def _quote(
        self,
        question: str,
        candidates: list[NumberedSentence],
        judge: Callable[[str], float] | None,
        sources: list[Hit],
        *,
        least: float | None = None,
    ) -> NumberedSentence | None:
        """The candidate sentence that best answers the question: it must hold a value of the
        asked kind, and the check call must rate it at least ``min_quote_p`` (a keyword search:
        it must name enough of the search terms)."""
        kind = answer_type(question)
        pool = [s for s in dict.fromkeys(candidates) if has_answer_type(s.text, kind, question)]
        if not pool:
            return None
        settings = self.settings.checks
        if not is_question(question):
            weight = self._idf(question)

            def coverage(s: NumberedSentence) -> float:
                h = sources[s.source - 1]
                return term_coverage(question, f"{s.text} {h.item_title}", weight)

            best = max(pool, key=coverage)
            return best if coverage(best) >= settings.min_search_coverage else None
        if judge is None:
            return pool[0]
        p, best = max(((judge(s.text), s) for s in pool), key=lambda t: t[0])
        return best if p >= (settings.min_quote_p if least is None else least) else None

    def judge_for(self, question: str) -> Callable[[str], float] | None:
        """P(yes) that a text answers ``question``, by the second, short model call (cached per
        text), or None when the check call is switched off or there is no model."""
        if self.model is None or not self.settings.checks.judge:
            return None
        from .llm import yes_probability

        model = self.model
        seen: dict[str, float] = {}

        def judge(text: str) -> float:
            if text not in seen:
                messages = self.judge_prompt.render(sentence=text, question=question)
                seen[text] = yes_probability(model, messages)
            return seen[text]

        return judge

    def _prepare(
        self, question: str, hits: list[Hit], t0: float
    ) -> tuple[Answer | None, list[tuple[Hit, list[Hit]]]]:
        """Abstain early (nothing relevant retrieved, the question's subject never occurs in
        the minutes); else the grouped sources."""
        mode = "llm" if self.model else "extractive"
        q_stems = set(tokenize(question))
        language = detect_language(question)
        # shared terms say nothing across languages: there the model and the checks decide
        relevant = [
            h
            for h in hits
            if language != "Dutch"
            # the question may name the item or the meeting by its title only
            or overlap(q_stems, f"{h.text} {h.item_title} {h.meeting_title}")
            >= self.settings.min_overlap
        ]
        if not hits or not relevant:
            check = CheckResult(
                name="sources_found",
                passed=False,
                code="no_relevant_source",
                detail="no retrieved passage shares a word with the question",
            )
            return self._abstain(question, mode, t0, [], [check]), []
        # the words that date the meeting ("van maart 2026") are no topic the minutes must hold
        topic = without_period(question)
        unknown = self._unknown_terms(topic) if language == "Dutch" else []
        content = set(tokenize(topic)) - _QUESTION_WORDS
        if len(unknown) >= 2 and len(unknown) >= self.settings.max_unknown_share * len(content):
            check = CheckResult(
                name="subject_in_minutes",
                passed=False,
                code="unknown_terms",
                detail=f"never in the indexed minutes: {', '.join(sorted(unknown))}",
            )
            return self._abstain(question, mode, t0, [], [check]), []
        return None, group_hits(hits, self.k)

    # -- helpers -------------------------------------------------------------------------------

    def relevance(self, question: str) -> Relevance:
        """How sentences are scored against ``question`` (which the model is shown, which are
        quoted): shared stems for Dutch questions; embedding similarity across languages."""
        if detect_language(question) == "Dutch":
            return lexical_relevance(question)
        return embedding_relevance(question, self.retriever.index.embeddings)

    def _idf(self, question: str) -> dict[str, float]:
        """Inverse document frequency of the question's stems in the index."""
        df, n = self.retriever.index.keyword.document_frequencies()
        return {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in tokenize(question)}

    def _cosines(self, answer: str, sentences: list[str]) -> Any:
        """Cosine of ``answer`` to each of ``sentences`` (a numpy array), both embedded as
        passages: an answer is a statement, not a query."""
        import numpy as np

        emb = self.retriever.index.embeddings
        vecs = np.asarray(emb.embed_documents([answer, *sentences]), dtype=float)
        return vecs[1:] @ vecs[0]

    def _similarity(self, answer: str, sentences: list[str]) -> float:
        if not sentences:
            return 0.0
        return float(max(self._cosines(answer, sentences)))

    def _closest(self, answer: str, shown: list[NumberedSentence]) -> NumberedSentence:
        """The shown sentence closest in meaning to an answer in another language."""
        return shown[int(self._cosines(answer, [s.text for s in shown]).argmax())]

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
        if schema is not None and getattr(self.model, "json_schema_output", False):
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        if on_token is None:
            return str(self.model.invoke(messages, **kwargs).content)
        parts = []
        streamer = _AnswerFieldStreamer(on_token)
        for chunk in self.model.stream(messages, **kwargs):
            text = str(chunk.content)
            parts.append(text)
            streamer.feed(text)
        return "".join(parts)

    def _meeting_dates(
        self, question: str, groups: list[tuple[Hit, list[Hit]]], t0: float
    ) -> Answer | None:
        """'Wanneer is X besproken?': the dates of the meetings whose retrieved items hold the
        topic (:mod:`verslagqa.meeting_dates`); None when no item does."""
        text, citations = meeting_date_answer(
            question,
            [merged for merged, _ in groups],
            [members for _, members in groups],
            self._idf(question),
            self.settings.checks.min_topic_coverage,
        )
        if not citations:
            return None
        check = CheckResult(
            name="topic_in_items",
            passed=True,
            detail="the cited items hold the question's topic words; the date is the meeting's",
        )
        return self._make(question, text, citations, "dates", [], t0, [check])

    def _withheld(
        self,
        question: str,
        groups: list[tuple[Hit, list[Hit]]],
        t0: float,
        checks: list[CheckResult],
    ) -> Answer | None:
        """'Wie …?' that the model could not answer, where the retrieved passage on the topic
        has a name redacted: that the name is withheld (:mod:`verslagqa.withheld`); None
        otherwise."""
        if detect_language(question) != "Dutch" or not asks_who(question):
            return None
        settings = self.settings.checks
        text, citations = withheld_answer(
            question,
            [merged for merged, _ in groups],
            [members for _, members in groups],
            self._idf(question),
            settings.min_withheld_coverage,
            settings.withheld_window_chars,
        )
        if not citations:
            return None
        check = CheckResult(
            name="name_redacted",
            passed=True,
            detail="the passage holding the question's topic words has a redacted name",
        )
        return self._make(
            question, text, citations, "withheld", [WITHHELD_WARNING], t0, [*checks, check]
        )

    def _extractive(
        self,
        question: str,
        groups: list[tuple[Hit, list[Hit]]],
        t0: float,
        warnings: list[str],
        relevance: Relevance,
    ) -> Answer:
        """The best-matching sentences of the sources, each cited (no model)."""
        sources = [merged for merged, _ in groups]
        text, citations = extractive_answer(
            question, sources, [members for _, members in groups], relevance
        )
        if not citations:
            return self._abstain(question, "extractive", t0, warnings)
        warnings = [
            *warnings,
            "no model answered: these are the best-matching sentences, not a checked answer",
        ]
        return self._make(question, text, citations, "extractive", warnings, t0, [])

    def _result(
        self,
        question: str,
        text: str,
        basis: list[NumberedSentence],
        groups: list[tuple[Hit, list[Hit]]],
        mode: str,
        warnings: list[str],
        t0: float,
        checks: list[CheckResult],
    ) -> Answer:
        """The answer with one citation per basis sentence that occurs verbatim in a retrieved
        chunk of its source; without any, an abstention."""
        citations: list[Citation] = []
        for s in basis:
            merged, members = groups[s.source - 1]
            if any(s.text in m.text for m in members):
                citations.append(citation(s.source, merged, s.text))
        if not citations:
            return self._abstain(question, mode, t0, ["no quote could be verified"], checks)
        markers = " ".join(f"[{n}]" for n in dict.fromkeys(c.n for c in citations))
        return self._make(question, f"{text} {markers}", citations, mode, warnings, t0, checks)

    def _abstain(
        self,
        question: str,
        mode: str,
        t0: float,
        warnings: list[str],
        checks: list[CheckResult] | None = None,
    ) -> Answer:
        return self._make(question, CANNOT_ANSWER, [], mode, warnings, t0, checks or [])

    def _make(
        self,
        question: str,
        text: str,
        citations: list[Citation],
        mode: str,
        warnings: list[str],
        t0: float,
        checks: list[CheckResult],
    ) -> Answer:
        return Answer(
            question=question,
            answer=text,
            abstained=not citations,
            citations=citations,
            mode=mode,
            model=self.model_name,
            warnings=warnings,
            checks=checks,
            language="en" if detect_language(question) == "English" else "nl",
            seconds=round(time.perf_counter() - t0, 2),
        )


def _rivals(ranked: list[tuple[float, NumberedSentence]], most: int) -> list[NumberedSentence]:
    """The shown sentences that match the question as well as the best one does (at most
    ``most``, in the order the context ranks them); none when no sentence shares a term."""
    if not ranked or ranked[0][0] < 1:
        return []
    return [s for score, s in ranked if score == ranked[0][0]][:most]


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
