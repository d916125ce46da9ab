#!/usr/bin/env bash
# The real tier (ctest label `real`): argocd-preflight against the real test cluster that
# tests/cluster/up started (the ctest fixture real_cluster). One case per invocation:
#   real_test.sh BIN PROBE_POD CASE
# Exit 77 (skipped) only when no real cluster is up because this machine cannot run one (not
# root); a cluster that should be up and is not is a failure.
set -uo pipefail
BIN=$1 PROBE_POD=$2 CASE=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FIX=$here/../fixtures/real
if [ ! -f "$PF_KUBECONFIG" ]; then
  [ "$(id -u)" = 0 ] || { echo "SKIP: the real test cluster needs root"; exit 77; }
  echo "FAIL: no real test cluster is up ($PF_KUBECONFIG missing; see the real_cluster_up test)"; exit 1
fi
export PATH="$(cat "$PF_STATE/bin-path"):$PATH" KUBECONFIG=$PF_KUBECONFIG
T=$(mktemp -d /tmp/preflight-real.XXXXXX)
# PREFLIGHT_REAL_KEEP=DIR keeps the last run's log and reports there (for a look by hand).
trap '[ -n "${PREFLIGHT_REAL_KEEP:-}" ] && mkdir -p "$PREFLIGHT_REAL_KEEP" && cp -r "$T/out" "$T"/r-* "$PREFLIGHT_REAL_KEEP/" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/tmp"
fail() { echo "FAIL ($CASE): $*"; [ -f "$T/out" ] && tail -n 60 "$T/out"; exit 1; }
contains() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }
kc() { timeout 60 kubectl "$@"; }

# run NS ARGS...: the tool against this cluster in namespace NS; rc in $rc, reports in $T/r-NS.
run() {
  local ns=$1; shift
  OUT=$T/r-$ns
  TMPDIR=$T/tmp timeout 900 "$BIN" run --provider existing --kubeconfig "$PF_KUBECONFIG" --namespace "$ns" \
    --report-dir "$OUT" --wait-timeout 180 "$@" > "$T/out" 2>&1
  rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit $rc, expected $1"; }
# outcome NAME-FRAGMENT OUTCOME: a report case whose name contains the fragment has that outcome.
outcome() {
  python3 - "$OUT/report.json" "$1" "$2" <<'PY' || fail "no case '$1' with outcome $2 in the report"
import json, sys
r = json.load(open(sys.argv[1]))
cases = []
def walk(o):
    if isinstance(o, dict):
        if "outcome" in o and "name" in o: cases.append(o)
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(r)
hits = [c for c in cases if sys.argv[2] in c["name"]]
for c in hits: print(f'{c["name"]}: {c["outcome"]}: {c.get("message","")[:300]}')
sys.exit(0 if hits and all(c["outcome"] == sys.argv[3] for c in hits) else 1)
PY
}
# After every run: its namespace is gone, no probe pod is left anywhere, no temp file remains.
cleaned() {
  local ns=$1 i
  for ((i = 0; i < 120; i++)); do kc get namespace "$ns" >/dev/null 2>&1 || break; sleep 0.5; done
  kc get namespace "$ns" >/dev/null 2>&1 && fail "namespace $ns still exists after the run"
  [ -z "$(kc get pods -n "$ns" -l argocd-preflight.io/probe -o name 2>/dev/null)" ] || fail "probe pods left in $ns"
  [ -z "$(ls -A "$T/tmp")" ] || fail "temporary files left: $(ls -A "$T/tmp")"
}

# message FRAGMENT: the messages of every report case whose name contains the fragment.
message() {
  python3 - "$OUT/report.json" "$1" <<'PY'
import json, sys
def walk(o):
    if isinstance(o, dict):
        if "outcome" in o and "name" in o and sys.argv[2] in o["name"]: print(o.get("message", ""))
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(json.load(open(sys.argv[1])))
PY
}
# Seconds from the end of the (first) candidate apply to the end of its wait.
apply_to_verdict() {
  python3 - "$OUT/report.json" <<'PY'
import json, sys
cases = [c for s in json.load(open(sys.argv[1]))["suites"] for c in s["cases"]]
apply = next(c for c in cases if ": apply " in c["name"])
wait = next(c for c in cases if c["name"].endswith("workloads Healthy"))
print("%.1f" % ((wait["start_ms"] + wait["duration_ms"] - apply["start_ms"] - apply["duration_ms"]) / 1000.0))
PY
}
property() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["properties"].get(sys.argv[2], ""))' "$OUT/report.json" "$1"; }
has() { grep -qF -- "$2" <<< "$1" || fail "lacks: $2 (in: ${1:0:600})"; }

