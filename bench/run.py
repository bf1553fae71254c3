"""verslagqa benchmarks on this machine: indexing, retrieval latency, memory, the local LLM.

    python -m bench.run            # full run (make bench), writes bench/results.json + latency.png
    python -m bench.run --quick    # smoke run for CI (small sizes; results to bench/.work/)

Each phase runs in its own process so its peak RSS is its own. The synthetic corpus recombines
real agenda items of the bundled samples (deterministic seed). Indexing is measured on real
embeddings; the 10k/100k-chunk stores for the latency curve are filled with vectors derived from
real embeddings of synthetic chunks (re-used with small noise), see BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
SEED = 20211101

FULL = {
    "pdf": "evals/corpus-pdf/denhaag_raad_2025-01-23_notulen.pdf",  # 111 pages
    "index_sizes": [1000, 2000],
    "latency_sizes": [1000, 10_000, 100_000],
    "queries": 200,
    "llm_questions": 16,
    "quality": True,
    "budgets": [100, 150, 200, 250, 300, 400],
}
QUICK = {  # a smoke run of every phase: one small store (embedding is ~1 chunk/s on AVX2)
    "pdf": "evals/corpus-pdf/denhaag_raad_2024-11-29_notulen.pdf",
    "index_sizes": [12],
    "latency_sizes": [200, 1000],
    "queries": 30,
    "llm_questions": 1,
    "quality": False,
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    pos = (len(ordered) - 1) * p / 100.0
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


# -- synthetic corpus ------------------------------------------------------------------------

TITLE_VARIANTS = ["", " regio Noord", " regio Zuid", " (extra)", " themasessie", " light"]
PEOPLE = ["DGLZ", "CZ", "LZ", "MO", "PZo", "WJZ", "Meva", "IGJ", "FEZ", "Jeugd", "BPZ", "CFA"]


def _item_pool() -> tuple[list[tuple[str, str]], list[str]]:
    from verslagqa.parse import parse_verslag
    from verslagqa.samples_data import samples_dir

    pool, titles = [], []
    for path in sorted(samples_dir().glob("*.txt")):
        m = parse_verslag(path)
        titles.append(m.title)
        for it in m.items:
            # back to raw redaction codes: the parser normalises them again
            text = re.sub(r"\[weggelakt ([0-9.]+[a-i]?)\]", r"\1", it.text)
            if len(text) > 80:
                pool.append((it.title or "Bespreking", text))
    return pool, titles


def build_corpus(folder: Path, target_chunks: int) -> int:
    """Write synthetic verslagen to ``folder`` until they hold ``target_chunks`` chunks."""
    import datetime as dt

    from verslagqa.chunk import chunk_meeting
    from verslagqa.parse import parse_verslag

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    pool, titles = _item_pool()
    chunks = 0
    n = 0
    while chunks < target_chunks:
        title = rng.choice(titles) + rng.choice(TITLE_VARIANTS)
        date = dt.date(2020, 1, 6) + dt.timedelta(days=rng.randrange(0, 900))
        items = rng.sample(pool, rng.randint(2, 6))
        lines = [
            f"Verslag {title}",
            f"Betreft: {title}",
            f"Datum: {date.day}-{date.month}-{date.year}",
            f"Aanwezig: {', '.join(rng.sample(PEOPLE, 6))}",
            "",
        ]
        for i, (item_title, text) in enumerate(items, start=1):
            lines += [f"{i}. {item_title}", text, ""]
        path = folder / f"synth_{n:06d}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        chunks += len(chunk_meeting(parse_verslag(path)))
        n += 1
    return chunks


# -- phases (each in its own process) --------------------------------------------------------


def phase_index(args: dict[str, Any]) -> dict[str, Any]:
    """End-to-end indexing (parse → chunk → embed → Chroma + BM25) into a fresh store."""
    import shutil

    from verslagqa.index import Index
    from verslagqa.settings import Settings

    store = Path(args["store"])
    shutil.rmtree(store, ignore_errors=True)
    index = Index(Settings(store=store))
    index.embeddings.embed_query("warm-up")  # model load is reported separately
    t0 = time.perf_counter()
    report = index.add([Path(args["corpus"])])
    seconds = time.perf_counter() - t0
    return {
        "chunks": report.chunks,
        "meetings": report.meetings,
        "seconds": seconds,
        "chunks_per_s": report.chunks / seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_pdf(args: dict[str, Any]) -> dict[str, Any]:
    """A real PDF indexed into a fresh store (text layer, parse, chunks, embeddings, Chroma and
    BM25: no OCR), and OCR of a scanned bundle's image-only pages with a fresh OCR cache."""
    import shutil

    from verslagqa.index import Index, embed_progress
    from verslagqa.parse import parse_file, pdf_pages_of
    from verslagqa.settings import Settings

    store = Path(args["store"])
    shutil.rmtree(store, ignore_errors=True)
    settings = Settings(store=store)
    settings.parse.ocr = settings.parse.ocr.model_copy(update={"cache_dir": store / "ocr"})
    index = Index(settings)
    index.embeddings.embed_query("warm-up")  # model load is reported separately
    pdf = ROOT / args["pdf"]
    t0 = time.perf_counter()
    (meeting,) = parse_file(pdf, settings=settings)
    parse_s = time.perf_counter() - t0
    steps: list[int] = []
    t0 = time.perf_counter()
    with embed_progress(lambda done, total: steps.append(done)):
        report = index.add([pdf])
    index_s = time.perf_counter() - t0
    scan = ROOT / args["scan"]
    t0 = time.perf_counter()
    pages = [p for p in pdf_pages_of(scan, settings) if p.ocr][: args.get("ocr_pages")]
    ocr_s = time.perf_counter() - t0
    return {
        "pdf": args["pdf"],
        "pages": meeting.pages[1] if meeting.pages else 0,
        "chunks": report.chunks,
        "parse_seconds": round(parse_s, 2),
        "index_seconds": round(index_s, 2),
        "progress_reports": len(steps),
        "scan": args["scan"],
        "ocr_pages": len(pages),
        "ocr_seconds": round(ocr_s, 2),
        "ocr_pages_per_s": round(len(pages) / ocr_s, 3) if ocr_s and pages else None,
        "peak_rss_mb": peak_rss_mb(),
    }


