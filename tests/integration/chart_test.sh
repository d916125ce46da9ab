#!/usr/bin/env bash
# `analyze --chart`: the released argo-cd charts in ../shared/charts rendered by the real helm
# (built from its Go module: tests/tools/build_helm.sh) and analyzed. Every chart passes with its
# default values and with each of its own ci/*.yaml values files (none carries the v2.11.1
# defect: shared/charts/README.md); a values file of ours that restricts the Redis secret-init
# Job's egress to DNS fails for that reason. Also: helm's errors quoted with the values file, a
# missing helm (exit 3), a chart from a repository served on loopback, and --set secrets kept out
# of the kept rendering and the reports.
# Usage: chart_test.sh BINARY SHARED_DIR. Exit 77 = skipped (no ../shared/charts, or no Go for helm).
set -uo pipefail
bin=$1 shared=$2
here=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$shared/charts" ] || { echo "SKIP: $shared/charts missing"; exit 77; }
helm_dir=$("$here/tools/build_helm.sh") || { rc=$?; [ $rc = 77 ] && { echo "SKIP: no Go to build helm with"; exit 77; }; echo "FAIL: building helm (exit $rc)"; exit 1; }
export PATH="$helm_dir:$PATH"
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
pass() { echo "ok   $1"; }
failed() { echo "FAIL $1"; failures=$((failures + 1)); }
expect_exit() { if [ "$2" = "$3" ]; then pass "$1 (exit $3)"; else failed "$1: expected exit $2, got $3"; sed 's/^/    /' "$tmp/err" | head -20; fi; }
contains() { if grep -qF -- "$3" "$2"; then pass "$1"; else failed "$1: '$3' not in $2"; sed 's/^/    /' "$2" | head -20; fi; }
lacks() { if grep -qF -- "$3" "$2"; then failed "$1: '$3' in $2"; else pass "$1"; fi; }
analyze() { "$bin" analyze --kube-version 1.33 -n argocd "$@" >"$tmp/out" 2>"$tmp/err"; }

charts=$(ls -d "$shared"/charts/argo-cd-*/ | sort)
[ -n "$charts" ] || { echo "SKIP: no argo-cd charts in $shared/charts"; exit 77; }
for c in $charts; do
  name=$(basename "$c")
  analyze --chart "$c"; expect_exit "$name with its default values passes" 0 $?
  for v in "$c"ci/*.yaml; do
    [ -f "$v" ] || continue
    analyze --chart "$c" --values "$v"; expect_exit "$name with ci/$(basename "$v") passes" 0 $?
  done
done

# The defect re-created with values: PF001 on the hook Job, and PF004 for the Secret it creates.
c=$shared/charts/argo-cd-6.10.2
analyze --chart "$c" --values "$here/fixtures/charts/secret-init-dns-only.yaml" --format json
expect_exit "a DNS-only egress policy on secret-init fails" 1 $?
python3 - "$tmp/out" <<'PY' && pass "it fails for the right reason: PF001 on the Job, PF004 on Secret argocd-redis" || failed "wrong reason (see above)"
import json, sys
cases = {c["name"]: c for s in json.load(open(sys.argv[1]))["suites"] for c in s["cases"]}
pf1 = cases.get("api-server-reachable: Job/argocd-redis-secret-init", {})
pf4 = cases.get("runtime-secret-created: Secret/argocd-redis", {})
ok = pf1.get("outcome") == "failed" and "redis-secret-init-dns-only" in pf1.get("detail", "") and "[PF001 error]" in pf1.get("detail", "")
ok = ok and pf4.get("outcome") == "failed" and "its creator Job/argocd-redis-secret-init cannot reach the API server" in pf4.get("message", "")
failed_cases = sorted(n for n, c in cases.items() if c["outcome"] == "failed")
if not ok or len(failed_cases) != 2:
    print("failed cases:", failed_cases); sys.exit(1)
PY

# helm's own error, naming the values file: the input's problem (exit 2).
printf 'server:\n  replicas: [1\n' > "$tmp/broken.yaml"
analyze --chart "$c" --values "$tmp/broken.yaml"; expect_exit "a broken values file" 2 $?
contains "helm's error names the values file" "$tmp/err" "failed to parse $tmp/broken.yaml"
analyze --chart "$c" --values "$tmp/none.yaml"; expect_exit "a missing values file" 2 $?
contains "the missing values file is named" "$tmp/err" "--values $tmp/none.yaml: not a readable file"
analyze --chart "$c" --set noequals; expect_exit "--set without =" 2 $?
analyze --chart "$c" "$c/values.yaml"; expect_exit "manifests and --chart together" 2 $?
analyze --chart "$c" --release -x; expect_exit "a release name helm would read as a flag" 2 $?
analyze --chart argo-cd --chart-repo "http://127.0.0.1:1"; expect_exit "--chart-repo without --chart-version" 2 $?
contains "the pin is asked for" "$tmp/err" "--chart-repo needs --chart-version"
PATH=/usr/bin:/bin "$bin" analyze --chart "$c" >"$tmp/out" 2>"$tmp/err"; expect_exit "no helm on PATH" 3 $?
contains "says helm is needed" "$tmp/err" "helm renders --chart"

# A chart whose kubeVersion excludes the target: PF006 at Chart.yaml's kubeVersion line (helm's
# own judgement of its constraint), and the rest still analysed (rendered for helm's default).
c10="$shared/charts/argo-cd-10.1.1"
if [ -d "$c10" ]; then
  "$bin" analyze --kube-version 1.24 -n argocd --chart "$c10" >"$tmp/out" 2>"$tmp/err"; expect_exit "chart kubeVersion >=1.25 on 1.24" 1 $?
  contains "PF006 names the constraint and the line" "$tmp/out" "$c10/Chart.yaml:3:14: chart argo-cd 10.1.1 requires kubeVersion >=1.25.0-0, which excludes Kubernetes 1.24"
  contains "the rest was analysed" "$tmp/out" "redis-reachable: Deployment/argocd-server"
  "$bin" analyze --kube-version 1.25 -n argocd --chart "$c10" >"$tmp/out" 2>"$tmp/err"; expect_exit "chart kubeVersion >=1.25 on 1.25" 0 $?
  lacks "no kubeVersion finding on 1.25" "$tmp/out" "requires kubeVersion"
fi

# The rendering is kept beside the reports, and a secret given with --set is in neither.
secret=Adm1n-Pa55-chart-7c3d
analyze --chart "$c" --set "configs.secret.argocdServerAdminPassword=$secret" --set "configs.secret.extra.token=$secret" --report-dir "$tmp/rep"
expect_exit "a chart with a --set secret" 0 $?
[ -f "$tmp/rep/rendered-chart.yaml" ] && pass "the rendered chart is kept" || failed "no rendered-chart.yaml in the report dir"
contains "the kept rendering is the chart's" "$tmp/rep/rendered-chart.yaml" "# Source: argo-cd/templates/"
# helm's command line in a debug log: the --set credential masked there too.
"$bin" analyze --kube-version 1.33 -n argocd --chart "$c" --set "configs.secret.argocdServerAdminPassword=$secret" --log-level debug \
  >/dev/null 2>"$tmp/debug.err"
contains "helm's command line is logged" "$tmp/debug.err" "helm template argocd"
for f in "$tmp"/rep/* "$tmp/out" "$tmp/err" "$tmp/debug.err"; do
  lacks "no --set secret in $(basename "$f")" "$f" "$secret"
  lacks "no encoded --set secret in $(basename "$f")" "$f" "$(printf %s "$secret" | base64)"
done

# A chart from a repository (helm's own index, served on loopback): rendered at the pinned version.
# The repository also holds a 6.10.3 and a 7.0.0 (copies with their Chart.yaml version changed),
# so a constraint has something to choose between.
mkdir -p "$tmp/repo"
helm package "$c" -d "$tmp/repo" >/dev/null 2>&1 || failed "packaging the chart"
for v in 6.10.3 7.0.0; do
  rm -rf "$tmp/copy" && cp -r "$c" "$tmp/copy" && sed -i "s/^version: .*/version: $v/" "$tmp/copy/Chart.yaml"
  helm package "$tmp/copy" -d "$tmp/repo" >/dev/null 2>&1 || failed "packaging the chart as $v"
