// Static checks over the manifests and the NetworkPolicy engine: what will fail on a cluster.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "preflight/analysis/engine.hpp"
#include "preflight/model/views.hpp"
#include "preflight/model/workload_id.hpp"

namespace preflight::analysis {

enum class Severity { error, warning };

// Every check the tool makes, static and live. Its text ("api-server-reachable") names it in
// reports (case names, the "static.<check>" class); code compares the enum, never the text.
enum class CheckId {
    api_server_reachable,
    runtime_secret_created,
    redis_reachable,
    dns_reachable,
    baseline_regression,
    api_version_served,
    api_token_mounted,   // PF007: an API client has a service-account token to authenticate with
    pod_spec_valid,      // PF008: the pod template passes the API server's validation
    redis_isolation,     // live only: an identity no policy admits must not reach Redis
    enforcement_canary,  // live only: does the cluster enforce NetworkPolicy at all
};
const char* to_string(CheckId c);

struct Finding {
    std::string id;       // "PF001"
    Severity severity = Severity::error;
    std::string title;    // one line
    std::string explanation;
    std::string remediation;
    std::vector<std::string> locations;  // "Kind/name (file:line)"
    std::vector<model::SourceRef> sites;  // the same places, structured (first: the subject)
    // One line naming what blocks the connection ("cache-policy allows egress only
    // 53/UDP, 53/TCP"), for root-cause messages that join it to live evidence; may be empty.
    std::string blocked_by;
    std::vector<std::string> containers;  // containers of the subject the finding is about
};

// One evaluated check for one subject: becomes one report case.
struct CheckResult {
    CheckId check = CheckId::api_server_reachable;
    std::string subject;  // "Deployment/argocd-redis", "Secret/argocd-redis", "Deployment/x -> Service/y"
    bool passed = true;
    std::string message;  // one line
    std::optional<Finding> finding;  // set when not passed, or for a warning
    std::optional<model::WorkloadId> workload;  // the workload the subject is about, when it is one
};

// A connection some workload needs, derived from the manifests.
struct Need {
    std::size_t src = 0, dst = 0;  // endpoint indices
    Protocol protocol = Protocol::tcp;
    std::int64_t port = 0;
    std::string why;
    CheckId check = CheckId::api_server_reachable;
    Severity level = Severity::error;  // warning: inferred from a token and RBAC only
    bool allowed = true;  // the static verdict: the policies allow it
    // What a live probe dials for this need: the Service (host "name.ns.svc") and its port, or
    // the API server's Service port; for Redis the Secret key the client authenticates with.
    std::string service_name, service_ns;
    std::int64_t service_port = 0;
    std::optional<model::SecretKeyRef> auth;
};

struct Analysis {
    std::vector<CheckResult> results;
    std::vector<Need> requirements;
    std::vector<std::string> assumptions;  // printed with every report
    // Policy objects the verdict does not model ("CiliumNetworkPolicy/x (file:line)"): a warning
    // on every report, since a connection they block would pass this gate.
    std::vector<std::string> ignored;
};

// Runs every check. `baseline` (optional) adds the comparison against a previous release.
Analysis analyze(const model::Inventory& inv, const Engine& engine, const ModelConfig& config,
                 const model::Inventory* baseline_inv = nullptr, const Engine* baseline = nullptr);

// Check ids and names, for docs and reports.
struct CheckInfo {
    const char* id;
    const char* name;
    const char* summary;
};
const std::vector<CheckInfo>& check_catalog();

}  // namespace preflight::analysis
