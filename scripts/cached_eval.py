"""The QA suite with every model call kept on disk, so a variant of the answer settings
changes only what it changes (llama.cpp's greedy output is the same for the same request on
one machine, not across machines: keep one cache per machine).

usage: .venv/bin/python scripts/cached_eval.py <gold|gold-corpus|cross> OUT.json [EVAL OPTIONS ...]
('cross': every body's questions over one index of samples, corpus and real PDFs)
(default --suite qa --llm local; e.g. --suite retrieval,qa --llm local --llm extractive
--report evals/results/corpus-qa.html, as `make eval-corpus-qa` runs it)
Settings come from the environment as usual (VERSLAGQA_ANSWER__CHECKS__MIN_STANDIN_P=1.0).
The calls are kept in evals/.cache/calls.sqlite, the index in evals/.cache/store-<gold>;
OUT.json is what `verslagqa eval --json` prints, OUT.json.replies.json the model's replies.
"""
import hashlib, json, sqlite3, sys, time
from pathlib import Path

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from verslagqa import llm as L

CACHE = Path("evals/.cache")
CACHE.mkdir(parents=True, exist_ok=True)
DB = sqlite3.connect(CACHE / "calls.sqlite", isolation_level=None)
DB.execute("create table if not exists c (k text primary key, v text)")
STATS = {"hit": 0, "miss": 0}


def _key(kind, messages, kwargs, model=""):
    # the default model's keys stay as they were; another model's calls are its own
    if model and "1.5b" not in model:
        kind = f"{kind}|{Path(model).name}"
    payload = json.dumps(
        [kind, [(L._role(m), str(m.content)) for m in messages],
         {k: v for k, v in sorted(kwargs.items()) if k != "run_manager"}],
        ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _get(k):
    row = DB.execute("select v from c where k=?", (k,)).fetchone()
    if row:
        STATS["hit"] += 1
        return json.loads(row[0])
    STATS["miss"] += 1
    return None


def _put(k, v):
    DB.execute("insert or replace into c values (?,?)", (k, json.dumps(v)))


orig_generate = L.LlamaCppChat._generate
orig_yes = L.LlamaCppChat.yes_probability


def _text(self, messages, stop, kwargs):
    k = _key("gen", messages, {"stop": stop, **kwargs}, self.model_path)
    v = _get(k)
    if v is None:
        res = orig_generate(self, messages, stop=stop, **kwargs)
        v = res.generations[0].message.content
        _put(k, v)
    return v


REPLIES = []


def _log(messages, text):
    last = str(messages[-1].content)
    q = [l for l in last.splitlines() if l.startswith("Question:")]
    REPLIES.append({"question": q[-1][10:] if q else last[-200:], "reply": text})


def _generate(self, messages, stop=None, run_manager=None, **kwargs):
    text = _text(self, messages, stop, kwargs)
    _log(messages, text)
    msg = AIMessage(content=text, response_metadata={"finish_reason": "stop"})
    return ChatResult(generations=[ChatGeneration(message=msg)])


def _stream(self, messages, stop=None, run_manager=None, **kwargs):
    text = _text(self, messages, stop, kwargs)
    _log(messages, text)
    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
    if run_manager:
        run_manager.on_llm_new_token(text, chunk=chunk)
    yield chunk


def _yes(self, messages):
    k = _key("yes", messages, {}, self.model_path)
    v = _get(k)
    if v is None:
        v = orig_yes(self, messages)
        _put(k, v)
    return v


L.LlamaCppChat._generate = _generate
L.LlamaCppChat._stream = _stream
L.LlamaCppChat.yes_probability = _yes
L.LlamaCppChat.prefill = lambda self, prompts, judge=False: 0

from typer.testing import CliRunner  # noqa: E402
from verslagqa.cli import app  # noqa: E402

gold, out = sys.argv[1], sys.argv[2]
extra = sys.argv[3:]
if gold == "cross":  # every body's questions over one index of all the development material
    args = ["eval", "--cross-body", "--json", "--store", str(CACHE / "store-cross")]
else:
    args = ["eval", "--gold", f"evals/{gold}", "--json", "--store", str(CACHE / f"store-{gold}")]
if "--suite" not in extra:
    args += ["--suite", "qa"]
if gold == "gold-corpus":
    args += ["--corpus", "evals/corpus", "--corpus", "samples/verslagen"]
args += extra if "--llm" in extra else extra + ["--llm", "local"]
t = time.time()
r = CliRunner().invoke(app, args, catch_exceptions=False)
Path(out).write_text(r.stdout)
Path(out + ".replies.json").write_text(json.dumps(REPLIES, ensure_ascii=False, indent=0))
print(r.stderr if hasattr(r, "stderr") else "", file=sys.stderr)
m = json.loads(r.stdout)["comparison"]["qa"]
for spec, vals in m.items():
    print(spec, json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in vals.items()}))
print(STATS, f"{time.time()-t:.0f}s", file=sys.stderr)
