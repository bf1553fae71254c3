"""General rules on minutes shaped unlike the samples: other letterheads, colon headers,
tables, page footers, running headers, OCR-ish text, other numbering styles."""

from __future__ import annotations

import datetime as dt

from verslagqa import parse_verslag
from verslagqa.parse import split_people

GEMEENTE = """\
Gemeente Zuidstad
Verslag overleg Stuurgroep Wonen

Datum: 12 maart 2022
Tijd: 14.00 - 15.30 uur
Locatie: Stadhuis, kamer 2.14
Aanwezig: J. de Vries (voorzitter), A. Bakker, P. Jansen,
  K. Smit (notulist)
Afwezig: M. Visser

1. Opening en vaststellen agenda
De voorzitter opent de vergadering om 14.05 uur. De agenda wordt vastgesteld.

2. Verslag vorige vergadering
Het verslag wordt ongewijzigd vastgesteld.

3. Voortgang woningbouwprogramma
Bakker licht de voortgang toe. In 2021 zijn 412 woningen opgeleverd terwijl het doel
Pagina 1 van 2
Verslag Stuurgroep Wonen 12 maart 2022
450 woningen was. De achterstand komt door stikstofregels.
Actiepunt: Bakker stuurt voor 1 april een overzicht van de vertraagde projecten.

4. Rondvraag
Geen punten.

Pagina 2 van 2
Verslag Stuurgroep Wonen 12 maart 2022
"""

TABLE = """\
# Besluitenlijst

| Onderwerp | Bestuurlijk overleg Jeugd |
|---|---|
| Datum | 3-2-2022 |
| Tijd | 09:30 – 11:00 |
| Aanwezig | Wethouder Jeugd, directeur GGD, 10.2.e |

Agendapunt 1: Opening
De voorzitter heet iedereen welkom.

Agendapunt 2: Financiën jeugdzorg
Het tekort bedraagt 3,4 miljoen. Besluit: de regio vraagt aanvullende middelen aan.

Agendapunt 3: Rondvraag
Geen.
"""

PDF_LIKE = """\
Ministerie van Financiën
Postbus 20201
2500 EE Den Haag
Betreft MT Fiscale Zaken
Vergaderdatum en tijd maandag 6 juni 2022, 10.00-11.00 uur
Vergaderplaats Kamer 4.12
Aanwezig DGFZ, DF, AFP
1. Opening
Geen mededelingen.
2. Belastingplan 2023
Het concept wordt besproken. DF merkt op dat de tekst over de box 3
Ons kenmerk 2022-0000123456
Pagina 2 van 3
regeling nog niet is afgestemd met de Raad van State (actie DF).
2.1 Planning
Het wetsvoorstel gaat op 20 september naar de Kamer.
2.2 Communicatie
Woordvoering stemt af met DGFZ.
3. Rondvraag
Er is geen rondvraag.
"""


def test_colon_header_other_letterhead_and_footer() -> None:
    m = parse_verslag(GEMEENTE, source="gemeente.txt")
    assert m.title == "Verslag overleg Stuurgroep Wonen"
    assert m.meeting_date == dt.date(2022, 3, 12)
    assert (m.start_time, m.end_time) == ("14:00", "15:30")
    assert m.place == "Stadhuis, kamer 2.14"
    assert m.attendees == [
        "J. de Vries (voorzitter)", "A. Bakker", "P. Jansen", "K. Smit (notulist)",
    ]  # fmt: skip
    assert m.absent == ["M. Visser"]
    assert [i.label for i in m.items] == ["1", "2", "3", "4"]
    text3 = m.item("3").text
    assert "terwijl het doel 450 woningen was." in text3
    assert "Pagina" not in text3 and "Verslag Stuurgroep Wonen 12 maart" not in text3
    assert "Actiepunt: Bakker stuurt voor 1 april" in text3
    assert m.item("4").text == "Geen punten."
    assert m.meeting_id == "2022-03-12-verslag-overleg-stuurgroep-wonen"


def test_markdown_table_header_and_agendapunt_numbering() -> None:
    m = parse_verslag(TABLE, source="tabel.md")
    assert m.title == "Bestuurlijk overleg Jeugd"
    assert m.meeting_date == dt.date(2022, 2, 3)
    assert (m.start_time, m.end_time) == ("09:30", "11:00")
    assert m.attendees == ["Wethouder Jeugd", "directeur GGD", "10.2e"]
    assert [(i.label, i.title) for i in m.items] == [
        ("1", "Opening"), ("2", "Financiën jeugdzorg"), ("3", "Rondvraag"),
    ]  # fmt: skip
    assert "Besluit: de regio vraagt aanvullende middelen aan." in m.item("2").text
    assert m.redactions == 1


def test_pdf_style_text_without_markup() -> None:
    m = parse_verslag(PDF_LIKE, source="fin.pdf.txt")
    assert m.title == "MT Fiscale Zaken"
    assert m.meeting_date == dt.date(2022, 6, 6)
    assert m.place == "Kamer 4.12"
    assert [i.label for i in m.items] == ["1", "2", "2.1", "2.2", "3"]
    two = m.item("2").text
    assert "de tekst over de box 3 regeling nog niet is afgestemd" in two
    assert "kenmerk" not in two and "Pagina" not in two
    assert m.item("2.1").title == "Planning"


