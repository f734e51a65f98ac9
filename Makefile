# kwire: the two commands are `make run` (the main job) and `make test` (the whole suite).
# Each does all set-up first: Debian packages, pnpm, node modules, then every build step,
# each skipped when its outputs are newer than its inputs.
SHELL := /bin/bash
.DEFAULT_GOAL := build

ADDON := native/build/Release/kwire.node
WASM := assembly/build/kwire.wasm

.PHONY: setup build bpf native wasm ts docs run test bench fuzz clean

setup:
	@scripts/setup.sh

bpf: setup
	@$(MAKE) --no-print-directory -s -C bpf

$(ADDON): native/binding.gyp $(wildcard native/src/*.cc native/src/*.h native/src/*/*.cc native/src/*/*.h)
	@echo "build: native addon"
	@cd native && pnpm run -s build

native: setup $(ADDON)

$(WASM): assembly/asconfig.json assembly/aggregate/asconfig.json $(wildcard assembly/*.ts assembly/generated/*.ts assembly/aggregate/*.ts)
	@echo "build: decoders and aggregation (AssemblyScript)"
	@cd assembly && pnpm run -s build

wasm: setup $(WASM)

ts: setup
	@pnpm exec tsc -b packages/cli

build: bpf native wasm ts

# The API reference (typedoc) of kwire and kwire/gen, into packages/kwire/docs/api.
docs: ts
	@cd packages/kwire && pnpm exec typedoc

run: build
	@scripts/main-job.sh

test: build
	@scripts/check-generated.sh
	@cd test && pnpm exec vitest run
	@scripts/check-no-kw-programs.sh

# Long fuzz runs outside the suite: every script in scripts/fuzz/ (each >= 10^6 inputs; FUZZ_ARGS to each).
fuzz: build
	@for f in scripts/fuzz/*.mjs; do node "$$f" $(FUZZ_ARGS) || exit 1; done

bench: build
	@cd bench && pnpm exec tsx run.ts $(BENCH_ARGS)

clean:
	@$(MAKE) -s -C bpf clean
	@rm -rf native/build assembly/build packages/*/dist packages/*/*.tsbuildinfo
