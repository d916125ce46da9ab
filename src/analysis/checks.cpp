// The static checks. Each derives what a workload needs from its manifests (commands,
// service accounts, RBAC, env and secret references) and asks the engine whether the
// policies allow it. Nothing here knows any object by name.
#include "preflight/analysis/checks.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_set>
#include <unordered_map>

#include "preflight/analysis/knowledge.hpp"
#include "preflight/util/text.hpp"

namespace preflight::analysis {
namespace {

using model::Container;
using model::Inventory;
using model::Workload;

using text::lower;

std::string subject_of(const Workload& w) { return w.kind + "/" + w.name; }
model::WorkloadId id_of(const Workload& w) { return {w.kind, w.ns, w.name}; }
std::string located(const model::Object* o) {
    return o ? o->kind + "/" + o->name + " (" + o->where.str() + ")" : std::string();
}

// Lists in findings are capped: one finding per workload that each named every one of N
// policies (or dependents) made reports grow as N^2 (a 310 KB input gave 280 MB of reports).
constexpr std::size_t k_list_cap = 12;

// `o` as a location of `f`: the readable "Kind/name (file:line)" and its structured position;
// past k_list_cap locations, one line says how many more there are.
void add_location(Finding& f, const model::Object* o) {
    if (f.locations.size() < k_list_cap) {
        f.locations.push_back(located(o));
        if (o) f.sites.push_back(o->where);
        return;
    }
    static const std::string k_more = "… and ";
    std::size_t more = 1;
    if (f.locations.size() > k_list_cap) {
        more = std::stoul(f.locations.back().substr(k_more.size())) + 1;
        f.locations.pop_back();
    }
    f.locations.push_back(k_more + std::to_string(more) + " more");
}
// `v` joined; past k_list_cap items, the first ones and how many more (with the total).
std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
    if (v.size() <= k_list_cap) return text::join(v, sep);
    std::vector<std::string> head(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k_list_cap - 2));
    head.push_back("… and " + std::to_string(v.size() - head.size()) + " more (" + std::to_string(v.size()) + " in all)");
    return text::join(head, sep);
}

// --- service accounts, tokens, RBAC -----------------------------------------------------

bool token_mounted(const Inventory& inv, const Workload& w) {
    if (w.pod.projected_token_volume) return true;
    if (w.pod.automount_token) return *w.pod.automount_token;  // the pod's setting wins
    if (const auto* sa = inv.service_account(w.ns, w.pod.service_account); sa && sa->automount_token)
        return *sa->automount_token;
    return true;
}

struct BoundRole {
    const model::RoleBinding* binding = nullptr;
    const model::Role* role = nullptr;  // nullptr when the role is not in the manifests
};

// RBAC of every workload, computed once per analysis: bindings indexed by the service accounts
// they name and roles by (kind, namespace, name), so the checks stay linear in the objects
// (scanning every binding and role per workload and per Secret was O(n^3) and worse).
class Rbac {
public:
    explicit Rbac(const Inventory& inv) : m_inv(inv), m_of(inv.workloads.size()), m_done(inv.workloads.size(), false) {
        for (const auto& r : inv.roles) m_roles[key(r.cluster, r.cluster ? "" : r.ns, r.name)] = &r;  // the last definition wins
        for (std::size_t b = 0; b < inv.bindings.size(); ++b)
            for (const auto& sub : inv.bindings[b].subjects)
                if (sub.kind == "ServiceAccount") m_by_subject[sub.ns + "/" + sub.name].push_back(b);
    }
    // The roles bound to `w`'s service account (a binding in its namespace, or a cluster one).
    const std::vector<BoundRole>& of(const Workload& w) const {
        auto i = static_cast<std::size_t>(&w - m_inv.workloads.data());
        if (m_done[i]) return m_of[i];
        m_done[i] = true;
        auto it = m_by_subject.find(w.ns + "/" + w.pod.service_account);
        if (it == m_by_subject.end()) return m_of[i];
        std::vector<std::size_t> bindings = it->second;
        bindings.erase(std::unique(bindings.begin(), bindings.end()), bindings.end());
        for (auto b_i : bindings) {
            const auto& b = m_inv.bindings[b_i];
            if (!b.cluster && b.ns != w.ns) continue;
            bool cluster_role = b.role_kind == "ClusterRole";
            auto role = m_roles.find(key(cluster_role, cluster_role ? "" : b.ns, b.role_name));
            m_of[i].push_back({&b, role == m_roles.end() ? nullptr : role->second});
        }
        return m_of[i];
    }

private:
    static std::string key(bool cluster, const std::string& ns, const std::string& name) { return (cluster ? "C/" : "R/") + ns + "/" + name; }
    const Inventory& m_inv;
    std::unordered_map<std::string, const model::Role*> m_roles;
    std::unordered_map<std::string, std::vector<std::size_t>> m_by_subject;
    mutable std::vector<std::vector<BoundRole>> m_of;
    mutable std::vector<bool> m_done;
};

std::string describe_rbac(const std::vector<BoundRole>& roles) {
    std::vector<std::string> parts;
    for (const auto& br : roles) {
        if (!br.role) {
            parts.push_back(br.binding->role_kind + " " + br.binding->role_name + " (not in these manifests)");
            continue;
        }
        std::vector<std::string> rules;
        for (const auto& r : br.role->rules) rules.push_back(join(r.resources, "/") + ": " + join(r.verbs));
        parts.push_back((br.role->cluster ? "ClusterRole " : "Role ") + br.role->name + " (" + join(rules, "; ") + ")");
    }
    return join(parts, ", ");
}

bool has_rbac(const std::vector<BoundRole>& roles) {
    return std::any_of(roles.begin(), roles.end(), [](const BoundRole& b) { return !b.role || !b.role->rules.empty(); });
}

bool grants(const model::PolicyRule& r, std::string_view resource, std::string_view verb) {
    auto has = [](const std::vector<std::string>& v, std::string_view x) {
        return std::find(v.begin(), v.end(), x) != v.end() || std::find(v.begin(), v.end(), "*") != v.end();
    };
    bool core = r.api_groups.empty() || has(r.api_groups, "");
    return core && has(r.resources, resource) && has(r.verbs, verb);
}

// What a workload's RBAC says about Secrets: whether it may create them, and the ones it may
// get by name (a creator is most likely the workload tied to the Secret by name).
struct SecretRights {
    bool can_create = false;
    std::unordered_set<std::string> named;
};

SecretRights secret_rights(const std::vector<BoundRole>& roles) {
    SecretRights out;
    for (const auto& br : roles) {
        if (!br.role) continue;
        for (const auto& r : br.role->rules) {
            if (grants(r, "secrets", "create")) out.can_create = true;
            if (grants(r, "secrets", "get")) out.named.insert(r.resource_names.begin(), r.resource_names.end());
        }
    }
    return out;
}

