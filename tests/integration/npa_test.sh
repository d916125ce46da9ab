#!/usr/bin/env bash
# `connectivity` against the real netpol-analyzer (built from its Go module:
# tests/tools/build_npa.sh), on our own fixtures (tests/fixtures/npa: ipBlocks with excepts in
# both directions and two namespaces, pods named by controller / non-controller owner / Node) and
# on every install.yaml and namespace-install.yaml in ../shared/argocd:
#  - `--peers manifests`: the same rows, in the same order (zero differences);
#  - the default (`--peers all`, with `-n default` so namespaces agree): every difference listed
#    and explained — a row of a peer the input does not contain (it names its origin), or an IP
#    range split finer than netpol-analyzer's with the same connection, covering its range.
# Usage: npa_test.sh BINARY SHARED_DIR. Exit 77 = skipped (no Go to build netpol-analyzer with).
set -uo pipefail
bin=$1 shared=$2
here=$(cd "$(dirname "$0")/.." && pwd)
npa_dir=$("$here/tools/build_npa.sh") || { rc=$?; [ $rc = 77 ] && { echo "SKIP: no Go to build netpol-analyzer with"; exit 77; }; echo "FAIL: building netpol-analyzer (exit $rc)"; exit 1; }
npa=$npa_dir/k8snetpolicy
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=()
for d in "$here"/fixtures/npa/*/; do cases+=("$d"); done
if [ -d "$shared/argocd" ]; then
  for f in "$shared"/argocd/*/install.yaml "$shared"/argocd/*/namespace-install.yaml; do
    [ -f "$f" ] || continue
    d=$tmp/in/$(basename "$(dirname "$f")")-$(basename "$f" .yaml)
    mkdir -p "$d" && cp "$f" "$d/"
    cases+=("$d/")
  done
else
  echo "note: $shared/argocd missing: only our own fixtures are compared"
fi
for d in "${cases[@]}"; do
  name=$(basename "$d")
  "$npa" list --dirpath "$d" -o json >"$tmp/npa.json" 2>"$tmp/npa.err" || { echo "FAIL $name: netpol-analyzer failed"; cat "$tmp/npa.err"; failures=$((failures + 1)); continue; }
  "$bin" connectivity --peers manifests --format json "$d" >"$tmp/ours.json" 2>"$tmp/err" || { echo "FAIL $name: connectivity --peers manifests failed"; cat "$tmp/err"; failures=$((failures + 1)); continue; }
  "$bin" connectivity -n default --format json "$d" >"$tmp/all.json" 2>"$tmp/err" || { echo "FAIL $name: connectivity failed"; cat "$tmp/err"; failures=$((failures + 1)); continue; }
  python3 - "$name" "$tmp/npa.json" "$tmp/ours.json" "$tmp/all.json" <<'PY' || failures=$((failures + 1))
import ipaddress, json, sys
name, npa, ours, full = sys.argv[1], *(json.load(open(p)) for p in sys.argv[2:])
if not npa:
    print(f"FAIL {name}: netpol-analyzer listed no connection (a comparison of nothing)"); sys.exit(1)
if ours != npa:
    a = {json.dumps(r, sort_keys=True) for r in npa}; b = {json.dumps(r, sort_keys=True) for r in ours}
    print(f"FAIL {name}: --peers manifests differs from netpol-analyzer ({len(a - b)} rows only there, {len(b - a)} only ours)")
    for r in sorted(a - b)[:5]: print("   npa only:", r)
    for r in sorted(b - a)[:5]: print("   ours only:", r)
    if a == b: print("   (same rows, another order)")
    sys.exit(1)
print(f"ok   {name}: --peers manifests equals netpol-analyzer ({len(npa)} rows)")

def rng(s):
    try:
        lo, hi = s.split("-")
        return int(ipaddress.ip_address(lo)), int(ipaddress.ip_address(hi))
    except ValueError:
        return None
def key(r): return (r["src"], r["dst"], r["conn"])
npa_rows = {key(r) for r in npa}
mine = [r for r in full if key(r) not in npa_rows]
synthetic = [r for r in mine if r.get("origin")]
finer = [r for r in mine if not r.get("origin")]
unexplained = []
# A finer IP row: its range lies inside an npa row's range with the same other side and connection.
def inside(r):
    for side, other in (("src", "dst"), ("dst", "src")):
        mr = rng(r[side])
        if mr is None: continue
        for n in npa:
            nr = rng(n[side])
            if nr and n[other] == r[other] and n["conn"] == r["conn"] and nr[0] <= mr[0] and mr[1] <= nr[1]: return True
    return False
unexplained += [r for r in finer if not inside(r)]
# Every npa row we do not print as such is covered exactly by our finer rows.
full_rows = {key(r) for r in full}
for n in npa:
    if key(n) in full_rows: continue
    side, other = ("src", "dst") if rng(n["src"]) else ("dst", "src")
    nr = rng(n[side])
    pieces = sorted(rng(r[side]) for r in full if rng(r[side]) and r[other] == n[other] and r["conn"] == n["conn"]
                    and nr[0] <= rng(r[side])[0] and rng(r[side])[1] <= nr[1]) if nr else []
    covered = nr is not None and pieces and pieces[0][0] == nr[0] and pieces[-1][1] == nr[1] and all(
        pieces[i][1] + 1 == pieces[i + 1][0] for i in range(len(pieces) - 1))
    if not covered: unexplained.append(n)
if unexplained:
    print(f"FAIL {name}: default mode differs from netpol-analyzer without an explanation:")
    for r in unexplained[:8]: print("   ", r)
    sys.exit(1)
print(f"ok   {name}: default mode differs by {len(synthetic)} rows of peers not in the input (each names its origin) "
      f"and {len(finer)} IP rows split finer than netpol-analyzer's")
PY
done
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all netpol-analyzer comparisons passed"
