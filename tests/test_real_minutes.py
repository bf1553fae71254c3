"""Minutes of other bodies: the shapes real files take (each case reconstructs a pattern met
in real minutes) and the development-corpus gold thresholds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from verslagqa import parse_verslag
from verslagqa.actions import extract_actions
from verslagqa.eval_meetings import (
    load_gold_meetings,
    run_actions_suite,
    run_structure_suite,
    title_matches,
)

from .conftest import ROOT

CORPUS = ROOT / "evals" / "corpus"
GOLD = load_gold_meetings(ROOT / "evals" / "gold-corpus")


def test_label_and_value_on_separate_lines_with_blank_between() -> None:
    doc = """Verslag RvB-vergadering

Datum bespreking

13 juli 2021

Locatie

C10.044

Tijd

09.30 12.30

1. Opening
De voorzitter opent.
"""
    m = parse_verslag(doc, source="rvb.txt")
    assert m.meeting_date == dt.date(2021, 7, 13)
    assert m.title == "Verslag RvB-vergadering"
    assert m.place == "C10.044"
    assert (m.start_time, m.end_time) == ("09:30", "12:30")


def test_date_inside_a_sentence_and_not_the_previous_meeting() -> None:
    doc = """# Verslag

Directievergadering van woensdag 19 december 2018, 10.00 - 12.00 uur.

## Verslag vorige vergadering
Het verslag van 5 december 2018 wordt vastgesteld.

## Begroting
Besproken.
"""
    m = parse_verslag(doc, source="dir.md")
    assert m.meeting_date == dt.date(2018, 12, 19)
    assert (m.start_time, m.end_time) == ("10:00", "12:00")
    assert [(i.label, i.title) for i in m.items][-2:] == [
        ("", "Verslag vorige vergadering"), ("", "Begroting"),
    ]  # fmt: skip


def test_ocr_scattered_date_and_room_number_are_not_the_title() -> None:
    doc = "Datum 4 2025\n\nbespreking juli\n\nLocatie\n\n## C10. 044\n\n09. 30 12. 30\n\nTijd\n\n"
    doc += "uur\n\n1!\n\nOpening\n\nDe Raad opent.\n\n4 juli\n\n2025 2 3\n\nVerslag RvB-vrijdag"
    doc += "vergadering\n\nTekst.\n\n4 juli\n\n2025 3 3\n\nVerslag RvB-vrijdagvergadering\n"
    m = parse_verslag(doc, source="verslag-rvb.txt")
    assert m.meeting_date == dt.date(2025, 7, 4)
    assert m.title == "Verslag RvB-vrijdagvergadering"
    assert (m.start_time, m.end_time) == ("09:30", "12:30")
    assert ("1", "Opening") in [(i.label, i.title) for i in m.items]


def test_page_furniture_is_not_a_title() -> None:
    doc = (
        "# BIJLAGE 56\n\n## Verslag stuurgroep Digitalisering\n\n12 mei 2022\n\n## Opening\n\nJa.\n"
    )
    m = parse_verslag(doc, source="bijlage.md")
    assert m.title == "Verslag stuurgroep Digitalisering"
    assert m.meeting_date == dt.date(2022, 5, 12)


def test_generic_heading_takes_the_meeting_named_below() -> None:
    doc = """# Agenda en Verslag

Agenda en Verslag van de Werkgroep API Design Rules 31 januari 2023 - Online 10:30 - 12:00 uur.

## Agenda/Verslag

1. Opening en welkom
2. Mededelingen
Er zijn geen mededelingen.
"""
    m = parse_verslag(doc, source="x.md")
    assert m.title == "Werkgroep API Design Rules"
    assert m.meeting_date == dt.date(2023, 1, 31)
    assert (m.start_time, m.end_time) == ("10:30", "12:00")
    assert [(i.label, i.title) for i in m.items if i.title] == [
        ("1", "Opening en welkom"), ("2", "Mededelingen"),
    ]  # fmt: skip


def test_roman_numerals_and_setext_headings() -> None:
    doc = """Betreft: Bestuursoverleg
