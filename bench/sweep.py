#!/usr/bin/env python3
"""The release sweep: every Argo CD release's manifests (../shared/argocd/releases, v2.8.0 ... v3.5.1,
four flavours) through `analyze`, alone, with itself as baseline, and as an upgrade from the
release before it (semver order, same flavour). Prints per-mode verdict counts and the findings
per check and severity, and fails (exit 1) when a verdict disagrees with the known truth the
archive's README states (the Redis/API-server defect ships in exactly v2.8.19, v2.9.15, v2.10.10
and v2.11.1, every flavour) and the other real defect the sweep finds (DEFECTIVE below): each
defective file fails for its defect, every other file is clean in every mode.

Usage: bench/sweep.py BINARY SHARED_DIR [--modes single,self,upgrade] [--jobs N] [--every K]
`--every K` keeps every K-th tag (plus the defective ones and their neighbours): the reduced
sweep `make test` runs; the full sweep is `make bench`.
Exit 77 when the archive is absent (ctest reports the test skipped).
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

# The releases that really shipped broken manifests, and the check that must say why:
# - the Redis secret-init NetworkPolicy (../shared/argocd/README.md): PF001 (with PF004);
# - v3.3.13: argocd-repo-server mounts volume argocd-cmd-params-cm that its pod does not define,
#   which the API server refuses (argoproj/argo-cd#29051, fixed by #29032 in v3.3.14): PF008.
DEFECTIVE = {"v2.8.19": "PF001", "v2.9.15": "PF001", "v2.10.10": "PF001", "v2.11.1": "PF001", "v3.3.13": "PF008"}
FLAVOURS = ["install", "ha_install", "namespace-install", "core-install"]


def semver(tag):
    return tuple(int(x) for x in re.match(r"v(\d+)\.(\d+)\.(\d+)$", tag).groups())


def analyze(binary, candidate, baseline):
    argv = [binary, "analyze", candidate, "--format", "json"]
    if baseline:
        argv += ["--baseline", baseline]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    findings = collections.Counter()
    if p.stdout.strip():
        report = json.loads(p.stdout)
        for suite in report["suites"]:
            for case in suite["cases"]:
                m = re.match(r"\[(PF\d+) (error|warning)\]", case.get("detail", ""))
                if m:
                    findings[(m.group(1), m.group(2))] += 1
    return p.returncode, findings, p.stderr[-400:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("shared")
    ap.add_argument("--modes", default="single,self,upgrade")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--every", type=int, default=1)
    args = ap.parse_args()
    archive = os.path.join(args.shared, "argocd", "releases", "argocd-releases.tar.xz")
    if not os.path.exists(archive):
        print(f"SKIP: {archive} not found")
        return 77
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory(prefix="preflight-sweep-") as tmp:
        with tarfile.open(archive) as t:
            t.extractall(tmp, filter="data")
        root = os.path.join(tmp, "rel")
        tags = sorted(os.listdir(root), key=semver)
        keep = set(tags[:: args.every])
        for i, tag in enumerate(tags):
            if tag in DEFECTIVE:
                keep.update(tags[max(0, i - 1) : i + 2])
        jobs = []
        for i, tag in enumerate(tags):
            if tag not in keep:
                continue
            for flavour in FLAVOURS:
                cand = os.path.join(root, tag, flavour + ".yaml")
                if not os.path.exists(cand):
                    continue
                prev = os.path.join(root, tags[i - 1], flavour + ".yaml") if i else None
                if "single" in modes:
                    jobs.append(("single", tag, flavour, cand, None))
                if "self" in modes:
                    jobs.append(("self", tag, flavour, cand, cand))
                if "upgrade" in modes and prev and os.path.exists(prev):
                    jobs.append(("upgrade", tag, flavour, cand, prev))
        verdicts = collections.Counter()
        classes = collections.defaultdict(collections.Counter)
        wrong = []
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = pool.map(lambda j: (j, analyze(args.binary, j[3], j[4])), jobs)
            for (mode, tag, flavour, _, _), (rc, findings, err) in results:
                verdicts[(mode, rc)] += 1
                classes[mode].update(findings)
                want = 1 if tag in DEFECTIVE else 0
                if rc != want:
                    wrong.append(f"{mode} {tag}/{flavour}.yaml: exit {rc}, want {want}\n    {err.strip()}")
                elif tag in DEFECTIVE and not findings[(DEFECTIVE[tag], "error")]:
                    wrong.append(f"{mode} {tag}/{flavour}.yaml: failed, but not for its known defect ({DEFECTIVE[tag]})")
        print(f"sweep: {len(keep)} of {len(tags)} tags, {len(jobs)} analyses")
        for mode in modes:
            counts = ", ".join(f"exit {rc}: {n}" for (m, rc), n in sorted(verdicts.items()) if m == mode)
            found = ", ".join(f"{pf} {sev}: {n}" for (pf, sev), n in sorted(classes[mode].items())) or "none"
            print(f"  {mode:8} {counts}; findings {found}")
        for w in wrong:
            print("WRONG " + w)
        return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
