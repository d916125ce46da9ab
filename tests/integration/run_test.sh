#!/usr/bin/env bash
# End-to-end tests of `run`: the built binary, the real kubectl, a simulated API server behind a
# fake `kind` first on PATH. Usage: run_test.sh BIN SHARED CASE. Exit 77 = skipped (no kubectl or
# python3, or ../shared missing for the real-data cases).
set -uo pipefail
BIN=$1 SHARED=$2 CASE=$3
HERE=$(cd "$(dirname "$0")/.." && pwd)
FIX=$HERE/fixtures/run
command -v kubectl >/dev/null || { echo "SKIP: kubectl not on PATH"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not on PATH"; exit 77; }

T=$(mktemp -d)
cleanup() {
  # Whatever a failing test left running: simulators started by the fake kind.
  for p in "$T"/kind/clusters/*/pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
export HOME=$T/home TMPDIR=$T/tmp FAKE_KIND_HOME=$T/kind
mkdir -p "$HOME" "$TMPDIR"
unset KUBECONFIG
SIMPATH=$HERE/sim/bin:$PATH
OUT=$T/out
fails=0
fail() { echo "FAIL [$CASE]: $*"; fails=$((fails + 1)); }
expect_rc() { [ "$1" = "$2" ] || fail "exit code $1, expected $2"; }
contains() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }
lacks() { ! grep -qF -- "$2" "$1" || fail "$1 should not contain: $2"; }
no_clusters_left() {
  [ -z "$(ls -A "$FAKE_KIND_HOME/clusters" 2>/dev/null)" ] || fail "clusters left: $(ls "$FAKE_KIND_HOME/clusters")"
  [ -z "$(ls -A "$TMPDIR")" ] || fail "temporary files left: $(ls "$TMPDIR")"
}
run() { # run SCENARIO ARGS... -> rc in $rc, stdout in $T/stdout, stderr in $T/stderr
  local sc=$1; shift
  # The probe pods run the tool's real script: a dropped connection costs the probe timeout, twice.
  KUBE_SIM_SCENARIO=$sc PATH=$SIMPATH "$BIN" run --report-dir "$OUT" --log-level "${LOG_LEVEL:-info}" --probe-timeout 2 --healthy-for 1 "$@" >"$T/stdout" 2>"$T/stderr"
  rc=$?
}
outcome_is() { # junit case-name failure|skipped|error|passed [message-fragment]
  # The case named exactly NAME, or "<step>: NAME" (the step prefix); more than one is an error.
  python3 - "$@" <<'PY' || fail "case '$2': see above"
import sys, xml.etree.ElementTree as ET
path, name, want = sys.argv[1:4]
fragment = sys.argv[4] if len(sys.argv) > 4 else ""
all_cases = list(ET.parse(path).iter("testcase"))
def in_step(n):  # "<step>: NAME" where <step> is one step's name (it holds no ": ")
    return n.endswith(": " + name) and ": " not in n[: -len(name) - 2]
cases = [c for c in all_cases if c.get("name", "") == name] or [c for c in all_cases if in_step(c.get("name", ""))]
if not cases:
    print("no case named", repr(name), "among", [c.get("name") for c in all_cases]); sys.exit(1)
if len(cases) > 1:
    print("several cases match", repr(name), [c.get("name") for c in cases]); sys.exit(1)
c = cases[0]
kinds = [e.tag for e in c if e.tag in ("failure", "error", "skipped")]
got = kinds[0] if kinds else "passed"
text = " ".join((e.get("message") or "") + " " + (e.text or "") for e in c if e.tag in ("failure", "error", "skipped"))
if got != want:
    print(f"case {c.get('name')!r} is {got}, expected {want}: {text[:300]}"); sys.exit(1)
if fragment and fragment not in text:
    print(f"case {c.get('name')!r} lacks {fragment!r}: {text[:300]}"); sys.exit(1)
PY
}
need_shared() { [ -f "$SHARED/argocd/$1/install.yaml" ] || { echo "SKIP: $SHARED/argocd/$1 missing"; exit 77; }; }
need_chart() { # VERSION: the argo-cd chart from ../shared and helm (built from its module) on PATH
  [ -d "$SHARED/charts/argo-cd-$1" ] || { echo "SKIP: $SHARED/charts/argo-cd-$1 missing"; exit 77; }
  local dir
  dir=$("$HERE/tools/build_helm.sh") || { echo "SKIP: no helm (tests/tools/build_helm.sh)"; exit 77; }
  SIMPATH=$dir:$SIMPATH
}

case $CASE in
healthy)
  run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --namespace apps
  expect_rc $rc 0
  contains "$OUT/report.json" '"verdict":"passed"'
  contains "$OUT/report.json" '"kube.version":"1.33"'
  # A passing run whose report cannot be written is no pass (promote would find nothing).
  mkdir -p "$T/lost/report.json"
  KUBE_SIM_SCENARIO=$FIX/healthy.json PATH=$SIMPATH "$BIN" run --manifests "$FIX/app.yaml" --namespace apps --report-dir "$T/lost" >/dev/null 2>"$T/lost.err"
  expect_rc $? 3
  contains "$T/lost.err" 'a directory, not a file'
  outcome_is "$OUT/junit.xml" 'Deployment/consumer' passed
  outcome_is "$OUT/junit.xml" 'Job/migrate' passed
  # Calls in order: version, create, delete; the kubeconfig is private to the run.
  [ "$(sed -n 1p "$FAKE_KIND_HOME/calls.log")" = '["version"]' ] || fail "first kind call is not version"
  sed -n 2p "$FAKE_KIND_HOME/calls.log" | grep -q '"create", "cluster"' || fail "second kind call is not create"
  tail -1 "$FAKE_KIND_HOME/calls.log" | grep -q '"delete", "cluster"' || fail "last kind call is not delete"
  grep -q '"--image", "kindest/node:v[0-9.]*@sha256:' "$FAKE_KIND_HOME/calls.log" || fail "node image not pinned by digest"
  lacks "$FAKE_KIND_HOME/calls.log" '"export", "logs"'
  # The Secret the scenario's init container published never reaches the report.
  lacks "$OUT/report.json" 'tok-9f8e7d'
  # Waiting cost: one watch per resource type, whatever the duration.
  grep -q '"kubectl.watch_processes":"5"' "$OUT/report.json" || fail "expected 5 watch processes"
  no_clusters_left
  ;;
v2111)
  need_shared v2.11.1
  run "$FIX/v2.11.1.json" --manifests "$SHARED/argocd/v2.11.1/install.yaml" --stuck-grace 30
  expect_rc $rc 1
  # The decisive log line, the policy that explains it, and the cascade, in the JUnit failure.
  contains "$OUT/junit.xml" 'dial tcp 10.96.0.1:443: i/o timeout'
  contains "$OUT/junit.xml" 'argocd-redis-network-policy allows egress only 53/UDP, 53/TCP'
  contains "$OUT/junit.xml" '(PF001)'
  contains "$OUT/junit.xml" 'Deployment/argocd-redis stuck in Init: secret-init'
  contains "$OUT/junit.xml" 'secret &quot;argocd-redis&quot; not found'
  contains "$OUT/summary.md" 'dial tcp 10.96.0.1:443'
  # Diagnostics collected, then the cluster deleted.
  for f in events.json pods.json describe logs manifests.yaml static-findings.txt cluster-logs/kube-sim.log; do
    [ -e "$OUT/diagnostics/install_candidate/$f" ] || fail "diagnostics lack $f"
  done
  ls "$OUT"/diagnostics/install_candidate/logs/argocd-redis-*.secret-init.previous.log >/dev/null 2>&1 || fail "no previous log of secret-init"
  export_line=$(grep -n '"export", "logs"' "$FAKE_KIND_HOME/calls.log" | cut -d: -f1)
  delete_line=$(grep -n '"delete", "cluster"' "$FAKE_KIND_HOME/calls.log" | cut -d: -f1)
  [ -n "$export_line" ] && [ -n "$delete_line" ] && [ "$export_line" -lt "$delete_line" ] || fail "logs must be exported before the cluster is deleted"
  no_clusters_left
  ;;
chart)
  # The argo-cd chart 6.10.2 (Argo CD v2.11.1, without its defect) as the candidate: its
  # pre-install hook (the redis-secret-init Job with its ServiceAccount, Role and RoleBinding)
  # runs to completion before anything else is applied, as helm install runs it; the Job then
  # creates Secret argocd-redis (the simulator's say-so) and the release becomes Healthy.
  need_chart 6.10.2
  run "$FIX/chart.json" --chart "$SHARED/charts/argo-cd-6.10.2" --no-smoke
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'pre-install hook Job/argocd-redis-secret-init (weight 0)' passed
  contains "$OUT/report.json" '"name":"install candidate: pre-install hook Job/argocd-redis-secret-init (weight 0)","classname":"fresh-install/install candidate","outcome":"passed","message":"completed"'
  outcome_is "$OUT/junit.xml" 'pre-install hook RoleBinding/argocd-redis-secret-init (weight 0)' passed
  outcome_is "$OUT/junit.xml" 'workloads Healthy' passed
  outcome_is "$OUT/junit.xml" 'redis: Deployment/argocd-server -> argocd-redis.argocd.svc:6379' passed
  [ -f "$OUT/rendered-chart.yaml" ] || fail "the rendered chart is not kept in the artifacts"
  lacks "$OUT/report.json" 'promote.revision'   # a chart version is no git pin
  contains "$OUT/report.json" '"promote.chart":"argo-cd"'
  contains "$OUT/report.json" '"promote.chart.version":"6.10.2"'
  # promote moves the chart pins of argo-cd from the repository the team names (a local chart
  # names none), and nothing else: not the git pin, not another chart of the same repository.
  G=$T/gitops && mkdir -p "$G/platform"
  cat >"$G/apps.yaml" <<'YAML'
# Argo CD from its chart; Argo Rollouts from the same repository; a git source.
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: argocd}
spec:
  source:
    repoURL: https://argoproj.github.io/argo-helm
    chart: argo-cd
    targetRevision: 6.7.18   # the pin
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: rollouts}
spec:
  source: {repoURL: https://argoproj.github.io/argo-helm, chart: argo-rollouts, targetRevision: 2.35.1}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: self}
spec:
  source: {repoURL: https://github.com/argoproj/argo-cd, path: manifests, targetRevision: v2.10.9}
YAML
  printf 'apiVersion: v2\nname: platform\nversion: 0.1.0\ndependencies:\n- name: argo-cd\n  version: 6.7.18\n  repository: https://argoproj.github.io/argo-helm\n' >"$G/platform/Chart.yaml"
  printf 'dependencies:\n- name: argo-cd\n  repository: https://argoproj.github.io/argo-helm\n  version: 6.7.18\ndigest: sha256:0\n' >"$G/platform/Chart.lock"
  cp -r "$G" "$T/gitops.orig"
  "$BIN" promote --report "$OUT/report.json" "$G/apps.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" 'is about a local chart (no repository): pass --source'
  cmp -s "$G/apps.yaml" "$T/gitops.orig/apps.yaml" || fail "a refused promote changed a file"
  "$BIN" promote --report "$OUT/report.json" --source https://argoproj.github.io/argo-helm --revision 6.10.3 "$G" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" 'validated chart argo-cd 6.10.2, not 6.10.3'
  "$BIN" promote --report "$OUT/report.json" --source https://argoproj.github.io/argo-helm --revision 6.10.2 \
    --dotenv "$T/promote.env" "$G" >/dev/null 2>"$T/err"; expect_rc $? 0
  [ "$(diff "$T/gitops.orig/apps.yaml" "$G/apps.yaml" | grep -c '^[<>]')" = 2 ] || fail "promote must change exactly one line of apps.yaml"
  contains "$G/apps.yaml" '    targetRevision: 6.10.2   # the pin'
  contains "$G/apps.yaml" 'chart: argo-rollouts, targetRevision: 2.35.1'
  contains "$G/apps.yaml" 'path: manifests, targetRevision: v2.10.9'
  contains "$G/platform/Chart.yaml" '  version: 6.10.2'
  cmp -s "$G/platform/Chart.lock" "$T/gitops.orig/platform/Chart.lock" || fail "promote rewrote Chart.lock (its digest would lie)"
  contains "$T/err" 'Chart.lock still locks the old version: run `helm dependency update'
  contains "$T/promote.env" 'PREFLIGHT_REVISION=6.10.2'
  contains "$T/promote.env" 'PREFLIGHT_CHART=argo-cd'
  # A report of a git run with the chart repository as its source: the chart pins are refused.
  python3 - "$OUT/report.json" "$T/git-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = {k: v for k, v in r["properties"].items() if not k.startswith("promote.")}
p["promote.revision"] = "v2.11.2"
p["candidate.tag"] = "v2.11.2"
r["properties"] = p
json.dump(r, open(sys.argv[2], "w"))
PY
  # A forged chart name (a newline and a second output) is refused before anything is written.
  python3 - "$OUT/report.json" "$T/forged-chart.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["properties"]["promote.chart"] = "argo-cd\nrevision=evil"
json.dump(r, open(sys.argv[2], "w"))
PY
  cp "$T/gitops.orig/apps.yaml" "$G/apps.yaml"
  "$BIN" promote --report "$T/forged-chart.json" --source https://argoproj.github.io/argo-helm --dotenv "$T/forged.env" "$G/apps.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" 'promote.chart is not a chart name'
  cmp -s "$G/apps.yaml" "$T/gitops.orig/apps.yaml" || fail "a forged chart report moved a pin"
  ! grep -q evil "$T/forged.env" 2>/dev/null || fail "a forged chart name reached the outputs"
  "$BIN" promote --report "$T/git-report.json" --source https://argoproj.github.io/argo-helm "$G/apps.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" 'pins chart argo-cd from https://argoproj.github.io/argo-helm: the report validated a git revision of raw manifests'
  cmp -s "$G/apps.yaml" "$T/gitops.orig/apps.yaml" || fail "a git report moved a chart pin"
  # The order on the wire: the hook Job deleted (before-hook-creation), created and completed
  # before the first Deployment of the release was applied.
  python3 - "$(ls "$FAKE_KIND_HOME"/deleted/*/requests.log)" <<'PY' || fail "hooks not applied first (see above)"
import sys
lines = [l.split()[0:2] for l in open(sys.argv[1]) if l.strip()]
def first(method, fragment):
    return next(i for i, (m, p) in enumerate(lines) if m == method and fragment in p)
delete = first("DELETE", "/jobs/argocd-redis-secret-init")
create = first("PATCH", "/jobs/argocd-redis-secret-init")
deploy = first("PATCH", "/deployments/")
if not delete < create < deploy:
    print("delete", delete, "create", create, "first deployment", deploy); sys.exit(1)
PY
  no_clusters_left
  ;;
chart-hook-fails)
  # A pre-install hook that crash-loops: decided once it has failed for --stuck-grace, with its
  # own log line; the release is never applied.
  need_chart 6.10.2
  run "$FIX/chart-hook-fails.json" --chart "$SHARED/charts/argo-cd-6.10.2" --no-smoke --no-probes --stuck-grace 2
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'pre-install hook Job/argocd-redis-secret-init (weight 0)' failure 'dial tcp 10.96.0.1:443: i/o timeout'
  outcome_is "$OUT/junit.xml" 'pre-install hook Job/argocd-redis-secret-init (weight 0)' failure 'CrashLoopBackOff'
  outcome_is "$OUT/junit.xml" "apply chart argo-cd 6.10.2 ($SHARED/charts/argo-cd-6.10.2)" skipped 'not applied: pre-install hook Job/argocd-redis-secret-init'
  python3 - "$(ls "$FAKE_KIND_HOME"/deleted/*/requests.log)" <<'PY' || fail "the release was applied after its hook failed"
