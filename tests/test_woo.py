"""Woo releases: scanned pages (OCR), PDFs holding several documents, e-mails and memos,
inventory lists. Every PDF is generated here (fpdf2 + Pillow, a real TrueType font)."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from verslagqa import pdf as pdf_mod
from verslagqa.documents import page_cues, read_inventory, split_pages
from verslagqa.ocr import OcrError, ocr_status
from verslagqa.parse import VerslagParseError, load_verslagen, parse_file, parse_verslag
from verslagqa.pdf import PdfPage
from verslagqa.settings import Settings

from .pdf_fixtures import EMAIL, MINUTES_1, MINUTES_2, Page, bundle_pages, make_pdf

_MISSING = ocr_status("nld")
if _MISSING and os.environ.get("CI"):
    # CI installs Tesseract (make install): a missing engine there is a failure, not a skip
    raise RuntimeError(f"CI without OCR: {_MISSING}")
needs_ocr = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")

# A page of Dutch minutes text, long enough to measure word recovery on.
SCAN_TEXT = [
    "Verslag van het periodiek overleg Uitvoering",
    "Vergaderdatum: woensdag 14 juni 2023",
    "Aanwezig: de voorzitter, de secretaris, twee adviseurs en de projectleider",
    "1. Opening en vaststelling van de agenda",
    "De voorzitter opent het overleg om tien uur. De agenda wordt vastgesteld",
    "zonder wijzigingen. Het verslag van de vorige keer wordt goedgekeurd.",
    "2. Voortgang hersteloperatie",
    "De projectleider meldt dat er in mei ruim vierhonderd dossiers zijn",
    "afgehandeld. De achterstand neemt af, maar de telefonische bereikbaarheid",
    "blijft een zorgpunt. Er worden extra medewerkers ingezet op de klantcontacten.",
    "Afgesproken wordt dat de secretaris voor 1 juli een overzicht van de",
    "openstaande bezwaren stuurt aan alle leden van het overleg.",
    "3. Begroting en planning",
    "De kosten vallen hoger uit dan geraamd door de inhuur van externe juristen.",
    "Het overleg vraagt om een herziene planning voor de tweede helft van het jaar.",
    "4. Rondvraag en sluiting",
    "Er zijn geen vragen. De voorzitter sluit het overleg en dankt iedereen.",
]


def _settings(tmp_path: Path, **ocr: object) -> Settings:
    s = Settings(store=tmp_path / "store")
    s.parse.ocr = s.parse.ocr.model_copy(update={"cache_dir": tmp_path / "ocr", **ocr})
    return s


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"[^\W_]+", text.lower()))


# -- OCR -----------------------------------------------------------------------------------


@needs_ocr
def test_ocr_recovers_dutch_words_of_a_scanned_page(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([Page(SCAN_TEXT, scanned=True)]))
    pages = pdf_mod.read_pdf_pages(path.read_bytes(), str(path), _settings(tmp_path).parse.ocr)
    assert pages[0].ocr and pages[0].problem is None
    want, got = _words("\n".join(SCAN_TEXT)), _words(pages[0].text)
    recovered = sum((want & got).values()) / sum(want.values())
    assert recovered >= 0.95, (recovered, pages[0].text)


@needs_ocr
def test_scanned_minutes_parse_with_date_items_and_pages(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(
        make_pdf([Page(SCAN_TEXT[:9], scanned=True), Page(SCAN_TEXT[9:], scanned=True)])
    )
    m = parse_verslag(path, settings=_settings(tmp_path))
    assert m.kind == "minutes"
    assert str(m.meeting_date) == "2023-06-14"
    assert [i.label for i in m.items] == ["1", "2", "3", "4"]
    assert m.ocr_pages == [1, 2] and m.pages == (1, 2)
    # the item that runs over the page break: its second half is on page 2
    item = m.item("3")
    assert m.page_at(item.start) == 2
    assert m.page_at(m.item("1").start) == 1


@needs_ocr
def test_redaction_box_with_ground_becomes_a_redaction(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    lines = ["Verslag overleg Digitale Toegang", "Datum: 14 maart 2024", "1. Opening",
             "Mevrouw Jansen opent de vergadering en heet iedereen welkom."]  # fmt: skip
    path.write_bytes(make_pdf([Page(lines, scanned=True, redact=("Jansen",))]))
    m = parse_verslag(path, settings=_settings(tmp_path))
    assert "Jansen" not in m.text
    assert "[weggelakt 5.1.2e]" in m.text and m.redactions >= 1


@needs_ocr
def test_black_bars_without_a_ground_are_counted_from_the_image(tmp_path: Path) -> None:
    """A fully scanned minutes with names blacked out and no ground printed: the bars are the
    redactions; a bar with its ground printed beside it counts once, under its ground."""
    lines = ["Verslag overleg Digitale Toegang", "Datum: 14 maart 2024",
             "Aanwezig: Pietersen en Dekker en Smulders", "1. Opening",
             "Mevrouw Jansen opent de vergadering en heet iedereen welkom.",
             "2. Begroting", "De heer Bakker licht de begroting toe."]  # fmt: skip
    page = Page(lines, scanned=True, black_out=("Pietersen", "Dekker", "Bakker"),
                redact=("Jansen",))  # fmt: skip
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([page, Page(lines[3:], scanned=True, black_out=("Bakker",))]))
    m = parse_verslag(path, settings=_settings(tmp_path))
    assert m.redaction_grounds == {"5.1.2e": 1, "": 4}, m.redaction_grounds
    assert [i.label for i in m.items if i.label][:2] == ["1", "2"]
    assert "Pietersen" not in m.text and "Bakker" not in m.text


@needs_ocr
def test_a_scans_text_layer_without_punctuation_is_read_again(tmp_path: Path) -> None:
    """A scanner's OCR layer that lost its punctuation and misread words reads worse than this
    project's OCR of the same page: the better reading is kept, with its words' boxes; a good
    layer is kept as it is (no OCR run)."""
    bad = "\n".join(re.sub(r"[.,:]", "", ln).replace("vergadering", "vergadcring")
                    for ln in SCAN_TEXT)  # fmt: skip
    path = tmp_path / "layered.pdf"
    path.write_bytes(make_pdf([Page(SCAN_TEXT, scanned=True, layer=bad)]))
    settings = _settings(tmp_path)
    page = pdf_mod.read_pdf_pages(path.read_bytes(), str(path), settings.parse.ocr)[0]
    assert page.scan and page.ocr
    assert "." in page.text and "vergadcring" not in page.text
    assert page.words and page.words[0][2] < page.words[0][4]  # boxes in PDF points
    good = tmp_path / "good.pdf"
    good.write_bytes(make_pdf([Page(SCAN_TEXT, scanned=True, layer="\n".join(SCAN_TEXT))]))
    kept = pdf_mod.read_pdf_pages(good.read_bytes(), str(good), settings.parse.ocr)[0]
    assert kept.scan and not kept.ocr


@needs_ocr
def test_ocr_text_is_cached_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([Page(SCAN_TEXT[:6], scanned=True)]))
    settings = _settings(tmp_path)
    first = parse_verslag(path, settings=settings)

    def no_ocr(*_a: object, **_k: object) -> str:
        raise AssertionError("OCR ran again for a cached page")

    monkeypatch.setattr(pdf_mod, "ocr_image", no_ocr)
    assert parse_verslag(path, settings=settings).text == first.text


def test_a_bad_page_is_reported_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def flaky(image: object, settings: object) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise OcrError("Tesseract failed (simulated)")
        return "\n".join(MINUTES_2)

    monkeypatch.setattr(pdf_mod, "ocr_status", lambda _lang: None)
    monkeypatch.setattr(pdf_mod, "ocr_image", flaky)
    path = tmp_path / "mixed.pdf"
    path.write_bytes(
        make_pdf([Page(MINUTES_1), Page(["x"], scanned=True), Page(["y"], scanned=True)])
    )
    # one page at a time: which call fails is then known
    m = parse_verslag(path, settings=_settings(tmp_path, cache=False, workers=1))
    assert len(calls) == 2
    assert "aanbesteding van het beheer" in m.text.lower()
    assert any("page 2" in w and "simulated" in w for w in m.warnings)


def test_without_ocr_a_scan_only_pdf_says_how_to_enable_it(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([Page(SCAN_TEXT[:4], scanned=True)]))
    with pytest.raises(VerslagParseError) as info:
        parse_verslag(path, settings=_settings(tmp_path, enabled=False))
    assert str(path) in str(info.value)
    assert "no text layer" in str(info.value) and "OCR__ENABLED" in str(info.value)


def test_missing_tesseract_is_one_line_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    import verslagqa.ocr as ocr_mod

    ocr_mod._languages.cache_clear()
    problem = ocr_mod.ocr_status("nld")
    assert problem and "apt-get install tesseract-ocr tesseract-ocr-nld" in problem
    path = tmp_path / "mixed.pdf"
    path.write_bytes(make_pdf([Page(MINUTES_1), Page(EMAIL, scanned=True)]))
    m = parse_verslag(path, settings=_settings(tmp_path))
    assert any("tesseract-ocr-nld" in w for w in m.warnings)  # the typed page is still read
    assert "Begroting 2025" in [i.title for i in m.items]


def test_progress_is_reported_for_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_mod, "ocr_status", lambda _lang: None)
    monkeypatch.setattr(pdf_mod, "ocr_image", lambda image, settings: "\n".join(MINUTES_2))
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([Page(["a"], scanned=True), Page(["b"], scanned=True)]))
    seen: list[tuple[int, int]] = []
    with pdf_mod.ocr_progress(lambda src, done, total: seen.append((done, total))):
        parse_file(path, settings=_settings(tmp_path, cache=False))
    assert seen == [(0, 2), (1, 2), (2, 2)]


# -- splitting ------------------------------------------------------------------------------


def _pages(*texts: str) -> list[PdfPage]:
    return [PdfPage(number=i + 1, text=t) for i, t in enumerate(texts)]


def test_page_cues() -> None:
    cues = page_cues("Document 12\nVan: A\nAan: B\nOnderwerp: C\nVerzonden: 1 mei 2024\nTekst")
    assert cues.number == "12" and cues.opens == "email"
    cues = page_cues("Verslag MT\nDatum: 1 mei\n1. Opening\n...\nPagina 2 van 3")
    assert (cues.page, cues.of, cues.opens) == (2, 3, "title")


def test_split_by_stamped_document_numbers() -> None:
    parts = split_pages(
        _pages("Document 1\nVerslag A\ntekst", "Document 1\nmeer tekst", "Document 2\nNotitie")
    )
    assert [(p.first, p.last, p.number) for p in parts] == [(1, 2, "1"), (3, 3, "2")]


def test_split_by_restarting_page_numbers_and_new_titles() -> None:
    parts = split_pages(
        _pages(
            "Verslag A\ntekst\nPagina 1 van 2",
            "Verslag van de discussie\nPagina 2 van 2",  # a title-like line, but page 2 of 2
            "Notulen B\ntekst\nPagina 1 van 1",
            "Van: X\nAan: Y\nOnderwerp: Z\nVerzonden: 2 mei 2024\nBeste,",
            "vervolg van de mail zonder kop",
        )
    )
    assert [(p.first, p.last) for p in parts] == [(1, 2), (3, 3), (4, 5)]


def test_single_document_pdf_stays_one_document(tmp_path: Path) -> None:
    path = tmp_path / "one.pdf"
    path.write_bytes(make_pdf([Page(MINUTES_1, footer="Pagina 1 van 2"),
                               Page(MINUTES_2, footer="Pagina 2 van 2")]))  # fmt: skip
    docs = parse_file(path, settings=_settings(tmp_path))
    assert len(docs) == 1 and docs[0].source == str(path) and docs[0].pages == (1, 2)
    assert docs[0].page_at(docs[0].item("3").start) == 2


def test_bundle_becomes_documents_with_kinds_metadata_and_inventory(tmp_path: Path) -> None:
    path = tmp_path / "woo-besluit.pdf"
    path.write_bytes(make_pdf(bundle_pages(scanned_email=False, inventory=True)))
    docs = parse_file(path, settings=_settings(tmp_path))
    assert [(d.kind, d.pages, d.document_number) for d in docs] == [
        ("inventory", (1, 1), None),
        ("minutes", (2, 3), "1"),
        ("email", (4, 4), "2"),
        ("memo", (5, 5), "3"),
    ]
    inventory, minutes, email, memo = docs
    assert [e.number for e in inventory.inventory_entries] == ["1", "2", "3"]
    # the grounds column withholds nothing: codes stay codes there
    assert "5.1.2e" in inventory.text and "weggelakt" not in inventory.text
    assert inventory.redactions == 0
    assert all(inventory.text[i.start : i.end] == i.text for i in inventory.items)
    assert minutes.source == f"{path}#pages=2-3"
    assert minutes.title == "Verslag overleg Digitale Toegang"
    assert [i.label for i in minutes.items] == ["1", "2", "3", "4"]
    assert minutes.inventory and minutes.inventory.assessment == "deels openbaar"
    assert minutes.inventory.grounds == ["5.1.2e"]
    assert memo.inventory and memo.inventory.assessment == "openbaar"
    assert (email.sender, email.recipients) == ("Bakker", ["Jansen", "De Vries"])
    assert email.subject == "Voorstel bezuinigingen werkgroep"
    assert str(email.meeting_date) == "2024-03-19"
    assert (memo.subject, memo.sender) == (
        "Uitfasering oude koppelvlakken", "Directie Informatievoorziening"
    )  # fmt: skip
    assert str(memo.meeting_date) == "2024-04-02"
    assert not any("Document 1" in d.text for d in docs)  # the stamp is page furniture
    # one document of the bundle by its address
    again = parse_verslag(f"{path}#pages=4-4", settings=_settings(tmp_path))
    assert again.kind == "email" and again.sha256 == email.sha256


def test_redacted_sender_is_not_kept() -> None:
    from verslagqa.documents import clean_person

    assert clean_person("[5.1.2e]") is None
    assert clean_person("5.1.2e; 5.1.2e") is None
    assert clean_person("Bakker (5.1.2e)") == "Bakker (5.1.2e)"


def test_inventory_rows_from_text_and_markdown() -> None:
    rows = read_inventory(
        "Inventarislijst\n"
        "| Nr. | Datum | Document | Beoordeling | Weigeringsgrond |\n"
        "| 12 | 03-02-2023 | Verslag MT | Deels openbaar | 5.1.2 e, 5.1.1 c |\n"
        "13 2023-02-10 E-mail planning Niet openbaar 5.1.2e\n"
        "14 Nota begroting Openbaar\n"
    )
    assert [(r.number, r.assessment, r.grounds) for r in rows] == [
        ("12", "deels openbaar", ["5.1.1c", "5.1.2e"]),
        ("13", "niet openbaar", ["5.1.2e"]),
        ("14", "openbaar", []),
    ]
    assert rows[0].title == "Verslag MT" and str(rows[0].date) == "2023-02-03"


def test_separate_inventory_file_joins_the_folder(tmp_path: Path) -> None:
    (tmp_path / "inventarislijst.md").write_text(
        "# Inventarislijst\n\n| Nr. | Document | Beoordeling | Grond |\n"
        "|---|---|---|---|\n| 7 | Verslag | Deels openbaar | 5.1.2e |\n| 8 | Mail | Openbaar | |\n",
        encoding="utf-8",
    )
    path = tmp_path / "document-7.pdf"
    path.write_bytes(make_pdf([Page(MINUTES_1, stamp="Document 7")]))
    result = load_verslagen(tmp_path, settings=_settings(tmp_path))
    kinds = {m.kind: m for m in result.meetings}
    assert set(kinds) == {"inventory", "minutes"}
    assert kinds["minutes"].document_number == "7"
    assert kinds["minutes"].inventory and kinds["minutes"].inventory.grounds == ["5.1.2e"]


def test_development_corpus_and_samples_stay_minutes(samples_dir: Path) -> None:
    corpus = Path(__file__).resolve().parent.parent / "evals" / "corpus"
    docs = load_verslagen([corpus, samples_dir]).meetings
    minutes = [d for d in docs if Path(d.source).name != "SOURCES.md"]
    assert len(minutes) >= 47
    assert {d.kind for d in minutes} == {"minutes"}


def test_splitting_measured_on_the_development_corpus() -> None:
    """The corpus's minutes laid out as pages: alone they stay whole, bundled with page
    numbers or Woo stamps every document's page range comes out (evals/README.md)."""
    from verslagqa.eval_documents import paginate, run_documents_suite

    corpus = Path(__file__).resolve().parent.parent / "evals" / "corpus"
    result = run_documents_suite(corpus)
    m = result["metrics"]
    assert result["files"] >= 42
    assert m["single"]["documents_exact"] >= 0.9
    for condition in ("numbered", "numbered, no total", "stamped"):
        assert m[condition]["boundary_f1"] >= 0.95, (condition, m[condition])
        assert m[condition]["kind_accuracy"] >= 0.95
    assert m["bare"]["boundary_precision"] >= 0.8  # no furniture: titles and headers only
    assert len(paginate("a\n" * 100)) == 3


def test_minutes_with_an_agenda_on_their_first_page_stay_one_document(tmp_path: Path) -> None:
    """The agenda of a minutes file (a point dated '12 februari') under its own header is no
    second document: only the text of another document above starts one mid-page."""
    lines = [
        "Verslag MT overleg",
        "Datum: 4 maart 2024",
        "Aanwezig: Jansen, De Vries, Bakker, Pietersen, Smulders en de secretaris van het MT",
        "Afwezig: Dekker en Van Dam, met bericht van verhindering wegens ziekte",
        "Agenda",
        "1. Opening",
        "2. Mededelingen",
        "3. Verslag vergadering 12 februari 2024",
    ]
    path = tmp_path / "mt.pdf"
    path.write_bytes(make_pdf([Page(lines), Page(MINUTES_2)]))
    docs = parse_file(path, settings=_settings(tmp_path))
    assert len(docs) == 1 and docs[0].meeting_date is not None
    assert str(docs[0].meeting_date) == "2024-03-04"
