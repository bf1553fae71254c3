"""Sentence encoders behind :class:`~verslagqa.embed.SentenceTransformerEmbeddings`.

Two ways to run the same sentence-transformers weights on a CPU:

- ``torch``: sentence-transformers itself (float32, or bfloat16 where the CPU computes it).
- ``openvino``: the model exported once to OpenVINO IR (``torch.export`` → ``ov.convert_model``);
  with ``int8`` (the default) its weights are compressed to int8 per channel (NNCF) and the CPU
  plugin quantises activations dynamically, per token in groups of 128, so the matrix products
  run in int8 with no calibration data. The IR is cached beside the model folder
  (``<model>/openvino/<variant>/``) with a ``meta.json`` naming the weights it came from, so a
  changed model or OpenVINO version is exported again. Export needs torch; running does not.

Both return L2-normalised float32 vectors for texts that already carry the model's prompt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import VerslagQAError

__all__ = [
    "EncoderError",
    "OpenVINOEncoder",
    "TorchEncoder",
    "export_openvino",
    "length_batches",
    "openvino_dir",
    "openvino_status",
    "openvino_variant",
]

log = logging.getLogger(__name__)

# No telemetry: OpenVINO's converter and NNCF send usage events to Google Analytics through
# the openvino-telemetry package (a dependency of openvino) unless it cannot be imported; a
# None entry in sys.modules makes every import of it fail, and both fall back to stubs.
if "openvino_telemetry" not in sys.modules:
    sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]

_LOCK = threading.Lock()
_LOADED: dict[tuple[str, ...], Any] = {}
EXPORT_VERSION = 3  # bump when the export recipe changes: cached IRs are rebuilt
DYNAMIC_GROUP = 128


class EncoderError(VerslagQAError, RuntimeError):
    """An encoder backend could not be loaded or exported."""


class Encoder(Protocol):
    @property
    def prompts(self) -> dict[str, str]: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def dimension(self) -> int: ...


def _offline(model: str) -> None:
    if Path(model).exists():
        # a local folder must never trigger a hub lookup (locked-down machines)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _sentence_transformer(model: str, dtype: str) -> Any:
    key = ("st", model, dtype)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        _offline(model)
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        kwargs: dict[str, Any] = {}
        if dtype == "bfloat16":
            kwargs["model_kwargs"] = {"dtype": torch.bfloat16}
        st = SentenceTransformer(model, device="cpu", **kwargs)
        _LOADED[key] = st
        return st


class TorchEncoder:
    """sentence-transformers on torch (float32 or bfloat16)."""

    def __init__(self, model: str, dtype: str, batch_size: int) -> None:
        self.model, self.dtype, self.batch_size = model, dtype, batch_size

    @property
    def st(self) -> Any:
        return _sentence_transformer(self.model, self.dtype)

    @property
    def prompts(self) -> dict[str, str]:
        return dict(getattr(self.st, "prompts", {}) or {})

    def dimension(self) -> int:
        return int(self.st.get_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.st.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


# -- OpenVINO ---------------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _weights_digest(model_dir: Path) -> str:
    """Cheap identity of the weights: names, sizes and mtimes of the weight files."""
    parts = []
    for p in sorted(model_dir.rglob("*")):
        if p.is_file() and "openvino" not in p.relative_to(model_dir).parts:
            if p.suffix in (".safetensors", ".bin", ".json"):
                st = p.stat()
                parts.append(f"{p.relative_to(model_dir)}:{st.st_size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def openvino_dir(model_dir: Path, quantization: str) -> Path:
    return Path(model_dir) / "openvino" / openvino_variant(quantization)


def openvino_variant(quantization: str) -> str:
    """Name of the exported variant: 'int8', or 'fp32' for the unquantised IR."""
    return "int8" if quantization == "int8" else "fp32"


def _expected_meta(model_dir: Path, quantization: str) -> dict[str, Any]:
    import openvino

    return {
        "export_version": EXPORT_VERSION,
        "openvino": openvino.__version__.split("-")[0],
        "weights": _weights_digest(model_dir),
        "quantization": quantization,
    }


def openvino_status(model_dir: Path, quantization: str) -> str:
    """'ready' (exported for these weights and this OpenVINO), 'missing', 'stale' or
    'unavailable' (OpenVINO not installed)."""
    try:
        expected = _expected_meta(Path(model_dir), quantization)
    except ImportError:
        return "unavailable"
    out = openvino_dir(model_dir, quantization)
    if not (out / "model.xml").exists():
        return "missing"
    meta = _read_json(out / "meta.json")
    return "ready" if all(meta.get(k) == v for k, v in expected.items()) else "stale"


def export_openvino(
    model: str,
    quantization: str = "int8",
    *,
    on_progress: Callable[[str], None] | None = None,
) -> Path:
    """Export a local sentence-transformers folder to OpenVINO IR (int8 or fp32); idempotent."""
    model_dir = Path(model)
    if not model_dir.is_dir():
        raise EncoderError(f"{model}: OpenVINO export needs a local model folder")
    if quantization not in ("int8", "none"):
        raise EncoderError(f"unknown quantization {quantization!r}: 'int8' or 'none'")
    if openvino_status(model_dir, quantization) == "ready":
        return openvino_dir(model_dir, quantization)
    try:
        import openvino as ov
        import torch
    except ImportError as exc:
        raise EncoderError(f"OpenVINO export needs openvino and torch: {exc}") from exc

    def say(msg: str) -> None:
        log.info(msg)
        if on_progress:
            on_progress(msg)

    try:
        return _export(model_dir, quantization, say, ov, torch)
    except EncoderError:
        raise
    except Exception as exc:  # torch.export / OpenVINO / NNCF failures: name the model
        raise EncoderError(f"{model_dir.name}: OpenVINO export failed: {exc}") from exc


def _export(
    model_dir: Path, quantization: str, say: Callable[[str], None], ov: Any, torch: Any
) -> Path:
    st = _sentence_transformer(str(model_dir), "float32")

    class _Sentence(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.inner({"input_ids": input_ids, "attention_mask": attention_mask})
            return out["sentence_embedding"]

    wrapper = _Sentence(st).eval()
    example = st.tokenizer(
        ["een voorbeeld", "nog een voorbeeldzin"], return_tensors="pt", padding=True
    )
    batch, seq = torch.export.Dim("batch", max=1024), torch.export.Dim("seq", max=8192)
    say(f"exporting {model_dir.name} to OpenVINO")
    with torch.no_grad():
        # the TorchScript tracer fails on transformers' vmap attention masks; torch.export works
        program = torch.export.export(
            wrapper,
            (example["input_ids"], example["attention_mask"]),
            dynamic_shapes=({0: batch, 1: seq}, {0: batch, 1: seq}),
        )
        ir = ov.convert_model(program)
    if quantization == "int8":
        import nncf

        nncf.set_log_level(logging.WARNING)
        say("compressing the weights to int8 (NNCF, per channel)")
        ir = nncf.compress_weights(ir, mode=nncf.CompressWeightsMode.INT8_ASYM)
    out = openvino_dir(model_dir, quantization)
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    ov.save_model(ir, staging / "model.xml", compress_to_fp16=False)
    meta = _expected_meta(model_dir, quantization) | {
        "max_seq_length": int(st.max_seq_length),
        "dimension": int(st.get_embedding_dimension()),
        "prompts": dict(st.prompts or {}),
    }
    (staging / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    os.replace(staging, out)
    say(f"OpenVINO model written to {out}")
    return out


def length_batches(lengths: Sequence[int], batch_size: int, max_padding: int) -> list[list[int]]:
    """Indices grouped longest first, ``batch_size`` at most, and no row padded by more than
    ``max_padding`` tokens (less padding is less work; see OpenVINOEncoder for the other reason)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if (
            batches
            and len(batches[-1]) < batch_size
            and lengths[batches[-1][0]] - lengths[i] <= max_padding
        ):
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