import sys
sys.exit(any(l.split()[0] == "PATCH" and "/deployments/" in l for l in open(sys.argv[1]) if l.strip()))
PY
  no_clusters_left
  ;;
argocd-healthy)
  need_shared v3.5.1
  run "$FIX/argocd-healthy.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 0
  lacks "$OUT/report.json" 'redis-pw-1f2e3d'
  no_clusters_left
  ;;
init-blocked)
  run "$FIX/init-blocked.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 1
  contains "$OUT/junit.xml" 'Deployment/publisher stuck in Init: make-token: error: dial tcp 10.96.0.1:443: i/o timeout'
  # No policy in the manifests predicted it: said so, not invented.
  contains "$OUT/junit.xml" 'no static finding predicted this'
  contains "$OUT/junit.xml" 'then Deployment/consumer: secret &quot;shared-token&quot; not found'
  # The manifests kept with the diagnostics carry the input's Secret values masked.
  { cat "$FIX/app.yaml"; printf -- '---\napiVersion: v1\nkind: Secret\nmetadata: {name: extra}\nstringData: {password: Pa55-w0rd-xyz}\n'; } > "$T/with-secret.yaml"
  run "$FIX/init-blocked.json" --manifests "$T/with-secret.yaml" --stuck-grace 3
  expect_rc $rc 1
  m=$(ls "$OUT"/diagnostics/*/manifests.yaml | head -n 1)
  [ -n "$m" ] || fail "no manifests kept with the diagnostics"
  contains "$m" 'password: ***REDACTED***'
  ! grep -rq 'Pa55-w0rd-xyz' "$OUT" || fail "a Secret value of the input reached the artifacts: $(grep -rl 'Pa55-w0rd-xyz' "$OUT")"
  no_clusters_left
  ;;
crashloop)
  run "$FIX/crashloop.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 1
  contains "$OUT/junit.xml" 'StatefulSet/store CrashLoopBackOff: db: FATAL: could not open data directory: permission denied'
  no_clusters_left
  ;;
crash-after-ready)
  # Every workload is Healthy for a moment before the store's container crashes (on a real
  # cluster a crashing container is Ready for an instant before each crash): no pass.
  run "$FIX/crash-after-ready.json" --manifests "$FIX/app.yaml" --healthy-for 3 --stuck-grace 2
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'workloads Healthy' failure 'StatefulSet/store CrashLoopBackOff: db: FATAL: lost the data directory'
  no_clusters_left
  ;;
diagnostics-unwritable)
  # Logs cannot be written (logs/ is a file): index.txt says so per file, the case says how many,
  # and nothing unwritten is listed as if it were there.
  mkdir -p "$OUT/diagnostics/install_candidate" && : > "$OUT/diagnostics/install_candidate/logs"
  run "$FIX/crashloop.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 1
  idx="$OUT/diagnostics/install_candidate/index.txt"
  [ -f "$idx" ] || fail "no index.txt"
  grep -q 'logs/.*: not written:' "$idx" || fail "index.txt does not name the unwritten logs: $(cat "$idx")"
  grep -qx 'logs/[^:]*' "$idx" && fail "index.txt lists a log that was not written: $(cat "$idx")"
  grep -qx 'events.json' "$idx" || fail "index.txt lacks what was written"
  outcome_is "$OUT/junit.xml" 'collect diagnostics' skipped 'file(s) could not be written (see index.txt)'
  no_clusters_left
  ;;
crashloop-log-gap)
  # The kubelet answers --previous with "unable to retrieve container logs" (twice): that text
  # is not the container's line; the current instance's log (or a second try) gives the real one.
  run "$FIX/crashloop-log-gap.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 1
  contains "$OUT/junit.xml" 'StatefulSet/store CrashLoopBackOff: db: FATAL: could not open data directory: permission denied'
  lacks "$OUT/junit.xml" 'unable to retrieve container logs'
  no_clusters_left
  ;;
image-pull)
  run "$FIX/image-pull.json" --manifests "$FIX/app.yaml" --stuck-grace 1
  expect_rc $rc 1
  contains "$OUT/junit.xml" 'StatefulSet/store ImagePullBackOff: db'
  no_clusters_left
  ;;
timeout)
  run "$FIX/never-ready.json" --manifests "$FIX/app.yaml" --wait-timeout 2
  expect_rc $rc 1
  contains "$OUT/junit.xml" 'timed out after 2 s; still pending: StatefulSet/store: Progressing: Waiting for 1 pods to be ready...'
  no_clusters_left
  ;;
sigterm)
  KUBE_SIM_SCENARIO=$FIX/never-ready.json PATH=$SIMPATH "$BIN" run --manifests "$FIX/app.yaml" --report-dir "$OUT" >"$T/stdout" 2>"$T/stderr" &
  pid=$!
  for _ in $(seq 1 200); do grep -qs PATCH "$FAKE_KIND_HOME"/clusters/*/requests.log && break; sleep 0.05; done
  sleep 0.5
  kill -TERM $pid
  wait $pid; rc=$?
  expect_rc $rc 130
  contains "$OUT/report.json" '"interrupted":true'
  contains "$OUT/junit.xml" 'interrupted by signal 15'
  tail -1 "$FAKE_KIND_HOME/calls.log" | grep -q '"delete", "cluster"' || fail "cluster not deleted after SIGTERM"
  pgrep -f "kube_sim.py --state-dir $FAKE_KIND_HOME" >/dev/null && fail "simulator still running"
  pgrep -f "kubectl --kubeconfig $TMPDIR" >/dev/null && fail "kubectl still running"
  no_clusters_left
  ;;
kind-options)
  # Workers in the kind config; images the local docker has are loaded, others are pulled by the nodes.
  FAKE_DOCKER_IMAGES=$'registry.example/store:1.0\nbusybox:latest' run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --workers 3 --node-image kindest/node:v1.33.12@sha256:0123
  expect_rc $rc 0
  cfg=$(ls "$FAKE_KIND_HOME"/deleted/*/config.yaml)
  [ "$(grep -c 'role: worker' "$cfg")" = 3 ] || fail "expected 3 workers in $cfg"
  grep -q '"--image", "kindest/node:v1.33.12@sha256:0123"' "$FAKE_KIND_HOME/calls.log" || fail "--node-image not passed"
  grep -q '\["load", "docker-image", "registry.example/store:1.0", "--name", "preflight-' "$FAKE_KIND_HOME/calls.log" || fail "present image not loaded"
  lacks "$FAKE_KIND_HOME/calls.log" 'registry.example/consumer'
  no_clusters_left
  ;;
kustomize)
  # A team's kustomization (namespace and label transformers) is rendered by kubectl kustomize.
  mkdir -p "$T/overlay" && cp "$FIX/app.yaml" "$T/overlay/app.yaml"
  printf 'resources: [app.yaml]\ncommonLabels: {team: platform}\n' > "$T/overlay/kustomization.yaml"
  run "$FIX/healthy.json" --manifests "$T/overlay"
  expect_rc $rc 0
  contains "$OUT/report.json" '(kustomize)'
  grep -qs 'PATCH /apis/apps/v1/namespaces/argocd/deployments/consumer' "$FAKE_KIND_HOME"/deleted/*/requests.log || fail "rendered objects not applied"
  no_clusters_left
  ;;
slow-api)
  # Every API request takes 150 ms: slower, same verdict.
  printf '{"latency_ms": 150, "ready_after_s": 0.3, "workloads": {"publisher": {"on_success": {"container": "make-token", "create_secret": {"name": "shared-token", "data": {"token": "t"}}}}}}' > "$T/slow.json"
  run "$T/slow.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 0
  no_clusters_left
  ;;