# The real Argo CD (tests/cluster/argocd_images.sh: built from its modules, pulled from the
# local registry with the manifests' own imagePullPolicy) as the product meets it: a source
# repository whose tags carry the released install.yaml, a git server inside the cluster for
# the smoke Application, the run in namespace argocd (the manifests' ClusterRoleBindings name it).
SHARED=${PREFLIGHT_SHARED_DIR:-$here/../../../shared}
argocd_setup() {
  local v
  for v in v2.11.0 v2.11.1 v2.11.2; do
    [ -f "$SHARED/argocd/$v/install.yaml" ] || { echo "SKIP: $SHARED/argocd/$v/install.yaml missing"; exit 77; }
  done
  R=$T/argo-cd
  git init -q "$R" && mkdir -p "$R/manifests"
  for v in v2.11.0 v2.11.1 v2.11.2; do
    cp "$SHARED/argocd/$v/install.yaml" "$R/manifests/install.yaml"
    git -C "$R" add -A && git -C "$R" -c user.name=t -c user.email=t@example.invalid commit -qm "$v" && git -C "$R" tag "$v"
  done
  sed "s|@IMAGE@|quay.io/argoproj/argocd:v2.11.0|" "$FIX/git-server.yaml" | kc apply -f - >/dev/null || fail "git server"
  kc -n pf-git wait --for=condition=Ready pod/git --timeout=180s >/dev/null || fail "git server not Ready"
  for ((i = 0; i < 240; i++)); do kc get namespace argocd >/dev/null 2>&1 || break; sleep 0.5; done
}
argocd_run() { # ARGS...: a run of the real Argo CD from $R, with the smoke Application
  run argocd --source "$R" --allow-cluster-scoped --kube-version 1.33 --apiserver-endpoint "$PF_NODE_IP:6443" \
    --smoke-repo git://git.pf-git.svc.cluster.local/smoke.git --smoke-path app "$@"
}
# The v2.11.1 incident, read from the report: the real secret-init error, the policy and the
# static finding as its cause, the cascade, and the live probe from Redis' identity agreeing.
v2111_explained() { # STEP-FRAGMENT
  local m
  if [ "$1" != "install candidate: " ] && grep -q ": passed: " <<< "$(outcome "$1workloads Healthy" passed 2>/dev/null)"; then
    # An upgrade applies the Deployment before the new policy (file order): the new pod can be
    # programmed under the old policy and secret-init gets through. The probes still decide.
    echo "the candidate's pods won the race against the new policy; the live probe decides"
    outcome "$1api-server: Deployment/argocd-redis ->" failed
    has "$(message "$1api-server: Deployment/argocd-redis ->")" "static analysis: blocked"
    grep -q '"promote.revision"' "$OUT/report.json" && fail "a failed run offers a pin"
    return 0
  fi
  m=$(message "$1workloads Healthy")
  if [ "$(property verdict.early)" = true ]; then
    # Decided early: PF001 and the live probe from Redis' identity agreed on the block. The
    # failure carries both, and secret-init's own line when it failed within the grace.
    has "$m" "a live probe from its identity agrees: api-server: Deployment/argocd-redis -> kubernetes.default.svc:443 observed blocked"
    has "$m" "argocd-redis-network-policy"
    has "$m" "(PF001)"
    if grep -q "stuck in Init: secret-init:" <<< "$m"; then
      grep -qE 'dial tcp 10\.96\.0\.1:443: (connect: connection refused|i/o timeout)' <<< "$m" || fail "no real secret-init dial error: ${m:0:400}"
    fi
    outcome "$1api-server: Deployment/argocd-redis ->" failed
    grep -q '"static vs live' "$OUT/report.json" && fail "static and live disagree"
    grep -q '"promote.revision"' "$OUT/report.json" && fail "a failed run offers a pin"
    return 0
  fi
  has "$m" "stuck in Init: secret-init:"
  has "$m" "level=fatal"
  grep -qE '/api/v1/namespaces/argocd/secrets.*dial tcp 10\.96\.0\.1:443: (connect: connection refused|i/o timeout)' <<< "$m" ||
    fail "no real secret-init dial error: ${m:0:400}"
  has "$m" "argocd-redis-network-policy"
  has "$m" "(PF001)"
  has "$m" 'secret "argocd-redis" not found'
  for w in Deployment/argocd-server Deployment/argocd-repo-server StatefulSet/argocd-application-controller; do has "$m" "$w"; done
  outcome "$1api-server: Deployment/argocd-redis ->" failed
  has "$(message "$1api-server: Deployment/argocd-redis ->")" "static analysis: blocked"
  grep -q '"static vs live' "$OUT/report.json" && fail "static and live disagree"
  grep -q '"promote.revision"' "$OUT/report.json" && fail "a failed run offers a pin"
  return 0
}