class OpenVINOEncoder:
    """The exported model on OpenVINO's CPU plugin (bf16 compute where the CPU has it).

    Rows are padded by less than half the model's sliding attention window: a padding position
    farther than that from every real token has nothing to attend to, and OpenVINO's attention
    then yields NaN where torch yields zeros.
    """

    def __init__(
        self,
        model: str,
        quantization: str,
        batch_size: int,
        threads: int = 0,
        *,
        export: bool = True,
    ) -> None:
        self.model, self.quantization = model, quantization
        self.batch_size, self.threads, self.export = batch_size, threads, export

    def _state(self) -> tuple[Any, Any, dict[str, Any]]:
        key = ("ov", self.model, self.quantization, str(self.threads))
        with _LOCK:
            if key in _LOADED:
                return _LOADED[key]
        model_dir = Path(self.model)
        status = openvino_status(model_dir, self.quantization)
        if status == "unavailable":
            raise EncoderError("the openvino embedding backend needs the openvino package")
        if status != "ready":
            if not self.export:
                raise EncoderError(
                    f"{model_dir.name}: no OpenVINO export ({status}); run "
                    "`verslagqa models fetch` or set VERSLAGQA_EMBEDDING__BACKEND=torch"
                )
            export_openvino(self.model, self.quantization)
        import openvino as ov
        from transformers import AutoTokenizer

        _offline(self.model)
        out = openvino_dir(model_dir, self.quantization)
        meta = _read_json(out / "meta.json")
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
        if self.quantization == "int8":
            # activations quantised per token in groups of 128 values at run time: the int8
            # matmuls without a calibrated static range (which cost recall, see evals/README)
            config["DYNAMIC_QUANTIZATION_GROUP_SIZE"] = DYNAMIC_GROUP
        if self.threads > 0:
            config["INFERENCE_NUM_THREADS"] = self.threads
        compiled = ov.Core().compile_model(str(out / "model.xml"), "CPU", config)
        tokenizer = AutoTokenizer.from_pretrained(self.model)
        window = int(_read_json(model_dir / "config.json").get("sliding_window") or 0)
        meta["max_padding"] = max(16, window // 2 - 16) if window else 1 << 30
        state = (compiled, tokenizer, meta)
        with _LOCK:
            _LOADED[key] = state
        return state

    @property
    def prompts(self) -> dict[str, str]:
        meta = self._state()[2]
        return dict(meta.get("prompts") or {})

    def dimension(self) -> int:
        return int(self._state()[2]["dimension"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        compiled, tokenizer, meta = self._state()
        texts = list(texts)
        out = np.zeros((len(texts), int(meta["dimension"])), dtype=np.float32)
        if not texts:
            return out
        max_len = int(meta.get("max_seq_length") or 2048)
        ids = tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]
        request = compiled.create_infer_request()
        for batch in length_batches([len(x) for x in ids], self.batch_size, meta["max_padding"]):
            enc = tokenizer.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="np")
            result = request.infer(
                {
                    "input_ids": enc["input_ids"].astype(np.int64),
                    "attention_mask": enc["attention_mask"].astype(np.int64),
                }
            )
            vectors = np.asarray(result[0], dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            out[batch] = vectors / np.maximum(norms, 1e-12)
        return out