probes-enforced)
  need_shared v3.5.1
  run "$FIX/probes-enforced.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'enforcement canary' passed
  # Every API client and Redis client probed from its own identity; the outsider is blocked.
  for id in Deployment/argocd-server Deployment/argocd-repo-server StatefulSet/argocd-application-controller; do
    outcome_is "$OUT/junit.xml" "redis: $id -> argocd-redis.argocd.svc:6379" passed
  done
  outcome_is "$OUT/junit.xml" 'api-server: Deployment/argocd-redis -> kubernetes.default.svc:443' passed
  lacks "$OUT/junit.xml" '<skipped'
  outcome_is "$OUT/junit.xml" 'redis isolation: an identity no policy admits -> argocd-redis.argocd.svc:6379' passed
  outcome_is "$OUT/junit.xml" 'enforcement canary' passed
  # Probe pods were created and removed; the Redis password (which the simulator hands only to
  # pods referencing the Secret) never reaches the report. Labels and service accounts of the
  # shadow pods are checked in test_probe_plan.cpp.
  reqs=$(ls "$FAKE_KIND_HOME"/deleted/*/requests.log)
  grep -q 'PATCH /api/v1/namespaces/argocd/pods/preflight-probe-' "$reqs" || fail "no probe pods"
  lacks "$OUT/report.json" 'redis-pw-1f2e3d'
  grep -q 'DELETE /api/v1/namespaces/argocd/configmaps/argocd-preflight-probes' "$reqs" || fail "probe pods not removed"
  no_clusters_left
  ;;
probes-redis-blocked)
  need_shared v3.5.1
  run "$FIX/probes-redis-blocked.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'redis: Deployment/argocd-repo-server -> argocd-redis.argocd.svc:6379' failure 'expected reachable, observed blocked (timeout'
  outcome_is "$OUT/junit.xml" 'redis: Deployment/argocd-server -> argocd-redis.argocd.svc:6379' passed
  # The static model said allowed: the disagreement is its own finding.
  outcome_is "$OUT/junit.xml" 'static vs live: redis: Deployment/argocd-repo-server -> argocd-redis.argocd.svc:6379' failure 'static analysis predicted allowed, but the cluster blocked it'
  [ "$(grep -c 'static vs live' "$OUT/junit.xml")" = 1 ] || fail "only the repo-server probe disagrees"
  no_clusters_left
  ;;
probes-backend-down)
  # Redis never becomes Ready: its clients' probes time out because nothing answers, which is no
  # policy verdict — no "static vs live" disagreement, and the isolation probe proves nothing.
  need_shared v3.5.1
  run "$FIX/probes-backend-down.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml" --wait-timeout 20
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'redis: Deployment/argocd-server -> argocd-redis.argocd.svc:6379' failure 'its backend Deployment/argocd-redis is not Ready'
  outcome_is "$OUT/junit.xml" 'redis isolation: an identity no policy admits -> argocd-redis.argocd.svc:6379' skipped 'is not Ready, so nothing answers there'
  lacks "$OUT/junit.xml" 'static vs live'
  no_clusters_left
  ;;
probes-reject)
  # An enforcer that rejects (kube-router: REJECT, the client reads "Connection refused"): the
  # canary shows it, and the isolation probe's refusal is a block because the allowed clients
  # reached the same Service in the same batch.
  need_shared v3.5.1
  run "$FIX/probes-reject.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'enforcement canary' passed
  contains "$OUT/report.json" 'the enforcer rejects: a blocked connection is refused, not dropped'
  outcome_is "$OUT/junit.xml" 'redis isolation: an identity no policy admits -> argocd-redis.argocd.svc:6379' passed
  contains "$OUT/report.json" 'reached argocd-redis.argocd.svc:6379 in the same batch'
  lacks "$OUT/junit.xml" 'static vs live'
  no_clusters_left
  ;;
probes-reject-unwitnessed)
  # The same enforcer, but nothing reached Redis: a refusal then cannot tell a policy from an
  # empty Service, so the isolation probe proves nothing (skipped) and the clients fail.
  need_shared v3.5.1
  run "$FIX/probes-reject-unwitnessed.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'redis isolation: an identity no policy admits -> argocd-redis.argocd.svc:6379' skipped 'nothing else reached argocd-redis.argocd.svc:6379'
  outcome_is "$OUT/junit.xml" 'redis: Deployment/argocd-server -> argocd-redis.argocd.svc:6379' failure 'or this cluster'"'"'s enforcer (which blocks by refusing) rejected it'
  no_clusters_left
  ;;
probes-v2111)
  need_shared v2.11.1
  run "$FIX/probes-v2.11.1.json" --manifests "$SHARED/argocd/v2.11.1/install.yaml" --stuck-grace 30
  expect_rc $rc 1
  # The init container's identity cannot reach the API server, live as predicted: no disagreement.
  outcome_is "$OUT/junit.xml" 'api-server: Deployment/argocd-redis -> kubernetes.default.svc:443' failure 'observed blocked (timeout: second attempt (first: timeout): no connection within 2s); static analysis: blocked'
  outcome_is "$OUT/junit.xml" 'api-server: Deployment/argocd-server -> kubernetes.default.svc:443' passed
  lacks "$OUT/junit.xml" 'static vs live'
  outcome_is "$OUT/junit.xml" 'smoke create' skipped 'an earlier action of the step failed'
  # Redis is not running at all (its pod never leaves Init): the failed connections are said to
  # be no policy verdict, and prove no isolation.
  contains "$OUT/junit.xml" 'its backend Deployment/argocd-redis is not Ready, so nothing answers there'
  outcome_is "$OUT/junit.xml" 'redis isolation: an identity no policy admits -> argocd-redis.argocd.svc:6379' skipped 'is not Ready, so nothing answers there'
  outcome_is "$OUT/junit.xml" 'enforcement canary' passed
  # Early verdict: PF001 and the probe from Redis' identity agreed, so the install was decided
  # then (before secret-init's crash had lasted --stuck-grace), with both in the failure.
  contains "$OUT/report.json" '"verdict.early":"true"'
  outcome_is "$OUT/junit.xml" 'install candidate: workloads Healthy' failure 'a live probe from its identity agrees: api-server: Deployment/argocd-redis -> kubernetes.default.svc:443 observed blocked (timeout'
  contains "$OUT/junit.xml" 'Deployment/argocd-redis stuck in Init: secret-init: level=fatal'
  contains "$OUT/junit.xml" '(PF001)'
  no_clusters_left
  # --no-early-verdict: the crash itself decides, after --stuck-grace.
  rm -rf "$OUT"
  run "$FIX/probes-v2.11.1.json" --manifests "$SHARED/argocd/v2.11.1/install.yaml" --stuck-grace 3 --no-early-verdict
  expect_rc $rc 1
  lacks "$OUT/report.json" 'verdict.early'
  lacks "$OUT/junit.xml" 'a live probe from its identity agrees'
  outcome_is "$OUT/junit.xml" 'install candidate: workloads Healthy' failure 'Deployment/argocd-redis stuck in Init: secret-init: level=fatal'
  no_clusters_left
  ;;
probes-no-enforcement)
  need_shared v3.5.1
  run "$FIX/argocd-healthy.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 0
  # Said on the first screen, and expected-blocked probes are skipped, never passed.
  sed -n '1,3p' "$T/stdout" | grep -q 'does not enforce NetworkPolicy' || fail "enforcement notice not on the first screen"
  outcome_is "$OUT/junit.xml" 'redis isolation: an identity no policy admits -> argocd-redis.argocd.svc:6379' skipped 'not proven: the cluster does not enforce NetworkPolicy'
  outcome_is "$OUT/junit.xml" 'enforcement canary' skipped
  outcome_is "$OUT/junit.xml" 'redis: Deployment/argocd-server -> argocd-redis.argocd.svc:6379' passed
  contains "$OUT/summary.md" 'does not enforce NetworkPolicy'
  no_clusters_left
  ;;
no-probes)
  run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --no-probes
  expect_rc $rc 0
  ! grep -qs 'pods/preflight-probe' "$FAKE_KIND_HOME"/deleted/*/requests.log || fail "probe pods created despite --no-probes"
  no_clusters_left
  ;;
smoke)
  need_shared v3.5.1
  run "$FIX/smoke-ok.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'smoke: log in to the Argo CD API' passed
  outcome_is "$OUT/junit.xml" 'smoke: Application Synced and Healthy' passed
  contains "$OUT/junit.xml" 'Healthy: sync: Synced'
  lacks "$OUT/report.json" 'adm1n-Pa55-7c3d'
  no_clusters_left
  ;;
