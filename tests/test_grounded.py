"""Answers on numbered sentences (strategy 'sentences'): the model points, code quotes and
checks. Scripted model, fake embeddings: fast and offline."""

from __future__ import annotations

import json
import re

import pytest

from verslagqa.answer import CANNOT_ANSWER, AnswerChain
from verslagqa.grounded import NumberedSentence, sentence_schema, verify
from verslagqa.index import Index
from verslagqa.retrieve import Hit, HybridRetriever
from verslagqa.settings import Settings

from .conftest import SAMPLES
from .fakes import HashEmbeddings, ScriptedChatModel

Q = "Wanneer moet de kabinetsbrief over de vaccinatiestrategie gereed zijn?"


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    idx = Index(Settings(store=tmp_path_factory.mktemp("g")), embeddings=HashEmbeddings())
    idx.add([SAMPLES])
    return HybridRetriever.from_index(idx)


def _ask(retriever: HybridRetriever, question: str, reply: object) -> tuple:  # type: ignore[type-arg]
    """Ask with a reply built from the numbered sources the model was shown."""
    model = ScriptedChatModel()
    chain = AnswerChain(retriever, model, model_name="scripted", strategy="sentences")
    shown: dict[str, str] = {}

    def pick(text: str) -> str:
        return next(sid for sid, s in shown.items() if text in s)

    # a first call to learn the numbered sources
    model.enqueue(json.dumps({"sentences": [], "answer": CANNOT_ANSWER}))
    chain.ask(question)
    for line in model.seen[0][1].content.splitlines():
        m = re.match(r"^(\d+\.\d+) (.*)$", line)
        if m:
            shown[m.group(1)] = m.group(2)
    payload = reply(pick) if callable(reply) else reply
    model.enqueue(payload if isinstance(payload, str) else json.dumps(payload))
    return chain.ask(question), shown


def test_answer_pointing_at_its_sentence_is_checked_and_quoted(retriever: HybridRetriever) -> None:
    ans, shown = _ask(
        retriever,
        Q,
        lambda pick: {
            "sentences": [pick("Vrijdag moet de brief")],
            "answer": "De brief moet vrijdag gereed zijn.",
        },
    )
    assert ans.mode == "llm" and ans.warnings == [] and not ans.abstained
    assert ans.answer.startswith("De brief moet vrijdag gereed zijn.")
    assert re.search(r"\[\d\]$", ans.answer)
    (cit,) = ans.citations
    assert "Vrijdag moet de brief vanuit het kabinet gereed zijn" in cit.quote


def test_answer_its_sentences_do_not_carry_shows_the_sentences(retriever: HybridRetriever) -> None:
    ans, _ = _ask(
        retriever,
        Q,
        lambda pick: {
            "sentences": [pick("Vrijdag moet de brief")],
            "answer": "De brief moet op 3 december gereed zijn.",  # a date the sentence lacks
        },
    )
    assert ans.mode == "quoted" and ans.warnings
    assert "Vrijdag moet de brief vanuit het kabinet gereed zijn" in ans.answer
    assert "3 december" not in ans.answer


def test_no_sentence_means_abstain(retriever: HybridRetriever) -> None:
    ans, _ = _ask(retriever, Q, {"sentences": [], "answer": CANNOT_ANSWER})
    assert ans.abstained and ans.answer == CANNOT_ANSWER and ans.citations == []


def test_ids_that_were_not_shown_are_ignored(retriever: HybridRetriever) -> None:
    ans, _ = _ask(retriever, Q, {"sentences": ["9.9"], "answer": "Vrijdag."})
    assert ans.abstained


def test_mispointed_answer_is_quoted_from_the_sentence_that_carries_it(
    retriever: HybridRetriever,
) -> None:
    """The model points at a sentence of the right source but not the one holding its answer:
    code finds that sentence in the same source."""
    ans, shown = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick("LZ kijkt hier op mee")], "answer": "Vrijdag."},
    )
    assert not ans.abstained and ans.mode == "llm"
    assert any(c.quote.startswith("Vrijdag moet de brief") for c in ans.citations)


