"""What a connection from a pod does: the scenario's "network" rules (first match wins), and the
facts a client meets behind a Service (its Ready pods, the password Redis was started with)."""
import base64


class Network:
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