smoke-degraded)
  need_shared v3.5.1
  run "$FIX/smoke-degraded.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'smoke: create Application' passed
  outcome_is "$OUT/junit.xml" 'smoke: Application Synced and Healthy' failure 'Health Status: Degraded'
  no_clusters_left
  ;;
smoke-redaction)
  # The API echoes the admin password in an error: every output masks it.
  need_shared v3.5.1
  LOG_LEVEL=trace run "$FIX/smoke-leak.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 1
  grep -q 'stdout: (a secret, not shown)' "$T/stderr" || fail "the Secret read was not marked secret in trace logs"
  lacks "$T/stderr" "$(printf 'adm1n-Pa55-7c3d' | base64)"
  outcome_is "$OUT/junit.xml" 'smoke: log in to the Argo CD API' failure 'invalid username or password'
  outcome_is "$OUT/junit.xml" 'smoke: create Application' skipped 'an earlier step failed'
  for f in "$OUT/junit.xml" "$OUT/report.json" "$OUT/summary.md" "$T/stdout" "$T/stderr"; do lacks "$f" 'adm1n-Pa55-7c3d'; done
  contains "$OUT/junit.xml" '***REDACTED***'
  no_clusters_left
  ;;
no-smoke)
  need_shared v3.5.1
  run "$FIX/smoke-ok.json" --manifests "$SHARED/argocd/v3.5.1/install.yaml" --no-smoke
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'smoke: log in to the Argo CD API' skipped '--no-smoke'
  ! grep -qs 'pods/preflight-smoke' "$FAKE_KIND_HOME"/deleted/*/requests.log || fail "smoke pod created despite --no-smoke"
  no_clusters_left
  ;;
upgrade)
  need_shared v2.11.0; need_shared v3.5.1
  run "$FIX/smoke-ok.json" --scenario upgrade --baseline-manifests "$SHARED/argocd/v2.11.0/install.yaml" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'install baseline' passed
  outcome_is "$OUT/junit.xml" 'upgrade to candidate' passed
  outcome_is "$OUT/junit.xml" 'upgrade to candidate: smoke: Application still Synced and Healthy' passed
  # The candidate was applied over the running baseline, in the same namespace, by SSA.
  reqs=$(ls "$FAKE_KIND_HOME"/deleted/*/requests.log)
  [ "$(grep -c 'PATCH /apis/apps/v1/namespaces/argocd/deployments/argocd-server?' "$reqs")" = 2 ] || fail "argocd-server not applied twice"
  contains "$OUT/report.json" '"scenario":"upgrade"'
  no_clusters_left
  ;;
upgrade-incident)
  # May 2024: a Sync of the new stable (v2.11.0 -> v2.11.1) on a running Argo CD.
  need_shared v2.11.0; need_shared v2.11.1
  run "$FIX/upgrade-v2.11.1.json" --scenario upgrade --baseline-manifests "$SHARED/argocd/v2.11.0/install.yaml" --manifests "$SHARED/argocd/v2.11.1/install.yaml" --stuck-grace 30
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'install baseline' passed
  outcome_is "$OUT/junit.xml" 'install baseline: smoke: Application Synced and Healthy' passed
  outcome_is "$OUT/junit.xml" 'upgrade to candidate: workloads Healthy' failure 'Deployment/argocd-redis stuck in Init: secret-init'
  outcome_is "$OUT/junit.xml" 'upgrade to candidate' failure 'argocd-redis-network-policy allows egress only 53/UDP, 53/TCP'
  # The static stage compared against the baseline: a need new in the candidate that its policies block.
  outcome_is "$OUT/junit.xml" 'baseline-regression: argocd/argocd-redis[Deployment] -> kube-apiserver[172.18.0.2] TCP 6443' failure 'the candidate adds a need the policies do not allow'
  [ -d "$OUT/diagnostics/upgrade_to_candidate" ] || fail "no diagnostics for the failed step"
  # The verdict and the root cause in every format.
  contains "$OUT/report.json" '"root_cause":"upgrade to candidate: Deployment/argocd-redis stuck in Init: secret-init'
  contains "$OUT/summary.md" '**Root cause:** upgrade to candidate: Deployment/argocd-redis stuck in Init'
  contains "$OUT/junit.xml" '<property name="root_cause" value="upgrade to candidate: Deployment/argocd-redis stuck in Init'
  contains "$OUT/summary.md" '```mermaid'
  if [ -f "$SHARED/schemas/junit-10.xsd" ] && command -v xmllint >/dev/null; then
    xmllint --noout --schema "$SHARED/schemas/junit-10.xsd" "$OUT/junit.xml" 2>"$T/xsd" || fail "junit.xml does not validate: $(tail -3 "$T/xsd")"
  fi
  contains "$OUT/summary.md" '| ❌ | upgrade to candidate: api-server: Deployment/argocd-redis -&gt; kubernetes.default.svc:443 | reachable |'
  no_clusters_left
  ;;
rollback)
  need_shared v2.11.0; need_shared v2.11.1
  run "$FIX/upgrade-v2.11.1.json" --scenario rollback --baseline-manifests "$SHARED/argocd/v2.11.0/install.yaml" --manifests "$SHARED/argocd/v2.11.1/install.yaml" --stuck-grace 30
  # The candidate is broken, so the run fails; the rehearsal shows the way back works.
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'upgrade to candidate' failure 'stuck in Init'
  outcome_is "$OUT/junit.xml" 'roll back to baseline' passed
  outcome_is "$OUT/junit.xml" 'roll back to baseline: workloads Healthy' passed
  outcome_is "$OUT/junit.xml" 'roll back to baseline: smoke: Application still Synced and Healthy' passed
  # As on the real cluster: the controller's pod, left on the candidate's revision and never
  # Ready, is not replaced by the StatefulSet; the drill deletes it and says so.
  outcome_is "$OUT/junit.xml" 'roll back to baseline: forced rollback' passed
  contains "$OUT/report.json" 'deleted pod argocd-application-controller-0'
  no_clusters_left
  ;;