// --- secret and config references -------------------------------------------------------

struct SecretUse {
    std::string secret;
    std::string container;  // empty for a volume
    bool init = false;
};

std::vector<SecretUse> required_secrets(const Workload& w) {
    std::vector<SecretUse> out;
    for (const auto& c : w.pod.containers) {
        for (const auto& e : c.env)
            if (e.secret_ref && !e.secret_ref->optional && !e.secret_ref->name.empty())
                out.push_back({e.secret_ref->name, c.name, c.init});
        for (const auto& s : c.env_from_secrets) out.push_back({s, c.name, c.init});
    }
    return out;
}

std::optional<std::string> config_value(const Inventory& inv, const std::string& ns, const std::string& name,
                                        const std::string& key) {
    for (const auto& cm : inv.config_maps)
        if (cm.ns == ns && cm.name == name && cm.object) {
            for (const char* field : {"data", "binaryData"})
                if (const auto* v = cm.object->body[field].find(key)) return std::string(v->str());
        }
    return std::nullopt;
}

// Literal env values, values resolved from ConfigMaps in the manifests, and args.
std::vector<std::string> configured_strings(const Inventory& inv, const Workload& w, const Container& c) {
    std::vector<std::string> out(c.args.begin(), c.args.end());
    out.insert(out.end(), c.command.begin(), c.command.end());
    for (const auto& e : c.env) {
        if (!e.value.empty()) out.push_back(e.value);
        if (e.config_map_ref)
            if (auto v = config_value(inv, w.ns, e.config_map_ref->name, e.config_map_ref->key)) out.push_back(*v);
    }
    return out;
}

// Service names (of the manifests) that `s` uses as a host: "svc", "svc:port", "svc.ns...".
std::vector<std::pair<const model::Service*, std::int64_t>> referenced_services(const Inventory& inv, const std::string& s) {
    std::vector<std::pair<const model::Service*, std::int64_t>> out;
    std::string text = s;
    if (auto scheme = text.find("://"); scheme != std::string::npos) text = text.substr(scheme + 3);
    // Also look after '=' ("--redis=host:port").
    std::vector<std::string> candidates = {text};
    if (auto eq = text.find('='); eq != std::string::npos) candidates.push_back(text.substr(eq + 1));
    for (const auto& cand : candidates)
        for (const auto& svc : inv.services) {
            if (!cand.starts_with(svc.name)) continue;
            std::string rest = cand.substr(svc.name.size());
            std::int64_t port = 0;
            if (rest.empty()) {
            } else if (rest[0] == '.') {
                auto colon = rest.find(':');
                std::string domain = rest.substr(1, colon == std::string::npos ? std::string::npos : colon - 1);
                if (!(domain == svc.ns || domain.starts_with(svc.ns + "."))) continue;
                if (colon != std::string::npos) port = std::atoll(rest.c_str() + colon + 1);
            } else if (rest[0] == ':') {
                port = std::atoll(rest.c_str() + 1);
            } else {
                continue;
            }
            out.emplace_back(&svc, port);
        }
    return out;
}

// The host name `s` makes a pod look up, if any: a cluster name ("x.ns.svc...") anywhere, or
// the host of a URL ("https://github.com/...") or of "host:port" when it is a DNS name (a dot,
// a letter-only last label; not an IP address). "--flag=value" is read after the '='.
std::optional<std::string> dialled_hostname(const std::string& s) {
    std::string text = s;
    if (auto eq = text.find('='); eq != std::string::npos && text.starts_with("-")) text = text.substr(eq + 1);
    bool url = false;
    if (auto scheme = text.find("://"); scheme != std::string::npos) {
        text = text.substr(scheme + 3);
        url = true;
    }
    if (auto at = text.find('@'); url && at != std::string::npos && at < text.find('/')) text = text.substr(at + 1);
    auto end = text.find_first_of(":/");
    std::string host = text.substr(0, end);
    if (host.find(".svc") != std::string::npos) return host;
    if (!url) {  // host:port only
        if (end == std::string::npos || text[end] != ':') return std::nullopt;
        auto port = text.substr(end + 1);
        if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
            return std::nullopt;
    }
    auto dot = host.rfind('.');
    if (dot == std::string::npos || dot + 1 >= host.size()) return std::nullopt;
    if (!std::all_of(host.begin(), host.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }))
        return std::nullopt;
    auto tld = host.substr(dot + 1);
    if (!std::all_of(tld.begin(), tld.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) return std::nullopt;
    return host;
}

// --- the report helpers ------------------------------------------------------------------

struct Ctx {
    const Inventory& inv;
    const Engine& engine;
    const ModelConfig& config;
    Analysis& out;
    const Rbac& rbac;
};

// "name allows egress only 53/UDP, ..." per policy, on one line.
std::string policy_brief(const Engine& engine, const std::vector<const Policy*>& policies, Direction dir) {
    std::vector<std::string> parts;
    for (const auto* p : policies)
        parts.push_back(p->name + " allows " + engine.summarize(*p, dir));
    return join(parts, "; ");
}

std::string policy_list(const Engine& engine, const std::vector<const Policy*>& policies, Direction dir) {
    std::vector<std::string> parts;
    for (const auto* p : policies)
        parts.push_back("NetworkPolicy " + p->name + " (" + p->where() + ") selects these pods for " +
                        (dir == Direction::egress ? "Egress" : "Ingress") + " and allows " + engine.summarize(*p, dir));
    return join(parts, ";\n  ");
}

// --- checks --------------------------------------------------------------------------------

struct ApiNeed {
    std::size_t workload = 0;
    Severity level = Severity::warning;
    std::vector<std::string> containers;  // "init container x runs `...` (reason)"
    std::vector<std::string> who;         // "init container x", "container y"
    bool init = false;                    // an init container needs it: pods stay in Init
    bool blocked = false;
    bool unauthenticated = false;  // a known client with no token mounted: every call is refused
};

std::vector<ApiNeed> api_needs(const Ctx& ctx) {
    std::vector<ApiNeed> needs;
    for (std::size_t i = 0; i < ctx.inv.workloads.size(); ++i) {
        const auto& w = ctx.inv.workloads[i];
        if (w.pod.host_network) continue;
        // A known client needs the API server whatever its token: the network block is a
        // fact on its own. Without a known client only a token plus RBAC hints at calls.
        bool token = token_mounted(ctx.inv, w);
        const auto& roles = ctx.rbac.of(w);
        ApiNeed need{i};
        bool known_any = false;
        for (const auto& c : w.pod.containers) {
            if (auto m = known_api_client(c)) {
                known_any = true;
                need.containers.push_back(std::string(c.init ? "init container " : "container ") + c.name + " runs `" +
                                          m->invocation + "` (" + std::string(m->reason) + ")");
                need.who.push_back(std::string(c.init ? "init container " : "container ") + c.name);
                need.init = need.init || c.init;
            }
        }
        if (known_any) need.level = Severity::error;
        else if (token && has_rbac(roles)) {
            need.level = Severity::warning;
            need.containers.push_back("no container is a known API client, but the pods mount a token of service account " +
                                      w.pod.service_account + " that has RBAC rules");
        } else {
            continue;
        }
        needs.push_back(std::move(need));
    }
    return needs;
}

