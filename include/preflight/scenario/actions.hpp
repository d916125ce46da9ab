// The actions a scenario step runs, one function each over the session's ActionContext: each
// writes its cases ("<step>: ...") and returns its verdict. The scenario format names them
// (install, wait, probes, smoke, diagnostics; docs/scenarios.md).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "preflight/probe/live.hpp"
#include "preflight/scenario/action_context.hpp"
#include "preflight/scenario/scenario.hpp"

namespace preflight::scenario {

// Applies `r` (the namespace first, once; its Helm pre- hooks before and post- hooks after, as
// helm install, or helm upgrade when a release was installed earlier in the session), then
// waits as `wait` does.
Verdict install(ActionContext& ctx, const Release& r, std::chrono::milliseconds wait_timeout, bool forced_rollback);
// The Helm hooks of `r` for `event` (pre-install, post-install, pre-upgrade, post-upgrade), as
// helm runs them: by weight, each weight applied together, Jobs and Pods waited for until they
// complete (within `timeout`), before-hook-creation / hook-succeeded / hook-failed honoured; one
// case per hook; the first failure stops them (as helm does).
Verdict hooks(ActionContext& ctx, const Release& r, const std::string& event, std::chrono::milliseconds timeout);
// The decisive line of a stuck container's own log (its previous run first when it restarted),
// asked again once when the runtime has not made it available yet; "" when there is none.
std::string decisive_log_line(ActionContext& ctx, kube::Kubectl& k, const health::StuckPod& stuck);
// Waits until every expected workload of `r` is Healthy or a decisive failure is explained
// (root cause: the decisive container's log line joined to the static finding); one case per
// workload. `forced_rollback`: StatefulSet pods stuck on an old revision are deleted once.
Verdict wait(ActionContext& ctx, const Release& r, std::chrono::milliseconds limit, bool forced_rollback);
// The enforcement canary (once per session), then every probe of `r` in one batch.
Verdict probes(ActionContext& ctx, const Release& r, std::chrono::milliseconds deadline);
// Logs in to the Argo CD API, creates the smoke Application, waits for it Synced and Healthy.
Verdict smoke_create(ActionContext& ctx, const Release& r, std::optional<std::chrono::milliseconds> timeout);
// The Application made earlier must still be Synced and Healthy.
Verdict smoke_verify(ActionContext& ctx);
// Events, objects, describe of stuck pods, every container's logs, cluster logs, the manifests
// and static findings into <artifacts>/diagnostics/<step>/, listed in index.txt. Best effort,
// never silent: what could not be written makes the case skipped, saying so.
Verdict diagnostics(ActionContext& ctx, const std::string& step);

// One probe's verdict (pure): the probe's case and, when static analysis and the cluster
// disagree about it, a second case saying which way. Names are the caller's.
struct ProbeJudgement {
    report::Case probe;
    std::optional<report::Case> disagreement;
};
// `batch` holds every outcome of the same batch (a refusal counts as a block only with a
// witness: another probe that reached the same host and port); `backend_ready`: whether the
// workload serving the probe's host was Healthy when the wait ended.
ProbeJudgement judge_probe(const probe::Attempt& out, const std::vector<probe::Attempt>& batch, const Enforcement& enforcement,
                           bool backend_ready);

// The probes an install starts right after apply (early verdict): every need the static
// analysis says is blocked (expected reachable, predicted blocked), and for each host and port
// among them one probe the analysis says is allowed there, the witness a refusal needs.
std::vector<probe::Spec> early_probes(const std::vector<probe::Spec>& planned);
// What a probe observed, as reports say it: "blocked (refused: second attempt ...)".
std::string observed_text(const probe::Reading& r);
// Whether `w` is Healthy in `snapshot`; true when the snapshot does not have it (nothing known
// against it).
bool workload_ready(const std::vector<model::Value>& snapshot, const model::WorkloadId& w);
// The canary's case (once per session) and what it learned, into the context's state.
void record_canary(ActionContext& ctx, const Result<probe::Canary>& canary, std::int64_t started);
// Static and live agree that `a`'s identity cannot reach what it needs: the static analysis
// predicted the block, the cluster is known to enforce, the probe observed blocked - a refusal
// only where the enforcer rejects and a witness reached the same host and port - and nothing
// else explains it (a backend not Ready). Only then may an install be decided early.
bool agrees_blocked(const probe::Attempt& a, const std::vector<probe::Attempt>& batch, const Enforcement& enforcement, bool backend_ready);

// The steps of `scenario`: try until an action fails, catch on failure, finally always;
// cleanup actions of every started step last in, first out after the last step. `ready`:
// whether the cluster was set up (otherwise every step is skipped, saying why).
void run_steps(ActionContext& ctx, const Scenario& scenario, const Release& candidate, const Release* baseline, bool ready);

}  // namespace preflight::scenario