rollback-healthy)
  # A good candidate: up, and back down, both Healthy, the Application surviving both hops.
  need_shared v2.11.0; need_shared v3.5.1
  run "$FIX/smoke-ok.json" --scenario rollback --baseline-manifests "$SHARED/argocd/v2.11.0/install.yaml" --manifests "$SHARED/argocd/v3.5.1/install.yaml"
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'upgrade to candidate' passed
  outcome_is "$OUT/junit.xml" 'roll back to baseline' passed
  outcome_is "$OUT/junit.xml" 'roll back to baseline: smoke: Application still Synced and Healthy' passed
  lacks "$OUT/report.json" 'forced rollback'   # every pod was Ready: the rolling update replaced them itself
  lacks "$OUT/report.json" '"root_cause"'
  no_clusters_left
  ;;
scenario-ha-fails)
  run "$FIX/init-blocked.json" --scenario ha --manifests "$FIX/app.yaml"
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'install candidate' failure 'Deployment/publisher stuck in Init: make-token'
  [ -d "$OUT/diagnostics/install_candidate" ] || fail "no diagnostics"
  no_clusters_left
  ;;
scenario-ha)
  run "$FIX/healthy.json" --scenario ha --manifests "$FIX/app.yaml"
  expect_rc $rc 0
  [ "$(grep -c 'role: worker' "$(ls "$FAKE_KIND_HOME"/deleted/*/config.yaml)")" = 3 ] || fail "ha scenario must ask for 3 workers"
  contains "$OUT/report.json" '"scenario":"ha"'
  no_clusters_left
  ;;
scenario-file)
  printf 'apiVersion: argocd-preflight.io/v1\nkind: Scenario\nname: mine\nsteps:\n- name: only\n  try:\n  - install: {revision: candidate, timeout: 2m}\n  - wait: {timeout: 1m}\n  cleanup:\n  - diagnostics: {}\n' > "$T/mine.yaml"
  run "$FIX/healthy.json" --scenario "$T/mine.yaml" --manifests "$FIX/app.yaml"
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'only: collect diagnostics' passed
  [ -d "$OUT/diagnostics/only" ] || fail "cleanup action did not run"
  printf 'apiVersion: argocd-preflight.io/v1\nkind: Scenario\nname: bad\nsteps:\n- name: only\n  try:\n  - install: {revision: tomorrow}\n' > "$T/bad.yaml"
  run "$FIX/healthy.json" --scenario "$T/bad.yaml" --manifests "$FIX/app.yaml"
  expect_rc $rc 2
  grep -q "bad.yaml:7:25: install: revision must be candidate or baseline, got 'tomorrow'" "$T/stderr" || fail "no located error for a bad scenario"
  run "$FIX/healthy.json" --scenario upgrade --manifests "$FIX/app.yaml"
  expect_rc $rc 2
  grep -q "scenario upgrade installs the baseline" "$T/stderr" || fail "upgrade without a baseline must be refused"
  [ "$(grep -c '"create"' "$FAKE_KIND_HOME/calls.log")" = 1 ] || fail "no cluster may be created for a refused scenario"
  ;;
dind)
  # GitLab's docker:dind: kind publishes on 0.0.0.0, the tool reaches it through a host name.
  run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --kind-api-address 0.0.0.0 --kubeconfig-host 127.0.0.1 --retain always
  expect_rc $rc 0
  cfg=$(ls "$FAKE_KIND_HOME"/clusters/*/config.yaml)
  contains "$cfg" 'apiServerAddress: "0.0.0.0"'
  contains "$cfg" '- "127.0.0.1"'
  contains "$OUT/kubeconfig" 'server: http://127.0.0.1:'
  lacks "$OUT/kubeconfig" '0.0.0.0'
  ;;
matrix-merge)
  "$BIN" matrix --flavours install,ha --scenarios fresh-install,ha --node-images a@sha256:1,b@sha256:2 >"$T/m.json"
  expect_rc $? 0
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["include"]; assert len(m) == 6, m; assert sum(1 for e in m if e["scenario"] == "ha") == 2, m; assert all(e["flavour"] == "ha" for e in m if e["scenario"] == "ha"), m' "$T/m.json" || fail "matrix"
  "$BIN" matrix --for gitlab --scenarios upgrade >"$T/m.yml"
  contains "$T/m.yml" 'SCENARIO: "upgrade"'
  # Two jobs, one failed: one merged report, the worst verdict.
  mkdir -p "$T/job1" "$T/job2"
  run "$FIX/healthy.json" --manifests "$FIX/app.yaml"
  cp "$OUT/report.json" "$T/job1/report.json"
  run "$FIX/init-blocked.json" --manifests "$FIX/app.yaml"
  cp "$OUT/report.json" "$T/job2/report.json"
  "$BIN" merge-reports "$T/job1/report.json" "$T/job2/report.json" --report-dir "$T/merged" >"$T/merged.txt" 2>"$T/err"
  expect_rc $? 1
  contains "$T/merged/report.json" '"command":"merge-reports"'
  contains "$T/merged/report.json" 'fresh-install / scenario fresh-install'
  contains "$T/merged/report.json" 'fresh-install#2 / scenario fresh-install'
  contains "$T/merged/summary.md" '**Root cause:** fresh-install#2: install candidate: Deployment/publisher stuck in Init'
  "$BIN" merge-reports "$T/job1/report.json" --report-dir "$T/merged1" >/dev/null 2>&1
  expect_rc $? 0
  "$BIN" merge-reports "$FIX/app.yaml" >/dev/null 2>"$T/err"
  expect_rc $? 2
  # Jobs that proved different candidates (here: different manifests; in a matrix, `stable`
  # moving between jobs) are refused, both passing or not, naming what each proved.
  { cat "$FIX/app.yaml"; printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one-more}\n'; } > "$T/other.yaml"
  run "$FIX/healthy.json" --manifests "$T/other.yaml"
  mkdir -p "$T/job3" && cp "$OUT/report.json" "$T/job3/report.json"
  contains "$T/job3/report.json" '"candidate.manifests.sha256"'
  "$BIN" merge-reports "$T/job1/report.json" "$T/job3/report.json" --report-dir "$T/merged3" >/dev/null 2>"$T/err"
  expect_rc $? 2
  contains "$T/err" 'the reports proved different candidates'
  [ ! -e "$T/merged3/report.json" ] || fail "a merged report was written for different candidates"
  python3 - "$T/job1/report.json" "$T/job4.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["properties"]["candidate.commit"] = "1" * 40
json.dump(r, open(sys.argv[2], "w"))
PY
  "$BIN" merge-reports "$T/job1/report.json" "$T/job4.json" >/dev/null 2>"$T/err"
  expect_rc $? 2
  contains "$T/err" "candidate.commit=$(printf '1%.0s' $(seq 40))"
  no_clusters_left
  ;;
watch-closed)
  # The API server ends watches early; the waits restart them and still see the install through.
  printf '{"watch_close_after_s": 0.7, "ready_after_s": 2.0, "workloads": {"publisher": {"on_success": {"container": "make-token", "create_secret": {"name": "shared-token", "data": {"token": "t"}}}}}}' > "$T/close.json"
  run "$T/close.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 0
  python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["properties"]; assert int(p["kubectl.watch_processes"]) > 5, p' "$OUT/report.json" || fail "the watches were not restarted"
  no_clusters_left
  ;;
