# Quick start: `make run` (HMI on the simulated PLC), `make test` (lint, types, tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run engine sim test test-fast lint typecheck pytest pytest-fast bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: QT_QPA_PLATFORM =
run: $(VENV)/.installed
	$(BIN)/bandsaw hmi --simulate

engine: $(VENV)/.installed
	$(BIN)/bandsaw engine --simulate

sim: $(VENV)/.installed
	$(BIN)/bandsaw sim

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The tests too, one folder a run (each has its own conftest.py, and test files in different folders
# share names), then the helper modules in tests/ itself (tests.waiting, tests.sim_rig, ...). Tests
# import the helpers of the TEST_HELPER_DIRS by bare name (pytest's pythonpath): those folders' files
# are checked under that name, every other folder's as tests.<folder>.<module>, the name its tests
# import its helpers by. A helper imported both ways is an error ("found twice"); one imported by a
# name mypy cannot find is an error too (import-not-found), never a silent Any.
TEST_HELPER_DIRS := analysis backup engine hmi hmi_control hmi_security iot modbus production replay \
	security storage
TEST_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard tests/*/*.py))))
empty :=
space := $(empty) $(empty)
TEST_MYPY := MYPYPATH=$(subst $(space),:,$(addprefix tests/,$(TEST_HELPER_DIRS))) $(BIN)/mypy --explicit-package-bases

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy
	for dir in $(TEST_DIRS); do $(TEST_MYPY) $$dir || exit 1; done
	$(TEST_MYPY) $(wildcard tests/*.py)

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

# Every test, the slow ones too (installers, install-as-a-user: build the wheel, fresh venvs).
test: lint typecheck pytest

pytest-fast: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not slow"

test-fast: lint typecheck pytest-fast

bench: $(VENV)/.installed-dev
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

# Refresh the Qt Linguist sources from the code (new tr() texts appear unfinished; translate them in
# resources/translations/bandsaw_tr.ts) and compile the .qm files the HMI loads.
.PHONY: translations
translations: $(VENV)/.installed-dev
	$(BIN)/pyside6-lupdate $$(find hmi -name '*.py' | sort) -no-obsolete -locations none \
		-ts resources/translations/bandsaw_en.ts resources/translations/bandsaw_tr.ts
	$(BIN)/python -m hmi.i18n resources/translations  # bandsaw_<lang>-<hash>.qm, renamed into place

# The property tests at 10,000 examples each (the Writer: envelope, rate and the one-second step
# window); CI runs them at 300. Meant to be part of `make soak`.
.PHONY: soak-properties
soak-properties: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=soak $(BIN)/pytest tests/modbus/test_writer_properties.py tests/modbus/test_envelope.py -q --timeout=7200
	HYPOTHESIS_PROFILE=soak $(BIN)/pytest tests/control/test_controller_property.py -q -s --timeout=7200

# Cost per cut of presets, best preset, oracle and the shipped model on catalogue and held-out
# stock (about 5 minutes on a loaded 2-core machine); rewrites data/models/default-eval.{md,json}.
.PHONY: eval
eval: $(VENV)/.installed
	$(BIN)/python -m core.cli ml eval --model data/models/default --report data/models/default-eval.md \
		--json data/models/default-eval.json --data-dir $$(mktemp -d)

# `make soak`: the long runs, not part of `make test` (tests/soak/run.py: kill -9 x50, simulator
# restarts x20, PostgreSQL outages on an instance of its own, replaced files + restore with the
# mirror, full disk, exception-only PLC); ends with one table. About 15-25 min on 2 cores.
.PHONY: soak soak-chaos
soak: soak-properties soak-qt soak-chaos  # the table comes last

# Windows closed with the first-admin dialog open, 10 runs of 40 (tests/hmi/close_with_dialog_open.py):
# the PySide wrapper-lifetime crash hmi.lifetime made rarer; prints the crashes, fails on any.
.PHONY: soak-qt
soak-qt: $(VENV)/.installed-dev
	@crashes=0; for run in 1 2 3 4 5 6 7 8 9 10; do \
	  PYTHONPATH=. $(BIN)/python -X faulthandler tests/hmi/close_with_dialog_open.py 40 kiosk >/dev/null 2>&1 \
	    || { crashes=$$((crashes + 1)); echo "soak-qt: run $$run crashed"; }; \
	done; echo "soak-qt: $$crashes of 10 runs (40 windows each) crashed"; [ $$crashes -eq 0 ]

soak-chaos: $(VENV)/.installed-dev
	$(BIN)/python -m tests.soak.run
