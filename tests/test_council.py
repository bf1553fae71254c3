"""Council minutes and decision lists: agenda read off the agenda list, speakers per turn,
decisions with their outcome and tally. The cases are written in the styles of councils other
than the one in the development PDFs (numbers instead of letters, 'De heer X (Partij):',
'is met 20 stemmen voor en 15 tegen aangenomen', parties for and against listed)."""

from __future__ import annotations

from verslagqa import parse_verslag
from verslagqa.speakers import chair_name, find_speakers
from verslagqa.tracking import extract_decisions
from verslagqa.votes import find_votes, outcome_of

NUMBERED = """Notulen van de openbare vergadering van de gemeenteraad van Zeewolde
gehouden op dinsdag 4 maart 2025

Voorzitter: mevrouw G. Jansen, burgemeester

Agenda
1. Opening
2. Vaststelling van de agenda
3. Voorstel tot vaststelling van het bestemmingsplan Horsterweg
4. Motie vreemd aan de orde van de dag: zwembad
5. Sluiting

1. Opening
De voorzitter: Ik open de vergadering en heet iedereen welkom bij deze raadsvergadering.

2. Vaststelling van de agenda
De agenda wordt ongewijzigd vastgesteld.

3. Voorstel tot vaststelling van het bestemmingsplan Horsterweg
De heer Pietersen (VVD): Wij steunen het plan, maar vragen aandacht voor de ontsluiting.
Mevrouw De Boer (GroenLinks): Wij dienen een amendement in over de groene zone.
Wethouder Klaassen: Ik ontraad het amendement; de groene zone is al geborgd in het plan.
In stemming komt amendement A1 (GroenLinks).
Het amendement is met 9 stemmen voor en 12 tegen verworpen.
Voor stemmen de leden van de fracties van GroenLinks en D66.
In stemming komt het voorstel.
Het voorstel wordt met algemene stemmen aangenomen.

4. Motie vreemd aan de orde van de dag: zwembad
De heer Pietersen (VVD): De motie vraagt het college de raad voor 1 juni te informeren.
In stemming komt motie M2 (VVD).
De motie wordt aangenomen met 15 tegen 6 stemmen.

5. Sluiting
De voorzitter: Ik sluit de vergadering.
"""


def test_numbered_agenda_list_is_matched_to_where_each_point_is_taken_up() -> None:
    m = parse_verslag(NUMBERED, source="zeewolde.txt")
    assert [i.label for i in m.items if i.label] == ["1", "2", "3", "4", "5"]
    three = m.item("3")
    assert three.title.startswith("Voorstel tot vaststelling van het bestemmingsplan")
    assert "De heer Pietersen (VVD)" in three.text
    assert "zwembad" not in three.text  # the list above is not the treatment


def test_speakers_in_another_councils_style() -> None:
    m = parse_verslag(NUMBERED, source="zeewolde.txt")
    at = {m.text[s.start : s.start + 20]: s for s in m.speakers}
    pieters = next(s for k, s in at.items() if k.startswith("De heer Pietersen"))
    assert (pieters.name, pieters.party) == ("Pietersen", "VVD")
    boer = next(s for k, s in at.items() if k.startswith("Mevrouw De Boer"))
    assert boer.party == "GroenLinks"
    wethouder = next(s for s in m.speakers if s.role == "wethouder")
    assert wethouder.name == "Klaassen"
    chair = next(s for s in m.speakers if s.role == "voorzitter")
    assert chair.name == "G. Jansen"  # named from the header's 'Voorzitter:'
    quote = m.text.index("Ik ontraad het amendement")
    assert next(s for s in m.speakers if s.start <= quote < s.end) is wethouder


def test_votes_with_tally_before_the_outcome_and_parties_for() -> None:
    m = parse_verslag(NUMBERED, source="zeewolde.txt")
    votes = {(d.kind, d.number): d for d in find_votes(m)}
    a1 = votes[("amendment", "A1")]
    assert (a1.outcome, a1.votes_for, a1.votes_against) == ("rejected", 9, 12)
    assert a1.parties_for == ["GroenLinks", "D66"]
    assert a1.item_label == "3"
    m2 = votes[("motion", "M2")]
    assert (m2.outcome, m2.votes_for, m2.votes_against, m2.item_label) == ("adopted", 15, 6, "4")
    proposal = next(d for d in votes.values() if d.kind == "proposal")
    assert proposal.outcome == "adopted" and proposal.item_label == "3"
    assert proposal.description.startswith("Voorstel tot vaststelling")
    agenda = next(d for d in find_votes(m) if d.item_label == "2")
    assert agenda.outcome == "adopted"


