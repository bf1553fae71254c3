"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface, offline.

The model is loaded once per process and shared, on torch or OpenVINO (:mod:`.encoders`).
Query and passage prompts of the model are applied (EmbeddingGemma: ``task: search result |
query: `` and ``title: … | text: ``), and vectors are L2-normalised so cosine and inner product
agree.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .encoders import (
    EXPORT_VERSION,
    Encoder,
    OpenVINOEncoder,
    TorchEncoder,
    openvino_variant,
)
from .machine import cpu_flags
from .models import MODELS, ModelError, model_path, model_status

__all__ = [
    "BACKENDS",
    "SentenceTransformerEmbeddings",
    "cpu_has_bf16",
    "resolve_backend",
    "resolve_embedding_model",
]

BACKENDS = ("auto", "torch", "openvino")


@cache
def cpu_has_bf16() -> bool:
    """True when the CPU computes bfloat16 natively (AVX512-BF16 or AMX)."""
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def resolve_embedding_model(name: str, home: Path) -> str:
    """A provisioned model name → its folder; a path → itself; anything else unchanged."""
    if name in MODELS:
        if model_status(name, home) != "ready":
            raise ModelError(
                f"embedding model {name!r} is not installed in {home}; "
                f"run `verslagqa models fetch {name}`"
            )
        return str(model_path(name, home))
    return name


def resolve_backend(backend: str, model: str) -> str:
    """'auto' → 'openvino' for a local model folder when OpenVINO is installed, else 'torch'."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; one of {', '.join(BACKENDS)}")
    if backend != "auto":
        return backend
    if Path(model).is_dir() and importlib.util.find_spec("openvino") is not None:
        return "openvino"
    return "torch"


class SentenceTransformerEmbeddings(Embeddings):
    """LangChain embeddings for any sentence-transformers model, loaded lazily once.

    ``backend='torch'`` runs sentence-transformers; ``'openvino'`` runs the same weights
    exported to OpenVINO (int8 by default, see :mod:`verslagqa.encoders`).
    """

    def __init__(
        self,
        model: str,
        *,
        dtype: str = "auto",
        batch_size: int = 16,
        backend: str = "torch",
        quantization: str = "int8",
        threads: int = 0,
    ) -> None:
        self.model_name = model
        if dtype == "auto":
            dtype = "bfloat16" if cpu_has_bf16() else "float32"
        if dtype not in ("float32", "bfloat16"):
            raise ValueError(f"unsupported embedding dtype {dtype!r}")
        if quantization not in ("int8", "none"):
            raise ValueError(f"unsupported embedding quantization {quantization!r}")
        self.dtype = dtype
        self.batch_size = batch_size
        self.backend = resolve_backend(backend, model)
        self.quantization = quantization
        self.encoder: Encoder
        if self.backend == "openvino":
            self.encoder = OpenVINOEncoder(model, quantization, batch_size, threads)
        else:
            self.encoder = TorchEncoder(model, dtype, batch_size)

    @property
    def model(self) -> Any:
        """The sentence-transformers model (torch backend only)."""
        if not isinstance(self.encoder, TorchEncoder):
            raise AttributeError("the openvino backend has no sentence-transformers model")
        return self.encoder.st

    @property
    def model_id(self) -> str:
        """Identity of the vectors: folder name (or hub name) plus backend and precision."""
        name = Path(self.model_name).name
        if self.backend == "openvino":
            # the export recipe is part of the identity: a new recipe means new vectors
            return f"{name}-openvino-{openvino_variant(self.quantization)}-r{EXPORT_VERSION}"
        return f"{name}-{self.dtype}"

    @property
    def dimension(self) -> int:
        return self.encoder.dimension()

    def _prompt(self, kind: str) -> str:
        return str(self.encoder.prompts.get(kind, ""))

    def _encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return [list(map(float, v)) for v in self.encoder.encode(texts)]

    def passage_texts(self, texts: list[str]) -> list[str]:
        """Apply the model's passage prompt; a first line becomes the title where it has one."""
        prompt = self._prompt("document")
        if "title: none" in prompt:
            out = []
            for t in texts:
                title, _, body = t.partition("\n")
                out.append(prompt.replace("none", title.strip() or "none", 1) + body)
            return out
        return [prompt + t for t in texts]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(self.passage_texts(list(texts)))

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self._prompt("query") + text])[0]
