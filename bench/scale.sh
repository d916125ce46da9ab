#!/usr/bin/env bash
# Scale of the NetworkPolicy engine, as ratios against a reference engine in the same run:
# `connectivity` on N Deployments x N NetworkPolicies, and on a policy with many distinct ports. The reference is the engine before the index (commit REF_REV, built once into the
# cache), or REF_BIN. Target: 2000 x 2000 under 10 s on one core.
# Usage: bench/scale.sh [BINARY] [REF_BIN]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/argocd-preflight}
ref=${2:-}
REF_REV=${REF_REV:-9970eb0}
cache=${PREFLIGHT_CACHE:-/var/cache/argocd-preflight}
if [ -z "$ref" ]; then
  ref=$cache/bench-ref-$REF_REV/argocd-preflight
  if [ ! -x "$ref" ]; then
    echo "bench: building the reference engine ($REF_REV) once into $cache" >&2
    src=$(mktemp -d); trap 'git -C "$here" worktree remove --force "$src" 2>/dev/null; rm -rf "$src"' EXIT
    git -C "$here" worktree add --detach "$src" "$REF_REV" >/dev/null 2>&1
    cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$src/build" -j "$(nproc)" --target argocd-preflight >/dev/null
    mkdir -p "$(dirname "$ref")" && cp "$src/build/argocd-preflight" "$ref"
  fi
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$here/bench/gen_scale.py" 800 "$tmp/n800.yaml"
python3 "$here/bench/gen_scale.py" 2000 "$tmp/n2000.yaml"
python3 "$here/bench/gen_scale.py" 2 "$tmp/ports.yaml" 4096
python3 "$here/bench/gen_scale.py" 2 "$tmp/ports32k.yaml" 32768
t() { local s e; s=$(date +%s.%N); taskset -c 0 "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
ours=$(t "$bin" --jobs 1 connectivity "$tmp/n800.yaml" --format json)
theirs=$(t "$ref" --jobs 1 connectivity "$tmp/n800.yaml" --format json)
cmp <("$bin" connectivity "$tmp/n800.yaml" --format json 2>/dev/null) <("$ref" connectivity "$tmp/n800.yaml" --format json 2>/dev/null) >/dev/null \
  && same="identical output" || same="OUTPUT DIFFERS"
echo "connectivity 800 x 800, one core: ${ours}s vs reference ${theirs}s; ratio $(echo "scale=4; $ours / $theirs" | bc)x ($same)"
ours=$(t "$bin" --jobs 1 connectivity "$tmp/ports.yaml")
theirs=$(t "$ref" --jobs 1 connectivity "$tmp/ports.yaml")
echo "connectivity, one policy with 4,096 distinct ports: ${ours}s vs reference ${theirs}s; ratio $(echo "scale=4; $ours / $theirs" | bc)x"
ours=$(t "$bin" --jobs 1 connectivity "$tmp/ports32k.yaml")
echo "connectivity, one policy with 32,768 distinct ports: ${ours}s (the reference took 6 min 20 s here once)"
ours=$(t "$bin" --jobs 1 connectivity "$tmp/n2000.yaml" --format json)
echo "connectivity 2000 x 2000, one core: ${ours}s (target < 10 s; the reference takes minutes, not run)"
# The RBAC and missing-Secret checks and the report size, at N workloads that each need a Secret
# nobody ships (before the RBAC index: 800 took 9.6 s, growing as n^3; now linear).
for n in 400 800 1600; do
  python3 "$here/bench/gen_secrets.py" $n "$tmp/s$n.yaml"
  secs=$(t "$bin" --jobs 1 analyze "$tmp/s$n.yaml" --report-dir "$tmp/s$n-out")
  echo "analyze, $n workloads each with a runtime Secret ($(du -k "$tmp/s$n.yaml" | cut -f1) KB): ${secs}s, reports $(du -sk "$tmp/s$n-out" | cut -f1) KB"
done
# Report size when every finding would name every policy: N Deployments, N policies selecting all
# of them (before the caps: 300 gave 87 MB of reports from a 116 KB input; now about 6 MB).
python3 - "$tmp/quad.yaml" <<'PY'
import sys
n, docs = 300, []
for i in range(n):
    docs.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{i}}}\nspec:\n  template:\n    metadata: {{labels: {{group: all}}}}\n"
                f"    spec:\n      containers: [{{name: c, image: x, command: [kubectl, get, pods]}}]")
    docs.append(f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{i}}}\nspec:\n  podSelector: {{matchLabels: {{group: all}}}}\n"
                f"  policyTypes: [Egress]\n  egress: [{{ports: [{{port: {1000 + i}}}]}}]")
open(sys.argv[1], "w").write("\n---\n".join(docs) + "\n")
PY
secs=$(t "$bin" --jobs 1 analyze "$tmp/quad.yaml" --report-dir "$tmp/quad-out")
echo "analyze, 300 workloads x 300 policies selecting all ($(du -k "$tmp/quad.yaml" | cut -f1) KB): ${secs}s, reports $(du -sk "$tmp/quad-out" | cut -f1) KB"
