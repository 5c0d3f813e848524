# kentops — the verbs people need. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
SITE ?= demo
# Looked up when used, so a uv that bootstrap just installed is found.
UV = $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen

.PHONY: help bootstrap deps-system demo test lint bench mutants lab-up lab-down clean

help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

bootstrap: ## Install uv (with pip) when missing and put it on new shells' PATH, then the locked Python packages.
	@scripts/ensure-uv
	@$(UV) sync --frozen --quiet

deps-system: ## As root: the Debian packages the lab and the validators need.
	@scripts/install-system-deps

demo: bootstrap deps-system ## The main job: audit the demo municipality against the local lab.
	@scripts/demo $(SITE)

test: bootstrap deps-system ## The whole test suite (unit, golden, lab).
	@$(RUN) pytest -n 2 --dist loadgroup -q

lint: bootstrap ## ruff, mypy --strict, yamllint, ansible-lint.
	$(RUN) ruff check src tests filter_plugins benchmarks plugins
	$(RUN) ruff format --check src tests filter_plugins benchmarks plugins
	$(RUN) mypy
	$(RUN) yamllint -s .
	@if [ -d roles ] && ls roles/*/tasks >/dev/null 2>&1; then $(RUN) ansible-lint --profile production; fi

bench: bootstrap ## Benchmarks (figures go to benchmarks/README.md).
	@$(RUN) python benchmarks/run.py

mutants: bootstrap ## Mutation testing (slow, not in `make test`); MODULE=kentops.policycheck.parsers for one.
	@$(RUN) mutmut run $(if $(MODULE),"$(MODULE).*",) --max-children 1; $(RUN) mutmut results

lab-up: bootstrap deps-system ## Start the local lab for inventories/$(SITE).
	@$(RUN) kentops lab up inventories/$(SITE)

lab-down: bootstrap ## Stop the local lab and remove everything it made.
	@$(RUN) kentops lab down

clean: ## Remove generated files (build/, reports/, var/).
	rm -rf build reports var .lab
