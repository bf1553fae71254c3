# Fresh-machine entry points: `make demo` and `make test` (see README).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# pip never gets to choose a torch build: the CPU wheel is installed first and pinned.
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: install models demo test lint typecheck unit eval eval-corpus eval-pdf eval-cross eval-cross-qa eval-corpus-qa eval-checkcall bench bench-quick clean-venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -e '.[dev]'
	bash scripts/install-llama-cpp.sh $(BIN)/python
	bash scripts/install-ocr.sh
	touch $(STAMP)

install: $(STAMP)

models: install
	$(BIN)/verslagqa models fetch

demo: models
	$(BIN)/verslagqa demo

lint: install
	$(BIN)/ruff check verslagqa tests bench
	$(BIN)/ruff format --check verslagqa tests bench

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -m "not slow"

test: models lint typecheck
	$(BIN)/pytest

# LLM suites are slow (about 25 minutes on 2 cores): run them by hand and commit the results
eval: models
	$(BIN)/verslagqa eval --llm local --llm extractive --json --report evals/results/report.html > evals/results/all.json.tmp && mv evals/results/all.json.tmp evals/results/all.json

# The development corpus (42 real minutes of other bodies): metadata, agenda items, actions,
# actions followed across meetings, PDFs of Woo releases split into documents, OCR of the
# minutes printed and scanned (about 4 minutes on 2 cores)
eval-corpus: models
	$(BIN)/verslagqa eval --suite structure,actions,tracking,documents,ocr --gold evals/gold-corpus --corpus evals/corpus --llm extractive --json --report evals/results/corpus.html > evals/results/corpus.json.tmp && mv evals/results/corpus.json.tmp evals/results/corpus.json

# Real PDFs as published (evals/corpus-pdf: a council's decision lists and verbatim minutes, a
# province's consultation minutes, a ministry's Wob bundles): documents, meetings, agenda items,
# decisions with outcome and votes, speakers, redactions, the page of each question's answer,
# pooled and per body (about 2 minutes on 2 cores with the OCR cache warm)
eval-pdf: models
	$(BIN)/verslagqa eval --suite pdf --gold evals/gold-pdf --corpus evals/corpus-pdf --llm extractive --json --report evals/results/pdf.html > evals/results/pdf.json.tmp && mv evals/results/pdf.json.tmp evals/results/pdf.json

# Cross-body: the six bodies of the development material (samples, Logius, UWV, Den Haag,
# Noord-Holland, Financiën). The deterministic suites per body with every data-chosen threshold
# chosen leave-one-body-out (about 2 minutes); eval-cross-qa adds every body's questions answered
# by the default local model over one index of all documents (hours on 2 cores; the model's calls
# are kept in evals/.cache so a variant re-run, scripts/calibrate.py, makes only its own calls)
eval-cross: models
	$(BIN)/verslagqa eval --cross-body --suite cross --json > evals/results/cross.json.tmp && mv evals/results/cross.json.tmp evals/results/cross.json

eval-cross-qa: models
	$(BIN)/python scripts/cached_eval.py cross evals/results/cross-qa.json --suite qa --llm local --llm extractive

# Questions over the development corpus with the whole corpus and the samples indexed: the
# default answer checks and no model at all, side by side (about 30 minutes on 2 cores).
# Variants of the answer settings: add e.g. --llm local@judge=false --llm local@min_answer_p=0.6
eval-corpus-qa: models
	$(BIN)/verslagqa eval --suite retrieval,qa --gold evals/gold-corpus --corpus evals/corpus --corpus samples/verslagen --llm local --llm extractive --json --report evals/results/corpus-qa.html > evals/results/corpus-qa.json.tmp && mv evals/results/corpus-qa.json.tmp evals/results/corpus-qa.json

# The check call ("does this sentence answer the question?") as a classifier on the sentences
# the model is shown for the development gold's questions (about 8 minutes on 2 cores).
eval-checkcall: models
	$(BIN)/verslagqa eval --suite checkcall --gold evals/gold-corpus --corpus evals/corpus --corpus samples/verslagen --llm local --json --report evals/results/checkcall.html > evals/results/checkcall.json.tmp && mv evals/results/checkcall.json.tmp evals/results/checkcall.json

# BENCHMARKS.md: the full run takes about 20-30 minutes on 2 cores; --quick is a smoke run
bench: models
	$(BIN)/python -m bench.run

bench-quick: models
	$(BIN)/python -m bench.run --quick

clean-venv:
	rm -rf $(VENV)
