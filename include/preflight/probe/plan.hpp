// Live NetworkPolicy probes: which connections to try, from which identity, and what they mean.
// Pure: manifests of shadow pods in, probe outputs parsed out.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/analysis/checks.hpp"
#include "preflight/model/workload_id.hpp"

namespace preflight::probe {

enum class Kind { tcp, redis, dns };
enum class Expect { reachable, blocked };
const char* to_string(Kind k);

// One probe: a short-lived pod carrying the labels and service account of `identity`, so the
// same NetworkPolicies select it, trying one connection.
struct Spec {
    std::string name;   // "redis: Deployment/argocd-server -> argocd-redis:6379"
    analysis::CheckId check = analysis::CheckId::redis_reachable;  // the static check it mirrors, or redis_isolation / enforcement_canary
    Kind kind = Kind::tcp;
    Expect expect = Expect::reachable;
    std::string identity;  // "Deployment/argocd-server", or "outsider"
    std::optional<model::WorkloadId> source;  // the workload whose identity it borrows (none: outsider, canary)
    std::string ns;
    model::Labels labels;
    std::string service_account = "default";
    std::string host;  // dialled as written (a Service name, or a pod IP for the canary)
    std::int64_t port = 0;
    std::optional<model::SecretKeyRef> auth;  // redis: password via secretKeyRef, never in argv
    bool predicted_allowed = true;            // what static analysis says
    // The workload that serves `host` (Redis probes): when it is not Ready, nothing answers
    // there and a failed connection says nothing about the policies.
    std::optional<model::WorkloadId> backend;
};

// Labels that mark every object a probe run creates (and never match a workload selector).
inline constexpr const char* k_probe_label = "argocd-preflight.io/probe";

// Probes for every connection the static analysis found a workload needs (API server from every
// API client, init containers included; Redis from every client; DNS from restricted
// identities), plus, for each Redis Service whose backends restrict ingress, one from an
// identity no policy admits, expected blocked. Duplicates (same identity and target) merged.
std::vector<Spec> plan(const analysis::Engine& engine, const analysis::Analysis& analysis);

// The image probes run in, chosen by what it can do: a Redis image the manifests already pull
// (the repository named `redis`: it carries redis-cli and a busybox or Debian shell), else
// k_default_probe_image. Never the image that merely listens on the Redis port (HAProxy in
// the HA flavour has no redis-cli). `--probe-image` overrides it.
std::string default_image(const analysis::Engine& engine, const analysis::Analysis& analysis);
inline constexpr const char* k_default_probe_image = "redis:7.0.15-alpine";

// The owner every probe object points at (a ConfigMap the run creates): deleting it removes
// them all, and no ReplicaSet or StatefulSet adopts a pod that already has a controller.
struct Owner {
    std::string name, uid;
};

// JSON manifest of the shadow pod for `spec`. The connection timeout is `timeout_s`; `batch`
// labels the pods of one run_batch (their logs are read with one kubectl call).
std::string pod_manifest(const Spec& spec, const std::string& pod_name, const std::string& image, int timeout_s, const Owner& owner,
                         const std::string& batch = "");
inline constexpr const char* k_batch_label = "argocd-preflight.io/batch";
// The POSIX sh script a probe pod runs; it prints one line "PREFLIGHT-PROBE result=R detail=D".
const std::string& script();

// unresolved: the name the probe dials did not resolve (or DNS was unreachable): no verdict on
// the connection itself, so it never confirms an expected block.
enum class Observed { reachable, blocked, auth_failed, unresolved, not_run };

// How a client's failure reads, from its error text (glibc, musl, busybox, hiredis).
enum class Failure { refused, timed_out, unreachable, reset, auth, name_unknown, resolver_unreachable, unknown };
Failure classify_failure(std::string_view text);
const char* to_string(Observed o);
struct Reading {
    Observed observed = Observed::not_run;
    std::string result;  // the script's word: pong, connected, resolved, timeout, refused, ...
    std::string detail;
    bool refused() const { return result == "refused"; }  // the peer (or a rejecting enforcer) refused
};
// Reads the last PREFLIGHT-PROBE line of `log`; not_run with the log's tail when there is none.
Reading parse_output(std::string_view log);

// The enforcement canary: a listener pod and a deny-all-ingress policy selecting it.
inline constexpr std::int64_t k_canary_port = 7777;
std::string canary_server_manifest(const std::string& ns, const std::string& image, const Owner& owner);
std::string canary_policy_manifest(const std::string& ns, const Owner& owner);
Spec canary_client(const std::string& ns, const std::string& server_ip, Expect expect);

}  // namespace preflight::probe
