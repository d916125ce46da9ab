#!/usr/bin/env bash
# ci/tools.sh against a local HTTP server (no internet): a download is installed only when its
# sha256 is the lock's; a mismatch, a 404, an unpinned platform or a non-https URL installs
# nothing; an installed tool is re-verified on every use and replaced when it changed; a tool on
# PATH is used as it is; a planted link is replaced, never followed.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=$here/ci/tools.sh
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl not found"; exit 77; }
T=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# What the server serves.
mkdir -p "$T/srv/pkg" "$T/path"
printf '#!/bin/sh\necho good-tool\n' > "$T/srv/good"
printf '#!/bin/sh\necho evil\n' > "$T/srv/evil"
printf '#!/bin/sh\necho archived-tool\n' > "$T/srv/pkg/pf-archived"
chmod +x "$T/srv/good" "$T/srv/evil" "$T/srv/pkg/pf-archived"
tar -czf "$T/srv/arch.tar.gz" -C "$T/srv" pkg/pf-archived
printf '#!/bin/sh\necho from-path\n' > "$T/path/onpath"; chmod +x "$T/path/onpath"

# A free port, then the server (its request log is how we know what was fetched).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$T/srv" && exec python3 -m http.server "$port" --bind 127.0.0.1) 2>"$T/requests.log" >/dev/null &
server=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
base=http://127.0.0.1:$port
plat=linux/amd64
evil_sum=$(sha "$T/srv/good")   # the lock says "good", the server sends "evil"
cat > "$T/lock" <<EOF
# test lock
good     v1  $plat  $(sha "$T/srv/good")  $base/good
mismatch v1  $plat  $evil_sum  $base/evil
pf-archived v1  $plat  $(sha "$T/srv/arch.tar.gz")  $base/arch.tar.gz  pkg/pf-archived
missing  v1  $plat  $(sha "$T/srv/good")  $base/nothing-here
remote   v1  $plat  $(sha "$T/srv/good")  http://example.invalid/good
onpath   v1  $plat  $(sha "$T/srv/good")  $base/good
EOF
D=$T/tools
tools() { PREFLIGHT_TOOLS_PLATFORM=$plat PATH="$T/path:/usr/bin:/bin" "$TOOLS" --lock "$T/lock" --dir "$D" ensure "$@"; }
requests() { grep -c "GET /$1 " "$T/requests.log"; }

# A matching download is installed, runs, and is reused without a second download.
out=$(tools good 2>"$T/err") || fail "good: exit $? ($(cat "$T/err"))"
[ "$out" = "$(cd "$D/bin" && pwd -P)" ] || fail "stdout is not the bin folder: $out"
[ "$("$D/bin/good")" = good-tool ] || fail "the installed tool does not run"
tools good 2>"$T/err" >/dev/null || fail "good again: $(cat "$T/err")"
[ "$(requests good)" = 1 ] || fail "a verified tool was downloaded again ($(requests good) requests)"
grep -q "verified" "$T/err" || fail "reuse does not say it verified: $(cat "$T/err")"

# A changed installed tool is not run: fetched again and replaced.
echo 'echo tampered' >> "$D/bin/good"
tools good 2>"$T/err" >/dev/null || fail "tampered: $(cat "$T/err")"
[ "$(requests good)" = 2 ] || fail "a tampered tool was not fetched again"
[ "$("$D/bin/good")" = good-tool ] || fail "the tampered tool was not replaced"

# A mismatching download: refused, nothing installed, nothing left behind.
tools mismatch 2>"$T/err" >/dev/null; rc=$?
[ $rc = 3 ] || fail "mismatch: exit $rc, expected 3"
grep -q "checksum mismatch for $base/evil: expected $evil_sum" "$T/err" || fail "mismatch not said: $(cat "$T/err")"
[ ! -e "$D/bin/mismatch" ] || fail "a mismatching download was installed"
[ -z "$(ls -A "$D" | grep -v '^bin$\|^\.lock$')" ] || fail "left behind: $(ls -A "$D")"

# An archive: its sha256 is checked, then only the named member is installed.
tools pf-archived 2>"$T/err" >/dev/null || fail "arch: $(cat "$T/err")"
[ "$("$D/bin/pf-archived")" = archived-tool ] || fail "the archive's member was not installed"
tools pf-archived 2>"$T/err" >/dev/null || fail "arch again: $(cat "$T/err")"
[ "$(requests arch.tar.gz)" = 1 ] || fail "a verified archived tool was downloaded again"

