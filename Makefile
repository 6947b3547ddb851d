# The two commands of the README: `make serve` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
TEST_STAMP := $(VENV)/.installed-test-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: serve test test-interop test-robustness lint bench bench-index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@

serve: $(STAMP)
	$(BIN)/calgate serve $(ARGS)

# -n auto: one worker per core (pytest-xdist); each has its own servers and PostgreSQL database
# the browser tests (tests/ui) need Chromium: installed when missing; where it cannot be (no
# root), they skip with the reason, except on CI, where the install failing stops the run
test: $(TEST_STAMP)
	bash scripts/install-browser.sh || [ "$${CI:-}" != true ]
	$(BIN)/python -m pytest -m "not interop" -n auto $(PYTEST_ARGS)

# The hostile-input and fault probes alone (they also run in `make test`); under five minutes
test-robustness: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "robustness and not interop" -n auto $(PYTEST_ARGS) tests/robustness

# The extra real servers (Cyrus, SabreDAV): installed from Debian's packages by the script.
# The caldav peer suite (tests/interop/peer_suite.py) fetches python-caldav's sdist with pip itself.
test-interop: $(TEST_STAMP)
	bash scripts/install-interop-servers.sh
	$(BIN)/python -m pytest -m interop $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(BIN)/python bench/bench_basic.py

# 10,000 events, 500 series; about five minutes on two cores
bench-index: $(TEST_STAMP)
	$(BIN)/python bench/bench_index.py

# free/busy: 20 calendars of 2,000 events; about seven minutes on two cores
.PHONY: bench-freebusy
bench-freebusy: $(TEST_STAMP)
	$(BIN)/python bench/bench_freebusy.py

# clearing end to end: 1,000 and 10,000 events, calgate against caldav + pairwise; 7 to 15 minutes on two cores
.PHONY: bench-clearing
bench-clearing: $(TEST_STAMP)
	$(BIN)/python bench/bench_clearing.py

# kill -9 during a burst of creates at 10,000 events, restart timings (about 5 minutes)
.PHONY: bench-recovery
bench-recovery: $(TEST_STAMP)
	$(BIN)/python bench/bench_recovery.py

# the request path: calgate beside a bare FastAPI app returning the same bytes; about a minute
.PHONY: bench-request-path
bench-request-path: $(TEST_STAMP)
	$(BIN)/python bench/bench_request_path.py

# webhook delivery on PostgreSQL: 1,000 changes with one process and two, 10,000 pending; about 3 minutes
.PHONY: bench-webhooks
bench-webhooks: $(TEST_STAMP)
	$(BIN)/python bench/bench_webhooks.py

clean:
	rm -rf $(VENV) calgate-data

# .ics import: 10,000 events (500 series with overrides) into the embedded store and Xandikos,
# (Xandikos: the first 2,000), beside a loop of POSTs and caldav PUTs; about six minutes
.PHONY: bench-import
bench-import: $(TEST_STAMP)
	$(BIN)/python bench/bench_import.py
