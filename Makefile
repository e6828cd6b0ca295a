# nanosim: `make demo` runs the flagship comparison, `make test` passes the tests.
# Both create the virtual environment in .venv themselves.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test validate bench lint docs clean

$(STAMP): pyproject.toml
	@PY=$$(scripts/find-python) || exit 1; \
	  test -x $(BIN)/python || $$PY -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nanosim compare --factorial no_crisis crisis no_crisis_with_nano crisis_with_nano \
	  --factors crisis,nano --out out/demo --replicates 6 --metric share_favourable_state \
	  --pair Indonesia:Australia
	@echo "demo figure: out/demo/effects.png (table: out/demo/comparison.md)"

# The tests on TEST_WORKERS processes (pytest-xdist); TEST_WORKERS=0 runs them in this one.
# loadgroup keeps the tests tests/conftest.py groups (browser, cluster) on one worker.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/ruff check nanosim tests benchmarks
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

validate: $(STAMP)
	NANOSIM_VALIDATION_OUT=docs/images $(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

docs: $(STAMP)
	$(BIN)/python -m nanosim.scenario.docgen > docs/scenarios.md

lint: $(STAMP)
	$(BIN)/ruff check nanosim tests benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
