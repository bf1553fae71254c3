"""End to end with the real packaged embedding model and real Chroma (directory and server)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verslagqa.evals import load_questions, run_retrieval_suite
from verslagqa.index import Index
from verslagqa.retrieve import HybridRetriever
from verslagqa.settings import Settings

from .conftest import ROOT, SAMPLES, SEED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def real_index(real_store: Path) -> Index:
    return Index(Settings(store=real_store))


def test_real_model_is_the_packaged_embeddinggemma(real_index: Index) -> None:
    emb = real_index.embeddings
    assert "embeddinggemma-300m" in emb.model_id  # type: ignore[attr-defined]
    vec = emb.embed_query("vaccinatiestrategie")
    assert len(vec) == 768
    assert abs(sum(x * x for x in vec) - 1.0) < 1e-2  # bfloat16 rounding


def test_sample_question_finds_the_right_meeting(real_index: Index) -> None:
    hits = HybridRetriever.from_index(real_index).search(
        "Wanneer moet de kabinetsbrief over de vaccinatiestrategie gereed zijn?"
    )
    assert hits[0].meeting_id == "2020-11-18-corona-continuiteit-team-lz"
    assert "Vrijdag moet de brief vanuit het kabinet gereed zijn" in hits[0].text
    assert hits[0].source.endswith("000_a9ecbf3c1f32db91.txt")


def test_gold_retrieval_thresholds(real_index: Index) -> None:
    """Regression guard: hybrid item-level recall@5 >= 0.95 and MRR >= 0.8 on the gold set."""
    result = run_retrieval_suite(
        real_index, load_questions(ROOT / "evals" / "gold"), corpus=[SAMPLES]
    )
    m = result["metrics"]
    assert result["questions"] >= 25
    assert m["hybrid"]["recall@5"] >= 0.95, m
    assert m["hybrid"]["mrr"] >= 0.8, m
    assert set(m) == {"hybrid", "dense", "bm25", "naive"}


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verslagqa.cli", *args],
        capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_cli_index_twice_and_search(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = _cli("index", str(SEED[1]), str(SEED[4]), "--store", str(store), "--json")
    assert first.returncode == 0, first.stderr
    a = json.loads(first.stdout)
    assert a["meetings"] == 2 and a["added"] == a["chunks"] > 0 and a["errors"] == []
    second = _cli("index", str(SEED[1]), str(SEED[4]), "--store", str(store), "--json")
    b = json.loads(second.stdout)
    assert (b["chunks"], b["added"], b["unchanged"]) == (a["chunks"], 0, a["chunks"])
    found = _cli("search", "doorzettingsmacht", "--store", str(store), "--json", "--k", "2")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert len(hits) == 2
    assert set(hits[0]) == {
        "meeting_id", "meeting_title", "meeting_date", "item_label", "item_title", "text",
        "score", "source",
    }  # fmt: skip
    assert (hits[0]["meeting_id"], hits[0]["item_label"]) == ("2021-03-01-mt-dglz-breed", "3c")
    listed = _cli("meetings", "--store", str(store), "--json")
    assert len(json.loads(listed.stdout)["meetings"]) == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_chroma_server(tmp_path: Path) -> None:
    """VERSLAGQA_CHROMA_URL: index and search through a real `chroma run` on 127.0.0.1."""
    chroma = Path(sys.executable).parent / "chroma"
    port = _free_port()
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        settings = Settings(store=tmp_path / "local-state", chroma_url=f"http://127.0.0.1:{port}")
        idx = Index(settings)
        report = idx.add([SEED[2]])
        assert report.meetings == 1 and report.added > 0
        assert not (tmp_path / "local-state" / "chroma.sqlite3").exists()
        hits = HybridRetriever.from_index(idx).search("Be Bright ouderenzorg debat")
        assert hits[0].meeting_id == "2020-09-07-mt-dglz-breed" and hits[0].item_label == "3a"
        # a second client sees the same data on the server
        assert Index(settings).count() == report.chunks
    finally:
        server.terminate()
        server.wait(timeout=30)