struct MissingSecret {
    std::string ns, name;
    std::vector<std::size_t> dependents;  // workloads that cannot start without it
    std::vector<std::size_t> creators;
};

// Each workload's facts for choosing creators, computed once: its Secret rights, the Secrets its
// main containers need, and whether an init container calls the API.
struct CreatorFacts {
    SecretRights rights;
    std::unordered_set<std::string> needs;  // required by a main (non-init) container
    bool init_client = false;
};

// Best creators of `secret` in `ns` among `facts` (indices in `in_ns`): a workload that may create
// Secrets, +2 when it may get this one by name, +1 when it needs it itself and creates it first
// from an init container (one that needs it without such an init container would wait for itself).
std::vector<std::size_t> creators_of(const std::vector<CreatorFacts>& facts, const std::vector<std::size_t>& in_ns, const std::string& secret) {
    int best = 0;
    std::vector<std::size_t> out;
    for (auto i : in_ns) {
        const auto& f = facts[i];
        if (!f.rights.can_create) continue;
        int score = 1 + (f.rights.named.count(secret) ? 2 : 0);
        bool needs_it = f.needs.count(secret) > 0;
        if (needs_it && !f.init_client) continue;
        if (needs_it) score += 1;
        if (score > best) {
            best = score;
            out.clear();
        }
        if (score == best) out.push_back(i);
    }
    return out;
}

std::vector<MissingSecret> missing_secrets(const Inventory& inv, const Rbac& rbac) {
    std::unordered_set<std::string> shipped;
    for (const auto& s : inv.secrets) shipped.insert(s.ns + "/" + s.name);
    std::vector<CreatorFacts> facts(inv.workloads.size());
    std::map<std::string, std::vector<std::size_t>> by_ns;
    std::map<std::pair<std::string, std::string>, MissingSecret> by_name;
    for (std::size_t i = 0; i < inv.workloads.size(); ++i) {
        const auto& w = inv.workloads[i];
        by_ns[w.ns].push_back(i);
        facts[i].rights = secret_rights(rbac.of(w));
        for (const auto& c : w.pod.containers)
            if (c.init && known_api_client(c)) facts[i].init_client = true;
        for (const auto& u : required_secrets(w)) {
            if (!u.init) facts[i].needs.insert(u.secret);
            if (shipped.count(w.ns + "/" + u.secret)) continue;
            auto& m = by_name[{w.ns, u.secret}];
            m.ns = w.ns;
            m.name = u.secret;
            if (m.dependents.empty() || m.dependents.back() != i) m.dependents.push_back(i);
        }
    }
    std::vector<MissingSecret> out;
    for (auto& [_, m] : by_name) {
        m.creators = creators_of(facts, by_ns[m.ns], m.name);
        out.push_back(std::move(m));
    }
    return out;
}

// The cascade when workload `creator` never calls the API server: the Secrets it creates at
// runtime are never created, and every other workload that needs one cannot start.
std::string cascade(const Ctx& ctx, const std::vector<MissingSecret>& missing, std::size_t creator) {
    std::string out;
    for (const auto& m : missing) {
        if (std::find(m.creators.begin(), m.creators.end(), creator) == m.creators.end()) continue;
        std::vector<std::string> down;
        for (auto d : m.dependents)
            if (d != creator) down.push_back(ctx.inv.workloads[d].name);
        out += "\nThen: Secret " + m.name + " is never created (the manifests don't ship it; " + ctx.inv.workloads[creator].name +
               " creates it at runtime), so " + (down.empty() ? std::string("nothing else") : join(down)) + " cannot start: secret \"" + m.name +
               "\" not found.";
    }
    return out;
}

void check_api_server(Ctx& ctx, const std::vector<MissingSecret>& missing, std::vector<ApiNeed>& needs) {
    const auto& eps = ctx.engine.endpoints();
    const auto& api = eps.all[eps.api_server];
    const auto& a = ctx.config.api_server;
    for (auto& need : needs) {
        const auto& w = ctx.inv.workloads[need.workload];
        auto src_i = eps.find(w);
        if (src_i == EndpointSet::npos) continue;
        const auto& src = eps.all[src_i];
        auto conn = ctx.engine.allowed(src, api);
        Need req{src_i, eps.api_server, Protocol::tcp, a.port, "calls the API server", CheckId::api_server_reachable, need.level};
        req.allowed = conn.allows(Protocol::tcp, a.port);
        req.service_name = "kubernetes";
        req.service_ns = "default";
        req.service_port = a.service_port;
        ctx.out.requirements.push_back(std::move(req));
        CheckResult r{CheckId::api_server_reachable, subject_of(w)};
        r.workload = id_of(w);
        if (conn.allows(Protocol::tcp, a.port)) {
            r.message = "reaches the API server at " + a.text() +
                        (ctx.engine.selecting(src, Direction::egress).empty() ? " (egress not restricted)" : " (allowed by its egress policies)");
            ctx.out.results.push_back(std::move(r));
            continue;
        }
        need.blocked = true;
        auto policies = ctx.engine.selecting(src, Direction::egress);
        Finding f;
        f.id = "PF001";
        f.severity = need.level;
        std::string who = need.who.empty() ? "its pods" : join(need.who);
        f.title = w.kind + " " + w.name + ": " + who + " cannot reach the Kubernetes API server (" + a.text() + ")";
        std::string expl;
        expl += "Why it needs the API server:\n  " + join(need.containers, ";\n  ") + ".\n";
        const auto& roles = ctx.rbac.of(w);
        expl += "  Service account " + w.pod.service_account +
                (token_mounted(ctx.inv, w) ? " has a token mounted" : " has no token mounted (automountServiceAccountToken: false), which it will need too") +
                (roles.empty() ? "" : "; bound to " + describe_rbac(roles)) + ".\n";
        expl += "What blocks it:\n  " + policy_list(ctx.engine, policies, Direction::egress) + ".\n";
        expl += "  The API server is not a pod: pod and namespace selectors never match it; only an ipBlock containing " +
                a.address_text + " or a rule without `to` reaches it, and the port a policy sees is the endpoint port after the Service DNAT: " +
                std::to_string(a.port) + ", not the Service port " + std::to_string(a.service_port) + " of " + a.service_ip + ".\n";
        if (conn.allows(Protocol::tcp, a.service_port) && a.service_port != a.port)
            expl += "  The policies allow TCP " + std::to_string(a.service_port) + " to it, which only works where the endpoint itself listens on " +
                    std::to_string(a.service_port) + " (many managed clusters), not on kind or kubeadm (" + std::to_string(a.port) + ").\n";
        expl += "  Assumed API endpoint: " + a.text() + " (--apiserver-endpoint).\n";
        expl += "On a cluster: the call times out where the enforcer drops (dial tcp " + a.service_ip + ":" + std::to_string(a.service_port) +
                ": i/o timeout) or fails at once where it rejects (connect: connection refused)";
        expl += need.init ? " and the pods stay in Init." : ".";
        expl += cascade(ctx, missing, need.workload);
        f.explanation = std::move(expl);
        f.remediation = "Allow egress from these pods to the API server: add an egress rule with `to: [{ipBlock: {cidr: " +
                        a.address_text + "/32}}]` (or the control-plane node range) and `ports: [{port: " + std::to_string(a.port) +
                        ", protocol: TCP}, {port: " + std::to_string(a.service_port) +
                        ", protocol: TCP}]` for clusters that expose either port; or remove Egress from the policy's policyTypes.";
        add_location(f, w.object);
        for (const auto* p : policies) add_location(f, p->object);
        f.blocked_by = policy_brief(ctx.engine, policies, Direction::egress);
        for (const auto& c : w.pod.containers)
            if (std::any_of(need.who.begin(), need.who.end(), [&](const std::string& who) { return who.ends_with(" " + c.name); }))
                f.containers.push_back(c.name);
        r.passed = need.level == Severity::warning;
        r.message = f.title;
        r.finding = std::move(f);
        ctx.out.results.push_back(std::move(r));
    }
}

