#!/usr/bin/env bash
# netpol-analyzer for the connectivity comparison, built from its Go module (versions.env's
# NPA_VERSION) as its own main module — its go.mod and go.sum as released, -mod=readonly — into
# the cache outside the checkout, and reused while its recorded sha256 holds. Prints the folder
# holding `k8snetpolicy` on stdout. Exit 77 when there is no Go to build it with.
set -euo pipefail
here=$(cd "$(dirname "$0")/../cluster" && pwd)
. "$here/versions.env"
cache=${PREFLIGHT_CACHE:-/var/cache/argocd-preflight}
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "build_npa.sh: no Go to build netpol-analyzer with" >&2; exit 77; }
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOMODCACHE=${GOMODCACHE:-$cache/gomod} GOCACHE=${GOCACHE:-$cache/gobuild}
bin=$cache/netpol-analyzer-$NPA_VERSION
mkdir -p "$bin"
exec 9>"$bin/.lock"
flock -w 1200 9 || { echo "build_npa.sh: another build holds $bin/.lock" >&2; exit 3; }
if ! { [ -x "$bin/k8snetpolicy" ] && (cd "$bin" && sha256sum --quiet -c k8snetpolicy.sha256 2>/dev/null); }; then
  echo "build_npa.sh: building netpol-analyzer $NPA_VERSION (cold: ~2 min)" >&2
  dir=$(go mod download -json "github.com/np-guard/netpol-analyzer@$NPA_VERSION" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d.get("Error")) if d.get("Error") else print(d["Dir"])')
  src=$(mktemp -d)
  trap 'chmod -R u+w "$src"; rm -rf "$src"' EXIT
  cp -r "$dir/." "$src/" && chmod -R u+w "$src"   # the module cache is read-only
  (cd "$src" && go build -mod=readonly -trimpath -o "$bin/k8snetpolicy.new" ./cmd/netpolicy) >&2
  mv "$bin/k8snetpolicy.new" "$bin/k8snetpolicy"
  (cd "$bin" && sha256sum k8snetpolicy > k8snetpolicy.sha256)
fi
echo "$bin"
