"""Test doubles for fast unit tests. Never used in the end-to-end tests."""

from __future__ import annotations

import hashlib
import math
import re

from langchain_core.embeddings import Embeddings


class HashEmbeddings(Embeddings):
    """Deterministic bag-of-words vectors (64 dims); counts what it embeds."""

    def __init__(self, dim: int = 64, model_id: str = "hash-64") -> None:
        self.dim = dim
        self.model_id = model_id
        self.embedded: list[str] = []

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for word in re.findall(r"\w+", text.lower()):
            h = int(hashlib.md5(word.encode()).hexdigest(), 16)
            v[h % self.dim] += 1.0 if (h >> 8) % 2 else -1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


from typing import Any  # noqa: E402

from langchain_core.language_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: E402
from pydantic import Field  # noqa: E402


class ScriptedChatModel(BaseChatModel):
    """Returns queued replies in order (an Exception instance is raised); records prompts.

    The answer checks' yes/no call (``yes_probability``) is answered by ``judge``: a fixed
    probability, or a function of the sentence judged; the calls are recorded in ``judged``."""

    replies: list[Any] = Field(default_factory=list)
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    judge: Any = 0.9
    judged: list[str] = Field(default_factory=list)
    json_schema_output: bool = True
    schemas: list[Any] = Field(default_factory=list)
    prefilled: list[tuple[list[list[BaseMessage]], bool]] = Field(default_factory=list)

    def enqueue(self, *replies: Any) -> ScriptedChatModel:
        self.replies.extend(replies)
        return self

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def prefill(self, prompts: list[list[BaseMessage]], *, judge: bool = False) -> int:
        self.prefilled.append((prompts, judge))
        return 0

    def yes_probability(self, messages: list[BaseMessage]) -> float:
        text = str(messages[-1].content)
        sentence = text.split("Sentence: ", 1)[-1].split("\n\nQuestion:", 1)[0]
        self.judged.append(sentence)
        return float(self.judge(sentence) if callable(self.judge) else self.judge)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:  # type: ignore[no-untyped-def]
        self.seen.append(list(messages))
        self.schemas.append((kwargs.get("response_format") or {}).get("schema"))
        if not self.replies:
            raise AssertionError("ScriptedChatModel called more often than scripted")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])