// Why `w` mounts no token: the pod's own setting wins over its ServiceAccount's.
std::string no_token_reason(const Inventory& inv, const Workload& w) {
    if (w.pod.automount_token && !*w.pod.automount_token) return "the pod sets automountServiceAccountToken: false";
    return "ServiceAccount " + w.pod.service_account + " sets automountServiceAccountToken: false (the pod does not override it)";
}

// PF007: a known API client whose pods mount no service-account token (and no projected one)
// cannot authenticate (in-cluster config finds no token file): as fatal as a blocked API server,
// with the same cascade into the Secrets it would have created.
void check_tokens(Ctx& ctx, const std::vector<MissingSecret>& missing, std::vector<ApiNeed>& needs) {
    for (auto& need : needs) {
        if (need.level != Severity::error) continue;  // only a known client is sure to call
        const auto& w = ctx.inv.workloads[need.workload];
        CheckResult r{CheckId::api_token_mounted, subject_of(w)};
        r.workload = id_of(w);
        if (token_mounted(ctx.inv, w)) {
            r.message = "mounts the token of service account " + w.pod.service_account;
            ctx.out.results.push_back(std::move(r));
            continue;
        }
        need.unauthenticated = true;
        Finding f;
        f.id = "PF007";
        f.title = w.kind + " " + w.name + ": " + join(need.who) + " calls the API server but no service-account token is mounted";
        std::string expl = "Why it needs the API server:\n  " + join(need.containers, ";\n  ") + ".\n";
        expl += "Why it cannot authenticate: " + no_token_reason(ctx.inv, w) +
                " and no projected serviceAccountToken volume is mounted, so /var/run/secrets/kubernetes.io/serviceaccount/token does not exist: "
                "in-cluster configuration fails (kubectl falls back to localhost:8080 and is refused)";
        expl += need.init ? " and the pods stay in Init." : ".";
        expl += cascade(ctx, missing, need.workload);
        f.explanation = std::move(expl);
        f.remediation = "Mount the token: remove automountServiceAccountToken: false (on the pod, or set it true there to override the "
                        "ServiceAccount), or mount a projected serviceAccountToken volume where the client looks for it.";
        add_location(f, w.object);
        if (const auto* sa = ctx.inv.service_account(w.ns, w.pod.service_account); sa && !(w.pod.automount_token)) add_location(f, sa->object);
        r.passed = false;
        r.message = f.title;
        r.finding = std::move(f);
        ctx.out.results.push_back(std::move(r));
    }
}

// PF008: what the API server refuses in a pod template (k8s.io/kubernetes pkg/apis/core/
// validation: validateContainers, validateVolumes, validateVolumeMounts, validateContainerPorts):
// a volumeMount naming no volume of the pod ("Not found"), two containers (init containers
// included) or two volumes of one name, two ports of one container with one name ("Duplicate
// value"). The apply fails, so nothing of the release is installed.
void check_pod_specs(Ctx& ctx) {
    for (const auto& w : ctx.inv.workloads) {
        std::vector<std::string> problems;
        auto at = [&](const model::Mark& m) { return w.object ? " (" + w.object->where.file + ":" + std::to_string(m.line) + ")" : std::string(); };
        std::set<std::string> volumes, containers;
        for (const auto& [name, mark] : w.pod.volumes)
            if (!volumes.insert(name).second) problems.push_back("volume '" + name + "' is defined twice: Duplicate value" + at(mark));
        for (const auto& c : w.pod.containers) {
            std::string who = std::string(c.init ? "init container " : "container ") + c.name;
            if (!containers.insert(c.name).second) problems.push_back(who + ": a container of that name exists already: Duplicate value" + at(c.mark));
            for (const auto& [name, mark] : c.volume_mounts)
                if (!volumes.count(name)) problems.push_back(who + " mounts volume '" + name + "', which the pod does not define: Not found" + at(mark));
            std::set<std::string> ports;
            for (const auto& [name, mark] : c.port_names)
                if (!ports.insert(name).second) problems.push_back(who + ": port name '" + name + "' used twice: Duplicate value" + at(mark));
        }
        if (problems.empty()) continue;
        CheckResult r{CheckId::pod_spec_valid, subject_of(w)};
        r.workload = id_of(w);
        r.passed = false;
        Finding f{"PF008", Severity::error, w.kind + " " + w.name + ": the API server refuses its pod template (" + problems.front() + ")"};
        f.explanation = "The API server validates every pod template and refuses the object, so the apply fails and nothing of the release "
                        "is installed:\n  " + join(problems, "\n  ") + ".";
        f.remediation = "Define the volume the mount names (or fix the name), and give containers, volumes and a container's ports unique names.";
        add_location(f, w.object);
        r.message = f.title;
        r.finding = std::move(f);
        ctx.out.results.push_back(std::move(r));
    }
}

