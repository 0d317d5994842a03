# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: run test lint format install setup worker beat web clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# Dependencies only: Firebell itself runs from this checkout (manage.py, celery -A firebell).
	$(BIN)/python -m pip install --quiet --only-deps '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# Local, embedded mode: SQLite and the embedded broker under var/, web + worker + beat.
setup: install
	@echo "Preparing the database…"
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput --verbosity 0
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py firebell_setup

run: setup
	@echo "Firebell: http://127.0.0.1:$${FIREBELL_PORT:-8000}  (API docs: /api/docs/)"
	@echo "/readyz turns 200 once the worker's first heartbeat arrives (~15 s). Ctrl-C stops all."
	@# Links, intake URLs and the integration page's test curl must name the port actually served.
	DEBUG=$${DEBUG:-1} PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$${FIREBELL_PORT:-8000}} \
	  $(BIN)/honcho start -f Procfile.dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The UI's tests run a second time in a time zone other than UTC (and with a DST change), so a
# time printed in UTC instead of the viewer's zone fails: they take a minute or two.
UI_TESTS := tests/core/test_ui.py tests/core/test_ui_pages.py tests/incidents/views \
	tests/incidents/test_pages.py tests/oncall/test_pages.py tests/oncall/test_views.py \
	tests/alerts/test_integrations_ui.py tests/postmortems/test_views.py \
	tests/moderation/test_views.py \
	tests/checks/test_views.py tests/statuspage/test_public.py \
	tests/setup tests/inbox tests/oncall/test_schedule_setup.py

test: install lint
	$(BIN)/pytest $(PYTEST_ARGS)
	TIME_ZONE=Europe/Paris $(BIN)/pytest $(PYTEST_ARGS) -q $(UI_TESTS)

clean:
	rm -rf $(VENV) var
