#!/usr/bin/env bash
# ci/setup.sh picks any Boost >= 1.81 a distribution offers, newest first, and asks for
# Boost.Process as a package from 1.88 on (where it is a compiled library).
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC1090
source <(sed -n '/^boost_versions_in()/,/^}/p;/^boost_pkgs()/,/^}/p' "$here/ci/setup.sh")
fails=0
check() { if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; fails=$((fails + 1)); fi; }
got=$(printf 'libboost-json1.74-dev\nlibboost-json1.81-dev\nlibboost-json1.90-dev\nlibboost-json1.83-dev\n' | boost_versions_in | tr '\n' ' ')
check "versions >= 1.81, newest first" "1.90 1.83 1.81 " "$got"
check "1.81: headers and JSON" "libboost1.81-dev libboost-json1.81-dev" "$(boost_pkgs 1.81 | tr '\n' ' ' | sed 's/ $//')"
check "1.90: Boost.Process is a package too" "libboost1.90-dev libboost-json1.90-dev libboost-process1.90-dev" "$(boost_pkgs 1.90 | tr '\n' ' ' | sed 's/ $//')"
check "nothing older than 1.81" "" "$(printf 'libboost-json1.74-dev\n' | boost_versions_in)"
[ $fails -eq 0 ]
