"""Chat model providers behind LangChain's ``BaseChatModel``, picked by a provider string.

=================  ==========================================================================
``local``          the default local GGUF model, in-process through llama-cpp-python (CPU)
``local:1.5b``     Qwen2.5-Coder-1.5B-Instruct Q4_K_M
``local:0.5b``     Qwen2.5-Coder-0.5B-Instruct Q4_K_M
``local:/x.gguf``  any GGUF file
``openai:<model>`` any OpenAI-compatible server (``VERSLAGQA_OPENAI_BASE_URL`` for vLLM, a
                   llama.cpp server, Ollama's /v1, Azure …); extra ``verslagqa[openai]``
``ollama:<model>`` an Ollama server (``VERSLAGQA_OLLAMA_URL``); extra ``verslagqa[ollama]``
``extractive``     no model at all: answers are the best-matching source sentences
=================  ==========================================================================
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

from .decoding import evaluate_prompt, greedy_json
from .errors import VerslagQAError
from .models import ModelError, model_path, model_status
from .settings import LLMSettings

__all__ = [
    "DEFAULT_LOCAL",
    "LOCAL_MODELS",
    "LLMError",
    "LlamaCppChat",
    "PROVIDERS",
    "Provider",
    "get_chat_model",
    "yes_probability",
]

LOCAL_MODELS = {
    "1.5b": "qwen2.5-coder-1.5b-instruct-q4_k_m",
    "0.5b": "qwen2.5-coder-0.5b-instruct-q4_k_m",
}
#: The default local model, chosen by the evals and benchmarks (see BENCHMARKS.md).
DEFAULT_LOCAL = "1.5b"

_LOCK = threading.Lock()
_LOADED: dict[tuple[str, int, int, str], Any] = {}


@atexit.register
def _close_models() -> None:
    # free llama.cpp models while the interpreter is still whole: their finalizers otherwise
    # run during shutdown and print a TypeError from half-torn-down modules
    with _LOCK:
        for llama in _LOADED.values():
            with contextlib.suppress(Exception):
                llama.close()
        _LOADED.clear()


class LLMError(VerslagQAError, RuntimeError):
    """A chat model could not be created or failed to answer."""


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


class LlamaCppChat(BaseChatModel):
    """A GGUF model run in-process by llama-cpp-python; loaded once per process.

    Accepts ``response_format={"type": "json_object", "schema": {...}}`` as a call keyword so
    small models are held to a JSON schema by llama.cpp's grammar.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    #: capability: ``response_format`` with a JSON schema holds the reply to that schema
    json_schema_output: ClassVar[bool] = True

    model_path: str = Field(description="Path of the GGUF file.")
    n_ctx: int = 4096
    n_threads: int | None = None
    temperature: float = 0.0
    max_tokens: int = 256
    seed: int = 0
    _llama: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx}

    _judge: Any = PrivateAttr(default=None)

    @property
    def llama(self) -> Any:
        if self._llama is None:
            self._llama = self._load(self.n_ctx, "chat")
        return self._llama

    def _load(self, n_ctx: int, role: str) -> Any:
        threads = self.n_threads or os.cpu_count() or 2
        key = (self.model_path, n_ctx, threads, role)
        with _LOCK:
            if key not in _LOADED:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise LLMError(
                        "llama-cpp-python is not installed; run `make install` (it builds "
                        "it for this CPU) or choose --llm extractive / openai:<model>"
                    ) from exc
                _LOADED[key] = Llama(
                    model_path=self.model_path,
                    n_ctx=n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    seed=self.seed,
                    verbose=False,
                )
            return _LOADED[key]

    @property
    def judge(self) -> Any:
        """The second context, for :meth:`yes_probability`."""
        if self._judge is None:
            self._judge = self._load(1024, "judge")
            self._judge_words = _answer_tokens(self._judge)
        return self._judge

    def prefill(self, prompts: list[list[BaseMessage]], *, judge: bool = False) -> int:
        """Evaluate what ``prompts`` (renderings of one template) have in common, their fixed
        instructions, so the first real call only reads its own part. Returns the tokens
        evaluated. ``judge`` fills the :meth:`yes_probability` context instead."""
        llama = self.judge if judge else self.llama
        seqs = [
            llama.tokenize(_chat_prompt(llama, m).encode("utf-8"), add_bos=False, special=True)
            for m in prompts
        ]
        common = 0
        while all(len(t) > common + 1 and t[common] == seqs[0][common] for t in seqs):
            common += 1
        if common:
            evaluate_prompt(llama, seqs[0][:common])
        return common

    def yes_probability(self, messages: list[BaseMessage]) -> float:
        """P("yes") against P("no") as the first token of the reply to ``messages``.

        Runs in a second llama.cpp context over the same (memory-mapped) weights, so the
        answer prompt's cached prefix in the first context survives; this context keeps its
        own prefix (instructions) between calls.
        """
        import numpy as np

        llama = self.judge
        prompt = _chat_prompt(llama, messages)
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        if len(tokens) >= llama.n_ctx():
            tokens = tokens[-(llama.n_ctx() - 1) :]
        # reuse the evaluated prefix (system prompt, question) of the previous call
        evaluate_prompt(llama, tokens)
        logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
        yes, no = self._judge_words
        top = float(logits.max())
        p_yes = float(np.exp(logits[yes] - top).sum())
        p_no = float(np.exp(logits[no] - top).sum())
        return p_yes / (p_yes + p_no) if p_yes + p_no > 0 else 0.5

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict:
        req: dict[str, Any] = {
            "messages": [{"role": _role(m), "content": str(m.content)} for m in messages],
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": stop,
            "seed": self.seed,
        }
        if kwargs.get("response_format"):
            req["response_format"] = kwargs["response_format"]
        return req

    def _greedy_schema(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict | None:
        """The JSON schema of a request that :func:`greedy_json` can decode (greedy, no stop
        strings), else None."""
        fmt = kwargs.get("response_format") or {}
        if stop or kwargs.get("temperature", self.temperature) != 0 or "schema" not in fmt:
            return None
        return fmt["schema"]

    def _greedy_json(
        self, messages: list[BaseMessage], schema: dict, kwargs: dict[str, Any]
    ) -> Iterator[str]:
        llama = self.llama
        prompt = _chat_prompt(llama, messages)
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        if len(tokens) >= llama.n_ctx():
            raise LLMError(f"prompt of {len(tokens)} tokens does not fit n_ctx={llama.n_ctx()}")
        return greedy_json(llama, tokens, schema, kwargs.get("max_tokens", self.max_tokens))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        schema = self._greedy_schema(stop, kwargs)
        if schema is not None:
            text = "".join(self._greedy_json(messages, schema, kwargs))
            msg = AIMessage(content=text, response_metadata={"finish_reason": "stop"})
            return ChatResult(generations=[ChatGeneration(message=msg)])
        out = self.llama.create_chat_completion(**self._request(messages, stop, **kwargs))
        choice = out["choices"][0]
        usage = out.get("usage", {})
        msg = AIMessage(
            content=choice["message"].get("content") or "",
            response_metadata={"finish_reason": choice.get("finish_reason"), "usage": usage},
        )
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        schema = self._greedy_schema(stop, kwargs)
        if schema is not None:
            for delta in self._greedy_json(messages, schema, kwargs):
                yield self._chunk(delta, run_manager)
            return
        for part in self.llama.create_chat_completion(
            **self._request(messages, stop, **kwargs), stream=True
        ):
            delta = part["choices"][0].get("delta", {}).get("content") or ""
            if delta:
                yield self._chunk(delta, run_manager)

    @staticmethod
    def _chunk(delta: str, run_manager: CallbackManagerForLLMRun | None) -> ChatGenerationChunk:
        chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
        if run_manager:
            run_manager.on_llm_new_token(delta, chunk=chunk)
        return chunk


def _answer_tokens(llama: Any) -> tuple[list[int], list[int]]:
    """Token ids that open a 'yes' and a 'no' reply."""

    def first(words: tuple[str, ...]) -> list[int]:
        ids = {llama.tokenize(w.encode(), add_bos=False)[0] for w in words}
        return sorted(ids)

    return first(("yes", "Yes", " yes", " Yes")), first(("no", "No", " no", " No"))


def _chat_prompt(llama: Any, messages: list[BaseMessage]) -> str:
    """``messages`` as the model's own chat template writes them, ready for the reply."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise LLMError("the GGUF file carries no chat template")
    vocab = llama._model
    formatter = Jinja2ChatFormatter(
        template=template,
        eos_token=llama.detokenize([vocab.token_eos()]).decode("utf-8", "ignore"),
        bos_token=llama.detokenize([vocab.token_bos()]).decode("utf-8", "ignore"),
    )
    chat: list[Any] = [{"role": _role(m), "content": str(m.content)} for m in messages]
    return formatter(messages=chat).prompt


def yes_probability(model: BaseChatModel, messages: list[BaseMessage]) -> float:
    """How strongly ``model`` answers ``messages`` with yes rather than no, in [0, 1].

    Local llama.cpp models give the probability of the first token; other chat models are
    asked for one word, which counts as 1.0 (yes) or 0.0 (anything else)."""
    own = getattr(model, "yes_probability", None)
    if callable(own):
        return float(own(messages))
    reply = str(model.invoke(messages, max_tokens=3).content).strip().lower()
    return 1.0 if reply.startswith(("yes", "ja")) else 0.0


def _local_path(spec: str, home: Path) -> str:
    name = spec.split(":", 1)[1] if ":" in spec else DEFAULT_LOCAL
    if name in LOCAL_MODELS:
        model = LOCAL_MODELS[name]
        if model_status(model, home) != "ready":
            raise ModelError(
                f"local model {model!r} is not installed in {home}; run "
                f"`verslagqa models fetch {model}`"
            )
        return str(model_path(model, home))
    if Path(name).is_file():
        return name
    raise LLMError(
        f"unknown local model {name!r}: use local, local:1.5b, local:0.5b or local:/path/to/x.gguf"
    )


@dataclass(frozen=True)
class Provider:
    """A chat-model provider: how to make a model from a spec ('openai:gpt-4o-mini').

    What a model can do is a flag on the model itself, read by the chains: a class attribute
    ``json_schema_output = True`` means ``response_format={"type": "json_object", "schema":
    …}`` holds its replies to a schema (:class:`LlamaCppChat`); without it the chains ask for
    JSON in the prompt or use ``with_structured_output``."""

    make: Callable[[str, str, LLMSettings, Path], BaseChatModel]


def _make_local(spec: str, _name: str, o: LLMSettings, home: Path) -> BaseChatModel:
    return LlamaCppChat(
        model_path=_local_path(spec, home),
        temperature=o.temperature,
        max_tokens=o.max_tokens,
        n_ctx=o.n_ctx,
        n_threads=o.n_threads,
    )


def _make_openai(spec: str, name: str, o: LLMSettings, _home: Path) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise LLMError("openai models need `pip install 'verslagqa[openai]'`") from exc
    base_url = (
        o.openai_base_url
        or os.environ.get("VERSLAGQA_OPENAI_BASE_URL")
        or os.environ.get("OPENAI_BASE_URL")
    )
    kwargs: dict[str, Any] = {}
    if not os.environ.get("OPENAI_API_KEY"):
        if not base_url:
            raise LLMError(
                f"{spec}: set OPENAI_API_KEY, or VERSLAGQA_LLM_OPTIONS__OPENAI_BASE_URL for an "
                "OpenAI-compatible server (vLLM, llama.cpp server, Ollama's /v1)"
            )
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore the key
    return ChatOpenAI(
        model=name,
        base_url=base_url,
        temperature=o.temperature,
        max_tokens=o.max_tokens,
        timeout=o.timeout_s,
        max_retries=1,
        **kwargs,
    )


def _make_ollama(_spec: str, name: str, o: LLMSettings, _home: Path) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise LLMError("ollama models need `pip install 'verslagqa[ollama]'`") from exc
    url = o.ollama_url or os.environ.get("VERSLAGQA_OLLAMA_URL", "http://127.0.0.1:11434")
    return ChatOllama(
        model=name,
        base_url=url,
        temperature=o.temperature,
        num_predict=o.max_tokens,
        client_kwargs={"timeout": o.timeout_s},
    )


#: Providers by the part of a model spec before ':' ('local:0.5b', 'openai:gpt-4o-mini').
PROVIDERS: dict[str, Provider] = {
    "local": Provider(_make_local),
    "openai": Provider(_make_openai),
    "ollama": Provider(_make_ollama),
}


def get_chat_model(
    spec: str, *, home: Path, options: LLMSettings | None = None
) -> BaseChatModel | None:
    """The chat model for a provider string; ``None`` for ``extractive`` (no model)."""
    spec = spec.strip()
    if spec == "extractive":
        return None
    provider, _, name = spec.partition(":")
    entry = PROVIDERS.get(provider)
    if entry is None or (provider != "local" and not name):
        raise LLMError(
            f"unknown model {spec!r}: use extractive or "
            + ", ".join(f"{p}:<model>" for p in PROVIDERS)
            + " (local alone is the default local model)"
        )
    return entry.make(spec, name, options or LLMSettings(), home)
