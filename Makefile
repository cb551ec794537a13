# Two entry points: `make demo` and `make test`. Both bootstrap .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv bench clean asl

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/workflows demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Write the shared user-id allocation states (workflows/user_id_allocation.py) into the asl/ files.
asl: $(STAMP)
	$(BIN)/python -m workflows.user_id_allocation

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/lambdas.py
	$(BIN)/python bench/console.py
	$(BIN)/python bench/local.py
	$(BIN)/python bench/migrate.py

clean:
	rm -rf $(VENV) cdk.out
