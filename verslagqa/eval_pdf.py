"""The real-PDF suite: what the parser makes of PDFs as published, against gold read off the
pages (``evals/gold-pdf/files/*.yaml``, format in ``evals/README.md``).

Per file: the documents a bundle holds (page ranges, kinds); per meeting: date, title, times,
agenda items, decisions with their outcome and votes, actions and promises; speakers of
sampled passages of verbatim minutes; redactions per ground; and per gold question whether
its key fact stands, in the parsed text, on the page the gold names (the page a citation would
give) and can be located on that page by its word boxes. Each metric is also reported per
body, so a rule that only works for the body it was fitted on shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .actions import extract_actions
from .eval_meetings import (
    GoldAction,
    GoldMeetingItem,
    action_scores,
    description_match,
    match_actions,
    match_items,
    title_matches,
)
from .pagebox import locate_on_page
from .parse import VerslagParseError, parse_file, pdf_pages_of
from .pdf import PdfPage
from .schemas import Decision, Meeting
from .settings import Settings
from .tracking import extract_decisions

__all__ = [
    "GoldDecision",
    "GoldPdfFile",
    "load_pdf_gold",
    "match_decisions",
    "outcome_right",
    "run_pdf_suite",
]


class _Gold(BaseModel):
    model_config = ConfigDict(extra="ignore")


class GoldDocument(_Gold):
    pages: tuple[int, int]
    kind: str
    title: str = ""
    date: dt.date | None = None


class GoldDecision(_Gold):
    item: str | None = ""
    kind: str = "other"
    number: str | None = None
    subject: str = ""
    outcome: str = "other"
    votes_for: int | None = None
    votes_against: int | None = None
    parties_for: list[str] = Field(default_factory=list)
    parties_against: list[str] = Field(default_factory=list)
    page: int | None = None
    quote: str = ""  # the sentence that records it (text gold)


class GoldSpeaker(_Gold):
    page: int
    quote: str
    name: str
    party: str = ""


class GoldPdfAction(GoldAction):
    model_config = ConfigDict(extra="ignore")
    item: str = ""
    kind: str = "action"
    page: int | None = None


class GoldPdfItem(GoldMeetingItem):
    model_config = ConfigDict(extra="ignore")
    page: int | None = None


class GoldPdfMeeting(_Gold):
    title: str
    title_alt: list[str] = Field(default_factory=list)
    meeting_date: dt.date | None = None
    start_time: str | None = None
    end_time: str | None = None
    pages: tuple[int, int]
    items: list[GoldPdfItem] = Field(default_factory=list)
    decisions: list[GoldDecision] = Field(default_factory=list)
    actions: list[GoldPdfAction] = Field(default_factory=list)
    speakers: list[GoldSpeaker] = Field(default_factory=list)


class GoldRedaction(_Gold):
    page: int
    spelling: str = ""
    ground: str | None = None
    form: str = "text"
    count: int = 1


class GoldPdfFile(_Gold):
    file: str
    body: str
    pages: int
    documents: list[GoldDocument] = Field(default_factory=list)
    meetings: list[GoldPdfMeeting] = Field(default_factory=list)
    redactions: list[GoldRedaction] = Field(default_factory=list)


class GoldPdfQuestion(_Gold):
    id: str
    question: str
    body: str = ""
    expected: list[dict[str, Any]] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)
    answerable: bool = True
    withheld: bool = False


def load_pdf_gold(gold_dir: Path) -> tuple[list[GoldPdfFile], list[GoldPdfQuestion]]:
    """The per-file gold (``files/*.yaml``) and the questions (``questions/*.yaml``)."""
    files = [
        GoldPdfFile.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
        for p in sorted((gold_dir / "files").glob("*.yaml"))
    ]
    questions: list[GoldPdfQuestion] = []
    for p in sorted((gold_dir / "questions").glob("*.yaml")):
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        questions += [GoldPdfQuestion.model_validate(q) for q in data.get("questions", [])]
    return files, questions


# -- matching --------------------------------------------------------------------------------

_KINDS = {  # gold kinds → the parser's document kinds
    "minutes": "minutes", "decision_list": "minutes", "action_list": "minutes",
    "email": "email", "memo": "memo", "note": "memo", "inventory": "inventory",
}  # fmt: skip


def _kind(gold_kind: str) -> str:
    return _KINDS.get(gold_kind, "document")


def _overlap(a: tuple[int, int], b: tuple[int, int] | None) -> int:
    if b is None:
        return 0
    return max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)


def _doc_for(pages: tuple[int, int], docs: list[Meeting]) -> Meeting | None:
    """The parsed document that holds most of ``pages``."""
    best = max(docs, key=lambda d: _overlap(pages, d.pages or (1, 10**6)), default=None)
    if best is None or _overlap(pages, best.pages or (1, 10**6)) == 0:
        return None
    return best


def _fold(text: str) -> str:
    return re.sub(r"[^\w]+", " ", (text or "").lower()).strip()


def _number_key(number: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (number or "").lower())


def match_decisions(predicted: list[Decision], gold: list[GoldDecision]) -> list[tuple[int, int]]:
    """Pairs (predicted, gold) of the same decision: the same motion/amendment number where
    both give one, else the same item and a subject that shares words; each used once."""
    candidates = []
    for pi, p in enumerate(predicted):
        for gi, g in enumerate(gold):
            pn, gn = _number_key(p.number), _number_key(g.number)
            if pn and gn:
                score = 2.0 if pn == gn else 0.0
            elif g.quote:
                # the gold's own record of the decision: the sentence that records it
                # either may hold a sentence more than the other
                score = max(
                    description_match(p.source_quote, g.quote),
                    description_match(g.quote, p.source_quote),
                )
                score = score if score >= 0.6 else 0.0
            else:
                same_item = (p.item_label or "").lower() == (g.item or "").lower()
                score = description_match(p.description, g.subject) if same_item else 0.0
                score = score if score >= 0.5 else 0.0
            if score:
                candidates.append((score, pi, gi))
    pairs, used_p, used_g = [], set(), set()
    for _, pi, gi in sorted(candidates, key=lambda c: -c[0]):
        if pi not in used_p and gi not in used_g:
            used_p.add(pi)
            used_g.add(gi)
            pairs.append((pi, gi))
    return sorted(pairs)


def outcome_right(p: Decision, g: GoldDecision) -> bool:
    if g.outcome == "other":
        return p.outcome in (None, "other", "tied")
    return p.outcome == g.outcome


def _votes_right(p: Decision, g: GoldDecision) -> bool:
    return (g.votes_for is None or p.votes_for == g.votes_for) and (
        g.votes_against is None or p.votes_against == g.votes_against
    )


def _surname(name: str) -> str:
    words = re.findall(r"[\w'-]+", name.lower())
    return words[-1] if words else ""


def _speaker_right(meeting: Meeting, gs: GoldSpeaker) -> tuple[bool, str]:
    """Whether the parsed turn holding ``gs.quote`` is that speaker; and what was found."""
    pos = _find(meeting.text, gs.quote)
    if pos < 0:
        return False, "quote not in the parsed text"
    turn = next((s for s in meeting.speakers if s.start <= pos < s.end), None)
    if turn is None:
        return False, "no speaker"
    name_ok = _surname(gs.name) in _fold(turn.name).split()
    want = _fold(gs.party)
    party_ok = not want or want in (_fold(turn.party), _fold(turn.role))
    return name_ok and party_ok, turn.label


def _find(text: str, quote: str) -> int:
    """Offset of ``quote`` in ``text`` with whitespace folded; -1 if absent."""
    words = quote.split()
    if not words:
        return -1
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return m.start() if m else -1


def _ground(code: str | None) -> str:
    return re.sub(r"[^0-9a-z]", "", (code or "").lower())


# -- the suite -------------------------------------------------------------------------------


def run_pdf_suite(gold_dir: Path, corpus: Path, settings: Settings | None = None) -> dict[str, Any]:
    """Every metric of the real-PDF gold, pooled and per body (see the module doc)."""
    settings = settings or Settings()
    files, questions = load_pdf_gold(Path(gold_dir))
    n: dict[str, Counter[str]] = defaultdict(Counter)
    cases: list[dict[str, Any]] = []
    parsed: dict[str, list[Meeting]] = {}
    for gf in files:
        body = n[gf.body]
        try:
            docs = parse_file(Path(corpus) / gf.file, settings=settings)
        except VerslagParseError as exc:
            cases.append({"file": gf.file, "error": str(exc)})
            body["files_failed"] += 1
            continue
        parsed[gf.file] = docs
        cases.append(_file_case(gf, docs, body))
    pages_cache: dict[str, list[PdfPage]] = {}
    for q in questions:
        case = _page_case(q, parsed, corpus, settings, pages_cache)
        if case is not None:
            n[q.body]["page_facts"] += 1
            n[q.body]["page_right"] += case["page_right"]
            n[q.body]["page_located"] += case["located"]
            cases.append(case)
    by_body = {b: _metrics(c) for b, c in sorted(n.items())}
    pooled: Counter[str] = Counter()
    for c in n.values():
        pooled.update(c)
    return {
        "model": "exact",
        "metrics": _metrics(pooled),
        "by_body": by_body,
        "cases": cases,
    }


def _file_case(gf: GoldPdfFile, docs: list[Meeting], n: Counter[str]) -> dict[str, Any]:
    n["files"] += 1
    found = {(d.pages or (1, gf.pages)) for d in docs}
    n["documents_gold"] += len(gf.documents)
    n["documents_exact"] += sum(tuple(g.pages) in found for g in gf.documents)
    n["documents_predicted"] += len(docs)
    for g in gf.documents:
        doc = _doc_for(g.pages, docs)
        n["kinds_right"] += doc is not None and doc.kind == _kind(g.kind)
    case: dict[str, Any] = {
        "file": gf.file,
        "body": gf.body,
        "documents": {
            "gold": [list(g.pages) for g in gf.documents],
            "parsed": [list(d.pages or (1, gf.pages)) for d in docs],
        },
        "meetings": [],
    }
    for gm in gf.meetings:
        case["meetings"].append(_meeting_case(gm, docs, n))
    pred = Counter[str]()
    for d in docs:
        for ground, count in d.redaction_grounds.items():
            pred[_ground(ground)] += count
    gold = Counter[str]()
    for r in gf.redactions:
        gold[_ground(r.ground)] += r.count
    matched = sum(min(pred[g], gold[g]) for g in gold)
    n["redactions_gold"] += sum(gold.values())
    n["redactions_predicted"] += sum(pred.values())
    n["redactions_matched"] += matched
    case["redactions"] = {"gold": dict(gold), "parsed": dict(pred)}
    return case


def _meeting_case(gm: GoldPdfMeeting, docs: list[Meeting], n: Counter[str]) -> dict[str, Any]:
    n["meetings"] += 1
    doc = _doc_for(gm.pages, docs)
    if doc is None:
        n["items_gold"] += len(gm.items)
        n["decisions_gold"] += len(gm.decisions)
        n["actions_gold"] += len(gm.actions)
        n["speakers_gold"] += len(gm.speakers)
        return {"pages": list(gm.pages), "error": "no parsed document on these pages"}
    date_ok = doc.meeting_date == gm.meeting_date
    title_ok = any(title_matches(doc.title, t) for t in [gm.title, *gm.title_alt])
    times = [
        (getattr(doc, f), getattr(gm, f))
        for f in ("start_time", "end_time")
        if getattr(gm, f) is not None
    ]
    n["date"] += date_ok
    n["title"] += title_ok
    n["times"] += len(times)
    n["times_right"] += sum(a == b for a, b in times)
    predicted = [(i.label, i.title) for i in doc.items]
    hits = match_items(predicted, list[GoldMeetingItem](gm.items))
    n["items_gold"] += len(gm.items)
    n["items_found"] += sum(h is not None for h in hits)
    n["items_predicted"] += sum(1 for p in predicted if p[1])
    decisions = extract_decisions(doc)
    pairs = match_decisions(decisions, gm.decisions)
    right = [(p, g) for p, g in pairs if outcome_right(decisions[p], gm.decisions[g])]
    n["decisions_gold"] += len(gm.decisions)
    n["decisions_predicted"] += len(decisions)
    n["decisions_matched"] += len(pairs)
    n["decisions_right"] += len(right)
    voted = [(p, g) for p, g in right if gm.decisions[g].votes_for is not None]
    n["votes_gold"] += sum(g.votes_for is not None for g in gm.decisions)
    n["votes_right"] += sum(_votes_right(decisions[p], gm.decisions[g]) for p, g in voted)
    actions = extract_actions(doc)
    action_pairs = match_actions(actions, list(gm.actions))
    n["actions_gold"] += len(gm.actions)
    n["actions_predicted"] += len(actions)
    n["actions_matched"] += len(action_pairs)
    speakers = []
    for gs in gm.speakers:
        ok, got = _speaker_right(doc, gs)
        n["speakers_gold"] += 1
        n["speakers_right"] += ok
        if not ok:
            speakers.append({"page": gs.page, "gold": f"{gs.name} ({gs.party})", "parsed": got})
    matched_g = {g for _, g in right}
    return {
        "pages": list(gm.pages),
        "meeting_id": doc.meeting_id,
        "date": {"parsed": str(doc.meeting_date), "gold": str(gm.meeting_date), "right": date_ok},
        "title": {"parsed": doc.title, "gold": gm.title, "right": title_ok},
        "items_missed": [
            f"{g.label} {g.title}"[:80] for g, h in zip(gm.items, hits, strict=True) if h is None
        ],
        "decisions_missed": [
            f"{g.number or g.item} {g.outcome}: {g.subject}"[:100]
            for k, g in enumerate(gm.decisions)
            if k not in matched_g
        ],
        "speakers_wrong": speakers,
        "actions": {"gold": len(gm.actions), "parsed": len(actions), "matched": len(action_pairs)},
    }


def _page_case(
    q: GoldPdfQuestion,
    parsed: dict[str, list[Meeting]],
    corpus: Path,
    settings: Settings,
    pages_cache: dict[str, list[PdfPage]],
) -> dict[str, Any] | None:
    """Where the question's first key fact stands in the parsed text: on the gold page, and
    locatable there by word boxes."""
    if not q.answerable or q.withheld or not q.key_facts or not q.expected:
        return None
    exp = q.expected[0]
    docs = parsed.get(str(exp.get("file")))
    page = exp.get("page")
    if not docs or not page:
        return None
    fact_alts = [f.strip() for f in q.key_facts[0].split("|") if f.strip()]
    pages_seen: set[int] = set()
    for doc in docs:
        for fact in fact_alts:
            for m in re.finditer(re.escape(fact), doc.text, flags=re.I):
                p = doc.page_at(m.start())
                if p is not None:
                    pages_seen.add(p)
    if str(exp["file"]) not in pages_cache:
        pages_cache[str(exp["file"])] = pdf_pages_of(Path(corpus) / str(exp["file"]), settings)
    pdf_pages = pages_cache[str(exp["file"])]
    located = any(
        locate_on_page(pdf_pages[page - 1], fact) is not None
        for fact in fact_alts
        if 0 < page <= len(pdf_pages)
    )
    return {
        "question": q.id,
        "fact": q.key_facts[0],
        "gold_page": page,
        "parsed_pages": sorted(pages_seen),
        "page_right": page in pages_seen,
        "located": located,
    }


def _ratio(a: float, b: float, empty: float = 1.0) -> float:
    return a / b if b else empty


def _metrics(c: Counter[str]) -> dict[str, float]:
    d = action_scores(c["decisions_predicted"], c["decisions_gold"], c["decisions_right"])
    a = action_scores(c["actions_predicted"], c["actions_gold"], c["actions_matched"])
    r = action_scores(c["redactions_predicted"], c["redactions_gold"], c["redactions_matched"])
    meetings = c["meetings"]
    return {
        "files": float(c["files"]),
        "documents_exact": _ratio(c["documents_exact"], c["documents_gold"]),
        "document_kind_accuracy": _ratio(c["kinds_right"], c["documents_gold"]),
        "meetings": float(meetings),
        "date_accuracy": _ratio(c["date"], meetings),
        "title_accuracy": _ratio(c["title"], meetings),
        "time_accuracy": _ratio(c["times_right"], c["times"]),
        "item_recall": _ratio(c["items_found"], c["items_gold"]),
        "item_precision": _ratio(c["items_found"], c["items_predicted"]),
        "decisions_gold": float(c["decisions_gold"]),
        "decision_precision": d["precision"],
        "decision_recall": d["recall"],
        "decision_f1": d["f1"],
        "decision_found_f1": action_scores(
            c["decisions_predicted"], c["decisions_gold"], c["decisions_matched"]
        )["f1"],
        "votes_right": _ratio(c["votes_right"], c["votes_gold"]),
        "actions_gold": float(c["actions_gold"]),
        "action_f1": a["f1"],
        "speakers_gold": float(c["speakers_gold"]),
        "speaker_accuracy": _ratio(c["speakers_right"], c["speakers_gold"]),
        "redactions_gold": float(c["redactions_gold"]),
        "redaction_precision": r["precision"],
        "redaction_recall": r["recall"],
        "page_facts": float(c["page_facts"]),
        "page_accuracy": _ratio(c["page_right"], c["page_facts"]),
        "located_on_page": _ratio(c["page_located"], c["page_facts"]),
    }
