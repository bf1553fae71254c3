"""The tracking suite: actions followed across meetings, scored against
``tracking.yaml`` in the gold directory (see evals/README.md).

Link precision/recall count pairs of steps of one action from different meetings; a step is
matched to a gold step when it comes from the gold file and its quote holds the gold text.
Status accuracy counts gold actions whose tracked action (the one holding the gold action's
first step) has the gold status. ``series_detected`` counts gold series that the title rule
groups exactly among all meetings of the corpus, without the user's assignment; the links are
scored with the gold series assigned, as a user would assign them.
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from .parse import load_verslagen, parse_verslag
from .schemas import Meeting, TrackedAction
from .settings import TrackingSettings
from .tracking import Similarity, group_series, track_actions

__all__ = ["load_tracking_gold", "run_tracking_suite", "score_tracking"]


class GoldStep(BaseModel):
    file: str
    text: str


class GoldAction(BaseModel):
    status: str
    steps: list[GoldStep]


class GoldSeries(BaseModel):
    name: str
    files: list[str]
    actions: list[GoldAction] = Field(default_factory=list)


def load_tracking_gold(gold_dir: Path) -> list[GoldSeries]:
    """The gold series of ``gold_dir/tracking.yaml``."""
    path = Path(gold_dir) / "tracking.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [GoldSeries.model_validate(s) for s in data.get("series", [])]


def _gold_step_id(
    step_file: str, quote: str, gold: list[GoldSeries]
) -> tuple[int, int, int] | None:
    for si, s in enumerate(gold):
        for ai, a in enumerate(s.actions):
            for ti, t in enumerate(a.steps):
                if t.file == step_file and t.text.lower() in quote.lower():
                    return si, ai, ti
    return None


def score_tracking(
    tracked: list[TrackedAction], gold: list[GoldSeries], files: dict[str, str]
) -> dict[str, Any]:
    """Link precision/recall/F1 and status accuracy of ``tracked`` against ``gold``;
    ``files`` maps meeting id → gold file name."""
    gold_pairs: set[frozenset[Any]] = set()
    for si, s in enumerate(gold):
        for ai, a in enumerate(s.actions):
            ids = [(si, ai, ti) for ti in range(len(a.steps))]
            for x, y in combinations(ids, 2):
                if a.steps[x[2]].file != a.steps[y[2]].file:
                    gold_pairs.add(frozenset((x, y)))
    predicted: set[frozenset[Any]] = set()
    owner_of: dict[tuple[int, int, int], TrackedAction] = {}
    wrong: list[dict[str, Any]] = []
    for n, t in enumerate(tracked):
        steps: list[Any] = []
        for k, step in enumerate(t.steps):
            f = files.get(step.meeting_id, step.meeting_id)
            gid = _gold_step_id(f, step.quote, gold)
            if gid:
                owner_of.setdefault(gid, t)
            steps.append((gid or ("unmatched", n, k), f))
        for (x, fx), (y, fy) in combinations(steps, 2):
            if fx != fy:
                pair = frozenset((x, y))
                predicted.add(pair)
                if pair not in gold_pairs:
                    wrong.append({"action": t.description, "steps": [s.quote for s in t.steps]})
    right = predicted & gold_pairs
    p = len(right) / len(predicted) if predicted else 1.0
    r = len(right) / len(gold_pairs) if gold_pairs else 1.0
    statuses: list[bool] = []
    missed: list[str] = []
    for si, s in enumerate(gold):
        for ai, a in enumerate(s.actions):
            found = owner_of.get((si, ai, 0))
            statuses.append(found is not None and found.status == a.status)
            if found is None:
                missed.append(f"{a.steps[0].file}: {a.steps[0].text}")
    missed_links = [
        sorted(str(gold[x[0]].actions[x[1]].steps[x[2]].text) for x in pair)
        for pair in gold_pairs - predicted
    ]
    return {
        "metrics": {
            "link_precision": p,
            "link_recall": r,
            "link_f1": 2 * p * r / (p + r) if p + r else 0.0,
            "status_accuracy": sum(statuses) / len(statuses) if statuses else 1.0,
            "gold_links": float(len(gold_pairs)),
            "predicted_links": float(len(predicted)),
            "gold_actions": float(len(statuses)),
        },
        "wrong_links": wrong,
        "missed_links": missed_links,
        "actions_not_found": missed,
    }


def run_tracking_suite(
    gold_dir: Path,
    corpus: Path,
    *,
    settings: TrackingSettings | None = None,
    similarity: Similarity | None = None,
    as_of: dt.date | None = None,
    sweep: bool = False,
) -> dict[str, Any]:
    """Score tracking on the gold series (``similarity`` None: shared stems only); ``sweep``
    also scores the neighbouring thresholds (how the defaults were chosen)."""
    gold = load_tracking_gold(gold_dir)
    meetings: list[Meeting] = []
    files: dict[str, str] = {}
    assigned: dict[str, str] = {}
    detected = 0
    for s in gold:
        ms = [parse_verslag(Path(corpus) / f) for f in s.files]
        for f, m in zip(s.files, ms, strict=True):
            files[m.meeting_id] = f
            assigned[m.meeting_id] = s.name
        meetings.extend(ms)
    # detection is judged among every meeting of the corpus, as a user's folder holds them
    everything = [m for m in load_verslagen(corpus).meetings if m.meeting_id not in files]
    by_title = group_series(meetings + everything)
    for s in gold:
        ids = {m for m, f in files.items() if f in s.files}
        detected += any({m.meeting_id for m in ms} == ids for ms in by_title.values())
    tracked = track_actions(
        meetings, settings=settings, assigned=assigned, similarity=similarity,
        as_of=as_of or dt.date.today(),
    )  # fmt: skip
    res = score_tracking(tracked, gold, files)
    res["metrics"]["series_detected"] = detected / len(gold) if gold else 1.0
    res["tracked"] = [t.model_dump(mode="json") for t in tracked if len(t.steps) > 1]
    if sweep:
        res["sweep"] = _sweep(meetings, gold, files, assigned, settings, similarity)
    return res


def _sweep(
    meetings: list[Meeting],
    gold: list[GoldSeries],
    files: dict[str, str],
    assigned: dict[str, str],
    settings: TrackingSettings | None,
    similarity: Similarity | None,
) -> list[dict[str, float]]:
    """Link F1 with each threshold moved up and down, one at a time."""
    base = settings or TrackingSettings()
    names = (
        ["lexical_link", "lexical_mention"]
        if similarity is None
        else ["min_similarity", "min_similarity_shared", "min_shared_words",
              "min_mention_similarity", "mention_min_shared"]
    )  # fmt: skip
    rows = []
    for name in names:
        for delta in (-0.1, -0.05, 0.0, 0.05, 0.1):
            value = round(getattr(base, name) + delta, 2)
            cfg = base.model_copy(update={name: value})
            tracked = track_actions(
                meetings, settings=cfg, assigned=assigned, similarity=similarity
            )
            m = score_tracking(tracked, gold, files)["metrics"]
            rows.append({"setting": name, "value": value, **{
                k: round(m[k], 3) for k in ("link_precision", "link_recall", "link_f1")
            }})  # fmt: skip
    return rows
