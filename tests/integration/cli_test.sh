#!/usr/bin/env bash
# End-to-end tests of the built binary: exit codes, stdout/stderr separation, output files,
# input guards, and JUnit validation against ../shared/schemas/junit-10.xsd.
# Usage: cli_test.sh BINARY SHARED_DIR [basic|real]. Exit 77 = skipped (ctest SKIP_RETURN_CODE).
set -uo pipefail
bin=$1 shared=$2 part=${3:-basic}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
pass() { echo "ok   $1"; }
failed() { echo "FAIL $1"; failures=$((failures + 1)); }
expect_exit() { # name expected-code actual-code
  if [ "$2" = "$3" ]; then pass "$1 (exit $3)"; else failed "$1: expected exit $2, got $3"; fi
}
contains() { # name file needle
  if grep -qF -- "$3" "$2"; then pass "$1"; else failed "$1: '$3' not in $2"; sed 's/^/    /' "$2" | head -20; fi
}

if [ "$part" = basic ]; then
  "$bin" --help >"$tmp/out" 2>"$tmp/err"; expect_exit "--help" 0 $?
  contains "--help lists exit codes" "$tmp/out" "130  interrupted"
  "$bin" analyze --help >"$tmp/out"; contains "analyze --help" "$tmp/out" "--baseline"
  "$bin" --bogus >"$tmp/out" 2>"$tmp/err"; expect_exit "unknown flag" 2 $?
  [ -s "$tmp/out" ] && failed "usage error printed to stdout" || pass "usage error only on stderr"
  "$bin" promote x >"$tmp/out" 2>"$tmp/err"; expect_exit "promote without --report" 2 $?
  contains "promote names what it needs" "$tmp/err" "--report is required"
  [ -s "$tmp/out" ] && failed "promote printed a result" || pass "promote prints no result"
  "$bin" run >"$tmp/out" 2>"$tmp/err"; expect_exit "run without a candidate" 2 $?
  contains "run names what it needs" "$tmp/err" "exactly one of --candidate REF, --manifests FILE|DIR or --chart"
  "$bin" run --manifests x --retain sometimes >"$tmp/out" 2>"$tmp/err"; expect_exit "run --retain bad" 2 $?
  contains "run names the bad value" "$tmp/err" "--retain: expected never, on-failure or always"
  "$bin" health "$tmp/none.yaml" >"$tmp/out" 2>"$tmp/err"; expect_exit "health of a missing file" 2 $?
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {phase: Failed, message: evicted}\n' > "$tmp/pod.yaml"
  "$bin" health --format json "$tmp/pod.yaml" >"$tmp/out" 2>"$tmp/err"; expect_exit "health of a failed pod" 1 $?
  contains "health prints the verdict as JSON" "$tmp/out" '[{"kind":"Pod","namespace":"","name":"p","status":"Degraded","message":"evicted"}]'
  "$bin" version >"$tmp/out"; expect_exit version 0 $?

  cat >"$tmp/app.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: tool}
spec:
  template:
    metadata: {labels: {app: tool}}
    spec:
      serviceAccountName: tool
      containers:
      - {name: t, image: x, command: [kubectl, get, pods]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: lock}
spec:
  podSelector: {matchLabels: {app: tool}}
  policyTypes: [Egress]
