# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Development installs requirements.txt, which includes requirements/base.txt (runtime).
REQUIREMENTS := requirements.txt requirements/base.txt
STAMP := $(VENV)/.installed-$(shell cat $(REQUIREMENTS) | sha1sum | cut -c1-12)

.PHONY: run test venv migrate demo reset-demo demo-his lint format messages bench vendor clean lock

# The web server's port: `make run PORT=8010`.
PORT ?= 8000

$(STAMP): $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# Web server, Celery worker and beat together; demo data and logins printed first. A demo
# seeded on an earlier day is rebuilt, so its dates count from today (demo_reset --if-stale).
run: export DEBUG ?= true
run: export LOG_FORMAT ?= plain
run: export WEB_PORT = $(PORT)
run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_reset --if-stale
	@echo "Open http://127.0.0.1:$(PORT) and log in with a demo user above."
	$(BIN)/honcho start -f Procfile.dev

migrate: venv
	$(BIN)/python manage.py migrate --noinput

demo: venv
	DEBUG=true $(BIN)/python manage.py seed_demo

# Empty the demo database (every table dropped), migrate and seed it again; no reinstall.
reset-demo: venv
	DEBUG=true $(BIN)/python manage.py demo_reset

# A demo hospital system sending admissions, transfers and labs to the HL7 listener
# (started by `make run`); watch Patients, Today and the monitoring charts.
demo-his: venv
	DEBUG=true $(BIN)/python manage.py demo_his $(DEMO_HIS_ARGS)

# The whole suite. SQLite and the embedded broker when nothing is set; .ci/run sets
# DATABASE_URL and REDIS_URL for PostgreSQL and Redis.
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Scale benchmarks against this machine's PostgreSQL (database cart_bench, emptied at each
# size); prints the table and writes bench/RESULTS.md. About 20 minutes.
bench: venv
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Style, and the dependency rules between the apps (.importlinter; README, Architecture).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract and compile translations (needs gettext). Compiled .mo files are committed.
messages: venv
	DEBUG=true $(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=static
	DEBUG=true $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

vendor:
	rm -rf var/npm && mkdir -p var/npm
	cd var/npm && npm pack bootstrap@5.3.9 htmx.org@2.0.11 chart.js@4.6.1 axe-core@4.14.1 >/dev/null
	cd var/npm && for f in *.tgz; do mkdir -p "$${f%.tgz}" && tar xzf "$$f" -C "$${f%.tgz}"; done
	cp var/npm/bootstrap-5.3.9/package/dist/css/bootstrap.min.css* static/vendor/bootstrap/
	cp var/npm/bootstrap-5.3.9/package/dist/js/bootstrap.bundle.min.js* static/vendor/bootstrap/
	cp var/npm/htmx.org-2.0.11/package/dist/htmx.min.js static/vendor/htmx/
	cp var/npm/chart.js-4.6.1/package/dist/chart.umd.min.js* static/vendor/chartjs/
	cd var/npm/axe-core-4.14.1/package && cp axe.min.js LICENSE LICENSE-3RD-PARTY.txt \
	  ../../../../tests/browser/vendor/axe-core/

# The production image's lock: every package pinned with hashes (after editing base.txt).
lock: venv
	$(BIN)/uv pip compile --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --no-header --custom-compile-command "make lock" \
	  requirements/prod.in -o requirements/prod.lock

clean:
	rm -rf $(VENV) var
