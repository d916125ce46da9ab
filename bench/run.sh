#!/usr/bin/env bash
# Benchmarks, reported as ratios against a reference measured in the same run (never as
# timed tests). Usage: bench/run.sh [BINARY] [SHARED_DIR]
#  1. `analyze` on v3.5.1 install.yaml vs Python's yaml.load_all(CSafeLoader) on the same file
#     (target: <= 0.3x).
#  2. Throughput of one `analyze` over many manifest files: --jobs 1 vs all cores.
set -euo pipefail
bin=${1:-build/argocd-preflight}
shared=${2:-../shared}
file="$shared/argocd/v3.5.1/install.yaml"
[ -f "$file" ] || { echo "bench: $file not found"; exit 1; }
python3 -c 'import yaml; assert yaml.__with_libyaml__' 2>/dev/null || { echo "bench: python3 yaml with libyaml (CSafeLoader) is needed for the reference"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 48); do
  for v in v2.11.0 v2.11.1 v2.11.2 v3.5.1; do
    d="$tmp/many/$v-$i"; mkdir -p "$d"; cp "$shared/argocd/$v/install.yaml" "$d/"
  done
done
python3 - "$bin" "$file" "$tmp/many" <<'PY'
import statistics, subprocess, sys, time
binary, file, many = sys.argv[1:4]
def timed(argv, runs):
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)
reference = [sys.executable, "-c", "import sys, yaml\nlist(yaml.load_all(open(sys.argv[1]), Loader=yaml.CSafeLoader))", file]
ours = [binary, "analyze", file, "--format", "json"]
runs = 7
# Interleave so machine noise hits both sides alike.
r, o = [], []
for _ in range(runs):
    r.append(timed(reference, 1)); o.append(timed(ours, 1))
ref, us = statistics.median(r), statistics.median(o)
print(f"analyze v3.5.1 install.yaml: {us*1000:.1f} ms; python CSafeLoader load_all: {ref*1000:.1f} ms; ratio {us/ref:.3f}x (target <= 0.3x)")
one = timed([binary, "analyze", many, "--jobs", "1", "--format", "json"], 3)
all_cores = timed([binary, "analyze", many, "--format", "json"], 3)
print(f"analyze of 192 install.yaml files (~280 MB): --jobs 1 {one:.2f}s, all cores {all_cores:.2f}s; speed-up {one/all_cores:.2f}x")
PY
"$(dirname "$0")/run_cluster.sh" "$bin"
