"""Summaries and action descriptions with a scripted model: retry, fallback, validation, cache."""

from __future__ import annotations

import json
from pathlib import Path

from verslagqa import parse_verslag
from verslagqa.actions import extract_actions
from verslagqa.schemas import MeetingSummary
from verslagqa.summarize import (
    SummaryCache,
    find_decisions,
    lead_summary,
    refine_actions,
    summarize_item,
    summarize_meeting,
)

from .conftest import SEED
from .fakes import ScriptedChatModel

ACTUALITEITEN = parse_verslag(SEED[4])  # two items, no actions
MT = parse_verslag(SEED[1])


def _json(summary: str) -> str:
    return json.dumps({"summary": summary})


def test_item_summary_from_valid_json() -> None:
    model = ScriptedChatModel().enqueue(_json("De minister koppelt terug uit het coalitieoverleg."))
    item = ACTUALITEITEN.items[1]
    summary, warnings = summarize_item(ACTUALITEITEN, item, model)
    assert summary.summary == "De minister koppelt terug uit het coalitieoverleg."
    assert not summary.extractive and summary.attempts == 1 and warnings == []
    prompt = model.seen[0][-1].content
    assert "Streven is komende vrijdag" in prompt  # the item text is in the prompt


def test_broken_json_is_retried_once_with_the_error() -> None:
    model = ScriptedChatModel().enqueue('{"summary": "De minister', _json("Het overleg is kort."))
    summary, warnings = summarize_item(ACTUALITEITEN, ACTUALITEITEN.items[1], model)
    assert summary.summary == "Het overleg is kort." and summary.attempts == 2
    assert not summary.extractive and warnings == []
    retry = model.seen[1]
    assert "invalid" in retry[-1].content.lower()  # the validation error goes back to the model
    assert retry[-2].content == '{"summary": "De minister'  # with its own broken reply


def test_two_failures_fall_back_to_lead_sentences_flagged() -> None:
    model = ScriptedChatModel().enqueue("geen json", '{"summary": ""}')
    item = ACTUALITEITEN.items[1]
    summary, warnings = summarize_item(ACTUALITEITEN, item, model)
    assert summary.extractive and summary.attempts == 2
    assert summary.summary == lead_summary(item.text)
    assert summary.summary.startswith("Minister heeft een terugkoppeling gegeven")
    assert len(warnings) == 1 and "punt 2" in warnings[0] and "extractive" in warnings[0]


def test_english_or_refusing_summary_is_rejected() -> None:
    english = _json("The minister reported on the coalition meeting and the bonus.")
    model = ScriptedChatModel().enqueue(english, _json("Dit staat niet in de verslagen."))
    summary, warnings = summarize_item(ACTUALITEITEN, ACTUALITEITEN.items[1], model)
    assert summary.extractive and warnings


def test_model_error_falls_back_without_retry() -> None:
    model = ScriptedChatModel().enqueue(RuntimeError("server down"))
    summary, warnings = summarize_item(ACTUALITEITEN, ACTUALITEITEN.items[1], model)
    assert summary.extractive and "server down" in warnings[0]
    assert len(model.seen) == 1


def test_decisions_are_found_by_code() -> None:
    decisions = find_decisions(MT.item("3a").text)
    assert decisions == [
        "Afgesproken is om daarom een tweeslag in de tabel op te nemen (actie CFA)."
    ]
    assert find_decisions(ACTUALITEITEN.items[0].text) == [
        "Het verslag van 16 november 2020 wordt vastgesteld."
    ]


def test_action_descriptions_checked_against_their_sentence() -> None:
    actions = extract_actions(MT)
    reply = {"actions": [{"n": n, "description": a.description} for n, a in enumerate(actions, 1)]}
    reply["actions"][1]["description"] = "Wat nodig is m.b.t. het CAK"
    reply["actions"][7]["description"] = "Samenvatting ZIK naar de minister sturen"  # invented
    model = ScriptedChatModel().enqueue(json.dumps(reply), json.dumps(reply))
    refined, warnings = refine_actions(MT, actions, model)
    assert refined[1].description == "Wat nodig is m.b.t. het CAK"
    # "minister" is not in the sentence: the deterministic text stays
    assert refined[7].description == actions[7].description
    assert "1 action description(s) kept as written" in warnings[0]
    assert "minister" in model.seen[1][-1].content  # the retry named the unsupported word
    assert [a.owners for a in refined] == [a.owners for a in actions]


