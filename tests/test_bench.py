"""The benchmark harness runs end to end in its quick mode (the numbers are in BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

KEYS = {
    "corpus_chunks", "index_chunks_per_s", "raw_encode_chunks_per_s", "retrieval_p50_ms",
    "retrieval_p95_ms", "peak_rss_mb", "llm_ttft_s", "llm_tokens_per_s",
}  # fmt: skip


def test_bench_quick_writes_results_and_plot() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--skip-llm"],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = ROOT / "bench" / ".work" / "quick"
    results = json.loads((out / "results.json").read_text())
    assert KEYS <= set(results)
    assert results["corpus_chunks"] == 1000
    assert results["index_chunks_per_s"] > 0 and results["raw_encode_chunks_per_s"] > 0
    assert 0 < results["retrieval_p50_ms"] <= results["retrieval_p95_ms"]
    sizes = [row["chunks"] for row in results["table"]["latency"]]
    assert sizes == [200, 1000]
    encoders = {row["encoder"]: row for row in results["table"]["encoders"]}
    assert {"torch", results["encoder"]} <= set(encoders)
    assert encoders["torch"]["speedup_vs_torch"] == 1.0
    assert results["encode_speedup_vs_torch"] > 0
    assert (out / "latency.png").read_bytes().startswith(b"\x89PNG")


def test_context_phase_measures_recall_and_tokens_per_budget(tmp_path: Path) -> None:
    """The development gold's key facts in the shown sentences, per sentence budget: a larger
    budget shows more tokens and never fewer facts. Six corpus files and their questions: the
    whole corpus is what `make bench` measures."""
    from bench.run import phase_context
    from verslagqa.evals import load_questions

    result = phase_context({"store": str(tmp_path / "store"), "budgets": [60, 300], "files": 6})
    small, large = result["budgets"]
    corpus = ROOT / "evals" / "corpus"
    first = sorted(p.name for p in corpus.iterdir() if p.name != "SOURCES.md")[:6]
    asked = [
        q for q in load_questions(ROOT / "evals" / "gold-corpus")
        if q.answerable and q.key_facts and not q.withheld and q.expected
        and all(e.file in first for e in q.expected)
    ]  # fmt: skip
    assert result["files"] == 6 and result["questions"] == len(asked) >= 5
    assert 0 < small["context_recall"] <= large["context_recall"] <= 1
    assert 0 < small["source_tokens_p50"] < large["source_tokens_p50"]
    assert not (tmp_path / "store").exists()
