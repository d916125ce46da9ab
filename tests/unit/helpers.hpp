// Test helpers: manifests from inline YAML into an inventory and an engine.
#pragma once
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "preflight/analysis/checks.hpp"
#include "preflight/analysis/engine.hpp"
#include "preflight/model/manifest.hpp"

namespace test {

struct World {
    std::vector<preflight::model::Object> objects;
    preflight::model::Inventory inv;
    std::unique_ptr<preflight::analysis::Engine> engine;
    preflight::analysis::ModelConfig config;
    std::vector<preflight::analysis::Problem> problems;

    const preflight::analysis::Endpoint& ep(const std::string& id) const {
        for (const auto& e : engine->endpoints().all)
            if (e.id() == id) return e;
        FAIL("no endpoint " << id);
        throw std::logic_error("unreachable");
    }
    std::string conn(const std::string& src, const std::string& dst) const {
        return engine->allowed(ep(src), ep(dst)).str();
    }
    const preflight::analysis::Endpoint& api() const { return engine->endpoints().all[engine->endpoints().api_server]; }
    const preflight::analysis::Endpoint& dns() const { return engine->endpoints().all[engine->endpoints().dns]; }
};

inline std::unique_ptr<World> world(const std::string& yaml, const std::string& ns = "argocd") {
    auto w = std::make_unique<World>();
    auto parsed = preflight::model::parse_manifests("test.yaml", yaml);
    REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
    w->objects = std::move(parsed->objects);
    w->config.default_ns = ns;
    w->config.api_server = preflight::analysis::kind_default_api_server();
    w->inv = preflight::model::build_inventory(w->objects, ns);
    std::vector<preflight::analysis::Policy> policies;
    for (const auto* o : w->inv.network_policies) policies.push_back(preflight::analysis::parse_policy(*o, ns, w->problems));
    auto eps = preflight::analysis::build_endpoints(w->inv, policies, w->config);
    w->engine = std::make_unique<preflight::analysis::Engine>(std::move(policies), std::move(eps));
    return w;
}

// A Deployment with `labels` on its pods and optional extra pod-spec YAML (indented 6).
inline std::string deployment(const std::string& name, const std::string& labels, const std::string& ns = "",
                              const std::string& pod_extra = "", const std::string& container_extra = "") {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n" +
           (ns.empty() ? "" : "  namespace: " + ns + "\n") +
           "spec:\n  template:\n    metadata:\n      labels: " + labels +
           "\n    spec:\n" + pod_extra + "      containers:\n      - name: main\n        image: busybox\n" + container_extra + "---\n";
}

}  // namespace test
