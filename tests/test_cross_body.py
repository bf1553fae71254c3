"""The deterministic suites across the six bodies of the development material, each body
scored with the thresholds chosen on the others (leave one body out). Floors a little under
what `make eval-cross` measured (evals/README.md, 'Cross-body')."""

from __future__ import annotations

from typing import Any

import pytest

from verslagqa.eval_cross import leave_one_body_out, run_cross_body, withheld_f1
from verslagqa.settings import Settings

from .conftest import ROOT
from .test_woo import needs_ocr

# the ministry's scanned pages are read with Tesseract: without it the floors do not hold
pytestmark = needs_ocr


@pytest.fixture(scope="module")
def cross(pdf_settings: Settings) -> dict[str, Any]:
    return run_cross_body(ROOT, pdf_settings)


def test_every_body_has_its_questions(cross: dict[str, Any]) -> None:
    """At least 15 answerable and 4 unanswerable questions per body, withheld ones where the
    body's documents have redactions."""
    for body, kinds in cross["questions"].items():
        answerable = kinds.get("dutch", 0) + kinds.get("english", 0) + kinds.get("withheld", 0)
        assert answerable >= 15, (body, kinds)
        assert kinds.get("unanswerable", 0) >= 4, (body, kinds)
    for body in ("uwv", "pnh", "minfin"):
        assert cross["questions"][body].get("withheld", 0) >= 4


def test_structure_holds_on_every_body(cross: dict[str, Any]) -> None:
    for body, m in cross["bodies"].items():
        assert m["title_accuracy"] >= 0.8, (body, m)
        assert m["date_accuracy"] >= 0.6, (body, m)
    assert cross["bodies"]["denhaag"]["decision_f1"] >= 0.9


def test_withheld_detector_chosen_out_of_body(cross: dict[str, Any]) -> None:
    pooled = cross["pooled"]
    assert pooled["withheld_f1_out_of_body"] >= 0.65, pooled
    for body, r in cross["calibration"]["min_withheld_coverage"].items():
        assert r["chosen_out"] in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), body


def test_leave_one_body_out_chooses_on_the_other_bodies() -> None:
    """A value that only helps the body it is scored on is not what that body gets."""
    cases = [
        {"body": "a", "withheld": True, "ground": "", "coverage": 0.35, "grounds": []},
        {"body": "b", "withheld": True, "ground": "", "coverage": 0.8, "grounds": []},
        {"body": "b", "withheld": False, "ground": "", "coverage": 0.5, "grounds": []},
        {"body": "c", "withheld": True, "ground": "", "coverage": 0.9, "grounds": []},
        {"body": "c", "withheld": False, "ground": "", "coverage": 0.45, "grounds": []},
    ]
    lobo = leave_one_body_out(cases, (0.3, 0.6), withheld_f1)
    assert lobo["a"]["chosen_out"] == 0.6 and lobo["a"]["out_of_body"] == 0.0
    # with body a among them the pooled best is still 0.6: a single body does not move it
    assert lobo["a"]["chosen_in"] == 0.6
