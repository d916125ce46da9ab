// A fresh install of the candidate on a throwaway cluster: create, apply, wait, diagnose, clean up.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "preflight/analysis/checks.hpp"
#include "preflight/cluster/provider.hpp"
#include "preflight/health/install_state.hpp"
#include "preflight/probe/plan.hpp"
#include "preflight/probe/smoke.hpp"
#include "preflight/report/report.hpp"

namespace preflight::scenario {

struct InstallOptions {
    std::string ns = "argocd";
    std::string manifests;        // the rendered manifests, applied as they are
    std::string manifests_label;  // "v2.11.1 manifests/install.yaml @ 1a2b3c4"
    std::vector<health::Expected> expected;  // workloads that must become Healthy
    std::vector<std::string> images;         // preloaded into kind when present locally
    std::vector<analysis::CheckResult> static_results;
    std::string static_summary;  // text of the static findings, for the artifacts
    cluster::ClusterSpec spec;
    cluster::Retain retain = cluster::Retain::never;
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // the whole run
    std::chrono::milliseconds apply_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds wait_timeout{std::chrono::minutes(15)};
    double stuck_grace_s = 60;  // ImagePullBackOff, CreateContainerConfigError: decisive after this
    std::string artifacts_dir;  // diagnostics go to <artifacts_dir>/diagnostics
    // Live probes after the wait (whatever its outcome): the enforcement canary, then `probes`.
    bool probes_enabled = true;
    std::vector<probe::Spec> probes;
    std::string probe_image;  // empty: probes are skipped, saying why
    int probe_timeout_s = 5;
    // The smoke Application through Argo CD's API, once the install is Healthy.
    bool smoke_enabled = true;
    std::optional<probe::SmokeTarget> smoke_target;  // nullopt: no API server in the manifests
    probe::SmokeOptions smoke;
    std::function<std::int64_t()> now_ms;  // wall clock for the report
};

// Runs the whole install on `provider`, filling suites "cluster", "install" and "cleanup" of
// `run`. Every outcome (passed, failed, error, interrupted) is in the report; the cluster is
// destroyed unless retained, and whatever could not be removed is named in run.notices.
void install_fresh(proc::Runner& runner, cluster::ClusterProvider& provider, const InstallOptions& options, report::Run& run);

}  // namespace preflight::scenario
