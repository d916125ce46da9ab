// Building a Release (what the live half installs and checks) from the static stage.
#include "preflight/pipeline/release.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>

#include "preflight/model/manifest.hpp"
#include "preflight/revision/resolve.hpp"
#include "preflight/util/text.hpp"

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

namespace {

// helm's install order of kinds (pkg/releaseutil/kind_sorter.go), which also orders hooks of
// the same weight; kinds not listed come after, by name.
int install_rank(std::string_view kind) {
    static const std::vector<std::string_view> order = {
        "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
        "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
        "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role",
        "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet",
        "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService"};
    auto it = std::find(order.begin(), order.end(), kind);
    return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

std::vector<std::string> list_of(std::string_view csv) {
    std::vector<std::string> out;
    for (const auto& part : text::split(std::string(csv), ','))
        if (auto t = text::trim(part); !t.empty()) out.push_back(t);
    return out;
}

}  // namespace

bool Hook::on(std::string_view event) const { return std::find(events.begin(), events.end(), event) != events.end(); }
bool Hook::deleted_when(std::string_view policy) const {
    if (delete_policies.empty()) return policy == "before-hook-creation";  // helm's default
    return std::find(delete_policies.begin(), delete_policies.end(), policy) != delete_policies.end();
}

Result<void> split_hooks(const std::string& text, std::string& rest, std::vector<Hook>& hooks) {
    std::vector<std::string> docs(1);
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto line = std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
        if (line.starts_with("---") && (line.size() == 3 || line[3] == '\n' || line[3] == ' ' || line[3] == '\r')) docs.emplace_back();
        docs.back() += line;
        pos = nl == std::string::npos ? text.size() : nl + 1;
    }
    std::string kept;
    std::vector<Hook> found;
    for (auto& doc : docs) {
        if (doc.find("helm.sh/hook") == std::string::npos) {
            kept += doc;
            continue;
        }
        auto values = model::parse_documents("hook", doc);
        const model::Value* hook_ann = nullptr;
        if (values && values->size() == 1) hook_ann = (*values)[0].at_path({"metadata", "annotations"}).find("helm.sh/hook");
        if (!hook_ann || !hook_ann->is_scalar()) {  // the text only mentions it
            kept += doc;
            continue;
        }
        const auto& v = (*values)[0];
        const auto& ann = v.at_path({"metadata", "annotations"});
        Hook h;
        h.kind = std::string(v["kind"].str());
        h.name = std::string(v.at_path({"metadata", "name"}).str());
        h.events = list_of(hook_ann->str());
        if (const auto* w = ann.find("helm.sh/hook-weight"); w && w->is_scalar()) {
            // An annotation is a string ("-5"); helm reads it with strconv.Atoi.
            auto t = text::trim(w->str());
            int n = 0;
            auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
            if (t.empty() || ec != std::errc() || end != t.data() + t.size())
                return fail(ErrorKind::input, h.kind + "/" + h.name + ": helm.sh/hook-weight '" + std::string(w->str()) + "' is not an integer");
            h.weight = n;
        }
        if (const auto* d = ann.find("helm.sh/hook-delete-policy"); d && d->is_scalar()) h.delete_policies = list_of(d->str());
        h.manifest = std::move(doc);
        found.push_back(std::move(h));
    }
    std::stable_sort(found.begin(), found.end(), [](const Hook& a, const Hook& b) {
        return std::tuple(a.weight, install_rank(a.kind), a.name) < std::tuple(b.weight, install_rank(b.kind), b.name);
    });
    rest = std::move(kept);
    hooks = std::move(found);
    return {};
}

Result<Release> build_release(const Loaded& loaded, const analysis::Analysis& analysis, const std::string& label, std::string text,
                              const ReleaseOptions& options) {
    Release r;
    r.label = label;
    if (auto h = split_hooks(text, r.manifests, r.hooks); !h) return std::unexpected(h.error().with_context(label));
    auto is_hook = [&](const std::string& kind, const std::string& name) {
        return std::any_of(r.hooks.begin(), r.hooks.end(), [&](const Hook& h) { return h.kind == kind && h.name == name; });
    };
    for (const auto& w : loaded.inventory.workloads) {
        // A hook runs to completion (and may be deleted) before the release: the hook step
        // judges it, the wait does not expect it.
        if ((w.kind == "Deployment" || w.kind == "StatefulSet" || w.kind == "DaemonSet" || w.kind == "Job") && !is_hook(w.kind, w.name))
            r.expected.push_back({w.kind, w.ns, w.name});
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
