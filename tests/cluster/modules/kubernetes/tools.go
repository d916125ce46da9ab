//go:build tools

// Package tools pins the Kubernetes programs the real test cluster runs: `go build
// k8s.io/kubernetes/cmd/<name>` in this module builds each at the version go.mod requires
// (the staging modules replaced by their published versions, as k8s.io/kubernetes requires
// v0.0.0 of each).
package tools

import (
	_ "k8s.io/kubectl/pkg/cmd"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-proxy/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubelet/app"
)