YAML
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: cnp}\nspec: {}\n' >"$tmp/cilium.yaml"
  "$bin" analyze "$tmp/cilium.yaml" --report-dir "$tmp/cilium" >"$tmp/out" 2>"$tmp/err"; expect_exit "an unmodelled policy does not fail by itself" 0 $?
  contains "an unmodelled policy is a warning on stderr" "$tmp/err" "the verdict ignores cilium.io/v2 CiliumNetworkPolicy/cnp"
  contains "...and a notice in the report" "$tmp/cilium/report.json" "the verdict ignores cilium.io/v2 CiliumNetworkPolicy/cnp"
  # What the input marks as secret (Secret data, credential-like env values and flags, URL
  # userinfo) reaches no report, no stream.
  fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
  "$bin" analyze "$fixtures/secrets-in-input.yaml" --report-dir "$tmp/sec" --format text >"$tmp/out" 2>"$tmp/err"
  expect_exit "a blocked client with credentials in its input" 1 $?
  leaked=$(grep -l -r -e hunter2-secret -e abcdef123456 -e pw-s3cr3t-99 -e tok-zzz-999999 "$tmp/sec" "$tmp/out" "$tmp/err")
  [ -z "$leaked" ] && pass "no credential of the input in any report or stream" || failed "credentials leaked into: $leaked"
  contains "the finding still shows the masked command" "$tmp/sec/report.json" "--token=***REDACTED***"
  # Text from the input (a key with line breaks, terminal escapes, HTML) cannot start a workflow
  # command in any stream, move a terminal's cursor, or hide the step summary.
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  "k\\n::error file=x::pwned\\u001b[2J": 1\n  "k\\n::error file=x::pwned\\u001b[2J": 2\n' >"$tmp/inject.yaml"
  "$bin" analyze "$tmp/inject.yaml" --report-dir "$tmp/inj" >"$tmp/out" 2>"$tmp/err"
  grep -q 'duplicate key' "$tmp/err" && pass "the duplicate key is warned about" || failed "no warning for the duplicate key"
  if grep -q '^ *::' "$tmp/err" "$tmp/out" || grep -q "$(printf '\033')" "$tmp/err" "$tmp/out"; then failed "a workflow command or an escape reached a stream"; else pass "no workflow command or escape from the input in any stream"; fi
  "$bin" analyze "$tmp/app.yaml" >"$tmp/out" 2>"$tmp/err"; expect_exit "blocked API client fails" 1 $?
  contains "finding names the policy" "$tmp/out" "NetworkPolicy lock"
  contains "assumed endpoint is stated" "$tmp/out" "172.18.0.2:6443"
  [ -s "$tmp/err" ] && failed "stderr not empty on a clean run" || pass "nothing on stderr"
  "$bin" analyze - --format json <"$tmp/app.yaml" >"$tmp/out"; expect_exit "stdin" 1 $?
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="argocd-preflight/report/v1" and d["verdict"]=="failed"' "$tmp/out" \
    && pass "json report parses" || failed "json report"
  "$bin" analyze "$tmp/app.yaml" --apiserver-endpoint 10.1.2.3:443 --output "$tmp/r.txt" >"$tmp/out"; expect_exit "--output" 1 $?
  [ -s "$tmp/out" ] && failed "--output still wrote stdout" || pass "--output leaves stdout empty"
  contains "--apiserver-endpoint is used" "$tmp/r.txt" "10.1.2.3:443"
  "$bin" analyze "$tmp/app.yaml" --apiserver-endpoint nonsense >/dev/null 2>"$tmp/err"; expect_exit "bad endpoint" 2 $?
  "$bin" analyze "$tmp/app.yaml" --format junit --report-dir "$tmp/rd" >"$tmp/j.xml"; expect_exit "junit" 1 $?
  for f in junit.xml report.json summary.md; do [ -s "$tmp/rd/$f" ] && pass "report-dir has $f" || failed "report-dir lacks $f"; done
  if command -v xmllint >/dev/null && [ -f "$shared/schemas/junit-10.xsd" ]; then
    xmllint --noout --schema "$shared/schemas/junit-10.xsd" "$tmp/j.xml" 2>"$tmp/err" && pass "junit validates" || { failed "junit schema"; cat "$tmp/err"; }
  else
    echo "skip junit schema validation (no xmllint or ../shared)"
  fi
  "$bin" connectivity "$tmp/app.yaml" --format json >"$tmp/c.json"; expect_exit connectivity 0 $?
  python3 -c 'import json,sys; rows=json.load(open(sys.argv[1])); assert all(set(r)-{"origin"}=={"src","dst","conn"} for r in rows) and rows and any("origin" in r for r in rows)' "$tmp/c.json" \
    && pass "connectivity json rows (peers not in the input name their origin)" || failed "connectivity json"
  "$bin" connectivity "$tmp/app.yaml" --peers manifests --format json >"$tmp/c.json"; expect_exit "connectivity --peers manifests" 0 $?
  python3 -c 'import json,sys; rows=json.load(open(sys.argv[1])); assert all(set(r)=={"src","dst","conn"} for r in rows) and rows' "$tmp/c.json" \
    && pass "connectivity --peers manifests: netpol-analyzer's fields only" || failed "connectivity --peers manifests json"
  "$bin" connectivity "$tmp/app.yaml" --peers everything >/dev/null 2>&1; expect_exit "connectivity --peers of another kind" 2 $?
  "$bin" connectivity "$tmp/app.yaml" --format junit >/dev/null 2>&1; expect_exit "connectivity refuses junit" 2 $?

  # Bad input: exit 2 with file:line:col.
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   bad: indent\n' >"$tmp/bad.yaml"
  "$bin" analyze "$tmp/bad.yaml" >/dev/null 2>"$tmp/err"; expect_exit "malformed yaml" 2 $?
  contains "malformed yaml names the position" "$tmp/err" "$tmp/bad.yaml:5:"
  "$bin" analyze "$tmp/nope.yaml" >/dev/null 2>"$tmp/err"; expect_exit "missing file" 2 $?
  : >"$tmp/empty.yaml"; "$bin" analyze "$tmp/empty.yaml" >/dev/null 2>"$tmp/err"; expect_exit "empty input" 2 $?
  contains "empty input named" "$tmp/err" "empty.yaml:1:1"
  printf 'apiVersion: v1\x00kind' >"$tmp/bin.yaml"; "$bin" analyze "$tmp/bin.yaml" >/dev/null 2>"$tmp/err"; expect_exit "binary file" 2 $?
  printf 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 300.0.0.0/8}\n' >"$tmp/np.yaml"
  "$bin" analyze "$tmp/np.yaml" >/dev/null 2>"$tmp/err"; expect_exit "invalid CIDR" 2 $?
  contains "invalid CIDR with position and caret" "$tmp/err" "np.yaml:8:"
  contains "invalid CIDR line shown" "$tmp/err" "    - ipBlock: {cidr: 300.0.0.0/8}"
  mkdir -p "$tmp/a:b"; cp "$tmp/np.yaml" "$tmp/a:b/np.yaml"
  "$bin" analyze "$tmp/a:b" >/dev/null 2>"$tmp/err"; expect_exit "invalid CIDR under a path with ':'" 2 $?
  contains "caret shown for a path with ':'" "$tmp/err" "    - ipBlock: {cidr: 300.0.0.0/8}"
  python3 - "$tmp/bomb.yaml" <<'PY'
