"""Choose an answer threshold leave-one-body-out, from cached runs of the cross-body QA suite.

usage: .venv/bin/python scripts/calibrate.py SETTING V1,V2,... OUT.json [--target-wbv 0.03]

SETTING is a field of the answer checks (``min_answer_p``, ``min_quote_p``, ...). For each
value the cross-body QA suite runs through scripts/cached_eval.py (every model call kept on
disk: a value only makes the calls its own path needs), then for each body the value is chosen
on the OTHER bodies: the one that answers most questions right (an abstention on an unanswerable
question is right) while showing a wrong answer without a warning on at most ``--target-wbv``
of them; that body's figures at that value are its out-of-body figures, beside its figures at
the value chosen on all bodies (in-body). OUT.json holds both and every run's metrics.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verslagqa.eval_cross import leave_one_body_out  # noqa: E402
from verslagqa.evals import qa_metrics  # noqa: E402


def run(setting: str, value: float, work: Path) -> list[dict]:
    out = work / f"{setting}-{value}.json"
    if not out.exists():
        env = {**os.environ, f"VERSLAGQA_ANSWER__CHECKS__{setting.upper()}": str(value)}
        subprocess.run(
            [sys.executable, "scripts/cached_eval.py", "cross", str(out), "--suite", "qa",
             "--llm", "local"],
            env=env, check=True,
        )  # fmt: skip
    data = json.loads(out.read_text())
    return data["suites"]["qa"]["cases"]


def utility(cases: list[dict], target: float) -> float:
    """Right answers (abstentions on unanswerable questions included) when the harm is within
    the target; below every such value otherwise."""
    if not cases:
        return 0.0
    right = sum(bool(c["correct"]) for c in cases) / len(cases)
    harm = sum(bool(c["wrong_but_verified"]) for c in cases) / len(cases)
    return right if harm <= target else -harm


def main() -> None:
    setting, values, out = sys.argv[1], [float(v) for v in sys.argv[2].split(",")], sys.argv[3]
    target = float(sys.argv[sys.argv.index("--target-wbv") + 1]) if "--target-wbv" in sys.argv else 0.03
    work = Path("evals/.cache/calibrate")
    work.mkdir(parents=True, exist_ok=True)
    runs = {v: {c["id"]: c for c in run(setting, v, work)} for v in values}
    ids = sorted(runs[values[0]])
    cases = [{"body": runs[values[0]][i]["body"], "id": i} for i in ids]

    def score(subset: list[dict], value: float) -> float:
        return utility([runs[value][c["id"]] for c in subset], target)

    lobo = leave_one_body_out(cases, values, score)
    report: dict = {"setting": setting, "values": values, "target_wbv": target, "bodies": {}}
    for body, r in lobo.items():
        own = [c["id"] for c in cases if c["body"] == body]
        report["bodies"][body] = {
            **r,
            "metrics_out_of_body": qa_metrics([runs[r["chosen_out"]][i] for i in own]),
            "metrics_in_body": qa_metrics([runs[r["chosen_in"]][i] for i in own]),
        }
    report["runs"] = {str(v): qa_metrics(list(runs[v].values())) for v in values}
    Path(out).write_text(json.dumps(report, indent=1))
    keys = ("dutch_accuracy", "abstention_accuracy", "withheld_accuracy", "wrong_but_verified_rate")
    print(f"{'body':9s} out  in   " + " ".join(f"{k[:14]:>14s}" for k in keys) + "  (out-of-body | in-body)")
    for body, r in report["bodies"].items():
        mo, mi = r["metrics_out_of_body"], r["metrics_in_body"]
        cells = " ".join(f"{mo.get(k, 0):6.3f}|{mi.get(k, 0):6.3f} " for k in keys)
        print(f"{body:9s} {r['chosen_out']:<4} {r['chosen_in']:<4} {cells}")


if __name__ == "__main__":
    main()
