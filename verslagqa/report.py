"""Running every eval suite in one go, and the self-contained HTML report.

``run_evals`` returns ``{"suites": {...}, "comparison": {...}, "config": {...}}``: ``suites``
holds metrics and per-case results of each suite for the first model, ``comparison`` the
metrics of every configuration side by side (retrievers; each ``--llm``; the exact action
extractor). ``write_html_report`` renders that as one HTML file with a bar chart (matplotlib,
embedded as PNG) and a table per suite.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .evals import (
    corpus_files,
    load_questions,
    resolve_questions,
    run_qa_suite,
    run_retrieval_suite,
)
from .index import Index
from .machine import machine
from .settings import AnswerSettings

__all__ = ["ALL_SUITES", "SUITES", "answer_variant", "corpus_key", "run_evals", "write_html_report"]

SUITES = (
    "structure", "retrieval", "qa", "actions", "tracking", "documents", "ocr", "summaries",
    "checkcall", "pdf",
)  # fmt: skip
#: What ``--suite all`` runs: the check call's classifier and the real-PDF gold (a gold set of
#: its own, ``evals/gold-pdf``) are asked for by name.
ALL_SUITES = tuple(s for s in SUITES if s not in ("checkcall", "pdf"))

#: Metrics drawn in the comparison chart, per suite.
CHART_METRICS = {
    "structure": ["date_accuracy", "title_accuracy", "item_recall", "item_precision"],
    "retrieval": ["recall@{k}", "mrr", "ndcg@{k}"],
    "qa": [
        "answer_accuracy",
        "right_source_rate",
        "abstention_accuracy",
        "false_abstention_rate",
        "wrong_but_verified_rate",
    ],  # fmt: skip
    "actions": ["precision", "recall", "f1", "deadline_accuracy"],
    "tracking": ["link_precision", "link_recall", "link_f1", "status_accuracy"],
    "documents": ["boundary_precision", "boundary_recall", "documents_exact", "kind_accuracy"],
    "ocr": ["word_recovery", "pages_95", "date_agreement", "title_agreement"],
    "summaries": ["key_point_coverage", "schema_validity_rate", "fallback_rate"],
    "pdf": [
        "date_accuracy",
        "title_accuracy",
        "item_recall",
        "decision_f1",
        "speaker_accuracy",
        "redaction_recall",
        "page_accuracy",
    ],  # fmt: skip
    "checkcall": [
        "auc",
        "top_rated_is_answer",
        "answer_sentences_pass_answer_p",
        "other_sentences_pass_answer_p",
    ],  # fmt: skip
}


def corpus_key(corpora: list[Path]) -> str:
    """A short name for a set of corpus folders, for the evals' own index of exactly them."""
    import hashlib

    names = sorted(str(Path(c).resolve()) for c in corpora)
    return hashlib.sha1("\n".join(names).encode()).hexdigest()[:12]


def answer_variant(base: AnswerSettings, spec: str) -> AnswerSettings:
    """The answer settings named after '@' in an eval model spec: 'local@judge=false,
    min_answer_p=0.6' changes those fields (of the answer settings or their checks)."""
    if "@" not in spec:
        return base
    answer = base.model_dump()
    for part in spec.split("@", 1)[1].split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        target = answer if key in answer and key != "checks" else answer["checks"]
        if not sep or key not in target:
            raise ConfigError(f"{spec}: unknown answer setting {key!r}")
        target[key] = value.strip()
    return AnswerSettings.model_validate(answer)