import sys
lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i in range(1, 12):
    prev, cur = chr(ord('a') + i - 1), chr(ord('a') + i)
    lines.append(f'{cur}: &{cur} [' + ','.join(['*' + prev] * 9) + ']')
open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
PY
  # Refused by the node budget (a hang would end in timeout's exit 124, not 2); how fast is a
  # benchmark's business, not a test's: no wall-clock assertion here.
  timeout 60 "$bin" analyze "$tmp/bomb.yaml" >/dev/null 2>"$tmp/err"; expect_exit "billion laughs refused" 2 $?
  contains "billion laughs refused by the node budget" "$tmp/err" "too many nodes"
  python3 -c 'import sys; open(sys.argv[1],"w").write("["*200000)' "$tmp/deep.yaml"
  timeout 20 "$bin" analyze "$tmp/deep.yaml" >/dev/null 2>"$tmp/err"; expect_exit "deep nesting refused" 2 $?
  # 50 MB: loaded (or refused naming the limit), never a crash.
  python3 - "$tmp/big.yaml" <<'PY'
import sys
doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  payload: " + "x" * 900 + "\n---\n"
with open(sys.argv[1], "w") as f:
    for i in range(52000):
        f.write(doc.replace("{i}", str(i)))
PY
  timeout 120 "$bin" analyze "$tmp/big.yaml" >/dev/null 2>"$tmp/err"; code=$?
  if [ $code = 0 ] || { [ $code = 2 ] && grep -q limit "$tmp/err"; }; then pass "50 MB input handled (exit $code)"; else failed "50 MB input: exit $code"; cat "$tmp/err" | head -5; fi
fi

