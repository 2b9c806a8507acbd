# The two commands a user needs: `make demo` and `make test`. Both run `make setup` first.
# `make bench` runs every benchmark; `make bench BENCH=stack_up` runs one.
.PHONY: setup test demo up down status lab bench

VENV := .venv
INGEST := $(VENV)/bin/ingest

setup:
	@bash scripts/setup.sh

test: setup
	@bash scripts/test.sh $(PYTEST_ARGS)

demo: setup
	@$(INGEST) up --sandbox
	@$(INGEST) demo

up: setup
	@$(INGEST) up --sandbox

down:
	@$(INGEST) down

status:
	@$(INGEST) status

lab: setup
	@$(INGEST) lab

bench: setup
	@$(VENV)/bin/python -m bench $(BENCH)