# A 404, a host that is not this machine over http, a platform with no pin: exit 3, said.
tools missing 2>"$T/err" >/dev/null; rc=$?
[ $rc = 3 ] && grep -q "download of $base/nothing-here failed" "$T/err" || fail "404: exit $rc: $(cat "$T/err")"
tools remote 2>"$T/err" >/dev/null; rc=$?
[ $rc = 3 ] && grep -q "refusing http://example.invalid/good" "$T/err" || fail "plain http elsewhere: exit $rc: $(cat "$T/err")"
PREFLIGHT_TOOLS_PLATFORM=plan9/mips PATH="$T/path:/usr/bin:/bin" "$TOOLS" --lock "$T/lock" --dir "$D" ensure pf-archived 2>"$T/err" >/dev/null
rc=$?; [ $rc = 3 ] || fail "unpinned platform: exit $rc"
grep -q "pins no pf-archived for plan9/mips: install pf-archived yourself" "$T/err" || fail "unpinned platform not said: $(cat "$T/err")"

# On PATH: used as it is, nothing fetched.
tools onpath 2>"$T/err" >/dev/null || fail "onpath: $(cat "$T/err")"
grep -q "onpath: using $T/path/onpath from PATH" "$T/err" || fail "PATH tool not said: $(cat "$T/err")"
[ ! -e "$D/bin/onpath" ] || fail "a tool on PATH was downloaded"

# A planted link where a tool goes is replaced, and its target left alone.
echo precious > "$T/precious"
rm -f "$D/bin/good" && ln -s "$T/precious" "$D/bin/good"
tools good 2>"$T/err" >/dev/null || fail "planted link: $(cat "$T/err")"
[ "$(cat "$T/precious")" = precious ] || fail "the link's target was written"
[ ! -L "$D/bin/good" ] && [ "$("$D/bin/good")" = good-tool ] || fail "the planted link was not replaced"

# Bad usage.
"$TOOLS" --lock "$T/lock" 2>/dev/null; [ $? = 2 ] || fail "no command: expected exit 2"

# make preflight fetches what it runs through ci/tools.sh and puts it first on PATH.
plan=$(make -s -n -C "$here" preflight 2>/dev/null | tr -d '\\\n')
grep -q 'tools=$(ci/tools.sh ensure kind kubectl) || exit 3' <<< "$plan" || fail "make preflight does not ensure kind and kubectl: $plan"
grep -q 'PATH="$tools:$PATH" .*argocd-preflight run' <<< "$plan" || fail "make preflight does not run with the tools first on PATH"
# A chart candidate: helm too, the chart's flags instead of the git candidate's.
plan=$(make -s -n -C "$here" preflight CHART=argo-cd CHART_REPO=https://charts.example.test CHART_VERSION='~6.10.0' VALUES="a.yaml b.yaml" 2>/dev/null | tr -d '\
')
grep -q 'tools=$(ci/tools.sh ensure kind kubectl helm) || exit 3' <<< "$plan" || fail "make preflight CHART=... does not ensure helm: $plan"
grep -q -- "--chart argo-cd --chart-repo https://charts.example.test --chart-version '~6.10.0' --values a.yaml --values b.yaml" <<< "$plan" ||
  fail "make preflight CHART=... does not pass the chart: $plan"
! grep -q -- '--candidate' <<< "$plan" || fail "make preflight CHART=... still passes --candidate: $plan"
plan=$(make -s -n -C "$here" preflight MODE=static CHART=charts/argo-cd 2>/dev/null | tr -d '\
')
grep -q 'tools=$(ci/tools.sh ensure helm) || exit 3; .*argocd-preflight analyze --chart charts/argo-cd' <<< "$plan" ||
  fail "make preflight MODE=static CHART=... does not analyze the chart with helm ensured: $plan"

# The shipped lock: every line well formed (name, version, os/arch, 64 hex, https URL).
awk '!/^#/ && NF { if (NF < 5 || NF > 6 || $3 !~ /^(linux|darwin)\/(amd64|arm64)$/ || length($4) != 64 || $4 !~ /^[0-9a-f]+$/ || $5 !~ /^https:\/\//) { print "bad line " NR ": " $0; bad = 1 } } END { exit bad }' "$here/ci/tools.lock" ||
  fail "ci/tools.lock has malformed lines"
for t in kind kubectl helm; do
  for p in linux/amd64 linux/arm64 darwin/arm64; do
    awk -v n=$t -v p=$p '$1 == n && $3 == p { f = 1 } END { exit !f }' "$here/ci/tools.lock" || fail "ci/tools.lock pins no $t for $p"
  done
done

[ $fails = 0 ] && echo "ok [tools]" || { cat "$T/err"; exit 1; }
