from __future__ import annotations

from pathlib import Path

import pytest

from verslagqa.llm import DEFAULT_LOCAL, LOCAL_MODELS, LlamaCppChat, LLMError, get_chat_model
from verslagqa.models import ModelError


def test_extractive_is_no_model(tmp_path: Path) -> None:
    assert get_chat_model("extractive", home=tmp_path) is None


def test_unknown_provider(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="unknown model"):
        get_chat_model("gpt-17", home=tmp_path)
    with pytest.raises(LLMError, match="unknown local model"):
        get_chat_model("local:7b", home=tmp_path)


def test_local_model_not_fetched_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="verslagqa models fetch"):
        get_chat_model("local", home=tmp_path)


def test_local_gguf_path(tmp_path: Path) -> None:
    gguf = tmp_path / "x.gguf"
    gguf.write_bytes(b"GGUF")
    model = get_chat_model(f"local:{gguf}", home=tmp_path)
    assert isinstance(model, LlamaCppChat) and model.model_path == str(gguf)


def test_default_local_is_a_provisioned_model() -> None:
    assert DEFAULT_LOCAL in LOCAL_MODELS


def test_remote_providers_need_their_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERSLAGQA_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    for spec in ("openai:gpt-4o-mini", "ollama:qwen2.5"):
        try:
            model = get_chat_model(spec, home=tmp_path)
        except LLMError as exc:
            assert "pip install 'verslagqa[" in str(exc)
        else:  # the extra is installed: a LangChain chat model comes back
            assert model is not None


def test_openai_without_key_or_server_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("langchain_openai")
    for var in ("OPENAI_API_KEY", "VERSLAGQA_OPENAI_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(LLMError, match="set OPENAI_API_KEY, or VERSLAGQA_LLM_OPTIONS__OPENAI"):
        get_chat_model("openai:gpt-4o-mini", home=tmp_path)


def test_server_urls_come_from_the_llm_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("langchain_openai")
    from verslagqa.llm import PROVIDERS
    from verslagqa.settings import Settings

    assert set(PROVIDERS) == {"local", "openai", "ollama"}
    for var in ("OPENAI_API_KEY", "VERSLAGQA_OPENAI_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("VERSLAGQA_LLM_OPTIONS__OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    model = Settings(home=tmp_path).get_chat_model("openai:qwen")
    assert model is not None and "127.0.0.1:9" in str(getattr(model, "openai_api_base", ""))
