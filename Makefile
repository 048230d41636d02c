# Two commands for a newcomer: `make run` and `make test`.
# Python 3.12: `python3.12` on the PATH when it runs, else pyenv's newest 3.12 where pyenv is installed.
PYTHON ?= $(shell python3.12 -c 'import sys' >/dev/null 2>&1 && echo python3.12 || \
	{ v=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$$' | sort -V | tail -1); \
	  test -n "$$v" && echo "$$(pyenv root)/versions/$$v/bin/python3.12" || echo python3.12; })
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test coverage install migrate worker beat lint typecheck check-deploy benchmarks messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 || \
		{ echo "Cần Python 3.12 ($(PYTHON)): cài python3.12, hoặc pyenv install 3.12"; exit 1; }
	@$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 || \
		{ rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	DEBUG=$${DEBUG:-True} $(BIN)/python manage.py migrate --noinput

run: migrate
	DEBUG=$${DEBUG:-True} $(BIN)/python manage.py load_units
	DEBUG=$${DEBUG:-True} $(BIN)/python manage.py prepare_fonts
	DEBUG=$${DEBUG:-True} $(BIN)/python manage.py seed_demo --if-empty
	DEBUG=$${DEBUG:-True} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# PYTEST_ARGS: e.g. "-p no:randomly" for the file order, "--randomly-seed=N" to replay one.
# COVERAGE=1: the same run measured with line coverage (see `coverage` below); CI sets it.
test: $(STAMP)
ifeq ($(COVERAGE),1)
	@$(MAKE) --no-print-directory coverage
else
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
endif

# The same suite with line coverage, printing the total (no threshold). slipcover, not
# coverage.py: coverage.py's top-level package is named like the portal's coverage app,
# and one process cannot import both.
COVERAGE_OMIT := .venv/*,tests/*,*/migrations/*,benchmarks/*,manage.py
coverage: $(STAMP)
	@mkdir -p var
	$(BIN)/python -m slipcover --source . --omit '$(COVERAGE_OMIT)' --json --out var/coverage.json \
		-m pytest -q $(PYTEST_ARGS)
	@$(BIN)/python -c "import json; s = json.load(open('var/coverage.json'))['summary']; \
		print(f\"coverage total: {s['percent_covered']:.1f}% of {s['covered_lines'] + s['missing_lines']} lines\")"

worker: $(STAMP)
	$(BIN)/celery -A laocai_portal worker --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A laocai_portal beat --loglevel=INFO

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	DEBUG=True $(BIN)/mypy .

check-deploy: $(STAMP)
	DEBUG=False SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=portal.example.vn SITE_URL=https://portal.example.vn $(BIN)/python manage.py check --deploy --fail-level WARNING

messages: $(STAMP)
	DEBUG=True $(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=benchmarks
	DEBUG=True $(BIN)/python manage.py compilemessages -l en -l vi --ignore=.venv

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/import_students.py
	$(BIN)/python benchmarks/dashboard.py

clean:
	rm -rf $(VENV) staticfiles
