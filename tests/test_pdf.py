"""PDF input: a PDF generated from a seed parses like the text version."""

from __future__ import annotations

from pathlib import Path

from verslagqa import parse_verslag

from .conftest import SEED

_REPLACE = {"\t": "  ", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"'}


def _to_pdf(text: str, path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in text.splitlines():
        for a, b in _REPLACE.items():
            line = line.replace(a, b)
        line = line.encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, 5, line.rstrip() or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_pdf_from_seed(tmp_path: Path) -> None:
    path = tmp_path / "mt-dglz.pdf"
    _to_pdf(SEED[1].read_text(encoding="utf-8"), path)
    m = parse_verslag(path)
    text_version = parse_verslag(SEED[1])
    assert m.source == str(path)
    assert m.title == "MT DGLZ breed"
    assert m.meeting_date == text_version.meeting_date
    assert (m.start_time, m.end_time) == ("17:00", "18:15")
    assert [i.label for i in m.items] == ["1", "2", "3a", "3b", "3c", "3d", "4"]
    assert "het juridisch niet mogelijk is" in m.item("3c").text
    assert all("Secretaris Generaal" not in i.text for i in m.items)
    assert m.document_date == text_version.document_date
