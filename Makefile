# ruleproof — `make run` serves the bundled packs, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench bruteforce lint clean install openapi browser postgres java editor-deps playground

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ruleproof serve

openapi: $(STAMP)
	$(BIN)/python -m ruleproof.server.openapi > specs/openapi.json

# one test process per core (pytest-xdist): the suite waits on servers, browsers and solvers;
# the tests of one file run in one process (module fixtures start once; the differential
# test's summary counts what its file compared)
TEST_WORKERS ?= auto

test: $(STAMP) browser postgres java editor-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# The playground's browser test drives Debian's Chromium (Playwright's own browser download
# is not reachable here); install it when it is missing and we may.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "install Debian's chromium (apt-get install chromium) for the playground's browser test" >&2; exit 1; fi; }

# The decision log's PostgreSQL tests start a real server from Debian's postgresql package in a
# temporary folder; install it when it is missing and we may.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "install Debian's postgresql (apt-get install postgresql) for the decision log's tests" >&2; exit 1; fi; }

# The SQL back end's Spark tests run pyspark on Debian's Java; install it when it is missing and we may.
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "install Debian's Java (apt-get install openjdk-17-jre-headless) for the Spark tests" >&2; exit 1; fi; }

# The editor grammar's test tokenizes with VS Code's engine (vscode-textmate, vscode-oniguruma)
# under Node: install Debian's nodejs when it is missing and we may, then the locked packages.
editor-deps:
	@command -v node >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "install Node (apt-get install nodejs npm) for the editor grammar's test" >&2; exit 1; fi; }
	@[ -d editors/test/node_modules/vscode-textmate ] || npm ci --prefix editors/test --no-audit --no-fund --silent

# The playground's editor (CodeMirror 6) is vendored as one ES module in server/static; this
# rebuilds it from the locked npm packages (and copies the editor grammar it highlights with).
# `make run` needs no build step.
playground:
	cd playground-build && npm ci --no-audit --no-fund --silent && npm run build

check: $(STAMP)
	$(BIN)/ruleproof check policies/marketplace

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/frontend.py

# The brute-force comparison over many packs (tests/test_bruteforce.py runs 48 in `make test`).
BRUTEFORCE_PACKS ?= 2000
bruteforce: $(STAMP)
	$(BIN)/python bench/bruteforce.py --packs $(BRUTEFORCE_PACKS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
