#!/usr/bin/env python3
"""Writes N workloads, each with its ServiceAccount, Role and RoleBinding (secrets: create, and
get on its own Secret by name) and a required Secret nobody ships; plus a DNS-only egress
policy on all of them, so every check has work. The scale case for the missing-Secret and
RBAC checks and for report size. Usage: gen_secrets.py N OUT_FILE"""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
docs = []
for i in range(n):
    docs.append(f"""apiVersion: v1
kind: ServiceAccount
metadata: {{name: sa{i}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: r{i}}}
rules:
- {{apiGroups: [""], resources: [secrets], verbs: [create]}}
- {{apiGroups: [""], resources: [secrets], resourceNames: [s{i}], verbs: [get]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: rb{i}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r{i}}}
subjects: [{{kind: ServiceAccount, name: sa{i}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: w{i}}}
spec:
  template:
    metadata: {{labels: {{app: w{i}, group: all}}}}
    spec:
      serviceAccountName: sa{i}
      initContainers:
      - {{name: init, image: tool, command: [sh, -c, 'kubectl get secret s{i} || kubectl create secret generic s{i}']}}
      containers:
      - name: main
        image: app
        args: [--upstream=http://w{(i + 1) % n}.default.svc:8080]
        env: [{{name: PASSWORD, valueFrom: {{secretKeyRef: {{name: s{i}, key: p}}}}}}]""")
docs.append("""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dns-only}
spec:
  podSelector: {matchLabels: {group: all}}
  policyTypes: [Egress]
  egress:
  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]""")
open(out, "w").write("\n---\n".join(docs) + "\n")
