"""Meeting-level evals: gold meeting files, the actions suite and the summaries suite.

Gold files are ``<gold>/meetings/*.yaml`` (format in evals/README.md): per meeting the file,
expected metadata, agenda items with key points, and the action items annotated by hand.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from .actions import extract_actions
from .dutch import MONTHS, tokenize
from .evals import facts_found, mean
from .parse import VerslagParseError, parse_verslag
from .schemas import ActionItem, Meeting
from .summarize import refine_actions, summarize_meeting
from .textutil import REDACTION_TOKEN_RE

__all__ = [
    "GoldAction",
    "GoldMeeting",
    "GoldMeetingItem",
    "action_scores",
    "description_match",
    "load_gold_meetings",
    "match_actions",
    "run_actions_suite",
    "run_structure_suite",
    "title_key",
    "title_matches",
    "run_summaries_suite",
]

#: Share of the gold description's content words a predicted description must contain.
DESCRIPTION_THRESHOLD = 0.25


class GoldAction(BaseModel):
    owners: list[str] = Field(description="Owners as split by a careful reader.")
    item: str = Field(description="Agenda item label ('' when unnumbered).")
    description: str = Field(description="What must be done, in the words of the minutes.")
    due_text: str | None = Field(default=None, description="The deadline as written, or null.")
    due_date: dt.date | None = Field(default=None, description="Deadline, or null.")
    status: str | None = Field(
        default=None, description="'open' or 'closed' where the minutes say so, else null."
    )


class GoldMeetingItem(BaseModel):
    label: str
    title: str = ""
    key_points: list[str] = Field(
        default_factory=list, description="Phrases a summary must contain; 'a|b' = either."
    )


class GoldMeeting(BaseModel):
    file: str = Field(description="File name of the verslag in the corpus folder.")
    meeting_id: str | None = Field(
        default=None, description="Expected meeting id; checked only where given."
    )
    title: str
    title_alt: list[str] = Field(
        default_factory=list, description="Other titles a careful reader would accept."
    )
    note: str = Field(default="", description="Why the annotation is what it is.")
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


def _owner_key(owner: str) -> str:
    return re.sub(r"\s+", " ", owner.replace("@", " ")).strip(" .,:;").lower()


def _owner_set(owners: list[str]) -> frozenset[str]:
    return frozenset(_owner_key(o) for o in owners)


# -- structure: titles, dates, times, agenda items --------------------------------------------

_DOC_WORDS = re.compile(
    r"^(?:(?:agenda\s+en\s+)?(?:concept[- ]?)?(?:verslag|notulen|vergadernotulen|samenvatting"
    r"|besluitenlijst|actielijst)\b\s*(?:van\s+)?(?:de\s+|het\s+)?(?:d\.\s?d\.?\s*)?)+",
    re.IGNORECASE,
)


def title_key(title: str) -> str:
    """A title reduced to what names the meeting: no markup, links, dates or leading
    'Verslag (van de)'; case and punctuation folded."""
    t = REDACTION_TOKEN_RE.sub(" ", title or "")
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", t)
    t = re.sub(r"https?://\S+", " ", t)
    t = re.sub(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b", " ", t)
    t = re.sub(rf"\b\d{{1,2}}\s*(?:{'|'.join(MONTHS)})\.?(?:\s+\d{{4}})?\b", " ", t, flags=re.I)
    t = unicodedata.normalize("NFKC", t).lower()
    t = re.sub(r"[^\w\s/&]+", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = _DOC_WORDS.sub("", t).strip()
    return t


def _words(text: str) -> list[str]:
    return sorted(re.findall(r"\w+", text))


def title_matches(predicted: str, gold: str) -> bool:
    """Same title after :func:`title_key`; or the same words in another order (OCR); or one
    is a prefix of the other holding at least half of it (a heading cut at its first sentence)."""
    p, g = title_key(predicted), title_key(gold)
    if not p or not g:
        return p == g
    if p == g or _words(p) == _words(g):
        return True
    short, long_ = sorted((p, g), key=len)
    return long_.startswith(short) and len(short) >= 0.5 * len(long_)


def _label_key(label: str) -> str:
    return label.strip().rstrip(".").lower()


def match_items(predicted: list[tuple[str, str]], gold: list[GoldMeetingItem]) -> list[int | None]:
    """For each gold item, the index of the predicted (label, title) it matches, in order."""
    used: set[int] = set()
    out: list[int | None] = []
    for g in gold:
        hit = next(
            (
                i
                for i, (label, title) in enumerate(predicted)
                if i not in used
                and _label_key(label) == _label_key(g.label)
                and title_matches(title, g.title)
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
        out.append(hit)
    return out


def run_structure_suite(gold: list[GoldMeeting], corpus: Path) -> dict[str, Any]:
    """Meeting date, title, start/end time and agenda items (label + title) per gold file.

    Item recall counts gold items found with the right label and title; item precision counts
    the parsed items that are gold items (items without a title, such as an introduction,
    are left out of precision).
    """
    cases: list[dict[str, Any]] = []
    n = {"files": 0, "date": 0, "title": 0, "times": 0, "times_right": 0,
         "items_gold": 0, "items_found": 0, "items_pred": 0, "warned": 0}  # fmt: skip
    for gm in gold:
        n["files"] += 1
        try:
            meeting = parse_verslag(Path(corpus) / gm.file)
        except VerslagParseError as exc:
            cases.append({"file": gm.file, "error": str(exc)})
            n["items_gold"] += len(gm.items)
            continue
        date_ok = meeting.meeting_date == gm.meeting_date
        title_ok = any(title_matches(meeting.title, t) for t in [gm.title, *gm.title_alt])
        times = [
            (getattr(meeting, f), getattr(gm, f))
            for f in ("start_time", "end_time")
            if getattr(gm, f) is not None
        ]
        predicted = [(i.label, i.title) for i in meeting.items]
        hits = match_items(predicted, gm.items)
        titled = [p for p in predicted if p[1]]
        n["date"] += date_ok
        n["title"] += title_ok
        n["times"] += len(times)
        n["times_right"] += sum(a == b for a, b in times)
        n["items_gold"] += len(gm.items)
        n["items_found"] += sum(h is not None for h in hits)
        n["items_pred"] += len(titled)
        n["warned"] += bool(meeting.warnings)
        cases.append(
            {
                "file": gm.file,
                "meeting_id": meeting.meeting_id,
                "date": {"parsed": str(meeting.meeting_date), "gold": str(gm.meeting_date),
                         "right": date_ok},
                "title": {"parsed": meeting.title, "gold": gm.title, "right": title_ok},
                "times_wrong": [
                    {"parsed": a, "gold": b} for a, b in times if a != b
                ],
                "items_missed": [
                    f"{g.label} {g.title}".strip() for g, h in zip(gm.items, hits, strict=True)
                    if h is None
                ],
                "items_extra": [
                    f"{label} {title}".strip()
                    for i, (label, title) in enumerate(predicted)
                    if title and i not in set(hits)
                ],
                "warnings": meeting.warnings,
            }
        )  # fmt: skip
    files = n["files"] or 1
    metrics = {
        "date_accuracy": n["date"] / files,
        "title_accuracy": n["title"] / files,
        "time_accuracy": n["times_right"] / n["times"] if n["times"] else 1.0,
        "item_recall": n["items_found"] / n["items_gold"] if n["items_gold"] else 1.0,
        "item_precision": n["items_found"] / n["items_pred"] if n["items_pred"] else 1.0,
        "files": float(n["files"]),
        "gold_items": float(n["items_gold"]),
        "files_with_warnings": float(n["warned"]),
    }
    return {"model": "exact", "metrics": metrics, "cases": cases}


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
    if gm.meeting_id and meeting.meeting_id != gm.meeting_id:
        raise ValueError(
            f"{gm.file}: parsed as {meeting.meeting_id!r}, gold says {gm.meeting_id!r}"
        )
    return meeting


def _metadata_case(gm: GoldMeeting, m: Meeting) -> dict[str, Any]:
    """Title (as :func:`title_matches`), date, and the times, place and agenda items where the
    gold gives them."""
    wrong: dict[str, dict[str, str]] = {}
    if not any(title_matches(m.title, t) for t in [gm.title, *gm.title_alt]):
        wrong["title"] = {"parsed": m.title, "gold": gm.title}
    if m.meeting_date != gm.meeting_date:
        wrong["meeting_date"] = {"parsed": str(m.meeting_date), "gold": str(gm.meeting_date)}
    for name in ("start_time", "end_time", "place"):
        want = getattr(gm, name)
        if want is not None and getattr(m, name) != want:
            wrong[name] = {"parsed": str(getattr(m, name)), "gold": str(want)}
    hits = match_items([(i.label, i.title) for i in m.items], gm.items)
    if any(h is None for h in hits):
        wrong["items"] = {
            "parsed": str([i.label for i in m.items]),
            "gold": str([i.label for i in gm.items]),
        }
    return {"meeting_id": gm.meeting_id or m.meeting_id, "metadata_correct": not wrong,
            "metadata_wrong": wrong}  # fmt: skip


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
    totals = {"predicted": 0, "gold": 0, "matched": 0, "due_right": 0, "status_gold": 0,
              "status_right": 0}  # fmt: skip
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
        with_status = [(p, g) for p, g, _ in pairs if gm.actions[g].status]
        totals["status_gold"] += len(with_status)
        totals["status_right"] += sum(
            predicted[p].status == gm.actions[g].status for p, g in with_status
        )
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
                        mode="json",
                        include={"owners", "item_label", "description", "due_date", "status"},
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
    metrics["status_accuracy"] = (
        totals["status_right"] / totals["status_gold"] if totals["status_gold"] else 1.0
    )
    metrics["metadata_accuracy"] = mean([float(c.get("metadata_correct", False)) for c in cases])
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
            progress(gm.meeting_id or gm.file)
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
        "key_point_coverage": mean(coverages),
        "every_item_summarised": mean([float(c["every_item_summarised"]) for c in ok]),
        "summary_words_mean": mean([float(c["summary_words"]) for c in ok]),
        "summary_within_150_words": mean([float(c["summary_words"] <= 150) for c in ok]),
        "seconds_per_meeting": mean([c["seconds"] for c in ok]),
        "items": float(items_total),
    }
    if items_model:  # only meaningful when a model wrote the summaries
        metrics["schema_validity_rate"] = items_valid / items_model
        metrics["fallback_rate"] = items_fallback / items_model
    return {"model": model_name, "metrics": metrics, "cases": cases}
