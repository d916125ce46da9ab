"""The API resources the simulated server serves (discovery), CRDs added as they are applied."""

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
