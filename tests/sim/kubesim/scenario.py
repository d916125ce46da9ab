"""The scenario: what the simulated cluster does, scripted per test.

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
                                     # "after_s": the container runs (Ready) this long before it fails
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

Containers that carry PROBE_KIND/PROBE_HOST/PROBE_PORT (probes) or SMOKE_APP (the smoke test) in
their env run their real command (the tool's own script) under sh, with fake redis-cli, getent and
argocd (kubesim/fakebin) that behave as "network" and "smoke" decide: the simulator decides what a
connection does, never what the tool's script prints. A redis probe answers PONG only when its
REDISCLI_AUTH came from an existing Secret and matches the password Redis was started with.
"""
import json

from .store import new_meta


def load(path):
    if not path:
        return {}
    with open(path) as f:
        return json.load(f)


def seed(store, scenario):
    """What every cluster has before anything is applied: namespaces, nodes, the API server's own
    Service and EndpointSlice."""
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
