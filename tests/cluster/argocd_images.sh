#!/usr/bin/env bash
# Builds the images Argo CD's released manifests name, from the binaries build.sh made and this
# machine's Debian files, as OCI archives in $PREFLIGHT_CACHE/argocd-images (rebuilt when an input
# changes). They are never imported into the cluster's image store: `up` pushes them into the
# local registry that containerd uses as the mirror of quay.io, ghcr.io and docker.io, so the
# manifests' `imagePullPolicy: Always` pulls them for real. Prints the directory; its `refs`
# file lists "REFERENCE ARCHIVE" per line.
#
#   quay.io/argoproj/argocd:<v>          argocd (+ its argocd-* names), tini, sh, cp/ln, git, gpg;
#                                        user 999, entrypoint tini -- (as the release Dockerfile)
#   quay.io/argoproj/argocd:v2.11.1      the v2.11.2 build (a stand-in: see versions.env)
#   ghcr.io/dexidp/dex:v2.38.0           dex (argocd-dex rundex needs `dex` on PATH)
#   docker.io/library/redis:7.0.14-alpine  Debian's redis-server 7.0.15 (a stand-in for 7.0.14)
#                                        with an entrypoint that, like the upstream one, runs
#                                        redis-server when the first argument is an option
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/versions.env"
. "$here/imagelib.sh"
out=$PF_CACHE/argocd-images
mkdir -p "$out"
bin_of() { local f=$PF_CACHE/$1/bin/$2; [ -x "$f" ] || pf_die "$f missing (run build.sh)"; echo "$f"; }
pkgver() { dpkg-query -W -f='${Version}' "$1"; }
key=$( { cat "$here/argocd_images.sh" "$here/imagelib.sh" "$here/mkimage.py"; echo "$ARGOCD_VERSIONS $ARGOCD_STANDINS"
         for p in busybox-static redis-tools libc6 coreutils dash git gpg gpg-agent tini; do echo "$p $(pkgver "$p")"; done
         for v in $ARGOCD_VERSIONS; do cat "$(bin_of "argocd-$v" argocd).sha256" "$PF_CACHE/argocd-$v/bin/"*.sh; done
         cat "$(bin_of "dex-$DEX_VERSION" dex).sha256"; } | sha256sum | cut -c1-16)
if [ "$(cat "$out/key" 2>/dev/null)" = "$key" ] && [ -f "$out/done" ]; then echo "$out"; exit 0; fi
rm -f "$out/done" "$out"/*.tar "$out/refs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

argocd_rootfs() { # rootfs argocd-binary
  local r=$1 n f
  mkdir -p "$r"/{bin,etc/ssh,tmp,usr/bin,usr/local/bin,usr/lib,proc,sys,dev,home/argocd,app/config/ssh,app/config/tls,app/config/gpg/source,app/config/gpg/keys}
  chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nargocd:x:999:999::/home/argocd:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nargocd:x:999:\nnogroup:x:65534:\n' > "$r/etc/group"
  printf 'hosts: files dns\n' > "$r/etc/nsswitch.conf"
  : > "$r/app/config/ssh/ssh_known_hosts"; ln -s /app/config/ssh/ssh_known_hosts "$r/etc/ssh/ssh_known_hosts"
  copy_bin "$r" /bin/dash /bin/sh
  for n in cp ln ls cat mkdir rm mv chmod env id sleep; do copy_bin "$r" "$(command -v "$n")" "/bin/$n"; done
  copy_bin "$r" /usr/bin/tini
  copy_bin "$r" /usr/bin/gpg; copy_bin "$r" /usr/bin/gpg-agent; copy_bin "$r" /usr/bin/gpgconf
  copy_bin "$r" /usr/bin/git
  # git's helpers (git-remote-http for https clones, …), hard links kept; their libraries too.
  cp -a /usr/lib/git-core "$r/usr/lib/git-core"
  for f in "$r"/usr/lib/git-core/*; do
    [ -f "$f" ] && [ ! -L "$f" ] && file_is_elf "$f" && copy_libs "$r" "/usr/lib/git-core/${f##*/}"
  done
  mkdir -p "$r/usr/share"; cp -a /usr/share/git-core "$r/usr/share/git-core" 2>/dev/null || true
  cp "$2" "$r/usr/local/bin/argocd"
  cp "${2%/*}/gpg-wrapper.sh" "${2%/*}/git-verify-wrapper.sh" "$r/usr/local/bin/"
  for n in argocd-server argocd-repo-server argocd-cmp-server argocd-application-controller argocd-dex \
           argocd-notifications argocd-applicationset-controller argocd-k8s-auth; do
    ln -s /usr/local/bin/argocd "$r/usr/local/bin/$n"
  done
}

: > "$out/refs.tmp"
pack() { # rootfs ref archive-name mkimage-args...
  local r=$1 ref=$2 name=$3; shift 3
  python3 "$here/mkimage.py" "$r" "$ref" "$out/$name.tar" "$@"
  echo "$ref $out/$name.tar" >> "$out/refs.tmp"
}
# Built with today's Go, v2.11's default TLS cipher list (util/tls DefaultTLSCipherSuite, a
# const) names TLS_RSA_WITH_AES_256_GCM_SHA384, which Go 1.26 lists only among
# InsecureCipherSuites(): repo-server and server would exit at start ("invalid cipher suite
# specified"). The image sets ARGOCD_TLS_CIPHERS to the ECDHE suite alone, the default Argo CD
# itself adopted later (v3.5.1's util/tls); the manifests' argocd-cmd-params-cm keys, when set,
# still win (their env entries are optional references).
argocd_args=(--user 999 --workdir /home/argocd --env USER=argocd --env ARGOCD_TLS_CIPHERS=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
             --entrypoint '["/usr/bin/tini","--"]')
for v in $ARGOCD_VERSIONS; do
  r=$work/argocd-$v; argocd_rootfs "$r" "$(bin_of "argocd-$v" argocd)"
  pack "$r" "quay.io/argoproj/argocd:$v" "argocd-$v" "${argocd_args[@]}"
done
for s in $ARGOCD_STANDINS; do   # tag=built-version: the same root filesystem under the other tag
  pack "$work/argocd-${s#*=}" "quay.io/argoproj/argocd:${s%%=*}" "argocd-${s%%=*}" "${argocd_args[@]}"
done

r=$work/dex; base "$r"; busybox_userland "$r"
printf 'dex:x:1001:1001:dex:/home/dex:/bin/sh\n' >> "$r/etc/passwd"; printf 'dex:x:1001:\n' >> "$r/etc/group"
copy_bin "$r" "$(bin_of "dex-$DEX_VERSION" dex)" /usr/local/bin/dex
pack "$r" "ghcr.io/dexidp/dex:$DEX_VERSION" "dex-$DEX_VERSION" --user 1001:1001 --cmd '["dex","serve","/etc/dex/config.docker.yaml"]'

r=$work/redis; base "$r"; busybox_userland "$r"; redis_bins "$r"
cat > "$r/usr/local/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# As the upstream redis image: options alone (the Argo CD manifests pass only args) run redis-server.
case "$1" in -*) set -- redis-server "$@" ;; esac
exec "$@"
SH
chmod 755 "$r/usr/local/bin/docker-entrypoint.sh"
pack "$r" docker.io/library/redis:7.0.14-alpine redis-7.0.14-alpine --workdir /data \
  --entrypoint '["docker-entrypoint.sh"]' --cmd '["redis-server"]'

mv -f "$out/refs.tmp" "$out/refs"
echo "$key" > "$out/key"; touch "$out/done"
echo "$out"
