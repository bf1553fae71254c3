"""Crash safety (SIGKILL mid-run), concurrent writers, and version safety of the store."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verslagqa import parse_verslag
from verslagqa.index import Index
from verslagqa.settings import Settings

from .conftest import ROOT, SEED
from .fakes import HashEmbeddings

# a writer process with the fake embeddings (real Chroma, real BM25, real manifest)
WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.fakes import HashEmbeddings
from verslagqa.index import Index
from verslagqa.settings import Settings
idx = Index(Settings(store=Path(sys.argv[1])), embeddings=HashEmbeddings())
report = idx.add([Path(sys.argv[2])], lock_timeout=float(sys.argv[3]))
print(report.model_dump_json())
"""


def _corpus(folder: Path, n: int) -> Path:
    """``n`` distinct verslagen recombined from the samples' agenda items."""
    folder.mkdir(parents=True, exist_ok=True)
    items = [
        (it.title or "Bespreking", re.sub(r"\[weggelakt ([0-9.]+[a-i]?)\]", r"\1", it.text))
        for p in SEED.values()
        for it in parse_verslag(p).items
        if len(it.text) > 80
    ]
    rng = random.Random(7)
    for i in range(n):
        chosen = rng.sample(items, 3)
        body = "\n\n".join(f"{j}. {t}\n{x}" for j, (t, x) in enumerate(chosen, 1))
        day = 1 + i % 28
        (folder / f"v{i:03d}.txt").write_text(
            f"Betreft: Overleg {i}\nDatum: {day}-{1 + i % 12}-2021\nAanwezig: CZ, LZ\n\n{body}\n",
            encoding="utf-8",
        )
    return folder


def _start_writer(store: Path, corpus: Path, lock_timeout: float = 60) -> subprocess.Popen[str]:
    # small embedding groups: many pending/complete transitions for a kill to land between
    env = {**os.environ, "VERSLAGQA_EMBEDDING__GROUP_CHUNKS": "8"}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER.format(root=str(ROOT)), str(store), str(corpus),
         str(lock_timeout)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def _check_consistent(store: Path, *, complete: bool) -> int:
    """Manifest, Chroma and the keyword index agree; returns the chunk count."""
    idx = Index(Settings(store=store), embeddings=HashEmbeddings())  # the store opens
    coll = idx._collection()
    vector_ids = set(coll.get(include=[])["ids"])
    keyword_ids = idx.keyword.ids()
    done = {src: e for src, e in idx.files.items() if e.state == "complete"}
    pending = {src: e for src, e in idx.files.items() if e.state != "complete"}
    done_ids = [cid for e in done.values() for cid in e.chunk_ids]
    assert len(done_ids) == len(set(done_ids))  # no chunk listed twice
    assert set(done_ids) <= vector_ids  # every complete meeting is wholly in Chroma
    assert set(done_ids) <= keyword_ids  # … and in the keyword index
    allowed = set(done_ids) | {cid for e in pending.values() for cid in e.pending_ids}
    assert vector_ids <= allowed and keyword_ids <= allowed  # nothing unaccounted for
    ids = [e.meeting_id for e in done.values()]
    assert len(ids) == len(set(ids))  # no meeting twice
    if complete:
        assert not pending and vector_ids == keyword_ids == set(done_ids)
    idx.keyword.close()
    return len(vector_ids)


