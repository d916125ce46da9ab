// The smoke Application: through Argo CD's own API (login with the initial admin secret,
// create an Application, wait for Synced and Healthy), from a pod inside the cluster.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/model/views.hpp"
#include "preflight/probe/plan.hpp"

namespace preflight::probe {

// Where Argo CD's API is: the workload running the argocd-server binary, its image (which
// carries the argocd CLI) and the Service in front of it.
struct SmokeTarget {
    std::string ns;
    std::string image;
    std::string service;  // "argocd-server"
    std::int64_t port = 443;
};
// nullopt when the manifests run no API server (core-install).
std::optional<SmokeTarget> find_smoke_target(const model::Inventory& inv);

struct SmokeOptions {
    std::string app = "preflight-smoke";
    std::string repo = "https://github.com/argoproj/argocd-example-apps";
    std::string path = "guestbook";
    std::string revision = "HEAD";
    std::string dest_ns = "preflight-smoke";
    std::string admin_secret = "argocd-initial-admin-secret";  // key: password
    int timeout_s = 300;
};

std::string smoke_pod_manifest(const SmokeTarget& target, const SmokeOptions& options, const std::string& pod_name, const Owner& owner);
const std::string& smoke_script();

struct SmokeStep {
    std::string step;  // login, create, wait
    bool ok = false;
    std::string detail;
};
// The PREFLIGHT-SMOKE lines of `log`, in order.
std::vector<SmokeStep> parse_smoke(std::string_view log);

}  // namespace preflight::probe