def test_numbered_list_inside_item_is_not_an_agenda_item() -> None:
    doc = """Betreft\tMT
Vergaderdatum en -tijd\t1 maart 2021 10:00-11:00
## 1. Opening
Er zijn drie aandachtspunten:
1. de planning is krap;
2. het budget is op;
3. er is te weinig personeel.
## 2. Rondvraag
Geen.
"""
    m = parse_verslag(doc)
    assert [i.label for i in m.items] == ["1", "2"]
    assert "3. er is te weinig personeel." in m.item("1").text


def test_unnumbered_sections_when_headings_exist() -> None:
    doc = """Betreft: Staf
Datum: 4 april 2022

## Stand van zaken
Alles loopt volgens plan.

## Rondvraag
Geen vragen.
"""
    m = parse_verslag(doc)
    assert [(i.label, i.title) for i in m.items] == [("", "Stand van zaken"), ("", "Rondvraag")]


def test_item_heading_with_inline_text() -> None:
    doc = """Betreft: Overleg
Vergaderdatum: 5 mei 2022
1. Opening: de voorzitter opent de vergadering en heet iedereen welkom.
2. Mededelingen: er zijn geen mededelingen te melden vandaag.
"""
    m = parse_verslag(doc)
    assert [(i.label, i.title) for i in m.items] == [("1", "Opening"), ("2", "Mededelingen")]
    assert m.item("1").text == "de voorzitter opent de vergadering en heet iedereen welkom."


def test_ocr_noise_and_hyphenation() -> None:
    doc = """Betreft   Overleg Zorg
Vergaderdatum en - tijd   7 juli 2021 13.00 – 14.00
Aanwezig   DGLZ, 5.1 .2e, 5.1.2.e (CZ)
## 1. Stand van zaken
De beleids-
regels worden herzien. Het ~~ ministerie stelt een nieuwe
werk- groep in.
"""
    m = parse_verslag(doc)
    assert m.meeting_date == dt.date(2021, 7, 7)
    assert (m.start_time, m.end_time) == ("13:00", "14:00")
    assert "De beleidsregels worden herzien." in m.item("1").text
    assert "5.1.2e (CZ)" in m.attendees


def test_split_people() -> None:
    assert split_people("A, B en C") == ["A", "B en C"]
    assert split_people("X (CZ, verslag), Y") == ["X (CZ, verslag)", "Y"]
    assert split_people("5.1.2e (DCo, 5.1.2e2e (BPZ)") == ["5.1.2e (DCo)", "5.1.2e (BPZ)"]
    assert split_people("") == []
    assert split_people("-") == []


def test_meeting_date_falls_back_to_heading() -> None:
    doc = "Notulen van de raadsvergadering van 14 februari 2023\n\nDe voorzitter opent.\n"
    m = parse_verslag(doc)
    assert m.meeting_date == dt.date(2023, 2, 14)
    assert m.title.startswith("Notulen van de raadsvergadering")


def test_attendees_with_a_broken_br_tag_do_not_recurse() -> None:
    """OCR of a page that printed '<br>' can return '<br' without its '>'."""
    from verslagqa.header import split_people

    assert split_people("Jan (Logius) <br Piet (RvIG)") == ["Jan (Logius) <br Piet (RvIG)"]
    assert split_people("Jan (Logius)<br>Piet (RvIG), Klaas") == [
        "Jan (Logius)", "Piet (RvIG) — Klaas"
    ]  # fmt: skip


def test_a_running_header_is_judged_by_its_own_count() -> None:
    """A block of one repeated short line goes as a running header only when that line occurs
    at least three times; a redacted name opening the block (OCR of a Woo release) says
    nothing about it."""
    from collections import Counter

    from verslagqa.lines import Line
    from verslagqa.sections import furniture_mask

    def mask(repeat: str, times: int) -> list[bool]:
        opener = "[weggelakt 5.1.2e]"
        texts = ["Het team bespreekt de planning uitgebreid.", opener, repeat, "Verder niets."]
        lines = [Line(raw=t, text=t) for t in texts]
        counts = Counter({ln.key: 1 for ln in lines}) | Counter({opener: 5, repeat.lower(): times})
        return furniture_mask(lines, counts)

    assert mask("Concept verslag MT", 3)[2]
    assert not mask("Concept verslag MT", 2)[2]  # twice: the redaction's count does not count
    assert mask("Concept verslag MT", 3)[1:3] == [False, True]  # the redaction stays