case $CASE in
argocd-v2.11.1-fresh-v2.11.2-binary)
  # v2.11.1's manifests, unedited; its image carries the v2.11.2 build (the module proxy refuses
  # v2.11.1; the two differ in no Go code on secret-init's path: tests/cluster/versions.env).
  argocd_setup
  argocd_run --candidate v2.11.1
  expect_rc 1
  outcome "api-server-reachable: Deployment/argocd-redis" failed
  outcome "install candidate: workloads Healthy" failed
  [ "$(property verdict.early)" = true ] || fail "no early verdict: static and live should have agreed"
  v2111_explained "install candidate: "
  echo "early verdict $(apply_to_verdict) s after the apply"  # issue 15's goal: under 20 s
  cleaned argocd
  ;;
bench-early)
  # Not a test (bench/real_cluster.sh): seconds from the end of the apply to the install's
  # verdict on this cluster, for v2.11.1 with and without the early verdict and for v2.11.2.
  argocd_setup
  argocd_run --candidate v2.11.1 --no-smoke
  expect_rc 1
  [ "$(property verdict.early)" = true ] || fail "no early verdict"
  with=$(apply_to_verdict); cleaned argocd
  argocd_run --candidate v2.11.1 --no-smoke --no-early-verdict
  expect_rc 1
  without=$(apply_to_verdict); cleaned argocd
  argocd_run --candidate v2.11.2 --no-smoke
  expect_rc 0
  passing=$(apply_to_verdict); cleaned argocd
  python3 -c "import sys; w, wo, p = map(float, sys.argv[1:]); print(f'real cluster: v2.11.1 decided {w:.1f} s after the apply with the early verdict, {wo:.1f} s without ({wo / w:.1f}x sooner); v2.11.2 Healthy (passing) after {p:.1f} s')" "$with" "$without" "$passing"
  ;;
argocd-chart-6.10.2)
  # The argo-cd chart 6.10.2 (Argo CD v2.11.1, without its defect) installed as helm install
  # would: its redis-secret-init hook Job runs first, against the real API server, and creates
  # Secret argocd-redis; then the release becomes Healthy, the probes agree and the smoke
  # Application syncs. Redis from the local mirror of docker.io (the chart pulls public.ecr.aws).
  [ -d "$SHARED/charts/argo-cd-6.10.2" ] || { echo "SKIP: $SHARED/charts/argo-cd-6.10.2 missing"; exit 77; }
  helm_dir=$("$here/../tools/build_helm.sh") || fail "no helm (tests/tools/build_helm.sh)"
  argocd_setup
  PATH="$helm_dir:$PATH" run argocd --chart "$SHARED/charts/argo-cd-6.10.2" --set redis.image.repository=redis --set redis.image.tag=7.0.14-alpine \
    --allow-cluster-scoped --kube-version 1.33 --apiserver-endpoint "$PF_NODE_IP:6443" \
    --smoke-repo git://git.pf-git.svc.cluster.local/smoke.git --smoke-path app
  expect_rc 0
  outcome "pre-install hook Job/argocd-redis-secret-init" passed
  outcome "install candidate: workloads Healthy" passed
  outcome "redis: " passed
  outcome "smoke: Application Synced and Healthy" passed
  [ -z "$(property promote.revision)" ] || fail "a chart run offered a git pin: $(property promote.revision)"
  cleaned argocd
  ;;
