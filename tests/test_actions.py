"""Deterministic action extraction: the five samples exactly, other families by rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from verslagqa import parse_verslag
from verslagqa.actions import extract_actions, filter_actions, split_owners
from verslagqa.eval_meetings import load_gold_meetings

from .conftest import ROOT, SAMPLES

GOLD = load_gold_meetings(ROOT / "evals" / "gold")


@pytest.mark.parametrize(
    ("raw", "owners"),
    [
        ("MO/Jeugd/LZ", ["MO", "Jeugd", "LZ"]),
        ("MO en pgb", ["MO", "pgb"]),
        ("LZ/ CZ", ["LZ", "CZ"]),
        ("PZo/BPZ", ["PZo", "BPZ"]),
        ("allen", ["allen"]),
        ("adviseur DGLZ", ["adviseur DGLZ"]),
        ("**MEVA**", ["MEVA"]),
        ("CZ, LZ en MO", ["CZ", "LZ", "MO"]),
        ("Frank & Anna", ["Frank", "Anna"]),
        ("", []),
    ],
)
def test_split_owners(raw: str, owners: list[str]) -> None:
    assert split_owners(raw) == owners


@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g.meeting_id)
def test_every_explicit_action_in_the_samples(gold) -> None:  # type: ignore[no-untyped-def]
    meeting = parse_verslag(SAMPLES / gold.file)
    found = extract_actions(meeting)
    assert [(a.owners, a.item_label) for a in found] == [(g.owners, g.item) for g in gold.actions]
    for a, g in zip(found, gold.actions, strict=True):
        if a.due_date:  # a deadline found is the right one (recall is in the actions eval)
            assert a.due_date == g.due_date
    for a in found:
        assert a.source_quote in meeting.text  # verbatim
        assert "actie" not in a.description.lower()
        assert a.meeting_id == meeting.meeting_id and a.meeting_date == meeting.meeting_date


def test_action_sentence_boundaries_in_samples() -> None:
    m = parse_verslag(SAMPLES / "001_004031dcab60c761.txt")
    by_owner = {a.description: a for a in extract_actions(m)}
    assert "Z gaat nogmaals na wat nodig is m.b.t. het CAK" in by_owner  # 'm.b.t.' is no boundary
    assert "Deadline van aanlevering bij CFA is dinsdag 2 maart" in by_owner
    m3 = parse_verslag(SAMPLES / "003_47808041174d36d6.txt")
    last = extract_actions(m3)[-1]
    # "Vervolgens kan vanmiddag worden verzonden" needs the sentence before it to say what
    assert last.description.startswith("Ten tweede wil de minister de brief langs KNMG")
    assert last.due_date == dt.date(2021, 1, 11) and last.due_text == "vanmiddag"


OTHER_FAMILY = """Verslag overleg Gemeente Utrecht, commissie Wonen
Datum: 12 april 2022
Aanwezig: Frank de Vries, Anna Bakker, wethouder Jansen

1. Opening
De voorzitter opent de vergadering. Er is actie nodig op het dossier (actie is urgent).

2. Woningbouwplan
Het plan wordt besproken. Besluit: het plan wordt akkoord bevonden.
Actie Frank: stuurt de nota uiterlijk 20 april rond.
Actiepunt: Anna Bakker vraagt offerte op bij de aannemer voor eind mei.
De begroting wordt herzien [actie: FEZ].

3. Actiepunten
- Gemeente stuurt brief aan bewoners (wethouder Jansen, vrijdag)
- Frank plant vervolgoverleg in – Frank

| Nr | Actie | Actiehouder | Deadline |
|----|-------|-------------|----------|
| 1 | Begroting herzien | Anna Bakker | 1 mei 2022 |
| 2 | Raadsvoorstel schrijven | Frank / Anna | volgende week |

