"""Cross-body evaluation: every suite per body, and every threshold chosen on the other bodies.

The development material holds six bodies: the samples (a ministry's management team), two in
the text corpus (Logius' technical consultations, UWV's minutes from Woo releases) and three in
the real PDFs (a city council, a province, a ministry's Wob bundles). A rule or threshold chosen
by looking at a body's failures works on that body; whether it works elsewhere shows only on a
body it was not chosen on. So:

* the deterministic suites (structure, decisions, actions) are reported per body and pooled;
  their rules have no threshold fitted to data (a rule that only works where it was written
  shows as a body far below the others);
* every threshold chosen from data is chosen by :func:`leave_one_body_out`: for each body, the
  value that scores best on the *other* bodies is applied to it (out-of-body), beside the value
  chosen with it included (in-body). The gap between the two is what fitting bought.

Here that is the withheld detector's coverage threshold (``min_withheld_coverage``): for every
Dutch who-question, the passage around a redaction mark that holds most of its topic words is
found over keyword retrieval of all six bodies' documents (:func:`withheld_cases`), and a
threshold says withheld when that passage covers enough of the question. The QA suite's
thresholds are calibrated the same way from its cached runs (``scripts/calibrate.py``).
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .checks import asks_who
from .chunk import chunk_meeting
from .dutch import tokenize
from .eval_meetings import (
    GoldMeeting,
    action_scores,
    load_gold_meetings,
    run_actions_suite,
    run_structure_suite,
)
from .eval_pdf import GoldDecision, match_decisions, outcome_right, run_pdf_suite
from .evals import GoldQuestion, load_questions
from .grounded import group_hits
from .keyword import KeywordIndex
from .parse import VerslagParseError, iter_verslag_files, parse_file, parse_verslag
from .retrieve import Hit
from .safety import detect_language
from .schemas import Meeting
from .settings import Settings
from .tracking import extract_decisions
from .withheld import best_redacted_passage

__all__ = [
    "Body",
    "cross_body_material",
    "development_bodies",
    "leave_one_body_out",
    "run_cross_body",
    "withheld_cases",
]

#: Thresholds tried for the withheld detector's coverage.
COVERAGE_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class Body:
    """One body of the development material: its gold, its documents, how its files are
    told from the other bodies' files in the same folder."""

    name: str
    gold: Path
    corpus: Path
    prefix: str = ""  # the body's files in a shared folder start with this
    pdf: bool = False  # gold in the real-PDF format (evals/gold-pdf)

    def owns(self, file: str) -> bool:
        return Path(file).name.startswith(self.prefix)


def development_bodies(root: Path) -> list[Body]:
    """The six bodies of the development material under ``root`` (a checkout)."""
    gold_pdf, pdf = root / "evals" / "gold-pdf", root / "evals" / "corpus-pdf"
    return [
        Body("samples", root / "evals" / "gold", root / "samples" / "verslagen"),
        Body("logius", root / "evals" / "gold-corpus", root / "evals" / "corpus", "logius_"),
        Body("uwv", root / "evals" / "gold-corpus", root / "evals" / "corpus", "uwv_"),
        Body("denhaag", gold_pdf, pdf, "denhaag_", pdf=True),
        Body("pnh", gold_pdf, pdf, "pnh_", pdf=True),
        Body("minfin", gold_pdf, pdf, "minfin_", pdf=True),
    ]


def _questions(body: Body) -> list[GoldQuestion]:
    out = []
    for q in load_questions(body.gold):
        if q.body:
            if q.body == body.name:
                out.append(q)
        elif body.prefix == "" or any(e.file and body.owns(e.file) for e in q.expected):
            out.append(q)
    return out


def cross_body_material(root: Path) -> tuple[list[Path], list[GoldQuestion]]:
    """The folders of every body's documents and every body's questions, each with its body."""
    bodies = development_bodies(root)
    questions = []
    for body in bodies:
        for q in _questions(body):
            # ids are unique within a gold set only: 'w01' is in two of them
            questions.append(q.model_copy(update={"body": body.name, "id": f"{body.name}:{q.id}"}))
    return list(dict.fromkeys(b.corpus for b in bodies)), questions


def _gold_meetings(body: Body) -> list[GoldMeeting]:
    return [g for g in load_gold_meetings(body.gold) if body.owns(g.file)]


# -- calibration -------------------------------------------------------------------------------