second-signal)
  # A second signal cuts cleanup short, and the report still says what was left behind.
  FAKE_KIND_DELETE_DELAY=30 KUBE_SIM_SCENARIO=$FIX/never-ready.json PATH=$SIMPATH "$BIN" run --manifests "$FIX/app.yaml" --report-dir "$OUT" >"$T/stdout" 2>"$T/stderr" &
  pid=$!
  for _ in $(seq 1 200); do grep -qs PATCH "$FAKE_KIND_HOME"/clusters/*/requests.log && break; sleep 0.05; done
  kill -INT $pid
  for _ in $(seq 1 200); do grep -qs '"delete", "cluster"' "$FAKE_KIND_HOME/calls.log" && break; sleep 0.05; done
  start=$(date +%s)
  kill -INT $pid
  wait $pid; rc=$?
  expect_rc $rc 130
  [ $(( $(date +%s) - start )) -le 5 ] || fail "cleanup did not stop quickly after the second signal"
  contains "$OUT/report.json" 'left behind: kind cluster preflight-'
  contains "$OUT/report.json" 'kind delete cluster --name preflight-'
  grep -q 'left behind' "$T/stderr" || fail "stderr does not say what was left behind"
  ;;
create-fails)
  FAKE_KIND_CREATE_FAIL="could not find a log line that matches" run "$FIX/healthy.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 3
  contains "$OUT/junit.xml" 'creating kind cluster preflight-'
  contains "$OUT/junit.xml" 'could not find a log line that matches'
  # kind removes what a failed create made; deleting again is harmless and keeps nothing behind.
  tail -1 "$FAKE_KIND_HOME/calls.log" | grep -q '"delete", "cluster"' || fail "no delete after a failed create"
  no_clusters_left
  ;;
no-kind)
  mkdir -p "$T/bin" && ln -s "$(command -v kubectl)" "$T/bin/kubectl" && ln -s "$HERE/sim/bin/docker" "$T/bin/docker"
  KUBE_SIM_SCENARIO=$FIX/healthy.json PATH=$T/bin:/usr/bin:/bin "$BIN" run --manifests "$FIX/app.yaml" --report-dir "$OUT" >"$T/stdout" 2>"$T/stderr"
  expect_rc $? 3
  contains "$OUT/junit.xml" 'kind not found on PATH'
  ;;
docker-down)
  FAKE_DOCKER_DOWN=1 run "$FIX/healthy.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 3
  contains "$OUT/junit.xml" 'the docker daemon does not answer'
  ! grep -qs '"create"' "$FAKE_KIND_HOME/calls.log" || fail "a cluster was created without docker"
  ;;
old-kind)
  # Enforcement comes from the node image's kindnetd, not from the kind binary: an old kind with
  # the default image is told to upgrade (it cannot run that image), not that policies are off.
  FAKE_KIND_VERSION=v0.23.0 run "$FIX/healthy.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 0
  contains "$OUT/report.json" 'the default node image was built for kind v0.32.0'
  lacks "$OUT/report.json" 'enforcement canary decides'
  # A recent kind with an old node image: enforcement unknown, the canary decides.
  FAKE_KIND_VERSION=v0.32.0 run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --node-image kindest/node:v1.29.4@sha256:abc
  expect_rc $rc 0
  contains "$OUT/report.json" 'may predate kindnetd'
  # With a recent image of its own, no notice at all.
  FAKE_KIND_VERSION=v0.31.0 run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --node-image kindest/node:v1.33.1@sha256:abc
  expect_rc $rc 0
  lacks "$OUT/report.json" 'the default node image was built'
  lacks "$OUT/report.json" 'enforcement canary decides'
  no_clusters_left
  ;;
skew)
  run "$FIX/skew.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 3
  contains "$OUT/junit.xml" 'is too far from the cluster'
  no_clusters_left
  ;;
retain)
  run "$FIX/init-blocked.json" --manifests "$FIX/app.yaml" --retain on-failure
  expect_rc $rc 1
  [ -n "$(ls -A "$FAKE_KIND_HOME/clusters")" ] || fail "cluster not retained"
  lacks "$FAKE_KIND_HOME/calls.log" '"delete", "cluster"'
  [ -f "$OUT/kubeconfig" ] || fail "kubeconfig of the retained cluster not kept"
  # Three tries: kubectl against the simulator on a loaded 2-core machine has failed once.
  for _ in 1 2 3; do
    KUBECONFIG=$OUT/kubeconfig kubectl --cache-dir "$T/c" get pods -n argocd -o name >"$T/pods" 2>&1 && grep -q publisher "$T/pods" && break
    sleep 1
  done
  grep -q publisher "$T/pods" || { fail "retained cluster not reachable"; cat "$T/pods"; }
  ;;
server-version)
  # An existing cluster names no node image: PF006 is checked against the version the cluster
  # reports, before anything is installed. Here a removed API (policy/v1beta1 PDB, gone in 1.25)
  # on a 1.29 cluster fails the static stage; --kube-version given is only compared.
  PATH=$SIMPATH KUBE_SIM_SCENARIO=$FIX/server-1.29.json kind create cluster --name team --kubeconfig "$T/team.kubeconfig" 2>/dev/null
  mkdir -p "$T/pdb" && cp "$FIX/app.yaml" "$T/pdb/"
  printf 'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: store}\nspec: {minAvailable: 1, selector: {matchLabels: {app: store}}}\n' > "$T/pdb/pdb.yaml"
  run "$FIX/server-1.29.json" --manifests "$T/pdb" --provider existing --kubeconfig "$T/team.kubeconfig" --namespace trial
  expect_rc $rc 1
  outcome_is "$OUT/junit.xml" 'API versions served' passed
  contains "$OUT/report.json" "checked against the cluster's v1.29.0 (the static stage assumed no version: none was given)"
  contains "$OUT/junit.xml" 'policy/v1beta1 PodDisruptionBudget store is not served by Kubernetes 1.29 (removed in 1.25)'
  # The apply the API server refuses is the candidate's failure, explained by PF006.
  outcome_is "$OUT/junit.xml" 'apply '"$T/pdb" failure 'the cluster does not serve an API the manifests use'
  run "$FIX/server-1.29.json" --manifests "$FIX/app.yaml" --provider existing --kubeconfig "$T/team.kubeconfig" --namespace trial2 --kube-version 1.33
  expect_rc $rc 0
  outcome_is "$OUT/junit.xml" 'API versions served' passed
  contains "$OUT/report.json" 'checked against --kube-version 1.33; the cluster runs v1.29.0'
  for p in "$FAKE_KIND_HOME"/clusters/*/pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  ;;