4. Rondvraag
Geen.
"""


def test_other_families_action_lines_lists_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "utrecht.txt"
    path.write_text(OTHER_FAMILY, encoding="utf-8")
    m = parse_verslag(path)
    got = [
        (a.owners, a.item_label, a.description, a.due_date and a.due_date.isoformat(), a.origin)
        for a in extract_actions(m)
    ]
    assert got == [
        (["Frank"], "2", "stuurt de nota uiterlijk 20 april rond", "2022-04-20", "marker"),
        (["Anna Bakker"], "2", "Anna Bakker vraagt offerte op bij de aannemer voor eind mei",
         "2022-05-31", "marker"),
        (["FEZ"], "2", "De begroting wordt herzien", None, "marker"),
        (["wethouder Jansen"], "3", "Gemeente stuurt brief aan bewoners", "2022-04-15", "list"),
        (["Frank"], "3", "Frank plant vervolgoverleg in", None, "list"),
        (["Anna Bakker"], "3", "Begroting herzien", "2022-05-01", "table"),
        (["Frank", "Anna"], "3", "Raadsvoorstel schrijven", "2022-04-22", "table"),
    ]  # fmt: skip
    for a in extract_actions(m):
        assert a.source_quote in m.text


def test_no_actions_in_text_without_markers() -> None:
    m = parse_verslag(SAMPLES / "004_8d65189e1dd83778.txt")
    assert extract_actions(m) == []


def test_filter_actions_by_owner_and_date() -> None:
    actions = [a for g in GOLD for a in extract_actions(parse_verslag(SAMPLES / g.file))]
    cz = filter_actions(actions, owner="cz")
    assert cz and all("CZ" in a.owners or "allen" in a.owners for a in cz)
    assert any(a.owners == ["LZ", "CZ"] for a in cz)
    adviseur = filter_actions(actions, owner="adviseur DGLZ")
    assert {a.item_label for a in adviseur} >= {"3a", "3b", "3d", "4"}
    march = filter_actions(actions, van=dt.date(2021, 3, 1), tot=dt.date(2021, 3, 31))
    assert {a.meeting_id for a in march} == {"2021-03-01-mt-dglz-breed"}
    assert filter_actions(actions, owner="nobody") == [a for a in actions if "allen" in a.owners]


def test_an_action_line_led_by_a_title_and_a_name() -> None:
    """'Actie: wethouder Bakker zorgt …' (a council's minutes): the owner is the titled name,
    also when the surname begins with 'De'; a month without a day is the deadline."""
    doc = (
        "Notulen commissievergadering Ruimte\nDatum: 12 maart 2024\n\n"
        "Punt 1 - Sporthal:\nDe kosten zijn gestegen.\n\n"
        "Actie: wethouder Bakker zorgt dat het raadsvoorstel in de raadsvergadering van juli "
        "wordt geagendeerd.\n\n"
        "Punt 2 - Rondvraag:\nDe fietsbrug is nog niet klaar.\n\n"
        "Actie: burgemeester De Groot vraagt de status na bij de projectleider.\n"
        "Actie: De kosten worden verdeeld over twee jaar.\n"
        "Actie: secretaris stuurt de notitie over de gevolgen, voor 1 juni.\n\n"
        "De voorzitter sluit de vergadering om 21:05.\n"
    )
    m = parse_verslag(doc)
    assert m.end_time == "21:05"
    got = [
        (a.owners, a.item_label, a.due_date and a.due_date.isoformat()) for a in extract_actions(m)
    ]
    assert got == [
        (["wethouder Bakker"], "1", "2024-07-31"),
        (["burgemeester De Groot"], "2", None),
        ([], "2", None),  # 'De kosten worden …': no title, so 'De' is an article, no owner
        (["secretaris"], "2", "2024-06-01"),  # a title alone as the subject
    ]


def test_a_commitment_is_tracked_like_an_action() -> None:
    """Council minutes list the executive's commitments as 'Toezegging: …'."""
    doc = (
        "Verslag commissie Bestuur\nDatum: 3 oktober 2023\n\n1. Parkeernorm\n"
        "Raadslid Pietersen vraagt naar de parkeernorm.\n"
        "Toezegging: wethouder Smit komt voor 1 december terug op de parkeernorm.\n"
        "Toezegging (wethouder Bakker): de raad ontvangt een memo over de sporthal.\n"
    )
    got = [
        (a.owners, a.due_date and a.due_date.isoformat())
        for a in extract_actions(parse_verslag(doc))
    ]
    assert got == [(["wethouder Smit"], "2023-12-01"), (["wethouder Bakker"], None)]


def test_an_action_list_of_name_dash_task_entries() -> None:
    """'* Frank Terpstra — Mail sturen …' under 'Actiepunten' (a working group's minutes): the
    name before a spaced dash is the owner, as before a colon; a range of weeks is due at its
    far end. A capitalised topic before a dash in running text is not an action."""
    doc = (
        "# verslag werkgroep beveiliging\n\n**datum:** 12 maart 2026\n\n"
        "**aanwezig:** Frank Terpstra, Peter Haasnoot, Anna de Vries\n\n"
        "## Module Access Control\n\nEr zijn openstaande issues doorgenomen.\n"
        "Access Control — de module is bijna klaar.\n\n"
        "## Actiepunten\n\n"
        "* Frank Terpstra — Contact opnemen met Stas over de use case (sectie 2.3.2)\n"
        "* Peter Haasnoot – Pull request aanmaken met de beslisboom\n"
        "* Anna de Vries - Openstaand punt oppakken, bij voorkeur binnen 2-3 weken\n"
    )
    got = [
        (a.owners, a.description, a.due_date and a.due_date.isoformat())
        for a in extract_actions(parse_verslag(doc))
    ]
    assert got == [
        (["Frank Terpstra"], "Contact opnemen met Stas over de use case (sectie 2.3.2)", None),
        (["Peter Haasnoot"], "Pull request aanmaken met de beslisboom", None),
        (
            ["Anna de Vries"],
            "Openstaand punt oppakken, bij voorkeur binnen 2-3 weken",
            "2026-04-02",
        ),
    ]
