"""Schema-held greedy decoding (verslagqa.decoding) against llama-cpp-python's own, with the
real default local model; and the prefill of fixed instructions."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from verslagqa.decoding import greedy_json
from verslagqa.llm import LlamaCppChat, _chat_prompt, get_chat_model
from verslagqa.settings import Settings

pytestmark = pytest.mark.slow

IDS = {
    "type": "object",
    "properties": {
        "sentences": {"type": "array", "items": {"type": "string", "enum": ["1.1", "1.2", "2.1"]}},
        "answer": {"type": "string", "maxLength": 200},
    },
    "required": ["sentences", "answer"],
}
FREE = {
    "type": "object",
    "properties": {"owner": {"type": "string"}, "count": {"type": "integer"}},
    "required": ["owner", "count"],
}
SOURCES = (
    "Sources:\n[1] MT breed, 1 maart 2021, punt 3\n1.1 De brief moet vrijdag gereed zijn.\n"
    "1.2 CZ stuurt het café-overzicht, geëvalueerd door Zoë, naar het kabinet.\n\n"
    "[2] MT breed, 8 maart 2021, punt 1\n2.1 Nachtopvang voor daklozen is afgebouwd."
)
CASES = [
    ("Reply with JSON.", f"{SOURCES}\n\nQuestion: Wanneer moet de brief gereed zijn?", IDS),
    ("Reply with JSON.", f"{SOURCES}\n\nQuestion: Wie heeft het overzicht geëvalueerd?", IDS),
    # the model would answer in prose: the grammar has to overrule its first choices
    ("Answer in one Dutch sentence.", "Wie stuurt het overzicht en hoeveel brieven?", FREE),
]


@pytest.fixture(scope="module")
def model() -> LlamaCppChat:
    chat = get_chat_model("local", home=Settings().home)
    assert isinstance(chat, LlamaCppChat)
    return chat


def _messages(system: str, user: str) -> list:
    return [SystemMessage(system), HumanMessage(user)]


@pytest.mark.parametrize(("system", "user", "schema"), CASES)
def test_greedy_json_is_llama_cpps_schema_held_greedy_output(
    model: LlamaCppChat, system: str, user: str, schema: dict
) -> None:
    llama = model.llama
    llama.n_tokens = 0  # both from an empty context: the same batches, the same numbers
    reference = llama.create_chat_completion(
        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        temperature=0.0,
        max_tokens=120,
        response_format={"type": "json_object", "schema": schema},
    )["choices"][0]["message"]["content"]
    llama.n_tokens = 0
    prompt = _chat_prompt(llama, _messages(system, user))
    tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    pieces = list(greedy_json(llama, tokens, schema, 120))
    assert "".join(pieces) == reference
    data = json.loads(reference)
    assert set(schema["required"]) <= set(data)
    if "sentences" in data:
        assert set(data["sentences"]) <= {"1.1", "1.2", "2.1"}


def test_streamed_pieces_are_whole_characters(model: LlamaCppChat) -> None:
    system, user, schema = CASES[1]
    pieces = list(
        model.stream(
            _messages(system, user), response_format={"type": "json_object", "schema": schema}
        )
    )
    text = "".join(str(p.content) for p in pieces)
    assert "geëvalueerd" in text or "Zoë" in text
    assert not any("\ufffd" in str(p.content) for p in pieces)
    assert text == str(
        model.invoke(
            _messages(system, user), response_format={"type": "json_object", "schema": schema}
        ).content
    )


def test_prefill_reads_the_shared_instructions_once(model: LlamaCppChat) -> None:
    system = "You answer questions about Dutch meeting minutes. Reply with JSON."
    prompts = [_messages(system, f"{SOURCES}\n\nQuestion: {q}") for q in ("Wie?", "Wanneer?")]
    llama = model.llama
    llama.n_tokens = 0
    common = model.prefill(prompts)
    assert common > 40 and llama.n_tokens == common
    full = llama.tokenize(_chat_prompt(llama, prompts[1]).encode(), add_bos=False, special=True)
    assert list(llama._input_ids[:common]) == full[:common]
    # the reply to one of them reads only its own part: the prefix is still there after it
    model.invoke(prompts[1], response_format={"type": "json_object", "schema": IDS})
    assert list(llama._input_ids[:common]) == full[:common]
    assert model.prefill(prompts, judge=True) == common
