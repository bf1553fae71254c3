"""The check-call suite (verslagqa/eval_checks.py): the check call rated as a classifier of the
shown sentences, with a scripted model whose ratings are known."""

from __future__ import annotations

import pytest

from verslagqa.answer import AnswerChain
from verslagqa.eval_checks import auc, run_checkcall_suite
from verslagqa.evals import GoldQuestion
from verslagqa.retrieve import HybridRetriever

from .fakes import ScriptedChatModel

FRIDAY = "Vrijdag moet de brief vanuit het kabinet gereed zijn"
QUESTIONS = [
    GoldQuestion(
        id="a",
        question="Wanneer moet de kabinetsbrief over de vaccinatiestrategie gereed zijn?",
        key_facts=["vrijdag"],
    ),
    GoldQuestion(
        id="u", question="Wie is de contactpersoon voor de vaccinatiestrategie?", answerable=False
    ),
    GoldQuestion(id="w", question="Wie lichtte de vaccinatiestrategie toe?", withheld=True),
]


def test_auc_counts_pairs_and_ties() -> None:
    assert auc([0.9, 0.8], [0.1, 0.8]) == pytest.approx(3.5 / 4)
    assert auc([0.1], [0.9]) == 0.0
    assert auc([], [0.3]) == 0.0


def _suite(retriever: HybridRetriever, rate: float, other: float) -> dict:
    model = ScriptedChatModel(judge=lambda s: rate if FRIDAY in s else other)
    return run_checkcall_suite(AnswerChain(retriever, model, model_name="scripted"), QUESTIONS)


def test_a_judge_that_knows_the_answer_sentence_scores_full(retriever: HybridRetriever) -> None:
    res = _suite(retriever, rate=0.95, other=0.2)
    m = res["metrics"]
    assert [c["id"] for c in res["cases"]] == ["a", "u"]  # the withheld question is left out
    assert m["answer_sentences"] >= 1 and m["other_sentences"] >= 2
    assert m["auc"] == 1.0 and m["top_rated_is_answer"] == 1.0
    assert m["answer_sentences_pass_answer_p"] == 1.0 and m["other_sentences_pass_answer_p"] == 0.0
    assert m["unanswerable_all_below_answer_p"] == 1.0
    assert FRIDAY in res["cases"][0]["top_rated"]
    # the others rated are the few sharing most words with the question (hard negatives)
    assert all(len(c["other_ratings"]) <= 4 for c in res["cases"])


def test_a_judge_that_prefers_other_sentences_scores_low(retriever: HybridRetriever) -> None:
    m = _suite(retriever, rate=0.1, other=0.8)["metrics"]
    assert m["auc"] == 0.0 and m["top_rated_is_answer"] == 0.0
    assert m["answer_sentences_pass_quote_p"] == 0.0 and m["other_sentences_pass_quote_p"] == 1.0
    assert m["unanswerable_all_below_answer_p"] == 0.0


def test_no_check_call_no_cases(retriever: HybridRetriever) -> None:
    res = run_checkcall_suite(AnswerChain(retriever, None), QUESTIONS)
    assert res["cases"] == [] and res["metrics"]["auc"] == 0.0


def test_the_questions_filters_hold(retriever: HybridRetriever) -> None:
    """A gold question's filters restrict what is shown, as in the QA suite: before any
    meeting, nothing is shown and nothing rated."""
    import datetime as dt

    from verslagqa.retrieve import SearchFilters

    early = QUESTIONS[0].model_copy(update={"filters": SearchFilters(tot=dt.date(2000, 1, 1))})
    chain = AnswerChain(retriever, ScriptedChatModel(judge=0.9), model_name="scripted")
    assert run_checkcall_suite(chain, [early])["cases"] == []
    assert len(run_checkcall_suite(chain, [QUESTIONS[0]])["cases"]) == 1
