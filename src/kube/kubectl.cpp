// kubectl argv builders and the client around them.
#include "preflight/kube/kubectl.hpp"

#include "preflight/model/manifest.hpp"

namespace preflight::kube {

Args base_args(const Target& t) {
    Args a{"kubectl", "--kubeconfig", t.kubeconfig};
    if (!t.context.empty()) a.insert(a.end(), {"--context", t.context});
    if (!t.cache_dir.empty()) a.insert(a.end(), {"--cache-dir", t.cache_dir});
    return a;
}

namespace {
Args with(const Target& t, std::initializer_list<std::string_view> rest) {
    auto a = base_args(t);
    for (auto r : rest) a.emplace_back(r);
    return a;
}
}  // namespace

Args apply_args(const Target& t, std::string_view ns) {
    return with(t, {"apply", "--server-side", "--force-conflicts", "--namespace", ns, "--filename", "-"});
}
Args get_json_args(const Target& t, std::string_view resource, std::string_view ns) {
    return with(t, {"get", resource, "--namespace", ns, "--output", "json"});
}
Args get_object_json_args(const Target& t, std::string_view resource, std::string_view name, std::string_view ns) {
    return with(t, {"get", resource, name, "--namespace", ns, "--output", "json"});
}
Args secret_field_args(const Target& t, std::string_view ns, std::string_view secret, std::string_view key) {
    return with(t, {"get", "secret", secret, "--namespace", ns, "--ignore-not-found", "--output",
                    "jsonpath={.data." + std::string(key) + "}"});
}
Args get_if_exists_args(const Target& t, std::string_view object, std::string_view output) {
    return with(t, {"get", object, "--ignore-not-found", "--output", output});
}
Args delete_cluster_objects_args(const Target& t, const std::vector<std::string>& objects) {
    auto args = with(t, {"delete", "--ignore-not-found", "--wait=false"});
    args.insert(args.end(), objects.begin(), objects.end());
    return args;
}
Args apiserver_endpointslice_args(const Target& t) {
    return with(t, {"get", "endpointslices.discovery.k8s.io", "kubernetes", "--namespace", "default", "--output", "json"});
}

Result<std::string> parse_apiserver_endpointslice(std::string_view json) {
    auto docs = model::parse_documents("EndpointSlice default/kubernetes", json);
    if (!docs || docs->empty() || !(*docs)[0].is_mapping())
        return fail(ErrorKind::infrastructure, "EndpointSlice default/kubernetes: unreadable output");
    const auto& slice = (*docs)[0];
    std::string port;
    for (const auto& p : slice["ports"].items)
        if (p["name"].str() == "https" || port.empty())
            if (auto n = p["port"].as_int()) port = std::to_string(*n);
    for (const auto& e : slice["endpoints"].items) {
        if (e.at_path({"conditions", "ready"}).as_bool() == false) continue;
        for (const auto& a : e["addresses"].items)
            if (!a.str().empty() && !port.empty())
                return (slice["addressType"].str() == "IPv6" ? "[" + std::string(a.str()) + "]" : std::string(a.str())) + ":" + port;
    }
    return fail(ErrorKind::infrastructure, "EndpointSlice default/kubernetes names no ready address and port");
}

Args watch_args(const Target& t, std::string_view resource, std::string_view ns) {
    return with(t, {"get", resource, "--namespace", ns, "--output", "json", "--watch", "--output-watch-events"});
}
Args logs_args(const Target& t, std::string_view ns, std::string_view pod, std::string_view container, bool previous) {
    auto a = with(t, {"logs", "--namespace", ns, pod, "--container", container, "--tail", "500"});
    if (previous) a.emplace_back("--previous");
    return a;
}
bool log_unavailable(std::string_view output) {
    auto first = output.substr(0, output.find('\n'));
    while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) first.remove_prefix(1);
    constexpr std::string_view k_bad_request = "Error from server (BadRequest): ";
    if (first.starts_with(k_bad_request)) first.remove_prefix(k_bad_request.size());
    return first.starts_with("unable to retrieve container logs for ");
}
Args logs_by_label_args(const Target& t, std::string_view ns, std::string_view selector, std::string_view container, int max_pods) {
    return with(t, {"logs", "--namespace", ns, "--selector", selector, "--container", container, "--prefix", "--tail", "-1",
                    "--max-log-requests", std::to_string(max_pods)});
}

