// Running probes on a cluster: shadow pods applied in one batch, watched to completion, read.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "preflight/kube/kubectl.hpp"
#include "preflight/probe/plan.hpp"

namespace preflight::probe {

struct LiveOptions {
    std::string ns;
    std::string image;
    int connect_timeout_s = 5;
    std::chrono::milliseconds deadline{std::chrono::seconds(120)};  // for one batch
};

// One probe as it ran: what it tried, what it read, in which pod.
struct Attempt {
    Spec spec;
    Reading reading;
    std::string pod;
};

// Creates the owner ConfigMap (idempotent) and returns its name and uid.
Result<Owner> ensure_owner(kube::Kubectl& kubectl, const std::string& ns, std::chrono::milliseconds timeout);
// Runs `specs` as shadow pods named preflight-<batch>-<i>: one apply, one watch, one `logs` per
// pod. A pod that cannot start (e.g. its image cannot be pulled) is not_run with the reason.
// Error only when kubectl itself fails.
Result<std::vector<Attempt>> run_batch(kube::Kubectl& kubectl, const std::vector<Spec>& specs, const LiveOptions& options,
                                       const std::string& batch, const Owner& owner);

struct Canary {
    enum class Verdict { enforced, not_enforced, inconclusive } verdict = Verdict::inconclusive;
    std::string message;
    std::vector<Attempt> probes;  // without the policy, then with it
    // How this cluster's enforcer showed the block ("timeout" when it drops, "refused" when it
    // rejects, as kube-router does): a refusal proves a block only where a rejecting enforcer
    // is known and something is shown to listen.
    std::string blocked_as;
};
// A listener, a probe that must reach it, a deny-all-ingress policy, a probe that must not.
Result<Canary> run_canary(kube::Kubectl& kubectl, const LiveOptions& options, const Owner& owner);

// Applies the pod `manifest` named `pod`, waits for it to finish within `deadline`, and returns
// the log of `container`; Error::infrastructure with the reason when it could not run.
Result<std::string> run_to_completion(kube::Kubectl& kubectl, const std::string& ns, const std::string& manifest, const std::string& pod,
                                      const std::string& container, std::chrono::milliseconds deadline);

// Deletes the owner, and with it every probe object.
Result<void> remove_owner(kube::Kubectl& kubectl, const std::string& ns, std::chrono::milliseconds timeout);

inline constexpr const char* k_owner_name = "argocd-preflight-probes";

}  // namespace preflight::probe
