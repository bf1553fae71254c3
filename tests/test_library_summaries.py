"""Library.summarize / Library.actions over a store (fake embeddings: the store is real)."""

from __future__ import annotations

from pathlib import Path

import pytest

import verslagqa.library as library_module
from verslagqa import Library
from verslagqa.errors import MeetingNotFound, VerslagQAError

from .conftest import SAMPLES, SEED
from .fakes import HashEmbeddings


@pytest.fixture()
def lib(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "store", embeddings=HashEmbeddings(), llm="extractive")
    assert lib.add(SAMPLES).meetings == 5
    return lib


def test_summarize_by_meeting_id_is_cached(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    first = lib.summarize("2021-03-01-mt")  # a unique prefix of the id is enough
    assert first.meeting_id == "2021-03-01-mt-dglz-breed" and len(first.items) == 7
    assert list((lib.index.store / "summaries").glob("*.json"))

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("summarised twice")

    monkeypatch.setattr(library_module, "summarize_meeting", boom)
    assert lib.summarize("2021-03-01-mt-dglz-breed") == first  # from the cache
    with pytest.raises(AssertionError):
        lib.summarize("2021-03-01-mt-dglz-breed", refresh=True)


def test_meeting_lookup_errors(lib: Library, tmp_path: Path) -> None:
    with pytest.raises(MeetingNotFound, match="matches several meetings"):
        lib.meeting("2020-11")
    with pytest.raises(MeetingNotFound, match="no meeting"):
        lib.meeting("1999")


def test_changed_file_is_not_summarised_stale(tmp_path: Path) -> None:
    folder = tmp_path / "v"
    folder.mkdir()
    src = folder / "mt.txt"
    src.write_bytes((SAMPLES / "001_004031dcab60c761.txt").read_bytes())
    lib = Library.open(tmp_path / "store", embeddings=HashEmbeddings(), llm="extractive")
    lib.add(folder)
    src.write_text(src.read_text(encoding="utf-8") + "\nNieuwe zin.\n", encoding="utf-8")
    with pytest.raises(MeetingNotFound, match="changed since indexing"):
        lib.summarize("2021-03-01-mt-dglz-breed")


def test_actions_across_store(lib: Library) -> None:
    actions = lib.actions()
    assert len(actions) == 21
    meva = lib.actions(owner="meva", van="2021-01-01")
    assert {a.meeting_id for a in meva} == {"2021-01-11-covidstaf-mmzs", "2021-03-01-mt-dglz-breed"}
    assert lib.actions(meeting="covidstaf") == [
        a for a in actions if a.meeting_id == "2021-01-11-covidstaf-mmzs"
    ]


def test_every_deliberate_error_is_one_family() -> None:
    from verslagqa.index import IndexError_, StoreLockedError
    from verslagqa.llm import LLMError
    from verslagqa.models import ModelError
    from verslagqa.parse import VerslagParseError
    from verslagqa.prompting import PromptError
    from verslagqa.settings import ServiceUnavailable

    family = [IndexError_, StoreLockedError, LLMError, ModelError, VerslagParseError,
              PromptError, ServiceUnavailable, MeetingNotFound]  # fmt: skip
    assert all(issubclass(e, VerslagQAError) for e in family)
    # the built-in bases callers may already catch stay
    assert issubclass(VerslagParseError, ValueError) and issubclass(MeetingNotFound, LookupError)
    assert str(MeetingNotFound("no meeting 'x'")) == "no meeting 'x'"


def test_library_takes_a_chat_model_object(tmp_path: Path) -> None:
    import json

    from .fakes import ScriptedChatModel

    model = ScriptedChatModel().enqueue(json.dumps({"sentences": [], "answer": "x"}))
    lib = Library.open(tmp_path / "s", embeddings=HashEmbeddings(), chat_model=model)
    lib.add(SEED[0])
    ans = lib.ask("Wanneer moet de kabinetsbrief over de vaccinatiestrategie gereed zijn?")
    assert model.seen and ans.model == "custom"