if [ "$part" = basic ]; then
  # Concurrent runs into one --report-dir: every set on disk is one run's (report.json and
  # junit.xml agree on the verdict), never a mix.
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n' > "$tmp/ok.yaml"
  mix=0
  for round in 1 2 3 4 5 6; do
    "$bin" analyze "$tmp/app.yaml" --report-dir "$tmp/shared-dir" >/dev/null 2>&1 &
    "$bin" analyze "$tmp/ok.yaml" --report-dir "$tmp/shared-dir" >/dev/null 2>&1 &
    wait
    if grep -q '"verdict":"failed"' "$tmp/shared-dir/report.json"; then grep -q '<failure' "$tmp/shared-dir/junit.xml" || mix=1
    else ! grep -q '<failure' "$tmp/shared-dir/junit.xml" || mix=1; fi
  done
  [ $mix = 0 ] && pass "concurrent runs leave one run's complete set" || failed "report.json and junit.xml from different runs"
  [ -z "$(ls -A "$tmp/shared-dir" | grep -v -e '^junit.xml$' -e '^report.json$' -e '^summary.md$' -e '^codequality.json$' -e '^results.sarif$' -e '^.argocd-preflight.lock$')" ] \
    && pass "no temporary files left in the report dir" || failed "leftovers: $(ls -A "$tmp/shared-dir")"
fi

if [ "$part" = resolve ]; then
  command -v git >/dev/null || { echo "SKIP: git not found"; exit 77; }
  repo="$tmp/repo"; git init -q "$repo"
  g() { git -C "$repo" -c user.email=t@t -c user.name=t "$@"; }
  g commit -q --allow-empty -m one; g tag v3.4.0; c1=$(g rev-parse HEAD)
  g commit -q --allow-empty -m two; g tag -a -m rel v3.5.1; g tag stable; c2=$(g rev-parse HEAD)
  g commit -q --allow-empty -m three; g branch -q release-3.6; c3=$(g rev-parse HEAD)
  "$bin" resolve stable --source "$repo" --format json >"$tmp/out"; expect_exit "resolve stable" 0 $?
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d=={"ref":"stable","tag":"v3.5.1","commit":sys.argv[2],"source":sys.argv[3]}, d' "$tmp/out" "$c2" "$repo" \
    && pass "stable -> v3.5.1 and its commit (annotated tag peeled)" || { failed "resolve stable"; cat "$tmp/out"; }
  "$bin" resolve v3.4.0 --source "$repo" >"$tmp/out"; contains "tag resolves" "$tmp/out" "v3.4.0 -> tag v3.4.0, commit $c1"
  "$bin" resolve release-3.6 --source "$repo" >"$tmp/out"; contains "branch without tag" "$tmp/out" "no tag, commit $c3"
  "$bin" resolve "$c2" --source "$repo" >"$tmp/out"; contains "commit -> tag" "$tmp/out" "tag v3.5.1"
  "$bin" resolve nope --source "$repo" >/dev/null 2>"$tmp/err"; expect_exit "unknown ref" 2 $?
  "$bin" resolve "--upload-pack=touch $tmp/pwned" --source "$repo" >/dev/null 2>"$tmp/err"; expect_exit "option-like ref refused" 2 $?
  "$bin" resolve stable --source "--upload-pack=touch $tmp/pwned" >/dev/null 2>"$tmp/err"; expect_exit "option-like source refused" 2 $?
  [ -e "$tmp/pwned" ] && failed "injection ran a command" || pass "no command injected"
  for bad in 'a..b' 'x.lock' 'a b' '.hidden' 'a^b' 'a:b' 'end/' '@{x}'; do
    "$bin" resolve "$bad" --source "$repo" >/dev/null 2>&1; expect_exit "ref '$bad' refused" 2 $?
  done
  "$bin" resolve stable --source "$tmp/no-such-repo" >/dev/null 2>"$tmp/err"; expect_exit "unreachable source" 3 $?
  contains "error quotes the git command" "$tmp/err" "git ls-remote --"
  PATH=/nonexistent "$bin" resolve stable --source "$repo" >/dev/null 2>"$tmp/err"; expect_exit "git missing" 3 $?
  # A commit id no ref points at is verified, not echoed back.
  "$bin" resolve 0123456789abcdef0123456789abcdef01234567 --source "$repo" >"$tmp/out" 2>"$tmp/err"; expect_exit "unknown commit" 2 $?
  contains "unknown commit named" "$tmp/err" "commit 0123456789abcdef0123456789abcdef01234567 not found"
  g commit -q --allow-empty -m four; g commit -q --allow-empty -m five; c4=$(g rev-parse HEAD~1)
  g -c uploadpack.allowAnySHA1InWant=true config uploadpack.allowAnySHA1InWant true
  "$bin" resolve "$c4" --source "$repo" >"$tmp/out" 2>"$tmp/err"; expect_exit "a real commit behind a branch tip" 0 $?
  # Non-network transports are refused before git runs; credentials in the URL never printed.
  "$bin" resolve stable --source "ext::sh -c touch% $tmp/pwned2" >/dev/null 2>"$tmp/err"; expect_exit "ext:: refused" 2 $?
  [ -e "$tmp/pwned2" ] && failed "ext:: ran a command" || pass "ext:: ran nothing"
  "$bin" resolve stable --source "fd::3" >/dev/null 2>"$tmp/err"; expect_exit "fd:: refused" 2 $?
  "$bin" --log-level debug resolve stable --source "https://deploy:s3cr3tT0ken@127.0.0.1:1/argo-cd.git" >"$tmp/out" 2>"$tmp/err"
  if grep -q s3cr3tT0ken "$tmp/out" "$tmp/err"; then failed "the token in --source was printed"; else pass "the token in --source is masked"; fi
  contains "the masked URL is still shown" "$tmp/err" "127.0.0.1:1/argo-cd.git"
