"""All configuration in one place: ``Settings`` reads ``VERSLAGQA_*`` environment variables.

Nested sections use ``__``: ``VERSLAGQA_EMBEDDING__BATCH_SIZE=32``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_cache_dir
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import VerslagQAError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

__all__ = [
    "AnswerSettings",
    "CheckSettings",
    "ChunkSettings",
    "EmbeddingSettings",
    "LLMSettings",
    "OcrSettings",
    "ParseSettings",
    "RetrievalSettings",
    "ServiceUnavailable",
    "Settings",
    "SummarySettings",
]


class ServiceUnavailable(VerslagQAError, RuntimeError):
    """A configured remote service (Chroma server, model server) cannot be reached."""


def _default_home() -> Path:
    return Path(user_cache_dir("verslagqa", appauthor=False))


class OcrSettings(BaseModel):
    enabled: bool = Field(
        default=True,
        description="Read PDF pages without a text layer with Tesseract (when it is installed).",
    )
    language: str = Field(
        default="nld",
        description="Tesseract language model(s), e.g. 'nld' or 'nld+eng'.",
    )
    dpi: int = Field(default=300, description="Resolution pages are rendered at for OCR.")
    min_chars: int = Field(
        default=25,
        description="A page whose text layer has fewer letters and digits than this is a scan "
        "and is OCR'd (page numbers and stamps alone stay under it).",
    )
    min_layer_quality: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="A scanned page whose text layer reads worse than this (well-formed words "
        "times punctuation, verslagqa.scan) is OCR'd again and the better reading kept; a layer "
        "that lost its punctuation scores at most 0.25, a faithful one 0.8 or more.",
    )
    timeout_s: float = Field(default=180.0, description="Longest Tesseract run for one page.")
    workers: int = Field(
        default=2, description="Pages read at the same time (one Tesseract process each)."
    )
    cache: bool = Field(
        default=True,
        description="Keep OCR text per page, keyed by the file's hash, so re-reading a "
        "scanned PDF (summaries, answers' sources, re-indexing) does not OCR it again.",
    )
    cache_dir: Path | None = Field(
        default=None, description="Where OCR text is kept (default: <home>/ocr)."
    )


class ParseSettings(BaseModel):
    ocr: OcrSettings = Field(default_factory=OcrSettings, description="OCR of scanned PDF pages.")
    split_documents: bool = Field(
        default=True,
        description="Split a PDF that holds several documents (a Woo release) into documents.",
    )
    max_bytes: int = Field(
        default=20 * 1024 * 1024,
        description="Largest input file accepted by the parser, in bytes; larger files are "
        "rejected with a clear error instead of exhausting memory.",
    )


class EmbeddingSettings(BaseModel):
    model: str = Field(
        default="embeddinggemma-300m",
        description="Embedding model: the name of a provisioned model (see `verslagqa models "
        "list`), a local sentence-transformers folder, or a model name the user's own "
        "sentence-transformers installation can load.",
    )
    backend: str = Field(
        default="auto",
        description="'openvino' (the model exported once to OpenVINO IR, cached beside it), "
        "'torch' (sentence-transformers) or 'auto' (openvino for a local model folder when "
        "the openvino package is installed, else torch). Vectors of different backends are "
        "kept in separate collections: changing it means indexing again.",
    )
    quantization: str = Field(
        default="int8",
        description="OpenVINO backend: 'int8' (NNCF post-training quantisation, calibrated on "
        "the bundled samples) or 'none' (the same weights in float32).",
    )
    threads: int = Field(
        default=0, description="OpenVINO backend: inference threads (0: OpenVINO's default)."
    )
    dtype: str = Field(
        default="auto",
        description="Torch backend: 'auto' (bfloat16 where the CPU has native bf16 support, "
        "else float32), 'float32' or 'bfloat16'.",
    )
    batch_size: int = Field(default=16, description="Texts per forward pass of the model.")
    group_chunks: int = Field(
        default=128,
        description="Chunks of several files embedded in one call while indexing (sorted by "
        "length, less padding); memory stays bounded by this, not by the corpus.",
    )


class ChunkSettings(BaseModel):
    max_tokens: int = Field(
        default=320, description="Largest chunk, in approximate tokens (words + punctuation)."
    )
    overlap_tokens: int = Field(
        default=40, description="Whole sentences repeated between consecutive chunks."
    )


class RetrievalSettings(BaseModel):
    k: int = Field(default=5, description="Hits returned by search.")
    candidates: int = Field(default=40, description="Hits taken from each retriever before fusion.")
    rrf_k: int = Field(default=60, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(default=1.0, description="Weight of the dense ranking in RRF.")
    bm25_weight: float = Field(default=1.0, description="Weight of the BM25 ranking in RRF.")


class SummarySettings(BaseModel):
    implied_actions: bool = Field(
        default=False,
        description="Let the model add actions that the minutes imply without an action "
        "marker; each needs a verbatim source quote naming its owner (checked by code). Off by "
        "default: the small local model's implied actions have not been evaluated yet.",
    )


class TrackingSettings(BaseModel):
    """Bars for following an action across meetings (verslagqa/tracking.py); chosen on the
    development gold (evals/gold-corpus/tracking.yaml, see evals/README.md)."""

    embeddings: bool = Field(
        default=True,
        description="Compare actions by meaning with the embedding model; off: by shared "
        "Dutch stems only (no model at all).",
    )
    min_similarity: float = Field(
        default=0.85,
        description="Smallest embedding cosine for an action of a later meeting to be the "
        "same action as an earlier open one on meaning alone.",
    )
    min_similarity_shared: float = Field(
        default=0.65,
        description="Smallest cosine when the two descriptions also share words "
        "(min_shared_words).",
    )
    min_shared_words: float = Field(
        default=0.4,
        description="Share of the shorter description's words the other carries (same stem, "
        "or inside a compound) for min_similarity_shared to apply.",
    )
    same_owner_bonus: float = Field(
        default=0.0, description="Added to the similarity when an owner is the same."
    )
    min_mention_similarity: float = Field(
        default=0.6,
        description="Smallest embedding cosine for a sentence of a later meeting to be a "
        "mention of an open action.",
    )
    mention_min_shared: float = Field(
        default=0.2,
        description="A mention must also carry this share of the action's words (a sentence "
        "alike in meaning but in other words is a new topic, not a mention).",
    )
    lexical_link: float = Field(
        default=0.4,
        description="Without embeddings: smallest share of the shorter description's words "
        "the other carries, to link two action records.",
    )
    lexical_mention: float = Field(
        default=0.5,
        description="Without embeddings: the share a sentence must carry to be a mention.",
    )


class CheckSettings(BaseModel):
    """Thresholds of the answer checks (verslagqa/checks.py); chosen on the development gold
    (evals/README.md)."""

    max_unsupported: float = Field(
        default=0.34,
        description="Largest share of an answer's content words (beyond the question's) that "
        "its sentences may lack before the answer counts as not carried by them.",
    )
    min_similarity: float = Field(
        default=0.55,
        description="Smallest cosine between an answer in another language than the minutes "
        "and its closest sentence (faithful English renderings 0.62-0.81, invented 0.51-0.54).",
    )
    min_answer_p: float = Field(
        default=0.7,
        description="Smallest P(yes) of the check call 'does this sentence answer the "
        "question?' for the model's answer to be shown as checked; below it the best-rated "
        "sentence is quoted instead. On the development gold 0.6 let 4 wrong answers through "
        "unflagged, 0.7 none, at the same accuracy (the quotes carry the facts).",
    )
    min_quote_p: float = Field(
        default=0.5,
        description="Smallest P(yes) for a sentence to be quoted in place of a model answer "
        "that failed a check; below it the chain abstains.",
    )
    quote_supported: bool = Field(
        default=True,
        description="Quote, in place of a model answer that failed a check, a sentence that "
        "carries that answer (its names, numbers and words pass the support checks; for an "
        "answer in another language: at least min_similarity close in meaning), or one it "
        "does not rest on only when that rates at least min_standin_p; off: any sentence the "
        "model pointed at or that matches the question best may be quoted at min_quote_p. On "
        "(cached-call harness, evals/README.md): the same accuracy on both golds, more "
        "unanswerable questions refused.",
    )
    min_standin_p: float | None = Field(
        default=None,
        description="With quote_supported: the smallest P(yes) of the check call for a "
        "sentence the model's failed answer does not rest on (one it pointed at, or one that "
        "matches the question best) to be quoted, when it rates higher than any sentence that "
        "carries the answer; nothing else vouches for it, so it needs the bar of a shown "
        "answer (None: min_answer_p); 1.0: never.",
    )
    min_topic_coverage: float = Field(
        default=0.75,
        description="'Wanneer is X besproken?' is answered with the dates of the meetings whose "
        "retrieved agenda item holds at least this share of the topic words (rare words weigh "
        "more); else the question goes the normal way.",
    )
    min_withheld_coverage: float = Field(
        default=0.7,
        description="A who-question the model could not answer is answered with 'the name is "
        "redacted' when a retrieved passage around a redaction mark (with its item title, "
        "meeting title and date) holds at least this share of the topic words (rare words "
        "weigh more).",
    )
    withheld_window_chars: int = Field(
        default=200,
        description="How far (characters of text, either side) around a redaction mark the "
        "topic words of a who-question are looked for.",
    )
    min_search_coverage: float = Field(
        default=0.5,
        description="A keyword search (not a question) is answered only by sentences that, "
        "with their heading, hold at least this share of its terms (rare terms weigh more).",
    )
    judge_previous: bool = Field(
        default=True,
        description="When the check call rates the model's one sentence below min_answer_p, "
        "rate it once more with the sentence before it (minutes name the topic in one "
        "sentence and give the outcome in the next: 'Dit zal plaatsvinden in de Horeca "
        "Academie.' answers nothing on its own) and keep the higher rating.",
    )
    min_previous_gain: float = Field(
        default=0.1,
        description="The rating with the sentence before counts only when that sentence alone "
        "rates below min_answer_p and the pair rates at least this much higher than it: else "
        "the rating is the sentence before's, not the model's sentences' (on the development "
        "gold the pairs kept gained 0.21-0.37, those whose sentence before held the answer "
        "0.00-0.06).",
    )
    max_rival_lead: float = Field(
        default=0.0,
        description="The model's answer fails when a shown sentence that matches the question "
        "as well as the best one does (and is not the answer's own) is rated by the check call "
        "more than this above the answer's own sentences; the better-rated sentence is quoted "
        "instead. 1.0 switches the check off.",
    )
    max_rivals: int = Field(
        default=3,
        description="How many of the sentences that match the question best are rated against "
        "the answer's own (one check call each; a question sharing one word with many "
        "sentences ties them all).",
    )
    judge: bool = Field(
        default=True,
        description="Make the check call at all (one short model call per candidate sentence, "
        "about 0.6 s each with the local model).",
    )


class AnswerSettings(BaseModel):
    k: int = Field(default=3, description="Agenda items (sources) given to the model.")
    context_tokens: int = Field(
        default=300, description="Budget, in approximate tokens, of source sentences shown."
    )
    min_overlap: int = Field(
        default=1,
        description="A Dutch question needs at least this many stems shared with a retrieved "
        "source, else the chain abstains without calling the model.",
    )
    max_unknown_share: float = Field(
        default=0.5,
        description="The chain abstains without a model call when at least this share (and at "
        "least two) of a Dutch question's content words never occur in the index.",
    )
    prompt: str = Field(
        default="answer_sentences",
        description="Prompt file (prompts/<name>.txt) of the answer call: 'answer_sentences', "
        "or 'answer_sentences_examples' (the same with worked examples in its fixed part).",
    )
    checks: CheckSettings = Field(
        default_factory=CheckSettings, description="Thresholds of the answer checks."
    )


class LLMSettings(BaseModel):
    temperature: float = Field(default=0.0, description="Sampling temperature.")
    max_tokens: int = Field(default=256, description="Maximum tokens in an answer.")
    n_ctx: int = Field(default=4096, description="Context window for local GGUF models.")
    n_threads: int | None = Field(
        default=None, description="CPU threads for local models (default: all cores)."
    )
    timeout_s: float = Field(
        default=60.0, description="Timeout for remote model calls, in seconds."
    )
    openai_base_url: str | None = Field(
        default=None,
        description="URL of an OpenAI-compatible server for 'openai:<model>' (vLLM, llama.cpp "
        "server, Ollama's /v1); also read from VERSLAGQA_OPENAI_BASE_URL / OPENAI_BASE_URL.",
    )
    ollama_url: str | None = Field(
        default=None,
        description="URL of the Ollama server for 'ollama:<model>' (default "
        "http://127.0.0.1:11434; also VERSLAGQA_OLLAMA_URL).",
    )


class Settings(BaseSettings):
    """verslagqa configuration. Every field can be set as ``VERSLAGQA_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="VERSLAGQA_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(
        default_factory=_default_home,
        description="Directory for provisioned models and caches (VERSLAGQA_HOME).",
    )
    store: Path = Field(
        default=Path("vectorstore"),
        description="Chroma directory that holds the index (VERSLAGQA_STORE).",
    )
    lock_timeout_s: float = Field(
        default=30.0,
        description="How long a writer waits for another process's write lock on the store "
        "before it gives up with a clear message (VERSLAGQA_LOCK_TIMEOUT_S).",
    )
    chroma_url: str | None = Field(
        default=None,
        description="Use a Chroma server (http://host:port) instead of a local directory.",
    )
    llm: str = Field(
        default="local",
        description="Chat model: 'local', 'local:1.5b', 'local:0.5b', 'extractive', "
        "'openai:<model>' or 'ollama:<model>'.",
    )
    parse: ParseSettings = Field(default_factory=ParseSettings, description="Parser limits.")
    embedding: EmbeddingSettings = Field(
        default_factory=EmbeddingSettings, description="Embedding model settings."
    )
    llm_options: LLMSettings = Field(
        default_factory=LLMSettings, description="Chat model generation settings."
    )
    chunk: ChunkSettings = Field(default_factory=ChunkSettings, description="Chunking.")
    retrieval: RetrievalSettings = Field(
        default_factory=RetrievalSettings, description="Hybrid retrieval."
    )
    summary: SummarySettings = Field(
        default_factory=SummarySettings, description="Summaries and action lists."
    )
    answer: AnswerSettings = Field(
        default_factory=AnswerSettings, description="How answers are checked."
    )
    tracking: TrackingSettings = Field(
        default_factory=TrackingSettings, description="Following actions across meetings."
    )

    def get_embeddings(self) -> Embeddings:
        """The configured embedding model (loaded lazily, once per process)."""
        from .embed import SentenceTransformerEmbeddings, resolve_embedding_model

        return SentenceTransformerEmbeddings(
            resolve_embedding_model(self.embedding.model, self.home),
            dtype=self.embedding.dtype,
            batch_size=self.embedding.batch_size,
            backend=self.embedding.backend,
            quantization=self.embedding.quantization,
            threads=self.embedding.threads,
        )

    def get_chat_model(self, spec: str | None = None) -> BaseChatModel | None:
        """The chat model for ``spec`` (default: ``llm``); None means extractive answers."""
        from .llm import get_chat_model

        return get_chat_model(spec or self.llm, home=self.home, options=self.llm_options)

    def get_chroma_client(self) -> Any:
        """A Chroma client: HTTP when ``chroma_url`` is set, else on-disk at ``store``."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(self.chroma_url)
            try:
                return chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or 8000,
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            except Exception as exc:  # chromadb raises ValueError, httpx errors, …
                raise ServiceUnavailable(
                    f"cannot reach the Chroma server at {self.chroma_url} "
                    f"(VERSLAGQA_CHROMA_URL): {exc}"
                ) from exc
        self.store.mkdir(parents=True, exist_ok=True)
        return _open_persistent(self.store, chroma_settings)

    def get_vectorstore(self, embeddings: Embeddings | None = None) -> Any:
        """The LangChain Chroma vector store for the configured model and chunker."""
        from .index import Index

        return Index(self, embeddings=embeddings).vectorstore


def _open_persistent(store: Path, chroma_settings: Any) -> Any:
    """A Chroma client on ``store``. Two processes opening a new store at once race on
    Chroma's SQLite migrations ('database is locked'): opening is serialised by a file lock
    and a locked database is retried for a while."""
    import fcntl
    import time

    import chromadb

    deadline = time.monotonic() + 60
    with open(store / ".open.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            while True:
                try:
                    return chromadb.PersistentClient(path=str(store), settings=chroma_settings)
                except Exception as exc:  # chromadb.errors.InternalError
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