std::map<std::string, std::string> split_prefixed_logs(std::string_view text) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        auto line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? text.size() : end + 1;
        // "[pod/NAME/CONTAINER] text"
        if (!line.starts_with("[pod/")) continue;
        auto close = line.find("] ");
        auto slash = line.find('/', 5);
        if (close == std::string_view::npos || slash == std::string_view::npos || slash > close) continue;
        auto& lines = out[std::string(line.substr(5, slash - 5))];
        lines += std::string(line.substr(close + 2)) + "\n";
    }
    return out;
}

Args describe_args(const Target& t, std::string_view ns, std::string_view resource, std::string_view name) {
    return with(t, {"describe", "--namespace", ns, resource, name});
}
Args version_args(const Target& t) { return with(t, {"version", "--output", "json"}); }
Args delete_namespace_args(const Target& t, std::string_view ns) {
    return with(t, {"delete", "namespace", ns, "--ignore-not-found", "--wait=false"});
}

Args pods_by_selector_args(const Target& t, std::string_view ns, std::string_view selector) {
    return with(t, {"get", "pods", "--namespace", ns, "--selector", selector, "--output", "json"});
}
Args delete_object_args(const Target& t, std::string_view ns, std::string_view kind, std::string_view name) {
    return with(t, {"delete", kind, name, "--namespace", ns, "--ignore-not-found", "--wait=true", "--cascade=background"});
}
Args delete_pod_args(const Target& t, std::string_view ns, std::string_view pod) {
    return with(t, {"delete", "pod", pod, "--namespace", ns, "--ignore-not-found", "--wait=false"});
}

std::string namespace_manifest(std::string_view ns) {
    return R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + std::string(ns) + "\"}}\n";
}

Result<Versions> parse_versions(std::string_view json) {
    auto docs = model::parse_documents("kubectl version", json);
    if (!docs || docs->empty()) return fail(ErrorKind::infrastructure, "kubectl version: unreadable output");
    const auto& v = (*docs)[0];
    Versions out;
    auto minor = [](const model::Value& info) {
        std::string m(info["minor"].str());
        while (!m.empty() && !std::isdigit(static_cast<unsigned char>(m.back()))) m.pop_back();  // "33+" on some builds
        return m.empty() ? 0 : std::stoi(m);
    };
    out.client_minor = minor(v["clientVersion"]);
    out.client = v.at_path({"clientVersion", "gitVersion"}).str();
    if (!v.find("serverVersion")) return fail(ErrorKind::infrastructure, "kubectl version: the API server did not answer");
    out.server_minor = minor(v["serverVersion"]);
    out.server = v.at_path({"serverVersion", "gitVersion"}).str();
    return out;
}

Result<std::string> Kubectl::output(const Args& args, std::chrono::milliseconds timeout, bool survives_first_signal) {
    proc::Command cmd{args, timeout};
    cmd.survives_first_signal = survives_first_signal;
    auto r = proc::check(cmd, m_runner.run(cmd));
    if (!r) return std::unexpected(r.error());
    return std::move(r->out);
}

Result<Versions> Kubectl::versions(std::chrono::milliseconds timeout) {
    proc::Command cmd{version_args(m_target), timeout};
    auto r = m_runner.run(cmd);
    if (!r) return std::unexpected(r.error());
    // kubectl exits 1 when the server is unreachable but still prints the client part.
    auto v = parse_versions(r->out);
    if (!v) {
        auto checked = proc::check(cmd, std::move(r));
        return std::unexpected(checked ? v.error() : checked.error());
    }
    return v;
}

Result<std::string> Kubectl::apply(const std::string& manifests, std::string_view ns, std::chrono::milliseconds timeout) {
    proc::Command cmd{apply_args(m_target, ns), timeout};
    cmd.stdin_data = manifests;
    auto r = proc::check(cmd, m_runner.run(cmd));
    if (!r) return std::unexpected(r.error());
    return std::move(r->out);
}

Result<model::Value> Kubectl::get_json(std::string_view resource, std::string_view ns, std::chrono::milliseconds timeout) {
    auto out = output(get_json_args(m_target, resource, ns), timeout);
    if (!out) return std::unexpected(out.error());
    auto docs = model::parse_documents("kubectl get " + std::string(resource), *out);
    if (!docs || docs->empty()) return fail(ErrorKind::infrastructure, "kubectl get " + std::string(resource) + ": unreadable output");
    return std::move((*docs)[0]);
}

}  // namespace preflight::kube