done
helm repo index "$tmp/repo" >/dev/null 2>&1 || failed "indexing the repository"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$tmp/repo" && exec python3 -m http.server "$port" --bind 127.0.0.1) >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/index.yaml" && break; sleep 0.1; done
analyze --chart argo-cd --chart-repo "http://127.0.0.1:$port" --chart-version 6.10.2 --format json
expect_exit "a repository chart at its pinned version" 0 $?
contains "the report names the chart version" "$tmp/out" '"chart.version":"6.10.2"'
analyze --chart argo-cd --chart-repo "http://127.0.0.1:$port" --chart-version 9.9.9; expect_exit "a version the repository does not have" 2 $?
# A constraint is resolved once, by helm, to the newest version meeting it; that version is what
# is rendered and what the report names (the pin).
analyze --chart argo-cd --chart-repo "http://127.0.0.1:$port" --chart-version '~6.10.0' --format json
expect_exit "a repository chart by constraint" 0 $?
contains "the constraint resolved to the newest match" "$tmp/out" '"chart.version":"6.10.3"'
contains "the constraint is kept beside it" "$tmp/out" '"chart.constraint":"~6.10.0"'

# resolve --chart: a constraint (or nothing: the newest) -> the exact version.
res() { "$bin" resolve "$@" >"$tmp/out" 2>"$tmp/err"; }
res --chart argo-cd --chart-repo "http://127.0.0.1:$port" '6.*'; expect_exit "resolve a chart constraint" 0 $?
contains "6.* is 6.10.3" "$tmp/out" "argo-cd 6.* -> version 6.10.3 (app v2.11.1)"
res --chart argo-cd --chart-repo "http://127.0.0.1:$port" --format json; expect_exit "resolve the newest chart" 0 $?
contains "the newest is 7.0.0" "$tmp/out" '"version":"7.0.0"'
res --chart argo-cd --chart-repo "http://127.0.0.1:$port" '>=8'; expect_exit "a constraint nothing meets" 2 $?
res --chart "$c"; expect_exit "resolve a local chart" 0 $?
contains "a local chart's version is its Chart.yaml" "$tmp/out" "argo-cd newest -> version 6.10.2"
res --chart "$c" 6.10.2; expect_exit "a local chart with a version" 2 $?
res --chart-repo "http://127.0.0.1:$port" stable; expect_exit "--chart-repo without --chart" 2 $?
res --chart argo-cd --chart-repo "http://robot:Repo-Pa55-9f2e@127.0.0.1:$port" '6.*'; expect_exit "a repository URL with credentials" 0 $?
lacks "the repository password is masked" "$tmp/out" "Repo-Pa55-9f2e"

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all chart tests passed"
