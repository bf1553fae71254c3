"""Property-based tests: the parser raises nothing but VerslagParseError on any input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verslagqa import VerslagParseError, parse_verslag
from verslagqa.textutil import find_date, find_time_range, normalise_redactions

from .conftest import SEED

_FRAGMENTS = [
    "Betreft\t", "Vergaderdatum en -tijd\t", "Aanwezig\t", "Afwezig\t", "Datum\n", "## ",
    "### a. ", "- **4. ", "1. ", "3a ", "5.1.2e", "5.1.2e2e", "10.2.e", "**", "*", "\n", "\n\n",
    "12 maart 2021", "31 februari 2021", "10:30-11:30", "Pagina 2 van 3", "(actie CZ)", "|",
    "Secretaris Generaal", "Agendapunt 4:", "artikel 5.1 lid 2 onder e Woo", "\t", " ",
]  # fmt: skip
_SEED_TEXT = SEED[1].read_text(encoding="utf-8")


def _check(data: str | bytes) -> None:
    try:
        m = parse_verslag(data if isinstance(data, bytes) else data, source="fuzz")
    except VerslagParseError as exc:
        assert exc.source == "fuzz"
        return
    for item in m.items:
        assert m.text[item.start : item.end] == item.text


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    _check(text + "\n")  # a newline keeps it from being taken as a file path


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=20), max_size=60))
def test_verslag_like_fragments(parts: list[str]) -> None:
    _check("".join(parts) + "\n")


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(_SEED_TEXT)), st.integers(0, 400), st.text(max_size=30))
def test_mutated_seed(pos: int, cut: int, insert: str) -> None:
    _check(_SEED_TEXT[:pos] + insert + _SEED_TEXT[pos + cut :])


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=120))
def test_text_helpers_never_raise(text: str) -> None:
    find_date(text)
    find_time_range(text)
    out, n = normalise_redactions(text)
    assert n >= 0 and isinstance(out, str)


# -- citation parser, model output, actions, deadlines, injection filter ----------------------

import datetime as dt  # noqa: E402

from verslagqa.actions import extract_actions, split_owners  # noqa: E402
from verslagqa.answer import is_abstention, parse_sentence_reply  # noqa: E402
from verslagqa.deadlines import resolve_deadline  # noqa: E402
from verslagqa.safety import is_injection  # noqa: E402

_ACTION_FRAGMENTS = [
    *_FRAGMENTS, "(actie ", ")", "Actiepunt: ", "Actie Frank: ", "Actiepunten\n", "- ", "| Actie |",
    " Actiehouder |", " Deadline |", "|---|", "vrijdag", "a.s. maandag", "2 maart", "volgende week",
    "[actie: LZ]", "MO/Jeugd", " en ", "[1]", "[2, 3]", '{"sentences": ["1.1"], "answer": "', '"}',
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=300))
def test_citation_and_output_parsers_never_raise(text: str) -> None:
    answer, ids = parse_sentence_reply(text)
    assert isinstance(answer, str) and all(isinstance(i, str) and i for i in ids)
    assert isinstance(is_abstention(text), bool)
    assert isinstance(is_injection(text), bool)
    assert all(o.strip() for o in split_owners(text))


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=200), st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)) | st.none())
def test_deadline_resolver_never_raises(text: str, meeting: dt.date | None) -> None:
    iso, due_text = resolve_deadline(text, meeting)
    if iso is not None:
        dt.date.fromisoformat(iso)
        assert due_text
    if due_text is not None:
        assert due_text in text


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_ACTION_FRAGMENTS) | st.text(max_size=20), max_size=60))
def test_action_extractor_never_raises(parts: list[str]) -> None:
    doc = "Betreft\tMT\nVergaderdatum en -tijd\t1 maart 2021 10:00-11:00\n\n" + "".join(parts)
    try:
        m = parse_verslag(doc, source="fuzz")
    except VerslagParseError:
        return
    for a in extract_actions(m):
        assert a.source_quote in m.text
        assert a.meeting_id == m.meeting_id
