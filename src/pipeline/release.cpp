// Building a Release (what the live half installs and checks) from the static stage.
#include "preflight/pipeline/release.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "preflight/revision/resolve.hpp"

namespace preflight::pipeline {

namespace {

// JSON for a small object read from YAML (a binding): plain integers and booleans keep their
// type, every other scalar is a string.
boost::json::value to_json(const model::Value& v) {
    switch (v.type) {
        case model::Value::Type::null: return nullptr;
        case model::Value::Type::scalar:
            if (v.plain)
                if (auto b = v.as_bool()) return *b;
            if (v.plain)
                if (auto n = v.as_int()) return *n;
            return boost::json::string(v.scalar);
        case model::Value::Type::sequence: {
            boost::json::array a;
            for (const auto& item : v.items) a.push_back(to_json(item));
            return a;
        }
        case model::Value::Type::mapping: {
            boost::json::object o;
            for (const auto& [k, child] : v.entries) o[k] = to_json(child);
            return o;
        }
    }
    return nullptr;
}

}  // namespace

void refresh_static(const Loaded& loaded, const analysis::Analysis& analysis, Release& r) {
    r.static_results = analysis.results;
    r.static_summary.clear();
    for (const auto& res : analysis.results)
        if (res.finding) r.static_summary += finding_detail(*res.finding) + "\n\n";
    if (r.static_summary.empty()) r.static_summary = "no static findings\n";
    r.probes = probe::plan(*loaded.engine, analysis);
}

Release build_release(const Loaded& loaded, const analysis::Analysis& analysis, const std::string& label, std::string text,
                      const ReleaseOptions& options) {
    Release r;
    r.label = label;
    r.manifests = std::move(text);
    for (const auto& w : loaded.inventory.workloads) {
        if (w.kind == "Deployment" || w.kind == "StatefulSet" || w.kind == "DaemonSet" || w.kind == "Job") r.expected.push_back({w.kind, w.ns, w.name});
        for (const auto& c : w.pod.containers)
            if (!c.image.empty() && std::find(r.images.begin(), r.images.end(), c.image) == r.images.end()) r.images.push_back(c.image);
    }
    refresh_static(loaded, analysis, r);
    r.probe_image = options.probe_image.empty() ? probe::default_image(*loaded.engine, analysis) : options.probe_image;
    r.smoke_target = probe::find_smoke_target(loaded.inventory);
    if (r.smoke_target && revision::namespace_scoped_flavour(options.flavour)) {
        // A namespace-scoped Argo CD has no credentials for the cluster it runs in: an
        // Application cannot target https://kubernetes.default.svc without a cluster Secret.
        r.smoke_target.reset();
        r.smoke_skip_reason = "the " + options.flavour + " flavour manages no cluster until one is registered, so the smoke Application "
                              "has no destination";
    }
    return r;
}

// ClusterRoleBindings name their ServiceAccounts' namespace as the release wrote it (`argocd`);
// the run installs those ServiceAccounts into `ns`. The bindings are applied again, after the
// release, with the subjects moved to `ns` (kubectl apply keeps the last definition), so the
// install has the permissions it would have in its own namespace. "" when nothing moves.
std::string rebound_subjects(const Loaded& loaded, const std::string& ns) {
    std::set<std::string> own_accounts;
    for (const auto& obj : loaded.objects)
        if (obj.kind == "ServiceAccount" && (obj.ns.empty() || obj.ns == ns)) own_accounts.insert(obj.name);
    std::string out;
    for (const auto& obj : loaded.objects) {
        if (obj.kind != "ClusterRoleBinding") continue;
        auto json = to_json(obj.body).as_object();
        bool moved = false;
        if (auto* subjects = json.if_contains("subjects"); subjects && subjects->is_array())
            for (auto& sub : subjects->as_array()) {
                if (!sub.is_object()) continue;
                auto& so = sub.as_object();
                auto kind = so.if_contains("kind");
                auto name = so.if_contains("name");
                auto sns = so.if_contains("namespace");
                if (!kind || !name || !kind->is_string() || kind->as_string() != "ServiceAccount" || !name->is_string()) continue;
                if (!own_accounts.contains(std::string(name->as_string()))) continue;
                if (sns && sns->is_string() && sns->as_string() == ns) continue;
                so["namespace"] = ns;
                moved = true;
            }
        if (moved) out += "---\n" + boost::json::serialize(json) + "\n";
    }
    return out;
}

std::string joined_text(const std::vector<SourceText>& sources) {
    std::string out;
    for (const auto& src : sources) {
        out += src.text;
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += "---\n";
    }
    return out;
}

}  // namespace preflight::pipeline
