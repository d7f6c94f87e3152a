# Comptoir — the two commands that matter: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest workers: the CI machine has 2 cores; override with `make test WORKERS=4`.
WORKERS ?= auto
PYTEST_ARGS ?=

.PHONY: demo test lint format bench bench-checkout bench-flash clean venv

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
	@# The task worker (e-mails, invoices, event handlers) and the clock (expired holds, unpaid orders) run
	@# beside the web server and stop with it.
	@DEBUG=1 $(PY) manage.py db_worker --queue-name '*' > var/worker.log 2>&1 & worker=$$!; \
	DEBUG=1 $(PY) manage.py run_periodic_jobs > var/periodic.log 2>&1 & clock=$$!; \
	trap 'kill $$worker $$clock 2>/dev/null' EXIT INT TERM; \
	echo "Task worker and periodic jobs running (logs: var/worker.log, var/periodic.log)"; \
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

# Complete checkouts per second through the buying API (gunicorn + task worker; PostgreSQL by default);
# writes docs/performance.md. e.g. CHECKOUT_ARGS="--db postgresql mysql --seconds 10".
CHECKOUT_ARGS ?=
bench-checkout: $(VENV)/.installed $(if $(findstring mysql,$(CHECKOUT_ARGS)),$(VENV)/.installed-mysql)
	$(PY) bench/checkout.py $(CHECKOUT_ARGS)

# The newsletter day: 10,000 buyers in a minute through the storefront (gunicorn, PostgreSQL, a Redis of its own,
# a task worker), with a fault if asked; writes docs/performance.md. e.g.
# FLASH_ARGS="--buyers 1000 --seconds 20 --fault kill-workers" (faults: kill-workers restart-postgres
# slow-payments stop-redis). BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 names the PostgreSQL server.
FLASH_ARGS ?=
bench-flash: $(VENV)/.installed
	$(PY) bench/flash_sale.py $(FLASH_ARGS)

clean:
	rm -rf $(VENV) var/ .pytest_cache
