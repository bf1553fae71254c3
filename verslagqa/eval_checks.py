"""The check call as a classifier: how well "does this sentence answer the question?" tells
the sentences that answer a gold question from the others shown with them.

Per question the sentences the model would be shown (``AnswerChain.context``) are split into
answer sentences (they hold every key fact) and the others; the others rated are the
``negatives`` closest to the question as the chain scores them (shared stems; meaning for an
English question): the hard cases, same topic, other statement; all of them for an
unanswerable question. Metrics: AUC (the chance an answer sentence is rated above another),
the share of each kind that reaches the chain's two thresholds, how often the best-rated
sentence is an answer sentence, and how often no sentence of an unanswerable question reaches
the answer threshold.
"""

from __future__ import annotations

from typing import Any

from .evals import GoldQuestion, facts_found, mean

__all__ = ["auc", "run_checkcall_suite"]


def auc(positive: list[float], negative: list[float]) -> float:
    """P(a positive is rated above a negative), ties counting half; 0.0 without both."""
    if not positive or not negative:
        return 0.0
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


def run_checkcall_suite(
    chain: Any, questions: list[GoldQuestion], negatives: int = 4
) -> dict[str, Any]:
    """Rate the shown sentences of every gold question with the chain's check call."""
    checks = chain.settings.checks
    cases = []
    for q in questions:
        judge = chain.judge_for(q.question)
        if judge is None or q.withheld or (q.answerable and not q.key_facts):
            continue
        _, shown = chain.context(q.question, filters=q.filters)
        texts = list(dict.fromkeys(s.text for s in shown))
        answers = [t for t in texts if q.answerable and facts_found(t, q.key_facts) == 1.0]
        others = [t for t in texts if t not in answers]
        # the chain's own scoring: shared stems, or meaning for an English question
        closeness = dict(zip(others, chain.relevance(q.question)(others), strict=True))
        others = sorted(others, key=lambda t: -closeness[t])[:negatives]
        rated = {t: judge(t) for t in [*answers, *others]}
        if not rated:
            continue
        top = max(rated, key=lambda t: rated[t])
        cases.append({
            "id": q.id,
            "question": q.question,
            "answerable": q.answerable,
            "answer_ratings": [round(rated[t], 3) for t in answers],
            "other_ratings": [round(rated[t], 3) for t in others],
            "top_rated": top,
            "top_is_answer": top in answers,
        })  # fmt: skip
    pos = [p for c in cases for p in c["answer_ratings"]]
    neg = [p for c in cases for p in c["other_ratings"]]
    with_answer = [c for c in cases if c["answer_ratings"]]
    unanswerable = [c for c in cases if not c["answerable"]]
    metrics: dict[str, Any] = {
        "auc": auc(pos, neg),
        "answer_sentences": len(pos),
        "other_sentences": len(neg),
        "top_rated_is_answer": mean([float(c["top_is_answer"]) for c in with_answer]),
        "questions_without_answer_sentence": sum(
            1 for c in cases if c["answerable"] and not c["answer_ratings"]
        ),
    }
    for name, t in (("answer_p", checks.min_answer_p), ("quote_p", checks.min_quote_p)):
        metrics[f"answer_sentences_pass_{name}"] = mean([float(p >= t) for p in pos])
        metrics[f"other_sentences_pass_{name}"] = mean([float(p >= t) for p in neg])
    metrics["unanswerable_all_below_answer_p"] = mean(
        [float(max(c["other_ratings"], default=0.0) < checks.min_answer_p) for c in unanswerable]
    )
    return {"metrics": metrics, "cases": cases}
