# Two commands do all set-up: `make demo` and `make test`. Each creates .venv from the
# hash-pinned requirements.lock when it is missing or out of date.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast test-portable lint bench bench-quick lock catalogs clean portable portable-smoke portable-lock

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/papka demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --timeout 900
	$(MAKE) test-portable

# The vault, crash-point and bundle-extraction suites again, with papka.host forced onto the
# portable paths Windows takes (no fcntl, pread/pwrite, O_NOFOLLOW, O_DIRECTORY; tests/conftest.py).
PORTABLE_SUITES := tests/test_host.py tests/vault/test_container.py tests/vault/test_crash_model.py \
	tests/vault/test_crash_points.py tests/vault/test_documents.py tests/vault/test_data_paths.py \
	tests/bundle/test_hostile.py \
	tests/bundle/test_roundtrip.py
test-portable: $(STAMP)
	PAPKA_TESTONLY_PORTABLE_HOST=1 $(BIN)/python -m pytest -n 2 --timeout 900 $(PORTABLE_SUITES)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check vault cli formats exchange tests bench src packaging
	$(BIN)/mypy

# Every benchmark against its reference tool in alternating rounds; writes bench/RESULTS.md,
# which the README quotes (about ten minutes on 2 cores; bench-quick: about four, smaller sizes).
bench: $(STAMP)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

catalogs: $(STAMP)
	$(BIN)/python -m papka.cli.i18n_build

# The portable folder (dist/papka/papka runs from a stick, no install): papka and PyInstaller in
# their own environment, from the hash-pinned locks; PyInstaller never enters papka's runtime.
PORTABLE_VENV := .venv-portable
$(PORTABLE_VENV)/.installed: requirements.lock packaging/requirements-portable.lock pyproject.toml
	$(PYTHON) -m venv $(PORTABLE_VENV)
	$(PORTABLE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(PORTABLE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r packaging/requirements-portable.lock
	touch $@
portable: $(PORTABLE_VENV)/.installed
	$(PORTABLE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall .
	cd packaging && ../$(PORTABLE_VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath ../dist --workpath ../build/pyinstaller papka.spec
portable-smoke: portable
	$(PYTHON) packaging/smoke_portable.py dist/papka

portable-lock:
	uv pip compile --generate-hashes --python-version 3.11 --python-platform linux -c requirements.lock packaging/requirements-portable.in -o packaging/requirements-portable.lock

# Regenerates requirements.lock from requirements.in (needs uv: `pip install uv`).
lock:
	uv pip compile --generate-hashes --python-version 3.11 --python-platform linux requirements.in -o requirements.lock

clean:
	rm -rf $(VENV) $(PORTABLE_VENV) build dist *.egg-info src/*.egg-info
