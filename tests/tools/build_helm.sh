#!/usr/bin/env bash
# helm for the chart tests, built from its Go module (helm.sh/helm/v3 at versions.env's
# HELM_VERSION) into the cache outside the checkout, and reused while its recorded sha256 holds.
# Prints the folder holding `helm` on stdout. Exit 77 when there is no Go to build it with.
set -euo pipefail
here=$(cd "$(dirname "$0")/../cluster" && pwd)
. "$here/versions.env"
cache=${PREFLIGHT_CACHE:-/var/cache/argocd-preflight}
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "build_helm.sh: no Go to build helm with" >&2; exit 77; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
export GOMODCACHE=${GOMODCACHE:-$cache/gomod} GOCACHE=${GOCACHE:-$cache/gobuild}
bin=$cache/helm-$HELM_VERSION
mkdir -p "$bin"
exec 9>"$bin/.lock"
flock -w 1200 9 || { echo "build_helm.sh: another build holds $bin/.lock" >&2; exit 3; }
if ! { [ -x "$bin/helm" ] && (cd "$bin" && sha256sum --quiet -c helm.sha256 2>/dev/null); }; then
  echo "build_helm.sh: building helm $HELM_VERSION (cold: ~3 min)" >&2
  # As helm's Makefile: the version, and the Kubernetes version helm assumes without
  # --kube-version (its client-go minor + 1.0: v0.37 -> 1.37), else charts with a kubeVersion
  # floor fail to render.
  gomod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d.get("Error")) if d.get("Error") else print(d["GoMod"])')
  minor=$(awk '$1 == "k8s.io/client-go" { split($2, v, "."); print v[2]; exit }' "$gomod")
  [ -n "$minor" ] || { echo "build_helm.sh: no k8s.io/client-go in $gomod" >&2; exit 3; }
  ldf="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do ldf+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"; done
  GOBIN=$bin go install -trimpath -ldflags "$ldf" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  (cd "$bin" && sha256sum helm > helm.sha256)
fi
echo "$bin"
