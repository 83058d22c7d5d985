# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the demo's emails (reminders, notifications) point at the address the demo serves on.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: demo test install install-test lint check-deploy serve clean bench-data bench bench-smoke
.PHONY: bandit backup restore-check

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet '.[test]'
	touch $@ $(VENV)/.installed-app

install: $(VENV)/.installed-app
install-test: $(VENV)/.installed-test

demo: install
	$(PY) manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo
	@echo
	@echo "Neglect portal demo: open http://$(HOST):$(PORT)/ and sign in as csc.lead (or analyst, member,"
	@echo "scrutineer, admin ...) with the password demo-pass-2020. Press Ctrl+C to stop."
	@echo
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/lint-imports --no-cache

lint: install-test
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(MAKE) --no-print-directory bandit

# --- issue 15: bandit and backups ---
# bandit over every package of the app ([tool.bandit] in pyproject.toml leaves out tests, migrations, the venv);
# any medium or high finding fails. A reviewed false positive carries `# nosec BXXX` and its reason on its line.
# (bandit 1.9 also warns "nosec encountered ... but no failed test" for f-strings: PyCQA/bandit#1204, harmless.)
bandit: install-test
	$(VENV)/bin/bandit -c pyproject.toml -r . -ll -q
	@echo "bandit: no medium or high findings"

# A backup of the PostgreSQL database named by DATABASE_URL, and MEDIA_ROOT, into BACKUP_DIR (README, "Backups").
BACKUP_DIR ?= backups
backup: install
	$(PY) manage.py backup --dir $(BACKUP_DIR)

# Restores the newest backup in BACKUP_DIR (or BACKUP=path/to/file.dump) into a scratch database and checks it.
restore-check: install
	$(PY) manage.py restore_check --dir $(BACKUP_DIR) $(if $(BACKUP),--backup $(BACKUP))
# --- end issue 15: bandit and backups ---

# Production-like settings must pass Django's deployment checks with no warnings.
check-deploy: install
	DEBUG=off SECRET_KEY='ci-only-7c1f0a9e3b2d4c8f6a5e1d0b9c8a7f6e5d4c3b2a1f0e9d8c7b6a5' \
	ALLOWED_HOSTS=portal.example.org CACHE_URL=redis://127.0.0.1:6379/1 \
	$(PY) manage.py check --deploy --fail-level WARNING

# Issue 13's bench: a generated large partnership in its own PostgreSQL database (dropped and made again), then
# every figure side by side; writes bench/results.json and bench/results.md. BENCH_PG names the server.
BENCH_SCALE ?= large

bench-data: install
	$(PY) -m bench.generate --scale $(BENCH_SCALE)

bench: install
	$(PY) -m bench.run --scale $(BENCH_SCALE) $(BENCH_ARGS)

# CI smoke: the tiny partnership, every measurement must run; no timing is judged.
bench-smoke: install
	$(PY) -m bench.generate --scale tiny --database neglect_portal_bench_ci
	$(PY) -m bench.run --scale tiny --database neglect_portal_bench_ci --check --out var/bench-smoke

clean:
	rm -rf $(VENV) var/db.sqlite3 var/staticfiles
