# Shared by tests/cluster/{up,down,images.sh}: where the real test cluster lives and which
# addresses it uses. Everything the cluster owns is under $PF_STATE (disk) and $PF_RUN (tmpfs),
# so `down` can remove it all; the addresses are local only (a dummy interface, the pod bridge,
# routes that end on this machine) and a guard table drops anything of ours that would leave
# through any other interface.
# shellcheck shell=bash
PF_STATE=${PF_CLUSTER_STATE:-/var/lib/argocd-preflight-cluster}
PF_RUN=${PF_CLUSTER_RUN:-/run/argocd-preflight-cluster}
PF_CACHE=${PREFLIGHT_CACHE:-/var/cache/argocd-preflight}
PF_NODE=pf-node                 # the Node's name (and the kubelet client certificate's CN suffix)
PF_NODE_IF=pfnode0              # port-less bridge holding the node IP (this kernel has no dummy driver)
PF_NODE_IP=10.200.0.1
PF_BRIDGE=pfbr0                 # the CNI bridge (pods' gateway)
PF_POD_CIDR=10.244.0.0/16
PF_SVC_CIDR=10.96.0.0/12
PF_API_VIP=10.96.0.1
PF_DNS_VIP=10.96.0.10
PF_ETCD_PORT=23790              # not etcd's default ports: a distribution etcd may be running
PF_ETCD_PEER_PORT=23800
PF_GUARD_TABLE=argocd_preflight_guard
PF_REGISTRY=127.0.0.1:25000     # the local registry (containerd's mirror of quay.io, ghcr.io, docker.io)
PF_CTR_SOCK=$PF_RUN/containerd.sock
PF_KUBECONFIG=$PF_STATE/admin.kubeconfig

pf_log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pf_die() { printf 'tests/cluster: %s\n' "$*" >&2; exit 3; }
pf_ctr() { ctr --address "$PF_CTR_SOCK" -n k8s.io "$@"; }
# The process a pid file names, only while that pid still runs the binary it was started as
# (a pid is reused after the process dies).
pf_pid_alive() { # name
  local f=$PF_RUN/pids/$1.pid pid exe
  [ -f "$f" ] || return 1
  read -r pid exe < "$f" || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]
}
