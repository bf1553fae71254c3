"""The command line in-process (Typer's CliRunner) with the user's home, store and working
directory isolated; one test runs the real console process."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from verslagqa import cli
from verslagqa.settings import Settings

from .conftest import SAMPLES, SEED

# models are read-only inputs fetched by the set-up command; only slow tests may use them
MODELS_HOME = Settings().home


@pytest.fixture(autouse=True)
def env_setup(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing a test runs may touch the user's home, store or working directory."""
    home = tmp_path / "user-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("VERSLAGQA_STORE", str(tmp_path / "default-store"))
    slow = request.node.get_closest_marker("slow") is not None
    monkeypatch.setenv("VERSLAGQA_HOME", str(MODELS_HOME if slow else home / "verslagqa"))
    for name in list(__import__("os").environ):
        if name.startswith("VERSLAGQA_") and name not in ("VERSLAGQA_STORE", "VERSLAGQA_HOME"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    # wide consoles that write to whatever sys.stdout/sys.stderr is (the runner's buffers)
    monkeypatch.setattr(
        cli, "out", Console(width=200, soft_wrap=True, markup=False, highlight=False)
    )
    monkeypatch.setattr(
        cli, "err", Console(stderr=True, width=200, soft_wrap=True, markup=False, highlight=False)
    )


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    exception: BaseException | None


def run(*args: str, stdin: str | None = None) -> Result:
    """``verslagqa ARGS`` in this process."""
    r = CliRunner().invoke(cli.app, list(args), input=stdin)
    exc = r.exception if not isinstance(r.exception, SystemExit) else None
    return Result(r.exit_code, r.stdout, r.stderr, exc)


def test_console_script_process_one_line_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "leeg.txt"
    bad.write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "verslagqa.cli", "parse", str(bad)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {bad}: file is empty"


def test_isolated_from_the_users_home(tmp_path: Path) -> None:
    """The fixture's isolation holds: settings resolve inside the test's directory."""
    s = Settings()
    assert str(s.store).startswith(str(tmp_path)) and str(s.home).startswith(str(tmp_path))


def test_parse_json_one_object_per_meeting() -> None:
    proc = run("parse", "--json", str(SEED[1]))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["meeting_id"] == "2021-03-01-mt-dglz-breed"
    assert [i["label"] for i in data["items"]] == ["1", "2", "3a", "3b", "3c", "3d", "4"]
    proc = run("parse", "--json", str(SAMPLES))
    assert len(proc.stdout.strip().splitlines()) == 5


def test_parse_table_output() -> None:
    proc = run("parse", str(SEED[4]))
    assert proc.returncode == 0
    assert "Actualiteitenstaf" in proc.stdout and "Departementaal Vertrouwelijk" in proc.stdout


def test_bad_file_one_line_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "leeg.txt"
    bad.write_text("")
    proc = run("parse", str(bad))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {bad}: file is empty"
    assert "Traceback" not in proc.stderr


def test_partial_batch_exit_code(tmp_path: Path) -> None:
    (tmp_path / "leeg.txt").write_text("")
    (tmp_path / "goed.txt").write_text(SEED[2].read_text())
    proc = run("parse", "--json", str(tmp_path))
    assert proc.returncode == 3
    assert json.loads(proc.stdout)["meeting_id"] == "2020-09-07-mt-dglz-breed"
    assert "leeg.txt: file is empty" in proc.stderr


def test_debug_shows_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "leeg.txt"
    bad.write_text("")
    proc = run("--debug", "parse", str(bad))
    assert proc.returncode != 0 and proc.exception is not None
    assert "file is empty" in str(proc.exception)
    assert run("parse", str(bad)).exception is None


def test_models_list_json() -> None:
    proc = run("models", "list", "--json")
    assert proc.returncode == 0
    names = {m["name"] for m in json.loads(proc.stdout)["models"]}
    assert "embeddinggemma-300m" in names and "qwen2.5-coder-1.5b-instruct-q4_k_m" in names


def test_unknown_model_is_usage_error() -> None:
    proc = run("models", "fetch", "gpt-17")
    assert proc.returncode == 2 and "unknown model" in proc.stderr


@pytest.mark.slow
def test_demo_runs_on_bundled_samples(tmp_path: Path) -> None:
    proc = run("demo", "--store", str(tmp_path / "store"))
    assert proc.returncode == 0, proc.stderr
    assert "5 verslagen parsed" in proc.stdout
    assert "5 meetings, " in proc.stdout
    assert "1. [Corona Continuïteit Team LZ, 18 november 2020]" in proc.stdout


def test_actions_table_json_owner_filter_and_bad_file(tmp_path: Path) -> None:
    proc = run("actions", str(SAMPLES), "--json")
    assert proc.returncode == 0, proc.stderr
    actions = json.loads(proc.stdout)["actions"]
    assert len(actions) == 21
    assert [a["meeting_date"] for a in actions] == sorted(a["meeting_date"] for a in actions)
    proc = run("actions", str(SAMPLES), "--owner", "PZo", "--json")
    owners = [a["owners"] for a in json.loads(proc.stdout)["actions"]]
    assert owners == [["allen"], ["PZo", "BPZ"], ["allen"], ["PZo"]]
    (tmp_path / "leeg.txt").write_text("", encoding="utf-8")
    (tmp_path / "goed.txt").write_bytes(SEED[1].read_bytes())
    proc = run("actions", str(tmp_path))
    assert proc.returncode == 3
    assert "leeg.txt" in proc.stderr and "Traceback" not in proc.stderr
    assert "8 actiepunten" in proc.stdout and "2021-03-02" in proc.stdout


def test_summarize_file_extractive_json_and_markdown(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    proc = run("summarize", str(SEED[1]), "--llm", "extractive", "--json", "--store", store)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [i["label"] for i in data["items"]] == ["1", "2", "3a", "3b", "3c", "3d", "4"]
    assert len(data["action_items"]) == 8 and data["model"] == "extractive"
    proc = run("summarize", str(SEED[1]), "--llm", "extractive", "--markdown", "--store", store)
    assert proc.stdout.startswith("# MT DGLZ breed, 2021-03-01")
    assert "| adviseur DGLZ |" in proc.stdout


@pytest.mark.slow  # an id is looked up in the store, which the real embedding model opens
def test_summarize_unknown_meeting_id(tmp_path: Path) -> None:
    proc = run("summarize", "2099-no-such-meeting", "--store", str(tmp_path / "store"))
    assert proc.returncode == 1 and "no meeting '2099-no-such-meeting'" in proc.stderr


def test_repl_prints_a_replaced_answer_once_with_its_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process: the model's answer fails a check; the REPL shows the quote once, labelled as
    a quote, and the item title with its redactions counted."""
    import io
    import re as _re

    from rich.console import Console

    from verslagqa import Library, cli
    from verslagqa.retrieve import SearchFilters

    from .fakes import HashEmbeddings, ScriptedChatModel

    monkeypatch.setenv("VERSLAGQA_HOME", str(tmp_path / "home"))
    # rated as an answer below min_answer_p, above min_quote_p
    model = ScriptedChatModel(judge=0.55)
    lib = Library.open(tmp_path / "s", embeddings=HashEmbeddings(), chat_model=model)
    lib.add(SEED[1])
    q = "Wat is afgesproken over de POK claim?"
    model.enqueue('{"sentences": [], "answer": "x"}')
    lib.ask(q)
    shown = {
        m.group(1): m.group(2)
        for m in _re.finditer(r"(?m)^(\d+\.\d+) (.*)$", str(model.seen[0][-1].content))
    }
    sid = next(k for k, v in shown.items() if "tweeslag" in v)
    # the check call fails it: the answer is replaced by the sentence that carries it
    model.enqueue(f'{{"sentences": ["{sid}"], "answer": "Er komt een tweeslag in de tabel."}}')
    buf = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buf, width=200))
    monkeypatch.setattr(cli, "err", Console(file=io.StringIO(), width=200))
    lines = iter([q, ":quit"])
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(lines))
    cli._repl(lib, SearchFilters(), None)
    text = buf.getvalue()
    quote = shown[sid]
    assert "Er komt" not in text
    assert text.count("Citaat uit de verslagen, niet het antwoord van het model") == 1
    # the quote is the answer (once) and the citation's quote (once)
    assert text.count(quote) == 2, text
    assert "POK claim (3 namen weggelakt)" in text and "[weggelakt 5.1.2e] [weggelakt" not in text


def test_repl_commands_come_from_one_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from verslagqa import Library, cli
    from verslagqa.retrieve import SearchFilters

    from .fakes import HashEmbeddings, ScriptedChatModel

    lib = Library.open(tmp_path / "s", embeddings=HashEmbeddings(), chat_model=ScriptedChatModel())
    buf, ebuf = io.StringIO(), io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buf, width=200))
    monkeypatch.setattr(cli, "err", Console(file=ebuf, width=200))
    session = cli._Repl(lib, SearchFilters(), None)
    assert session.handle(":filter van=2021-01-01 item=3a")
    assert "filter: {'van': '2021-01-01', 'item': '3a'}" in buf.getvalue()
    assert session.handle(":filter clear") and "filter: geen" in buf.getvalue()
    assert session.handle(":filter van=gisteren") and "bad filter" in ebuf.getvalue()
    assert session.handle(":bronnen") and "Geen bronnen." in buf.getvalue()
    assert session.handle(":onbekend") and "unknown command :onbekend" in ebuf.getvalue()
    assert not session.handle(":quit") and not session.handle(":q")


def test_repl_warms_the_models_before_the_first_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session reads the answer and check prompts' fixed instructions while the user types;
    a question waits for that, so it never races the model's context."""
    import io

    from rich.console import Console

    from verslagqa import Library, cli
    from verslagqa.retrieve import SearchFilters

    from .fakes import HashEmbeddings, ScriptedChatModel

    model = ScriptedChatModel()
    lib = Library.open(tmp_path / "s", embeddings=HashEmbeddings(), chat_model=model)
    lib.add(SEED[1])
    monkeypatch.setattr(cli, "out", Console(file=io.StringIO(), width=200))
    session = cli._Repl(lib, SearchFilters(), None)
    model.enqueue('{"sentences": [], "answer": "x"}')
    assert session.handle("Wat is afgesproken over de POK claim?")
    assert [judge for _, judge in model.prefilled] == [False, True]
    answer_prompts, _ = model.prefilled[0]
    # two renderings of the answer prompt: the same instructions, different questions
    assert answer_prompts[0][0].content == answer_prompts[1][0].content
    assert answer_prompts[0][-1].content != answer_prompts[1][-1].content
    assert model.seen and model.seen[0][0].content == answer_prompts[0][0].content


def test_parse_and_actions_of_a_woo_release(tmp_path: Path) -> None:
    from .pdf_fixtures import EMAIL, Page, bundle_pages, make_pdf

    release = tmp_path / "release.pdf"
    release.write_bytes(make_pdf(bundle_pages(scanned_email=False, inventory=True)))
    r = run("parse", "--json", str(release))
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["kind"] for d in docs] == ["inventory", "minutes", "email", "memo"]
    assert docs[2]["source"] == f"{release}#pages=4-4" and docs[2]["sender"] == "Bakker"
    table = run("parse", str(release))
    assert "Woo-beoordeling" in table.stdout and "deels openbaar (5.1.2e)" in table.stdout
    assert "Inventarislijst" in table.stdout and "pagina's" in table.stdout

    mail = tmp_path / "mail.pdf"
    mail.write_bytes(
        make_pdf(
            [
                Page(
                    [
                        "Verslag overleg",
                        "Datum: 1 maart 2024",
                        "1. Opening",
                        "Besloten wordt de notitie aan te passen (actie Bakker).",
                    ]
                ),  # fmt: skip
                Page([*EMAIL, "Jansen stuurt de stukken door (actie Jansen)."]),
            ]
        )
    )
    only_minutes = run("actions", "--json", str(mail))
    owners = {o for a in json.loads(only_minutes.stdout)["actions"] for o in a["owners"]}
    assert owners == {"Bakker"}, only_minutes.stdout
    everything = run("actions", "--json", "--all-documents", str(mail))
    owners = {o for a in json.loads(everything.stdout)["actions"] for o in a["owners"]}
    assert owners == {"Bakker", "Jansen"}
