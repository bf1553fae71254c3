"""Encoder backends: batching rule (fast), the OpenVINO int8 export of the real model (slow),
and the BM25 scoring that search uses in place of bm25s's own."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from verslagqa.embed import SentenceTransformerEmbeddings, resolve_backend
from verslagqa.encoders import length_batches, openvino_dir, openvino_status

from .conftest import SEED


@pytest.mark.parametrize(
    ("lengths", "size", "pad"),
    [
        ([5, 700, 30, 690, 300, 12, 450], 3, 100),
        ([10] * 20, 4, 0),
        ([900, 1], 16, 1000),
        ([], 8, 10),
    ],
)
def test_length_batches_cover_every_row_once_within_limits(
    lengths: list[int], size: int, pad: int
) -> None:
    batches = length_batches(lengths, size, pad)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(len(lengths)))
    for b in batches:
        assert 1 <= len(b) <= size
        assert max(lengths[i] for i in b) - min(lengths[i] for i in b) <= pad


def test_length_batches_split_on_padding() -> None:
    assert length_batches([700, 10, 690], 16, 200) == [[0, 2], [1]]


def test_resolve_backend(tmp_path: Path) -> None:
    assert resolve_backend("torch", str(tmp_path)) == "torch"
    assert resolve_backend("auto", "some/hub-name") == "torch"  # not a local folder
    assert resolve_backend("auto", str(tmp_path)) == "openvino"  # openvino is a dependency
    with pytest.raises(ValueError, match="unknown embedding backend"):
        resolve_backend("onnx", str(tmp_path))


def test_stale_export_is_detected(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    assert openvino_status(tmp_path, "int8") == "missing"
    out = openvino_dir(tmp_path, "int8")
    out.mkdir(parents=True)
    (out / "model.xml").write_text("<net/>")
    (out / "meta.json").write_text(json.dumps({"export_version": 0}))
    assert openvino_status(tmp_path, "int8") == "stale"


# -- the real model --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_dir() -> str:
    from verslagqa.embed import resolve_embedding_model
    from verslagqa.settings import Settings

    return resolve_embedding_model("embeddinggemma-300m", Settings().home)


def _passages() -> list[str]:
    from verslagqa.chunk import chunk_meeting
    from verslagqa.parse import parse_verslag

    texts = [c.text for n in (1, 3) for c in chunk_meeting(parse_verslag(SEED[n]))]
    return sorted(texts, key=len)


@pytest.mark.slow
def test_openvino_int8_agrees_with_torch_and_survives_uneven_batches(model_dir: str) -> None:
    texts = _passages()
    long_text = " ".join(texts[-4:])  # several hundred tokens beside short rows
    batch = [texts[0], long_text, texts[1], "Vrijdag moet de brief gereed zijn.", texts[-1]]
    ov = SentenceTransformerEmbeddings(model_dir, backend="openvino", quantization="int8")
    torch = SentenceTransformerEmbeddings(model_dir, backend="torch")
    assert openvino_status(Path(model_dir), "int8") in ("ready", "missing", "stale")
    together = np.array(ov.embed_documents(batch))
    alone = np.array([ov.embed_documents([t])[0] for t in batch])
    assert np.isfinite(together).all()
    assert np.allclose(together, alone, atol=2e-2), np.abs(together - alone).max()
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    ref = np.array(torch.embed_documents(batch))
    cos = (together * ref).sum(axis=1)
    assert cos.min() > 0.93, cos
    assert "openvino-int8" in ov.model_id and ov.model_id != torch.model_id


@pytest.mark.slow
def test_openvino_query_ranks_the_answering_passage_first(model_dir: str) -> None:
    ov = SentenceTransformerEmbeddings(model_dir, backend="openvino")
    passages = [
        "Vrijdag moet de brief vanuit het kabinet over de vaccinatiestrategie gereed zijn.",
        "De nachtopvang voor daklozen is afgebouwd.",
        "Het ziekenhuis in Rotterdam heeft extra bedden geopend.",
    ]
    docs = np.array(ov.embed_documents(passages))
    for n, question in enumerate(
        [
            "Wanneer moet de kabinetsbrief over vaccinatie klaar zijn?",
            "Wat is er met de opvang van dakloze mensen gebeurd?",
            "Hoeveel bedden kwamen er bij in Rotterdam?",
        ]
    ):
        q = np.array(ov.embed_query(question))
        assert math.isclose(float(np.linalg.norm(q)), 1.0, abs_tol=1e-4)
        assert int(np.argmax(docs @ q)) == n, question


def test_bm25_scores_equal_bm25s_own_scoring() -> None:
    """The bincount scoring used at search time gives bm25s's scores (repeated terms too)."""
    import random

    import bm25s

    from verslagqa.keyword import _bm25_scores

    rng = random.Random(7)
    words = [f"w{i}" for i in range(60)]
    corpus = [[rng.choice(words) for _ in range(rng.randint(3, 40))] for _ in range(500)]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    for query in (["w1"], ["w2", "w30", "w2"], words[:25]):
        ids = [int(retriever.vocab_dict[t]) for t in query]
        assert np.allclose(_bm25_scores(retriever, ids), retriever.get_scores(ids), atol=1e-5)


def test_no_openvino_or_nncf_telemetry() -> None:
    """Importing verslagqa's encoders leaves OpenVINO's converter and NNCF with their stubs."""
    import subprocess
    import sys

    code = (
        "import verslagqa.encoders, nncf\n"
        "from nncf.telemetry.wrapper import telemetry, NNCFTelemetryStub\n"
        "assert isinstance(telemetry, NNCFTelemetryStub), type(telemetry)\n"
        "from openvino.tools.ovc import convert_impl\n"
        "assert convert_impl.tm.__name__.endswith('telemetry_stub'), convert_impl.tm\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
