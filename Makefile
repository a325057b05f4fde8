# The two quick-start commands: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test validate bench clean install browser release virtuoso

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

validate: $(VENV)/.installed
	$(BIN)/issgraph validate

serve: $(VENV)/.installed
	$(BIN)/issgraph serve --host $(HOST) --port $(PORT)

# Archive the current version (owl:versionInfo in data/iss.ttl) under releases/ after bumping it;
# a version already archived is never rewritten (a different graph under the same version is refused).
release: $(VENV)/.installed
	$(BIN)/issgraph release
	$(BIN)/issgraph release --check

# The browser tests drive Debian's headless Chromium; install it when it is missing.
browser:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver)

# The front-end tests run a second, different SPARQL server behind issgraph besides Oxigraph's:
# Virtuoso 7 open source, Debian's virtuoso-t (each test starts its own on free ports in a temp directory).
virtuoso:
	command -v virtuoso-t >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource-7-bin)

# Every test on the default engine (Oxigraph), then again on the pure-rdflib engine every test
# whose answer an engine gives: both engines must give the same answers to the same requests.
# Left out of the second run: what no engine takes part in (the browser's scripts and layout,
# containers, releases and hashes, metrics, the import layers, text folding, skolem IRIs, the
# query guard, the outgoing-request guard, fair admission to the evaluators, loading, and the
# result writers, whose tests name the engines they compare themselves) and the remote stores
# (they answer for themselves). The crawl of every page reachable from home runs on rdflib in
# Persian only (every page is rendered on rdflib once; which language a link keeps is the site's,
# not the engine's): in English it cost a minute.
RDFLIB_SKIP := --ignore-glob='tests/test_browser*.py' --ignore=tests/test_stores.py --ignore=tests/test_deploy.py \
	--ignore=tests/test_releases.py --ignore=tests/test_published.py --ignore=tests/test_operations.py \
	--ignore=tests/test_architecture.py --ignore=tests/test_text.py --ignore=tests/test_skolem.py \
	--ignore=tests/test_guard.py --ignore=tests/test_netguard.py --ignore=tests/test_loading.py \
	--ignore=tests/test_results.py --ignore=tests/test_admission.py \
	--deselect 'tests/test_bilingual.py::test_every_page_reachable_from_home_stays_in_the_chosen_language[en]'
test: $(VENV)/.installed-test browser virtuoso
	$(BIN)/python -m pytest
	ISSGRAPH_TEST_ENGINE=rdflib $(BIN)/python -m pytest $(RDFLIB_SKIP)

# The benchmark drives the servers with Debian's wrk; install it when it is missing.
# Options for bench/run.py go in BENCH_ARGS, e.g. `make bench BENCH_ARGS=--quick`.
bench: $(VENV)/.installed-test
	command -v wrk >/dev/null || (apt-get update && apt-get install -y --no-install-recommends wrk)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
