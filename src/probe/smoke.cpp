// The smoke Application pod: argocd CLI against the in-cluster API, one line per step.
#include "preflight/probe/smoke.hpp"

#include <boost/json.hpp>

namespace preflight::probe {
namespace json = boost::json;

namespace {

std::string_view basename(std::string_view s) {
    auto slash = s.rfind('/');
    return slash == std::string_view::npos ? s : s.substr(slash + 1);
}

bool runs(const model::Container& c, std::string_view program) {
    const auto& argv = !c.command.empty() ? c.command : c.args;
    return !argv.empty() && basename(argv.front()) == program;
}

bool selects(const model::Labels& selector, const model::Labels& labels) {
    if (selector.empty()) return false;
    for (const auto& [k, v] : selector) {
        auto it = labels.find(k);
        if (it == labels.end() || it->second != v) return false;
    }
    return true;
}

}  // namespace

std::optional<SmokeTarget> find_smoke_target(const model::Inventory& inv) {
    for (const auto& w : inv.workloads) {
        const model::Container* server = nullptr;
        for (const auto& c : w.pod.containers)
            if (!c.init && runs(c, "argocd-server")) server = &c;
        if (!server) continue;
        for (const auto& svc : inv.services) {
            if (svc.ns != w.ns || !selects(svc.selector, w.pod.labels) || svc.ports.empty()) continue;
            SmokeTarget t{w.ns, server->image, svc.name, svc.ports.front().port};
            for (const auto& p : svc.ports)
                if (p.name == "https" || p.port == 443) {
                    t.port = p.port;
                    break;
                }
            return t;
        }
    }
    return std::nullopt;
}

const std::string& smoke_script() {
    static const std::string s = R"SH(export HOME=/tmp
say() { printf 'PREFLIGHT-SMOKE step=%s result=%s detail=%s\n' "$1" "$2" "$(printf '%s' "$3" | tr '\n' ' ' | cut -c1-400)"; }
server="$SMOKE_SERVER"
[ -n "$SMOKE_PASSWORD" ] || { say login failed "no initial admin password (Secret $SMOKE_SECRET, key password)"; exit 0; }
if ! out=$(argocd login "$server" --username admin --password "$SMOKE_PASSWORD" --insecure --grpc-web 2>&1); then say login failed "$out"; exit 0; fi
say login ok "logged in to $server"
if ! out=$(argocd app create "$SMOKE_APP" --upsert --repo "$SMOKE_REPO" --path "$SMOKE_PATH" --revision "$SMOKE_REVISION" \
      --dest-server https://kubernetes.default.svc --dest-namespace "$SMOKE_DEST_NS" --sync-policy automated \
      --sync-option CreateNamespace=true --grpc-web 2>&1); then say create failed "$out"; exit 0; fi
say create ok "$out"
if ! out=$(argocd app wait "$SMOKE_APP" --sync --health --timeout "$SMOKE_TIMEOUT" --grpc-web 2>&1); then say wait failed "$out"; exit 0; fi
say wait ok "$(printf '%s' "$out" | tail -n 4)"
)SH";
    return s;
}

std::string smoke_pod_manifest(const SmokeTarget& target, const SmokeOptions& o, const std::string& pod_name, const Owner& owner) {
    auto env = [](const std::string& name, const std::string& value) { return json::object{{"name", name}, {"value", value}}; };
    json::array vars{env("SMOKE_SERVER", target.service + "." + target.ns + ".svc:" + std::to_string(target.port)),
                     env("SMOKE_APP", o.app),
                     env("SMOKE_REPO", o.repo),
                     env("SMOKE_PATH", o.path),
                     env("SMOKE_REVISION", o.revision),
                     env("SMOKE_DEST_NS", o.dest_ns),
                     env("SMOKE_SECRET", o.admin_secret),
                     env("SMOKE_TIMEOUT", std::to_string(o.timeout_s)),
                     json::object{{"name", "SMOKE_PASSWORD"},
                                  {"valueFrom", json::object{{"secretKeyRef", json::object{{"name", o.admin_secret}, {"key", "password"}, {"optional", true}}}}}}};
    json::object container{{"name", "smoke"},
                           {"image", target.image},
                           {"imagePullPolicy", "IfNotPresent"},
                           {"command", json::array{"sh", "-c", smoke_script()}},
                           {"env", vars}};
    json::object pod{{"apiVersion", "v1"},
                     {"kind", "Pod"},
                     {"metadata", json::object{{"name", pod_name},
                                               {"namespace", target.ns},
                                               {"labels", json::object{{k_probe_label, "smoke"}}},
                                               {"ownerReferences", json::array{json::object{{"apiVersion", "v1"},
                                                                                            {"kind", "ConfigMap"},
                                                                                            {"name", owner.name},
                                                                                            {"uid", owner.uid},
                                                                                            {"controller", true}}}}}},
                     {"spec", json::object{{"restartPolicy", "Never"},
                                           {"automountServiceAccountToken", false},
                                           {"terminationGracePeriodSeconds", 0},
                                           {"containers", json::array{container}}}}};
    return json::serialize(pod) + "\n";
}

std::vector<SmokeStep> parse_smoke(std::string_view log) {
    std::vector<SmokeStep> out;
    constexpr std::string_view marker = "PREFLIGHT-SMOKE step=";
    for (std::size_t pos = 0; (pos = log.find(marker, pos)) != std::string_view::npos;) {
        auto end = log.find('\n', pos);
        auto line = log.substr(pos + marker.size(), end == std::string_view::npos ? std::string_view::npos : end - pos - marker.size());
        pos = end == std::string_view::npos ? log.size() : end;
        SmokeStep s;
        auto sp = line.find(' ');
        s.step = std::string(line.substr(0, sp));
        auto r = line.find("result=");
        if (r != std::string_view::npos) s.ok = line.substr(r + 7, 2) == "ok";
        auto d = line.find(" detail=");
        if (d != std::string_view::npos) s.detail = std::string(line.substr(d + 8));
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace preflight::probe
