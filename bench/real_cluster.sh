#!/usr/bin/env bash
# The early verdict on the real test cluster (tests/cluster: root, Go; cold build ~20 min):
# seconds from the end of the apply to the verdict for Argo CD v2.11.1 with and without the
# early verdict, and for the passing v2.11.2, measured in one run on the same cluster.
# Usage: bench/real_cluster.sh [BINARY] [PROBE_POD] [SHARED_DIR]. Not part of `make bench`
# (it needs root and the cluster); `make bench-real` runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-build/argocd-preflight}")
probe_pod=$(realpath "${2:-build/tests/probe_pod}")
export PREFLIGHT_SHARED_DIR=$(realpath "${3:-../shared}")
[ "$(id -u)" = 0 ] || { echo "bench: the real test cluster needs root"; exit 1; }
. "$here/tests/cluster/lib.sh"
started=0
if [ ! -f "$PF_KUBECONFIG" ]; then "$here/tests/cluster/up"; started=1; fi
trap '[ $started = 1 ] && "$here/tests/cluster/down"' EXIT
"$here/tests/cluster/real_test.sh" "$bin" "$probe_pod" bench-early | grep '^real cluster:'
