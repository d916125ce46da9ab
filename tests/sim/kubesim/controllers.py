"""Workload controllers: Deployments (through ReplicaSets, rolling), StatefulSets (OrderedReady,
highest ordinal first, a never-Ready pod waited for forever), DaemonSets, Jobs; their status as
the real controllers write it; events; milestones for the benchmarks."""
import copy
import hashlib
import json
import os
import random
import time

from .store import new_meta, now_iso

WORKLOAD_KINDS = (("Deployment", "deployments", "apps"), ("StatefulSet", "statefulsets", "apps"),
                  ("DaemonSet", "daemonsets", "apps"), ("Job", "jobs", "batch"))


def is_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod.get("status", {}).get("conditions", []))


def revision_of(pod):
    return (pod["metadata"].get("labels") or {}).get("controller-revision-hash")


class Controllers:
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
        for kind, plural, group in WORKLOAD_KINDS:
            for w in list(s.list(group, plural, None)):
                self.reconcile_workload(kind, plural, group, w, t)
        for (ns, name), st in list(self.pods.items()):
            pod = s.get("", "pods", ns, name)
            if pod is None:
                del self.pods[(ns, name)]
                continue
            self.kubelet(pod, st, t)
        ready = bool(self.pods) and all(is_ready(s.get("", "pods", ns, name)) for (ns, name) in self.pods)
        if ready and not self.all_ready:
            self.milestone("all-ready")
        self.all_ready = ready

    def owned_by(self, ns, owner):
        return [p for p in self.store.list("", "pods", ns)
                if any(r.get("uid") == owner["metadata"]["uid"] for r in p["metadata"].get("ownerReferences", []))]

    def deployment_replica_set(self, w, ns, want, tmpl_hash):
        """The ReplicaSet of the current template (created when new), and the pods of the older
        ones: a rolling update (maxUnavailable 0 for small replica counts) keeps them until the
        new ones are all Ready."""
        s, md, spec = self.store, w["metadata"], w.get("spec", {})
        rs_name = "%s-%s" % (md["name"], tmpl_hash)
        rs = s.get("apps", "replicasets", ns, rs_name)
        if rs is None:
            labels = dict(spec.get("template", {}).get("metadata", {}).get("labels", {}))
            rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": new_meta(rs_name, ns, labels, w),
                  "spec": {"replicas": want, "template": spec.get("template", {})}, "status": {"replicas": 0}}
            s.put("apps", "replicasets", rs)
            self.event(ns, w, "ScalingReplicaSet", "Scaled up replica set %s to %d" % (rs_name, want))
        old_pods = []
        for r in s.list("apps", "replicasets", ns):
            if r["metadata"]["name"] != rs_name and any(o.get("uid") == md["uid"] for o in r["metadata"].get("ownerReferences", [])):
                old_pods += self.owned_by(ns, r)
        return rs, old_pods

    def replace_stale(self, kind, w, ns, owned, revision):
        """DaemonSet pods of an older template go at once (simpler than one by one). A StatefulSet
        rolls as the real controller does with OrderedReady: one pod at a time, highest ordinal
        first, and only while every pod is Ready - a pod that never became Ready is waited for
        forever, never replaced (Kubernetes' "forced rollback" limitation)."""
        stale = [p for p in owned if revision_of(p) != revision]
        if kind == "DaemonSet":
            for p in stale:
                self.store.remove("", "pods", ns, p["metadata"]["name"])
        elif kind == "StatefulSet" and stale:
            if all(is_ready(p) for p in owned) or w.get("spec", {}).get("podManagementPolicy") == "Parallel":
                ordinal = lambda p: int(p["metadata"]["name"].rsplit("-", 1)[1])
                self.store.remove("", "pods", ns, max(stale, key=ordinal)["metadata"]["name"])

    def create_pod(self, kind, w, ns, owner, owned, want, revision, t):
        md, tmpl = w["metadata"], w.get("spec", {}).get("template", {})
        if kind == "StatefulSet":
            taken = {p["metadata"]["name"] for p in owned}
            pod_name = next("%s-%d" % (md["name"], k) for k in range(want + 1) if "%s-%d" % (md["name"], k) not in taken)
        else:
            pod_name = "%s-%s" % (owner["metadata"]["name"], "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5)))
        labels = dict(tmpl.get("metadata", {}).get("labels") or {})
        if kind in ("StatefulSet", "DaemonSet"):
            labels["controller-revision-hash"] = revision
        if kind == "Job":  # as the Job controller labels its pods
            labels["job-name"] = md["name"]
            labels["batch.kubernetes.io/job-name"] = md["name"]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": new_meta(pod_name, ns, labels, owner),
               "spec": copy.deepcopy(tmpl.get("spec", {})),
               "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}}
        pod["spec"].setdefault("restartPolicy", "OnFailure" if kind == "Job" else "Always")
        pod["spec"]["nodeName"] = "sim-worker" if self.sc.get("nodes", 1) > 1 else "sim-control-plane"
        self.store.put("", "pods", pod)
        self.track(ns, pod_name, md["name"], t)
        self.event(ns, pod, "Scheduled", "Successfully assigned %s/%s to %s" % (ns, pod_name, pod["spec"]["nodeName"]))
        return pod

    def reconcile_workload(self, kind, plural, group, w, t):
        md, spec = w["metadata"], w.get("spec", {})
        ns = md.get("namespace", "")
        want = spec.get("replicas", 1) if kind in ("Deployment", "StatefulSet") else (self.sc.get("nodes", 1) if kind == "DaemonSet" else 1)
        tmpl_hash = hashlib.sha1(json.dumps(spec.get("template", {}), sort_keys=True).encode()).hexdigest()[:10]
        owner, old_pods = (self.deployment_replica_set(w, ns, want, tmpl_hash) if kind == "Deployment" else (w, []))
        revision = md["name"] + "-" + tmpl_hash  # the label value Kubernetes puts on the pods
        self.replace_stale(kind, w, ns, self.owned_by(ns, owner), revision)
        owned = self.owned_by(ns, owner)
        stale = [p for p in owned if revision_of(p) != revision]
        for _ in range(len(owned), want):
            owned.append(self.create_pod(kind, w, ns, owner, owned, want, revision, t))
        new_ready = sum(1 for p in owned if is_ready(p))
        if old_pods and new_ready >= want:
            for p in old_pods:
                self.store.remove("", "pods", ns, p["metadata"]["name"])
            old_pods = []
        ready = new_ready + sum(1 for p in old_pods if is_ready(p))
        status = self.workload_status(kind, md.get("generation", 1), want, owned, old_pods, stale, ready, revision)
        if w.get("status") != status:
            w["status"] = status
            self.store.put(group, plural, w)

    @staticmethod
    def workload_status(kind, gen, want, owned, old_pods, stale, ready, revision):
        """The status each controller writes, with the fields Argo CD's health rules read."""
        updated, everything = len(owned), owned + old_pods
        if kind == "Deployment":
            return {"observedGeneration": gen, "replicas": len(everything), "updatedReplicas": updated,
                    "readyReplicas": ready, "availableReplicas": ready, "unavailableReplicas": max(0, want - ready),
                    "conditions": [{"type": "Available", "status": "True" if ready >= want else "False"},
                                   {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}]}
        if kind == "StatefulSet":
            current = revision_of(stale[0]) if stale else revision
            return {"observedGeneration": gen, "replicas": len(everything), "readyReplicas": ready,
                    "currentReplicas": len(stale) if stale else len(everything),
                    "updatedReplicas": len(everything) - len(stale), "availableReplicas": ready,
                    "currentRevision": current, "updateRevision": revision}
        if kind == "DaemonSet":
            return {"observedGeneration": gen, "desiredNumberScheduled": want, "currentNumberScheduled": len(everything),
                    "updatedNumberScheduled": len(everything), "numberReady": ready, "numberAvailable": ready}
        done = any(p.get("status", {}).get("phase") == "Succeeded" for p in everything)
        status = {"active": 0 if done else len(everything)}
        if done:
            status["conditions"] = [{"type": "Complete", "status": "True"}]
            status["succeeded"] = 1
        return status

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