existing)
  PATH=$SIMPATH KUBE_SIM_SCENARIO=$FIX/healthy.json kind create cluster --name team --kubeconfig "$T/team.kubeconfig" 2>/dev/null
  run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --provider existing --kubeconfig "$T/team.kubeconfig" --namespace trial
  expect_rc $rc 0
  contains "$FAKE_KIND_HOME/clusters/team/requests.log" 'DELETE /api/v1/namespaces/trial'
  # Retained on an existing cluster: the namespace stays, the user's kubeconfig is not copied.
  run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --provider existing --kubeconfig "$T/team.kubeconfig" --namespace kept --retain always
  expect_rc $rc 0
  [ ! -e "$OUT/kubeconfig" ] || fail "an existing cluster's kubeconfig was copied into the artifacts"
  lacks "$FAKE_KIND_HOME/clusters/team/requests.log" 'DELETE /api/v1/namespaces/kept'
  # A namespace that exists is never taken over.
  run "$FIX/healthy.json" --manifests "$FIX/app.yaml" --provider existing --kubeconfig "$T/team.kubeconfig" --namespace default
  expect_rc $rc 3
  contains "$OUT/junit.xml" 'namespace default already exists'
  # Cluster-scoped objects are never created or changed on an existing cluster by default...
  mkdir -p "$T/cs" && cp "$FIX/app.yaml" "$FIX/cluster-scoped.yaml" "$T/cs/"
  : > "$FAKE_KIND_HOME/clusters/team/requests.log"
  run "$FIX/healthy.json" --manifests "$T/cs" --provider existing --kubeconfig "$T/team.kubeconfig" --namespace trial2
  expect_rc $rc 2
  contains "$T/stderr" 'ClusterRole/preflight-test-reader'
  contains "$T/stderr" 'ClusterRoleBinding/preflight-test-reader'
  contains "$T/stderr" '--allow-cluster-scoped'
  lacks "$FAKE_KIND_HOME/clusters/team/requests.log" 'clusterrole'
  # ...unless the cluster is declared throwaway: then it is loud, and what the run created goes.
  # A ClusterRole that existed before the run stays.
  printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: preflight-test-reader}\nrules: []\n' |
    kubectl --kubeconfig "$T/team.kubeconfig" apply --server-side -f - >/dev/null
  run "$FIX/healthy.json" --manifests "$T/cs" --provider existing --kubeconfig "$T/team.kubeconfig" --namespace trial3 --allow-cluster-scoped
  expect_rc $rc 0
  contains "$OUT/report.json" '--allow-cluster-scoped: this run creates or changes 2 cluster-scoped object(s)'
  contains "$OUT/junit.xml" 'remove cluster-scoped objects the run created'
  kubectl --kubeconfig "$T/team.kubeconfig" get clusterrole preflight-test-reader >/dev/null 2>&1 || fail "a ClusterRole that existed before the run was deleted"
  ! kubectl --kubeconfig "$T/team.kubeconfig" get clusterrolebinding preflight-test-reader >/dev/null 2>&1 || fail "the ClusterRoleBinding the run created was left behind"
  # On a cluster of its own, in another namespace than the release's: the binding's subject
  # follows the ServiceAccount into the run's namespace.
  run "$FIX/healthy.json" --manifests "$T/cs" --namespace trial4 --retain always
  expect_rc $rc 0
  subj=$(kubectl --kubeconfig "$OUT/kubeconfig" get clusterrolebinding preflight-test-reader -o jsonpath='{.subjects[0].namespace}')
  [ "$subj" = trial4 ] || fail "binding subject namespace is '$subj', expected trial4"
  for p in "$FAKE_KIND_HOME"/clusters/*/pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  rm -rf "$FAKE_KIND_HOME"/clusters/preflight-*
  ;;
candidate)
  # A local Argo CD-like repository: manifests/install.yaml at a tag that `stable` points at.
  export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example
  R=$T/repo
  git init -q "$R" && mkdir -p "$R/manifests" && cp "$FIX/app.yaml" "$R/manifests/install.yaml"
  git -C "$R" add -A && git -C "$R" commit -qm release
  git -C "$R" tag -a v9.9.9 -m release && git -C "$R" tag stable "v9.9.9^{commit}"
  commit=$(git -C "$R" rev-parse HEAD)
  printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: moved-on}\n' >> "$R/manifests/install.yaml"
  git -C "$R" commit -qam "after the release"
  run "$FIX/healthy.json" --candidate stable --source "$R"
  expect_rc $rc 0
  contains "$OUT/report.json" "$commit"
  contains "$OUT/report.json" '"promote.revision"'
  grep -q 'safe to pin: targetRevision: v9.9.9' "$T/stderr" || fail "no pin advice for v9.9.9"
  # The manifests applied are those of the commit, not of the branch that moved on.
  grep -qs 'deployments/publisher' "$FAKE_KIND_HOME"/deleted/*/requests.log || fail "the tagged manifests were not applied"
  ! grep -qs 'configmaps/moved-on' "$FAKE_KIND_HOME"/deleted/*/requests.log || fail "applied a file from after the tag"
  # Promotion from that report: a diff first, then exactly one line of the team's file.
  cp "$FIX/argocd-app.yaml" "$T/app.yaml"
  "$BIN" promote --report "$OUT/report.json" --source https://github.com/argoproj/argo-cd --dry-run "$T/app.yaml" >"$T/diff" 2>"$T/err"
  expect_rc $? 0
  contains "$T/diff" '-    targetRevision: stable      # floating: to be pinned'
  contains "$T/diff" '+    targetRevision: v9.9.9      # floating: to be pinned'
  cmp -s "$T/app.yaml" "$FIX/argocd-app.yaml" || fail "--dry-run changed the file"
  "$BIN" promote --report "$OUT/report.json" --source https://github.com/argoproj/argo-cd --revision v9.9.9 \
    --github-output "$T/gh" --dotenv "$T/promote.env" "$T/app.yaml" >/dev/null 2>"$T/err"
  expect_rc $? 0
  [ "$(diff "$FIX/argocd-app.yaml" "$T/app.yaml" | grep -c '^[<>]')" = 2 ] || fail "promote must change exactly one line"
  contains "$T/gh" 'verdict=passed'
  contains "$T/gh" 'revision=v9.9.9'
  contains "$T/gh" "commit=$commit"
  contains "$T/promote.env" 'PREFLIGHT_REVISION=v9.9.9'
  contains "$T/promote.env" "PREFLIGHT_CHANGED_FILES=$T/app.yaml"
  # A report for another revision is refused.
  "$BIN" promote --report "$OUT/report.json" --source https://github.com/argoproj/argo-cd --revision v1.0.0 "$T/app.yaml" >/dev/null 2>"$T/err"
  expect_rc $? 2
  contains "$T/err" 'validated v9.9.9'
  run "$FIX/healthy.json" --candidate '--upload-pack=touch /tmp/pwned' --source "$R"
  expect_rc $rc 2
  # A scenario that never brings the candidate to Healthy (diagnostics only) may pass, but it
  # proved nothing about the candidate: no pin, no advice, and promote refuses the report.
  printf 'apiVersion: argocd-preflight.io/v1\nkind: Scenario\nname: look\nsteps:\n- name: only\n  try:\n  - diagnostics: {}\n' > "$T/look.yaml"
  run "$FIX/healthy.json" --scenario "$T/look.yaml" --candidate stable --source "$R"
  expect_rc $rc 0
  lacks "$OUT/report.json" '"promote.revision"'
  contains "$OUT/report.json" 'never brought the candidate to Healthy'
  ! grep -q 'safe to pin' "$T/stderr" || fail "pin advice from a run that never installed the candidate"
  cp "$FIX/argocd-app.yaml" "$T/app2.yaml"
  "$BIN" promote --report "$OUT/report.json" "$T/app2.yaml" >/dev/null 2>"$T/err"
  [ $? -ne 0 ] || fail "promote accepted a report that proved nothing"
  cmp -s "$T/app2.yaml" "$FIX/argocd-app.yaml" || fail "promote changed the file from a report that proved nothing"
  no_clusters_left
  ;;
promote-refused)
  # A failed run never moves the pin, and says so to the pipeline.
  run "$FIX/init-blocked.json" --manifests "$FIX/app.yaml"
  expect_rc $rc 1
  cp "$FIX/argocd-app.yaml" "$T/app.yaml"
  "$BIN" promote --report "$OUT/report.json" --github-output "$T/gh" "$T/app.yaml" >/dev/null 2>"$T/err"
  expect_rc $? 1
  contains "$T/err" 'did not pass (verdict failed): the pin stays where it is'
  contains "$T/gh" 'verdict=failed'
  cmp -s "$T/app.yaml" "$FIX/argocd-app.yaml" || fail "a failed report changed the file"
  "$BIN" promote --report "$FIX/argocd-app.yaml" "$T/app.yaml" >/dev/null 2>"$T/err"
  expect_rc $? 2
  contains "$T/err" 'not a JSON report'
  ;;
interrupt-phases)
  # A signal at any phase boundary ends in exit 130, an interrupted report, no promote revision,
  # and a promote that refuses it; the signal arrives while the named command runs (a wrapper
  # first on PATH signals the tool, then runs the real command to its normal end).
  export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example
  R=$T/repo
  git init -q "$R" && mkdir -p "$R/manifests" && cp "$FIX/app.yaml" "$R/manifests/install.yaml"
  git -C "$R" add -A && git -C "$R" commit -qm release && git -C "$R" tag v9.9.9
  W=$T/wrap && mkdir -p "$W"
  for prog in git kind kubectl; do
    real=$(PATH=$SIMPATH command -v $prog)
    cat >"$W/$prog" <<SH
#!/usr/bin/env bash
case " \$* " in *" \$SIGNAL_ON "*) [ "\$(basename "\$0")" = "\$SIGNAL_PROG" ] && mkdir "\$SIGNAL_ONCE" 2>/dev/null && kill -INT \$PPID ;; esac
exec "$real" "\$@"
SH
    chmod +x "$W/$prog"
  done
  for at in "git ls-remote" "git fetch" "git show" "kind version" "kind create" "kubectl apply" "kubectl get" "kind delete"; do
    rm -rf "$OUT" "$T/signalled"
    SIGNAL_ONCE=$T/signalled SIGNAL_PROG=${at%% *} SIGNAL_ON=${at#* } KUBE_SIM_SCENARIO=$FIX/healthy.json PATH=$W:$SIMPATH \
      "$BIN" run --candidate v9.9.9 --source "$R" --report-dir "$OUT" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    [ "$rc" = 130 ] || fail "signal during '$at': exit $rc, expected 130"
    grep -qF '"interrupted":true' "$OUT/report.json" 2>/dev/null || fail "signal during '$at': report not marked interrupted"
    ! grep -qF '"promote.revision"' "$OUT/report.json" 2>/dev/null || fail "signal during '$at': the report offers a pin"
    ! grep -qF 'safe to pin' "$T/stderr" || fail "signal during '$at': said safe to pin"
    cp "$FIX/argocd-app.yaml" "$T/app.yaml"
    "$BIN" promote --report "$OUT/report.json" --source "$R" "$T/app.yaml" >/dev/null 2>"$T/err"
    prc=$?
    [ "$prc" = 1 ] || fail "signal during '$at': promote exit $prc, expected 1"
    cmp -s "$T/app.yaml" "$FIX/argocd-app.yaml" || fail "signal during '$at': promote moved the pin"
    [ -z "$(ls -A "$FAKE_KIND_HOME/clusters" 2>/dev/null)" ] || fail "signal during '$at': cluster left behind"
  done
  ;;
promote-safety)
  # promote never loses a byte and never writes where it must not.
  export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example
  R=$T/repo
  git init -q "$R" && mkdir -p "$R/manifests" && cp "$FIX/app.yaml" "$R/manifests/install.yaml"
  git -C "$R" add -A && git -C "$R" commit -qm release && git -C "$R" tag v9.9.9
  run "$FIX/healthy.json" --candidate v9.9.9 --source "$R"
  expect_rc $rc 0
  REP=$OUT/report.json
  P() { "$BIN" promote --report "$REP" --source https://github.com/argoproj/argo-cd "$@"; }
  G=$T/g && mkdir -p "$G"
  big() { { cat "$FIX/argocd-app.yaml"; for i in $(seq 1 200); do echo "# padding line $i so the file is larger than the size limit"; done; } > "$1"; }
  # A full disk (here: a file-size limit) leaves the file as it was, and no temporary file.
  big "$G/app.yaml" && cp "$G/app.yaml" "$T/orig"
  (ulimit -f 4; P "$G/app.yaml" >/dev/null 2>"$T/err"); prc=$?
  [ $prc -ne 0 ] || fail "promote on a full disk exited 0"
  cmp -s "$G/app.yaml" "$T/orig" || fail "a failed write changed the file"
  [ "$(ls -A "$G")" = app.yaml ] || fail "temporary files left: $(ls -A "$G")"
  # A planted link at the old temporary name is never followed.
  echo victim > "$T/victim.txt"; ln -s "$T/victim.txt" "$G/app.yaml.tmp"
  P "$G/app.yaml" >/dev/null 2>"$T/err"; expect_rc $? 0
  [ "$(cat "$T/victim.txt")" = victim ] || fail "promote wrote through a planted symlink"
  grep -q 'targetRevision: v9.9.9' "$G/app.yaml" || fail "the pin did not move"
  rm -f "$G/app.yaml.tmp"
  # A symlinked target is refused, and named.
  cp "$FIX/argocd-app.yaml" "$T/real.yaml"; ln -s "$T/real.yaml" "$G/link.yaml"
  P "$G/link.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" "symbolic link to $T/real.yaml"
  cmp -s "$T/real.yaml" "$FIX/argocd-app.yaml" || fail "the symlink's target changed"
  # A symlinked directory in the path is refused too: the write would land outside it.
  mkdir -p "$T/outside" && cp "$FIX/argocd-app.yaml" "$T/outside/app.yaml" && ln -s "$T/outside" "$G/platform"
  P "$G/platform/app.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" "directory $G/platform is a symbolic link to $T/outside"
  cmp -s "$T/outside/app.yaml" "$FIX/argocd-app.yaml" || fail "promote wrote through a symlinked directory"
  # A report whose pin is not its candidate (HEAD, a branch), or an analyze report relabelled
  # `run`, is refused before any file changes.
  python3 - "$REP" "$T/head.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["properties"]["promote.revision"] = "HEAD"
json.dump(r, open(sys.argv[2], "w"))
PY
  cp "$FIX/argocd-app.yaml" "$G/app3.yaml"
  "$BIN" promote --report "$T/head.json" --source https://github.com/argoproj/argo-cd "$G/app3.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" "promote.revision HEAD is neither the candidate's tag (v9.9.9)"
  "$BIN" analyze "$FIX/app.yaml" --report-dir "$T/an" >/dev/null 2>&1
  sed 's/"command":"analyze"/"command":"run"/; s/"properties":{/"properties":{"promote.revision":"v9.9.9","candidate.tag":"v9.9.9",/' "$T/an/report.json" > "$T/an-run.json"
  "$BIN" promote --report "$T/an-run.json" --source https://github.com/argoproj/argo-cd "$G/app3.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" "no scenario of it brought an install to Healthy"
  cmp -s "$G/app3.yaml" "$FIX/argocd-app.yaml" || fail "a refused report changed the file"
  rm -f "$G/link.yaml"
  # Several files: all or none. The second is read-only, so the first stays too, and the
  # outputs still tell the pipeline what happened.
  cp "$FIX/argocd-app.yaml" "$G/a.yaml"; cp "$FIX/argocd-app.yaml" "$G/b.yaml"; chmod 444 "$G/b.yaml"
  P --github-output "$T/gh" "$G/a.yaml" "$G/b.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" 'read-only'
  cmp -s "$G/a.yaml" "$FIX/argocd-app.yaml" || fail "all-or-none: the first file changed"
  contains "$T/gh" 'verdict=passed'
  contains "$T/gh" 'changed-files='
  contains "$T/gh" 'error=no file was changed'
  chmod 644 "$G/b.yaml"; rm -f "$G/a.yaml" "$G/b.yaml"
  # A directory covers its files; files there that pin nothing stay as they are.
  mkdir -p "$G/apps/sub" && cp "$FIX/argocd-app.yaml" "$G/apps/sub/argocd.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n' > "$G/apps/other.yaml"; cp "$G/apps/other.yaml" "$T/other"
  P "$G/apps" >/dev/null 2>"$T/err"; expect_rc $? 0
  grep -q 'targetRevision: v9.9.9' "$G/apps/sub/argocd.yaml" || fail "the directory's Application was not pinned"
  cmp -s "$G/apps/other.yaml" "$T/other" || fail "a file that pins nothing changed"
  # `-` is stdin -> stdout, not a file named '-'.
  (cd "$G" && P - < "$FIX/argocd-app.yaml" > "$T/piped" 2>"$T/err"); expect_rc $? 0
  grep -q 'targetRevision: v9.9.9' "$T/piped" || fail "stdin was not rewritten to stdout"
  [ ! -e "$G/-" ] || fail "a file named - was written"
  # A forged revision with a newline never reaches the file.
  python3 - "$REP" "$T/forged.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["properties"]["promote.revision"] = "v1\n  sources:\n  - repoURL: https://evil.example"
json.dump(r, open(sys.argv[2], "w"))
PY
  cp "$FIX/argocd-app.yaml" "$G/app2.yaml"
  "$BIN" promote --report "$T/forged.json" --source https://github.com/argoproj/argo-cd "$G/app2.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" 'cannot be pinned'
  cmp -s "$G/app2.yaml" "$FIX/argocd-app.yaml" || fail "a forged revision changed the file"
  # A forged outcome is an error, not a pass: for promote and for merge-reports.
  python3 - "$REP" "$T/forged2.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["suites"][0]["cases"][0]["outcome"] = "FAILED"
json.dump(r, open(sys.argv[2], "w"))
PY
  "$BIN" promote --report "$T/forged2.json" --source https://github.com/argoproj/argo-cd "$G/app2.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" 'unknown outcome "FAILED"'
  "$BIN" merge-reports "$T/forged2.json" >/dev/null 2>"$T/err"; expect_rc $? 2
  # A tag with a line break cannot go to a dotenv file: refused before any file changes.
  python3 - "$REP" "$T/forged3.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["properties"]["candidate.tag"] = "v9.9.9\nPREFLIGHT_VERDICT=passed"
json.dump(r, open(sys.argv[2], "w"))
PY
  "$BIN" promote --report "$T/forged3.json" --source https://github.com/argoproj/argo-cd --dotenv "$T/env" "$G/app2.yaml" >/dev/null 2>"$T/err"; expect_rc $? 2
  contains "$T/err" 'line break'
  cmp -s "$G/app2.yaml" "$FIX/argocd-app.yaml" || fail "a bad dotenv value let the file change"
  # Device nodes are written through, never replaced (we run as root in CI).
  "$BIN" analyze "$FIX/app.yaml" -o /dev/null >/dev/null 2>&1
  [ -c /dev/null ] || fail "/dev/null is no longer a character device"
  if [ -w /dev/full ]; then
    "$BIN" analyze "$FIX/app.yaml" -o /dev/full >/dev/null 2>"$T/err"; [ $? -ne 0 ] || fail "-o /dev/full reported success"
    [ -c /dev/full ] || fail "/dev/full is no longer a character device"
  fi
  ;;
apiserver-endpoint)
  # The static stage assumes kind's usual 172.18.0.2:6443; the cluster says .4. The findings are
  # re-checked with the real address before anything is installed: a policy that allowed only
  # .2 now blocks the API client, and the run fails for it.
  run "$FIX/healthy.json" --manifests "$FIX/api-client.yaml" --no-probes
  expect_rc $rc 0
  contains "$OUT/report.json" '"cluster.apiserver.endpoint":"172.18.0.2:6443"'
  run "$FIX/apiserver-at-4.json" --manifests "$FIX/api-client.yaml" --no-probes
  expect_rc $rc 1
  contains "$OUT/report.json" '"apiserver.endpoint":"172.18.0.4:6443"'
  contains "$OUT/report.json" 're-checked with 172.18.0.4:6443'
  lacks "$OUT/report.json" '"promote.revision"'
  outcome_is "$OUT/junit.xml" 'api-server-reachable: Deployment/tool' failure
  no_clusters_left
  ;;
namespace-flavour)
  # namespace-install has no CRDs: on kind the same release's CRDs (its manifests/crds files at
  # the same commit) go first; the smoke Application is skipped, saying why.
  need_shared v2.11.1
  [ -f "$SHARED/argocd/v2.11.1/namespace-install.yaml" ] || { echo "SKIP: no v2.11.1 namespace-install.yaml"; exit 77; }
  export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example
  R=$T/repo
  git init -q "$R" && mkdir -p "$R/manifests/crds" && cp "$SHARED/argocd/v2.11.1/namespace-install.yaml" "$R/manifests/"
  python3 - "$SHARED/argocd/v2.11.1/install.yaml" "$R/manifests/crds" <<'PY'
import re, sys
docs = re.split(r"(?m)^---\s*$", open(sys.argv[1]).read())
for d in docs:
    if re.search(r"(?m)^kind: CustomResourceDefinition", d):
        name = re.search(r"(?m)^  name: ([a-z.]+)", d).group(1).split(".")[0]
        open(f"{sys.argv[2]}/{name[:-1] if name.endswith('s') else name}-crd.yaml", "w").write(d.lstrip("\n"))
open(f"{sys.argv[2]}/kustomization.yaml", "w").write("resources: []\n")
PY
  git -C "$R" add -A && git -C "$R" commit -qm release && git -C "$R" tag v2.11.1
  run "$FIX/smoke-ok.json" --candidate v2.11.1 --source "$R" --flavour namespace-install
  # v2.11.1 fails statically (PF001, the incident); the install and smoke steps still run.
  expect_rc $rc 1
  grep -qs 'customresourcedefinitions' "$FAKE_KIND_HOME"/deleted/*/requests.log || fail "the release's CRDs were not applied"
  contains "$OUT/report.json" '"candidate.crds":"manifests/crds"'
  contains "$OUT/junit.xml" 'flavour manages no cluster until one is registered'
  # On an existing cluster the release's CRDs are not applied but checked: missing, the run stops
  # before touching anything; present and serving the release's versions, it goes ahead.
  PATH=$SIMPATH KUBE_SIM_SCENARIO=$FIX/smoke-ok.json kind create cluster --name team --kubeconfig "$T/team.kubeconfig" 2>/dev/null
  run "$FIX/smoke-ok.json" --candidate v2.11.1 --source "$R" --flavour namespace-install --provider existing --kubeconfig "$T/team.kubeconfig" --namespace ns1
  expect_rc $rc 3
  contains "$T/stderr" "the cluster's CRDs do not fit"
  contains "$T/stderr" 'applications.argoproj.io: not on the cluster'
  for f in "$R"/manifests/crds/*-crd.yaml; do kubectl --kubeconfig "$T/team.kubeconfig" apply --server-side -f "$f" >/dev/null || fail "cannot apply $f"; done
  run "$FIX/smoke-ok.json" --candidate v2.11.1 --source "$R" --flavour namespace-install --provider existing --kubeconfig "$T/team.kubeconfig" --namespace ns2
  expect_rc $rc 1
  lacks "$T/stderr" "the cluster's CRDs do not fit"
  for p in "$FAKE_KIND_HOME"/clusters/team/pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  rm -rf "$FAKE_KIND_HOME/clusters/team"
  no_clusters_left
  ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
if [ $fails -ne 0 ]; then
  echo "--- stderr"; tail -30 "$T/stderr"; echo "--- calls"; cat "$FAKE_KIND_HOME/calls.log" 2>/dev/null
  exit 1
fi
echo "ok [$CASE]"