fi

if [ "$part" = real ]; then
  [ -d "$shared/argocd" ] || { echo "SKIP: $shared/argocd not found"; exit 77; }
  for f in v2.11.1/install.yaml v2.11.1/namespace-install.yaml; do
    "$bin" analyze "$shared/argocd/$f" --format junit >"$tmp/j.xml"; expect_exit "$f fails" 1 $?
    contains "$f names secret-init" "$tmp/j.xml" "secret-init"
    contains "$f names the policy" "$tmp/j.xml" "argocd-redis-network-policy"
    xmllint --noout --schema "$shared/schemas/junit-10.xsd" "$tmp/j.xml" 2>/dev/null && pass "$f junit validates" || failed "$f junit schema"
  done
  # SARIF for code scanning, validated against the official 2.1.0 schema (Debian's
  # python3-jsonschema, installed by ci/setup.sh).
  "$bin" analyze "$shared/argocd/v2.11.1/install.yaml" --format sarif >"$tmp/r.sarif"; expect_exit "v2.11.1 sarif" 1 $?
  /usr/bin/python3 - "$shared/schemas/sarif-schema-2.1.0.json" "$tmp/r.sarif" <<'PY' && pass "sarif validates and locates the Redis finding" || failed "sarif"
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft4Validator(schema).validate(doc)
results = doc["runs"][0]["results"]
redis = [r for r in results if "argocd-redis" in r["message"]["text"] and r["level"] == "error"]
assert redis and redis[0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 1, results[:2]
PY
  for f in v2.11.0 v2.11.2 v3.5.1; do
    "$bin" analyze "$shared/argocd/$f/install.yaml" >"$tmp/out"; expect_exit "$f passes" 0 $?
  done
  # The same policy defined again (a team's overlay file after the release): kubectl apply keeps
  # the last definition, so the fixed one decides, with a warning naming both places.
  cat >"$tmp/fix-redis.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: argocd-redis-network-policy
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: argocd-redis
  policyTypes:
  - Ingress
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: argocd-server
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: argocd-repo-server
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: argocd-application-controller
    ports:
    - port: 6379
      protocol: TCP
YAML
  "$bin" analyze "$shared/argocd/v2.11.1/install.yaml" "$tmp/fix-redis.yaml" >"$tmp/out" 2>"$tmp/err"; expect_exit "v2.11.1 with a same-name fixed Redis policy passes" 0 $?
  contains "the redefinition is a warning" "$tmp/err" "keeps the last definition"
  "$bin" analyze "$tmp/fix-redis.yaml" "$shared/argocd/v2.11.1/install.yaml" >"$tmp/out" 2>"$tmp/err"; expect_exit "...and fails when the release's policy comes last" 1 $?
  # --format github: each finding an annotation on its line, the path relative to the workspace.
  mkdir -p "$tmp/ws/platform" && cp "$shared/argocd/v2.11.1/install.yaml" "$tmp/ws/platform/"
  (cd "$tmp/ws" && GITHUB_WORKSPACE="$tmp/ws" "$bin" analyze platform/install.yaml --format github >"$tmp/gh.txt" 2>/dev/null); expect_exit "github annotations of v2.11.1" 1 $?
  contains "annotation on the Redis Deployment's line" "$tmp/gh.txt" "::error file=platform/install.yaml,line="
  contains "annotation titled by check and subject" "$tmp/gh.txt" "title=api-server-reachable%3A Deployment/argocd-redis::"
  # The GitLab Code Quality report beside JUnit: the same findings, paths relative to the project.
  (cd "$tmp/ws" && CI_PROJECT_DIR="$tmp/ws" "$bin" analyze platform/install.yaml --report-dir "$tmp/ws/out" >/dev/null 2>&1)
  python3 - "$tmp/ws/out/codequality.json" <<'PY' && pass "codequality.json names the Redis Deployment's line" || failed "codequality.json"
import json, sys
issues = json.load(open(sys.argv[1]))
redis = [i for i in issues if i["check_name"] == "static.api-server-reachable" and "argocd-redis" in i["description"]]
assert redis and redis[0]["location"]["path"] == "platform/install.yaml" and redis[0]["location"]["lines"]["begin"] > 1, issues[:2]
assert all(i["severity"] in ("major", "minor") and len(i["fingerprint"]) == 16 for i in issues)
assert len({i["fingerprint"] for i in issues}) == len(issues)
PY
  # PF006: the releases serve on 1.33; a removed API is an error at its position.
  for f in v2.11.0 v2.11.2 v3.5.1; do
    "$bin" analyze "$shared/argocd/$f/install.yaml" --kube-version 1.33 >"$tmp/out" 2>&1; expect_exit "$f on Kubernetes 1.33" 0 $?
  done
  printf 'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: pdb}\nspec: {minAvailable: 1}\n' > "$tmp/pdb.yaml"
  "$bin" analyze "$tmp/pdb.yaml" --kube-version v1.33.12 >"$tmp/out" 2>&1; expect_exit "a removed API fails" 1 $?
  contains "removed API located, with its replacement" "$tmp/out" "pdb.yaml:1:13: policy/v1beta1 PodDisruptionBudget pdb is not served by Kubernetes 1.33 (removed in 1.25); use policy/v1"
  "$bin" analyze "$tmp/pdb.yaml" --kube-version 1.24 >"$tmp/out" 2>&1; expect_exit "deprecated but served only warns" 0 $?
  "$bin" analyze "$tmp/pdb.yaml" --kube-version banana >"$tmp/out" 2>&1; expect_exit "a bad --kube-version" 2 $?
  "$bin" analyze "$shared/argocd/v2.11.1/install.yaml" --baseline "$shared/argocd/v2.11.0/install.yaml" >"$tmp/out"; expect_exit "baseline" 1 $?
  contains "baseline reports the API egress" "$tmp/out" "baseline-regression: argocd/argocd-redis[Deployment] -> kube-apiserver"
  # --baseline takes one value: the candidate after it is the candidate, not a second baseline.
  "$bin" analyze --baseline "$shared/argocd/v2.11.0/install.yaml" "$shared/argocd/v2.11.1/install.yaml" >"$tmp/out" 2>"$tmp/err"
  expect_exit "--baseline BASE CANDIDATE analyses the candidate" 1 $?
  contains "the candidate after --baseline is analysed" "$tmp/out" "baseline-regression: argocd/argocd-redis[Deployment] -> kube-apiserver"
  "$bin" analyze --baseline "$shared/argocd/v2.11.0/install.yaml" --baseline "$shared/argocd/v2.11.0/ha/install.yaml" \
    "$shared/argocd/v2.11.2/install.yaml" >"$tmp/out" 2>"$tmp/err"
  expect_exit "--baseline repeated, a clean candidate" 0 $?
  "$bin" connectivity "$shared/argocd/v3.5.1/install.yaml" --format csv >"$tmp/c.csv"; expect_exit "connectivity v3.5.1" 0 $?
  contains "redis ingress only from its clients" "$tmp/c.csv" "argocd/argocd-server[Deployment],argocd/argocd-redis[Deployment],TCP 6379"
  if grep -q "argocd/argocd-dex-server\[Deployment\],argocd/argocd-redis\[Deployment\]" "$tmp/c.csv"; then failed "dex reaches redis"; else pass "dex does not reach redis"; fi
fi

[ $failures = 0 ] && echo "all passed" || echo "$failures failed"
exit $(( failures > 0 ))