void check_missing_secrets(Ctx& ctx, const std::vector<MissingSecret>& missing, const std::vector<ApiNeed>& needs) {
    for (const auto& m : missing) {
        CheckResult r{CheckId::runtime_secret_created, "Secret/" + m.name};
        std::vector<std::string> dependents, creators, blocked;
        for (auto d : m.dependents) dependents.push_back(subject_of(ctx.inv.workloads[d]));
        for (auto c : m.creators) {
            creators.push_back(subject_of(ctx.inv.workloads[c]));
            bool is_blocked = std::any_of(needs.begin(), needs.end(), [&](const ApiNeed& n) {
                return n.workload == c && (n.blocked || n.unauthenticated) && n.level == Severity::error;
            });
            if (is_blocked) blocked.push_back(subject_of(ctx.inv.workloads[c]));
        }
        Finding f;
        f.id = "PF004";
        for (auto d : m.dependents) add_location(f, ctx.inv.workloads[d].object);
        if (creators.empty()) {
            f.severity = Severity::warning;
            f.title = "Secret " + m.name + " is required by " + join(dependents) + " but neither shipped nor created by any workload here";
            f.explanation = "No workload in these manifests can create Secrets and is tied to " + m.name +
                            "; something outside them (an operator, a pipeline step) must create it before " + join(dependents) + " can start.";
            f.remediation = "Ship the Secret, mark the reference optional, or make sure its creator runs first.";
            r.message = f.title;
            r.finding = std::move(f);
        } else if (blocked.size() == creators.size()) {
            f.severity = Severity::error;
            bool unauthenticated = std::any_of(needs.begin(), needs.end(), [&](const ApiNeed& n) {
                return n.unauthenticated && std::find(m.creators.begin(), m.creators.end(), n.workload) != m.creators.end();
            });
            f.title = "Secret " + m.name + " will never exist: its creator " + join(creators) +
                      (unauthenticated ? " cannot call the API server" : " cannot reach the API server") + ", so " + join(dependents) +
                      " cannot start";
            f.explanation = "The manifests don't ship Secret " + m.name + "; " + join(creators) +
                            " creates it at runtime (its service account may create Secrets). See " +
                            (unauthenticated ? "api-token-mounted and " : "") + "api-server-reachable for " + join(creators) + ".";
            f.remediation = unauthenticated ? "Mount the creator's service-account token (PF007) and allow its API server egress (PF001)."
                                            : "Fix the creator's API server egress (PF001).";
            r.passed = false;
            r.message = f.title;
            r.finding = std::move(f);
        } else {
            r.message = "not shipped; created at runtime by " + join(creators) + ", needed by " + join(dependents);
        }
        ctx.out.results.push_back(std::move(r));
    }
}

// The Redis Services (by image or name) and their backends.
struct RedisService {
    const model::Service* svc = nullptr;
    std::vector<std::size_t> backends;  // endpoint indices
};

// Endpoints a Service selects (its backends).
std::vector<std::size_t> backends_of(const Ctx& ctx, const model::Service& s) {
    std::vector<std::size_t> out;
    if (s.selector.empty()) return out;
    const auto& eps = ctx.engine.endpoints();
    for (std::size_t i = 0; i < eps.all.size(); ++i) {
        const auto& e = eps.all[i];
        if (!e.is_pod() || !e.workload || e.ns != s.ns) continue;
        bool selected = std::all_of(s.selector.begin(), s.selector.end(), [&](const auto& kv) {
            auto it = e.labels.find(kv.first);
            return it != e.labels.end() && it->second == kv.second;
        });
        if (selected) out.push_back(i);
    }
    return out;
}

// Redis Services: those whose backends run a Redis image, and those named for Redis (kept even
// when they select no pods, so a client of one is told instead of silently not checked).
std::vector<RedisService> redis_services(const Ctx& ctx) {
    std::vector<RedisService> out;
    const auto& eps = ctx.engine.endpoints();
    for (const auto& s : ctx.inv.services) {
        RedisService rs{&s, backends_of(ctx, s)};
        bool redis_image = false;
        for (auto i : rs.backends)
            for (const auto& c : eps.all[i].workload->pod.containers)
                if (lower(c.image).find("redis") != std::string::npos) redis_image = true;
        if (redis_image || lower(s.name).find("redis") != std::string::npos) out.push_back(std::move(rs));
    }
    return out;
}

bool uses_redis(const Workload& w) {
    for (const auto& c : w.pod.containers) {
        for (const auto& e : c.env) {
            if (lower(e.name).find("redis") != std::string::npos) return true;
            if (e.secret_ref && lower(e.secret_ref->name).find("redis") != std::string::npos) return true;
        }
        for (const auto& a : c.args)
            if (a.starts_with("--redis")) return true;
    }
    return false;
}

std::optional<std::int64_t> resolve_target_port(const model::ServicePort& sp, const Endpoint& backend) {
    if (sp.target_port.empty()) return sp.port;
    char* end = nullptr;
    long n = std::strtol(sp.target_port.c_str(), &end, 10);
    if (end && *end == '\0') return n;
    for (const auto& p : backend.ports)
        if (p.name == sp.target_port && p.protocol == sp.protocol) return p.port;
    return std::nullopt;
}

// The Secret key a Redis client authenticates with: an env var about Redis taken from a Secret,
// its password first (the argo-cd chart sets REDIS_USERNAME from a Secret before REDIS_PASSWORD:
// the first Redis variable was the username, and the live probe sent no password); a variable
// naming a user is never the password.
std::optional<model::SecretKeyRef> redis_auth(const model::Workload& w) {
    std::optional<model::SecretKeyRef> fallback;
    for (const auto& c : w.pod.containers)
        for (const auto& e : c.env) {
            auto name = lower(e.name);
            if (!e.secret_ref || name.find("redis") == std::string::npos || name.find("user") != std::string::npos) continue;
            if (name.find("pass") != std::string::npos || name.find("auth") != std::string::npos) return e.secret_ref;
            if (!fallback) fallback = e.secret_ref;
        }
    return fallback;
}

// Where a client's Redis settings point: Services of the manifests (with the port named, or 0),
// and addresses that are no Service here (an external Redis).
struct RedisTargets {
    std::vector<std::pair<const model::Service*, std::int64_t>> services;
    std::vector<std::string> external;
};

// Whether a Redis setting names an address: REDIS_SERVER, *_HOST, *_ADDR, *_URL, --redis...
bool address_setting(std::string_view name) {
    auto n = lower(std::string(name));
    for (const char* word : {"server", "host", "addr", "url", "endpoint", "sentinel"})
        if (n.find(word) != std::string::npos) return true;
    return n == "--redis";
}

// "host", "host:port", "redis://user@host:port/0": a host name (letters, digits, dots, dashes).
bool looks_like_address(std::string_view v) {
    if (auto scheme = v.find("://"); scheme != std::string_view::npos) v = v.substr(scheme + 3);
    if (auto at = v.rfind('@'); at != std::string_view::npos) v = v.substr(at + 1);
    if (v.empty()) return false;
    return std::all_of(v.begin(), v.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '/' || c == ',';
    });
}

