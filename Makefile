# kubectl-initdoctor — the commands a developer and CI use. See README.md.
SHELL := /bin/bash
CONTROLPLANE := tests/controlplane
STATE_DIR ?= $(CURDIR)/.cluster
export INITDOCTOR_STATE_DIR := $(STATE_DIR)

.PHONY: all build release lint test unit-test e2e-test cluster-up cluster-down demo bench dist completions fuzz deps

all: build

build:
	cargo build

release:
	cargo build --release

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo test --test lint_layers
	@bash tests/lint/actionlint.sh

## The Debian packages and toolchains the cluster and the tests need, checked first (installed as
## root; otherwise the exact apt-get command, exit 1). REAL_NODE=0: without the real node's.
deps:
	@bash $(CONTROLPLANE)/deps.sh

## Unit tests of the pure core only (no cluster needed).
unit-test:
	cargo test --lib --bins

## Everything: brings the control plane and the real node up (REAL_NODE=0: without the real node)
## while the tests compile, runs unit and end-to-end tests, takes it all down. The tests that need
## the real node (`real_node_*`, ignored by default) run in a second pass when it is up; without
## it, the first pass's summary counts them as ignored.
REAL_NODE_TESTS = if grep -q '^export INITDOCTOR_REAL_NODE=' "$(STATE_DIR)/env"; then \
	  echo "make: the tests that need the real node"; \
	  cargo test $(1) --no-fail-fast -- --ignored real_node_ --test-threads=4; \
	else echo "make: the real node is not up: the tests that need it did not run (ignored above)"; fi
test: deps
	@bash $(CONTROLPLANE)/up.sh >/dev/null & up=$$!; \
	  built=0; cargo test --all-targets --no-run || built=$$?; \
	  started=0; wait $$up || started=$$?; \
	  if [ $$built -ne 0 ] || [ $$started -ne 0 ]; then bash $(CONTROLPLANE)/down.sh; exit 1; fi; \
	  status=0; rm -f "$${CARGO_TARGET_DIR:-target}/tmp/incidents-scores.txt"; \
	  cargo test --all-targets --no-fail-fast -- --test-threads=4 || status=$$?; \
	  cargo test -q --test corpus the_reader_scores -- --nocapture 2>&1 | grep '^corpus:' || status=1; \
	  $(call REAL_NODE_TESTS,--tests) || status=$$?; \
	  cat "$${CARGO_TARGET_DIR:-target}/tmp/incidents-scores.txt" 2>/dev/null || true; \
	  bash $(CONTROLPLANE)/down.sh; exit $$status

## End-to-end tests against a control plane that is already up (make cluster-up).
e2e-test:
	@status=0; cargo test --tests -- --test-threads=4 || status=$$?; \
	  $(call REAL_NODE_TESTS,--tests) || status=$$?; exit $$status

## The fuzz targets of the readers of untrusted text (tests/fuzz/), each for FUZZ_SECONDS
## (default 600), one after the other, on the nightly toolchain with cargo-fuzz; the corpus in
## tests/fuzz/corpus/ grows, crashes land in tests/fuzz/artifacts/. An input that takes longer
## than FUZZ_INPUT_SECONDS (default 2) fails like a crash. Not part of `make test`.
FUZZ_SECONDS ?= 600
FUZZ_INPUT_SECONDS ?= 2
FUZZ_TARGETS ?= shell_reader command_reader kubeconfig request_timeout
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $$t for $(FUZZ_SECONDS)s"; \
	  cargo +nightly fuzz run --fuzz-dir tests/fuzz $$t -- -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_INPUT_SECONDS) || exit 1; \
	done

## The control plane, fake-node and real-node (REAL_NODE=0 skips the real node).
cluster-up: deps
	@bash $(CONTROLPLANE)/up.sh

cluster-down:
	@bash $(CONTROLPLANE)/down.sh

## Brings the cluster up while the plugin builds, then tells seed 001's story (tests/demo/demo.sh).
demo: deps
	@bash $(CONTROLPLANE)/up.sh >/dev/null & up=$$!; \
	  built=0; cargo build || built=$$?; \
	  started=0; wait $$up || started=$$?; \
	  [ $$built -eq 0 ] && [ $$started -eq 0 ] || exit 1; \
	  bash tests/demo/demo.sh

## Speed and memory as ratios against kubectl on the same control plane (no pass/fail).
bench: deps
	@bash $(CONTROLPLANE)/up.sh >/dev/null
	@bash tests/bench/bench.sh

.PHONY: krew-test publish-check k9s-test

## The k9s plugins (docs/k9s-plugins.yaml) loaded by the real k9s, built once from its Go module.
k9s-test:
	@bash $(CONTROLPLANE)/up.sh >/dev/null
	cargo test --test e2e_k9s -- --include-ignored --nocapture

## The crate as crates.io would take it: metadata, the packaged files, a build of the package.
publish-check:
	cargo publish --dry-run --locked

## Release archives (dist/) for the targets installed here, dist/SHA256SUMS and krew/initdoctor.yaml;
## lists the targets that need a release runner (DIST_TARGETS=<rust target> narrows the list).
dist:
	@bash krew/dist.sh

## Regenerate the committed completion scripts (completions/) from the CLI; review the diff.
completions:
	UPDATE_COMPLETIONS=1 cargo test --test e2e_completion committed_scripts

## Krew end to end: builds krew v0.4.4 (cached), validates the manifest as the krew-index does and
## installs the plugin with the real krew (uses dist/ when `make dist` made it). Part of `make test`,
## except the check of the committed manifest against dist/'s archives (ignored there: it needs
## `make dist`), which this target runs too.
krew-test: deps
	@bash $(CONTROLPLANE)/up.sh >/dev/null
	cargo test --test e2e_distribution -- --nocapture --include-ignored
