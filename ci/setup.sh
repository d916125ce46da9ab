#!/usr/bin/env bash
# Installs what building and testing argocd-preflight needs, with apt-get, only when missing.
# Idempotent and quiet when everything is there. Any Boost >= 1.81 the distribution offers
# (Debian 12: 1.81; Ubuntu 24.04: 1.83; Ubuntu 26.04: 1.90, where Boost.Process is a library).
# Without apt it lists the packages and stops.
set -euo pipefail

# Boost versions (1.NN) >= 1.81, newest first, from package names on stdin.
boost_versions_in() {
  sed -n 's/^libboost-json\(1\.[0-9][0-9]*\)-dev.*/\1/p' | sort -t. -k2,2nr -u | awk -F. '$2 >= 81'
}
# The packages one Boost version needs: headers, Boost.JSON, and Boost.Process from 1.88 on.
boost_pkgs() {
  local v=$1 minor=${1#1.}
  echo "libboost${v}-dev libboost-json${v}-dev"
  [ "$minor" -ge 88 ] && echo "libboost-process${v}-dev"
  return 0
}
boost_version() {
  # The newest Boost >= 1.81 with a separate Boost.JSON dev package that this distribution offers.
  apt-cache search --names-only '^libboost-json1\.[0-9]+-dev$' 2>/dev/null | awk '{print $1}' | boost_versions_in | head -1
}

base_pkgs=(g++ cmake make ninja-build pkg-config libyaml-cpp-dev libspdlog-dev doctest-dev libcli11-dev libxml2-utils git python3-jsonschema)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci/setup.sh: this machine has no apt-get. Install these (or your distribution's equivalents) and re-run:" >&2
  echo "  a C++23 compiler (g++ >= 12), cmake >= 3.25, Boost >= 1.81 (headers + Boost.JSON), yaml-cpp, spdlog, doctest, CLI11, xmllint, git" >&2
  exit 1
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Boost: accept whatever version is already installed, else pick one.
have_boost=""
for v in $(dpkg-query -W -f='${Package}\n' 'libboost-json1.*-dev' 2>/dev/null | boost_versions_in); do
  ok=1
  for p in $(boost_pkgs "$v"); do installed "$p" || ok=0; done
  if [ $ok = 1 ]; then have_boost="$v"; break; fi
done

missing=()
for p in "${base_pkgs[@]}"; do installed "$p" || missing+=("$p"); done

if [ -z "$have_boost" ] || [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "ci/setup.sh: missing packages (${missing[*]} boost) and not root; run as root or install sudo." >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  if [ -z "$have_boost" ]; then
    v=$(boost_version)
    if [ -z "$v" ]; then
      echo "ci/setup.sh: no libboost-json1.NN-dev (Boost >= 1.81) in this distribution's archive" >&2
      exit 1
    fi
    # shellcheck disable=SC2207
    missing+=($(boost_pkgs "$v"))
  fi
  echo "ci/setup.sh: installing ${missing[*]}" >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
