"""A Woo release in the store: each document its own entry, searchable and citable with its
page; unchanged PDFs are not parsed (nor OCR'd) again; actions stay with the minutes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from verslagqa import pdf as pdf_mod
from verslagqa.index import Index
from verslagqa.library import Library
from verslagqa.settings import Settings

from .fakes import HashEmbeddings
from .pdf_fixtures import MINUTES_1, MINUTES_2, Page, bundle_pages, make_pdf
from .test_woo import needs_ocr


def _settings(tmp_path: Path) -> Settings:
    s = Settings(store=tmp_path / "store", llm="extractive")
    s.parse.ocr = s.parse.ocr.model_copy(update={"cache_dir": tmp_path / "ocr"})
    return s


@pytest.fixture
def release(tmp_path: Path) -> Path:
    folder = tmp_path / "release"
    folder.mkdir()
    (folder / "woo-besluit.pdf").write_bytes(
        make_pdf(bundle_pages(scanned_email=False, inventory=True))
    )
    return folder


def test_bundle_documents_are_entries_and_reindex_costs_nothing(
    tmp_path: Path, release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emb = HashEmbeddings()
    idx = Index(_settings(tmp_path), embeddings=emb)
    report = idx.add([release])
    assert report.errors == [] and report.meetings == 4
    by_kind = {i.kind: i for i in idx.meetings()}
    assert set(by_kind) == {"inventory", "minutes", "email", "memo"}
    assert by_kind["email"].source.endswith("woo-besluit.pdf#pages=4-4")
    assert by_kind["minutes"].inventory and by_kind["minutes"].inventory.grounds == ["5.1.2e"]

    def no_parse(*_a: object, **_k: object) -> None:
        raise AssertionError("an unchanged file was parsed again")

    monkeypatch.setattr("verslagqa.index.parse_file", no_parse)
    n = len(emb.embedded)
    again = Index(_settings(tmp_path), embeddings=emb).add([release])
    assert (again.added, again.removed, again.meetings) == (0, 0, 4)
    assert again.unchanged == report.chunks and len(emb.embedded) == n


def test_a_resplit_file_replaces_its_documents_and_prune_removes_them(
    tmp_path: Path, release: Path
) -> None:
    idx = Index(_settings(tmp_path), embeddings=HashEmbeddings())
    idx.add([release])
    pdf = release / "woo-besluit.pdf"
    pdf.write_bytes(
        make_pdf([Page(MINUTES_1, stamp="Document 1"), Page(MINUTES_2, stamp="Document 1")])
    )
    report = idx.add([release])
    assert report.meetings == 1 and report.removed > 0
    assert [i.source for i in idx.meetings()] == [str(pdf.resolve())]
    assert idx.count() == sum(i.chunks for i in idx.meetings())
    pdf.unlink()
    assert idx.add([release], prune=True).meetings == 0 and idx.count() == 0


def test_search_cites_the_page_and_the_document_kind(tmp_path: Path, release: Path) -> None:
    lib = Library(Index(_settings(tmp_path), embeddings=HashEmbeddings()), llm="extractive")
    lib.add(release)
    hits = lib.search("aanbesteding beheer bezwaar leverancier", k=3)
    top = hits[0]
    assert top.meeting_title == "Verslag overleg Digitale Toegang" and top.item_label == "3"
    assert top.ref.endswith("punt 3, p. 3")  # item 3 stands on the second page of the minutes
    mail = [h for h in lib.search("voorstel bezuinigingen grootste post", k=5) if h.kind == "email"]
    assert mail and mail[0].ref.startswith("e-mail: Voorstel bezuinigingen werkgroep")
    assert mail[0].ref.endswith("p. 4")
    answer = lib.ask("Wat is de grootste post in het voorstel voor bezuinigingen?")
    cited = [c for c in answer.citations if c.kind == "email"]
    assert cited and cited[0].page == 4 and "p. 4" in cited[0].ref


def test_actions_and_meetings_of_a_release(tmp_path: Path, release: Path) -> None:
    lib = Library(Index(_settings(tmp_path), embeddings=HashEmbeddings()), llm="extractive")
    lib.add(release)
    owners = {o for a in lib.actions() for o in a.owners}
    assert "Bakker" in owners  # '(actie Bakker)' in the minutes
    assert all(a.meeting_id.startswith("2024-03-14") for a in lib.actions())
    every = lib.actions(all_documents=True)
    assert len(every) >= len(lib.actions())
    email_id = next(i.meeting_id for i in lib.meetings() if i.kind == "email")
    doc = lib.meeting(email_id)
    assert doc.kind == "email" and doc.sender == "Bakker" and doc.pages == (4, 4)


@needs_ocr
@pytest.mark.slow
def test_scanned_release_end_to_end_with_the_real_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OCR, the packaged embedding model, a real Chroma store: a question on a scanned
    e-mail is answered from it with its page."""
    folder = tmp_path / "release"
    folder.mkdir()
    (folder / "besluit.pdf").write_bytes(make_pdf(bundle_pages(scanned_email=True)))
    lib = Library.open(settings=_settings(tmp_path), llm="extractive")
    report = lib.add(folder)
    assert report.errors == [] and report.meetings == 3
    email = next(i for i in lib.meetings() if i.kind == "email")
    assert lib.meeting(email.meeting_id).ocr_pages == [3]
    answer = lib.ask("Wat is de grootste post van het voorstel voor bezuinigingen?")
    assert not answer.abstained
    assert any(c.kind == "email" and c.page == 3 for c in answer.citations), answer
    shutil.rmtree(tmp_path / "ocr")  # the store re-reads the e-mail for display: cache gone
    calls: list[int] = []
    real = pdf_mod.ocr_image

    def counting(image, settings):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(image, settings)

    monkeypatch.setattr(pdf_mod, "ocr_image", counting)
    assert lib.meeting(email.meeting_id).sender == "Bakker"
    assert calls == [1]  # OCR'd again once, then cached
