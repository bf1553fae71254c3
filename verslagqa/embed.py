"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface, offline.

The model is loaded once per process and shared. Query and passage prompts of the model are
applied (EmbeddingGemma: ``task: search result | query: `` and ``title: … | text: ``), and
vectors are L2-normalised so cosine and inner product agree.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .models import MODELS, ModelError, model_path, model_status

__all__ = ["SentenceTransformerEmbeddings", "cpu_has_bf16", "resolve_embedding_model"]

_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str], Any] = {}


@cache
def cpu_has_bf16() -> bool:
    """True when the CPU computes bfloat16 natively (AVX512-BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(flag in flags for flag in ("avx512_bf16", "amx_bf16"))


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


def _load(model: str, dtype: str) -> Any:
    key = (model, dtype)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        if Path(model).exists():
            # a local folder must never trigger a hub lookup (locked-down machines)
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
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


class SentenceTransformerEmbeddings(Embeddings):
    """LangChain embeddings for any sentence-transformers model, loaded lazily once."""

    def __init__(self, model: str, *, dtype: str = "auto", batch_size: int = 16) -> None:
        self.model_name = model
        if dtype == "auto":
            dtype = "bfloat16" if cpu_has_bf16() else "float32"
        if dtype not in ("float32", "bfloat16"):
            raise ValueError(f"unsupported embedding dtype {dtype!r}")
        self.dtype = dtype
        self.batch_size = batch_size

    @property
    def model(self) -> Any:
        return _load(self.model_name, self.dtype)

    @property
    def model_id(self) -> str:
        """Identity of the vectors: folder name (or hub name) plus precision."""
        return f"{Path(self.model_name).name}-{self.dtype}"

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def _prompt(self, kind: str) -> str:
        prompts = getattr(self.model, "prompts", {}) or {}
        return str(prompts.get(kind, ""))

    def _encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [list(map(float, v)) for v in vectors]

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
