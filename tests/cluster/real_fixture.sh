#!/usr/bin/env bash
# The ctest fixture around the real tier: `real_fixture.sh up` builds what is missing (cold: about
# 20 min on 2 cores, then cached) and starts the cluster; `real_fixture.sh down` first proves
# that a crashed cluster is cleaned up by the next `up` (kill -9 of the API server and kubelet,
# then up again), then tears down and checks, independently of `down`'s own check, that nothing
# of the cluster is left: processes, mounts, network namespaces, links, routes, nftables tables,
# ipsets, cgroups, files.
# Exit 77 (skipped) when this machine cannot run it (not root, or no Go to build it with), saying why.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: the real test cluster needs root"; exit 77; }
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || { echo "SKIP: no Go toolchain to build the real test cluster with (install Go >= 1.26)"; exit 77; }

snapshot=/run/argocd-preflight-fixture.before
# The machine's network state that is not ours (taken before up; compared after down).
netstate() {
  ip -o link show | awk -F': ' '{print "link " $2}' | sed 's/@.*//'
  ip route show | sed 's/^/route /'
  nft list tables 2>/dev/null | sed 's/^/nft /'
  ipset list -n 2>/dev/null | sed 's/^/ipset /'
  ls /run/netns 2>/dev/null | sed 's/^/netns /'
}
leftovers() { # what an independent look finds of ours; empty when clean
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case $exe in "$PF_CACHE"/*|"$PF_STATE"/*|"$PF_RUN"/*) echo "process ${p#/proc/} $exe" ;; esac
    grep -q ':/kubepods' "$p/cgroup" 2>/dev/null && echo "container process ${p#/proc/} $exe"
    tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -qE -- "$PF_CTR_SOCK|$PF_STATE" && echo "process ${p#/proc/} $(tr '\0' ' ' 2>/dev/null < "$p/cmdline" | cut -c1-80)"
  done
  findmnt -rn -o TARGET | grep -E "^($PF_STATE|$PF_RUN)|/run/netns/cni-" | sed 's/^/mount /'
  if [ -f "$snapshot" ]; then
    netstate | sort > "$snapshot.after"
    comm -13 <(sort "$snapshot") "$snapshot.after" | sed 's/^/new since up: /'
  fi
  nft list tables 2>/dev/null | grep -F "$PF_GUARD_TABLE" | sed 's/^/nft /'
  ls -d /sys/fs/cgroup/*/kubepods* 2>/dev/null | sed 's/^/cgroup /'
  [ -e "$PF_STATE" ] && echo "dir $PF_STATE"
  [ -e "$PF_RUN" ] && echo "dir $PF_RUN"
  return 0
}

case ${1:-} in
up)
  start=$(date +%s)
  # A cluster left by an earlier run is not part of the machine's own state.
  "$here/down" > /dev/null 2>&1
  netstate | sort > "$snapshot"
  "$here/up" > /dev/null || { echo "FAIL: tests/cluster/up"; exit 1; }
  echo "real test cluster up (build + bring-up: $(( $(date +%s) - start )) s)"
  ;;
down)
  if [ -f "$PF_KUBECONFIG" ]; then
    # The guard's drop counters after the whole tier: any packet of ours that tried to leave
    # through another interface was dropped there and counted. Zero means none tried.
    tried=$(nft list table inet "$PF_GUARD_TABLE" 2>/dev/null | grep -o 'packets [0-9]*' | awk '{n += $2} END {print n + 0}')
    echo "guard: $tried packet(s) of ours tried to leave"
    [ "$tried" = 0 ] || { nft list table inet "$PF_GUARD_TABLE"; echo "FAIL: traffic of the test cluster tried to leave the machine (dropped by the guard)"; "$here/down"; exit 1; }
    # A crash: the API server and kubelet die with their state in place; the next up recovers.
    for n in kubelet kube-apiserver; do pf_pid_alive "$n" && { read -r pid _ < "$PF_RUN/pids/$n.pid"; kill -KILL "$pid"; }; done
    start=$(date +%s)
    "$here/up" > /dev/null || { echo "FAIL: up after a crash"; exit 1; }
    echo "up after a crash: $(( $(date +%s) - start )) s"
    PATH="$(cat "$PF_STATE/bin-path"):$PATH" timeout 30 kubectl --kubeconfig "$PF_KUBECONFIG" get node "$PF_NODE" >/dev/null ||
      { echo "FAIL: the cluster brought up after a crash does not answer"; exit 1; }
  fi
  "$here/down" || { echo "FAIL: tests/cluster/down reported leftovers"; exit 1; }
  left=$(leftovers)
  [ -z "$left" ] || { echo "FAIL: left behind after down:"; echo "$left"; exit 1; }
  # down is idempotent.
  "$here/down" || { echo "FAIL: a second down failed"; exit 1; }
  rm -f "$snapshot" "$snapshot.after"
  echo "down: nothing left"
  ;;
*) echo "usage: real_fixture.sh up|down" >&2; exit 2 ;;
esac