argocd-chart-6.10.2-blocked-hook)
  # The chart with values that give its secret-init hook DNS-only egress (the v2.11.1 defect
  # moved into a Job). helm install runs pre-install hooks before the release's own objects, so
  # on a fresh install the hook runs before that policy exists and succeeds (seen here: the
  # static PF001 is about the next upgrade). helm upgrade runs the hook again with the policy in
  # place: the hook's real `argocd admin redis-initial-password` cannot reach the API server, the
  # hook fails with that line and the finding, and the new release is never applied.
  [ -d "$SHARED/charts/argo-cd-6.10.2" ] || { echo "SKIP: $SHARED/charts/argo-cd-6.10.2 missing"; exit 77; }
  helm_dir=$("$here/../tools/build_helm.sh") || fail "no helm (tests/tools/build_helm.sh)"
  argocd_setup
  chart_args=(--values "$FIX/../charts/secret-init-dns-only.yaml" --set redis.image.repository=redis --set redis.image.tag=7.0.14-alpine)
  "$helm_dir/helm" template argocd "$SHARED/charts/argo-cd-6.10.2" --namespace argocd --include-crds --kube-version 1.33 "${chart_args[@]}" \
    > "$T/installed.yaml" || fail "helm template"
  PATH="$helm_dir:$PATH" run argocd --scenario upgrade --baseline-manifests "$T/installed.yaml" --chart "$SHARED/charts/argo-cd-6.10.2" \
    "${chart_args[@]}" --stuck-grace 20 --no-smoke --allow-cluster-scoped --kube-version 1.33 --apiserver-endpoint "$PF_NODE_IP:6443"
  expect_rc 1
  outcome "api-server-reachable: Job/argocd-redis-secret-init" failed
  outcome "install baseline: pre-install hook Job/argocd-redis-secret-init" passed
  outcome "install baseline: workloads Healthy" passed
  outcome "upgrade to candidate: pre-upgrade hook Job/argocd-redis-secret-init" failed
  m=$(message "upgrade to candidate: pre-upgrade hook Job/argocd-redis-secret-init")
  grep -qE 'dial tcp 10\.96\.0\.1:443: (connect: connection refused|i/o timeout)' <<< "$m" || fail "no real secret-init dial error: ${m:0:400}"
  has "$m" "redis-secret-init-dns-only"
  has "$m" "(PF001)"
  outcome "upgrade to candidate: apply chart" skipped
  cleaned argocd
  ;;
argocd-v2.11.2-fresh)
  argocd_setup
  argocd_run --candidate v2.11.2
  expect_rc 0
  outcome "install candidate: workloads Healthy" passed
  outcome "enforcement canary" passed
  outcome "api-server: " passed
  outcome "redis: " passed
  outcome "redis isolation" passed
  outcome "smoke: Application Synced and Healthy" passed
  [ "$(property promote.revision)" = v2.11.2 ] || fail "promote.revision is '$(property promote.revision)', not v2.11.2"
  cleaned argocd
  # promote moves the pin of a GitOps repository's Application, and only that line.
  cat > "$T/app.yaml" <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: argocd   # Argo CD managing itself
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argo-cd.git
    targetRevision: v2.11.0    # moved by argocd-preflight promote
    path: manifests/cluster-install
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
YAML
  cp "$T/app.yaml" "$T/app.before"
  "$BIN" promote --report "$OUT/report.json" --source https://github.com/argoproj/argo-cd --revision v2.11.2 "$T/app.yaml" > "$T/out" 2>&1 ||
    fail "promote refused the passing report"
  [ "$(diff "$T/app.before" "$T/app.yaml" | grep -c '^[<>]')" = 2 ] || fail "promote must change exactly one line"
  contains "$T/app.yaml" "    targetRevision: v2.11.2    # moved by argocd-preflight promote"
  ;;
argocd-upgrade-v2.11.0-v2.11.1)
  argocd_setup
  # Without the early verdict: the crash itself decides (and the race with the policy is seen).
  argocd_run --scenario upgrade --baseline v2.11.0 --candidate v2.11.1 --no-early-verdict
  expect_rc 1
  [ "$(property verdict.early)" = true ] && fail "--no-early-verdict decided early"
  outcome "install baseline: workloads Healthy" passed
  outcome "install baseline: smoke: Application Synced and Healthy" passed
  v2111_explained "upgrade to candidate: "
  cleaned argocd
  ;;