RedisTargets redis_targets(const Ctx& ctx, const Workload& w) {
    RedisTargets out;
    auto consider = [&](std::string_view setting, const std::string& value) {
        auto found = referenced_services(ctx.inv, value);
        for (const auto& t : found)
            if (std::find(out.services.begin(), out.services.end(), t) == out.services.end()) out.services.push_back(t);
        if (found.empty() && address_setting(setting) && looks_like_address(value)) out.external.push_back(value);
    };
    for (const auto& c : w.pod.containers) {
        for (const auto& e : c.env) {
            if (lower(e.name).find("redis") == std::string::npos) continue;
            if (!e.value.empty()) consider(e.name, e.value);
            if (e.config_map_ref)
                if (auto v = config_value(ctx.inv, w.ns, e.config_map_ref->name, e.config_map_ref->key); v && !v->empty()) consider(e.name, *v);
        }
        for (std::size_t i = 0; i < c.args.size(); ++i) {
            const auto& a = c.args[i];
            if (!a.starts_with("--redis")) continue;
            auto eq = a.find('=');
            std::string flag = a.substr(0, eq);
            if (eq != std::string::npos) consider(flag, a.substr(eq + 1));
            else if (i + 1 < c.args.size() && !c.args[i + 1].starts_with("-")) consider(flag, c.args[i + 1]);
        }
    }
    return out;
}

// The Service port a client of `svc` dials: the one it names (`wanted`), else the port that is
// Redis by name or number, else the first one that is not a metrics port. nullptr: none.
const model::ServicePort* redis_port(const model::Service& svc, std::int64_t wanted) {
    if (wanted) {
        for (const auto& p : svc.ports)
            if (p.port == wanted) return &p;
        return nullptr;
    }
    for (const auto& p : svc.ports)
        if (lower(p.name).find("redis") != std::string::npos || p.port == 6379) return &p;
    for (const auto& p : svc.ports) {
        auto n = lower(p.name);
        if (n.find("metric") == std::string::npos && n.find("exporter") == std::string::npos && n.find("prom") == std::string::npos) return &p;
    }
    return nullptr;
}

void redis_problem(Ctx& ctx, const Workload& w, const model::Service& svc, std::string title, std::string explanation,
                   std::string remediation) {
    CheckResult r{CheckId::redis_reachable, subject_of(w) + " -> Service/" + svc.name};
    r.workload = id_of(w);
    r.passed = false;
    Finding f{"PF002", Severity::error, std::move(title)};
    f.explanation = std::move(explanation);
    f.remediation = std::move(remediation);
    add_location(f, w.object);
    add_location(f, svc.object);
    r.message = f.title;
    r.finding = std::move(f);
    ctx.out.results.push_back(std::move(r));
}

// One client -> one backend of a Redis Service on Service port `sp`.
void check_redis_backend(Ctx& ctx, const Workload& w, std::size_t src_i, const model::Service& svc, const model::ServicePort& sp,
                         std::size_t b) {
    const auto& eps = ctx.engine.endpoints();
    const auto& dst = eps.all[b];
    auto port = resolve_target_port(sp, dst);
    CheckResult r{CheckId::redis_reachable, subject_of(w) + " -> Service/" + svc.name};
    r.workload = id_of(w);
    Protocol proto = sp.protocol == "UDP" ? Protocol::udp : sp.protocol == "SCTP" ? Protocol::sctp : Protocol::tcp;
    if (!port) {
        r.passed = false;
        Finding f{"PF002", Severity::error, "Service " + svc.name + " targets port '" + sp.target_port + "', which " + dst.name + " does not declare"};
        f.explanation = "The Service's targetPort names a container port that no container of " + dst.id() + " has.";
        f.remediation = "Name the container port or use a number.";
        add_location(f, svc.object);
        r.message = f.title;
        r.finding = std::move(f);
        ctx.out.results.push_back(std::move(r));
        return;
    }
    const auto& src = eps.all[src_i];
    auto egress = ctx.engine.egress(src, dst);
    auto ingress = ctx.engine.ingress(src, dst);
    Need req{src_i, b, proto, *port, "uses Redis", CheckId::redis_reachable};
    req.allowed = egress.allows(proto, *port) && ingress.allows(proto, *port);
    req.service_name = svc.name;
    req.service_ns = svc.ns;
    req.service_port = sp.port;
    req.auth = redis_auth(w);
    ctx.out.requirements.push_back(std::move(req));
    if (egress.allows(proto, *port) && ingress.allows(proto, *port)) {
        r.message = "reaches " + dst.id() + " on " + to_string(proto) + " " + std::to_string(*port) + " (Service " + svc.name + ")";
        ctx.out.results.push_back(std::move(r));
        return;
    }
    Finding f;
    f.id = "PF002";
    f.title = w.kind + " " + w.name + " uses Redis but cannot reach " + dst.name + " on " + to_string(proto) + " " + std::to_string(*port) +
              " (Service " + svc.name + ")";
    std::string expl;
    if (!egress.allows(proto, *port))
        expl += "Egress of the client is blocked:\n  " + policy_list(ctx.engine, ctx.engine.selecting(src, Direction::egress), Direction::egress) + ".\n";
    if (!ingress.allows(proto, *port))
        expl += "Ingress of the Redis pods is blocked:\n  " +
                policy_list(ctx.engine, ctx.engine.selecting(dst, Direction::ingress), Direction::ingress) + ".\n";
    expl += "A NetworkPolicy sees the backend port after the Service DNAT: " + std::to_string(*port) + ".";
    f.explanation = expl;
    f.remediation = "Add " + w.name + "'s pod labels to the ingress rule of the policy that selects " + dst.name + " (or widen its egress) for " +
                    to_string(proto) + " " + std::to_string(*port) + ".";
    add_location(f, w.object);
    for (const auto* p : ctx.engine.selecting(dst, Direction::ingress)) add_location(f, p->object);
    for (const auto* p : ctx.engine.selecting(src, Direction::egress)) add_location(f, p->object);
    r.passed = false;
    r.message = f.title;
    r.finding = std::move(f);
    ctx.out.results.push_back(std::move(r));
}

