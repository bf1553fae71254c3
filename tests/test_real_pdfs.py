"""Real PDFs as published (evals/corpus-pdf: a city council, a province, a ministry) against
the gold read off their pages (evals/gold-pdf). The floors sit a little under the figures
``make eval-pdf`` measured (evals/README.md): a change that loses ground on any body fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from verslagqa.eval_pdf import run_pdf_suite
from verslagqa.pagebox import locate_on_page
from verslagqa.parse import parse_file, pdf_pages_of
from verslagqa.settings import Settings
from verslagqa.tracking import extract_decisions

from .conftest import ROOT
from .test_woo import needs_ocr

# the ministry's scanned pages are read with Tesseract: without it the floors do not hold
pytestmark = needs_ocr

CORPUS = ROOT / "evals" / "corpus-pdf"
GOLD = ROOT / "evals" / "gold-pdf"


def _settings(tmp: Path) -> Settings:
    s = Settings(store=tmp / "store")
    s.parse.ocr = s.parse.ocr.model_copy(update={"cache_dir": tmp / "ocr"})
    return s


@pytest.fixture(scope="module")
def suite(pdf_settings: Settings) -> dict[str, Any]:
    return run_pdf_suite(GOLD, CORPUS, pdf_settings)


# pooled floors (measured: see evals/README.md, 'Real PDFs')
FLOORS = {
    "date_accuracy": 0.85,
    "title_accuracy": 0.9,
    "item_recall": 0.88,
    "decision_f1": 0.85,
    "votes_right": 0.95,
    "speaker_accuracy": 0.95,
    "redaction_precision": 0.95,
    "redaction_recall": 0.65,
    "page_accuracy": 0.95,
    "located_on_page": 0.95,
}


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_pooled_floor(suite: dict[str, Any], metric: str) -> None:
    assert suite["metrics"][metric] >= FLOORS[metric], (metric, suite["metrics"][metric])


def test_every_body_keeps_its_dates_titles_and_pages(suite: dict[str, Any]) -> None:
    for body, m in suite["by_body"].items():
        assert m["title_accuracy"] >= 0.8, (body, m["title_accuracy"])
        assert m["page_accuracy"] >= 0.9, (body, m["page_accuracy"])
        assert m["item_recall"] >= 0.6, (body, m["item_recall"])
    assert suite["by_body"]["denhaag"]["date_accuracy"] == 1.0
    assert suite["by_body"]["pnh"]["redaction_recall"] == 1.0


def test_council_minutes_of_111_pages(tmp_path: Path) -> None:
    """The 111-page verbatim minutes: the agenda's points as items, speakers per turn, the
    votes with their tally, the title from the first page."""
    (m,) = parse_file(CORPUS / "denhaag_raad_2025-01-23_notulen.pdf", settings=_settings(tmp_path))
    assert m.title == "Vergadering gemeenteraad Den Haag"
    labels = [i.label for i in m.items if i.label]
    assert labels[:8] == ["A", "B", "C", "D", "E", "F", "F.1", "F.2"]
    assert max(len(i.text) for i in m.items) < 60_000  # no item swallows the debate
    parties = {s.party for s in m.speakers}
    assert {"VVD", "GroenLinks", "Hart voor Den Haag", "SP"} <= parties
    votes = {d.number: d for d in extract_decisions(m) if d.number}
    assert votes["H.3"].outcome == "rejected" and votes["H.3"].item_label == "H"
    assert votes["H.1"].votes_for is not None and votes["H.1"].page is not None


def test_a_quote_is_located_on_its_page_by_word_boxes(tmp_path: Path) -> None:
    pages = pdf_pages_of(CORPUS / "pnh_bo_koggenland_2021-05-20_verslag.pdf", _settings(tmp_path))
    text = pages[0].text
    quote = " ".join(text.split()[40:52])
    boxes = locate_on_page(pages[0], quote)
    assert boxes, quote
    width, height = pages[0].size
    assert all(0 <= b[0] < b[2] <= width and 0 <= b[1] < b[3] <= height for b in boxes)
    assert locate_on_page(pages[1], quote) is None  # not on the next page


def test_wob_bundle_is_split_into_its_meetings(tmp_path: Path) -> None:
    docs = parse_file(CORPUS / "minfin_wob_koerslijsten_2021-07-14_bundel.pdf",
                      settings=_settings(tmp_path))  # fmt: skip
    dates = {str(d.meeting_date) for d in docs if d.kind == "minutes"}
    assert {"2019-10-10", "2019-04-03"} <= dates
    bars = sum(d.redaction_grounds.get("", 0) for d in docs)
    assert 45 <= bars <= 60  # 53 black bars on the pages


def test_a_citation_is_located_on_its_page(pdf_settings: Settings) -> None:
    """What the workbench highlights: a citation's quote on the page it names, and nothing on
    a page it does not stand on."""
    from verslagqa.pagebox import locate_citation

    source = str(CORPUS / "denhaag_raad_2025-02-13_notulen.pdf")
    quote = "Het referendum is democratie in haar zuiverste vorm."
    found = locate_citation(source, 21, quote, pdf_settings)
    assert found is not None
    (width, height), boxes = found
    assert boxes and all(0 <= b[0] < b[2] <= width and 0 <= b[1] < b[3] <= height for b in boxes)
    assert locate_citation(source, 22, quote, pdf_settings) is None
    assert locate_citation(str(ROOT / "samples" / "verslagen" / "x.txt"), 1, quote) is None