argocd-rollback-v2.11.0-v2.11.1)
  argocd_setup
  argocd_run --scenario rollback --baseline v2.11.0 --candidate v2.11.1
  expect_rc 1
  v2111_explained "upgrade to candidate: "
  # Kubernetes leaves the StatefulSet's pod on the broken revision (never Ready, never
  # replaced): the drill deletes it, as a real rollback must, and says so.
  # (only when the candidate's controller pod was left unready: not after it won the race)
  if [ -n "$(message "roll back to baseline: forced rollback")" ]; then
    outcome "roll back to baseline: forced rollback" passed
    has "$(message "roll back to baseline: forced rollback")" "StatefulSet/"
  fi
  outcome "roll back to baseline: workloads Healthy" passed
  outcome "roll back to baseline: smoke: Application still Synced and Healthy" passed
  cleaned argocd
  ;;
argocd-upgrade-v2.11.0-v2.11.2)
  argocd_setup
  argocd_run --scenario upgrade --baseline v2.11.0 --candidate v2.11.2
  expect_rc 0
  outcome "upgrade to candidate: workloads Healthy" passed
  outcome "upgrade to candidate: smoke: Application still Synced and Healthy" passed
  outcome "redis isolation" passed
  [ "$(property promote.revision)" = v2.11.2 ] || fail "promote.revision is '$(property promote.revision)', not v2.11.2"
  cleaned argocd
  ;;
guard)
  # The guard and the routes, read (never tested by sending anything out).
  rules=$(nft list table inet "$PF_GUARD_TABLE") || fail "no guard table"
  echo "$rules"
  for want in "hook postrouting" "hook forward" 'ip saddr @ours4' 'ip daddr @ours4' 'iifname "'"$PF_BRIDGE"'"' \
              "$PF_POD_CIDR" "$PF_SVC_CIDR" "$PF_NODE_IP"; do
    grep -qF -- "$want" <<< "$rules" || fail "guard lacks $want"
  done
  [ "$(grep -c ' drop' <<< "$rules")" -ge 3 ] || fail "guard has fewer than 3 drop rules"
  # Every interface but ours is covered: the drop rules exclude only lo, the node bridge, the pod bridge and veths.
  excl=$(grep -o 'oifname != { [^}]* }' <<< "$rules" | sort -u)
  [ "$(wc -l <<< "$excl")" = 1 ] || fail "guard rules exclude different interfaces: $excl"
  [ "$(grep -o '"[^"]*"' <<< "$excl" | sort | tr '\n' ' ')" = "$(printf '"%s"\n' lo "$PF_NODE_IF" "$PF_BRIDGE" | sort | tr '\n' ' ')" ] ||
    fail "guard's exclusions are not exactly ours: $excl"
  up=$(ip -o route show default | awk '{print $5}' | head -1)
  for dst in "$PF_API_VIP" "$PF_DNS_VIP"; do
    ip route get "$dst" | grep -q "dev $PF_NODE_IF" || fail "$dst is not routed to $PF_NODE_IF: $(ip route get "$dst")"
  done
  nowhere=$(ip route get 10.244.200.7 2>&1)  # exits 2 when unreachable: not in a pipeline (pipefail)
  grep -qE 'unreachable|No route to host' <<< "$nowhere" || fail "a pod address of no node is not unreachable: $nowhere"
  podnet=$(kc get node "$PF_NODE" -o jsonpath='{.spec.podCIDR}')
  ip route show "$podnet" | grep -q "dev $PF_BRIDGE" || fail "this node's pods ($podnet) are not on $PF_BRIDGE"
  ip route get "$PF_NODE_IP" | grep -q '^local' || fail "$PF_NODE_IP is not local"
  [ -z "$up" ] || ! ip route get "$PF_API_VIP" | grep -q "dev $up" || fail "the API VIP would leave through $up"
  # Every socket our processes listen on is on loopback or the node address.
  bad=$(ss -Hltnup | while read -r _ _ _ _ local _ proc; do
          case $proc in *kube*|*etcd*|*containerd*|*coredns*|*docker-regist*) ;; *) continue ;; esac
          case $local in 127.0.0.1:*|"[::1]:"*|"$PF_NODE_IP":*) ;; *) echo "$local $proc" ;; esac
        done)
  [ -z "$bad" ] || fail "listening beyond loopback and the node address: $bad"
  # The local registry: loopback only, and containerd's only server for every registry the
  # Argo CD manifests name (no fallback to the internet).
  ss -Hltnp | grep -q "127.0.0.1:${PF_REGISTRY##*:} .*docker-regist" || fail "the registry does not listen on $PF_REGISTRY"
  for host in quay.io ghcr.io docker.io public.ecr.aws; do
    h=$PF_STATE/containerd/certs.d/$host/hosts.toml
    [ "$(grep -c '^server = "http://'"$PF_REGISTRY"'"$' "$h")" = 1 ] || fail "$host: containerd's server is not the local registry"
    grep -q 'https://' "$h" && fail "$host: an internet endpoint in $h"
  done
  ;;
healthy)
  run real-healthy --manifests "$FIX/healthy.yaml"
  expect_rc 0
  outcome "enforcement canary" passed
  outcome "api-server: Deployment/lister" passed
  outcome "redis: Deployment/web" passed
  outcome "redis isolation" passed
  outcome "workloads Healthy" passed
  contains "$OUT/junit.xml" "$PF_NODE_IP:6443"
  cleaned real-healthy
  ;;