// One client -> one Redis Service: a port it exposes, pods it selects, then every backend.
void check_redis_target(Ctx& ctx, const Workload& w, std::size_t src_i, const model::Service& svc, std::int64_t wanted) {
    const auto* sp = redis_port(svc, wanted);
    if (!sp) {
        std::vector<std::string> ports;
        for (const auto& p : svc.ports) ports.push_back(std::to_string(p.port) + (p.name.empty() ? "" : " (" + p.name + ")"));
        redis_problem(ctx, w, svc,
                      w.kind + " " + w.name + " dials Redis at Service " + svc.name +
                          (wanted ? " port " + std::to_string(wanted) + ", which the Service does not expose" : ", which exposes no Redis port"),
                      "Service " + svc.name + " exposes " + (ports.empty() ? std::string("no ports") : join(ports)) + ".",
                      "Point the client at a port the Service exposes, or add that port to the Service.");
        return;
    }
    auto backends = backends_of(ctx, svc);
    if (backends.empty()) {
        if (svc.selector.empty()) {
            CheckResult r{CheckId::redis_reachable, subject_of(w) + " -> Service/" + svc.name};
            r.workload = id_of(w);
            r.message = "Service " + svc.name + " has no selector (its endpoints are managed outside these manifests); not checked";
            ctx.out.results.push_back(std::move(r));
            return;
        }
        std::vector<std::string> sel;
        for (const auto& [k, v] : svc.selector) sel.push_back(k + "=" + v);
        redis_problem(ctx, w, svc, w.kind + " " + w.name + " uses Redis through Service " + svc.name + ", which selects no pods",
                      "The Service selects " + join(sel) + " in namespace " + svc.ns +
                          "; no workload of these manifests has those pod labels, so the Service has no endpoints and every connection fails.",
                      "Make the Service's selector match the Redis pods' labels.");
        return;
    }
    for (auto b : backends) check_redis_backend(ctx, w, src_i, svc, *sp, b);
}

void check_redis(Ctx& ctx) {
    const auto& eps = ctx.engine.endpoints();
    auto services = redis_services(ctx);
    for (const auto& w : ctx.inv.workloads) {
        if (!uses_redis(w)) continue;
        auto src_i = eps.find(w);
        if (src_i == EndpointSet::npos) continue;
        bool is_backend = std::any_of(services.begin(), services.end(), [&](const RedisService& rs) {
            return std::find(rs.backends.begin(), rs.backends.end(), src_i) != rs.backends.end();
        });
        if (is_backend) continue;
        // Which Redis does it use? The Service its Redis settings name; an address that is no
        // Service here is an external Redis; with no setting, the only Redis Service.
        auto targets = redis_targets(ctx, w);
        if (targets.services.empty() && targets.external.empty() && services.empty()) continue;  // no Redis here at all
        if (targets.services.empty() && !targets.external.empty()) {
            CheckResult r{CheckId::redis_reachable, subject_of(w)};
            r.workload = id_of(w);
            r.message = "uses an external Redis (" + join(targets.external) + "), not a Service of these manifests; not checked";
            ctx.out.results.push_back(std::move(r));
            continue;
        }
        std::vector<const RedisService*> non_headless;
        for (const auto& rs : services)
            if (!rs.svc->headless && rs.svc->ns == w.ns) non_headless.push_back(&rs);
        if (targets.services.empty() && non_headless.size() == 1) targets.services.emplace_back(non_headless[0]->svc, 0);
        if (targets.services.empty()) {
            CheckResult r{CheckId::redis_reachable, subject_of(w)};
            r.workload = id_of(w);
            r.message = "uses Redis, but which Service it connects to is not in the manifests; not checked";
            ctx.out.results.push_back(std::move(r));
            continue;
        }
        for (const auto& [svc, wanted] : targets.services) check_redis_target(ctx, w, src_i, *svc, wanted);
    }
}

void check_dns(Ctx& ctx) {
    const auto& eps = ctx.engine.endpoints();
    const auto& dns = eps.all[eps.dns];
    for (const auto& w : ctx.inv.workloads) {
        auto src_i = eps.find(w);
        if (src_i == EndpointSet::npos || w.pod.host_network) continue;
        const auto& src = eps.all[src_i];
        auto policies = ctx.engine.selecting(src, Direction::egress);
        // Open egress reaches DNS unless a policy on the DNS pods (an ingress deny-all in
        // kube-system) turns it away at the server.
        auto at_server = ctx.engine.selecting(dns, Direction::ingress);
        if (policies.empty() && at_server.empty()) continue;
        std::vector<std::string> names;
        for (const auto& c : w.pod.containers)
            for (const auto& s : configured_strings(ctx.inv, w, c)) {
                for (const auto& [svc, _] : referenced_services(ctx.inv, s)) names.push_back(svc->name);
                if (auto host = dialled_hostname(s)) names.push_back(*host);
            }
        if (names.empty()) continue;
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        auto conn = ctx.engine.allowed(src, dns);
        bool udp = conn.allows(Protocol::udp, 53), tcp = conn.allows(Protocol::tcp, 53);
        Need req{src_i, eps.dns, Protocol::udp, 53, "resolves service names", CheckId::dns_reachable};
        req.allowed = udp;
        req.service_name = "kube-dns";
        req.service_ns = "kube-system";
        req.service_port = 53;
        ctx.out.requirements.push_back(std::move(req));
        CheckResult r{CheckId::dns_reachable, subject_of(w)};
        r.workload = id_of(w);
        if (udp) {
            r.message = std::string("resolves names through ") + dns.id() + " (UDP 53" + (tcp ? ", TCP 53" : "") + ")";
            ctx.out.results.push_back(std::move(r));
            continue;
        }
        Finding f;
        f.id = "PF003";
        bool egress_blocks = !ctx.engine.egress(src, dns).allows(Protocol::udp, 53);
        f.title = w.kind + " " + w.name + " addresses services by name (" + join(names) + ") but " +
                  (egress_blocks ? "its egress blocks DNS" : "the DNS pods' ingress policies turn it away");
        if (egress_blocks) {
            f.explanation = "Egress is restricted:\n  " + policy_list(ctx.engine, policies, Direction::egress) +
                            ".\nCluster DNS (" + dns.id() + ", UDP and TCP 53) is not allowed, so every lookup fails.";
            f.remediation = "Add an egress rule to UDP and TCP 53 (optionally `to` namespace kube-system, pods k8s-app=kube-dns).";
        } else {
            f.explanation = "Ingress of cluster DNS (" + dns.id() + ") is restricted:\n  " + policy_list(ctx.engine, at_server, Direction::ingress) +
                            ".\nQueries from " + w.name + " on UDP 53 are not admitted, so every lookup fails (for every pod those policies do not admit).";
            f.remediation = "Admit DNS queries (UDP and TCP 53) from every namespace in the policy that selects the DNS pods, or remove it.";
        }
        add_location(f, w.object);
        for (const auto* p : policies) add_location(f, p->object);
        if (!egress_blocks)
            for (const auto* p : at_server) add_location(f, p->object);
        r.passed = false;
        r.message = f.title;
        r.finding = std::move(f);
        ctx.out.results.push_back(std::move(r));
    }
}

std::size_t find_by_id(const EndpointSet& set, const std::string& id) {
    for (std::size_t i = 0; i < set.all.size(); ++i)
        if (set.all[i].id() == id) return i;
    return EndpointSet::npos;
}

