"""The answer chain's orchestration with a scripted chat model (fast, offline): the model points
at numbered sentences, code quotes and checks them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from verslagqa.answer import (
    CANNOT_ANSWER,
    AnswerChain,
    _AnswerFieldStreamer,
    detect_language,
    is_abstention,
    parse_sentence_reply,
)
from verslagqa.prompting import PromptError, load_prompt
from verslagqa.retrieve import HybridRetriever, SearchFilters
from verslagqa.settings import AnswerSettings, CheckSettings

from .fakes import ScriptedChatModel

Q = "Wanneer moet de kabinetsbrief over de vaccinatiestrategie gereed zijn?"
FRIDAY = "Vrijdag moet de brief vanuit het kabinet gereed zijn"


def _shown(model: ScriptedChatModel, call: int = 0) -> dict[str, str]:
    """The numbered sentences of the prompt of ``call``: id → text."""
    shown = {}
    for line in str(model.seen[call][-1].content).splitlines():
        m = re.match(r"^(\d+\.\d+) (.*)$", line)
        if m:
            shown[m.group(1)] = m.group(2)
    return shown


def _ask(
    retriever: HybridRetriever,
    question: str,
    reply: Any,
    judge: Any = 0.9,
    settings: AnswerSettings | None = None,
) -> tuple[Any, ScriptedChatModel]:
    """Ask with a reply built from the numbered sentences the model was shown: ``reply`` is a
    dict, a string, or a function of ``pick`` (text → the id of the sentence holding it)."""
    model = ScriptedChatModel(judge=judge)
    chain = AnswerChain(retriever, model, model_name="scripted", settings=settings)
    model.enqueue(json.dumps({"sentences": [], "answer": CANNOT_ANSWER}))
    chain.ask(question)  # learns what is shown
    shown = _shown(model)

    def pick(text: str) -> str:
        return next(sid for sid, s in shown.items() if text in s)

    payload = reply(pick) if callable(reply) else reply
    model.enqueue(payload if isinstance(payload, str) else json.dumps(payload))
    model.judged.clear()
    return chain.ask(question), model


def test_an_answer_from_a_sentence_beside_a_better_rated_one_is_not_shown(
    retriever: HybridRetriever,
) -> None:
    """The model answers from the sentence after the one that answers; both pass the check
    call, the one that answers (and matches the question best) rates higher: it is quoted."""
    q = "Wie werkt aan de uitzondering op de mondkapjesplicht voor mensen met een beperking?"
    right, beside = "MO werkt nog aan de uitzondering", "de bestuurder van een instelling"
    ratings = lambda text: 0.84 if right in text else 0.76  # noqa: E731
    answer = "De bestuurder van een instelling mag zelf beslissen."
    ans, _ = _ask(
        retriever, q, lambda pick: {"sentences": [pick(beside)], "answer": answer}, judge=ratings
    )
    assert ans.mode == "quoted" and right in ans.answer and ans.warnings, ans
    (failed,) = ans.failed_checks
    assert failed.code == "better_sentence_shown" and "0.84" in failed.detail
    # rated as high as the one beside it, the model's answer stands
    ans, _ = _ask(
        retriever, q, lambda pick: {"sentences": [pick(beside)], "answer": answer}, judge=0.8
    )
    assert ans.mode == "llm" and not ans.warnings, ans
    lenient = AnswerSettings(checks=CheckSettings(max_rival_lead=0.1))
    ans, _ = _ask(
        retriever, q, lambda pick: {"sentences": [pick(beside)], "answer": answer},
        judge=ratings, settings=lenient,
    )  # fmt: skip
    assert ans.mode == "llm", ans


def test_answer_pointing_at_its_sentence_is_checked_and_quoted(retriever: HybridRetriever) -> None:
    ans, model = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick(FRIDAY)], "answer": "De brief moet vrijdag gereed zijn."},
    )
    assert ans.mode == "llm" and ans.warnings == [] and not ans.abstained
    assert re.fullmatch(r"De brief moet vrijdag gereed zijn\. \[\d\]", ans.answer)
    (cit,) = ans.citations
    assert FRIDAY in cit.quote
    assert cit.meeting_id == "2020-11-18-corona-continuiteit-team-lz"
    assert cit.source.endswith("000_a9ecbf3c1f32db91.txt")
    assert cit.ref == "[Corona Continuïteit Team LZ, 18 november 2020]"
    # every check ran and passed, the yes/no call first on exactly the quoted sentence, then
    # on the sentences that match the question as well (here: the vaccination sentence)
    names = {c.name for c in ans.checks}
    assert {"numbers", "names", "wording", "answers_question", "no_better_sentence"} <= names
    assert all(c.passed for c in ans.checks)
    assert model.judged[0] == cit.quote and cit.quote not in model.judged[1:]
    # the prompt: English instructions, the shared phrase, ids only of shown sentences
    system, user = model.seen[-1]
    assert CANNOT_ANSWER in system.content and "Dutch" in user.content
    assert Q in user.content
    ids = model.schemas[-1]["properties"]["sentences"]["items"]["enum"]
    assert set(ids) == set(_shown(model, -1))


def test_a_date_its_sentences_lack_is_not_shown(retriever: HybridRetriever) -> None:
    ans, _ = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick(FRIDAY)], "answer": "De brief moet op 3 december klaar."},
    )
    assert ans.mode == "quoted" and ans.warnings and "Citaat" in ans.label
    assert "3 december" not in ans.answer and FRIDAY in ans.answer
    # (the default quotes FRIDAY as a stand-in: rated 0.9, above the bar of a shown answer)
    # quoting only what carries the answer, no stand-ins: no sentence carries its date, so it
    # is refused rather than replaced by a sentence it does not rest on
    supported = AnswerSettings(checks=CheckSettings(quote_supported=True, min_standin_p=1.0))
    ans, _ = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick(FRIDAY)], "answer": "De brief moet op 3 december klaar."},
        settings=supported,
    )
    assert ans.abstained and ans.answer == CANNOT_ANSWER and ans.warnings
    assert any(c.code == "stray_number" for c in ans.failed_checks)


def test_mispointed_answer_is_attributed_to_the_sentence_that_carries_it(
    retriever: HybridRetriever,
) -> None:
    """The model writes the right answer but points at another sentence: code finds the one
    that carries it, among every shown sentence."""
    ans, model = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick("LZ kijkt hier op mee")], "answer": "Vrijdag."},
    )
    assert not ans.abstained and ans.mode == "llm", ans
    assert [c.quote[: len(FRIDAY)] for c in ans.citations] == [FRIDAY]


def test_the_check_call_decides_between_answer_quote_and_abstention(
    retriever: HybridRetriever,
) -> None:
    reply = {"answer": "De brief moet vrijdag gereed zijn."}

    def with_ids(pick: Callable[[str], str]) -> dict[str, Any]:
        return {**reply, "sentences": [pick(FRIDAY)]}

    # rated too low as an answer, high enough to be quoted
    ans, _ = _ask(retriever, Q, with_ids, judge=0.55)
    assert ans.mode == "quoted" and FRIDAY in ans.answer
    assert [c.code for c in ans.failed_checks] == ["does_not_answer"]
    # rated low for every candidate: the sentences do not answer the question
    ans, _ = _ask(retriever, Q, with_ids, judge=0.1)
    assert ans.abstained and ans.answer == CANNOT_ANSWER and ans.citations == []
    assert any("no sentence answers it" in w for w in ans.warnings)
    # the thresholds come from settings
    lenient = AnswerSettings(checks=CheckSettings(min_answer_p=0.05))
    ans, _ = _ask(retriever, Q, with_ids, judge=0.1, settings=lenient)
    assert ans.mode == "llm"
    # without the check call, the exact checks alone decide
    off = AnswerSettings(checks=CheckSettings(judge=False))
    ans, model = _ask(retriever, Q, with_ids, judge=0.0, settings=off)
    assert ans.mode == "llm" and model.judged == []
    assert "answers_question" not in {c.name for c in ans.checks}


def test_when_question_answered_without_a_time_is_not_shown(retriever: HybridRetriever) -> None:
    ans, _ = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick(FRIDAY)], "answer": "De brief moet gereed zijn."},
    )
    assert ans.mode == "quoted" and FRIDAY in ans.answer
    assert "no_time_in_answer" in {c.code for c in ans.failed_checks}


def test_dutch_question_answered_in_english_is_not_shown(retriever: HybridRetriever) -> None:
    ans, _ = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick(FRIDAY)], "answer": "The letter is due on Friday."},
    )
    assert ans.mode == "quoted" and "wrong_language" in {c.code for c in ans.failed_checks}
    # quoting only what carries the answer, no stand-ins: a sentence close to it in meaning
    # (the test's hash embeddings find none: refused)
    supported = AnswerSettings(checks=CheckSettings(quote_supported=True, min_standin_p=1.0))
    ans, _ = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick(FRIDAY)], "answer": "The letter is due on Friday."},
        settings=supported,
    )
    assert ans.abstained and "letter" not in ans.answer


def test_no_sentence_or_an_abstention_in_any_words_means_abstain(
    retriever: HybridRetriever,
) -> None:
    ans, _ = _ask(retriever, Q, {"sentences": [], "answer": CANNOT_ANSWER})
    assert ans.abstained and ans.answer == CANNOT_ANSWER and ans.citations == []
    ans, _ = _ask(retriever, Q, {"sentences": ["1.1"], "answer": "Dat staat niet in de verslagen."})
    assert ans.abstained
    ans, _ = _ask(retriever, Q, {"sentences": ["9.9"], "answer": "Op 3 december 2020."})
    assert ans.abstained  # an id that was never shown, and no sentence carries the answer


def test_nothing_relevant_abstains_without_calling_the_model(retriever: HybridRetriever) -> None:
    model = ScriptedChatModel()  # no scripted replies: a call would fail the test
    chain = AnswerChain(retriever, model)
    ans = chain.ask("xyzzy plugh quux")
    assert ans.abstained and model.seen == []
    assert [c.code for c in ans.checks] == ["no_relevant_source"]
    ans = chain.ask(Q, filters=SearchFilters(meeting="bestaat niet"))
    assert ans.abstained and model.seen == []


def test_question_about_unknown_topic_abstains_without_model(retriever: HybridRetriever) -> None:
    model = ScriptedChatModel()
    ans = AnswerChain(retriever, model).ask(
        "Wat is het standpunt van de minister over kernenergie en windmolenparken?"
    )
    assert ans.abstained and model.seen == []
    assert ans.checks[0].code == "unknown_terms"


def test_model_error_falls_back_to_extractive(retriever: HybridRetriever) -> None:
    model = ScriptedChatModel().enqueue(TimeoutError("server down"))
    ans = AnswerChain(retriever, model).ask(Q)
    assert ans.mode == "extractive" and ans.citations
    assert any("TimeoutError" in w for w in ans.warnings)


def test_extractive_mode(retriever: HybridRetriever) -> None:
    ans = AnswerChain(retriever, None).ask(Q)
    assert ans.mode == "extractive" and not ans.abstained and ans.warnings
    assert "zonder taalmodel" in ans.label
    for c in ans.citations:
        assert f"{c.quote} [{c.n}]" in ans.answer


def test_english_question_is_answered_in_english_and_checked_by_meaning(
    retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[object] = []
    real_search = HybridRetriever.search

    def spy(self: HybridRetriever, query: str, **kw: Any) -> Any:
        modes.append(kw.get("mode"))
        return real_search(self, query, **kw)

    monkeypatch.setattr(HybridRetriever, "search", spy)
    en = "When must the cabinet letter on the vaccination strategy be ready?"
    ans, model = _ask(retriever, en, lambda pick: {"sentences": ["1.1"], "answer": "On Friday."})
    assert "Answer in English" in str(model.seen[-1][-1].content)
    assert set(modes) == {"dense"}  # the keyword index holds Dutch stems
    assert "meaning" in {c.name for c in ans.checks}
    modes.clear()
    _ask(retriever, Q, {"sentences": [], "answer": CANNOT_ANSWER})
    assert set(modes) == {None}  # a Dutch question keeps the hybrid search


def test_parse_sentence_reply() -> None:
    assert parse_sentence_reply('{"sentences": ["1.2", "2.1"], "answer": "Vrijdag."}') == (
        "Vrijdag.",
        ["1.2", "2.1"],
    )
    assert parse_sentence_reply("kapot") == ("", [])
    assert parse_sentence_reply('{"sentences": [1], "answer": 3}') == ("3", ["1"])


def test_is_abstention_in_several_wordings() -> None:
    assert is_abstention(CANNOT_ANSWER) and is_abstention("")
    assert is_abstention("Het budget voor 2024 is niet in de verslagen.")
    assert is_abstention("Dat staat niet vermeld in de verslagen.")
    assert is_abstention("This is not mentioned in the minutes.")
    assert not is_abstention("De brief is niet verstuurd.")


def test_detect_language() -> None:
    assert detect_language(Q) == "Dutch"
    assert detect_language("When is the letter due?") == "English"
    assert detect_language("Waarvoor wil LZ Be Bright inzetten?") == "Dutch"
    assert detect_language("When will the broad parliamentary letter be sent?") == "English"


def test_answer_field_streamer() -> None:
    got: list[str] = []
    s = _AnswerFieldStreamer(got.append)
    for piece in ['{"sentences": ["1.1"], "ans', 'wer": "Vrij', 'dag \\"x\\"', '"}']:
        s.feed(piece)
    assert "".join(got) == 'Vrijdag "x"'


def test_prompt_placeholders_fail_loudly() -> None:
    p = load_prompt("answer_sentences")
    assert set(p.fields) == {"language", "cannot_answer", "sources", "question"}
    with pytest.raises(PromptError, match="missing"):
        p.render(question="x")
    with pytest.raises(PromptError, match="unknown"):
        p.render(language="Dutch", cannot_answer="x", sources="s", question="q", extra="!")
    with pytest.raises(PromptError):
        load_prompt("bestaat_niet")
    assert set(load_prompt("judge").fields) == {"sentence", "question"}


def test_answer_prompt_with_examples_keeps_a_fixed_system_part() -> None:
    """The examples variant is chosen by setting; its system part (the examples) is the same
    for every question and language, so llama.cpp can keep it read between calls."""
    p = load_prompt("answer_sentences_examples")
    assert set(p.fields) == set(load_prompt("answer_sentences").fields)
    nl = p.render(language="Dutch", cannot_answer="Niet.", sources="[1] a\n1.1 b", question="Wie?")
    en = p.render(language="English", cannot_answer="Niet.", sources="[2] c", question="Who?")
    assert nl[0].content == en[0].content and '"answer": "Niet."' in nl[0].content
    assert nl[1].content != en[1].content and "Answer in English." in en[1].content
    chain = AnswerChain(
        None,  # type: ignore[arg-type]
        None,
        settings=AnswerSettings(prompt="answer_sentences_examples"),
    )
    assert chain.prompt.name == "answer_sentences_examples"


def test_prompts_ship_in_the_package() -> None:
    prompts = Path(__file__).parent.parent / "prompts"
    assert (prompts / "answer_sentences.txt").exists() and (prompts / "judge.txt").exists()


def test_context_is_what_the_model_is_shown(retriever: HybridRetriever) -> None:
    """``AnswerChain.context`` (the bench's context-recall measure) gives exactly the numbered
    sentences of the prompt; a smaller budget shows fewer; a question the chain refuses before
    the call has none."""
    _, model = _ask(retriever, Q, {"sentences": [], "answer": CANNOT_ANSWER})
    chain = AnswerChain(retriever, None)
    sources, shown = chain.context(Q)
    assert {s.sid: s.text for s in shown} == _shown(model)
    assert any(FRIDAY in s.text for s in shown) and len(sources) >= 1
    _, fewer = chain.context(Q, budget=40)
    assert 0 < len(fewer) < len(shown)
    assert chain.context("Wat zegt het verslag over quantumcomputers en zeppelins?") == ([], [])


def test_a_question_naming_only_the_item_title_reaches_the_model(tmp_path: Path) -> None:
    """The words a question shares with a source may be in its agenda item's title only
    ('Wat is besloten over de coronamaatregelen?' under '4. Coronamaatregelen')."""
    from verslagqa.index import Index
    from verslagqa.settings import Settings

    from .fakes import HashEmbeddings

    doc = tmp_path / "mr.txt"
    doc.write_text(
        "Notulen ministerraad\nDatum: 12 maart 2021\n\n1. Opening\nDe vergadering begint.\n\n"
        "2. Coronamaatregelen\nDe raad besluit de maatregelen tot 31 maart te verlengen.\n",
        encoding="utf-8",
    )
    index = Index(Settings(store=tmp_path / "store"), embeddings=HashEmbeddings())
    index.add([doc])
    model = ScriptedChatModel(judge=0.9)
    model.enqueue(json.dumps({"sentences": ["1.1"], "answer": "De maatregelen worden verlengd."}))
    chain = AnswerChain(HybridRetriever.from_index(index), model, model_name="scripted")
    ans = chain.ask("Wat is besloten over de coronamaatregelen?")
    assert model.seen, [c.code for c in ans.checks]
    assert "verlengen" in str(model.seen[0][-1].content)


def test_a_sentence_the_answer_does_not_rest_on_needs_the_bar_of_an_answer(
    retriever: HybridRetriever,
) -> None:
    """Quoting only what carries a failed answer: a sentence it does not rest on (one that
    matches the question best) may stand in only when the check call rates it at least
    ``min_standin_p``, and higher than the sentence that carries the wrong answer."""
    wrong = "gezondheidsraad komt morgen met een advies"
    reply = {"answer": "De gezondheidsraad komt morgen met een advies."}

    def with_ids(pick: Callable[[str], str]) -> dict[str, Any]:
        return {**reply, "sentences": [pick(wrong)]}

    def settings(standin: float) -> AnswerSettings:
        return AnswerSettings(
            checks=CheckSettings(quote_supported=True, min_standin_p=standin, max_rivals=0)
        )

    rated = lambda friday: lambda text: friday if FRIDAY in text else 0.55  # noqa: E731
    # no bar for stand-ins (1.0): only the sentence that carries the answer may be quoted
    ans, _ = _ask(retriever, Q, with_ids, judge=rated(0.8), settings=settings(1.0))
    # (a quote shows the sentence after its own too)
    assert ans.mode == "quoted" and ans.answer.startswith(f"Vaccinatiestrategie: {wrong}"), ans
    # the sentence that answers passes the bar and rates higher: it is quoted instead
    ans, _ = _ask(retriever, Q, with_ids, judge=rated(0.8), settings=settings(0.7))
    assert ans.mode == "quoted" and ans.answer.startswith(FRIDAY) and ans.warnings, ans
    # below the bar it is not, whatever the carrier rates
    ans, _ = _ask(retriever, Q, with_ids, judge=rated(0.65), settings=settings(0.7))
    assert ans.mode == "quoted" and ans.answer.startswith("Vaccinatiestrategie"), ans


def test_the_reply_schema_follows_the_field_order_the_prompt_asks_for(
    retriever: HybridRetriever,
) -> None:
    """The grammar writes the fields in schema order: with ``answer_first`` the model writes
    its answer before it names any sentence id."""
    from verslagqa.grounded import sentence_schema

    assert list(sentence_schema(["1.1"])["properties"]) == ["sentences", "answer"]
    assert list(sentence_schema(["1.1"], answer_first=True)["properties"]) == [
        "answer",
        "sentences",
    ]
    for prompt, first in (("answer_sentences", "sentences"), ("answer_first", "answer")):
        model = ScriptedChatModel().enqueue(json.dumps({"sentences": [], "answer": CANNOT_ANSWER}))
        chain = AnswerChain(retriever, model, settings=AnswerSettings(prompt=prompt))
        chain.ask("Wanneer moet de kabinetsbrief over de vaccinatiestrategie gereed zijn?")
        assert list(model.schemas[0]["properties"])[0] == first
        assert set(load_prompt(prompt).fields) == set(load_prompt("answer_sentences").fields)


def test_the_qa_suite_keeps_the_models_reply_and_what_it_was_shown(
    retriever: HybridRetriever,
) -> None:
    """A reply the checks replaced stays on record (``Answer.model_reply``), and the QA suite
    reports how often the replies themselves, and the sentences shown, hold the key facts: the
    ceilings of any check."""
    from verslagqa.evals import GoldQuestion, run_qa_suite
    from verslagqa.report import best_per_question

    right = "De brief moet vrijdag gereed zijn."
    # the check call rates everything low: the right reply is not shown as the model's
    model = ScriptedChatModel(judge=0.1)
    chain = AnswerChain(retriever, model, model_name="scripted")
    model.enqueue(json.dumps({"sentences": ["1.1"], "answer": right}))
    gold = [
        GoldQuestion(id="r", question=Q, key_facts=["vrijdag"]),
        GoldQuestion(id="e", question="When must the letter be ready?", language="en"),
    ]
    model.enqueue(json.dumps({"sentences": [], "answer": CANNOT_ANSWER}))
    res = run_qa_suite(chain, gold)
    case = res["cases"][0]
    assert case["model_reply"] == right and case["reply_correct"] and not case["correct"]
    assert case["context_has_facts"]  # the sentence with 'vrijdag' was shown
    assert res["metrics"]["dutch_accuracy"] == 0.0 and res["metrics"]["dutch_reply_accuracy"] == 1.0
    assert res["metrics"]["dutch_context_recall"] == 1.0
    # a wrong reply is no ceiling
    model.enqueue(json.dumps({"sentences": [], "answer": "De brief moet morgen gereed zijn."}))
    wrong = run_qa_suite(chain, gold[:1])["cases"][0]
    assert not wrong["reply_correct"] and wrong["model_reply"].endswith("morgen gereed zijn.")
    # the oracle takes each question from whichever run got it right
    other = [{**case, "correct": True}, {**res["cases"][1], "correct": False}]
    best = best_per_question({"a": res["cases"], "b": other})
    assert best["dutch_accuracy"] == 1.0 and best["answer_accuracy"] == 0.5


def test_status_and_notice_in_the_questions_language() -> None:
    """What a reader is told under an answer: plain words in the question's language, never the
    checks' internal scores (those stay in ``warnings``, for --json and --debug)."""
    from verslagqa.schemas import Answer

    quoted = Answer(question="Wanneer?", answer="x", abstained=False, mode="quoted",
                    model="local", warnings=["check rated 0.41 < 0.7"])  # fmt: skip
    assert quoted.status == "quoted"
    assert quoted.notice.startswith("Het model gaf geen controleerbaar antwoord")
    assert "0.41" not in quoted.notice and "0.41" not in str(quoted)
    english = quoted.model_copy(update={"language": "en"})
    assert english.notice.startswith("The model gave no answer that could be checked")
    checked = Answer(question="Wie?", answer="x [1]", abstained=False, mode="llm", model="local")
    assert checked.status == "checked" and checked.notice == ""
    none = Answer(question="Wie?", answer=CANNOT_ANSWER, abstained=True, mode="llm")
    assert none.status == "not_found" and none.notice == "Niet gevonden in de verslagen."
    dumped = quoted.model_dump(mode="json")
    assert dumped["status"] == "quoted" and dumped["notice"] == quoted.notice
