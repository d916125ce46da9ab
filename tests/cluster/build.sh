#!/usr/bin/env bash
# Builds the real test cluster's upstream programs from their published Go modules into a cache
# outside the checkout, and verifies what it finds there (reused by later runs and by CI on the
# same machine). Versions: tests/cluster/versions.env. Usage: build.sh [CACHE_DIR]
# Prints the bin directories (PATH form) on stdout; progress on stderr. Exit 3 when Go or the module proxy is
# missing (what to do is said).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
cache=${1:-${PREFLIGHT_CACHE:-/var/cache/argocd-preflight}}
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"   # where Go's tarball installs it
command -v go >/dev/null || { echo "build.sh: Go not found (install Go >= 1.26)" >&2; exit 3; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
export GOMODCACHE=${GOMODCACHE:-$cache/gomod} GOCACHE=${GOCACHE:-$cache/gobuild}
k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
out=$cache/k8s-$KUBERNETES_VERSION
mkdir -p "$out/bin"

# A cached binary counts only when its recorded sha256 still matches.
verified() { [ -x "$out/bin/$1" ] && [ -f "$out/bin/$1.sha256" ] && (cd "$out/bin" && sha256sum --quiet -c "$1.sha256" 2>/dev/null); }

missing=()
for b in "${k8s_bins[@]}"; do verified "$b" || missing+=("$b"); done
grep -q "k8s.io/kubernetes $KUBERNETES_VERSION" "$here/modules/kubernetes/go.mod" || {
  echo "build.sh: modules/kubernetes/go.mod does not require k8s.io/kubernetes $KUBERNETES_VERSION (versions.env)" >&2; exit 3; }
if [ ${#missing[@]} -gt 0 ]; then
  # k8s.io/kubernetes requires its staging modules at v0.0.0: our wrapper module (committed with
  # its go.sum, so every dependency is pinned) replaces them with their published versions.
  mod=$out/module
  rm -rf "$mod" && cp -r "$here/modules/kubernetes" "$mod"
  minor=${KUBERNETES_VERSION#v}; major=${minor%%.*}; minor=${minor#*.}; minor=${minor%%.*}
  ldf="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldf+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for b in "${missing[@]}"; do
    echo "build.sh: building $b $KUBERNETES_VERSION (cold: minutes)" >&2
    start=$(date +%s)
    (cd "$mod" && go build -mod=readonly -p 2 -trimpath -ldflags "$ldf" -o "$out/bin/$b.tmp" "k8s.io/kubernetes/cmd/$b") >&2
    mv -f "$out/bin/$b.tmp" "$out/bin/$b"
    (cd "$out/bin" && sha256sum "$b" > "$b.sha256")
    echo "build.sh: $b built in $(( $(date +%s) - start )) s" >&2
  done
fi
# Programs whose modules have no replace directives: `go install` at the pinned version.
tools=$cache/tools
mkdir -p "$tools/bin"
install_tool() { # name module@version
  local name=$1 spec=$2 stamp="$tools/bin/$1.version"
  if [ -x "$tools/bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$spec" ] && \
     (cd "$tools/bin" && sha256sum --quiet -c "$name.sha256" 2>/dev/null); then return; fi
  echo "build.sh: building $spec" >&2
  start=$(date +%s)
  GOBIN=$tools/bin go install -trimpath -ldflags "-s -w" "$spec" >&2
  echo "$spec" > "$stamp"
  (cd "$tools/bin" && sha256sum "$name" > "$name.sha256")
  echo "build.sh: $name built in $(( $(date +%s) - start )) s" >&2
}
# kube-router pins a netlink pseudo-version the module proxy refuses here (403), so it is built
# through a wrapper module of ours (modules/kube-router: its go.mod replaces netlink with v1.3.1).
build_wrapped() { # name dir package
  local name=$1 dir=$2 pkg=$3 stamp="$tools/bin/$1.version" want
  want=$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16)   # contents only: any checkout path
  if [ -x "$tools/bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && \
     (cd "$tools/bin" && sha256sum --quiet -c "$name.sha256" 2>/dev/null); then return; fi
  echo "build.sh: building $name from $dir" >&2
  start=$(date +%s)
  rm -rf "$tools/src-$name" && cp -r "$dir" "$tools/src-$name"
  (cd "$tools/src-$name" && go build -trimpath -ldflags "-s -w" -o "$tools/bin/$name" "$pkg") >&2
  echo "$want" > "$stamp"
  (cd "$tools/bin" && sha256sum "$name" > "$name.sha256")
  echo "build.sh: $name built in $(( $(date +%s) - start )) s" >&2
}
grep -q "kube-router/v2 $KUBE_ROUTER_VERSION" "$here/modules/kube-router/go.mod" || {
  echo "build.sh: modules/kube-router/go.mod does not require kube-router $KUBE_ROUTER_VERSION (versions.env)" >&2; exit 3; }
build_wrapped kube-router "$here/modules/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
install_tool coredns "github.com/coredns/coredns@$COREDNS_VERSION"

# A release built as its own main module from the module proxy's zip, so its go.mod (replace
# directives included) applies exactly as released; -mod=readonly: its go.sum pins everything.
# The source copy is removed after the build; the binary is kept with its sha256.
module_dir() { go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d.get("Error")) if d.get("Error") else print(d["Dir"])'; }
# A module the checksum database no longer answers for (its lookup is 404 here, though it once
# recorded it): fetched without the database, and accepted only with the h1: hash we pinned
# from that record.
module_dir_pinned() { # module@version h1:hash
  GONOSUMDB=${1%@*} go mod download -json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if d.get("Error"): sys.exit(d["Error"])
if d.get("Sum") != sys.argv[1]: sys.exit("%s: h1 hash %s, pinned %s" % (d["Path"], d.get("Sum"), sys.argv[1]))
print(d["Dir"])' "$2"
}
build_release() { # out-dir name module@version package ldflags [nested-dir=module@version=h1:hash]
  local dir=$1 name=$2 spec=$3 pkg=$4 ldf=$5 nested=${6:-} want src
  want=$(printf '%s\n' "$spec" "$pkg" "$ldf" "$nested" "$(go env GOVERSION)" "$CGO_ENABLED" | sha256sum | cut -c1-16)
  mkdir -p "$dir/bin"
  if [ -x "$dir/bin/$name" ] && [ "$(cat "$dir/bin/$name.version" 2>/dev/null)" = "$want" ] && \
     (cd "$dir/bin" && sha256sum --quiet -c "$name.sha256" 2>/dev/null); then return; fi
  echo "build.sh: building $name from $spec (cold: minutes)" >&2
  start=$(date +%s)
  src=$(module_dir "$spec") || { echo "build.sh: the module proxy refused $spec" >&2; exit 3; }
  rm -rf "$dir/src" && cp -r "$src" "$dir/src" && chmod -R u+w "$dir/src"
  if [ -n "$nested" ]; then   # dir=module@version=h1:hash
    local ndir=${nested%%=*} nspec=${nested#*=}; local nsum=${nspec#*=}; nspec=${nspec%%=*}
    src=$(module_dir_pinned "$nspec" "$nsum") || { echo "build.sh: $nspec could not be fetched or does not match its pin" >&2; exit 3; }
    rm -rf "$dir/src/$ndir" && cp -r "$src" "$dir/src/$ndir" && chmod -R u+w "$dir/src/$ndir"
  fi
  (cd "$dir/src" && go build -mod=readonly -trimpath -ldflags "$ldf" -o "$dir/bin/$name.tmp" "$pkg") >&2
  mv -f "$dir/bin/$name.tmp" "$dir/bin/$name"
  (cd "$dir/bin" && sha256sum "$name" > "$name.sha256")
  echo "$want" > "$dir/bin/$name.version"
  rm -rf "$dir/src"
  echo "build.sh: $name ($spec) built in $(( $(date +%s) - start )) s" >&2
}
for v in $ARGOCD_VERSIONS; do
  major=${v%%.*}
  mod=github.com/argoproj/argo-cd; [ "$major" = v0 ] || [ "$major" = v1 ] || mod+="/$major"
  # Version metadata as the release Makefile sets it; no commit is known from a module zip, so
  # `argocd version` says v2.11.2+unknown (GetVersion's own wording for that case).
  ldf="-s -w -X $mod/common.version=${v#v} -X $mod/common.buildDate=1970-01-01T00:00:00Z"
  ldf+=" -X $mod/common.gitTag=$v -X $mod/common.gitTreeState=clean"
  build_release "$cache/argocd-$v" argocd "$mod@$v" ./cmd "$ldf"
  # The release image's scripts the binary executes by name (repo-server: gpg-wrapper.sh).
  src=$(module_dir "$mod@$v")
  for f in hack/gpg-wrapper.sh hack/git-verify-wrapper.sh; do install -m 755 "$src/$f" "$cache/argocd-$v/bin/${f##*/}"; done
done
# Dex's SQLite storage is cgo-only and its main package names it: built with cgo (gcc), as upstream.
CGO_ENABLED=1 build_release "$cache/dex-$DEX_VERSION" dex "github.com/dexidp/dex@$DEX_PSEUDO" ./cmd/dex \
  "-s -w -X main.version=$DEX_VERSION" "api/v2=github.com/dexidp/dex/api/v2@$DEX_API_PSEUDO=$DEX_API_SUM"
# Argo CD and Dex stay in their own directories ($cache/argocd-<v>/bin, $cache/dex-<v>/bin):
# images.sh packs them; nothing on the node runs them.
echo "$out/bin:$tools/bin"