def test_verbatim_minutes_take_no_keyword_sentence_from_a_speech_for_a_decision() -> None:
    doc = NUMBERED.replace(
        "Wij steunen het plan,", "Het college heeft besloten het plan te steunen, en wij ook,"
    )
    m = parse_verslag(doc, source="zeewolde.txt")
    assert not any("besloten" in d.source_quote for d in extract_decisions(m))


def test_minutes_without_speaker_lines_have_no_speakers() -> None:
    doc = """Verslag MT 3 maart 2025

1. Opening
De voorzitter opent de vergadering.

2. Begroting
Wethouder Klaassen licht de begroting toe. Besloten wordt de begroting vast te stellen.
"""
    m = parse_verslag(doc, source="mt.txt")
    assert m.speakers == []
    assert find_speakers("Wethouder Klaassen: ja.\nDe heer X: nee.") == []


DECISION_LIST = """Besluitenlijst gemeenteraad Utrecht 6 maart 2025

A\tVaststelling agenda\tConform
B\tVoorstel inzake de Verordening parkeren (RIS100001)\tAangenomen
100101\tMotie B.1 PvdA Betaalbaar parkeren\tVerworpen
100102\tIngetrokken\tAmendement B.A CDA Bewonersvergunning\t-
100103\tAangehouden\tMotie B.2 SP Geen parkeerautomaten\t-
C\tDatumbepaling initiatiefvoorstel fietsstraat (RIS100002)\tQ3 2025
D\tVoorstel inzake de Nota grondbeleid (RIS100003)\tNIET BEHANDELD
"""


def test_decision_list_rows_are_read_with_their_outcome_column() -> None:
    m = parse_verslag(DECISION_LIST, source="utrecht-besluitenlijst.txt")
    assert [i.label for i in m.items if i.label] == ["A", "B", "C", "D"]
    by = {(d.number or d.item_label): d for d in find_votes(m)}
    assert by["A"].outcome == "as_proposed"
    assert by["RIS100001"].outcome == "adopted"
    assert (by["B.1"].kind, by["B.1"].outcome, by["B.1"].item_label) == ("motion", "rejected", "B")
    assert (by["B.A"].kind, by["B.A"].outcome) == ("amendment", "withdrawn")
    assert by["B.2"].outcome == "postponed"
    assert by["RIS100002"].outcome == "other"  # a date, no vote
    assert by["RIS100003"].outcome == "not_treated"


def test_outcome_words_and_chair_names() -> None:
    assert outcome_of("Aangenomen") == "adopted"
    assert outcome_of("NIET AAN DE ORDE GEWEEST") == "not_treated"
    assert outcome_of("-") is None
    assert chair_name("de burgemeester, mr. J.H.C. van Zanen") == (
        "J.H.C. van Zanen",
        "burgemeester",
    )
    assert chair_name("de heer R. Sluijs, plaatsvervangend voorzitter") == ("R. Sluijs", "")


def test_a_promise_of_the_executive_is_an_action_a_members_is_not() -> None:
    doc = NUMBERED.replace(
        "Wethouder Klaassen: Ik ontraad het amendement; de groene zone is al geborgd in het plan.",
        "Wethouder Klaassen: Ik zeg toe dat de raad voor de zomer een brief over de ontsluiting "
        "krijgt.\nMevrouw De Boer (GroenLinks): Ik zeg toe dat wij daar kritisch naar kijken.",
    )
    from verslagqa.actions import extract_actions

    actions = extract_actions(parse_verslag(doc, source="zeewolde.txt"))
    promised = [a for a in actions if "brief over de ontsluiting" in a.description]
    assert [a.owners for a in promised] == [["wethouder Klaassen"]]
    assert promised[0].due_text == "voor de zomer" and promised[0].item_label == "3"
    assert not any("kritisch" in a.description for a in actions)