def run_evals(
    index: Index,
    *,
    suites: list[str],
    llms: list[str],
    gold_dir: Path,
    corpus: Path | list[Path],
    k: int = 5,
    progress: Callable[[str], None] | None = None,
    questions: list[Any] | None = None,
) -> dict[str, Any]:
    """Run ``suites`` for every model in ``llms``; see the module docstring for the shape.
    ``questions`` replaces the gold directory's (the cross-body set of every body)."""
    from .answer import AnswerChain
    from .eval_meetings import (
        load_gold_meetings,
        run_actions_suite,
        run_structure_suite,
        run_summaries_suite,
    )
    from .retrieve import HybridRetriever

    say = progress or (lambda _msg: None)
    corpora = [Path(c) for c in corpus] if isinstance(corpus, list) else [Path(corpus)]
    corpus = corpora[0]  # meeting gold files live in the first corpus folder
    results: dict[str, Any] = {}
    comparison: dict[str, dict[str, Any]] = {}
    asks = {"retrieval", "qa", "checkcall"} & set(suites)
    if questions is None:
        questions = load_questions(gold_dir) if asks else []
    resolve_questions(questions, corpora)
    wants_gold = {"structure", "actions", "summaries"} & set(suites)
    gold = load_gold_meetings(gold_dir) if wants_gold else []
    if "structure" in suites:
        say("structure")
        results["structure"] = run_structure_suite(gold, corpus)
        comparison["structure"] = {"exact": results["structure"]["metrics"]}
    if "retrieval" in suites:
        say("retrieval")
        results["retrieval"] = run_retrieval_suite(index, questions, corpus=corpora, k=k)
        comparison["retrieval"] = results["retrieval"]["metrics"]
    elif {"qa", "checkcall"} & set(suites):
        index.add(corpus_files(corpora))
    if "actions" in suites:
        say("actions (exact)")
        results["actions"] = run_actions_suite(gold, corpus)
        comparison["actions"] = {"exact": results["actions"]["metrics"]}
    if "tracking" in suites:
        say("tracking")
        from .eval_tracking import run_tracking_suite
        from .tracking import embedding_similarity

        cfg = index.settings.tracking
        by_meaning = run_tracking_suite(
            gold_dir, corpus, settings=cfg, similarity=embedding_similarity(index.embeddings),
            sweep=True,
        )  # fmt: skip
        by_words = run_tracking_suite(gold_dir, corpus, settings=cfg, sweep=True)
        cases = [
            {"series": t["series"], "description": t["description"], "status": t["status"],
             "steps": " → ".join(f"{x['meeting_date']} {x['event']}: {x['quote'][:90]}"
                                 for x in t["steps"])}
            for t in by_meaning["tracked"]
        ]  # fmt: skip
        results["tracking"] = {"embeddings": by_meaning, "words": by_words, "cases": cases}
        comparison["tracking"] = {
            "embeddings": by_meaning["metrics"],
            "words (no model)": by_words["metrics"],
        }
    if "pdf" in suites:
        say("pdf (real PDFs: structure, decisions, speakers, redactions, pages)")
        from .eval_pdf import run_pdf_suite

        results["pdf"] = run_pdf_suite(gold_dir, corpus, index.settings)
        comparison["pdf"] = {"exact": results["pdf"]["metrics"]}
        for body, metrics in results["pdf"]["by_body"].items():
            comparison["pdf"][body] = metrics
    if "documents" in suites:
        say("documents")
        from .eval_documents import run_documents_suite

        results["documents"] = run_documents_suite(corpus)
        comparison["documents"] = results["documents"]["metrics"]
    if "ocr" in suites:
        say("ocr (two conditions, about 3 minutes)")
        from .eval_documents import run_ocr_suite

        results["ocr"] = run_ocr_suite(corpus, index.settings)
        if results["ocr"]["metrics"]:
            comparison["ocr"] = results["ocr"]["metrics"]
    # 'local@judge=false': the model, then answer settings to compare (default: settings)
    loaded: dict[str, Any] = {}
    models = {}
    for spec in llms:
        name = spec.split("@")[0]
        if name not in loaded:
            loaded[name] = index.settings.get_chat_model(name)
        models[spec] = loaded[name]

    def chain_for(spec: str, model: Any) -> AnswerChain:
        settings = answer_variant(index.settings.answer, spec)
        retriever = HybridRetriever.from_index(index)
        return AnswerChain(retriever, model, model_name=spec, settings=settings)

    for spec, model in models.items():
        if "qa" in suites:
            say(f"qa ({spec})")
            chain = chain_for(spec, model)
            res = run_qa_suite(chain, questions)
            results.setdefault("qa", res).setdefault("cases_by_llm", {})[spec] = res["cases"]
            comparison.setdefault("qa", {})[spec] = res["metrics"]
            for body, metrics in res.get("by_body", {}).items():
                comparison.setdefault(f"qa: {body}", {})[spec] = metrics
        if "checkcall" in suites and model is not None:
            from .eval_checks import run_checkcall_suite

            say(f"checkcall ({spec})")
            chain = chain_for(spec, model)
            res = run_checkcall_suite(chain, questions)
            results.setdefault("checkcall", res)
            comparison.setdefault("checkcall", {})[spec] = res["metrics"]
        if "actions" in suites and model is not None and "@" not in spec:
            say(f"actions ({spec})")
            res = run_actions_suite(gold, corpus, model, model_name=spec)
            comparison["actions"][spec] = res["metrics"]
        if "summaries" in suites and "@" not in spec:
            res = run_summaries_suite(
                gold, corpus, model, model_name=spec, progress=lambda m: say(f"summaries {m}")
            )
            results.setdefault("summaries", res)
            comparison.setdefault("summaries", {})[spec] = res["metrics"]
    qa_runs = results.get("qa", {}).get("cases_by_llm", {})
    if len(qa_runs) > 1:
        comparison["qa"]["best per question"] = best_per_question(qa_runs)
    config = {
        "llms": llms,
        "embedding_model": index.model_id,
        "collection": index.collection,
        "gold": str(gold_dir),
        "corpus": [str(c) for c in corpora],
        "k": k,
        "retrieval": index.settings.retrieval.model_dump(),
        "run_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
    }
    return {"suites": results, "comparison": comparison, "config": config}