def leave_one_body_out(
    cases: Sequence[dict[str, Any]],
    grid: Sequence[float],
    score: Callable[[Sequence[dict[str, Any]], float], float],
) -> dict[str, dict[str, float]]:
    """For every body: the grid value that scores best on the other bodies' cases
    (``chosen_out``) and its score on this body (``out_of_body``), beside the value that
    scores best with this body's cases included (``chosen_in``) and its score here
    (``in_body``). Ties go to the middle of the grid's best values."""
    bodies = sorted({c["body"] for c in cases})
    out = {}
    for body in bodies:
        own = [c for c in cases if c["body"] == body]
        rest = [c for c in cases if c["body"] != body]
        chosen_out = _best(rest, grid, score)
        chosen_in = _best(cases, grid, score)
        out[body] = {
            "chosen_out": chosen_out,
            "chosen_in": chosen_in,
            "out_of_body": score(own, chosen_out),
            "in_body": score(own, chosen_in),
            "cases": float(len(own)),
        }
    return out


def _best(
    cases: Sequence[dict[str, Any]],
    grid: Sequence[float],
    score: Callable[[Sequence[dict[str, Any]], float], float],
) -> float:
    scores = [score(cases, v) for v in grid]
    top = max(scores)
    best = [v for v, s in zip(grid, scores, strict=True) if math.isclose(s, top)]
    return best[len(best) // 2]


# -- the withheld detector --------------------------------------------------------------------


class _KeywordSearch:
    """The documents of every body in one keyword index (the index's own BM25, no
    embeddings): what the withheld detector is measured over."""

    def __init__(self, meetings: list[Meeting], settings: Settings, directory: Path) -> None:
        self.keyword = KeywordIndex(directory, "cross")
        self.chunks: dict[str, tuple[str, dict[str, Any]]] = {}
        rows = []
        for m in meetings:
            for c in chunk_meeting(m, max_tokens=settings.chunk.max_tokens,
                                   overlap_tokens=settings.chunk.overlap_tokens):  # fmt: skip
                self.chunks[c.id] = (c.text, dict(c.metadata))
                rows.append((c.id, c.metadata, c.keyword_text))
        self.keyword.replace([], rows)

    def search(self, query: str, k: int) -> list[Hit]:
        hits = []
        for cid, score in self.keyword.search(query, k):
            text, meta = self.chunks[cid]
            hits.append(Hit(
                chunk_id=cid, meeting_id=str(meta["meeting_id"]),
                meeting_title=str(meta["meeting_title"]), meeting_date=str(meta["meeting_date"]),
                item_label=str(meta["item_label"]), item_title=str(meta["item_title"]),
                text=text, score=score, source=str(meta["source"]), start=int(meta["start"]),
                end=int(meta["end"]), kind=str(meta["kind"]), pages=str(meta["pages"]),
            ))  # fmt: skip
        return hits

    def idf(self, question: str) -> dict[str, float]:
        df, n = self.keyword.document_frequencies()
        return {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in tokenize(question)}


def _all_meetings(bodies: Sequence[Body], settings: Settings) -> list[Meeting]:
    meetings: list[Meeting] = []
    for folder in dict.fromkeys(b.corpus for b in bodies):
        for path in iter_verslag_files([folder]):
            if path.name in ("SOURCES.md", "README.md"):
                continue
            try:
                meetings += parse_file(path, settings=settings)
            except VerslagParseError:
                continue
    return meetings


def withheld_cases(
    bodies: Sequence[Body], settings: Settings, directory: Path | None = None
) -> list[dict[str, Any]]:
    """Every Dutch who-question of the bodies (withheld or not) with the coverage of the best
    passage around a redaction mark that keyword retrieval gives it (0 for none) and the
    grounds printed there."""
    with tempfile.TemporaryDirectory() as tmp:
        search = _KeywordSearch(_all_meetings(bodies, settings), settings, directory or Path(tmp))
        k = settings.answer.k
        cases = []
        for body in bodies:
            for q in _questions(body):
                if detect_language(q.question) != "Dutch" or not asks_who(q.question):
                    continue
                groups = group_hits(search.search(q.question, settings.retrieval.candidates), k)
                best = best_redacted_passage(
                    q.question,
                    [merged for merged, _ in groups],
                    [members for _, members in groups],
                    search.idf(q.question),
                    settings.answer.checks.withheld_window_chars,
                )
                cases.append({
                    "body": body.name, "id": q.id, "withheld": q.withheld,
                    "ground": _ground(q.ground),
                    "coverage": best.coverage if best else 0.0,
                    "grounds": sorted({_ground(c) for c in best.codes if c}) if best else [],
                })  # fmt: skip
        search.keyword.close()
    return cases


def _ground(code: str | None) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def withheld_f1(cases: Sequence[dict[str, Any]], threshold: float) -> float:
    """F1 of saying 'withheld' at ``threshold``: right on a withheld question (with its printed
    ground when the gold has one), wrong on any other who-question."""
    said = [c for c in cases if c["coverage"] >= threshold and c["coverage"] > 0]
    right = [
        c for c in said
        if c["withheld"] and (not c["ground"] or c["ground"] in c["grounds"])
    ]  # fmt: skip
    gold = sum(1 for c in cases if c["withheld"])
    return action_scores(len(said), gold, len(right))["f1"]


# -- the run -----------------------------------------------------------------------------------


def _text_body_metrics(body: Body, settings: Settings) -> dict[str, float]:
    gold = _gold_meetings(body)
    structure = run_structure_suite(gold, body.corpus)["metrics"]
    actions = run_actions_suite(gold, body.corpus)["metrics"]
    found = right = predicted = expected = 0
    for gm in gold:
        decisions = [GoldDecision.model_validate(d) for d in _raw_decisions(body, gm)]
        try:
            meeting = parse_verslag(body.corpus / gm.file, settings=settings)
        except VerslagParseError:
            expected += len(decisions)
            continue
        parsed = extract_decisions(meeting)
        pairs = match_decisions(parsed, decisions)
        predicted += len(parsed)
        expected += len(decisions)
        found += len(pairs)
        right += sum(1 for p, g in pairs if outcome_right(parsed[p], decisions[g]))
    return {
        "meetings": float(len(gold)),
        "date_accuracy": structure["date_accuracy"],
        "title_accuracy": structure["title_accuracy"],
        "item_recall": structure["item_recall"],
        "action_f1": actions["f1"],
        "actions_gold": actions["n_gold"],
        "decisions_gold": float(expected),
        "decision_found_f1": action_scores(predicted, expected, found)["f1"],
        "decision_f1": action_scores(predicted, expected, right)["f1"],
    }


def _raw_decisions(body: Body, gm: GoldMeeting) -> list[dict[str, Any]]:
    """The decisions of a text body's gold meeting file (``decisions:``; [] when not there)."""
    for path in sorted((body.gold / "meetings").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if data.get("file") == gm.file:
            return list(data.get("decisions") or [])
    return []


def run_cross_body(root: Path, settings: Settings | None = None) -> dict[str, Any]:
    """The deterministic suites per body and pooled, and the withheld detector's threshold
    chosen leave-one-body-out; see the module doc."""
    settings = settings or Settings()
    bodies = development_bodies(root)
    per_body: dict[str, dict[str, float]] = {}
    for body in bodies:
        if not body.pdf:
            per_body[body.name] = _text_body_metrics(body, settings)
    pdf = run_pdf_suite(bodies[3].gold, bodies[3].corpus, settings)
    for body in bodies:
        if body.pdf:
            m = pdf["by_body"].get(body.name, {})
            per_body[body.name] = {
                "meetings": m.get("meetings", 0.0),
                "date_accuracy": m.get("date_accuracy", 0.0),
                "title_accuracy": m.get("title_accuracy", 0.0),
                "item_recall": m.get("item_recall", 0.0),
                "action_f1": m.get("action_f1", 0.0),
                "actions_gold": m.get("actions_gold", 0.0),
                "decisions_gold": m.get("decisions_gold", 0.0),
                "decision_found_f1": m.get("decision_found_f1", 0.0),
                "decision_f1": m.get("decision_f1", 0.0),
            }
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for body in bodies:
        for q in _questions(body):
            kind = (
                "unanswerable" if not q.answerable else "withheld" if q.withheld
                else "english" if q.language == "en" else "dutch"
            )  # fmt: skip
            counts[body.name][kind] += 1
    cases = withheld_cases(bodies, settings)
    lobo = leave_one_body_out(cases, COVERAGE_GRID, withheld_f1)
    for name, r in lobo.items():
        per_body[name]["withheld_f1_in_body"] = r["in_body"]
        per_body[name]["withheld_f1_out_of_body"] = r["out_of_body"]
    pooled = {
        "withheld_f1_out_of_body": withheld_f1_pooled(cases, lobo),
        "withheld_f1_in_body": withheld_f1(cases, _best(cases, COVERAGE_GRID, withheld_f1)),
    }
    return {
        "bodies": per_body,
        "questions": {b: dict(c) for b, c in counts.items()},
        "calibration": {"min_withheld_coverage": lobo},
        "pooled": pooled,
        "withheld_cases": cases,
    }


def withheld_f1_pooled(cases: Sequence[dict[str, Any]], lobo: dict[str, dict[str, float]]) -> float:
    """F1 over all bodies, each body's cases scored with the value chosen without it."""
    said = right = 0
    for c in cases:
        t = lobo[c["body"]]["chosen_out"]
        if c["coverage"] >= t and c["coverage"] > 0:
            said += 1
            right += c["withheld"] and (not c["ground"] or c["ground"] in c["grounds"])
    gold = sum(1 for c in cases if c["withheld"])
    return action_scores(said, gold, right)["f1"]