ENCODERS = {  # backend name → embedding settings; "torch" is the path of the first release
    "torch": {"backend": "torch"},
    "openvino": {"backend": "openvino", "quantization": "none"},
    "openvino-int8": {"backend": "openvino", "quantization": "int8"},
}


def _settings(encoder: str | None = None, **kwargs: Any) -> Any:
    from verslagqa.settings import Settings

    settings = Settings(**kwargs)
    if encoder:
        settings.embedding = settings.embedding.model_copy(update=ENCODERS[encoder])
    return settings


def default_encoder() -> str:
    """The ENCODERS name of what the default settings run."""
    from verslagqa.embed import resolve_backend, resolve_embedding_model

    settings = _settings()
    emb = settings.embedding
    backend = resolve_backend(emb.backend, resolve_embedding_model(emb.model, settings.home))
    if backend == "torch":
        return "torch"
    return "openvino-int8" if emb.quantization == "int8" else "openvino"


def phase_encode(args: dict[str, Any]) -> dict[str, Any]:
    """Raw encoder throughput on exactly the texts the pipeline embeds (no store, no parsing)."""
    from verslagqa.chunk import chunk_meeting
    from verslagqa.parse import parse_verslag

    emb = _settings(args["encoder"]).get_embeddings()
    texts = []
    for path in sorted(Path(args["corpus"]).glob("*.txt")):
        texts += [c.embed_text for c in chunk_meeting(parse_verslag(path))]
    inputs = emb.passage_texts(texts)  # type: ignore[attr-defined]
    encoder = emb.encoder  # type: ignore[attr-defined]
    encoder.encode(inputs[:4])  # model load and first-call set-up are not throughput
    t0 = time.perf_counter()
    encoder.encode(inputs)
    seconds = time.perf_counter() - t0
    return {
        "encoder": args["encoder"],
        "model_id": emb.model_id,  # type: ignore[attr-defined]
        "chunks": len(texts),
        "seconds": seconds,
        "chunks_per_s": len(texts) / seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_quality(args: dict[str, Any]) -> dict[str, Any]:
    """Retrieval on the development-corpus gold (the whole corpus and the samples indexed)."""
    import shutil

    from verslagqa.evals import load_questions, resolve_questions, run_retrieval_suite
    from verslagqa.index import Index
    from verslagqa.samples_data import samples_dir

    store = Path(args["store"])
    shutil.rmtree(store, ignore_errors=True)
    index = Index(_settings(args["encoder"], store=store))
    corpora = [ROOT / "evals" / "corpus", samples_dir()]
    questions = load_questions(ROOT / "evals" / "gold-corpus")
    resolve_questions(questions, corpora)  # expected items name files: their meeting ids
    result = run_retrieval_suite(index, questions, corpus=corpora, retrievers=("hybrid", "dense"))
    shutil.rmtree(store, ignore_errors=True)
    m = result["metrics"]
    return {
        "encoder": args["encoder"],
        "questions": result["questions"],
        **{f"{r}_{key.replace('@', '_at_')}": m[r][key] for r in m for key in ("recall@5", "mrr")},
    }


def phase_context(args: dict[str, Any]) -> dict[str, Any]:
    """What a smaller answer context costs: per sentence budget, the share of the development
    gold's answerable questions whose key facts are all in the sentences the model is shown,
    and the prompt tokens those sentences take (the model's own tokenizer). No model call.
    ``files`` (optional) indexes only the first that many corpus files, no samples, and asks
    only the questions answered in them (a smoke run; embedding is ~1 chunk/s on AVX2)."""
    import shutil

    from verslagqa.answer import AnswerChain
    from verslagqa.evals import facts_found, load_questions
    from verslagqa.grounded import format_numbered
    from verslagqa.index import Index
    from verslagqa.retrieve import HybridRetriever
    from verslagqa.samples_data import samples_dir

    store = Path(args["store"])
    shutil.rmtree(store, ignore_errors=True)
    settings = _settings(default_encoder(), store=store)
    index = Index(settings)
    corpus = ROOT / "evals" / "corpus"
    questions = [
        q for q in load_questions(ROOT / "evals" / "gold-corpus")
        if q.answerable and q.key_facts and not q.withheld
    ]  # fmt: skip
    if args.get("files"):
        paths = sorted(p for p in corpus.iterdir() if p.name != "SOURCES.md")
        paths = paths[: int(args["files"])]
        names = {p.name for p in paths}
        questions = [q for q in questions if q.expected and {e.file for e in q.expected} <= names]
        index.add(paths)
    else:
        index.add([corpus, samples_dir()])
    chain = AnswerChain(HybridRetriever.from_index(index), None, settings=settings.answer)
    tokenizer = _tokenizer()
    rows = []
    for budget in args["budgets"]:
        found, tokens = [], []
        for q in questions:
            sources, shown = chain.context(q.question, budget=budget)
            text = " ".join(s.text for s in shown)
            found.append(facts_found(text, q.key_facts) == 1.0)
            prompt = format_numbered(sources, shown)
            tokens.append(len(tokenizer.tokenize(prompt.encode("utf-8"), add_bos=False)))
        rows.append({
            "budget": budget,
            "context_recall": sum(found) / len(found),
            "source_tokens_p50": percentile(tokens, 50),
            "source_tokens_mean": sum(tokens) / len(tokens),
        })  # fmt: skip
    shutil.rmtree(store, ignore_errors=True)
    return {
        "questions": len(questions),
        "files": len(index.files),
        "default_budget": settings.answer.context_tokens,
        "budgets": rows,
    }


def _tokenizer() -> Any:
    """The default local model's tokenizer (its vocabulary only, no weights)."""
    from llama_cpp import Llama

    from verslagqa.settings import Settings

    model = Settings().get_chat_model("local")
    return Llama(model_path=model.model_path, vocab_only=True, verbose=False)  # type: ignore[union-attr]


def phase_fill(args: dict[str, Any]) -> dict[str, Any]:
    """A store of ``size`` chunks: real synthetic chunks, re-used with noise on the vectors."""
    import shutil

    import numpy as np

    from verslagqa.index import FileEntry, Index
    from verslagqa.settings import Settings

    base = Index(Settings(store=Path(args["base_store"])))
    got = base._collection().get(include=["embeddings", "documents", "metadatas"])
    store = Path(args["store"])
    shutil.rmtree(store, ignore_errors=True)
    index = Index(Settings(store=store))
    rng = np.random.default_rng(SEED)
    size = int(args["size"])
    base_vecs = np.asarray(got["embeddings"], dtype=np.float32)
    t0 = time.perf_counter()
    from verslagqa.chunk import strip_redactions

    batch = 4000
    for start in range(0, size, batch):
        ids, vecs, docs, metas, rows = [], [], [], [], []
        for n in range(start, min(size, start + batch)):
            j = n % len(got["ids"])
            rep = n // len(got["ids"])
            meta = dict(got["metadatas"][j])
            meta["meeting_id"] = f"{meta['meeting_id']}-r{rep}"
            meta["meeting_ts"] = int(meta["meeting_ts"]) + rep * 7 * 86400
            v = base_vecs[j] + rng.normal(0, 0.02, base_vecs.shape[1]).astype(np.float32)
            ids.append(f"{got['ids'][j]}-r{rep}")
            vecs.append(v / np.linalg.norm(v))
            docs.append(got["documents"][j])
            metas.append(meta)
            rows.append((ids[-1], meta, strip_redactions(docs[-1])))
        index._collection().add(ids=ids, embeddings=np.stack(vecs), documents=docs, metadatas=metas)
        index.keyword.replace([], rows)
    index.files["bench"] = FileEntry(meeting_id="bench", title="bench", sha256="-")
    index._write_manifest()
    return {"size": size, "fill_seconds": time.perf_counter() - t0}


def _queries(n: int) -> list[str]:
    import yaml

    data = yaml.safe_load((ROOT / "evals" / "gold" / "questions.yaml").read_text(encoding="utf-8"))
    base = [q["question"] for q in data["questions"]]
    extra = ["in 2021", "volgens het MT", "en wie doet wat", "graag kort", "vorige week", ""]
    rng = random.Random(SEED)
    out = []
    while len(out) < n:
        q = base[len(out) % len(base)]
        if len(out) >= len(base):
            q = f"{q.rstrip('?')} {rng.choice(extra)}".strip() + "?"
        out.append(q)
    return out


def phase_serve(args: dict[str, Any]) -> dict[str, Any]:
    """Query embedding and search latency over ``queries`` queries (a third date-filtered)."""
    import datetime as dt

    from verslagqa.index import Index
    from verslagqa.retrieve import HybridRetriever, SearchFilters
    from verslagqa.settings import Settings

    index = Index(Settings(store=Path(args["store"]), chroma_url=args.get("chroma_url")))
    retriever = HybridRetriever.from_index(index)
    queries = _queries(int(args["queries"]))
    date_filter = SearchFilters(van=dt.date(2020, 6, 1), tot=dt.date(2021, 6, 30))
    for q in queries[:3]:  # warm-up: model load, BM25 matrix, HNSW pages
        retriever.search(q, filters=SearchFilters())
    embed_ms, search_ms, total_ms = [], [], []
    for n, q in enumerate(queries):
        filters = date_filter if n % 3 == 2 else SearchFilters()
        t0 = time.perf_counter()
        vec = index.embeddings.embed_query(q)
        t1 = time.perf_counter()
        hits = retriever.search(q, filters=filters, query_vector=vec)
        t2 = time.perf_counter()
        assert hits, q
        embed_ms.append((t1 - t0) * 1000)
        search_ms.append((t2 - t1) * 1000)
        total_ms.append((t2 - t0) * 1000)
    return {
        "chunks": index._collection().count(),
        "queries": len(queries),
        "embed_p50_ms": percentile(embed_ms, 50),
        "embed_p95_ms": percentile(embed_ms, 95),
        "search_p50_ms": percentile(search_ms, 50),
        "search_p95_ms": percentile(search_ms, 95),
        "total_p50_ms": percentile(total_ms, 50),
        "total_p95_ms": percentile(total_ms, 95),
        "peak_rss_mb": peak_rss_mb(),
    }


def _answer_breakdown(model: Any, chain: Any) -> dict[str, list[float]]:
    """Per-question parts of an answer's time, recorded by wrapping the steps: retrieval, the
    model reading its prompt (the part not already in its context), generating, the checks'
    yes/no calls."""
    import verslagqa.llm as llm_module

    rec: dict[str, list[float]] = {}
    llama = model.llama
    evaluate, search, judge = llama.eval, chain.retriever.search, llm_module.yes_probability

    def timed(key: str, fn: Any, *a: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            rec.setdefault(key, []).append(time.perf_counter() - t0)

    def eval_(tokens: Any) -> None:
        key = "read" if len(tokens) > 1 else "generate"
        rec.setdefault(f"{key}_tokens", []).append(len(tokens))
        timed(f"{key}_s", evaluate, tokens)

    llama.eval = eval_
    # a pydantic model (LangChain retriever): set the instance attribute past its validation
    object.__setattr__(
        chain.retriever, "search", lambda *a, **kw: timed("retrieve_s", search, *a, **kw)
    )
    llm_module.yes_probability = lambda *a, **kw: timed("check_s", judge, *a, **kw)
    return rec


def _decoding_speed(model: Any, chain: Any, questions: list[str]) -> dict[str, float]:
    """Tokens/s of schema-held replies to the same answer prompts (already read, so only the
    generation counts): llama-cpp-python's own sampler, which filters every candidate through
    the grammar, against :func:`verslagqa.decoding.greedy_json`."""
    llama = model.llama
    speed: dict[str, list[float]] = {"llama_cpp": [], "greedy": []}
    for q in questions:
        sources, shown = chain.context(q)
        if not shown:
            continue
        messages, schema = chain.request(q, sources, shown)
        fmt = {"type": "json_object", "schema": schema}
        reply = model.invoke(messages, response_format=fmt).content  # reads the prompt
        tokens = len(llama.tokenize(str(reply).encode("utf-8"), add_bos=False))
        t0 = time.perf_counter()
        model.invoke(messages, response_format=fmt)
        speed["greedy"].append(tokens / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        # the model's own request (messages, temperature, max_tokens, seed), decoded by
        # llama-cpp-python's sampler instead
        out = llama.create_chat_completion(**model._request(messages, None, response_format=fmt))
        n = out["usage"]["completion_tokens"]
        speed["llama_cpp"].append(n / (time.perf_counter() - t0))
    result = {k: sum(v) / len(v) for k, v in speed.items() if v}
    if len(result) == 2:
        result["speedup"] = result["greedy"] / result["llama_cpp"]
    return result


def phase_llm(args: dict[str, Any]) -> dict[str, Any]:
    """Default local model: load time, warm-up, time to first token, tokens/s, answer time,
    and where an answer's time goes."""
    from verslagqa.answer import AnswerChain
    from verslagqa.index import Index
    from verslagqa.retrieve import HybridRetriever
    from verslagqa.settings import Settings

    settings = Settings(store=Path(args["store"]))
    index = Index(settings)
    model = settings.get_chat_model("local")
    t0 = time.perf_counter()
    llama = model.llama  # type: ignore[union-attr]
    load_s = time.perf_counter() - t0
    # decoding speed on a fixed prompt, streamed, counting tokens
    messages = [
        {"role": "user", "content": "Schrijf tien korte Nederlandse zinnen over vergaderen."}
    ]
    t0 = time.perf_counter()
    first = None
    tokens = 0
    for part in llama.create_chat_completion(messages=messages, max_tokens=128, stream=True,
                                             temperature=0.0, seed=0):  # fmt: skip
        if part["choices"][0].get("delta", {}).get("content"):
            tokens += 1
            first = first or time.perf_counter()
    end = time.perf_counter()
    tokens_per_s = (tokens - 1) / (end - first) if first and tokens > 1 else 0.0
    chain = AnswerChain(
        HybridRetriever.from_index(index), model, model_name="local", settings=index.settings.answer
    )
    # what a REPL does while the user types: encoder loaded, fixed instructions read
    t0 = time.perf_counter()
    chain.warm()
    warm_s = time.perf_counter() - t0
    questions = [q for q in _queries(60)[:42] if "?" in q][: int(args["questions"])]
    ttft, total, parts = [], [], []
    rec = _answer_breakdown(model, chain)
    for q in questions:
        marks: list[float] = []
        rec.clear()
        t0 = time.perf_counter()
        chain.ask(q, on_token=lambda _t, m=marks: m.append(time.perf_counter()) if not m else None)
        total.append(time.perf_counter() - t0)
        if marks:
            ttft.append(marks[0] - t0)
        parts.append(
            {k: sum(v) for k, v in rec.items()} | {"check_calls": len(rec.get("check_s", []))}
        )
    decoding = _decoding_speed(model, chain, questions[:4])
    breakdown = {
        key: percentile([p.get(key, 0.0) for p in parts], 50)
        for key in ("retrieve_s", "read_tokens", "read_s", "generate_tokens", "generate_s",
                    "check_calls", "check_s")
    }  # fmt: skip
    return {
        "model": Path(model.model_path).name,  # type: ignore[union-attr]
        "load_s": load_s,
        "warm_s": warm_s,
        "tokens_per_s": tokens_per_s,
        "ttft_p50_s": percentile(ttft, 50),
        "ttft_values_s": ttft,
        "answer_p50_s": percentile(total, 50),
        "answer_p95_s": percentile(total, 95),
        "answer_values_s": total,
        "breakdown_p50": breakdown,
        "schema_decoding": decoding,
        "breakdown_values": parts,
        "questions": len(questions),
        "peak_rss_mb": peak_rss_mb(),
    }


PHASES = {
    "index": phase_index,
    "pdf": phase_pdf,
    "encode": phase_encode,
    "fill": phase_fill,
    "serve": phase_serve,
    "quality": phase_quality,
    "context": phase_context,
    "llm": phase_llm,
}


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """`chroma run` on 127.0.0.1 serving the Chroma data under ``path``; yields its URL."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            raise SystemExit("chroma server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=60)


def run_phase(name: str, **args: Any) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--phase", name, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench phase {name} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {name} {json.dumps({k: v for k, v in result.items() if 'values' not in k})}")
    return result


# -- orchestration ---------------------------------------------------------------------------


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["chunks"] for r in rows]
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for key, label in [
        ("total_p95_ms", "total p95 (embed + search)"),
        ("total_p50_ms", "total p50"),
        ("search_p95_ms", "search p95 (after embedding)"),
        ("search_p50_ms", "search p50"),
        ("embed_p95_ms", "query embedding p95"),
    ]:
        ax.plot(xs, [r[key] for r in rows], marker="o", label=label)
    ax.axhline(120, color="grey", ls="--", lw=0.8)
    ax.axhline(20, color="grey", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the store")
    ax.set_ylabel("ms per query")
    ax.set_title("Retrieval latency vs corpus size (2 CPU cores)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    from verslagqa.machine import machine

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("phase_args", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--skip-llm", action="store_true", help="leave out the LLM phase")
    parts = ("latency", "quality", "llm", "context", "pdf")
    parser.add_argument(
        "--only",
        help=f"re-measure these parts only, comma-separated ({', '.join(parts)}: retrieval "
        "latency, the encoders' development-gold retrieval, the answers, the answer context per "
        "budget); every other row comes from the last results.json of the same mode",
    )
    opts = parser.parse_args()
    only = set(opts.only.split(",")) if opts.only else set()
    if only - set(parts):
        parser.error(f"--only: unknown part {', '.join(sorted(only - set(parts)))}")
    if opts.phase:
        print(json.dumps(PHASES[opts.phase](json.loads(opts.phase_args))))
        return
    cfg = QUICK if opts.quick else FULL
    work = WORK / ("quick" if opts.quick else "full")
    out_dir = work if opts.quick else ROOT / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    print(f"verslagqa bench ({'quick' if opts.quick else 'full'}) → {out_dir}")

    previous: dict[str, Any] = {}
    if only:
        previous = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    indexing = previous.get("table", {}).get("indexing", [])
    default = default_encoder()
    raw_encodes: list[dict[str, Any]] = []
    for size in [] if only else cfg["index_sizes"]:
        corpus = work / f"corpus-{size}"
        if not corpus.exists():
            build_corpus(corpus, size)
        store = work / f"store-{size}"
        row = run_phase("index", corpus=str(corpus), store=str(store))
        enc = run_phase("encode", corpus=str(corpus), encoder=default)
        raw_encodes.append(enc)
        row.update(
            raw_encode_chunks_per_s=enc["chunks_per_s"],
            ratio=row["chunks_per_s"] / enc["chunks_per_s"],
            corpus=str(corpus.relative_to(ROOT)),
        )
        indexing.append(row)
    base_store = work / f"store-{cfg['index_sizes'][-1]}"

    # encoders side by side on the same texts in the same run, and their retrieval quality
    encoders = previous.get("table", {}).get("encoders", [])
    names = list(ENCODERS) if cfg["quality"] else sorted({"torch", default})
    if "quality" in only:
        for row in encoders:
            row.update(run_phase("quality", store=str(work / f"quality-{row['encoder']}"),
                                 encoder=row["encoder"]))  # fmt: skip
    for name in [] if only else names:
        # the default encoder on the first store's texts was just measured beside its indexing
        row = (
            dict(raw_encodes[0])
            if raw_encodes and name == default
            else run_phase("encode", corpus=indexing[0]["corpus"], encoder=name)
        )
        if cfg["quality"]:
            row.update(run_phase("quality", store=str(work / f"quality-{name}"), encoder=name))
        encoders.append(row)
    by_name = {r["encoder"]: r for r in encoders}
    for r in encoders:
        r["speedup_vs_torch"] = r["chunks_per_s"] / by_name["torch"]["chunks_per_s"]

    table = previous.get("table", {})
    measure_latency = not only or "latency" in only
    latency = [] if measure_latency else table.get("latency", [])
    for size in cfg["latency_sizes"] if measure_latency else []:
        store = work / f"latency-{size}"
        fill = {"fill_seconds": None}
        if not (only and store.exists()):
            fill = run_phase("fill", base_store=str(base_store), store=str(store), size=size)
        row = run_phase("serve", store=str(store), queries=cfg["queries"])
        row["fill_seconds"] = fill["fill_seconds"]
        latency.append(row)
    server_row = table.get("server", {})
    if measure_latency:
        # the largest store served by a Chroma server (client/server mode), same queries
        with chroma_server(work / f"latency-{cfg['latency_sizes'][-1]}") as url:
            server_row = run_phase(
                "serve", store=str(work / f"latency-{cfg['latency_sizes'][-1]}"),
                queries=cfg["queries"], chroma_url=url,
            )  # fmt: skip

    pdf = table.get("pdf", {})
    if not only or "pdf" in only:
        pdf = run_phase(
            "pdf", store=str(work / "pdf"), pdf=cfg["pdf"],
            scan="evals/corpus-pdf/minfin_wob_afvalstoffenbelasting_2021-09-01_bundel.pdf",
        )  # fmt: skip
    context = table.get("context", {})
    if (not only or "context" in only) and cfg["quality"]:
        context = run_phase("context", store=str(work / "context"), budgets=cfg["budgets"])
    llm = table.get("llm", {})
    if not only or "llm" in only:
        llm = (
            {}
            if opts.skip_llm
            else run_phase("llm", store=str(base_store), questions=cfg["llm_questions"])
        )
    largest = latency[-1]
    biggest_index = indexing[-1]
    results = {
        "corpus_chunks": largest["chunks"],
        "index_chunks_per_s": biggest_index["chunks_per_s"],
        "raw_encode_chunks_per_s": biggest_index["raw_encode_chunks_per_s"],
        "encoder": default,
        "encode_speedup_vs_torch": by_name[default]["speedup_vs_torch"],
        "index_raw_ratio": biggest_index["ratio"],
        "retrieval_p50_ms": largest["total_p50_ms"],
        "retrieval_p95_ms": largest["total_p95_ms"],
        "search_p95_ms": largest["search_p95_ms"],
        "query_embed_p95_ms": largest["embed_p95_ms"],
        "peak_rss_mb": max([r["peak_rss_mb"] for r in indexing + latency]),
        "index_peak_rss_mb": {str(r["chunks"]): r["peak_rss_mb"] for r in indexing},
        "llm_load_s": llm.get("load_s"),
        "llm_ttft_s": llm.get("ttft_p50_s"),
        "llm_tokens_per_s": llm.get("tokens_per_s"),
        "llm_answer_p50_s": llm.get("answer_p50_s"),
        "llm_answer_p95_s": llm.get("answer_p95_s"),
        "mode": "quick" if opts.quick else "full",
        "machine": machine(),
        "server_retrieval_p95_ms": server_row["total_p95_ms"],
        "pdf_pages": pdf.get("pages"),
        "pdf_index_seconds": pdf.get("index_seconds"),
        "pdf_parse_seconds": pdf.get("parse_seconds"),
        "ocr_pages_per_s": pdf.get("ocr_pages_per_s"),
        "server_search_p95_ms": server_row["search_p95_ms"],
        "table": {
            "indexing": indexing,
            "encoders": encoders,
            "latency": latency,
            "server": server_row,
            "llm": llm,
            "context": context,
            "pdf": pdf,
        },
        "wall_seconds": round(time.time() - started, 1),
        # a partial re-run keeps the full run's duration and says what it re-measured
        **(
            {
                "wall_seconds": previous.get("wall_seconds"),
                "rerun": {"only": sorted(only), "wall_seconds": round(time.time() - started, 1)},
            }
            if only
            else {}
        ),
    }
    (out_dir / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    plot(latency, out_dir / "latency.png")
    print(json.dumps({k: v for k, v in results.items() if k not in ("table", "machine")}, indent=1))


if __name__ == "__main__":
    main()