init-blocked)
  # The v2.11.1 shape on a real enforcer: static PF001, the init container's real error, the
  # live probe from its identity blocked, and the two agreeing.
  run real-init-blocked --manifests "$FIX/init-blocked.yaml" --stuck-grace 20
  expect_rc 1
  outcome "api-server-reachable: Deployment/syncer" failed
  outcome "api-server: Deployment/syncer" failed
  outcome "workloads Healthy" failed
  # kubectl's own words (kube-router rejects, so the dial is refused rather than timing out).
  contains "$OUT/junit.xml" "fetch-config"
  grep -qE 'dial tcp [0-9.]+:443: (connect: connection refused|i/o timeout)' "$OUT/report.json" || fail "no real dial error in the report"
  contains "$OUT/report.json" "PF001"
  grep -q '"static vs live' "$OUT/report.json" && fail "static and live disagree"
  cleaned real-init-blocked
  ;;
init-race)
  # The same policy, the API called at once: whether or not the enforcer let the first call
  # through (the init container may even succeed), the probes decide and the run fails.
  run real-init-race --manifests "$FIX/init-race.yaml" --stuck-grace 20
  expect_rc 1
  outcome "api-server: Deployment/syncer" failed
  python3 - "$OUT/report.json" <<'PY'
import json, sys
r = json.dumps(json.load(open(sys.argv[1])))
print("init-race: the workload", "failed (the enforcer was first)" if "stuck in Init" in r or "Init:" in r else "got through the race (the probes failed the run)")
PY
  cleaned real-init-race
  ;;
crashloop)
  run real-crashloop --manifests "$FIX/crashloop.yaml"
  expect_rc 1
  outcome "workloads Healthy" failed
  contains "$OUT/junit.xml" "db: FATAL: could not open data directory /data: permission denied"
  grep -q 'unable to retrieve container logs' "$OUT/junit.xml" && fail "the kubelet's placeholder was taken for a log line"
  cleaned real-crashloop
  ;;
image-pull)
  run real-image-pull --manifests "$FIX/image-pull.yaml" --stuck-grace 5
  expect_rc 1
  outcome "workloads Healthy" failed
  grep -qE 'ImagePullBackOff|ErrImagePull' "$OUT/junit.xml" || fail "no image pull failure named"
  # The pull attempt went to the closed loopback proxy, nowhere else.
  contains "$OUT/report.json" "proxyconnect tcp: dial tcp 127.0.0.1:9"
  cleaned real-image-pull
  ;;
sigterm)
  # SIGTERM while the run waits for a pod that never becomes Ready: exit 130, everything gone.
  OUT=$T/r-real-sigterm
  TMPDIR=$T/tmp "$BIN" run --provider existing --kubeconfig "$PF_KUBECONFIG" --namespace real-sigterm \
    --report-dir "$OUT" --wait-timeout 600 --manifests "$FIX/never-ready.yaml" > "$T/out" 2>&1 &
  pid=$!
  for ((i = 0; i < 240; i++)); do
    [ -n "$(kc -n real-sigterm get pods -l app=waiter -o name 2>/dev/null)" ] && break; sleep 0.5
  done
  [ -n "$(kc -n real-sigterm get pods -l app=waiter -o name 2>/dev/null)" ] || { kill "$pid"; fail "the run never created its pod"; }
  sleep 2
  kill -TERM "$pid"
  wait "$pid"; rc=$?
  expect_rc 130
  contains "$OUT/report.json" '"interrupted":true'
  cleaned real-sigterm
  ;;
