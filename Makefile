# Agora: the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The PostgreSQL server the second pass of the suite creates its own database on.
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=
# `make scale` listens on 8080 unless PORT is given (on the command line or in the environment).
SCALE_PORT := $(if $(filter file,$(origin PORT)),8080,$(PORT))

.PHONY: run test install install-test translations services test-sqlite test-postgres bench lint clean scale scale-stop

run: install translations
	$(BIN)/agora db upgrade
	$(BIN)/agora load-demo
	HOST=$(HOST) PORT=$(PORT) $(BIN)/agora serve

test: install-test translations services
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# The whole suite on SQLite (the embedded default).
test-sqlite:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything that touches a database, again on a real PostgreSQL server.
test-postgres:
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest tests/app $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { scripts/ensure-python-venv.sh && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d app/translations

# Chromium, PostgreSQL and Redis from Debian when missing; started when not running.
services:
	scripts/ensure-test-services.sh

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/clustering.py
	$(BIN)/python bench/live.py

# docker-compose's topology without Docker, under supervisord (deploy/scale.py; README, "Running at scale").
$(VENV)/.installed-scale: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[scale]'
	touch $@

scale: $(VENV)/.installed-scale translations
	PORT=$(SCALE_PORT) $(BIN)/python deploy/scale.py run

scale-stop:
	PORT=$(SCALE_PORT) $(BIN)/python deploy/scale.py stop

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache
