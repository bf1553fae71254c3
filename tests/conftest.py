from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NETGUARD = Path(__file__).resolve().parent / "netguard"

# No network at run time: this process and every Python process the tests start load
# tests/netguard/sitecustomize.py, which refuses any non-loopback connection or lookup.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(NETGUARD), os.environ.get("PYTHONPATH", "")) if p
)
_spec = importlib.util.spec_from_file_location("verslagqa_netguard", NETGUARD / "sitecustomize.py")
assert _spec and _spec.loader
_spec.loader.exec_module(importlib.util.module_from_spec(_spec))
SAMPLES = ROOT / "samples" / "verslagen"
SEED = {
    0: SAMPLES / "000_a9ecbf3c1f32db91.txt",
    1: SAMPLES / "001_004031dcab60c761.txt",
    2: SAMPLES / "002_c6e954286aef7947.txt",
    3: SAMPLES / "003_47808041174d36d6.txt",
    4: SAMPLES / "004_8d65189e1dd83778.txt",
}


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def seeds() -> dict[int, Path]:
    return SEED


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A hybrid retriever over the five samples indexed with tiny hash embeddings (fast unit
    tests of the chains' logic; the real model is in ``real_store``)."""
    from verslagqa.index import Index
    from verslagqa.retrieve import HybridRetriever
    from verslagqa.settings import Settings

    from .fakes import HashEmbeddings

    idx = Index(Settings(store=tmp_path_factory.mktemp("s")), embeddings=HashEmbeddings())
    idx.add([SAMPLES])
    return HybridRetriever.from_index(idx)


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the five samples indexed by the real packaged embedding model."""
    from verslagqa.index import Index
    from verslagqa.settings import Settings

    store = tmp_path_factory.mktemp("real-store")
    report = Index(Settings(store=store)).add([SAMPLES])
    assert report.errors == [] and report.meetings == 5
    return store


@pytest.fixture(scope="session")
def pdf_settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Settings whose OCR cache lives for the test session: the real PDFs' scanned pages are
    OCR'd once for every test that reads them."""
    from verslagqa.settings import Settings

    tmp = tmp_path_factory.mktemp("pdf")
    s = Settings(store=tmp / "store")
    s.parse.ocr = s.parse.ocr.model_copy(update={"cache_dir": tmp / "ocr"})
    return s
