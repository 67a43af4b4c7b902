# Two commands do everything on a fresh machine:
#   make run    create .venv, install prescreen, screen data/sample into out/
#   make test   create .venv, install prescreen + test tools (and Chromium), run every check
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
AS_OF  ?= 2026-11-01
TRIAL  ?= nl003-cli-iii-2
OUT    ?= out
# pytest-xdist workers for `make test` (0: one process); files go whole to a worker,
# slow ones first (tests/conftest.py)
TEST_WORKERS ?= 2
PYTEST_ARGS := -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: run test test-lowest venv lint clean sample

$(BIN)/prescreen: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(BIN)/prescreen

venv: $(BIN)/prescreen

run: venv
	$(BIN)/prescreen run --trial $(TRIAL) --extract data/sample --as-of $(AS_OF) --out $(OUT)

test: venv
	bash scripts/ensure-chromium.sh
	$(BIN)/ruff check src flows schemas tests bench
	$(BIN)/ruff format --check src flows schemas tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the suite on the oldest versions pyproject.toml allows (requirements-lowest.txt), in a
# virtual environment of its own; not part of `make test` (it installs a second set)
test-lowest:
	test -x .venv-lowest/bin/python || $(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip install --quiet --upgrade pip
	.venv-lowest/bin/python -m pip install --quiet -c requirements-lowest.txt -e '.[test]'
	bash scripts/ensure-chromium.sh
	.venv-lowest/bin/python -m pytest $(PYTEST_ARGS)

sample: venv
	$(BIN)/prescreen generate --persons 2000 --sites 4 --seed 3 --format csv --as-of $(AS_OF) --out data/sample

clean:
	rm -rf $(VENV) .venv-lowest $(OUT) .pytest_cache
