#!/usr/bin/env bash
# `run` against the simulated cluster: how soon after the decisive moment the verdict comes, and
# how many kubectl processes each phase starts, for a short and a long wait (the count must not
# grow with the duration). The simulator records the moment (all pods Ready, or the first
# failure) in milestones.log; a crash decides once its container has been failing for
# --stuck-grace (here $grace s), so for a crash the moment is its first failure plus the grace. The tool's verdict time is the end of its "<step>: workloads Healthy" case.
# Usage: bench/run_cluster.sh [BINARY]
set -euo pipefail
bin=$(realpath "${1:-build/argocd-preflight}")
here=$(cd "$(dirname "$0")/.." && pwd)
command -v kubectl >/dev/null || { echo "bench: kubectl is needed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home TMPDIR=$tmp/tmp; mkdir -p "$HOME" "$TMPDIR"
grace=5
healthy_for=1  # --healthy-for: Healthy is believed once it has held this long
measure() { # name scenario-json
  local name=$1 sc=$tmp/$1.json
  printf '%s' "$2" > "$sc"
  export FAKE_KIND_HOME=$tmp/kind-$name
  KUBE_SIM_SCENARIO=$sc PATH=$here/tests/sim/bin:$PATH "$bin" run --manifests "$here/tests/fixtures/run/app.yaml" \
    --report-dir "$tmp/out-$name" --log-level warn --stuck-grace "$grace" --healthy-for "$healthy_for" >/dev/null 2>&1 || true
  python3 - "$name" "$tmp/out-$name/report.json" "$FAKE_KIND_HOME"/deleted/*/milestones.log "$grace" "$healthy_for" <<'PY'
import json, sys
name, report, milestones, grace, healthy_for = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
r = json.load(open(report))
case = next(c for s in r["suites"] for c in s["cases"] if c["name"].endswith("workloads Healthy"))
verdict = (case["start_ms"] + case["duration_ms"]) / 1000.0
run_end = (r["start_ms"] + r["duration_ms"]) / 1000.0
lines = [l.split(" ", 1) for l in open(milestones).read().splitlines()]
want = "first-failure" if case["outcome"] == "failed" else "all-ready"
times = [float(t) for t, what in lines if what.startswith(want)]
moment = max(times) + healthy_for if want == "all-ready" else min(times) + grace
want = f"all Ready + {healthy_for:.0f} s" if want == "all-ready" else f"first failure + {grace:.0f} s"
procs = {k.split(".")[-1]: v for k, v in r["properties"].items() if k.startswith("kubectl.processes.")}
print(f"{name:28s} {case['outcome']:7s} verdict {1000*(verdict-moment):6.0f} ms after {want}; "
      f"run ends {1000*(run_end-moment):6.0f} ms after; kubectl processes {procs}")
PY
}
secret='"publisher": {"on_success": {"container": "make-token", "create_secret": {"name": "shared-token", "data": {"token": "t"}}}}'
measure ready-after-2s "{\"ready_after_s\": 2, \"workloads\": {$secret}}"
measure ready-after-8s "{\"ready_after_s\": 8, \"workloads\": {$secret}}"
measure init-stuck-after-1s "{\"ready_after_s\": 1, \"workloads\": {\"publisher\": {\"fail\": {\"container\": \"make-token\", \"every_s\": 1, \"log\": \"error: dial tcp 10.96.0.1:443: i/o timeout\"}}}}"
measure init-stuck-after-5s "{\"ready_after_s\": 1, \"workloads\": {\"publisher\": {\"fail\": {\"container\": \"make-token\", \"every_s\": 5, \"log\": \"error: dial tcp 10.96.0.1:443: i/o timeout\"}}}}"

# Probes and smoke on Argo CD v3.5.1 (needs ../shared): the probes phase must cost the same
# number of kubectl processes however many probes there are (one apply, one watch, one logs).
shared=${SHARED:-$here/../shared}
if [ -f "$shared/argocd/v3.5.1/install.yaml" ]; then
  export FAKE_KIND_HOME=$tmp/kind-probes
  KUBE_SIM_SCENARIO=$here/tests/fixtures/run/smoke-ok.json PATH=$here/tests/sim/bin:$PATH "$bin" run \
    --manifests "$shared/argocd/v3.5.1/install.yaml" --report-dir "$tmp/out-probes" --log-level warn >/dev/null 2>&1 || true
  python3 - "$tmp/out-probes/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
probes = [c for s in r["suites"] for c in s["cases"] if c.get("facts")]
phase = next((s for s in r["suites"] if s["name"].startswith("scenario")), None)
procs = {k.split(".")[-1]: v for k, v in r["properties"].items() if k.startswith("kubectl.processes.")}
print(f"v3.5.1 with probes and smoke: {len(probes)} probes, kubectl processes {procs}, run {r['duration_ms']} ms, verdict {r['verdict']}")
PY
fi

# Early verdict (Argo CD v2.11.1, needs ../shared): from the end of the apply to the verdict,
# deciding as soon as the static finding and a live probe from the blocked identity agree,
# against --no-early-verdict (which waits for the crash and --stuck-grace) in the same run.
if [ -f "$shared/argocd/v2.11.1/install.yaml" ]; then
  early() { # name extra-args...
    local name=$1; shift
    export FAKE_KIND_HOME=$tmp/kind-$name
    KUBE_SIM_SCENARIO=$here/tests/fixtures/run/probes-v2.11.1.json PATH=$here/tests/sim/bin:$PATH "$bin" run \
      --manifests "$shared/argocd/v2.11.1/install.yaml" --report-dir "$tmp/out-$name" --log-level warn --stuck-grace 30 --probe-timeout 2 \
      "$@" >/dev/null 2>&1 || true
    python3 - "$tmp/out-$name/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cases = [c for s in r["suites"] for c in s["cases"]]
apply = next(c for c in cases if ": apply " in c["name"])
wait = next(c for c in cases if c["name"].endswith("workloads Healthy"))
print((wait["start_ms"] + wait["duration_ms"] - apply["start_ms"] - apply["duration_ms"]) / 1000.0)
PY
  }
  with=$(early early-on); without=$(early early-off --no-early-verdict)
  python3 -c "import sys; w, wo = float(sys.argv[1]), float(sys.argv[2]); print(f'v2.11.1 (--stuck-grace 30): verdict {w:.1f} s after apply with the early verdict, {wo:.1f} s without; {wo / w:.1f}x sooner')" "$with" "$without"
fi
