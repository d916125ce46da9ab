#!/usr/bin/env bash
# The build enforces the module arrows: a module including a header of a module it does not
# link fails to compile, and for that reason (the header is not found), while an allowed
# include compiles. Usage: check.sh BUILD_DIR
set -uo pipefail
build=$1
out=$(cmake --build "$build" --target boundary_right_way 2>&1) || { echo "FAIL the allowed include did not compile:"; echo "$out" | tail -20; exit 1; }
echo "ok   analysis may include model"
if out=$(cmake --build "$build" --target boundary_wrong_way 2>&1); then
  echo "FAIL analysis compiled with proc's header: the build does not enforce the arrows"; exit 1
fi
if echo "$out" | grep -q 'preflight/proc/runner.hpp: No such file'; then
  echo "ok   analysis cannot see proc's headers"
else
  echo "FAIL the wrong-way build failed for another reason:"; echo "$out" | tail -20; exit 1
fi
