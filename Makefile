# Herald: the two commands a newcomer needs are `make dev` and `make test`.
SHELL := /bin/bash
export SAM_CLI_TELEMETRY := 0
# The Python 3.13 that builds .venv: PYTHON=/path/to/python3.13, else local/find_python.sh finds one
# (python3.13 on PATH, pyenv's newest 3.13.x, `uv python find 3.13`) or says in one line what to install.
PYTHON ?=
FIND_PYTHON := $(or $(PYTHON),$$(local/find_python.sh))
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
STAMP := $(VENV)/.installed

TENANT ?= dev
ROLE ?= admin
STACK ?=

.PHONY: dev test test-unit test-integration test-e2e lint format api-key tenant-plan receiver redrive redrive-ingest migrate screenshots openapi soak build validate deploy bench clean

$(STAMP): requirements-dev.txt layers/common/requirements.txt
	@test -x $(PY) || { python=$(FIND_PYTHON) && "$$python" -m venv $(VENV); }
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq -r requirements-dev.txt
	@touch $@

$(SAM): 
	@test -x $(SAM_VENV)/bin/python || { python=$(FIND_PYTHON) && "$$python" -m venv $(SAM_VENV); }
	$(SAM_VENV)/bin/python -m pip install -qq --upgrade pip
	$(SAM_VENV)/bin/python -m pip install -qq aws-sam-cli==1.170.0

dev: $(STAMP) ## run the whole system locally (AWS emulator, API, authorizer, ingest, sender)
	$(PY) -m local

api-key: $(STAMP) ## mint a key: make api-key TENANT=t ROLE=viewer|editor|admin [STACK=name]
	@$(PY) -m local.api_key --tenant "$(TENANT)" --role "$(ROLE)" $(if $(STACK),--stack "$(STACK)")

tenant-plan: $(STAMP) ## a tenant's own throttle: make tenant-plan TENANT=t RATE=r BURST=b [QUOTA=per day] [STACK=name]; no RATE/BURST: the default plan
	@$(PY) -m local.tenant_plan --tenant "$(TENANT)" $(if $(RATE),--rate "$(RATE)") $(if $(BURST),--burst "$(BURST)") \
	  $(if $(QUOTA),--quota "$(QUOTA)") $(if $(STACK),--stack "$(STACK)")

receiver: $(STAMP) ## a webhook receiver on 127.0.0.1 that prints what it gets and answers 200 [PORT=8000]
	@$(PY) -m local.receiver $(if $(PORT),--port "$(PORT)")

redrive: $(STAMP) ## another round for every delivery in the dead-letter queue, recorded in its log [STACK=name]
	@$(PY) -m local.redrive $(if $(STACK),--stack "$(STACK)")

redrive-ingest: $(STAMP) ## feed monitoring events that failed every try back in [STACK=name]
	@$(PY) -m local.redrive_ingest $(if $(STACK),--stack "$(STACK)")

migrate: $(STAMP) ## move items an older release stored into the current layout [STACK=name]; safe to stop and run again
	@$(PY) -m local.migrate $(if $(STACK),--stack "$(STACK)")

screenshots: $(STAMP) ## the console's screenshots in docs/img/, from the browser tests (needs chromium)
	HERALD_SCREENSHOT_DIR=docs/img $(PY) -m pytest tests/e2e/test_console.py -q

openapi: $(STAMP) ## write docs/openapi.json from the typed routes (a unit test fails when it is out of date)
	@$(PY) -m local.openapi

# Two pytest-xdist workers (one per core on the CI machine, at most four): most e2e time is waiting on the
# local stack, so two workers overlap it; each worker starts its own stack on free ports.
test: $(STAMP) ## unit, integration (moto) and e2e (local stack over HTTP)
	$(PY) -m pytest tests -n auto --maxprocesses 4

soak: $(STAMP) ## the long runs: 1,000 deliveries under faults, 200 req/s for 60 s, long fuzzing, many more property examples (docs/RELIABILITY.md)
	HERALD_SOAK_DELIVERIES=1000 HERALD_RELIABILITY_REPORT=bench/results/reliability-soak.json \
	  $(PY) -m pytest tests/e2e/test_reliability.py -k faults_everywhere -s --timeout 1800
	HERALD_LOAD_RATE=200 HERALD_LOAD_SECONDS=60 HERALD_LOAD_REPORT=bench/results/load-soak.json \
	  $(PY) -m pytest tests/e2e/test_load.py -s --timeout 600
	HERALD_FUZZ_EXAMPLES=100 $(PY) -m pytest tests/e2e/test_openapi_fuzz.py -k every_operation --timeout 3700
	HYPOTHESIS_PROFILE=soak $(PY) -m pytest tests/property -q --timeout 3600

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

test-integration: $(STAMP)
	$(PY) -m pytest tests/integration

test-e2e: $(STAMP)
	$(PY) -m pytest tests/e2e

lint: $(STAMP) $(SAM) ## ruff, mypy, sam validate --lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(SAM) validate --lint

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

validate: $(SAM)
	$(SAM) validate --lint

build: $(SAM) ## sam build with the Python 3.13 make found, then bytecode for the read-only layer
	@# sam build runs the python3.13 on PATH, so the one found goes first. Lambda mounts layers read-only:
	@# without .pyc every cold start recompiles (bench: ~2x slower imports).
	python=$(FIND_PYTHON) && PATH="$$(dirname "$$python"):$$PATH" $(SAM) build && \
	  "$$python" -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build/CommonLayer/python

deploy: build
	$(SAM) deploy --guided

BENCH_DEPS := .bench-deps
BENCH_STAMP := $(BENCH_DEPS)/.installed

# Peers the benchmarks compare Herald with (Apprise): a directory of their own, appended to sys.path by
# bench/peers.py only, so neither the layer, the dev venv nor `make test` ever sees them.
$(BENCH_STAMP): bench/requirements.txt
	$(PY) -m pip install -qq --upgrade --target $(BENCH_DEPS) -r bench/requirements.txt
	@touch $@

bench: $(STAMP) $(BENCH_STAMP) ## benchmarks and peers (docs/BENCHMARKS.md); QUICK=1 for the reduced runs
	$(PY) -m bench $(if $(QUICK),--quick)

clean:
	rm -rf .aws-sam $(VENV) $(SAM_VENV) $(BENCH_DEPS) .pytest_cache .mypy_cache .ruff_cache
