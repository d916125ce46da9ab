# Shared by images.sh and argocd_images.sh: root filesystems from this machine's Debian files.
# shellcheck shell=bash
base() { # rootfs: the files every image has
  local r=$1
  mkdir -p "$r"/{bin,etc,tmp,usr/bin,usr/local/bin,var/run,proc,sys,dev,data}
  chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nredis:x:999:999:redis:/data:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nredis:x:999:\nnogroup:x:65534:\n' > "$r/etc/group"
  printf 'hosts: files dns\n' > "$r/etc/nsswitch.conf"
}
# Every shared object a program loads (ldd), at the same paths as on this machine.
copy_libs() { # rootfs path-on-this-machine
  local r=$1 lib
  for lib in $(ldd "$2" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
    [ -e "$r$lib" ] && continue
    mkdir -p "$r$(dirname "$lib")"
    cp -L "$lib" "$r$lib"
  done
}
# A program and its shared objects.
copy_bin() { # rootfs path [name-in-image]
  local r=$1 src=$2 dst=${3:-$2}
  mkdir -p "$r$(dirname "$dst")"
  cp -L "$src" "$r$dst"
  copy_libs "$r" "$src"
}
file_is_elf() { [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
busybox_userland() { # rootfs
  local r=$1 a
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
}
redis_bins() { copy_bin "$1" /usr/bin/redis-cli; copy_bin "$1" /usr/bin/redis-check-rdb /usr/bin/redis-server; }

