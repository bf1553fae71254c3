"""Meeting-level evals: gold meeting files, the actions suite and the summaries suite.

Gold files are ``<gold>/meetings/*.yaml`` (format in evals/README.md): per meeting the file,
expected metadata, agenda items with key points, and the action items annotated by hand.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from .actions import extract_actions
from .evals import _mean, facts_found
from .keyword import tokenize
from .parse import VerslagParseError, parse_verslag
from .schemas import ActionItem, Meeting
from .summarize import refine_actions, summarize_meeting

__all__ = [
    "GoldAction",
    "GoldMeeting",
    "GoldMeetingItem",
    "action_scores",
    "description_match",
    "load_gold_meetings",
    "match_actions",
    "run_actions_suite",
    "run_summaries_suite",
]

#: Share of the gold description's content words a predicted description must contain.
DESCRIPTION_THRESHOLD = 0.25


class GoldAction(BaseModel):
    owners: list[str] = Field(description="Owners as split by a careful reader.")
    item: str = Field(description="Agenda item label ('' when unnumbered).")
    description: str = Field(description="What must be done, in the words of the minutes.")
    due_date: dt.date | None = Field(default=None, description="Deadline, or null.")


class GoldMeetingItem(BaseModel):
    label: str
    title: str = ""
    key_points: list[str] = Field(
        default_factory=list, description="Phrases a summary must contain; 'a|b' = either."
    )


class GoldMeeting(BaseModel):
    file: str = Field(description="File name of the verslag in the corpus folder.")
    meeting_id: str
    title: str
    meeting_date: dt.date | None = None
    start_time: str | None = None
    end_time: str | None = None
    place: str | None = None
    items: list[GoldMeetingItem] = Field(default_factory=list)
    actions: list[GoldAction] = Field(default_factory=list)


def load_gold_meetings(gold_dir: Path) -> list[GoldMeeting]:
    """Every ``gold_dir/meetings/*.yaml`` (or .json), sorted by file name."""
    folder = Path(gold_dir) / "meetings"
    if not folder.is_dir():
        raise FileNotFoundError(f"no meetings/ folder in {gold_dir}")
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".yaml", ".yml", ".json"):
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            out.append(GoldMeeting.model_validate(data))
        except Exception as exc:
            raise ValueError(f"{path}: {exc}") from exc
    return out


# -- metrics ---------------------------------------------------------------------------------


def _stems(text: str) -> list[str]:
    return [t for t in tokenize(text) if not t.isdigit()]


def description_match(predicted: str, gold: str) -> float:
    """Share of the gold description's content stems found in ``predicted``.

    Stems match when equal or when one contains the other (Dutch compounds and separable
    verbs: 'aanleveren' ~ 'aan te leveren').
    """
    want = _stems(gold)
    if not want:
        return 1.0
    have = set(_stems(predicted))
    found = sum(
        any(g == h or (min(len(g), len(h)) >= 4 and (g in h or h in g)) for h in have) for g in want
    )
    return found / len(want)


def _owner_set(owners: list[str]) -> frozenset[str]:
    return frozenset(o.strip().lower() for o in owners)


def match_actions(
    predicted: list[ActionItem], gold: list[GoldAction], meeting_id: str | None = None
) -> list[tuple[int, int, float]]:
    """Pairs (predicted index, gold index, description score): same owners and item, the
    best description match above the threshold, each action used once."""
    candidates = []
    for pi, p in enumerate(predicted):
        if meeting_id and p.meeting_id != meeting_id:
            continue
        for gi, g in enumerate(gold):
            if _owner_set(p.owners) != _owner_set(g.owners) or p.item_label != g.item:
                continue
            score = description_match(p.description, g.description)
            if score >= DESCRIPTION_THRESHOLD:
                candidates.append((score, pi, gi))
    pairs = []
    used_p: set[int] = set()
    used_g: set[int] = set()
    for score, pi, gi in sorted(candidates, key=lambda c: -c[0]):
        if pi in used_p or gi in used_g:
            continue
        used_p.add(pi)
        used_g.add(gi)
        pairs.append((pi, gi, score))
    return sorted(pairs)


def action_scores(n_predicted: int, n_gold: int, n_matched: int) -> dict[str, float]:
    """Precision, recall and F1 (1.0 for nothing predicted and nothing expected)."""
    precision = n_matched / n_predicted if n_predicted else (1.0 if not n_gold else 0.0)
    recall = n_matched / n_gold if n_gold else (1.0 if not n_predicted else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# -- suites ----------------------------------------------------------------------------------


def _parse(gm: GoldMeeting, corpus: Path) -> Meeting:
    meeting = parse_verslag(Path(corpus) / gm.file)
    if meeting.meeting_id != gm.meeting_id:
        raise ValueError(
            f"{gm.file}: parsed as {meeting.meeting_id!r}, gold says {gm.meeting_id!r}"
        )
    return meeting


def _metadata_case(gm: GoldMeeting, m: Meeting) -> dict[str, Any]:
    fields = {
        "title": (m.title, gm.title),
        "meeting_date": (m.meeting_date, gm.meeting_date),
        "start_time": (m.start_time, gm.start_time),
        "end_time": (m.end_time, gm.end_time),
        "place": (m.place, gm.place),
        "items": ([i.label for i in m.items], [i.label for i in gm.items]),
    }
    wrong = {k: {"parsed": str(a), "gold": str(b)} for k, (a, b) in fields.items() if a != b}
    return {"meeting_id": gm.meeting_id, "metadata_correct": not wrong, "metadata_wrong": wrong}


def run_actions_suite(
    gold: list[GoldMeeting],
    corpus: Path,
    model: BaseChatModel | None = None,
    model_name: str = "exact",
) -> dict[str, Any]:
    """Action precision/recall/F1 (owners + item + description) and deadline accuracy.

    ``model=None`` scores the deterministic extractor alone ("exact"); with a model, the
    descriptions it writes are scored instead.
    """
    cases: list[dict[str, Any]] = []
    totals = {"predicted": 0, "gold": 0, "matched": 0, "due_right": 0}
    for gm in gold:
        try:
            meeting = _parse(gm, corpus)
        except (VerslagParseError, ValueError) as exc:
            cases.append({"meeting_id": gm.meeting_id, "error": str(exc)})
            totals["gold"] += len(gm.actions)
            continue
        predicted = extract_actions(meeting)
        if model is not None:
            predicted, _ = refine_actions(meeting, predicted, model)
        pairs = match_actions(predicted, gm.actions)
        due_right = sum(predicted[p].due_date == gm.actions[g].due_date for p, g, _ in pairs)
        matched_p = {p for p, _, _ in pairs}
        matched_g = {g for _, g, _ in pairs}
        totals["predicted"] += len(predicted)
        totals["gold"] += len(gm.actions)
        totals["matched"] += len(pairs)
        totals["due_right"] += due_right
        cases.append(
            {
                **_metadata_case(gm, meeting),
                **action_scores(len(predicted), len(gm.actions), len(pairs)),
                "predicted": len(predicted),
                "gold": len(gm.actions),
                "matched": len(pairs),
                "deadlines_right": due_right,
                "missed": [
                    gm.actions[g].model_dump(mode="json")
                    for g in range(len(gm.actions))
                    if g not in matched_g
                ],
                "extra": [
                    predicted[p].model_dump(
                        mode="json", include={"owners", "item_label", "description", "due_date"}
                    )
                    for p in range(len(predicted))
                    if p not in matched_p
                ],
                "wrong_deadlines": [
                    {
                        "description": gm.actions[g].description,
                        "predicted": str(predicted[p].due_date),
                        "gold": str(gm.actions[g].due_date),
                    }
                    for p, g, _ in pairs
                    if predicted[p].due_date != gm.actions[g].due_date
                ],
            }
        )
    metrics = action_scores(totals["predicted"], totals["gold"], totals["matched"])
    metrics["deadline_accuracy"] = (
        totals["due_right"] / totals["matched"] if totals["matched"] else 0.0
    )
    metrics["metadata_accuracy"] = _mean([float(c.get("metadata_correct", False)) for c in cases])
    metrics.update({f"n_{k}": float(v) for k, v in totals.items()})
    return {"model": model_name, "metrics": metrics, "cases": cases}


def run_summaries_suite(
    gold: list[GoldMeeting],
    corpus: Path,
    model: BaseChatModel | None,
    model_name: str = "extractive",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Key-point coverage per item, schema validity rate, fallback rate, summary length."""
    cases: list[dict[str, Any]] = []
    items_total = items_valid = items_fallback = items_model = 0
    coverages: list[float] = []
    for gm in gold:
        try:
            meeting = _parse(gm, corpus)
        except (VerslagParseError, ValueError) as exc:
            cases.append({"meeting_id": gm.meeting_id, "error": str(exc)})
            continue
        if progress:
            progress(gm.meeting_id)
        t0 = time.perf_counter()
        summary, warnings = summarize_meeting(meeting, model, model_name=model_name)
        seconds = time.perf_counter() - t0
        by_label = {it.label: it for it in summary.items}
        item_cases: list[dict[str, Any]] = []
        for gi in gm.items:
            got = by_label.get(gi.label)
            text = f"{got.summary} {' '.join(got.decisions)}" if got else ""
            if len(summary.items) == 1:
                # a meeting without agenda items: its meeting summary is the item summary
                text += " " + summary.summary
            coverage = facts_found(text, gi.key_points) if got else 0.0
            coverages.append(coverage)
            item_cases.append(
                {"label": gi.label, "coverage": coverage, "summary": got.summary if got else None,
                 "extractive": got.extractive if got else None}
            )  # fmt: skip
        for it in summary.items:
            items_total += 1
            if it.attempts:
                items_model += 1
                items_valid += int(it.attempts == 1 and not it.extractive)
                items_fallback += int(it.extractive)
        words = len(summary.summary.split())
        cases.append(
            {
                "meeting_id": gm.meeting_id,
                "items_expected": len(gm.items),
                "items_summarised": len(summary.items),
                "every_item_summarised": {i.label for i in gm.items} <= set(by_label),
                "summary": summary.summary,
                "summary_words": words,
                "items": item_cases,
                "warnings": warnings,
                "seconds": round(seconds, 1),
            }
        )
    ok = [c for c in cases if "error" not in c]
    metrics = {
        "key_point_coverage": _mean(coverages),
        "every_item_summarised": _mean([float(c["every_item_summarised"]) for c in ok]),
        "summary_words_mean": _mean([float(c["summary_words"]) for c in ok]),
        "summary_within_150_words": _mean([float(c["summary_words"] <= 150) for c in ok]),
        "seconds_per_meeting": _mean([c["seconds"] for c in ok]),
        "items": float(items_total),
    }
    if items_model:  # only meaningful when a model wrote the summaries
        metrics["schema_validity_rate"] = items_valid / items_model
        metrics["fallback_rate"] = items_fallback / items_model
    return {"model": model_name, "metrics": metrics, "cases": cases}
