# The two commands a new user needs: `make train` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: train test lint bench clean

$(VENV)/.installed-run: pyproject.toml
	@echo "== creating $(VENV) and installing numtorch with its tools (tqdm, matplotlib, ...)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install --progress-bar on -e '.[tools]'
	touch $@

$(VENV)/.installed-test: pyproject.toml
	@echo "== creating $(VENV) and installing numtorch with the test oracle (PyTorch, CPU build)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install --progress-bar on -e '.[test]'
	touch $@ $(VENV)/.installed-run

train: $(VENV)/.installed-run
	$(PY) -m numtorch train

test: $(VENV)/.installed-test
	$(PY) -m ruff check numtorch tests examples benchmarks tools
	$(PY) -m pytest -n 2 --doctest-modules --ignore=numtorch/__main__.py --ignore=tests/scripts tests numtorch

bench: $(VENV)/.installed-test
	$(PY) -m pip install -q -e '.[bench]'
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/suite.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/ddp.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/init.py --n 30000000
	$(PY) benchmarks/serialization.py

clean:
	rm -rf $(VENV) build *.egg-info
