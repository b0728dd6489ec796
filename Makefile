# Two commands on a fresh machine: `make demo` (main job on the bundled data) and `make test`.
# Both create the virtual environment when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
AF := $(VENV)/bin/alphaforge
DEMO_WS ?= demo-workspace

.PHONY: demo test test-slow test-all bench venv extras clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Optional extras: the LSTM (torch: 2.13.0 is the CPU build; any other spec pulls GBs of CUDA),
# Ray and PostgreSQL drivers, the benchmark peers. Their tests skip cleanly without them.
extras: $(VENV)/.extras

$(VENV)/.extras: $(VENV)/.installed
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev,deep,distributed,bench]"
	touch $@

demo: venv
	@test -f $(DEMO_WS)/alphaforge.toml || $(AF) init $(DEMO_WS)
	$(AF) --workspace $(DEMO_WS) data demo
	$(AF) --workspace $(DEMO_WS) run

test: venv
	$(PY) -m pytest -q

test-slow: venv
	$(PY) -m pytest -q -m slow || [ $$? -eq 5 ]  # 5: no slow tests collected

test-all: venv
	$(PY) -m pytest -q -m "slow or not slow"

bench: venv
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_WS) .pytest_cache .hypothesis
