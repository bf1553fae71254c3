"""Evaluation against hand-annotated gold files (see evals/README.md).

This module holds the gold format, the metric functions (each tested on hand-made cases) and
the retrieval suite: item-level recall@k, MRR and nDCG@k for the hybrid, dense-only and
BM25-only retrievers and for a naive baseline (LangChain ``RecursiveCharacterTextSplitter``
chunks of the cleaned text in Chroma, same embedding model, no item-aware chunking).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from .dutch import dutch_date_iso
from .index import Index
from .parse import load_verslagen, parse_file
from .retrieve import HybridRetriever, SearchFilters
from .schemas import Meeting

__all__ = [
    "facts_found",
    "corpus_files",
    "qa_metrics",
    "run_qa_suite",
    "GoldItem",
    "GoldQuestion",
    "load_questions",
    "ndcg_at_k",
    "rank_items",
    "recall_at_k",
    "reciprocal_rank",
    "run_retrieval_suite",
]

ItemKey = tuple[str, str]


ANY_ITEM = "*"


def item_key(label: str, title: str) -> str:
    """How an item is named within its meeting: its label, or its title when unnumbered."""
    return label or title


class GoldItem(BaseModel):
    meeting_id: str = Field(default="", description="Meeting id as produced by the parser.")
    file: str | None = Field(
        default=None, description="The verslag's file name; resolved to its meeting id."
    )
    item: str | None = Field(
        default="",
        description="Agenda item label; '' for an unnumbered section (then `title` names it); "
        "null: any item of the meeting (OCR text whose items cannot be told apart).",
    )
    title: str = Field(default="", description="Section title, for unnumbered sections.")
    page: int | None = Field(
        default=None, description="PDF page the answer stands on (a citation must name it)."
    )

    @property
    def key(self) -> ItemKey:
        return (self.meeting_id, ANY_ITEM if self.item is None else item_key(self.item, self.title))


def covered(expected: ItemKey, keys: Iterable[ItemKey]) -> bool:
    """An expected item is among ``keys`` (any item of its meeting for a wildcard)."""
    if expected[1] == ANY_ITEM:
        return any(k[0] == expected[0] for k in keys)
    return expected in set(keys)


class GoldQuestion(BaseModel):
    id: str
    question: str
    answerable: bool = True
    withheld: bool = Field(default=False, description="The answer is redacted in the source.")
    expected: list[GoldItem] = Field(default_factory=list)
    key_facts: list[str] = Field(
        default_factory=list, description="Phrases the answer must contain; 'a|b' = either."
    )
    filters: SearchFilters = Field(default_factory=SearchFilters)
    kind: str = Field(default="", description="when, who, how many, decided, why, where, …")
    language: str = Field(default="nl", description="'nl' or 'en'.")
    body: str = Field(default="", description="The body whose minutes the question is about.")
    ground: str | None = Field(
        default=None, description="A withheld answer's Woo ground as printed ('10.2.e')."
    )


def corpus_files(corpora: Iterable[str | Path]) -> list[Path]:
    """The documents of corpus folders, without the folders' own description (SOURCES.md,
    README.md: a description of each file would answer questions about it)."""
    from .parse import iter_verslag_files

    return [
        f for f in iter_verslag_files(list(corpora)) if f.name not in ("SOURCES.md", "README.md")
    ]


def load_questions(gold_dir: Path) -> list[GoldQuestion]:
    """Questions from ``gold_dir/questions.yaml`` (or .json) and every
    ``gold_dir/questions/*.yaml`` (a gold set kept in parts, one per body or annotator)."""
    found: list[GoldQuestion] = []
    paths = [Path(gold_dir) / n for n in ("questions.yaml", "questions.yml", "questions.json")]
    paths += sorted((Path(gold_dir) / "questions").glob("*.yaml"))
    for path in paths:
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            found += [GoldQuestion.model_validate(q) for q in data.get("questions", [])]
    if not found and not any(p.exists() for p in paths):
        raise FileNotFoundError(f"no questions.yaml in {gold_dir}")
    return found


def resolve_questions(questions: list[GoldQuestion], corpora: list[Path]) -> None:
    """Fill in the meeting id of every expected item that names its file, and name an
    unnumbered section as the parser does (titles compared as the structure suite does)."""
    from .eval_meetings import title_matches

    cache: dict[str, list[Meeting]] = {}
    for q in questions:
        for e in q.expected:
            if not e.file:
                continue
            if e.file not in cache:
                path = next(
                    (Path(c) / e.file for c in corpora if (Path(c) / e.file).exists()), None
                )
                if path is None:
                    raise ValueError(f"{q.id}: {e.file} is not in {', '.join(map(str, corpora))}")
                cache[e.file] = parse_file(path)
            docs = cache[e.file]
            # a bundle's document: the one that holds the answer's page
            meeting = next(
                (d for d in docs if e.page and d.pages and d.pages[0] <= e.page <= d.pages[1]),
                next((d for d in docs if d.is_minutes), docs[0]),
            )
            e.meeting_id = e.meeting_id or meeting.meeting_id
            if e.item == "" and e.title:
                match = next(
                    (i for i in meeting.items if not i.label and title_matches(i.title, e.title)),
                    None,
                )
                if match is None:
                    raise ValueError(f"{q.id}: no section {e.title!r} in {e.file}")
                e.title = match.title


# -- metrics ---------------------------------------------------------------------------------


def rank_items(hits: list[tuple[str, str]]) -> list[ItemKey]:
    """Unique (meeting_id, item key) in first-seen order: chunk ranking → item ranking."""
    seen: list[ItemKey] = []
    for key in hits:
        if key not in seen:
            seen.append(key)
    return seen


def recall_at_k(ranked: list[ItemKey], expected: set[ItemKey], k: int) -> float:
    """Share of the expected items found in the top k."""
    if not expected:
        return 0.0
    return sum(covered(e, ranked[:k]) for e in expected) / len(expected)


def reciprocal_rank(ranked: list[ItemKey], expected: set[ItemKey]) -> float:
    """1 / rank of the first expected item (0 when none is found)."""
    for rank, key in enumerate(ranked, start=1):
        if any(covered(e, [key]) for e in expected):
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: list[ItemKey], expected: set[ItemKey], k: int) -> float:
    """Binary-relevance nDCG@k."""
    hits = [any(covered(e, [key]) for e in expected) for key in ranked[:k]]
    dcg = sum(1.0 / math.log2(i + 2) for i, hit in enumerate(hits) if hit)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(expected))))
    return dcg / ideal if ideal else 0.0


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# -- naive baseline --------------------------------------------------------------------------


class NaiveBaseline:
    """Fixed-size character chunks of the cleaned meeting text, dense search only."""

    def __init__(
        self, index: Index, corpus: list[Path], chunk_size: int = 1000, overlap: int = 100
    ):
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.index = index
        self.collection = index.client.get_or_create_collection(f"naive-{index.collection}")
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=overlap, add_start_index=True
        )
        if self.collection.count() == 0:
            ids, texts, metas = [], [], []
            for meeting in load_verslagen(corpus).meetings:
                for n, doc in enumerate(splitter.create_documents([meeting.text])):
                    start = int(doc.metadata["start_index"])
                    end = start + len(doc.page_content)
                    # the item the chunk overlaps most
                    best = max(meeting.items, key=lambda it: _overlap(it, start, end))
                    ids.append(f"{meeting.meeting_id}-{n}")
                    texts.append(doc.page_content)
                    metas.append(
                        {
                            "meeting_id": meeting.meeting_id,
                            "item_label": item_key(best.label, best.title),
                            "meeting_ts": _ts(meeting.meeting_date),
                        }
                    )
            vectors = index.embeddings.embed_documents(texts)
            self.collection.add(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)

    def search(self, query: str, n: int, filters: SearchFilters) -> list[tuple[str, str]]:
        where: list[dict[str, Any]] = []
        if filters.van:
            where.append({"meeting_ts": {"$gte": _ts(filters.van)}})
        if filters.tot:
            where.append({"meeting_ts": {"$lte": _ts(filters.tot)}})
        res = self.collection.query(
            query_embeddings=[self.index.embeddings.embed_query(query)],
            n_results=min(n, self.collection.count()),
            where=(where[0] if len(where) == 1 else {"$and": where}) if where else None,
            include=["metadatas"],
        )
        metas = res["metadatas"][0] if res["metadatas"] else []
        return [(str(m["meeting_id"]), str(m["item_label"])) for m in metas]


def _overlap(item: Any, start: int, end: int) -> int:
    return int(min(end, item.end) - max(start, item.start))


def _ts(date: dt.date | None) -> int:
    from .chunk import date_ts

    return date_ts(date)


# -- suite -----------------------------------------------------------------------------------


def run_retrieval_suite(
    index: Index,
    questions: list[GoldQuestion],
    *,
    corpus: list[Path],
    k: int = 5,
    retrievers: tuple[str, ...] = ("hybrid", "dense", "bm25", "naive"),
) -> dict[str, Any]:
    """Item-level retrieval metrics per retriever, with per-question cases."""
    index.add(corpus_files(corpus))
    hybrid = HybridRetriever.from_index(index)
    naive = NaiveBaseline(index, corpus) if "naive" in retrievers else None
    answerable = [q for q in questions if q.answerable and q.expected]
    metrics: dict[str, dict[str, float]] = {}
    cases: list[dict[str, Any]] = []
    vectors = {q.id: index.embeddings.embed_query(q.question) for q in answerable}
    for q in answerable:
        expected = {e.key for e in q.expected}
        vector = vectors[q.id]
        case: dict[str, Any] = {"id": q.id, "question": q.question, "expected": sorted(expected)}
        for name in retrievers:
            t0 = time.perf_counter()
            if name == "naive" and naive is not None:
                ranked = rank_items(naive.search(q.question, 30, q.filters))
            else:
                hits = hybrid.search(
                    q.question, k=30, filters=q.filters, mode=name,  # type: ignore[arg-type]
                    query_vector=vector,
                )  # fmt: skip
                ranked = rank_items(
                    [(h.meeting_id, item_key(h.item_label, h.item_title)) for h in hits]
                )
            case[name] = {
                "ranked": ranked[:k],
                f"recall@{k}": recall_at_k(ranked, expected, k),
                "rr": reciprocal_rank(ranked, expected),
                f"ndcg@{k}": ndcg_at_k(ranked, expected, k),
                "ms": round((time.perf_counter() - t0) * 1000, 1),
            }
        cases.append(case)
    sweep = _weight_sweep(index, answerable, vectors, k) if "hybrid" in retrievers else []
    for name in retrievers:
        metrics[name] = {
            f"recall@{k}": mean([c[name][f"recall@{k}"] for c in cases]),
            "mrr": mean([c[name]["rr"] for c in cases]),
            f"ndcg@{k}": mean([c[name][f"ndcg@{k}"] for c in cases]),
        }
    return {
        "metrics": metrics,
        "cases": cases,
        "k": k,
        "questions": len(cases),
        "weight_sweep": sweep,
    }


def _weight_sweep(
    index: Index, questions: list[GoldQuestion], vectors: dict[str, list[float]], k: int
) -> list[dict[str, Any]]:
    """MRR and recall@k of the hybrid retriever for a grid of BM25 weights and RRF constants."""
    rows = []
    for rrf_k in (10, 60):
        for weight in (0.0, 0.5, 1.0, 1.5):
            r = HybridRetriever.from_index(index, bm25_weight=weight, rrf_k=rrf_k)
            rr, rec = [], []
            for q in questions:
                expected = {e.key for e in q.expected}
                hits = r.search(q.question, k=30, filters=q.filters, query_vector=vectors[q.id])
                ranked = rank_items(
                    [(h.meeting_id, item_key(h.item_label, h.item_title)) for h in hits]
                )
                rr.append(reciprocal_rank(ranked, expected))
                rec.append(recall_at_k(ranked, expected, k))
            rows.append(
                {"rrf_k": rrf_k, "bm25_weight": weight, "mrr": mean(rr), f"recall@{k}": mean(rec)}
            )
    return rows


# -- QA suite --------------------------------------------------------------------------------


_EN_MONTH_DAY = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\s+(\d{1,2})(?:st|nd|rd|th)?\b,?"
)


def _fact_pattern(fact: str) -> re.Pattern[str]:
    """A key fact starts a word ("gelijkenis" is in "gelijkenissen", "Best Practi" a prefix
    the gold writes on purpose); an abbreviation ("MO", "CFA") is a whole word: "MO" does not
    stand in "mondkapjesplicht"."""
    end = r"(?!\w)" if fact.isupper() else ""
    return re.compile(rf"(?<!\w){re.escape(fact.lower())}{end}")


def facts_found(answer: str, key_facts: list[str]) -> float:
    """Share of key facts present in ``answer`` (case-insensitive, from the start of a word;
    an abbreviation as a whole word; 'a|b' = either). An English date in month-day order
    ("March 18, 2026") counts as the same date in day-month order ("18 March 2026"), the order
    the gold writes."""
    if not key_facts:
        return 1.0
    text = _EN_MONTH_DAY.sub(r"\2 \1", answer.lower())
    found = sum(
        any(_fact_pattern(alt.strip()).search(text) for alt in fact.split("|"))
        for fact in key_facts
    )
    return found / len(key_facts)


def run_qa_suite(chain: Any, questions: list[GoldQuestion]) -> dict[str, Any]:
    """Answer accuracy, citation precision/recall (meeting + item), abstention, latency."""
    from .answer import is_abstention

    cases = []
    for q in questions:
        t0 = time.perf_counter()
        ans = chain.ask(q.question, filters=q.filters)
        elapsed = time.perf_counter() - t0
        expected = {e.key for e in q.expected}
        cited = {(c.meeting_id, item_key(c.item_label, c.item_title)) for c in ans.citations}
        case: dict[str, Any] = {
            "id": q.id,
            "question": q.question,
            "answerable": q.answerable,
            "answer": ans.answer,
            "abstained": ans.abstained,
            "mode": ans.mode,
            "cited": sorted(cited),
            "expected": sorted(expected),
            "warnings": ans.warnings,
            "failed_checks": [c.code for c in getattr(ans, "checks", []) if not c.passed],
            "seconds": round(elapsed, 2),
        }
        case["model_reply"] = ans.model_reply
        shown_as_checked = not ans.abstained and not ans.warnings
        quotes = " ".join(c.quote for c in ans.citations)
        if ans.mode == "dates":
            # a meeting-date answer rests on the cited meetings' dates in the record
            quotes += " " + " ".join(dutch_date_iso(c.meeting_date) for c in ans.citations)
        if q.answerable:
            case["facts"] = facts_found(ans.answer, q.key_facts) if not ans.abstained else 0.0
            case["correct"] = case["facts"] == 1.0
            good = {c for c in cited if any(covered(e, [c]) for e in expected)}
            case["citation_precision"] = len(good) / len(cited) if cited else 0.0
            case["citation_recall"] = (
                sum(covered(e, cited) for e in expected) / len(expected) if expected else 0.0
            )
            case["right_source"] = bool(good)
            # a PDF's citation names the page its quote stands on
            pages = {e.meeting_id: e.page for e in q.expected if e.page}
            on_page = [c for c in ans.citations if c.meeting_id in pages and c.page is not None]
            if on_page and not ans.abstained:
                case["page_right"] = all(c.page == pages[c.meeting_id] for c in on_page)
            # the model's part, for what a better check could reach: its own reply before the
            # checks, and the sentences it was shown (an answer by code counts by that answer)
            by_code = ans.mode == "dates" and case["correct"]
            reply = ans.model_reply
            case["reply_correct"] = by_code or (
                bool(reply) and not is_abstention(reply) and facts_found(reply, q.key_facts) == 1.0
            )
            shown = getattr(chain, "last_shown", [])
            case["context_has_facts"] = by_code or any(
                facts_found(s.text, q.key_facts) == 1.0 for s in shown
            )
            # the harm: shown without a warning, but wrong, or its quotes do not hold the facts
            supported = q.withheld or facts_found(quotes, q.key_facts) == 1.0
            case["wrong_but_verified"] = shown_as_checked and not (case["correct"] and supported)
        else:
            case["correct"] = ans.abstained
            case["wrong_but_verified"] = shown_as_checked
        case["kind"], case["language"], case["withheld"] = q.kind, q.language, q.withheld
        case["body"] = q.body
        cases.append(case)
    metrics = qa_metrics(cases, with_parts=any(q.language == "en" or q.withheld for q in questions))
    if getattr(chain, "model", None) is None:
        metrics.pop("dutch_reply_accuracy", None)
        metrics.pop("dutch_context_recall", None)
    bodies = sorted({c["body"] for c in cases if c["body"]})
    by_body = {b: qa_metrics([c for c in cases if c["body"] == b], True) for b in bodies}
    return {"metrics": metrics, "cases": cases, **({"by_body": by_body} if by_body else {})}


def qa_metrics(cases: list[dict[str, Any]], with_parts: bool = True) -> dict[str, float]:
    """The QA suite's figures over ``cases`` (all questions, or one body's)."""
    answerable = [c for c in cases if c["answerable"]]
    unanswerable = [c for c in cases if not c["answerable"]]
    dutch = [c for c in answerable if c["language"] != "en" and not c["withheld"]]
    english = [c for c in answerable if c["language"] == "en"]
    withheld = [c for c in answerable if c["withheld"]]
    seconds = sorted(c["seconds"] for c in cases)
    metrics = {
        "answer_accuracy": mean([float(c["correct"]) for c in answerable]),
        "key_fact_recall": mean([c["facts"] for c in answerable]),
        "citation_precision": mean([c["citation_precision"] for c in answerable]),
        "citation_recall": mean([c["citation_recall"] for c in answerable]),
        "right_source_rate": mean([float(c["right_source"]) for c in answerable]),
        "abstention_accuracy": mean([float(c["correct"]) for c in unanswerable]),
        "false_abstention_rate": mean([float(c["abstained"]) for c in answerable]),
        "wrong_but_verified_rate": mean([float(c["wrong_but_verified"]) for c in cases]),
        "page_right_rate": mean([float(c["page_right"]) for c in answerable if "page_right" in c]),
        # how often the configured model's own answer was kept, and how good those were: the
        # rest are the checked extractive fallback (mode 'extractive')
        "model_answer_rate": mean([float(c["mode"] == "llm") for c in answerable]),
        "model_answer_accuracy": mean(
            [float(c["correct"]) for c in answerable if c["mode"] == "llm"]
        ),
        "latency_mean_s": mean(seconds),
        "latency_p50_s": seconds[len(seconds) // 2] if seconds else 0.0,
        "latency_p95_s": seconds[int(0.95 * (len(seconds) - 1))] if seconds else 0.0,
    }
    if with_parts:  # sets that have English or withheld questions: the parts on their own
        metrics["dutch_accuracy"] = mean([float(c["correct"]) for c in dutch])
        metrics["english_accuracy"] = mean([float(c["correct"]) for c in english])
        metrics["withheld_accuracy"] = mean([float(c["correct"]) for c in withheld])
        # ceilings of the checks: a perfect check shows exactly the right replies, so it
        # cannot pass dutch_reply_accuracy (the quotes aside); the model cannot answer
        # beyond what it was shown (dutch_context_recall)
        metrics["dutch_reply_accuracy"] = mean([float(c["reply_correct"]) for c in dutch])
        metrics["dutch_context_recall"] = mean([float(c["context_has_facts"]) for c in dutch])
        metrics["questions"] = float(len(cases))
    return metrics
