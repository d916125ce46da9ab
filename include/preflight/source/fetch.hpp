// revision -> manifests: a ref of an Argo CD git source resolved to its commit (and release
// tag), the flavour's manifests read at exactly that commit, or the team's own rendered
// manifests. The first stage of the data flow; `resolve` and `run` share it.
#pragma once
#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "preflight/proc/runner.hpp"
#include "preflight/revision/resolve.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::source {

// Validates `ref` and `source`, registers the source's credentials with `redactor`, and resolves
// the ref with `git ls-remote`. A commit id no ref points at is fetched to prove it exists when
// `verify_unlisted_commit` (a caller that fetches it next anyway passes false).
Result<revision::Resolved> resolve(proc::Runner& runner, const std::string& source, const std::string& ref, std::chrono::seconds timeout,
                                   Redactor& redactor, bool verify_unlisted_commit = true);

struct Fetched {
    std::vector<SourceText> sources;  // what is analysed (and applied)
    std::string label;                // "v2.11.1 manifests/install.yaml @ 1a2b3c4d5e6f", or the path
    // A namespace-scoped flavour carries no CRDs: the same release's manifests/crds/*-crd.yaml
    // at the same commit (empty for other flavours and for rendered manifests).
    std::string crds, crds_label;
    std::string pin;  // what a passing run tells the pipeline to pin: the tag, else the commit; empty for paths
    // A chart candidate: `pin` is the chart's exact version, `pin_chart` its name and
    // `pin_repo` its repository (empty for a local chart). Empty for git and path candidates.
    std::string pin_chart, pin_repo;
    // A chart whose kubeVersion (`chart_kube_version`) excludes the requested Kubernetes version:
    // helm's refusal, and the rendering is then for helm's default version (PF006 reports it).
    std::string chart_kube_version, kube_version_refused;
};

// The flavour's manifests at `resolved.commit`, fetched into a scratch repository removed after.
Result<Fetched> at_commit(proc::Runner& runner, const revision::Resolved& resolved, const std::string& flavour, std::chrono::seconds timeout);

// FILE|DIR as they are (- for stdin), or a kustomization rendered by `kubectl kustomize`.
Result<Fetched> from_path(proc::Runner& runner, const std::string& path, std::istream& in, std::chrono::seconds timeout);

}  // namespace preflight::source
