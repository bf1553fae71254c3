"""The benchmark harness runs end to end in its quick mode (the numbers are in BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys

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