def test_a_redacted_subject_stays_beside_a_letterhead_like_line() -> None:
    """OCR of a Woo release's table: '(geanonimiseerd)' is the subject of the line after it
    ('licht de voorlegger toe.'); a line above that looks like a letterhead ('afdeling …')
    must not take it out with it. In a real letterhead the line after the redaction is no
    lower-case sentence, and the redaction goes with the block."""
    from collections import Counter

    from verslagqa.lines import Line
    from verslagqa.sections import furniture_mask

    def mask(after: str) -> list[bool]:
        texts = ["Het team bespreekt het bezwaar.", "afdeling Bijzondere Zaken",
                 "(geanonimiseerd) (geanonimiseerd)", after]  # fmt: skip
        lines = [Line(raw=t, text=t) for t in texts]
        # a redacted name repeats through the document, like a running header
        return furniture_mask(lines, Counter({ln.key: 1 for ln in lines}) | {lines[2].key: 5})

    assert mask("licht de inhoud van de voorlegger kort toe.") == [False, True, False, False]
    assert mask("Telefoon 070 123 45 67")[1:3] == [True, True]


def test_a_municipal_decision_list_names_its_committee_and_keeps_broken_titles_whole() -> None:
    """A council committee's 'Besluitenlijst' (shaped like a real one of another body than the
    development corpus): the document kind on the first line, the committee on the next; an
    item title broken after a hyphen; the template's file name in the page footer."""
    doc = (
        "BESLUITENLIJST OPENBARE COMMISSIEVERGADERING\n\n"
        "Raadscommissie voor Ruimte, wonen en natuur\n\n"
        "Datum 20 mei 2014\n\n"
        "01. Opening en mededelingen\n\n"
        "De voorzitter opent de vergadering en heet de aanwezigen welkom.\n\n"
        "02. Vaststellen startnotitie hoek Amsterdamseweg-\n\n"
        "Keizer Karelweg\n\n"
        "De commissie bespreekt de startnotitie en de bebouwing op de hoek.\n\n"
        "[SLG440649.doc]\n\n"
        "Pagina   2 van 4\n\n"
        "De voorzitter concludeert dat het voorstel als hamerstuk naar de raad kan.\n\n"
        "03. Rondvraag\n\n"
        "Er zijn geen rondvragen.\n"
    )
    m = parse_verslag(doc)
    assert m.title == "Raadscommissie voor Ruimte, wonen en natuur"
    assert m.meeting_date == dt.date(2014, 5, 20)
    assert [(i.label, i.title) for i in m.items if i.label] == [
        ("1", "Opening en mededelingen"),
        ("2", "Vaststellen startnotitie hoek Amsterdamseweg-Keizer Karelweg"),
        ("3", "Rondvraag"),
    ]
    second = m.items[[i.label for i in m.items].index("2")].text
    assert "Keizer Karelweg" not in second and "SLG440649" not in second
    assert "hamerstuk" in second


def test_a_title_line_with_date_and_place_keeps_the_name_only() -> None:
    """'Notulen van de vergadering van de ministerraad gehouden op vrijdag 12 maart 2021 in de
    Trêveszaal': after the date come the place and the time, not the meeting's name."""
    doc = (
        "Notulen van de vergadering van de ministerraad gehouden op vrijdag 12 maart 2021 in "
        "de Trêveszaal te 's-Gravenhage\n\n"
        "Aanwezig: Rutte, De Jonge, Hoekstra\n\n"
        "1. Opening\nDe minister-president opent de vergadering om 10.00 uur.\n\n"
        "2. Coronamaatregelen\nDe raad besluit de maatregelen te verlengen.\n\n"
        "De minister-president sluit de vergadering om 12.30 uur.\n"
    )
    m = parse_verslag(doc)
    assert m.title == "Notulen van de vergadering van de ministerraad"
    assert (m.meeting_date, m.start_time, m.end_time) == (dt.date(2021, 3, 12), "10:00", "12:30")


def test_a_water_boards_minutes_with_ad_items_and_absent_with_notice() -> None:
    """'Ad 1. Opening', and 'Afwezig met kennisgeving:' as one label (not part of a name)."""
    doc = (
        "Verslag van de vergadering van het Algemeen Bestuur van Waterschap De Stroom, d.d. 14 "
        "april 2022\n\n"
        "Aanwezig: mw. A. de Vries (voorzitter), dhr. P. Jansen, mw. K. Bos\n"
        "Afwezig met kennisgeving: dhr. R. Mulder\n\n"
        "Ad 1. Opening en mededelingen\nDe voorzitter opent om 19.30 uur de vergadering.\n\n"
        "Ad 2. Peilbesluit Polder Oost\nHet peilbesluit wordt vastgesteld.\n\n"
        "Ad 3. Rondvraag en sluiting\nDe voorzitter sluit om 21.15 uur de vergadering.\n"
    )
    m = parse_verslag(doc)
    assert m.title == "Verslag van de vergadering van het Algemeen Bestuur van Waterschap De Stroom"
    assert m.absent == ["dhr. R. Mulder"]
    assert len(m.attendees) == 3
    assert [(i.label, i.title) for i in m.items if i.label] == [
        ("1", "Opening en mededelingen"),
        ("2", "Peilbesluit Polder Oost"),
        ("3", "Rondvraag en sluiting"),
    ]
    assert (m.start_time, m.end_time) == ("19:30", "21:15")
