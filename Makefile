# One entry point for every task; each target installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BASE   ?= HEAD
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint format bench bench-revisions bench-smoke bench-spark bench-store bench-store-smoke bench-web screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install          ## score a synthetic marketplace end to end
	$(BIN)/jobsuccess demo

test: install          ## the test suite (SQLite and the local PostgreSQL)
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: install          ## ruff (lint and format) and mypy (strict)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install         ## engine at 1M and 10M contracts, self-checked against batch, beside pandas and the lower bound (10M: see README)
	$(BIN)/python bench/engine_bench.py

bench-revisions: install  ## BASE=<rev> (default HEAD: your uncommitted change) against the working tree, interleaved, results checked equal
	$(BIN)/python bench/revisions.py --base $(BASE)

bench-smoke: install   ## a tiny run of the benchmark with its self-check, as CI does
	$(BIN)/python bench/engine_bench.py --sizes 20000

bench-store: install   ## import and snapshot of the README's 100k-freelancer market, SQLite and PostgreSQL (see README)
	$(BIN)/python bench/store_bench.py

bench-store-smoke: install  ## the store benchmark on 2,000 freelancers, self-check included
	$(BIN)/python bench/store_bench.py --smoke

bench-spark: install   ## on demand: local runner vs Spark local[2] at 10M contracts, Spark alone at 30M (see README)
	$(BIN)/python bench/spark_bench.py

bench-web: install     ## web pages of a 500-contract freelancer on a 50,000-freelancer store (see README)
	$(BIN)/python bench/web_bench.py

screenshots: install   ## every web page at 1280 and 390 px into docs/screenshots/ (needs chromium)
	$(BIN)/python tests/web/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/.cache
