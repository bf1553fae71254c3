"""No network at run time: the guard is on, telemetry is off, a dead server fails fast."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verslagqa.settings import Settings

from .conftest import SEED


def test_guard_blocks_outbound_in_this_process() -> None:
    with pytest.raises(OSError, match="network blocked"):
        socket.create_connection(("93.184.216.34", 443), timeout=2)
    with pytest.raises(OSError, match="network blocked"):
        socket.getaddrinfo("huggingface.co", 443)


def test_guard_blocks_outbound_in_child_processes() -> None:
    code = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('93.184.216.34', 443), timeout=2)\n"
        "except OSError as e:\n"
        "    print(e)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "network blocked" in proc.stdout


def test_chroma_telemetry_is_off(tmp_path: Path) -> None:
    client = Settings(store=tmp_path).get_chroma_client()
    assert client.get_settings().anonymized_telemetry is False


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


@pytest.mark.slow  # the CLI opens the store with the real packaged embedding model
def test_chroma_server_down_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "verslagqa.cli", "index", str(SEED[4]), "--store", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "VERSLAGQA_CHROMA_URL": url},
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "127.0.0.1" in proc.stderr and "chroma" in proc.stderr.lower()
    assert time.monotonic() - t0 < 60


def test_remote_llm_down_falls_back_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("langchain_openai")
    from verslagqa import Library

    from .fakes import HashEmbeddings

    monkeypatch.setenv("VERSLAGQA_OPENAI_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    monkeypatch.setenv("VERSLAGQA_LLM_OPTIONS__TIMEOUT_S", "5")
    lib = Library.open(tmp_path / "s", embeddings=HashEmbeddings(), llm="openai:any-model")
    lib.add(SEED[1])
    t0 = time.monotonic()
    ans = lib.ask("Wat is de deadline van aanlevering bij CFA?")
    assert time.monotonic() - t0 < 60
    assert ans.mode == "extractive" and ans.citations
    assert any("connect" in w.lower() for w in ans.warnings), ans.warnings