Datum: 3 maart 2022

I. Opening
Welkom.

II. Financiën
Inleiding.

II.1 Herijking subsidies
De herijking loopt.

II.2 Begroting 2023
Akkoord.

1\\. **Mededelingen**
--------------------
Geen.
"""
    m = parse_verslag(doc)
    labels = [(i.label, i.title) for i in m.items]
    assert labels[:4] == [
        ("I", "Opening"), ("II", "Financiën"), ("II.1", "Herijking subsidies"),
        ("II.2", "Begroting 2023"),
    ]  # fmt: skip


def test_agenda_list_then_minutes_with_title_on_next_line() -> None:
    doc = """# Agenda en Verslag

## Agenda

1. Opening
2. Mededelingen
3. Rondvraag

## Verslag

### Agendapunt 2:

> Mededelingen

Er is een seminar op 9 mei.

### Agendapunt 3:

> Rondvraag

Geen.
"""
    m = parse_verslag(doc, source="2022-03-17 verslag werkgroep.md")
    assert [(i.label, i.title) for i in m.items if i.label] == [
        ("2", "Mededelingen"), ("3", "Rondvraag"),
    ]  # fmt: skip
    assert m.meeting_date == dt.date(2022, 3, 17)  # from the file name, with a warning
    assert any("file name" in w for w in m.warnings)


def test_word_list_numbered_one_one_one() -> None:
    doc = "| **Vergaderdatum** | **10 december 2020** |\n|---|---|\n\n"
    for title in ("Opening", "Mededelingen", "Rondvraag en sluiting"):
        doc += f"1.  **{title}**\n\nTekst over {title.lower()}.\n\n"
    m = parse_verslag(doc, source="concept-verslag-to-dk.md")
    assert m.meeting_date == dt.date(2020, 12, 10)
    assert [(i.label, i.title) for i in m.items if i.title] == [
        ("1", "Opening"), ("2", "Mededelingen"), ("3", "Rondvraag en sluiting"),
    ]  # fmt: skip


def test_numbered_list_inside_a_section_is_not_the_agenda() -> None:
    doc = """# Technisch Overleg Terugmelden, 23 mei 2023

## Opening en welkom
Herstart.

## Pilot Groningen
Er kunnen meldingen gedaan worden voor:
1. ontbrekend object
2. object onterecht opgenomen
3. dubbel object

## Vervolg en proces
Volgt per mail.
"""
    m = parse_verslag(doc, source="t.md")
    assert [(i.label, i.title) for i in m.items] == [
        ("", "Opening en welkom"), ("", "Pilot Groningen"), ("", "Vervolg en proces"),
    ]  # fmt: skip


def test_front_matter_title_not_publication_date() -> None:
    doc = """publication_slug: woo-besluit
publication_date: '2026-03-18T07:00:00Z'
pdf_label: Notulen (concept) Periodiek Overleg 06-03-2024 (PDF, 535 kB)
retrieved_at: '2026-06-30T11:06:32+00:00'
---

Aanvangstijdstip:

13.30

5. Uitspraak Hof
Tekst.
"""
    m = parse_verslag(doc, source="document-4.md")
    assert m.meeting_date == dt.date(2024, 3, 6)
    assert m.title == "Notulen (concept) Periodiek Overleg"
    assert m.start_time == "13:30"
    assert "publication_slug" not in m.text


@pytest.mark.parametrize(
    ("raw", "token"),
    [
        ("art. 5.1 lid 2 e", "[weggelakt 5.1.2e]"),
        ("art. 5.1. lid 2 sub e", "[weggelakt 5.1.2e]"),
        ("Arikel51lid2Woo", "[weggelakt 5.1.2]"),
        ("Art. 5. 1 lid 2 sub e", "[weggelakt 5.1.2e]"),
    ],
)
def test_redaction_spellings_in_real_releases(raw: str, token: str) -> None:
    m = parse_verslag(f"Betreft: X\nDatum: 1 maart 2021\n\nDe naam ({raw}) is weggelakt.\n")
    assert token in m.text and m.redactions == 1


ACTIONS = """# Overleg Standaarden

