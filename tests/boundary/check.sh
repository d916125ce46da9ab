#!/usr/bin/env bash
# The build enforces the module arrows: a module including a header of a module it does not
# link fails to compile, and for that reason (the header is not found), while an allowed
# include compiles. Usage: check.sh BUILD_DIR
set -uo pipefail
build=$1
fails=0
out=$(cmake --build "$build" --target boundary_right_way 2>&1) || { echo "FAIL the allowed include did not compile:"; echo "$out" | tail -20; exit 1; }
echo "ok   analysis may include model"
wrong_way() { # target, the header that must be missing, what it shows
  local out
  if out=$(cmake --build "$build" --target "$1" 2>&1); then
    echo "FAIL $3 compiled: the build does not enforce the arrows"; fails=$((fails + 1)); return
  fi
  if echo "$out" | grep -q "$2: No such file"; then echo "ok   $3 does not compile"
  else echo "FAIL $1 failed for another reason:"; echo "$out" | tail -20; fails=$((fails + 1)); fi
}
wrong_way boundary_wrong_way preflight/proc/runner.hpp "analysis using proc"
wrong_way boundary_scenario_wrong_way preflight/cli/output.hpp "scenario using cli"
wrong_way boundary_pipeline_wrong_way preflight/scenario/session.hpp "pipeline using scenario"
[ $fails -eq 0 ]
