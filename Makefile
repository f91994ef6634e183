# make run: set up (virtualenv, migrations, demo data) and start the embedded setup.
# make test: the whole test suite. Both work on a machine with only python3 >= 3.11 and make.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Development defaults; real environment variables win.
export DEBUG ?= true
export DJANGO_SETTINGS_MODULE := finance.settings

.PHONY: run test venv migrate seed clean lock

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

venv: $(STAMP)

var/demo_password:
	@mkdir -p var
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(15))' > $@
	@chmod 600 $@

migrate: venv
	$(PY) manage.py migrate --no-input -v 1

seed: migrate var/demo_password
	DEMO_PASSWORD="$$(cat var/demo_password)" $(PY) manage.py seed_demo

run: seed
	DEMO_PASSWORD="$$(cat var/demo_password)" $(PY) scripts/run.py

# The suite keeps its own state (test database, broker folder, cache, files) under var/test, so
# that a `make run` afterwards finds no message a test left in its queue.
test: venv
	VAR_DIR="$(CURDIR)/var/test" $(PY) -m pytest $(PYTEST_ARGS)

# Re-pin requirements.lock from pyproject.toml (needs network access to the package index).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet ".[test]"
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^finance-interfaces' > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) var staticfiles
