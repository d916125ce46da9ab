#!/usr/bin/env python3
"""A simulated Kubernetes API server on loopback, for the integration tests.

The real kubectl talks to it as to a cluster: version, discovery (plain, not aggregated),
OpenAPI v3 (enough for kubectl's field-validation check), list, get, watch, create,
server-side apply, delete, pod logs, events. Controllers turn workloads into pods and pods
into statuses. What the cluster does is scripted by a scenario file (JSON): how long pods
take to become ready, which container fails and with which log line, which image cannot be
pulled, which Secret a succeeding container creates, how slowly the API answers. Nothing in
here knows what argocd-preflight is expected to conclude.

Scenario (all keys optional):
{
  "server_version": "1.33",          # minor version the API reports
  "latency_ms": 0,                   # added to every request
  "watch_close_after_s": 1800,       # the server ends every watch after this (as API servers do)
  "ready_after_s": 0.3,              # pod start -> Ready, unless a workload rule says otherwise
  "nodes": 1,
  "workloads": {                     # by workload name (the test scripts the cluster)
    "NAME": {
      "ready_after_s": 1.0,
      "fail": {"container": "C", "exit_code": 1, "log": "line\\nline", "every_s": 0.3},
      "crash": {"container": "C", "exit_code": 2, "log": "...", "every_s": 0.3},
      "image_pull": {"container": "C"},
      "never_ready": true,
      "on_success": {"container": "C", "create_secret": {"name": "S", "data": {"k": "v"}}},
      "on_ready": {"create_secret": {"name": "S", "data": {"k": "v"}}}
    }
  },
  "logs": {"NAME/CONTAINER": "text"},  # logs of healthy containers
  "network": [                        # what connections do, first match wins
    {"from": {"label": "value"},      # source pod labels (subset)
     "to": "host:port" | "host",      # as the container dials it, or
     "to_pod": {"label": "value"},    # the pod whose IP it dials
     "requires_policy": "NAME",       # only while a NetworkPolicy of that name exists
     "result": "ok" | "timeout" | "refused" | "noauth"}
  ],
  "network_default": "ok",
  "kubelet_log_gap": 0,               # the first N --previous log requests per container get the
                                      # kubelet's "unable to retrieve container logs for ..." text
  "smoke": {"login": "ok" | "error text", "create": "ok" | "error text", "sync": "Synced", "health": "Healthy"}
}

Containers that carry PROBE_KIND/PROBE_HOST/PROBE_PORT in their env are connection probes: the
simulated container does what its script would and prints its one result line, deciding the
connection's fate from "network". A redis probe answers PONG only when its REDISCLI_AUTH came
from an existing Secret.
"""
import argparse
import base64
import copy
import hashlib
import json
import os
import random
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------- resource catalogue
# (group, version, plural, kind, namespaced, singular)
BUILTIN = [
    ("", "v1", "namespaces", "Namespace", False),
    ("", "v1", "pods", "Pod", True),
    ("", "v1", "services", "Service", True),
    ("", "v1", "serviceaccounts", "ServiceAccount", True),
    ("", "v1", "secrets", "Secret", True),
    ("", "v1", "configmaps", "ConfigMap", True),
    ("", "v1", "events", "Event", True),
    ("", "v1", "endpoints", "Endpoints", True),
    ("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True),
    ("", "v1", "nodes", "Node", False),
    ("apps", "v1", "deployments", "Deployment", True),
    ("apps", "v1", "statefulsets", "StatefulSet", True),
    ("apps", "v1", "daemonsets", "DaemonSet", True),
    ("apps", "v1", "replicasets", "ReplicaSet", True),
    ("batch", "v1", "jobs", "Job", True),
    ("batch", "v1", "cronjobs", "CronJob", True),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    ("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True),
    ("networking.k8s.io", "v1", "ingresses", "Ingress", True),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
    ("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True),
    ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True),
    ("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
]


class Catalogue:
    def __init__(self):
        self.resources = {}  # (group, version, plural) -> dict
        for g, v, plural, kind, namespaced in BUILTIN:
            self.add(g, v, plural, kind, namespaced)

    SHORT = {"namespaces": ["ns"], "pods": ["po"], "services": ["svc"], "serviceaccounts": ["sa"], "configmaps": ["cm"],
             "events": ["ev"], "persistentvolumeclaims": ["pvc"], "deployments": ["deploy"], "statefulsets": ["sts"],
             "daemonsets": ["ds"], "replicasets": ["rs"], "networkpolicies": ["netpol"], "customresourcedefinitions": ["crd", "crds"],
             "nodes": ["no"], "endpoints": ["ep"], "ingresses": ["ing"], "horizontalpodautoscalers": ["hpa"], "cronjobs": ["cj"],
             "poddisruptionbudgets": ["pdb"]}

    def add(self, group, version, plural, kind, namespaced, short=None):
        self.resources[(group, version, plural)] = {
            "name": plural, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
            "shortNames": short if short is not None else self.SHORT.get(plural, []),
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        }

    def group_versions(self):
        out = {}
        for (g, v, _plural) in self.resources:
            out.setdefault(g, [])
            if v not in out[g]:
                out[g].append(v)
        return out

    def by_kind(self, api_version, kind):
        g, v = (api_version.split("/", 1) if "/" in api_version else ("", api_version))
        for (rg, rv, plural), r in self.resources.items():
            if rg == g and rv == v and r["kind"] == kind:
                return plural
        return None


# ---------------------------------------------------------------- the store
class Store:
    def __init__(self, scenario, log):
        self.scenario = scenario
        self.log = log
        self.lock = threading.Condition()
        self.rv = 100
        self.objects = {}  # (group, plural, ns, name) -> object
        self.history = []  # (rv, group, plural, ns, type, object)
        self.catalogue = Catalogue()
        self.logs = {}  # (ns, pod, container) -> {"current": str, "previous": str}
        self.log_gaps = {}  # (ns, pod, container) -> --previous requests answered so far
        self.closed = False

    def next_rv(self):
        self.rv += 1
        return str(self.rv)

    def put(self, group, plural, obj, event=None):
        """Stores `obj` (caller holds the lock), records the watch event."""
        md = obj.setdefault("metadata", {})
        ns = md.get("namespace", "")
        key = (group, plural, ns, md["name"])
        etype = event or ("MODIFIED" if key in self.objects else "ADDED")
        md["resourceVersion"] = self.next_rv()
        self.objects[key] = obj
        self.history.append((int(md["resourceVersion"]), group, plural, ns, etype, copy.deepcopy(obj)))
        self.lock.notify_all()
        return obj

    def remove(self, group, plural, ns, name):
        obj = self.objects.pop((group, plural, ns, name), None)
        if obj is None:
            return None
        obj["metadata"]["resourceVersion"] = self.next_rv()
        self.history.append((int(obj["metadata"]["resourceVersion"]), group, plural, ns, "DELETED", copy.deepcopy(obj)))
        self.lock.notify_all()
        # Garbage collection: objects owned by this one go too.
        uid = obj["metadata"].get("uid")
        for k, o in list(self.objects.items()):
            if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences", [])):
                self.remove(*k)
        if plural == "namespaces":
            for k in [k for k in self.objects if k[2] == name]:
                self.remove(*k)
        return obj

    def get(self, group, plural, ns, name):
        return self.objects.get((group, plural, ns, name))

    def list(self, group, plural, ns):
        return [o for (g, p, n, _), o in self.objects.items() if g == group and p == plural and (ns is None or n == ns)]


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_meta(name, ns, labels=None, owner=None):
    md = {"name": name, "uid": "%032x" % random.getrandbits(128), "creationTimestamp": now_iso(), "generation": 1}
    if ns:
        md["namespace"] = ns
    if labels:
        md["labels"] = dict(labels)
    if owner:
        md["ownerReferences"] = [{"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
                                  "uid": owner["metadata"]["uid"], "controller": True}]
    return md


# ---------------------------------------------------------------- controllers
class Cluster:
    """Workload controllers and a kubelet, driven by the scenario."""

    def __init__(self, store, state_dir):
        self.store = store
        self.sc = store.scenario
        self.state_dir = state_dir
        self.pods = {}  # (ns, name) -> runtime state
        self.all_ready = False
        self.crash_seen = False
        self.failure_seen = False
        self.ip_counter = 10

    def rule(self, workload):
        return self.sc.get("workloads", {}).get(workload, {})

    def event(self, ns, obj, reason, message, etype="Normal"):
        md = obj["metadata"]
        name = "%s.%x" % (md["name"], random.getrandbits(48))
        ev = {"apiVersion": "v1", "kind": "Event", "metadata": new_meta(name, ns),
              "involvedObject": {"kind": obj["kind"], "name": md["name"], "namespace": ns, "uid": md.get("uid"),
                                 "apiVersion": obj.get("apiVersion")},
              "reason": reason, "message": message, "type": etype, "count": 1,
              "firstTimestamp": now_iso(), "lastTimestamp": now_iso(), "source": {"component": "kube-sim"}}
        self.store.put("", "events", ev)

    def milestone(self, what):
        """Records when the simulated cluster reached a state (benchmarks compare the tool's verdict to it)."""
        with open(os.path.join(self.state_dir, "milestones.log"), "a") as f:
            f.write("%.3f %s\n" % (time.time(), what))

    def reconcile(self):
        s = self.store
        t = time.time()
        self.adopt_bare_pods(t)
        for kind, plural, group in (("Deployment", "deployments", "apps"), ("StatefulSet", "statefulsets", "apps"),
                                    ("DaemonSet", "daemonsets", "apps"), ("Job", "jobs", "batch")):
            for w in list(s.list(group, plural, None)):
                self.reconcile_workload(kind, plural, group, w, t)
        for (ns, name), st in list(self.pods.items()):
            pod = s.get("", "pods", ns, name)
            if pod is None:
                del self.pods[(ns, name)]
                continue
            self.kubelet(pod, st, t)
        ready = bool(self.pods) and all(
            any(c.get("type") == "Ready" and c.get("status") == "True" for c in s.get("", "pods", ns, name)["status"].get("conditions", []))
            for (ns, name) in self.pods)
        if ready and not self.all_ready:
            self.milestone("all-ready")
        self.all_ready = ready

    def reconcile_workload(self, kind, plural, group, w, t):
        s = self.store
        md = w["metadata"]
        ns = md.get("namespace", "")
        spec = w.get("spec", {})
        want = spec.get("replicas", 1) if kind in ("Deployment", "StatefulSet") else (
            self.sc.get("nodes", 1) if kind == "DaemonSet" else 1)
        owner_of_pods = w
        tmpl_hash = hashlib.sha1(json.dumps(spec.get("template", {}), sort_keys=True).encode()).hexdigest()[:10]
        is_ready = lambda p: any(c.get("type") == "Ready" and c.get("status") == "True" for c in p.get("status", {}).get("conditions", []))
        owned_by = lambda o: [p for p in s.list("", "pods", ns)
                              if any(r.get("uid") == o["metadata"]["uid"] for r in p["metadata"].get("ownerReferences", []))]
        old_pods = []
        if kind == "Deployment":
            rs_name = "%s-%s" % (md["name"], tmpl_hash)
            rs = s.get("apps", "replicasets", ns, rs_name)
            if rs is None:
                labels = dict(spec.get("template", {}).get("metadata", {}).get("labels", {}))
                rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": new_meta(rs_name, ns, labels, w),
                      "spec": {"replicas": want, "template": spec.get("template", {})}, "status": {"replicas": 0}}
                s.put("apps", "replicasets", rs)
                self.event(ns, w, "ScalingReplicaSet", "Scaled up replica set %s to %d" % (rs_name, want))
            owner_of_pods = rs
            # A rolling update (maxUnavailable 0 for small replica counts): the old ReplicaSets'
            # pods stay until the new ones are all Ready.
            old_sets = [r for r in s.list("apps", "replicasets", ns) if r["metadata"]["name"] != rs_name
                        and any(o.get("uid") == md["uid"] for o in r["metadata"].get("ownerReferences", []))]
            for r in old_sets:
                old_pods += owned_by(r)
        owned = owned_by(owner_of_pods)
        revision = md["name"] + "-" + tmpl_hash  # the label value Kubernetes puts on the pods
        stale = [p for p in owned if (p["metadata"].get("labels") or {}).get("controller-revision-hash") != revision]
        if kind == "DaemonSet":
            # Pods of an older template are replaced (all at once: simpler than one by one).
            for p in stale:
                s.remove("", "pods", ns, p["metadata"]["name"])
        elif kind == "StatefulSet" and stale:
            # The default OrderedReady rolling update, as the real controller does it: one pod at a
            # time, highest ordinal first, and only while every pod is Ready - a pod that never
            # became Ready is waited for forever, never replaced (Kubernetes' "forced rollback"
            # limitation: it must be deleted by hand).
            if all(is_ready(p) for p in owned) or spec.get("podManagementPolicy") == "Parallel":
                ordinal = lambda p: int(p["metadata"]["name"].rsplit("-", 1)[1])
                s.remove("", "pods", ns, max(stale, key=ordinal)["metadata"]["name"])
        owned = owned_by(owner_of_pods)
        stale = [p for p in owned if (p["metadata"].get("labels") or {}).get("controller-revision-hash") != revision]
        for i in range(len(owned), want):
            if kind == "StatefulSet":
                taken = {p["metadata"]["name"] for p in owned}
                pod_name = next("%s-%d" % (md["name"], k) for k in range(want + 1) if "%s-%d" % (md["name"], k) not in taken)
            else:
                base = owner_of_pods["metadata"]["name"]
                pod_name = "%s-%s" % (base, "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5)))
            tmpl = spec.get("template", {})
            labels = dict(tmpl.get("metadata", {}).get("labels") or {})
            if kind in ("StatefulSet", "DaemonSet"):
                labels["controller-revision-hash"] = revision
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": new_meta(pod_name, ns, labels, owner_of_pods),
                   "spec": copy.deepcopy(tmpl.get("spec", {})),
                   "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}}
            pod["spec"].setdefault("restartPolicy", "OnFailure" if kind == "Job" else "Always")
            pod["spec"]["nodeName"] = "sim-worker" if self.sc.get("nodes", 1) > 1 else "sim-control-plane"
            s.put("", "pods", pod)
            self.track(ns, pod_name, md["name"], t)
            self.event(ns, pod, "Scheduled", "Successfully assigned %s/%s to %s" % (ns, pod_name, pod["spec"]["nodeName"]))
            owned.append(pod)
        new_ready = sum(1 for p in owned if is_ready(p))
        if old_pods and new_ready >= want:
            for p in old_pods:
                s.remove("", "pods", ns, p["metadata"]["name"])
            old_pods = []
        ready = new_ready + sum(1 for p in old_pods if is_ready(p))
        updated = len(owned)
        owned = owned + old_pods
        gen = md.get("generation", 1)
        if kind == "Deployment":
            status = {"observedGeneration": gen, "replicas": len(owned), "updatedReplicas": updated,
                      "readyReplicas": ready, "availableReplicas": ready, "unavailableReplicas": max(0, want - ready),
                      "conditions": [{"type": "Available", "status": "True" if ready >= want else "False"},
                                     {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}]}
        elif kind == "StatefulSet":
            current = (stale[0]["metadata"].get("labels") or {}).get("controller-revision-hash") if stale else revision
            status = {"observedGeneration": gen, "replicas": len(owned), "readyReplicas": ready,
                      "currentReplicas": len(stale) if stale else len(owned),
                      "updatedReplicas": len(owned) - len(stale), "availableReplicas": ready,
                      "currentRevision": current, "updateRevision": revision}
        elif kind == "DaemonSet":
            status = {"observedGeneration": gen, "desiredNumberScheduled": want, "currentNumberScheduled": len(owned),
                      "updatedNumberScheduled": len(owned), "numberReady": ready, "numberAvailable": ready}
        else:
            done = any(p.get("status", {}).get("phase") == "Succeeded" for p in owned)
            status = {"active": 0 if done else len(owned)}
            if done:
                status["conditions"] = [{"type": "Complete", "status": "True"}]
                status["succeeded"] = 1
        if w.get("status") != status:
            w["status"] = status
            s.put(group, plural, w)

    def track(self, ns, name, workload, t):
        self.ip_counter += 1
        self.pods[(ns, name)] = {"workload": workload, "start": t, "phase": "init", "init_index": 0, "restarts": {}, "next": t,
                                 "pull_since": None, "ip": "10.244.%d.%d" % (self.ip_counter // 250, self.ip_counter % 250 + 2)}

    def adopt_bare_pods(self, t):
        """Pods created directly (not by a controller here) get a kubelet too."""
        for p in self.store.list("", "pods", None):
            key = (p["metadata"].get("namespace", ""), p["metadata"]["name"])
            if key not in self.pods:
                p.setdefault("status", {"phase": "Pending"})
                self.track(key[0], key[1], p["metadata"]["name"], t)

    def probe_env(self, pod):
        c = (pod["spec"].get("containers") or [{}])[0]
        env = {}
        for e in c.get("env", []) or []:
            if "value" in e:
                env[e["name"]] = e["value"]
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                sec = self.store.get("", "secrets", pod["metadata"].get("namespace", ""), ref.get("name", ""))
                if sec is not None and ref.get("key") in sec.get("data", {}):
                    env[e["name"]] = base64.b64decode(sec["data"][ref["key"]]).decode()
        return env if ("PROBE_KIND" in env or "SMOKE_APP" in env) else None

    def connection(self, pod, host, port):
        labels = pod["metadata"].get("labels", {}) or {}
        ns = pod["metadata"].get("namespace", "")
        for rule in self.sc.get("network", []):
            if any(labels.get(k) != v for k, v in rule.get("from", {}).items()):
                continue
            if "to" in rule and rule["to"] not in ("%s:%s" % (host, port), host):
                continue
            if "to_pod" in rule:
                targets = [p for p in self.store.list("", "pods", None) if p.get("status", {}).get("podIP") == host
                           and all((p["metadata"].get("labels") or {}).get(k) == v for k, v in rule["to_pod"].items())]
                if not targets:
                    continue
            if "requires_policy" in rule and self.store.get("networking.k8s.io", "networkpolicies", ns, rule["requires_policy"]) is None:
                continue
            return rule.get("result", "ok")
        return self.sc.get("network_default", "ok")

    def pods_behind(self, ns, host):
        """The pods the Service `host` ("name.ns.svc") selects, with its namespace."""
        name = host.split(".")[0]
        svc_ns = host.split(".")[1] if host.count(".") >= 2 else ns
        svc = self.store.get("", "services", svc_ns, name)
        sel = (svc or {}).get("spec", {}).get("selector") or {}
        if not sel:
            return svc_ns, []
        return svc_ns, [p for p in self.store.list("", "pods", svc_ns)
                        if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in sel.items())]

    def service_ready(self, ns, host):
        """Whether the Service `host` has a Ready pod behind it."""
        return any(any(c.get("type") == "Ready" and c.get("status") == "True" for c in p.get("status", {}).get("conditions", []))
                   for p in self.pods_behind(ns, host)[1])

    def run_smoke(self, pod, env):
        """What the argocd CLI in the smoke pod would print, and the Application Argo CD would make."""
        sc = self.sc.get("smoke", {})
        ns = pod["metadata"].get("namespace", "")
        server = env.get("SMOKE_SERVER", "")
        host, _, port = server.rpartition(":")
        lines = []
        def say(step, ok, detail):
            lines.append("PREFLIGHT-SMOKE step=%s result=%s detail=%s" % (step, "ok" if ok else "failed", detail))
            return "\n".join(lines) + "\n"
        if not env.get("SMOKE_PASSWORD"):
            return say("login", False, "no initial admin password (Secret %s, key password)" % env.get("SMOKE_SECRET"))
        fate = self.connection(pod, host, port)
        if fate != "ok" or not self.service_ready(ns, host):
            return say("login", False, "rpc error: code = Unavailable desc = dial tcp %s: connect: connection %s" %
                       (server, "timed out" if fate == "timeout" else "refused"))
        if sc.get("login", "ok") != "ok":
            return say("login", False, sc["login"])
        say("login", True, "'admin:login' logged in successfully")
        if sc.get("create", "ok") != "ok":
            return say("create", False, sc["create"])
        app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": new_meta(env["SMOKE_APP"], ns),
               "spec": {"source": {"repoURL": env.get("SMOKE_REPO"), "path": env.get("SMOKE_PATH"), "targetRevision": env.get("SMOKE_REVISION")},
                        "destination": {"server": "https://kubernetes.default.svc", "namespace": env.get("SMOKE_DEST_NS")}},
               "status": {"sync": {"status": sc.get("sync", "Synced")}, "health": {"status": sc.get("health", "Healthy")}}}
        self.store.put("argoproj.io", "applications", app)
        say("create", True, "application '%s' created" % env["SMOKE_APP"])
        if sc.get("sync", "Synced") != "Synced" or sc.get("health", "Healthy") != "Healthy":
            return say("wait", False, "timed out (%ss) waiting for app %s match desired state: Sync Status: %s Health Status: %s" % (env.get("SMOKE_TIMEOUT"), env["SMOKE_APP"], sc.get("sync", "Synced"), sc.get("health", "Healthy")))
        return say("wait", True, "Sync Status: Synced Health Status: Healthy")

    def redis_password(self, ns, host):
        """The password the Redis behind Service `host` was started with (--requirepass $(VAR) with
        VAR from a Secret), or None when it requires none."""
        svc_ns, pods = self.pods_behind(ns, host)
        for p in pods:
            for c in p["spec"].get("containers", []):
                argv = " ".join((c.get("command") or []) + (c.get("args") or []))
                if "--requirepass" not in argv:
                    continue
                for e in c.get("env", []) or []:
                    ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                    if ref and "$(%s)" % e["name"] in argv:
                        sec = self.store.get("", "secrets", svc_ns, ref.get("name", ""))
                        if sec and ref.get("key") in sec.get("data", {}):
                            return base64.b64decode(sec["data"][ref["key"]]).decode()
        return None

    def run_probe(self, pod, env):
        kind, host, port = env["PROBE_KIND"], env.get("PROBE_HOST", ""), env.get("PROBE_PORT", "0")
        fate = self.connection(pod, host, port)
        if kind == "dns":
            # As busybox 1.35's nslookup (the alpine-like probe image) words a lookup whose
            # server does not answer (seen on the real test cluster: a wordless getent, or
            # NXDOMAIN for a name that does not exist, are no block).
            if fate == "ok":
                return "resolved second lookup (first: resolved): Server: 10.96.0.10 Name: %s Address: 10.96.0.1" % host
            return "dns-failed ;; connection timed out; no servers could be reached"
        if fate == "timeout":
            return "timeout no connection within %ss" % env.get("PROBE_TIMEOUT", "5")
        if fate == "refused":
            # As the real script reports it: the client's own words, classified by the tool.
            return "failed Could not connect to Redis at %s:%s: Connection refused" % (host, port)
        if kind == "redis":
            required = self.redis_password(pod["metadata"].get("namespace", ""), host)
            if fate == "noauth" or (required is not None and env.get("REDISCLI_AUTH") != required):
                return "auth-failed NOAUTH Authentication required." if not env.get("REDISCLI_AUTH") else \
                    "auth-failed AUTH failed: WRONGPASS invalid username-password pair or user is disabled."
            return "pong PONG"
        return "connected Error: Server closed the connection"

    def fail_cycle(self, pod, st, cs, fail, t, logs_for):
        """A container that runs, fails with the scripted exit code and log, and is restarted
        every `every_s`: terminated once, then CrashLoopBackOff with the last termination."""
        name, pod_name, ns = cs["name"], pod["metadata"]["name"], pod["metadata"].get("namespace", "")
        n = st["restarts"].get(name, -1)
        if t >= st["next"]:
            n += 1
            st["restarts"][name] = n
            st["next"] = t + fail.get("every_s", 0.3)
            logs_for(name, fail.get("log", ""))
            self.event(ns, pod, "BackOff", "Back-off restarting failed container %s in pod %s" % (name, pod_name), "Warning")
        term = {"exitCode": fail.get("exit_code", 1), "reason": "Error"}
        if n >= 0 and not self.failure_seen:
            self.failure_seen = True
            self.milestone("first-failure %s/%s" % (pod_name, name))
        cs["restartCount"] = max(n, 0)
        if n < 1:
            cs["state"] = {"terminated": dict(term)}
            return
        cs["lastState"] = {"terminated": dict(term)}
        cs["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s restarting failed container=%s pod=%s" % (name, pod_name)}}
        if not self.crash_seen:
            self.crash_seen = True
            self.milestone("crash-loop %s/%s" % (pod_name, name))

    def container_status(self, c, **state):
        return {"name": c["name"], "image": c.get("image", ""), "ready": False, "restartCount": 0, "started": False, **state}

    def missing_secret(self, pod, c):
        ns = pod["metadata"].get("namespace", "")
        for e in c.get("env", []) or []:
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref and not ref.get("optional") and self.store.get("", "secrets", ns, ref.get("name", "")) is None:
                return ref["name"]
        for e in c.get("envFrom", []) or []:
            ref = e.get("secretRef")
            if ref and not ref.get("optional") and self.store.get("", "secrets", ns, ref.get("name", "")) is None:
                return ref["name"]
        return None

    def kubelet(self, pod, st, t):
        """Moves one pod along: init containers in order, then containers; writes status on change."""
        s = self.store
        ns = pod["metadata"].get("namespace", "")
        env = self.probe_env(pod)
        if env is not None:
            if pod["status"].get("phase") == "Succeeded" or t - st["start"] < 0.1:
                return
            c = pod["spec"]["containers"][0]
            if "SMOKE_APP" in env:
                log = self.run_smoke(pod, env)
            else:
                word, _, detail = self.run_probe(pod, env).partition(" ")
                log = "PREFLIGHT-PROBE result=%s detail=%s\n" % (word, detail)
            self.store.logs[(ns, pod["metadata"]["name"], c["name"])] = log
            pod["status"] = {"phase": "Succeeded", "podIP": st["ip"],
                             "containerStatuses": [self.container_status(c, state={"terminated": {"exitCode": 0, "reason": "Completed"}})],
                             "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}]}
            s.put("", "pods", pod)
            return
        rule = self.rule(st["workload"])
        spec = pod["spec"]
        inits = spec.get("initContainers", []) or []
        containers = spec.get("containers", []) or []
        old = json.dumps(pod.get("status"), sort_keys=True)
        status = pod.setdefault("status", {})
        ready_after = rule.get("ready_after_s", self.sc.get("ready_after_s", 0.3))
        fail = rule.get("fail") or rule.get("crash")
        pull = rule.get("image_pull")

        def logs_for(cname, text):
            self.store.logs[(ns, pod["metadata"]["name"], cname)] = text

        init_statuses, statuses = [], []
        for i, c in enumerate(inits):
            if i < st["init_index"]:
                init_statuses.append(self.container_status(c, state={"terminated": {"exitCode": 0, "reason": "Completed"}}))
            else:
                init_statuses.append(self.container_status(c, state={"waiting": {"reason": "PodInitializing"}}))
        for c in containers:
            statuses.append(self.container_status(c, state={"waiting": {"reason": "PodInitializing" if inits else "ContainerCreating"}}))

        blocked = False
        if pull and st["init_index"] >= 0:
            all_c = inits + containers
            target = next((x for x in all_c if x["name"] == pull.get("container")), None)
            if target is not None:
                if st["pull_since"] is None:
                    st["pull_since"] = t
                    self.event(ns, pod, "Failed", "Failed to pull image \"%s\": not found" % target.get("image"), "Warning")
                reason = "ErrImagePull" if t - st["pull_since"] < 0.2 else "ImagePullBackOff"
                lst = init_statuses if target in inits else statuses
                idx = (inits if target in inits else containers).index(target)
                lst[idx]["state"] = {"waiting": {"reason": reason, "message": "Back-off pulling image \"%s\"" % target.get("image")}}
                blocked = True

        if not blocked and st["init_index"] < len(inits):
            c = inits[st["init_index"]]
            name = c["name"]
            if fail and fail.get("container") == name:
                blocked = True
                self.fail_cycle(pod, st, init_statuses[st["init_index"]], fail, t, logs_for)
            elif t - st["start"] >= min(ready_after, 0.05 * (st["init_index"] + 1)):
                logs_for(name, self.sc.get("logs", {}).get("%s/%s" % (st["workload"], name), ""))
                on_success = rule.get("on_success")
                if on_success and on_success.get("container") == name and "create_secret" in on_success:
                    sec = on_success["create_secret"]
                    if s.get("", "secrets", ns, sec["name"]) is None:
                        data = {k: base64.b64encode(v.encode()).decode() for k, v in sec.get("data", {}).items()}
                        s.put("", "secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": new_meta(sec["name"], ns),
                                              "type": "Opaque", "data": data})
                init_statuses[st["init_index"]]["state"] = {"terminated": {"exitCode": 0, "reason": "Completed"}}
                st["init_index"] += 1
                blocked = st["init_index"] < len(inits)
            else:
                init_statuses[st["init_index"]]["state"] = {"running": {"startedAt": now_iso()}}
                blocked = True

        all_ready = not blocked
        if not blocked:
            for i, c in enumerate(containers):
                cs = statuses[i]
                name = c["name"]
                missing = self.missing_secret(pod, c)
                if missing:
                    cs["state"] = {"waiting": {"reason": "CreateContainerConfigError", "message": "secret \"%s\" not found" % missing}}
                    if not st.get("config_event_" + missing):
                        st["config_event_" + missing] = True
                        self.event(ns, pod, "Failed", "Error: secret \"%s\" not found" % missing, "Warning")
                    all_ready = False
                    continue
                if fail and fail.get("container") == name:
                    self.fail_cycle(pod, st, cs, fail, t, logs_for)
                    all_ready = False
                    continue
                logs_for(name, self.sc.get("logs", {}).get("%s/%s" % (st["workload"], name), "started\n"))
                if rule.get("never_ready") or t - st["start"] < ready_after:
                    cs["state"] = {"running": {"startedAt": now_iso()}}
                    cs["started"] = True
                    all_ready = False
                else:
                    cs["state"] = {"running": {"startedAt": now_iso()}}
                    cs["ready"] = True
                    cs["started"] = True
        on_ready = rule.get("on_ready")
        if on_ready and all_ready and statuses and "create_secret" in on_ready:
            sec = on_ready["create_secret"]
            if s.get("", "secrets", ns, sec["name"]) is None:
                data = {k: base64.b64encode(v.encode()).decode() for k, v in sec.get("data", {}).items()}
                s.put("", "secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": new_meta(sec["name"], ns), "type": "Opaque", "data": data})
        is_job = spec.get("restartPolicy") in ("OnFailure", "Never")
        running = not blocked and all(cs["state"].get("running") or cs["ready"] for cs in statuses) and statuses
        if is_job and all_ready and statuses:
            status["phase"] = "Succeeded"
            for cs in statuses:
                cs["state"] = {"terminated": {"exitCode": 0, "reason": "Completed"}}
        else:
            status["phase"] = "Running" if running else "Pending"
        status["initContainerStatuses"] = init_statuses
        status["containerStatuses"] = statuses
        ready = bool(statuses) and all(cs["ready"] for cs in statuses)
        status["conditions"] = [{"type": "PodScheduled", "status": "True"},
                                {"type": "Initialized", "status": "True" if st["init_index"] >= len(inits) else "False"},
                                {"type": "ContainersReady", "status": "True" if ready else "False"},
                                {"type": "Ready", "status": "True" if ready else "False"}]
        status["podIP"] = st["ip"]
        if json.dumps(status, sort_keys=True) != old:
            s.put("", "pods", pod)


# ---------------------------------------------------------------- HTTP
PATH_RE = re.compile(r"^/(?:api/(?P<cv>v1)|apis/(?P<g>[^/]+)/(?P<v>[^/]+))"
                     r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<res>[^/]+)(?:/(?P<name>[^/]+))?(?:/(?P<sub>[^/]+))?$")


def status_obj(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": reason, "code": code, "message": message}


def make_handler(store, cluster, args):
    sc = store.scenario

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def record(self):
            with open(os.path.join(args.state_dir, "requests.log"), "a") as f:
                f.write("%s %s\n" % (self.command, self.path))

        def send_json(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def send_text(self, code, text):
            body = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            if self.headers.get("Transfer-Encoding", "") == "chunked":
                out = b""
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def json_body(self):
            """The request body as JSON, or None after answering 415 (protobuf is not simulated)."""
            raw = self.body()
            ctype = self.headers.get("Content-Type", "")
            if "protobuf" in ctype or "cbor" in ctype:
                self.send_json(415, status_obj(415, "UnsupportedMediaType", "the simulator speaks JSON only, not " + ctype))
                return None
            return json.loads(raw or b"{}")

        def pre(self):
            self.record()
            lat = sc.get("latency_ms", 0)
            if lat:
                time.sleep(lat / 1000.0)

        def do_GET(self):
            self.pre()
            u = urllib.parse.urlparse(self.path)
            q = dict(urllib.parse.parse_qsl(u.query))
            p = u.path.rstrip("/")
            if p == "/version":
                minor = str(sc.get("server_version", "1.33")).split(".")[1]
                return self.send_json(200, {"major": "1", "minor": minor, "gitVersion": "v1.%s.0" % minor, "platform": "linux/amd64"})
            if p == "/healthz" or p == "/readyz":
                return self.send_text(200, "ok")
            if p == "/api":
                return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
            if p == "/apis":
                groups = []
                with store.lock:
                    for g, vs in sorted(store.catalogue.group_versions().items()):
                        if g == "":
                            continue
                        gvs = [{"groupVersion": "%s/%s" % (g, v), "version": v} for v in vs]
                        groups.append({"name": g, "versions": gvs, "preferredVersion": gvs[0]})
                return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
            if p == "/openapi/v3":
                with store.lock:
                    paths = {}
                    for g, vs in store.catalogue.group_versions().items():
                        for v in vs:
                            key = "api/v1" if g == "" else "apis/%s/%s" % (g, v)
                            paths[key] = {"serverRelativeURL": "/openapi/v3/%s?hash=%d" % (key, store.rv)}
                return self.send_json(200, {"paths": paths})
            if p.startswith("/openapi/v3/"):
                return self.send_json(200, self.openapi_doc(p[len("/openapi/v3/"):]))
            if p == "/openapi/v2":
                return self.send_json(404, status_obj(404, "NotFound", "the server could not find the requested resource"))
            m = re.match(r"^/(?:api/(v1)|apis/([^/]+)/([^/]+))$", p)
            if m:
                g, v = ("", "v1") if m.group(1) else (m.group(2), m.group(3))
                with store.lock:
                    res = [r for (rg, rv, _), r in store.catalogue.resources.items() if rg == g and rv == v]
                if not res:
                    return self.send_json(404, status_obj(404, "NotFound", "the server could not find the requested resource"))
                res = list(res)
                if g == "" and v == "v1":
                    res.append({"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]})
                return self.send_json(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                            "groupVersion": v if g == "" else "%s/%s" % (g, v), "resources": res})
            m = PATH_RE.match(p)
            if not m:
                return self.send_json(404, status_obj(404, "NotFound", "the server could not find the requested resource"))
            g = "" if m.group("cv") else m.group("g")
            ns, res, name, sub = m.group("ns"), m.group("res"), m.group("name"), m.group("sub")
            if sub == "log":
                return self.pod_log(ns, name, q)
            if name is None:
                if q.get("watch") in ("true", "1"):
                    return self.watch(g, res, ns, q)
                return self.list(g, m.group("v") or "v1", res, ns, q)
            with store.lock:
                obj = store.get(g, res, ns or "", name)
                obj = copy.deepcopy(obj)
            if obj is None:
                return self.send_json(404, status_obj(404, "NotFound", '%s "%s" not found' % (res, name)))
            return self.send_json(200, obj)

        def openapi_doc(self, key):
            key = key.split("?")[0]
            parts = key.split("/")
            g, v = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
            paths = {}
            with store.lock:
                for (rg, rv, plural), r in store.catalogue.resources.items():
                    if rg != g or rv != v:
                        continue
                    prefix = "/api/v1" if g == "" else "/apis/%s/%s" % (g, v)
                    path = prefix + ("/namespaces/{namespace}" if r["namespaced"] else "") + "/%s/{name}" % plural
                    op = {"x-kubernetes-group-version-kind": {"group": g, "version": v, "kind": r["kind"]},
                          "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                                         {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
                                         {"name": "force", "in": "query", "schema": {"type": "boolean"}}],
                          "responses": {"200": {"description": "OK"}}}
                    paths[path] = {"patch": op}
            return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.%s.0" % str(sc.get("server_version", "1.33")).split(".")[1]},
                    "paths": paths, "components": {"schemas": {}}}

        def matches(self, obj, q):
            sel = q.get("labelSelector")
            if sel:
                labels = obj.get("metadata", {}).get("labels", {}) or {}
                for term in sel.split(","):
                    if "!=" in term:
                        k, v = term.split("!=", 1)
                        if labels.get(k) == v:
                            return False
                    elif "=" in term:
                        k, v = term.replace("==", "=").split("=", 1)
                        if labels.get(k) != v:
                            return False
                    elif labels.get(term) is None:
                        return False
            fsel = q.get("fieldSelector")
            if fsel:
                for term in fsel.split(","):
                    if "=" not in term:
                        continue
                    k, v = term.replace("==", "=").split("=", 1)
                    cur = obj
                    for part in k.split("."):
                        cur = cur.get(part) if isinstance(cur, dict) else None
                    if (cur or "") != v:
                        return False
            return True

        def list(self, g, v, res, ns, q):
            with store.lock:
                items = [copy.deepcopy(o) for o in store.list(g, res, ns) if self.matches(o, q)]
                rv = str(store.rv)
                r = store.catalogue.resources.get((g, v, res))
            if r is None:
                return self.send_json(404, status_obj(404, "NotFound", "the server could not find the requested resource"))
            items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            return self.send_json(200, {"kind": r["kind"] + "List", "apiVersion": v if g == "" else "%s/%s" % (g, v),
                                        "metadata": {"resourceVersion": rv}, "items": items})

        def watch(self, g, res, ns, q):
            since = int(q.get("resourceVersion") or 0)
            timeout = min(float(q.get("timeoutSeconds") or 1800), float(sc.get("watch_close_after_s", 1800)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            deadline = time.time() + timeout
            pos = 0
            try:
                while time.time() < deadline and not store.closed:
                    with store.lock:
                        batch = []
                        while pos < len(store.history):
                            rv, hg, hres, hns, etype, obj = store.history[pos]
                            pos += 1
                            if rv > since and hg == g and hres == res and (ns is None or hns == ns) and self.matches(obj, q):
                                batch.append({"type": etype, "object": obj})
                        if not batch:
                            store.lock.wait(0.5)
                    for ev in batch:
                        data = (json.dumps(ev) + "\n").encode()
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def pod_log(self, ns, name, q):
            with store.lock:
                pod = store.get("", "pods", ns, name)
                text = store.logs.get((ns, name, q.get("container", "")))
            if pod is None:
                return self.send_json(404, status_obj(404, "NotFound", 'pods "%s" not found' % name))
            c = q.get("container", "")
            names = [x["name"] for x in (pod["spec"].get("initContainers", []) or []) + pod["spec"].get("containers", [])]
            if c and c not in names:
                return self.send_json(400, status_obj(400, "BadRequest", 'container %s is not valid for pod %s' % (c, name)))
            restarts = {cs["name"]: cs.get("restartCount", 0)
                        for cs in pod["status"].get("initContainerStatuses", []) + pod["status"].get("containerStatuses", [])}
            if q.get("previous") in ("true", "1"):
                if restarts.get(c, 0) == 0:
                    return self.send_json(400, status_obj(400, "BadRequest",
                                                          'previous terminated container "%s" in pod "%s" not found' % (c, name)))
                # A real kubelet, right after a restart, may answer for the instance being
                # replaced with this text instead of its log (seen on the real test cluster).
                with store.lock:
                    served = store.log_gaps.get((ns, name, c), 0)
                    store.log_gaps[(ns, name, c)] = served + 1
                if served < int(store.scenario.get("kubelet_log_gap", 0)):
                    return self.send_text(200, "unable to retrieve container logs for containerd://%064x" % served)
                return self.send_text(200, text or "")
            if text is None:
                return self.send_json(400, status_obj(400, "BadRequest",
                                                      'container "%s" in pod "%s" is waiting to start: PodInitializing' % (c, name)))
            return self.send_text(200, text)

        def do_POST(self):
            self.pre()
            p = urllib.parse.urlparse(self.path).path.rstrip("/")
            m = PATH_RE.match(p)
            if not m or m.group("name") is not None:
                return self.send_json(405, status_obj(405, "MethodNotAllowed", "not supported"))
            g = "" if m.group("cv") else m.group("g")
            obj = self.json_body()
            if obj is None:
                return
            return self.store_object(g, m.group("res"), m.group("ns"), obj, create_only=True)

        def do_PATCH(self):
            self.pre()
            u = urllib.parse.urlparse(self.path)
            m = PATH_RE.match(u.path)
            if not m or m.group("name") is None:
                return self.send_json(405, status_obj(405, "MethodNotAllowed", "not supported"))
            if "apply-patch" not in self.headers.get("Content-Type", ""):
                self.body()
                return self.send_json(415, status_obj(415, "UnsupportedMediaType", "only server-side apply is simulated"))
            obj = self.json_body()
            if obj is None:
                return
            g = "" if m.group("cv") else m.group("g")
            if obj.get("metadata", {}).get("name") != m.group("name"):
                return self.send_json(400, status_obj(400, "BadRequest", "the name of the object does not match the name on the URL"))
            return self.store_object(g, m.group("res"), m.group("ns"), obj, create_only=False)

        def store_object(self, g, res, ns, obj, create_only):
            with store.lock:
                r = next((r for (rg, _, plural), r in store.catalogue.resources.items() if rg == g and plural == res), None)
                if r is None:
                    return self.send_json(404, status_obj(404, "NotFound", "the server could not find the requested resource"))
                if r["namespaced"]:
                    if ns is None:
                        return self.send_json(400, status_obj(400, "BadRequest", "namespace required"))
                    if store.get("", "namespaces", "", ns) is None:
                        return self.send_json(404, status_obj(404, "NotFound", 'namespaces "%s" not found' % ns))
                md = obj.setdefault("metadata", {})
                name = md.get("name")
                existing = store.get(g, res, ns or "", name)
                if existing is not None and create_only:
                    return self.send_json(409, status_obj(409, "AlreadyExists", '%s "%s" already exists' % (res, name)))
                if existing is None:
                    fresh = new_meta(name, ns if r["namespaced"] else None)
                    for k in ("labels", "annotations"):
                        if k in md:
                            fresh[k] = md[k]
                    obj["metadata"] = fresh
                    if res == "namespaces":
                        obj["status"] = {"phase": "Active"}
                    stored = store.put(g, res, obj, "ADDED")
                    code = 201
                else:
                    # Server-side apply by the only manager of these fields (kubectl): the applied
                    # configuration replaces what it applied before, so a field left out of the new
                    # apply is removed; metadata the server owns and status stay.
                    before = json.dumps(existing.get("spec"), sort_keys=True)
                    merged = {k: copy.deepcopy(v) for k, v in obj.items() if k not in ("status", "metadata")}
                    merged["metadata"] = copy.deepcopy(existing["metadata"])
                    for k in ("labels", "annotations"):
                        if k in md:
                            merged["metadata"][k] = copy.deepcopy(md[k])
                    if "status" in existing:
                        merged["status"] = copy.deepcopy(existing["status"])
                    if json.dumps(merged.get("spec"), sort_keys=True) != before:
                        merged["metadata"]["generation"] = merged["metadata"].get("generation", 1) + 1
                    stored = store.put(g, res, merged, "MODIFIED")
                    code = 200
                if res == "customresourcedefinitions":
                    spec = stored.get("spec", {})
                    for ver in spec.get("versions", []):
                        store.catalogue.add(spec["group"], ver["name"], spec["names"]["plural"], spec["names"]["kind"],
                                            spec.get("scope") == "Namespaced")
                    stored["status"] = {"conditions": [{"type": "Established", "status": "True"}]}
                out = copy.deepcopy(stored)
            return self.send_json(code, out)

        def do_DELETE(self):
            self.pre()
            m = PATH_RE.match(urllib.parse.urlparse(self.path).path)
            self.body()
            if not m or m.group("name") is None:
                return self.send_json(405, status_obj(405, "MethodNotAllowed", "not supported"))
            g = "" if m.group("cv") else m.group("g")
            with store.lock:
                obj = store.remove(g, m.group("res"), m.group("ns") or "", m.group("name"))
            if obj is None:
                return self.send_json(404, status_obj(404, "NotFound", '%s "%s" not found' % (m.group("res"), m.group("name"))))
            return self.send_json(200, obj)

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="")
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    scenario = {}
    if args.scenario:
        with open(args.scenario) as f:
            scenario = json.load(f)
    store = Store(scenario, None)
    cluster = Cluster(store, args.state_dir)
    with store.lock:
        for ns in ("default", "kube-system", "kube-public"):
            store.put("", "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": new_meta(ns, None), "status": {"phase": "Active"}})
        for i in range(scenario.get("nodes", 1)):
            node = "sim-control-plane" if i == 0 else "sim-worker%s" % ("" if i == 1 else str(i))
            store.put("", "nodes", {"apiVersion": "v1", "kind": "Node", "metadata": new_meta(node, None),
                                    "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        # What every real API server publishes about itself: the `kubernetes` Service and the
        # EndpointSlice naming its real address (on a multi-node kind cluster often not .2).
        api_addr = scenario.get("apiserver_address", "172.18.0.2")
        store.put("", "services", {"apiVersion": "v1", "kind": "Service", "metadata": new_meta("kubernetes", "default"),
                                   "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}})
        slice_md = new_meta("kubernetes", "default")
        slice_md["labels"] = {"kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io"}
        store.put("discovery.k8s.io", "endpointslices", {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": slice_md,
                                                         "addressType": "IPv4",
                                                         "endpoints": [{"addresses": [api_addr], "conditions": {"ready": True}}],
                                                         "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(store, cluster, args))
    server.daemon_threads = True

    def controllers():
        while not store.closed:
            with store.lock:
                cluster.reconcile()
            time.sleep(0.02)

    threading.Thread(target=controllers, daemon=True).start()

    def stop(*_):
        # A deleted node goes at once: watches are cut, nothing is flushed.
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = os.path.join(args.state_dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, os.path.join(args.state_dir, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
