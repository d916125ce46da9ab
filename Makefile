# The two commands users need: `make preflight` (the main job) and `make test`.
# Both set up what is missing (ci/setup.sh), build, then run.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
BIN := $(BUILD)/argocd-preflight

# make preflight variables (see README):
MANIFESTS ?= ../shared/argocd/v3.5.1/install.yaml
BASELINE ?=
FORMAT ?= text
OUT ?= out
SCENARIO ?= fresh-install
CANDIDATE ?= stable
FLAVOUR ?= install

.PHONY: setup build test preflight clean bench

setup:
	@ci/setup.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The static pre-flight on the candidate's manifests, with every report written to $(OUT)/.
# (The cluster stages — `run` — are not built yet; see README.)
preflight: build
	@mkdir -p $(OUT)
	$(BIN) analyze $(MANIFESTS) $(if $(BASELINE),--baseline $(BASELINE)) --format $(FORMAT) --report-dir $(OUT)

clean:
	rm -rf $(BUILD) $(OUT)

bench: build
	bench/run.sh $(BIN) ../shared
