"""End to end with the real default local model: summarize --json on a sample, cached."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEED

pytestmark = pytest.mark.slow


def _summarize(store: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verslagqa.cli", "summarize", str(SEED[4]), "--json",
         "--store", str(store), *extra],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_summarize_with_default_local_model(tmp_path: Path) -> None:
    proc = _summarize(tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["model"] == "local"
    assert [i["label"] for i in data["items"]] == ["1", "2"]
    assert all(i["summary"].strip() for i in data["items"])
    assert any(not i["extractive"] for i in data["items"])  # the model wrote at least one
    assert 0 < len(data["summary"].split()) <= 150
    assert data["items"][0]["decisions"] == ["Het verslag van 16 november 2020 wordt vastgesteld."]
    cached = list((tmp_path / "summaries").glob("*-local-v*.json"))
    assert len(cached) == 1
    again = _summarize(tmp_path)
    assert json.loads(again.stdout) == data  # the second run is the cached summary
