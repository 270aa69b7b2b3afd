# The two commands: `make run` serves the demo organization, `make test` runs the suite.
# Both create .venv from scratch when it is missing. `make run` installs the runtime
# dependencies only; `make test`, `make lint` and `make bench` install the `test` extra
# as well. Each kind of install has its stamp, redone when pyproject.toml changes; the
# test install includes the runtime one, so it renews both stamps (`make run` after
# `make test` installs nothing).
PYTHON     ?= python3
VENV       ?= .venv
PY         := $(VENV)/bin/python
RUN_STAMP  := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run test lint bench clean postgres-server
.DELETE_ON_ERROR:

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(PY) -m service serve --demo

# The dashboard's browser tests drive Debian's chromium: installed here when missing
# (as root, as on CI); otherwise the message names the package.
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "the dashboard's browser tests need Debian's chromium package:" \
		     "apt-get install chromium (as root), or set CHROMIUM=/path/to/chromium" >&2; \
		exit 1; \
	fi

# The PostgreSQL tests start a temporary server of their own from Debian's server
# binaries (tests/pgcluster.py): the `postgresql` package is installed here when missing
# (as root; without creating the package's default cluster), unless
# CUSTOM_FIELDS_TEST_POSTGRES names a server to use instead.
postgres-server:
	@if [ -n "$$CUSTOM_FIELDS_TEST_POSTGRES" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		mkdir -p /etc/postgresql-common && \
		{ [ -e /etc/postgresql-common/createcluster.conf ] || \
		  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf; } && \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends postgresql; \
	else \
		echo "the PostgreSQL tests need the server binaries: apt-get install postgresql" \
		     "(as root), or set CUSTOM_FIELDS_TEST_POSTGRES=postgresql://..." >&2; \
		exit 1; \
	fi

test: $(TEST_STAMP) postgres-server | $(CHROMIUM)
	CUSTOM_FIELDS_CHROMIUM=$(CHROMIUM) $(PY) -m pytest

lint: $(TEST_STAMP)
	$(PY) -m ruff check events projections service tests bench
	$(PY) -m mypy

bench: $(TEST_STAMP) postgres-server
	$(PY) -m bench.run
	$(PY) -m bench.postgres --docs

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