def best_per_question(runs: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """Accuracy had each question been answered by whichever configuration got it right (an
    oracle no answer chain can be: it knows the gold). It bounds what choosing between the
    configurations per question could reach."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for cases in runs.values():
        for c in cases:
            by_id.setdefault(c["id"], []).append(c)

    def accuracy(keep: Any) -> float:
        picked = [any(c["correct"] for c in cs) for cs in by_id.values() if keep(cs[0])]
        return sum(picked) / len(picked) if picked else 0.0

    def dutch(c: dict[str, Any]) -> bool:
        return bool(c["answerable"] and c.get("language") != "en" and not c.get("withheld"))

    return {
        "answer_accuracy": accuracy(lambda c: c["answerable"]),
        "abstention_accuracy": accuracy(lambda c: not c["answerable"]),
        "dutch_accuracy": accuracy(dutch),
    }


def _chart(comparison: dict[str, dict[str, Any]], k: int) -> str:
    """Grouped bars per suite, one bar group per metric, one colour per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [s for s in SUITES if comparison.get(s)]
    if not panels:
        return ""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.8), squeeze=False)
    for ax, suite in zip(axes[0], panels, strict=True):
        configs = comparison[suite]
        metrics = [m.format(k=k) for m in CHART_METRICS[suite]]
        width = 0.8 / max(1, len(configs))
        for n, (name, values) in enumerate(configs.items()):
            xs = [i + n * width for i in range(len(metrics))]
            ax.bar(xs, [float(values.get(m, 0.0)) for m in metrics], width, label=name)
        ax.set_xticks([i + width * (len(configs) - 1) / 2 for i in range(len(metrics))])
        ax.set_xticklabels([m.replace("_", "\n") for m in metrics], fontsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_title(suite)
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return html.escape(str(value))


def _table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    if not rows:
        return "<p>(none)</p>"
    cols = columns or list(dict.fromkeys(c for r in rows for c in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CASE_COLUMNS = {
    "retrieval": ["id", "question", "expected", "hybrid", "dense", "bm25", "naive"],
    "qa": [
        "id",
        "question",
        "answer",
        "mode",
        "correct",
        "wrong_but_verified",
        "cited",
        "expected",
        "warnings",
        "seconds",
    ],  # fmt: skip
    "actions": ["meeting_id", "precision", "recall", "deadlines_right", "missed", "extra"],
    "structure": ["file", "date", "title", "items_missed", "items_extra", "warnings"],
    "pdf": [
        "file",
        "body",
        "documents",
        "meetings",
        "redactions",
        "question",
        "fact",
        "gold_page",
        "parsed_pages",
        "page_right",
        "located",
    ],
    "tracking": ["series", "description", "status", "steps"],
    "documents": ["condition", "file", "found", "expected", "kind"],
    "ocr": ["condition", "file", "words_recovered", "date", "title"],
    "summaries": ["meeting_id", "summary", "items", "warnings", "seconds"],
}

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f0f0f0} td{max-width:520px;overflow-wrap:anywhere}
img{max-width:100%;border:1px solid #ddd} code{background:#f5f5f5;padding:1px 3px}
"""


def write_html_report(payload: dict[str, Any], path: Path) -> Path:
    """Write the self-contained HTML report of ``run_evals`` output to ``path``."""
    config = payload.get("config", {})
    k = int(config.get("k", 5))
    parts = [
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'>",
        "<title>verslagqa eval report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>verslagqa eval report</h1>",
        f"<p>{_cell(config.get('run_at', ''))} · models: <code>"
        f"{_cell(', '.join(config.get('llms', [])))}</code> · embeddings: <code>"
        f"{_cell(config.get('embedding_model', ''))}</code> · gold: <code>"
        f"{_cell(config.get('gold', ''))}</code></p>",
    ]
    if config.get("machine"):
        m = config["machine"]
        simd = "AVX-512" if m.get("avx512") else "no AVX-512"
        parts.append(
            f"<p>machine: {_cell(m.get('cpu', ''))}, {_cell(m.get('cores', ''))} cores, {simd}"
            " (timings differ by machine)</p>"
        )
    png = _chart(payload.get("comparison", {}), k)
    if png:
        parts.append("<h2>Comparison</h2>")
        parts.append(f"<img alt='comparison chart' src='data:image/png;base64,{png}'>")
    for suite, configs in payload.get("comparison", {}).items():
        parts.append(f"<h3>{html.escape(suite)}: metrics per configuration</h3>")
        parts.append(_table([{"configuration": name, **m} for name, m in configs.items()]))
    for suite, result in payload.get("suites", {}).items():
        parts.append(f"<h2>{html.escape(suite)}: cases</h2>")
        parts.append(_table(result.get("cases", []), _CASE_COLUMNS.get(suite)))
    parts.append("</body></html>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
