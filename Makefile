# `make run`  — set up .venv on a fresh machine and serve the app (DEMO=1 make run: with the simulator).
# `make test` — set up .venv, Chromium and Redis where missing, then lint and run the whole suite.
# `make check` — lint and the fast tier (tests marked slow left out: tests/support/tiers.py), about a minute.
# `make licenses` — write docs/licenses.md: every runtime dependency's license, from its installed metadata.
VENV ?= .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test check lint licenses system-deps bench clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	$(PY) wsgi.py

# What the browser, cluster and records tests need from the system: Debian's Chromium (with an emoji font,
# for screenshots that show emoji), redis-server and PostgreSQL's server binaries (the tests start private
# ones on free ports; Debian keeps initdb in /usr/lib/postgresql/<version>/bin, off PATH).
system-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-color-emoji >/dev/null; }
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

lint: $(DEV_STAMP)
	$(PY) -m ruff check .

licenses: $(RUNTIME_STAMP)
	$(PY) -m assistant.licenses

# Three tests at a time (pytest-xdist; a file's tests stay on one worker, so its shared server starts once; the
# tests mostly wait, on servers, browsers and TikTok's timings, so three fit on two cores), then the tests marked
# `exclusive`, which measure time or load, alone.
test: $(DEV_STAMP) system-deps lint
	$(PY) -m pytest -n 3 --dist loadfile -m "not exclusive"
	$(PY) -m pytest -m exclusive

check: $(DEV_STAMP)
	$(PY) -m ruff check . && $(PY) -m pytest -m "not slow"

# `make bench` — the project beside a bare Flask-SocketIO server (about 7 minutes; figures printed, never
# asserted), the soak, then recording off / SQLite / Postgres (bench/records.py --quick, about a minute; the
# full run takes about 2.5; Postgres needs `make system-deps`, else it is left out with a note), and a
# capture replayed to both servers (bench/replay.py --quick, about a minute); then the actions' rules that fire
# nothing beside none (bench/actions.py, seconds), webhook deliveries a second beside a bare loop
# (bench/webhooks.py --quick, under a minute), and a 50-creator wall beside 50 tabs (bench/wall.py, about 2).
# `$(PY) bench/throughput.py --quick` takes about 3 minutes.
bench: $(DEV_STAMP)
	$(PY) bench/throughput.py
	$(PY) bench/soak.py
	$(PY) bench/records.py --quick
	$(PY) bench/replay.py --quick
	$(PY) bench/actions.py
	$(PY) bench/webhooks.py --quick
	$(PY) bench/wall.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