9 april 2026

## Bespreking
Actiepunt: Vanuit Logius wordt een voorstel geschreven voor het beheer.
Actiepunt: POC opzetten met de leveranciers (documentatie, referenties, auditable, etc).
Marc Buis licht toe. De voorzitter oppert een afspraak te maken met Danny. Actiepunt Logius/Stas

## Actielijst

| Nr | Actie | Naam | status |
|----|-------|------|--------|
| 1 | Plaatjes op github zetten | Eelco Hotting | open |
| 2 | Slack opzetten | Frank Terpstra | gesloten |

| Nr | Data | Actie | Voor |
|----|------|-------|------|
| 3 | 1 mei 2026 | Consultatie afronden | Stas |

## Actiepunten: @opvolger Gül
- Logius werkt een onderzoek uit naar het gebruik.
- Relevante uitbreidingen worden ingebracht in de iGov-werkgroep.
- Marc Buis informeren over het logboek.
- Volgende bijeenkomst: 3 juni.

## Vervolgafspraken
* Geonovum stuurt verslag
* Eelco Hotting: mogelijkheid locatie vragen *gesloten*
"""


def test_action_owners_tables_and_lists_of_real_minutes() -> None:
    m = parse_verslag(ACTIONS, source="overleg.md")
    got = [(a.owners, a.description[:20], a.status, a.due_date) for a in extract_actions(m)]
    assert got == [
        (["Logius"], "Vanuit Logius wordt ", None, None),
        ([], "POC opzetten met de ", None, None),
        (["Logius", "Stas"], "De voorzitter oppert", None, None),
        (["Eelco Hotting"], "Plaatjes op github z", "open", None),
        (["Frank Terpstra"], "Slack opzetten", "closed", None),
        (["Stas"], "Consultatie afronden", None, dt.date(2026, 5, 1)),
        (["opvolger Gül"], "Logius werkt een ond", None, None),
        (["opvolger Gül"], "Relevante uitbreidin", None, None),
        (["opvolger Gül"], "Marc Buis informeren", None, None),
        (["Geonovum"], "Geonovum stuurt vers", None, None),
        (["Eelco Hotting"], "mogelijkheid locatie", "closed", None),
    ]  # fmt: skip
    for a in extract_actions(m):
        assert a.source_quote in m.text


def test_owner_is_the_subject_name_not_a_capitalised_word() -> None:
    doc = ACTIONS.replace("## Actiepunten: @opvolger Gül", "## Actiepunten")
    m = parse_verslag(doc, source="overleg.md")
    by_desc = {a.description[:20]: a.owners for a in extract_actions(m)}
    assert by_desc["Logius werkt een ond"] == ["Logius"]
    assert by_desc["Relevante uitbreidin"] == []  # 'Relevante' is no name
    assert by_desc["Marc Buis informeren"] == []  # the object of 'informeren', not its owner


def test_the_same_action_in_text_and_table_is_one_action() -> None:
    doc = """Betreft: Werkgroep
Datum: 9 februari 2026

1. Bespreking
* **Acties**:
  - Impactanalyse op FSC-standaardtekst.

2. Actiepunten