void check_baseline(Ctx& ctx, const Inventory& base_inv, const Engine& base) {
    Analysis before = analyze(base_inv, base, ctx.config);
    const auto& eps = ctx.engine.endpoints();
    std::set<std::string> seen;
    for (const auto& req : ctx.out.requirements) {
        const auto& src = eps.all[req.src];
        const auto& dst = eps.all[req.dst];
        std::string label = src.id() + " -> " + dst.id() + " " + to_string(req.protocol) + " " + std::to_string(req.port);
        if (!seen.insert(label).second) continue;
        bool now = ctx.engine.allowed(src, dst).allows(req.protocol, req.port);
        auto bs = find_by_id(base.endpoints(), src.id());
        auto bd = find_by_id(base.endpoints(), dst.id());
        bool existed = bs != EndpointSet::npos && bd != EndpointSet::npos;
        bool then = existed && base.allowed(base.endpoints().all[bs], base.endpoints().all[bd]).allows(req.protocol, req.port);
        // The same need: the same endpoints (by identity), protocol and port, known at least as
        // surely. A guess in the baseline that the candidate confirms (a known client now runs)
        // is a new confirmed need; a guess against any earlier need is not new.
        bool needed_then = existed && std::any_of(before.requirements.begin(), before.requirements.end(), [&](const Need& r) {
            return r.src == bs && r.dst == bd && r.protocol == req.protocol && r.port == req.port &&
                   (req.level == Severity::warning || r.level == Severity::error);
        });
        CheckResult r{CheckId::baseline_regression, label};
        if (now) {
            r.message = "allowed" + std::string(then ? " (as in the baseline)" : " (new in the candidate)");
            ctx.out.results.push_back(std::move(r));
            continue;
        }
        if (!then && needed_then) {
            // Not a regression: the same need met the same block in the baseline. PF001/PF002/PF003
            // report the block itself, at the need's own severity.
            r.message = "blocked as in the baseline (" + req.why + "); see " + std::string(to_string(req.check));
            ctx.out.results.push_back(std::move(r));
            continue;
        }
        Finding f;
        f.id = "PF005";
        // A need PF001 only guesses (a token and RBAC, no known client) stays a guess here: a
        // regression is an error only for a need the manifests confirm.
        f.severity = req.level;
        add_location(f, src.workload ? src.workload->object : nullptr);
        if (then) {
            f.title = "the candidate removes " + label + ", which the baseline allowed and " + src.name + " still needs (" + req.why + ")";
            f.explanation = "Baseline policies allowed this connection; the candidate's do not.";
        } else {
            f.title = "the candidate adds a need the policies do not allow: " + label + " (" + req.why + ")";
            bool baseline_clean = std::all_of(before.results.begin(), before.results.end(), [](const CheckResult& c) { return c.passed; });
            std::vector<std::string> blocking;
            for (const auto* p : ctx.engine.selecting(src, Direction::egress)) blocking.push_back(p->name);
            for (const auto* p : ctx.engine.selecting(dst, Direction::ingress)) blocking.push_back(p->name);
            f.explanation = "In the baseline " + (existed ? src.name + " had no such need" : src.id() + " did not exist") +
                            (baseline_clean ? " and every static check passed" : "") + "; in the candidate it needs this connection and " +
                            (blocking.empty() ? std::string("its policies") : "NetworkPolicy " + join(blocking)) +
                            " do not allow it" + (then ? "" : (existed ? " (nor did the baseline's)" : "")) +
                            ": the release added a requirement without widening its policy.";
        }
        f.remediation = "See the " + std::string(to_string(req.check)) + " finding for " + src.name + ".";
        r.passed = req.level == Severity::warning;
        r.message = f.title;
        r.finding = std::move(f);
        ctx.out.results.push_back(std::move(r));
    }
}

}  // namespace

const char* to_string(CheckId c) {
    switch (c) {
        case CheckId::api_server_reachable: return "api-server-reachable";
        case CheckId::runtime_secret_created: return "runtime-secret-created";
        case CheckId::redis_reachable: return "redis-reachable";
        case CheckId::dns_reachable: return "dns-reachable";
        case CheckId::baseline_regression: return "baseline-regression";
        case CheckId::api_version_served: return "api-version-served";
        case CheckId::api_token_mounted: return "api-token-mounted";
        case CheckId::pod_spec_valid: return "pod-spec-valid";
        case CheckId::redis_isolation: return "redis-isolation";
        case CheckId::enforcement_canary: return "enforcement-canary";
    }
    return "unknown";
}

const std::vector<CheckInfo>& check_catalog() {
    static const std::vector<CheckInfo> k_catalog = {
        {"PF001", "api-server-reachable", "workloads that call the API server can reach its endpoint"},
        {"PF002", "redis-reachable", "components that use Redis can reach the Redis Service's backend port"},
        {"PF003", "dns-reachable", "pods with restricted egress that use service names can reach cluster DNS"},
        {"PF004", "runtime-secret-created", "Secrets the workloads need but the manifests don't ship have a working creator"},
        {"PF005", "baseline-regression", "connections the candidate needs are not lost against the baseline"},
        {"PF007", "api-token-mounted", "workloads that run a known API client mount a service-account token to authenticate with"},
        {"PF008", "pod-spec-valid", "pod templates pass the API server's validation (volume mounts, unique names)"},
        {"PF006", "api-version-served", "every object's apiVersion is served by the target Kubernetes version (--kube-version)"},
    };
    return k_catalog;
}

Analysis analyze(const model::Inventory& inv, const Engine& engine, const ModelConfig& config,
                 const model::Inventory* baseline_inv, const Engine* baseline) {
    Analysis out;
    Rbac rbac(inv);
    Ctx ctx{inv, engine, config, out, rbac};
    const auto& a = config.api_server;
    out.assumptions.push_back("API server endpoint " + a.text() + " behind Service " +
                              a.service_ip + ":" + std::to_string(a.service_port) + " (policies see the endpoint port)");
    out.assumptions.push_back("cluster DNS: " + engine.endpoints().all[engine.endpoints().dns].id() + " on UDP/TCP 53");
    for (const auto* o : inv.unmodelled_policies) out.ignored.push_back(o->api_version + " " + located(o));
    auto missing = missing_secrets(inv, rbac);
    auto needs = api_needs(ctx);
    check_api_server(ctx, missing, needs);
    check_tokens(ctx, missing, needs);
    check_missing_secrets(ctx, missing, needs);
    check_redis(ctx);
    check_dns(ctx);
    check_pod_specs(ctx);
    if (baseline_inv && baseline) check_baseline(ctx, *baseline_inv, *baseline);
    return out;
}

}  // namespace preflight::analysis
