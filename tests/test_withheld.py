"""'Wie …?' where the release blacks out the name: said to be withheld, with the ground."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verslagqa.answer import AnswerChain
from verslagqa.checks import asks_who
from verslagqa.retrieve import HybridRetriever
from verslagqa.schemas import CANNOT_ANSWER
from verslagqa.withheld import WITHHELD_WARNING

from .fakes import ScriptedChatModel


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Wie lichtte het concept van de richtlijn toe?", True),
        ("Door wie wordt het stuk toegestuurd?", True),
        ("Van wie komt het voorstel?", True),
        ("Wat heeft de werkgroep besloten?", False),
        ("Wanneer is de richtlijn besproken?", False),
        ("Welke persoon presenteerde de richtlijn?", True),
        ("Who presented the guideline?", True),  # the chain takes only Dutch ones (topic words)
    ],
)
def test_which_questions_ask_for_a_person(question: str, asks: bool) -> None:
    assert asks_who(question) is asks


# A Woo release: the legend names one ground, so '(geanonimiseerd)' reads as 5.1.2e.
_RELEASE = (
    "# Verslag kerngroep richtlijnen\n\n**datum:** 4 augustus 2010\n\n"
    "## 2. Richtlijn zwangerschap\n\n(geanonimiseerd) licht de aanpassingen aan het concept van "
    "de richtlijn zwangerschap toe. De kerngroep stemt in.\n\n"
    "## 3. Fraude\n\nHet protocol over fraude wordt volgende maand besproken. Er komt een nieuw "
    "overzicht van de meldingen. De leden lezen het overzicht voor de volgende keer. Het "
    "secretariaat plant de bijeenkomst en stuurt de stukken tijdig rond aan alle leden van de "
    "kerngroep, zodat iedereen zich kan voorbereiden.\n\n"
    "## 4. Rondvraag\n\nJan de Vries sluit de vergadering.\n\n"
    "Dit document is openbaar gemaakt op grond van de Woo. Art. 5.1 lid 2 sub e Woo: "
    "eerbiediging van de persoonlijke levenssfeer.\n"
)
# No legend: the release gives no ground.
_NO_GROUND = (
    "# Verslag overleg uitvoering\n\n**datum:** 7 april 2025\n\n"
    "## 1. Stuurgroep\n\n(geanonimiseerd) geeft een terugkoppeling van de bespreking in de "
    "stuurgroep over het dagloon.\n"
)


def _chain(tmp_path: Path, model: ScriptedChatModel | None) -> AnswerChain:
    from verslagqa.index import Index
    from verslagqa.settings import Settings

    from .fakes import HashEmbeddings

    docs = {"a.md": _RELEASE, "b.md": _NO_GROUND}
    for name, text in docs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    index = Index(Settings(store=tmp_path / "store"), embeddings=HashEmbeddings())
    index.add([tmp_path / n for n in docs])
    return AnswerChain(HybridRetriever.from_index(index), model, model_name="scripted")


def _abstaining() -> ScriptedChatModel:
    return ScriptedChatModel().enqueue(json.dumps({"sentences": [], "answer": CANNOT_ANSWER}))


def test_a_redacted_name_is_said_to_be_withheld_with_its_ground(tmp_path: Path) -> None:
    ans = _chain(tmp_path, _abstaining()).ask(
        "Wie lichtte de aanpassingen aan het concept van de richtlijn zwangerschap toe?"
    )
    assert ans.mode == "withheld" and not ans.abstained
    assert "weggelakt (5.1.2e)" in ans.answer
    assert ans.warnings == [WITHHELD_WARNING] and "Weggelakt" in ans.label
    (c,) = ans.citations
    assert c.item_label == "2" and "[weggelakt 5.1.2e] licht de aanpassingen" in c.quote


def test_a_release_without_a_legend_gives_no_ground(tmp_path: Path) -> None:
    ans = _chain(tmp_path, _abstaining()).ask(
        "Wie geeft de terugkoppeling van de bespreking in de stuurgroep?"
    )
    assert ans.mode == "withheld"
    assert "geen grond" in ans.answer and "5.1" not in ans.answer


def test_a_model_answer_that_holds_is_kept(tmp_path: Path) -> None:
    model = ScriptedChatModel(judge=0.95)
    model.enqueue(
        json.dumps({"sentences": ["1.1"], "answer": "Jan de Vries sluit de vergadering."})
    )
    ans = _chain(tmp_path, model).ask("Wie sluit de vergadering van de kerngroep?")
    assert ans.mode == "llm" and "Jan de Vries" in ans.answer


def test_a_topic_far_from_any_redaction_is_not_called_withheld(tmp_path: Path) -> None:
    # the topic (protocol, fraude, meldingen) is in item 3; the redacted name is in item 2
    ans = _chain(tmp_path, _abstaining()).ask(
        "Wie stuurt het overzicht van de meldingen over fraude rond?"
    )
    assert ans.mode != "withheld"
    assert ans.abstained


def test_a_withheld_answer_is_never_counted_as_verified(tmp_path: Path) -> None:
    """It carries a warning (code cannot tell the redacted name is the one asked for): right
    when the gold says withheld, never harm."""
    from verslagqa.evals import GoldItem, GoldQuestion, run_qa_suite

    reply = json.dumps({"sentences": [], "answer": CANNOT_ANSWER})
    chain = _chain(tmp_path, _abstaining().enqueue(reply))
    item = GoldItem(meeting_id="2010-08-04-verslag-kerngroep-richtlijnen", item="2")
    withheld = GoldQuestion(
        id="w1",
        question="Wie lichtte de aanpassingen aan het concept van de richtlijn zwangerschap toe?",
        expected=[item],
        key_facts=["weggelakt", "5.1.2e"],
        withheld=True,
    )
    named = withheld.model_copy(update={"id": "w2", "key_facts": ["Jan"], "withheld": False})
    cases = {c["id"]: c for c in run_qa_suite(chain, [withheld, named])["cases"]}
    assert cases["w1"]["correct"] and cases["w1"]["right_source"]
    assert not cases["w2"]["correct"]
    assert not cases["w1"]["wrong_but_verified"] and not cases["w2"]["wrong_but_verified"]


def test_the_repl_shows_a_withheld_answer_with_its_label_and_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, as a user asks: the label once, the answer, the passage quoted on one line
    (OCR puts a blacked-out name on a line of its own), and the warning."""
    import io

    from rich.console import Console

    from verslagqa import Library, cli
    from verslagqa.retrieve import SearchFilters

    from .fakes import HashEmbeddings

    monkeypatch.setenv("VERSLAGQA_HOME", str(tmp_path / "home"))
    ocr = (
        "# Verslag kerngroep richtlijnen\n\n**datum:** 4 augustus 2010\n\n## 3. Fraude\n\n"
        "medisch beroepsgeheim bij fraude\n(geanonimiseerd)\nzal het stuk over de protocollen "
        "toesturen.\n\nArt. 5.1 lid 2 sub e Woo: eerbiediging van de persoonlijke levenssfeer.\n"
    )
    (tmp_path / "ocr.md").write_text(ocr, encoding="utf-8")
    lib = Library.open(tmp_path / "s", embeddings=HashEmbeddings(), chat_model=_abstaining())
    lib.add(tmp_path / "ocr.md")
    buf, ebuf = io.StringIO(), io.StringIO()
    # as the real consoles: no markup (it would eat '[weggelakt 5.1.2e]' as a tag)
    monkeypatch.setattr(cli, "out", Console(file=buf, width=300, markup=False))
    monkeypatch.setattr(cli, "err", Console(file=ebuf, width=300, markup=False))
    lines = iter(["Wie zal het stuk over de protocollen bij fraude toesturen?", ":quit"])
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(lines))
    cli._repl(lib, SearchFilters(), None)
    text = buf.getvalue()
    assert text.count("Weggelakt in de verslagen (niet het antwoord van het model)") == 1
    assert "De naam is in het verslag weggelakt (5.1.2e) [1]." in text
    assert "“medisch beroepsgeheim bij fraude [weggelakt 5.1.2e] zal het stuk" in text
    # the reader gets the status in plain Dutch; the check's own words only with --debug
    notice = " ".join(ebuf.getvalue().split())
    assert "Het antwoord is in de openbaar gemaakte verslagen weggelakt." in notice
    assert WITHHELD_WARNING not in notice


