#!/usr/bin/env bash
# Installs the Debian packages the real test cluster runs on, only when missing, without letting
# their maintainer scripts start services (etcd-server's postinst would start an etcd on the
# default ports; containerd's unit would start a second containerd): a policy-rc.d that refuses
# every start is in place for the duration of the install only.
set -euo pipefail
pkgs=(containerd runc containernetworking-plugins etcd-server nftables iptables ipset busybox-static
      redis-tools conntrack openssl iproute2 procps util-linux kmod
      git gpg gpg-agent tini docker-registry)   # Argo CD's image userland; the local registry
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/cluster/setup.sh: missing ${missing[*]}; the real test cluster needs root" >&2; exit 3
fi
command -v apt-get >/dev/null || { echo "tests/cluster/setup.sh: no apt-get; install ${missing[*]}" >&2; exit 3; }
policy=/usr/sbin/policy-rc.d
restore=""
if [ -e "$policy" ]; then cp -a "$policy" "$policy.preflight-saved"; restore=1; fi
cleanup() { if [ -n "$restore" ]; then mv -f "$policy.preflight-saved" "$policy"; else rm -f "$policy"; fi; }
trap cleanup EXIT
printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"
export DEBIAN_FRONTEND=noninteractive
echo "tests/cluster/setup.sh: installing ${missing[*]}" >&2
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