def _complete_files(store: Path) -> int:
    """How many files the store's manifest lists as complete (0 before the first write)."""
    manifest = store / "manifest.json"
    if not manifest.exists():
        return 0
    files = [
        f for c in json.loads(manifest.read_text())["collections"].values()
        for f in c.get("files", {}).values()
    ]  # fmt: skip
    return sum(f.get("state") == "complete" for f in files)


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus", 80)
    reference = tmp_path / "reference"
    proc = _start_writer(reference, corpus)
    assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    expected = _check_consistent(reference, complete=True)

    store = tmp_path / "store"
    rng = random.Random(11)
    kills = partial = 0
    for _ in range(6):
        # Kill by progress, not by a share of one run's time: a rerun skips what is complete
        # and finishes sooner, so on a slow machine timed kills came too late (CI, stop 29).
        # The target lies within the first half of what is left, so every run has work left.
        before = _complete_files(store)
        target = before + rng.randint(1, max(1, (80 - before) // 2))
        proc = _start_writer(store, corpus)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if _complete_files(store) >= target:
                break
            time.sleep(0.01)
        # … then anywhere inside the next embedding group (pending written, not yet complete)
        time.sleep(rng.uniform(0.0, 0.05))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        _check_consistent(store, complete=False)
        partial += 0 < _complete_files(store) < 80
    assert kills >= 3  # the runs really were cut off
    assert partial >= 1  # … and at least once in the middle of the job
    proc = _start_writer(store, corpus)
    assert proc.wait(timeout=300) == 0
    assert _check_consistent(store, complete=True) == expected


@pytest.mark.slow
def test_two_writers_at_once_equal_one_run(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus", 25)
    single = tmp_path / "single"
    p = _start_writer(single, corpus)
    assert p.wait(timeout=300) == 0
    expected = _check_consistent(single, complete=True)

    store = tmp_path / "store"
    a, b = _start_writer(store, corpus), _start_writer(store, corpus)
    outs = [p.communicate(timeout=300) for p in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, outs
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    # one did the work, the other waited for the lock and found everything done
    assert sorted(r["added"] for r in reports) == [0, expected]
    assert _check_consistent(store, complete=True) == expected


def test_second_writer_fails_clearly_when_the_lock_is_held(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus", 3)
    store = tmp_path / "store"
    holder = Index(Settings(store=store), embeddings=HashEmbeddings())
    with holder.lock():
        p = _start_writer(store, corpus, lock_timeout=1)
        _, err = p.communicate(timeout=120)
    assert p.returncode != 0
    assert "being written by another verslagqa process" in err
    assert _check_consistent(store, complete=True) == 0  # nothing half-written


@pytest.mark.slow  # the CLI opens the store with the real packaged embedding model
def test_cli_lock_message_without_traceback(tmp_path: Path) -> None:
    store = tmp_path / "store"
    holder = Index(Settings(store=store), embeddings=HashEmbeddings())
    env = {**os.environ, "VERSLAGQA_LOCK_TIMEOUT_S": "1"}
    with holder.lock():
        proc = subprocess.run(
            [sys.executable, "-m", "verslagqa.cli", "index", str(SEED[4]), "--store", str(store)],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "being written by another verslagqa process" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow  # the CLI opens the store with the real packaged embedding model
def test_other_embedding_model_never_mixes_vectors(tmp_path: Path) -> None:
    store = tmp_path / "store"
    a = Index(Settings(store=store), embeddings=HashEmbeddings(model_id="model-a"))
    a.add([SEED[1]])
    b = Index(Settings(store=store), embeddings=HashEmbeddings(dim=32, model_id="model-b"))
    assert b.files == {} and b.count() == 0  # its own empty collection
    assert b.other_collections() == [a.collection]
    proc = subprocess.run(
        [sys.executable, "-m", "verslagqa.cli", "search", "CFA", "--store", str(store)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "another model or chunker" in proc.stderr and "--rebuild" in proc.stderr


@pytest.mark.slow
def test_cli_batch_of_bad_files_indexes_the_good_ones(tmp_path: Path) -> None:
    """A Woo folder: every bad file gets one line naming it and the reason; exit 3 (partial)."""
    from fpdf import FPDF

    folder = tmp_path / "woo"
    folder.mkdir()
    for k in (1, 4):
        (folder / SEED[k].name).write_bytes(SEED[k].read_bytes())
    (folder / "cp1252.txt").write_bytes(SEED[2].read_text(encoding="utf-8").encode("cp1252"))
    (folder / "kopie.txt").write_bytes(SEED[1].read_bytes())  # duplicate under another name
    (folder / "leeg.txt").write_text("")
    (folder / "ruis.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "geen-kop.txt").write_text("melk\nbrood\nkaas\n")
    with open(folder / "groot.txt", "wb") as fh:  # 50 MB: over the 20 MB default limit
        fh.truncate(50 * 1024 * 1024)
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")
    pdf.output(str(folder / "scan.pdf"))
    expected_errors = {
        "kopie.txt": "duplicate content of",
        "leeg.txt": "empty",
        "ruis.txt": "binary",
        "groot.txt": "too large",
        "scan.pdf": "no text layer",
    }
    if os.geteuid() != 0:  # root reads any file: the permission case is tested in-process too
        (folder / "geheim.txt").write_bytes(SEED[3].read_bytes())
        (folder / "geheim.txt").chmod(0)
        expected_errors["geheim.txt"] = "permission denied"
    store = tmp_path / "store"
    cmd = [sys.executable, "-m", "verslagqa.cli", "index", str(folder), "--store", str(store)]
    for run in range(2):  # a second run loses and duplicates nothing
        proc = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 3, proc.stderr
        assert "Traceback" not in proc.stderr
        report = json.loads(proc.stdout)
        errors = {Path(e["source"]).name: e["reason"] for e in report["errors"]}
        assert set(errors) == set(expected_errors)
        for name, reason in expected_errors.items():
            assert reason in errors[name], (name, errors[name])
        assert report["meetings"] == 4  # the file without a header is indexed, with warnings
        warned = {Path(w["source"]).name for w in report["warnings"]}
        assert warned == {"geen-kop.txt"}
        if run == 1:
            assert report["added"] == 0 and report["unchanged"] == report["chunks"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 3
    for name in expected_errors:  # one line per bad file, naming it, on stderr
        assert sum(name in line for line in proc.stderr.splitlines()) == 1, name