def test_a_redacted_name_on_a_line_of_its_own_is_read_in_the_merged_source() -> None:
    """A name on a line of its own, as OCR of a Woo release gives it, recurs in an item: the
    merged source keeps each copy (a merge by lines kept the first only), and the passage
    around the second one is quoted."""
    from verslagqa.grounded import group_hits
    from verslagqa.retrieve import Hit
    from verslagqa.withheld import withheld_answer

    meeting = (
        "Opening\n[weggelakt 5.1.2e]\nopent de vergadering.\nmedisch beroepsgeheim bij fraude\n"
        "[weggelakt 5.1.2e]\nzal het stuk over de protocollen toesturen."
    )
    cut = meeting.index("medisch")

    def hit(chunk_id: str, start: int, end: int) -> Hit:
        return Hit(
            chunk_id=chunk_id, meeting_id="2010-08-04-kerngroep", meeting_title="Kerngroep",
            meeting_date="2010-08-04", item_label="3", item_title="Fraude",
            text=meeting[start:end], score=1.0, source="k.md", start=start, end=end,
        )  # fmt: skip

    first, second = (
        hit("a", 0, cut + len("medisch beroepsgeheim bij fraude")),
        hit("b", cut, len(meeting)),
    )
    groups = group_hits([second, first], 5)
    merged, members = groups[0]
    assert merged.text == meeting and merged.text.count("[weggelakt 5.1.2e]") == 2
    question = "Wie zal het stuk over de protocollen bij fraude toesturen?"
    text, (c,) = withheld_answer(question, [merged], [members])
    assert text == "De naam is in het verslag weggelakt (5.1.2e) [1]."
    assert c.quote.startswith("medisch beroepsgeheim bij fraude\n[weggelakt 5.1.2e]\nzal het stuk")
    assert c.quote in merged.text


def test_the_quote_starts_at_its_own_mark_not_an_earlier_one_alike() -> None:
    from verslagqa.retrieve import Hit
    from verslagqa.withheld import withheld_answer

    text = (
        "[weggelakt 5.1.2e]\nopent de vergadering en bespreekt de agenda van vandaag uitgebreid.\n"
        "[weggelakt 5.1.2e]\nzal het stuk over de protocollen bij fraude toesturen."
    )
    h = Hit(
        chunk_id="a", meeting_id="m", meeting_title="Kerngroep", meeting_date="2010-08-04",
        item_label="1", item_title="Opening", text=text, score=1.0, source="k.md",
    )  # fmt: skip
    question = "Wie zal het stuk over de protocollen bij fraude toesturen?"
    _, (c,) = withheld_answer(question, [h], [[h]], window_chars=60)
    assert c.quote == "[weggelakt 5.1.2e]\nzal het stuk over de protocollen bij fraude toesturen."