def test_answer_no_sentence_carries_is_refused(retriever: HybridRetriever) -> None:
    ans, _ = _ask(retriever, Q, {"sentences": ["9.9"], "answer": "Op 3 december 2020."})
    assert ans.abstained


def test_when_question_whose_sentences_hold_no_date_abstains(retriever: HybridRetriever) -> None:
    ans, _ = _ask(
        retriever,
        Q,
        lambda pick: {"sentences": [pick("LZ kijkt hier op mee")], "answer": "LZ kijkt mee."},
    )
    assert (ans.abstained and ans.warnings) or (ans.mode == "quoted" and ans.warnings)
    assert "LZ kijkt mee." not in ans.answer


def _hit(text: str, title: str = "POK claim") -> Hit:
    return Hit(
        chunk_id="c", meeting_id="m", meeting_title="MT DGLZ breed", meeting_date="2021-03-01",
        item_label="3a", item_title=title, text=text, score=1.0, source="x.txt",
    )  # fmt: skip


def _sentence(text: str, previous: str = "") -> NumberedSentence:
    return NumberedSentence("1.1", 1, text, previous)


def test_verify_accepts_the_answer_in_the_words_of_its_sentence() -> None:
    s = _sentence("Afgesproken is om een tweeslag in de tabel op te nemen (actie CFA).")
    v = verify("Wat is afgesproken over de POK claim?", "Een tweeslag in de tabel opnemen.", [s],
               [_hit(s.text)])  # fmt: skip
    # 'POK claim' is not in the sentence but in its agenda item: the sentence is on topic
    assert v.supported and v.on_topic


def test_verify_refuses_names_and_numbers_the_sentences_lack() -> None:
    s = _sentence("De gezondheidsraad komt morgen met een advies.")
    q = "Wie is de contactpersoon voor de vaccinatiestrategie?"
    v = verify(q, "De contactpersoon is Jan de Vries.", [s], [_hit(s.text, "Vaccinatie")])
    assert not v.supported and "names" in v.reason
    v = verify("Hoeveel bedden?", "Er zijn 1700 bedden.", [s], [_hit(s.text)])
    assert not v.supported and "1700" in v.reason


def test_verify_off_topic_sentences_are_not_on_topic() -> None:
    s = _sentence("Nachtopvang voor daklozen is afgebouwd.")
    v = verify("Wat is het budget van de werkgroep API Design Rules voor 2024?", "Afgebouwd.",
               [s], [_hit(s.text, "Actualiteiten")])  # fmt: skip
    assert not v.on_topic


def test_verify_rare_question_words_weigh_more() -> None:
    s = _sentence("De werkgroep API Design Rules bespreekt de modules.")
    q = "Wat is het budget van de werkgroep API Design Rules?"
    hits = [_hit(s.text, "Modules")]
    assert verify(q, "De modules.", [s], hits).on_topic  # 4 of 5 words
    weight = {"budget": 8.0, "werkgroep": 0.5, "api": 1.0, "design": 1.0, "rul": 1.0}
    assert not verify(q, "De modules.", [s], hits, weight=weight).on_topic


def test_verify_the_value_must_come_from_the_best_matching_sentence() -> None:
    a = NumberedSentence("1.1", 1, "Joost biedt aan de orchestratiewerkgroep te trekken.", "")
    b = NumberedSentence("1.2", 1, "Martin, Frank en Peter willen een bijdrage leveren.", "")
    q = "Wie biedt aan de orchestratiewerkgroep te trekken?"
    hits = [_hit(a.text + " " + b.text, "Subwerkgroepen")]
    assert not verify(q, "Martin, Frank en Peter.", [a, b], hits, kind="who").supported
    assert verify(q, "Joost biedt aan de werkgroep te trekken.", [a, b], hits, kind="who").supported


def test_schema_enumerates_the_shown_ids() -> None:
    schema = sentence_schema(["1.1", "2.3"])
    assert schema["properties"]["sentences"]["items"]["enum"] == ["1.1", "2.3"]
    assert schema["required"] == ["sentences", "answer"]
