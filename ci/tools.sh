#!/usr/bin/env bash
# The tools `make preflight` needs (kind, kubectl, helm): the one on PATH when there is one,
# otherwise the pinned release binary from ci/tools.lock, downloaded into a tools folder of the
# checkout and installed only when its sha256 matches the lock. Nothing that does not match is
# ever made executable or run; an installed tool is re-checked on every use.
#
#   ci/tools.sh [--lock FILE] [--dir DIR] ensure NAME...
#
# Prints the folder to put first on PATH (DIR/bin) on stdout; says what it did on stderr.
# Exit 0 when every NAME is usable, 3 when one is not (why is said), 2 on bad usage.
# Environment: PREFLIGHT_TOOLS_PLATFORM=os/arch overrides the detected platform (tests).
# Runs on Linux and macOS (bash 3.2: no associative arrays).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lock=$here/tools.lock
dir=$(cd "$here/.." && pwd)/.tools

usage() { echo "usage: ci/tools.sh [--lock FILE] [--dir DIR] ensure NAME..." >&2; exit 2; }
die() { echo "ci/tools.sh: $*" >&2; exit 3; }
say() { echo "ci/tools.sh: $*" >&2; }

while [ $# -gt 0 ]; do
  case $1 in
    --lock) [ $# -ge 2 ] || usage; lock=$2; shift 2 ;;
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    ensure) shift; break ;;
    *) usage ;;
  esac
done
[ $# -gt 0 ] || usage
[ -f "$lock" ] || die "lock file $lock not found"

platform() {
  if [ -n "${PREFLIGHT_TOOLS_PLATFORM:-}" ]; then echo "$PREFLIGHT_TOOLS_PLATFORM"; return; fi
  local os arch
  case $(uname -s) in Linux) os=linux ;; Darwin) os=darwin ;; *) os=$(uname -s | tr 'A-Z' 'a-z') ;; esac
  case $(uname -m) in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  echo "$os/$arch"
}
sha256() { # FILE -> hex
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}
# The lock line of NAME for PLATFORM: "version sha256 url [member]"; empty when none.
lock_entry() {
  awk -v n="$1" -v p="$2" '$1 == n && $3 == p { print $2, $4, $5, $6; exit }' "$lock"
}
# Only https, or http to this machine (the tests' server): a checksum protects the content,
# not which host learns what we fetch.
url_allowed() {
  case $1 in
    https://*) return 0 ;;
    http://127.0.0.1:*|http://127.0.0.1/*|http://localhost:*|http://localhost/*|http://\[::1\]*) return 0 ;;
    *) return 1 ;;
  esac
}

plat=$(platform)
mkdir -p "$dir/bin"
bin=$(cd "$dir/bin" && pwd -P)
work=$(mktemp -d "$dir/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'rm -rf "$work"; exit 130' INT TERM

# One `make preflight` at a time installs into DIR (a second waits).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dir/.lock"
  flock -w 600 9 || die "another ci/tools.sh holds $dir/.lock"
fi

ensure() { # NAME
  local name=$1 entry version want url member got recorded tmp
  if [ ! -e "$bin/$name" ] || [ ! -f "$bin/$name.sha256" ]; then
    if command -v "$name" >/dev/null 2>&1; then
      say "$name: using $(command -v "$name") from PATH"
      return 0
    fi
  fi
  entry=$(lock_entry "$name" "$plat")
  [ -n "$entry" ] || die "$name is not on PATH and $lock pins no $name for $plat: install $name yourself"
  set -- $entry
  version=$1 want=$2 url=$3 member=${4:-}
  # Installed before: used only while it is still the file that was verified.
  if [ -f "$bin/$name" ] && [ ! -L "$bin/$name" ] && [ -f "$bin/$name.sha256" ]; then
    recorded=$(cat "$bin/$name.sha256")
    # "<the lock's sha256> <the installed file's sha256>" (the same for a plain binary).
    if [ "$recorded" = "$want $(sha256 "$bin/$name")" ]; then
      say "$name: $version from $bin (verified)"
      return 0
    fi
    say "$name: $bin/$name no longer matches what was verified; fetching it again"
  fi
  url_allowed "$url" || die "$name: refusing $url (only https, or http to this machine)"
  command -v curl >/dev/null 2>&1 || die "$name is not on PATH and curl is needed to fetch it"
  say "$name: fetching $version for $plat from $url"
  tmp=$work/$name.download
  curl --fail --silent --show-error --location --max-time 300 --retry 2 -o "$tmp" "$url" 2>"$work/curl.err" ||
    die "$name: download of $url failed: $(tr '\n' ' ' < "$work/curl.err")"
  got=$(sha256 "$tmp")
  if [ "$got" != "$want" ]; then
    rm -f "$tmp"
    die "$name: checksum mismatch for $url: expected $want (ci/tools.lock), got $got; nothing was installed"
  fi
  if [ -n "$member" ]; then
    mkdir -p "$work/x"
    tar -xzf "$tmp" -C "$work/x" "$member" 2>"$work/tar.err" || die "$name: $url has no $member: $(tr '\n' ' ' < "$work/tar.err")"
    [ -f "$work/x/$member" ] && [ ! -L "$work/x/$member" ] || die "$name: $member in $url is not a regular file"
    tmp=$work/x/$member
  fi
  chmod 0755 "$tmp"
  # Replaces whatever is there (a planted link included: rename never follows it).
  mv -f "$tmp" "$bin/$name.new"
  mv -f "$bin/$name.new" "$bin/$name"
  if [ -n "$member" ]; then echo "$want $(sha256 "$bin/$name")" > "$bin/$name.sha256"
  else echo "$want $want" > "$bin/$name.sha256"; fi
  say "$name: $version installed in $bin (sha256 verified)"
}

for name in "$@"; do ensure "$name"; done
echo "$bin"
