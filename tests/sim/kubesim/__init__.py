"""A simulated Kubernetes API server on loopback, for the integration tests.

The real kubectl talks to it as to a cluster: version, discovery (plain, not aggregated),
OpenAPI v3 (enough for kubectl's field-validation check), list, get, watch, create,
server-side apply, delete, pod logs, events. Controllers turn workloads into pods and pods
into statuses. What the cluster does is scripted by a scenario file (JSON): how long pods
take to become ready, which container fails and with which log line, which image cannot be
pulled, which Secret a succeeding container creates, how slowly the API answers. Nothing in
here knows what argocd-preflight is expected to conclude.

By concept: catalogue (discovery), store (objects, watch history, garbage collection), api (HTTP),
controllers (workloads into pods), kubelet (pods into statuses), network (what a connection does),
pod_exec (probe and smoke pods run their real scripts), scenario (loading, seeding).
"""