| Actie | Verantwoordelijke(n) | Wanneer |
| --- | --- | --- |
| Impactanalyse Signing Service op FSC-standaardtekst | FSC team | voor de volgende bijeenkomst |
"""
    actions = extract_actions(parse_verslag(doc))
    assert [(a.owners, a.origin) for a in actions] == [(["FSC team"], "table")]


def test_titles_compare_on_what_names_the_meeting() -> None:
    assert title_matches(
        "Verslag Technisch Overleg Digikoppeling", "Technisch Overleg Digikoppeling"
    )
    assert title_matches("VO-AJD 22 november 2023", "VO-AJD")
    assert title_matches(
        "Duurbelastbaarheid Stavaza Richtlijn testen", "Stavaza testen Richtlijn Duurbelastbaarheid"
    )
    assert not title_matches("C10. 044", "Verslag RvB-vrijdagvergadering")
    assert not title_matches("Opening", "Opening en mededelingen")


# -- the development corpus (evals/corpus, annotated by reading in evals/gold-corpus) ----------


def test_every_development_file_is_parsed() -> None:
    files = sorted(p.name for p in CORPUS.iterdir() if p.suffix == ".md" and p.name != "SOURCES.md")
    assert len(files) == 42 and {g.file for g in GOLD} == set(files)
    for name in files:
        m = parse_verslag(CORPUS / name)
        assert m.items and m.text.strip()


def test_structure_on_development_gold() -> None:
    metrics = run_structure_suite(GOLD, CORPUS)["metrics"]
    assert metrics["date_accuracy"] >= 0.95
    assert metrics["title_accuracy"] >= 0.90
    assert metrics["item_recall"] >= 0.90


def test_actions_on_development_gold() -> None:
    metrics = run_actions_suite(GOLD, CORPUS)["metrics"]
    assert metrics["f1"] >= 0.90
    assert metrics["deadline_accuracy"] >= 0.85
    assert metrics["status_accuracy"] >= 0.85


def test_development_corpus_is_indexed_and_citable(tmp_path: Path) -> None:
    """All 42 files in one store (fake embeddings for speed): none dropped, each citable with
    its meeting, date and item; a file without any header is found like the others."""
    from verslagqa.index import Index
    from verslagqa.retrieve import HybridRetriever
    from verslagqa.settings import Settings

    from .fakes import HashEmbeddings

    idx = Index(Settings(store=tmp_path / "store"), embeddings=HashEmbeddings())
    report = idx.add(sorted(p for p in CORPUS.glob("*.md") if p.name != "SOURCES.md"))
    assert report.errors == [] and report.meetings == 42
    assert {Path(w.source).name for w in report.warnings} >= {"logius_fsc-notulen-20250528.md"}
    hits = HybridRetriever.from_index(idx).search("Properties extentie klaarmaken voor TO DK", k=3)
    top = hits[0]
    assert top.meeting_date == "2025-05-28" and top.item_label == "2"
    assert "28 mei 2025" in top.ref and "punt 2" in top.ref


def test_word_marks_of_woo_releases_get_the_legends_ground() -> None:
    legend = "\n\n## Toelichting grondslagen\n\nJ Art. 5.1 lid 2 sub e\n\nHet belang van …\n"
    doc = "Betreft: Overleg\nDatum: 1 maart 2021\n\n(geanonimiseerd) opent de vergadering.\n"
    m = parse_verslag(doc + legend)
    assert "[weggelakt 5.1.2e] opent de vergadering." in m.text
    two = legend + "\nR Art. 5.2 lid 1\n"
    m = parse_verslag(doc + two)
    assert "[weggelakt] opent de vergadering." in m.text  # two grounds: which one is unknown


def test_a_redaction_on_its_own_line_is_kept_although_it_repeats() -> None:
    """OCR of a Woo release puts each blacked-out name on a line of its own; repeated on every
    page it looks like a running header, but it is the text's (who opened, who explained). In
    a letterhead block ('Inlichtingen bij') it still goes with the block."""
    legend = "\n\n## Toelichting grondslagen\n\nJ Art. 5.1 lid 2 sub e\n\nHet belang van …\n"
    body = "".join(
        f"Het team bespreekt onderwerp {n} uitgebreid.\n\n(geanonimiseerd)\n\n"
        f"licht de stand van zaken rond onderwerp {n} toe.\n\n"
        for n in range(1, 5)
    )
    letterhead = "Inlichtingen bij\n\n5.1.2e\n\n"
    doc = f"Betreft: Overleg\nDatum: 1 maart 2021\n\n{letterhead}{body}{letterhead}"
    m = parse_verslag(doc + legend)
    assert m.text.count("[weggelakt 5.1.2e]\nlicht de stand van zaken") == 4
    # the letterheads' two names are gone with them; the fifth mark is the legend's ground
    assert "Inlichtingen bij" not in m.text and m.text.count("[weggelakt 5.1.2e]") == 5
