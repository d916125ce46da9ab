// Running a scenario on a throwaway cluster: create it, run the steps (try / catch / finally,
// cleanup last in, first out) over install, wait, probes, smoke and diagnostics actions, then
// delete it — on success, failure, timeout and signals alike.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "preflight/pipeline/release.hpp"
#include "preflight/cluster/provider.hpp"
#include "preflight/health/install_state.hpp"
#include "preflight/probe/plan.hpp"
#include "preflight/probe/smoke.hpp"
#include "preflight/report/report.hpp"
#include "preflight/scenario/scenario.hpp"

namespace preflight {
class Redactor;
}

namespace preflight::scenario {

// A release as an install action applies it (built by the pipeline from the static stage).
using Release = pipeline::Release;
using Hook = pipeline::Hook;

struct SessionOptions {
    std::string ns = "argocd";
    cluster::ClusterSpec spec;
    cluster::Retain retain = cluster::Retain::never;
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // the whole run
    std::chrono::milliseconds apply_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds wait_timeout{std::chrono::minutes(15)};  // per install/wait action
    double stuck_grace_s = 60;
    double healthy_for_s = 5;   // Healthy counts once it has held this long with no container stuck or restarting  // a crash (from its first failure), ImagePullBackOff, CreateContainerConfigError: decisive after this
    std::string artifacts_dir;  // diagnostics go to <artifacts_dir>/diagnostics/<step>
    bool probes_enabled = true;
    // The probes of needs the static analysis says are blocked start right after apply; when the
    // cluster enforces and such a probe observes the block, the install is decided then.
    bool early_verdict = true;
    int probe_timeout_s = 5;
    bool smoke_enabled = true;
    probe::SmokeOptions smoke;
    std::function<std::int64_t()> now_ms;  // wall clock for the report
    // Called once the cluster exists with the API server's real endpoint ("IP:PORT", from the
    // EndpointSlice default/kubernetes), before anything is installed: the static findings are
    // re-checked with it. Returns a line for the report, or an error.
    std::function<Result<std::string>(const std::string& endpoint)> on_apiserver_endpoint;
    // Called once the cluster exists with its Kubernetes version (the server's gitVersion),
    // before anything is installed: the API versions are checked against it (PF006). Returns a
    // line for the report, or an error.
    std::function<Result<std::string>(const std::string& server_version)> on_server_version;
};

// Runs `scenario` with `candidate` (and `baseline`, required when the scenario installs it) on
// `provider`. Fills suites "cluster", "scenario <name>" (one case per step, and one per
// action result, named "<step>: ..."), "diagnostics" and "cleanup" of `run`. Whatever happens,
// the cluster is destroyed unless retained, and what could not be removed is named in notices.
// Secrets the run learns (the admin password) are registered with `redactor`, the one every
// writer of this run masks with.
// Returns whether the candidate was proven: installed (or waited for) until Healthy by some
// action. A scenario that never does so may pass, but pins nothing.
struct SessionResult {
    bool candidate_proven = false;
};
SessionResult run_scenario(proc::Runner& runner, cluster::ClusterProvider& provider, const Scenario& scenario, const Release& candidate,
                           const Release* baseline, const SessionOptions& options, report::Run& run, Redactor& redactor);

}  // namespace preflight::scenario
