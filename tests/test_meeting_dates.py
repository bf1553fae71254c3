"""'Wanneer is X besproken?': the meeting's date from the record, by code, checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from verslagqa.answer import AnswerChain
from verslagqa.meeting_dates import asks_meeting_date, named_period, topic_terms
from verslagqa.retrieve import HybridRetriever

from .fakes import ScriptedChatModel


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Wanneer is de Contourennota besproken?", True),
        ("Wanneer vergaderde de werkgroep beveiliging?", True),
        ("Op welke datum is de motie Asscher behandeld?", True),
        ("Wanneer vond de vergadering over de vaccinatiestrategie plaats?", True),
        ("Wanneer was het overleg over de WIA-hersteloperatie?", True),
        ("In welke vergaderingen is de Contourennota besproken?", True),
        # a date the minutes write: what is still to come, or an event that is not the meeting
        ("Wanneer wordt het overzicht van de trajecten in het MT besproken?", False),
        ("Op welke datum is de bijeenkomst waar de modulaire opzet wordt besproken?", False),
        ("Wanneer vindt het seminar plaats?", False),
        ("Wanneer moet de kabinetsbrief gereed zijn?", False),
        ("Wat is er besproken over de Contourennota?", False),
    ],
)
def test_which_questions_ask_for_the_meeting_date(question: str, asks: bool) -> None:
    assert asks_meeting_date(question) is asks


def test_topic_terms_leave_out_the_words_that_ask_for_the_meeting() -> None:
    assert topic_terms("Wanneer vond de vergadering over de vaccinatiestrategie plaats?") == {
        "vaccinatiestrateg"
    }


def _chain(tmp_path: Path, model: ScriptedChatModel | None) -> AnswerChain:
    from verslagqa.index import Index
    from verslagqa.settings import Settings

    from .fakes import HashEmbeddings

    docs = {
        "a.md": "# verslag werkgroep beveiliging\n\n**datum:** 12 maart 2026\n\n"
        "## Module Access Control\n\nDe conclusie is dat de beslisboom als sectie in de module "
        "opgenomen wordt.\n\n## Aankondigingen\n\nKomende woensdag is er een bijeenkomst.\n",
        "b.md": "# verslag werkgroep beveiliging\n\n**datum:** 9 april 2026\n\n"
        "## Access Control\n\nDe nieuwe beslisboom is toegevoegd aan de module.\n",
        "c.md": "# verslag werkgroep beveiliging\n\n**datum:** 14 mei 2026\n\n"
        "## Logging\n\nGevoelige informatie in logs blijft een aandachtspunt.\n",
    }
    for name, text in docs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    index = Index(Settings(store=tmp_path / "store"), embeddings=HashEmbeddings())
    index.add([tmp_path / n for n in docs])
    return AnswerChain(HybridRetriever.from_index(index), model, model_name="scripted")


def test_when_a_topic_was_discussed_is_answered_from_the_record(tmp_path: Path) -> None:
    model = ScriptedChatModel()  # no scripted replies: a model call would fail the test
    ans = _chain(tmp_path, model).ask("Wanneer is de beslisboom besproken?")
    assert model.seen == []
    assert ans.mode == "dates" and not ans.abstained and "Vergaderdata" in ans.label
    # both meetings that name it, oldest first; not the meeting that does not
    assert ans.answer.startswith("In de vergaderingen van 12 maart 2026")
    assert "9 april 2026" in ans.answer and "14 mei 2026" not in ans.answer
    assert [c.meeting_date for c in ans.citations] == ["2026-03-12", "2026-04-09"]
    assert all("beslisboom" in c.quote for c in ans.citations)


def test_a_topic_no_item_names_goes_the_normal_way(tmp_path: Path) -> None:
    ans = _chain(tmp_path, None).ask("Wanneer is de beslisboom over brandweerkazernes besproken?")
    assert ans.mode != "dates"


def test_a_meeting_date_answer_is_supported_by_the_cited_meetings_date(tmp_path: Path) -> None:
    """The harm metric: a 'dates' answer rests on its cited meetings' dates, not on a quote
    (which holds the topic, not the date); a wrong date shown unflagged is harm."""
    from verslagqa.evals import GoldItem, GoldQuestion, run_qa_suite

    chain = _chain(tmp_path, ScriptedChatModel())
    item = GoldItem(meeting_id="2026-03-12-verslag-werkgroep-beveiliging", item="")
    right = GoldQuestion(
        id="m1",
        question="Wanneer is de beslisboom besproken?",
        expected=[item.model_copy(update={"title": "Module Access Control"})],
        key_facts=["12 maart 2026"],
    )
    wrong = right.model_copy(update={"id": "m2", "key_facts": ["14 mei 2026"]})
    cases = {c["id"]: c for c in run_qa_suite(chain, [right, wrong])["cases"]}
    assert cases["m1"]["mode"] == "dates" and cases["m1"]["correct"]
    assert not cases["m1"]["wrong_but_verified"] and cases["m1"]["right_source"]
    assert not cases["m2"]["correct"] and cases["m2"]["wrong_but_verified"]


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("Wie lichtte X toe in het TO van december 2022?", ("2022-12-01", "2022-12-31")),
        ("Wat gebeurde er in december 2021 met het beheermodel?", ("2021-12-01", "2021-12-31")),
        ("Wat is besloten in de vergadering van 1 maart 2021?", ("2021-03-01", "2021-03-01")),
        ("What was decided at the meeting on March 3, 2021?", ("2021-03-03", "2021-03-03")),
        ("Wie opende de vergadering van feb. 2024?", ("2024-02-01", "2024-02-29")),
        # a deadline or a bare year places no meeting
        ("Wat moet er voor oktober 2026 klaar zijn?", None),
        ("Wat is het budget voor 2024?", None),
        ("Waar werd de bijeenkomst na 11 december gehouden?", None),
        ("Wat is besloten op 31 februari 2021?", None),
    ],
)
def test_the_period_a_question_places_its_meeting_in(
    question: str, period: tuple[str, str] | None
) -> None:
    found = named_period(question)
    assert (None if found is None else tuple(d.isoformat() for d in found)) == period


def test_a_question_naming_the_meetings_month_is_answered_from_that_meeting(
    tmp_path: Path,
) -> None:
    chain = _chain(tmp_path, None)
    topic = "de nieuwe beslisboom die aan de module is toegevoegd"
    chain.ask(f"Wat is er gezegd over {topic}?")
    assert chain.last_hits[0].meeting_date == "2026-04-09"  # without a period: April first
    scoped = chain.ask(f"Wat is er in de vergadering van maart 2026 gezegd over {topic}?")
    assert chain.last_hits[0].meeting_date == "2026-03-12"
    assert "2026-03-12" in {c.meeting_date for c in scoped.citations}
    # the best passage of the whole index keeps a place: the date may be an event's
    assert "2026-04-09" in {h.meeting_date for h in chain.last_hits}
    # no meeting held then: the search is the plain one
    question = "Wat is er over de beslisboom gezegd in de vergadering van juni 2019?"
    chain.ask(question)
    plain_hits = chain.retriever.search(question, k=chain.k)
    assert [h.chunk_id for h in chain.last_hits] == [h.chunk_id for h in plain_hits]
