#!/usr/bin/env bash
# Builds the real test cluster's images from this machine's Debian packages and the binaries
# build.sh made, as OCI archives in $PREFLIGHT_CACHE/images (rebuilt when an input changes).
# Nothing is pulled: the cluster's containerd imports these under the references the tool,
# its fixtures and the cluster's own pods use. Usage: images.sh BIN_PATH (build.sh's output)
# Prints the directory holding the archives.
#
#   registry.k8s.io/pause:3.10               the sandbox (our pause.c, static)
#   docker.io/library/redis:7.0.15-alpine    busybox userland (sh, nslookup, nc: no getent) + redis-cli/-server
#   docker.io/library/redis:7.0.15           Debian userland (dash, coreutils, getent) + redis-cli/-server
#   docker.io/library/busybox:1.35           busybox only (fixture workloads)
#   registry.k8s.io/kubectl:<k8s version>    busybox + kubectl (a Go API client for fixtures)
#   registry.k8s.io/coredns/coredns:<ver>    coredns
# Both Redis images are glibc builds (Debian's redis-tools); Debian offers no musl redis-cli.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/versions.env"
. "$here/imagelib.sh"
binpath=${1:?usage: images.sh BIN_PATH}
find_bin() { local d; IFS=: read -ra ds <<< "$binpath"; for d in "${ds[@]}"; do [ -x "$d/$1" ] && { echo "$d/$1"; return; }; done; pf_die "no $1 in $binpath"; }
out=$PF_CACHE/images
mkdir -p "$out"
pkgver() { dpkg-query -W -f='${Version}' "$1"; }
key=$( { cat "$here/images.sh" "$here/imagelib.sh" "$here/mkimage.py" "$here/pause.c"; for p in busybox-static redis-tools libc6 coreutils dash grep libssl3; do echo "$p $(pkgver "$p")"; done
        sha256sum "$(find_bin kubectl)" "$(find_bin coredns)"; } | sha256sum | cut -c1-16)
if [ "$(cat "$out/key" 2>/dev/null)" = "$key" ] && [ -f "$out/done" ]; then echo "$out"; exit 0; fi
rm -f "$out/done" "$out"/*.tar
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# pause
r=$work/pause; mkdir -p "$r"
gcc -Os -Wall -Werror -static -o "$r/pause" "$here/pause.c"
python3 "$here/mkimage.py" "$r" registry.k8s.io/pause:3.10 "$out/pause.tar" --entrypoint '["/pause"]' --user 65535:65535

# busybox + redis ("alpine-like")
r=$work/redis-alpine; base "$r"; busybox_userland "$r"; redis_bins "$r"
python3 "$here/mkimage.py" "$r" docker.io/library/redis:7.0.15-alpine "$out/redis-alpine.tar" --cmd '["redis-server"]'

# Debian userland + redis
r=$work/redis-debian; base "$r"
copy_bin "$r" /bin/dash /bin/sh
for b in sleep printf tr cut cat timeout ls env head tail id kill mkdir rm; do
  p=$(command -v "$b" 2>/dev/null || true); [ -n "$p" ] && [ -f "$p" ] && copy_bin "$r" "$p" "/bin/$b"
done
copy_bin "$r" "$(command -v grep)" /bin/grep
copy_bin "$r" "$(command -v getent)" /usr/bin/getent
redis_bins "$r"
python3 "$here/mkimage.py" "$r" docker.io/library/redis:7.0.15 "$out/redis-debian.tar" --cmd '["redis-server"]'

# busybox
r=$work/busybox; base "$r"; busybox_userland "$r"
python3 "$here/mkimage.py" "$r" docker.io/library/busybox:1.35 "$out/busybox.tar" --cmd '["sh"]'

# kubectl
r=$work/kubectl; base "$r"; busybox_userland "$r"; cp "$(find_bin kubectl)" "$r/bin/kubectl"
python3 "$here/mkimage.py" "$r" "registry.k8s.io/kubectl:$KUBERNETES_VERSION" "$out/kubectl.tar" --entrypoint '["kubectl"]'

# coredns
r=$work/coredns; mkdir -p "$r/etc"; cp "$(find_bin coredns)" "$r/coredns"
python3 "$here/mkimage.py" "$r" "registry.k8s.io/coredns/coredns:$COREDNS_VERSION" "$out/coredns.tar" --entrypoint '["/coredns"]'

echo "$key" > "$out/key"; touch "$out/done"
echo "$out"
