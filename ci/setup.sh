#!/usr/bin/env bash
# Installs what building and testing argocd-preflight needs, with apt-get, only when missing.
# Idempotent and quiet when everything is there. Debian 12 (Boost 1.81) and Ubuntu 24.04
# (GitHub's ubuntu-latest, Boost 1.83). Without apt it lists the packages and stops.
set -euo pipefail

boost_version() {
  # The newest Boost with a separate Boost.JSON dev package that this distribution offers.
  for v in 1.83 1.81; do
    if apt-cache show "libboost-json${v}-dev" >/dev/null 2>&1; then echo "$v"; return; fi
  done
  echo ""
}

base_pkgs=(g++ cmake make ninja-build pkg-config libyaml-cpp-dev libspdlog-dev doctest-dev libcli11-dev libxml2-utils git)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci/setup.sh: this machine has no apt-get. Install these (or your distribution's equivalents) and re-run:" >&2
  echo "  a C++23 compiler (g++ >= 12), cmake >= 3.25, Boost >= 1.81 (headers + Boost.JSON), yaml-cpp, spdlog, doctest, CLI11, xmllint, git" >&2
  exit 1
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Boost: accept whatever version is already installed, else pick one.
have_boost=""
for v in 1.83 1.81; do
  if installed "libboost${v}-dev" && installed "libboost-json${v}-dev"; then have_boost="$v"; fi
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
      echo "ci/setup.sh: no libboost-json1.81-dev or libboost-json1.83-dev in this distribution's archive" >&2
      exit 1
    fi
    missing+=("libboost${v}-dev" "libboost-json${v}-dev")
  fi
  echo "ci/setup.sh: installing ${missing[*]}" >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
