# The two commands users need: `make preflight` (the main job) and `make test`.
# Both set up what is missing (ci/setup.sh), build, then run.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
BIN := $(BUILD)/argocd-preflight

# make preflight variables (see README):
MODE ?= run                 # run: the full gate on an ephemeral kind cluster; static: analyze only
CANDIDATE ?= stable         # the ref to prove...
MANIFESTS ?=                # ...or your rendered install instead (static mode: what to analyze)
SOURCE ?= https://github.com/argoproj/argo-cd
BASELINE ?=                 # the ref running today (upgrade and rollback scenarios)
SCENARIO ?= fresh-install   # fresh-install, upgrade, rollback, ha, or a scenario file
FLAVOUR ?= install
FORMAT ?= text
OUT ?= out
ARGS ?=                     # anything else for `run`, e.g. --no-smoke --retain on-failure
CHART ?=                    # a Helm chart instead: DIR or .tgz, or its name in CHART_REPO
CHART_REPO ?=
CHART_VERSION ?=            # a version or constraint (~6.10.0) in CHART_REPO
VALUES ?=                   # values files for CHART, space-separated (later wins)
STATIC_DEFAULT := ../shared/argocd/v3.5.1/install.yaml
CHART_ARGS = --chart $(strip $(CHART)) $(if $(strip $(CHART_REPO)),--chart-repo $(strip $(CHART_REPO)) --chart-version '$(strip $(CHART_VERSION))') \
  $(foreach v,$(VALUES),--values $(v))

.PHONY: setup build test preflight clean bench bench-real

setup:
	@ci/setup.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The gate, with every report (junit.xml, report.json, summary.md, diagnostics) in $(OUT)/.
# kind and kubectl: from PATH, else the pinned release binaries of ci/tools.lock, fetched into
# .tools/ and verified by sha256 (ci/tools.sh). Docker is yours: the run says when it is missing.
preflight: build
	@mkdir -p $(OUT)
ifeq ($(strip $(MODE)),static)
ifneq ($(strip $(CHART)),)
	@tools=$$(ci/tools.sh ensure helm) || exit 3; \
	PATH="$$tools:$$PATH" $(BIN) analyze $(CHART_ARGS) $(if $(strip $(BASELINE)),--baseline $(BASELINE)) --format $(FORMAT) --report-dir $(OUT)
else
	$(BIN) analyze $(or $(strip $(MANIFESTS)),$(STATIC_DEFAULT)) $(if $(strip $(BASELINE)),--baseline $(BASELINE)) --format $(FORMAT) --report-dir $(OUT)
endif
else
	@tools=$$(ci/tools.sh ensure $(strip $(if $(findstring --provider existing,$(ARGS)),kubectl,kind kubectl) $(if $(strip $(CHART)),helm))) || exit 3; \
	PATH="$$tools:$$PATH" $(BIN) run --scenario $(strip $(SCENARIO)) --source $(strip $(SOURCE)) \
	  $(if $(strip $(CHART)),$(CHART_ARGS),--flavour $(strip $(FLAVOUR)) $(if $(strip $(MANIFESTS)),--manifests $(MANIFESTS),--candidate $(strip $(CANDIDATE)))) \
	  $(if $(strip $(BASELINE)),--baseline $(strip $(BASELINE))) --format $(FORMAT) --report-dir $(OUT) $(ARGS)
endif

clean:
	rm -rf $(BUILD) $(OUT)

bench: build
	bench/run.sh $(BIN) ../shared
	bench/sweep.py $(BIN) ../shared
	bench/scale.sh $(abspath $(BIN))

# The early verdict on the real test cluster (root; builds the cluster when cold).
bench-real: build
	bench/real_cluster.sh $(BIN) $(BUILD)/tests/probe_pod ../shared
