"""Action and summary metrics on hand-made cases with known scores; the report; the guard."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from verslagqa.eval_meetings import (
    GoldAction,
    action_scores,
    description_match,
    load_gold_meetings,
    match_actions,
    run_actions_suite,
    run_summaries_suite,
)
from verslagqa.report import write_html_report
from verslagqa.schemas import ActionItem

from .conftest import ROOT, SAMPLES

GOLD_DIR = ROOT / "evals" / "gold"


def _pred(owners: list[str], item: str, desc: str, due: dt.date | None = None) -> ActionItem:
    return ActionItem(
        owners=owners, description=desc, item_label=item, due_date=due, source_quote=desc,
        meeting_id="m", meeting_date=dt.date(2021, 3, 1),
    )  # fmt: skip


def test_description_match_known_scores() -> None:
    assert (
        description_match("de samenvatting van ZIK rondsturen", "samenvatting ZIK rondsturen") == 1
    )
    # 'aan te leveren' covers 'aanleveren' (compound containment); 'update' is missing
    assert description_match("input aan te leveren", "input aanleveren voor de update") == 2 / 3
    assert description_match("iets heel anders", "samenvatting ZIK rondsturen") == 0
    assert description_match("wat dan ook", "de") == 1.0  # no content words: nothing to miss


def test_action_scores_known_values() -> None:
    assert action_scores(4, 5, 3) == pytest.approx(
        {"precision": 0.75, "recall": 0.6, "f1": 2 * 0.75 * 0.6 / 1.35}
    )
    assert action_scores(0, 0, 0) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert action_scores(2, 0, 0)["precision"] == 0.0
    assert action_scores(0, 3, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_match_actions_needs_owners_item_and_description() -> None:
    gold = [
        GoldAction(owners=["MEVA"], item="", description="terugkomen op de uitstroomcijfers"),
        GoldAction(owners=["MEVA"], item="", description="gesprek met de sectoren organiseren"),
        GoldAction(owners=["CZ"], item="4", description="een naam doorgeven"),
    ]
    predicted = [
        _pred(["MEVA"], "", "een gesprek te hebben met de sectoren"),  # -> gold 1
        _pred(["meva"], "", "MEVA komt later terug op de uitstroomcijfers"),  # owners case-free
        _pred(["CZ"], "3a", "geeft nog een naam door"),  # wrong item: no match
        _pred(["LZ"], "4", "geeft nog een naam door"),  # wrong owner: no match
    ]
    pairs = match_actions(predicted, gold)
    assert [(p, g) for p, g, _ in pairs] == [(0, 1), (1, 0)]


def test_actions_suite_counts_misses_and_deadlines(tmp_path: Path) -> None:
    gold = load_gold_meetings(GOLD_DIR)
    mt = next(g for g in gold if g.meeting_id == "2021-03-01-mt-dglz-breed")
    # a gold file with one action removed and one deadline changed: precision and deadline
    # accuracy must drop by exactly that much
    edited = mt.model_copy(deep=True)
    edited.actions = edited.actions[1:]
    edited.actions[1].due_date = dt.date(2021, 3, 5)
    result = run_actions_suite([edited], SAMPLES)
    m = result["metrics"]
    assert m["n_predicted"] == 8 and m["n_gold"] == 7 and m["n_matched"] == 7
    assert m["precision"] == pytest.approx(7 / 8) and m["recall"] == 1.0
    assert m["deadline_accuracy"] == pytest.approx(6 / 7)
    assert result["cases"][0]["extra"][0]["owners"] == ["CFA"]


def test_actions_exact_regression_guard() -> None:
    """The deterministic extractor against the bundled gold (issue: F1 >= 0.9)."""
    m = run_actions_suite(load_gold_meetings(GOLD_DIR), SAMPLES)["metrics"]
    assert m["precision"] >= 0.95 and m["recall"] >= 0.95 and m["f1"] >= 0.95
    assert m["deadline_accuracy"] >= 0.9
    assert m["metadata_accuracy"] == 1.0


def test_summaries_suite_extractive_coverage() -> None:
    result = run_summaries_suite(load_gold_meetings(GOLD_DIR), SAMPLES, None)
    m = result["metrics"]
    assert m["every_item_summarised"] == 1.0 and m["items"] == 15
    assert 0.3 < m["key_point_coverage"] < 1.0
    assert "fallback_rate" not in m  # no model, no fallbacks to count
    item = next(c for c in result["cases"] if c["meeting_id"] == "2020-11-23-actualiteitenstaf")
    assert item["items"][0] == {
        "label": "1", "coverage": 1.0, "extractive": True,
        "summary": "Het verslag van 16 november 2020 wordt vastgesteld.",
    }  # fmt: skip


def test_html_report_is_self_contained_with_chart(tmp_path: Path) -> None:
    payload = {
        "suites": {"qa": {"metrics": {}, "cases": [{"id": "q1", "answer": "<script>x</script>"}]}},
        "comparison": {
            "qa": {
                "local": {"answer_accuracy": 0.7, "right_source_rate": 0.9},
                "extractive": {"answer_accuracy": 0.8, "right_source_rate": 0.95},
            },
            "actions": {"exact": {"precision": 1.0, "recall": 1.0, "f1": 1.0}},
        },
        "config": {"llms": ["local", "extractive"], "k": 5},
    }
    path = write_html_report(payload, tmp_path / "r" / "report.html")
    text = path.read_text(encoding="utf-8")
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert png and base64.b64decode(png.group(1)).startswith(b"\x89PNG")
    assert "<script>x</script>" not in text and "&lt;script&gt;" in text  # case text escaped
    assert "http://" not in text and "https://" not in text  # nothing fetched when opened


@pytest.mark.slow  # the CLI opens the store with the real packaged embedding model
def test_cli_eval_json_deterministic_suites(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "verslagqa.cli", "eval", "--suite", "actions,summaries",
         "--llm", "extractive", "--json", "--store", str(tmp_path / "s"),
         "--report", str(tmp_path / "r.html")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert set(payload["suites"]) == {"actions", "summaries"}
    assert payload["suites"]["actions"]["metrics"]["f1"] >= 0.95
    assert set(payload["comparison"]["summaries"]) == {"extractive"}
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_cli_eval_unknown_suite_is_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "verslagqa.cli", "eval", "--suite", "speed"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "unknown suite: speed" in proc.stderr