probe-verdicts)
  # The tool's own probe pods (probe::pod_manifest) from both probe images, against real
  # targets; their logs read as the tool reads them (probe::parse_output). Real clients, real
  # error texts: allowed, without AUTH, blocked by policy, nothing listening, unknown names.
  ns=real-probes-$$
  kc create namespace "$ns" >/dev/null || fail "cannot create $ns"
  trap 'kc delete namespace "$ns" --wait=false >/dev/null 2>&1; rm -rf "$T"' EXIT
  kc -n "$ns" apply -f "$FIX/healthy.yaml" >/dev/null || fail "apply healthy.yaml"
  kc -n "$ns" apply -f - >/dev/null <<'YAML' || fail "apply open"
apiVersion: apps/v1
kind: Deployment
metadata: {name: open}
spec:
  selector: {matchLabels: {app: open}}
  template:
    metadata: {labels: {app: open}}
    spec:
      containers:
      - name: redis
        image: docker.io/library/redis:7.0.15-alpine
        imagePullPolicy: IfNotPresent
        command: [redis-server, --port, "6379", --save, "", --appendonly, "no", --protected-mode, "no"]
        readinessProbe: {tcpSocket: {port: 6379}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: open}
spec:
  selector: {app: open}
  ports: [{name: redis, port: 6379}, {name: closed, port: 80, targetPort: 7001}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: probe-owner}
YAML
  kc -n "$ns" wait --for=condition=Available deployment/cache deployment/open --timeout=120s >/dev/null || fail "targets not Available"
  export PROBE_OWNER_NAME=probe-owner PROBE_OWNER_UID=$(kc -n "$ns" get configmap probe-owner -o jsonpath='{.metadata.uid}')
  # name kind host port expect [secret key] labels... | want (a regex: busybox nslookup names
  # NXDOMAIN, glibc's getent only exits 2)
  specs=(
    "auth redis cache.$ns.svc 6379 reachable cache-auth password app=web|reachable pong"
    "noauth redis cache.$ns.svc 6379 reachable app=web|auth_failed auth-failed"
    "policy redis cache.$ns.svc 6379 blocked role=outsider|blocked refused"
    "closed tcp open.$ns.svc 80 blocked app=web|blocked refused"
    "open redis open.$ns.svc 6379 reachable app=web|reachable pong"
    "dns dns kubernetes.default.svc.cluster.local 53 reachable app=web|reachable resolved"
    "nxdns dns nope.$ns.svc.cluster.local 53 reachable app=web|unresolved (name-unknown|dns-failed)"
    "nxtcp redis nope.$ns.svc 6379 reachable app=web|unresolved name-unknown"
  )
  for img in alpine debian; do
    ref=docker.io/library/redis:7.0.15$([ $img = alpine ] && echo -alpine)
    for s in "${specs[@]}"; do
      read -r name kind host port expect rest <<< "${s%%|*}"
      # shellcheck disable=SC2086
      "$PROBE_POD" manifest "$ref" "$ns" "p-$img-$name" "$kind" "$host" "$port" "$expect" $rest > "$T/p-$img-$name.json" || fail "probe_pod manifest"
      kc apply -f "$T/p-$img-$name.json" >/dev/null || fail "apply p-$img-$name"
    done
  done
  for ((i = 0; i < 120; i++)); do
    pending=$(kc -n "$ns" get pods -l argocd-preflight.io/probe -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -cvE 'Succeeded|Failed')
    [ "$pending" = 0 ] && break; sleep 1
  done
  [ "$pending" = 0 ] || fail "$pending probe pods did not finish"
  bad=0
  for img in alpine debian; do
    for s in "${specs[@]}"; do
      name=${s%% *}; want=${s#*|}
      got=$(kc -n "$ns" logs "p-$img-$name" | "$PROBE_POD" read)
      printf '%-7s %-7s %-28s %s\n' "$img" "$name" "$(head -1 <<< "$got")" "$(sed -n 2p <<< "$got" | cut -c1-110)"
      head -1 <<< "$got" | grep -qEx "$want" || { echo "  ^ expected $want"; bad=1; }
    done
  done
  [ $bad = 0 ] || fail "probe verdicts differ from the real clients' (above)"
  ;;
*)
  fail "unknown case $CASE" ;;
esac
echo "PASS ($CASE)"
