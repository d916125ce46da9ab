#!/usr/bin/env bash
# The probe pods' script under a real sh, with fake redis-cli/getent and a fake /proc/net:
# each way a connection can end maps to the right result word. Usage: probe_script_test.sh PRINTER
set -uo pipefail
printer=$1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$printer" > "$T/script.sh"
mkdir -p "$T/bin" "$T/net"
fails=0
check() { # name expected-result env...
  local name=$1 want=$2; shift 2
  local got
  got=$(env -i PATH="$T/bin:/usr/bin:/bin" PROBE_PROC_NET="$T/net" PROBE_SETTLE=0 "$@" sh "$T/script.sh" 2>&1 | grep '^PREFLIGHT-PROBE' | tail -1)
  case $got in
    "PREFLIGHT-PROBE result=$want "*) echo "ok   $name" ;;
    *) echo "FAIL $name: expected result=$want, got: $got"; fails=$((fails + 1)) ;;
  esac
}
fake_cli() { printf '#!/bin/sh\n%s\n' "$1" > "$T/bin/redis-cli"; chmod +x "$T/bin/redis-cli"; }
: > "$T/net/tcp"; : > "$T/net/tcp6"

fake_cli 'echo PONG'
check "authenticated PING" pong PROBE_KIND=redis PROBE_HOST=redis PROBE_PORT=6379 REDISCLI_AUTH=pw
fake_cli 'echo "NOAUTH Authentication required."'
check "no password: the client's words go to the classifier" failed PROBE_KIND=redis PROBE_HOST=redis PROBE_PORT=6379
fake_cli 'echo "AUTH failed: WRONGPASS invalid username-password pair or user is disabled."'
check "wrong password" failed PROBE_KIND=redis PROBE_HOST=redis PROBE_PORT=6379
fake_cli 'echo "Could not connect to Redis at redis:6379: Connection refused"; exit 1'
check "refused" failed PROBE_KIND=redis PROBE_HOST=redis PROBE_PORT=6379
fake_cli 'echo "Could not connect to Redis at nowhere:6379: Name or service not known"; exit 1'
check "name not resolved" failed PROBE_KIND=tcp PROBE_HOST=nowhere PROBE_PORT=6379
fake_cli 'echo "Error: Server closed the connection"'
check "a TLS server hangs up on PING: connected" connected PROBE_KIND=tcp PROBE_HOST=kubernetes.default.svc PROBE_PORT=443
# Dropped SYN: redis-cli waits, the socket stays in SYN_SENT (02) -> timeout.
fake_cli 'sleep 30'
echo "   1: 0A00F402:C350 0100600A:01BB 02 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0" > "$T/net/tcp"
check "dropped SYN" timeout PROBE_KIND=tcp PROBE_HOST=kubernetes.default.svc PROBE_PORT=443 PROBE_TIMEOUT=1
# A silent server: the socket is ESTABLISHED (01) -> connected, even without a reply.
echo "   1: 0A00F402:C350 0100600A:01BB 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0" > "$T/net/tcp"
check "silent but connected" connected PROBE_KIND=tcp PROBE_HOST=kubernetes.default.svc PROBE_PORT=443 PROBE_TIMEOUT=1
# Another port's connection does not count.
echo "   1: 0A00F402:C350 0100600A:18EB 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0" > "$T/net/tcp"
check "other port established" timeout PROBE_KIND=tcp PROBE_HOST=redis PROBE_PORT=443 PROBE_TIMEOUT=1
: > "$T/net/tcp"
printf '#!/bin/sh\necho "10.96.0.1 kubernetes.default.svc.cluster.local"\n' > "$T/bin/getent"; chmod +x "$T/bin/getent"
check "dns resolves" resolved PROBE_KIND=dns PROBE_HOST=kubernetes.default.svc.cluster.local
printf '#!/bin/sh\nexit 2\n' > "$T/bin/getent"
check "dns blocked" dns-failed PROBE_KIND=dns PROBE_HOST=kubernetes.default.svc.cluster.local PROBE_TIMEOUT=1
# A first reachable dial is dialled again: the second one decides.
printf '#!/bin/sh\nif [ -e "%s/dialled" ]; then echo "Could not connect to Redis at r:6379: Connection timed out"; exit 1; fi\ntouch "%s/dialled"; echo PONG\n' "$T" "$T" > "$T/bin/redis-cli"; chmod +x "$T/bin/redis-cli"
check "expected blocked: a first PONG (the enforcer did not know the pod yet) is not the verdict" failed PROBE_KIND=redis PROBE_HOST=r PROBE_PORT=6379 PROBE_EXPECT=blocked
rm -f "$T/dialled"
# ...and where a connection is expected too: a first PONG from a pod the enforcer did not know
# yet is no proof that the policy admits it.
check "expected reachable: a first PONG is not the verdict either" failed PROBE_KIND=redis PROBE_HOST=r PROBE_PORT=6379 PROBE_EXPECT=reachable
rm -f "$T/dialled"
fake_cli 'echo PONG'
check "expected reachable: PONG twice is reachable" pong PROBE_KIND=redis PROBE_HOST=r PROBE_PORT=6379 PROBE_EXPECT=reachable
# DNS the same way: a first answer and a failed second lookup is a failure.
printf '#!/bin/sh
if [ -e "%s/looked" ]; then exit 2; fi
touch "%s/looked"; echo "10.96.0.1 x"
' "$T" "$T" > "$T/bin/getent"; chmod +x "$T/bin/getent"
check "dns: a first answer is not the verdict" dns-failed PROBE_KIND=dns PROBE_HOST=kubernetes.default.svc.cluster.local PROBE_TIMEOUT=1
rm -f "$T/looked" "$T/bin/getent"
fake_cli 'echo PONG'
out=$(env -i PATH="$T/bin:/usr/bin:/bin" PROBE_PROC_NET="$T/net" PROBE_SETTLE=0 PROBE_KIND=redis PROBE_HOST=r PROBE_PORT=1 PROBE_EXPECT=blocked sh "$T/script.sh")
case $out in *"second attempt (first: pong)"*) echo "ok   reachable twice is reported as such" ;; *) echo "FAIL repeat not recorded: $out"; fails=$((fails + 1)) ;; esac
rm -f "$T/bin/redis-cli"
# Without redis-cli anywhere on PATH the probe says so instead of guessing.
# (/bin is /usr/bin on merged-/usr systems, where a redis-cli may be installed: a PATH of only
# the tools the script uses.)
mkdir -p "$T/tools"
for t in sh sleep printf tr cut cat grep timeout; do ln -sf "$(command -v "$t")" "$T/tools/$t"; done
check "no redis-cli" error PATH="$T/bin:$T/tools" PROBE_KIND=tcp PROBE_HOST=x PROBE_PORT=1
check "unknown kind" error PROBE_KIND=udp
[ $fails -eq 0 ]
