# Comptoir — the two commands that matter: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest workers: the CI machine has 2 cores; override with `make test WORKERS=4`.
WORKERS ?= auto
PYTEST_ARGS ?=

.PHONY: demo test lint format bench clean venv

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@python=$$(scripts/find-python) && echo "Using $$python" && "$$python" -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The MariaDB/MySQL driver compiles against libmariadb-dev; installed only when DATABASE_URL asks for it.
$(VENV)/.installed-mysql: $(VENV)/.installed requirements-mysql.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-mysql.txt
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo --url http://$(HOST):$(PORT)
	@echo "Demo shop: http://$(HOST):$(PORT)/   back office: http://$(HOST):$(PORT)/admin/  (login printed above)"
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed $(if $(findstring mysql,$(DATABASE_URL)),$(VENV)/.installed-mysql)
	$(BIN)/pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Storefront load benchmark (SQLite and PostgreSQL); writes docs/performance.md. e.g. BENCH_ARGS="--db sqlite".
BENCH_ARGS ?=
bench: $(VENV)/.installed
	$(PY) bench/storefront.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/ .pytest_cache