def test_action_descriptions_missing_numbers_fall_back() -> None:
    actions = extract_actions(MT)
    bad = json.dumps({"actions": [{"n": 1, "description": "Tweeslag in de tabel opnemen"}]})
    refined, warnings = refine_actions(MT, actions, ScriptedChatModel().enqueue(bad, bad))
    assert refined[0].description == "Tweeslag in de tabel opnemen"  # the valid part is used
    assert [a.description for a in refined[1:]] == [a.description for a in actions[1:]]
    assert warnings


def test_meeting_summary_and_cache(tmp_path: Path) -> None:
    model = ScriptedChatModel().enqueue(
        _json("Het verslag wordt vastgesteld."),
        _json("De minister koppelt terug uit het coalitieoverleg."),
        _json("De Actualiteitenstaf stelt het verslag vast en bespreekt de bonussen."),
    )
    summary, warnings = summarize_meeting(ACTUALITEITEN, model, model_name="scripted")
    assert warnings == [] and summary.model == "scripted"
    assert [i.label for i in summary.items] == ["1", "2"]
    assert summary.summary.startswith("De Actualiteitenstaf")
    assert summary.action_items == []
    md = summary.to_markdown()
    assert md.startswith("# Actualiteitenstaf, 2020-11-23") and "## Punt 2 Actualiteiten" in md
    cache = SummaryCache(tmp_path)
    assert cache.get(ACTUALITEITEN.sha256, "scripted") is None
    cache.put(ACTUALITEITEN.sha256, "scripted", summary)
    assert cache.get(ACTUALITEITEN.sha256, "scripted") == summary
    assert cache.get(ACTUALITEITEN.sha256, "other-model") is None


def test_extractive_summary_needs_no_model() -> None:
    summary, warnings = summarize_meeting(MT, None)
    assert summary.model == "extractive" and all(i.extractive for i in summary.items)
    assert len(summary.items) == len(MT.items) and len(summary.action_items) == 8
    assert len(summary.summary.split()) <= 120
    MeetingSummary.model_validate_json(summary.model_dump_json())  # round-trips


def test_implied_actions_are_checked_by_code() -> None:
    actions = extract_actions(MT)
    lines = [{"n": n, "description": a.description} for n, a in enumerate(actions, 1)]
    good = {
        "owners": ["WJZ"],
        "description": "intensief samenwerken met PDC-19",
        "source_quote": "WJZ geeft aan intensief samen te werken met PDC-19.",
    }
    invented = {  # not in the minutes
        "owners": ["CZ"], "description": "een brief sturen", "source_quote": "CZ stuurt een brief.",
    }  # fmt: skip
    wrong_owner = {**good, "owners": ["LZ"]}  # LZ is not named in the quote
    explicit = {  # already an explicit action
        "owners": ["Meva"], "description": "samenvatting ZIK rondsturen",
        "source_quote": "Meva stuurt de samenvatting van ZIK rond (actie Meva).",
    }  # fmt: skip
    reply = json.dumps({"actions": lines, "implied": [good, invented, wrong_owner, explicit]})
    model = ScriptedChatModel().enqueue(reply, reply)
    out, warnings = refine_actions(MT, actions, model, implied=True)
    assert "not occur verbatim" in model.seen[1][-1].content  # the retry names the problems
    extra = out[len(actions) :]
    assert [(a.owners, a.item_label, a.origin) for a in extra] == [(["WJZ"], "3b", "model")]
    assert extra[0].source_quote in MT.text
    assert "3 implied action(s) refused" in warnings[-1]
    # off by default: the prompt does not ask for implied actions
    plain = ScriptedChatModel().enqueue(json.dumps({"actions": lines}))
    out, _ = refine_actions(MT, actions, plain)
    assert len(out) == len(actions) and "implied" not in str(plain.seen[0][0].content).lower()
