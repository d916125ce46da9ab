#!/usr/bin/env python3
"""Writes a synthetic namespace of N Deployments and N NetworkPolicies (each policy selects one
app, admits two others on a few ports, and restricts egress), plus one policy with P ports.
Usage: gen_scale.py N OUT_FILE [PORTS]"""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
ports = int(sys.argv[3]) if len(sys.argv) > 3 else 0
docs = []
for i in range(n):
    docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: app{i}}}
spec:
  selector: {{matchLabels: {{app: app{i}}}}}
  template:
    metadata: {{labels: {{app: app{i}, tier: t{i % 7}}}}}
    spec:
      containers:
      - {{name: main, image: registry.example/app:1, ports: [{{name: http, containerPort: 8080}}]}}""")
    docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p{i}}}
spec:
  podSelector: {{matchLabels: {{app: app{i}}}}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{{podSelector: {{matchLabels: {{app: app{(i + 1) % n}}}}}}}, {{podSelector: {{matchLabels: {{tier: t{i % 7}}}}}}}]
    ports: [{{port: 8080}}, {{port: http}}, {{port: 9000, endPort: 9010}}]
  egress:
  - to: [{{podSelector: {{matchLabels: {{app: app{(i + 2) % n}}}}}}}]
  - ports: [{{port: 53, protocol: UDP}}]""")
if ports:
    plist = ", ".join("{port: %d}" % (1 + 2 * k) for k in range(ports))
    docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: many-ports}}
spec:
  podSelector: {{matchLabels: {{app: app0}}}}
  policyTypes: [Ingress]
  ingress:
  - ports: [{plist}]""")
open(out, "w").write("\n---\n".join(docs) + "\n")