def test_an_owner_after_an_arrow_and_a_conclusion_after_one() -> None:
    from verslagqa.actions import extract_actions

    doc = (
        "Verslag werkgroep 3 maart 2025\n\n1. Planning\n"
        "- Tijdpad digitalisering delen met de deelnemers → MvF\n"
        "- Validatie gebeurt handmatig → geen automatische garantie\n"
    )
    actions = extract_actions(parse_verslag(doc, source="wg.txt"))
    assert [(a.owners, a.description) for a in actions] == [
        (["MvF"], "Tijdpad digitalisering delen met de deelnemers")
    ]


def test_a_citation_names_its_speaker_when_chunks_of_an_item_are_merged() -> None:
    """An item read from several retrieved chunks: each quote keeps the speaker of the turn it
    stands in, whichever chunk ranked first."""
    from verslagqa.extractive import citation
    from verslagqa.grounded import group_hits
    from verslagqa.retrieve import Hit

    base = dict(meeting_id="m", meeting_title="Raad", meeting_date="2025-03-04", item_label="3",
                item_title="Plan", score=1.0, source="r.pdf")  # fmt: skip
    first = "Wethouder Jansen (D66). Ik zeg toe dat de brief komt."
    second = "Mevrouw Arp (SP). Dat vinden wij te laat."
    h1 = Hit(chunk_id="1", text=first, start=0, end=len(first),
             speakers="0:wethouder Jansen (D66)", **base)  # fmt: skip
    h2 = Hit(chunk_id="2", text=second, start=len(first) + 1, end=len(first) + 1 + len(second),
             speakers="0:Mevrouw Arp (SP)", **base)  # fmt: skip
    ((merged, _),) = group_hits([h2, h1], 3)
    assert citation(1, merged, "Ik zeg toe dat de brief komt.").speaker == "wethouder Jansen (D66)"
    assert citation(1, merged, "Dat vinden wij te laat.").speaker == "Mevrouw Arp (SP)"
    assert merged.speaker_of("not in the text") == ""


def test_a_point_worded_otherwise_where_it_is_taken_up_keeps_its_body() -> None:
    doc = """Notulen raad 4 maart 2025

Agenda
1. Opening
2. Mededelingen
3. Vaststelling verslag vergadering 12 februari
4. Begroting 2025
5. Sluiting

1. Opening
De voorzitter opent.
2. Mededelingen
Geen.
3. Verslag 12 februari
Het verslag wordt ongewijzigd vastgesteld.
4. Begroting 2025
De begroting wordt besproken.
5. Sluiting
De voorzitter sluit.
"""
    m = parse_verslag(doc, source="raad.txt")
    assert m.item("3").text == "Het verslag wordt ongewijzigd vastgesteld."
    assert m.item("2").text == "Geen."
    assert [i.label for i in m.items if i.label] == ["1", "2", "3", "4", "5"]


def test_minutes_under_letters_with_a_long_point() -> None:
    lines = ["Verslag MT 3 maart 2025", "", "A. Opening", "De voorzitter opent.", "B. Begroting"]
    lines += [f"Zin {k} over de begroting van dit jaar." for k in range(20)]
    lines += ["C. Personeel", "Tekst.", "D. Rondvraag", "Geen.", "E. Sluiting", "Einde."]
    m = parse_verslag("\n".join(lines), source="mt.txt")
    assert [i.label for i in m.items if i.label] == ["A", "B", "C", "D", "E"]
    assert "Zin 19" in m.item("B").text and "Personeel" not in m.item("B").text


def test_rows_only_in_a_decision_list_and_decisions_outside_speech() -> None:
    """An action table is no decision list; summary minutes with a few party-tagged lines keep
    their decisions."""
    from verslagqa.votes import is_decision_list

    table = "Actielijst MT 3 maart 2025\n\n1. Acties\n1\tNotitie huisvesting opstellen\tJan\tQ2\n"
    m = parse_verslag(table, source="mt.txt")
    assert not is_decision_list(m) and find_votes(m) == []
    summary = (
        "Verslag commissie Ruimte 3 maart 2025\n\n1. Woningbouw\n"
        "Mevrouw Arp (SP): vraagt naar de planning.\nDe heer Bos (VVD): steunt het plan.\n"
        "Wethouder Klaassen: licht de planning toe.\nBesluit: de commissie adviseert positief.\n"
    )
    decisions = extract_decisions(parse_verslag(summary, source="cie.txt"))
    assert [d.source_quote for d in decisions] == ["Besluit: de commissie adviseert positief."]
