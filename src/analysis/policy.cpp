// NetworkPolicy decoding with the API server's validation rules, so bad input is reported
// with a position instead of being silently evaluated as something else.
#include "preflight/analysis/policy.hpp"

#include <algorithm>

namespace preflight::analysis {

const char* to_string(Protocol p) {
    switch (p) {
        case Protocol::tcp: return "TCP";
        case Protocol::udp: return "UDP";
        case Protocol::sctp: return "SCTP";
    }
    return "TCP";
}

bool IpBlock::contains(const IpRange& addr) const {
    if (!cidr.contains(addr)) return false;
    return std::none_of(except.begin(), except.end(), [&](const IpRange& e) { return e.overlaps(addr); });
}

std::string Policy::where() const { return object ? object->where.str() : std::string(); }

namespace {

struct Ctx {
    const std::string& file;
    std::vector<Problem>& problems;
    void add(const model::Mark& m, std::string msg) { problems.push_back({file, m, std::move(msg)}); }
};

bool valid_port_name(std::string_view s) {
    // IANA_SVC_NAME: 1-15 chars, lowercase alphanumerics and '-', at least one letter.
    if (s.empty() || s.size() > 15 || s.front() == '-' || s.back() == '-' || s.find("--") != std::string_view::npos) return false;
    bool letter = false;
    for (char c : s) {
        if (c >= 'a' && c <= 'z') letter = true;
        else if (!(c >= '0' && c <= '9') && c != '-') return false;
    }
    return letter;
}

// A field the API server expects as a list: null (absent) and lists pass; a mapping or scalar is
// refused, never widened into "no restriction".
bool list_or_absent(const model::Value& v, const std::string& what, Ctx& ctx) {
    if (v.is_null() || v.is_sequence()) return true;
    ctx.add(v.mark, what + " must be a list");
    return false;
}

std::vector<PortSpec> parse_ports(const model::Value& v, Ctx& ctx) {
    std::vector<PortSpec> out;
    list_or_absent(v, "ports", ctx);
    for (const auto& p : v.items) {
        PortSpec ps;
        if (!p.is_mapping()) {
            ctx.add(p.mark, "a ports entry must be a mapping (protocol, port, endPort)");
            continue;
        }
        const auto* proto_v = p.find("protocol");
        if (proto_v && !proto_v->is_null() && (!proto_v->is_scalar() || !model::reads_as_string(*proto_v))) {
            ctx.add(proto_v->mark, "protocol must be TCP, UDP or SCTP");
            continue;
        }
        std::string proto(p["protocol"].str());
        if (proto_v && proto_v->is_scalar() && proto.empty()) {
            ctx.add(proto_v->mark, "protocol is empty (expected TCP, UDP or SCTP; omit it for TCP)");
            continue;
        }
        if (proto.empty() || proto == "TCP") ps.protocol = Protocol::tcp;
        else if (proto == "UDP") ps.protocol = Protocol::udp;
        else if (proto == "SCTP") ps.protocol = Protocol::sctp;
        else {
            ctx.add(p["protocol"].mark, "unknown protocol '" + proto + "' (expected TCP, UDP or SCTP)");
            continue;
        }
        const auto& port = p["port"];
        bool ok = true;
        if (!port.is_null() && !port.is_scalar()) {
            ctx.add(port.mark, "port must be a number or a port name, not a " + std::string(port.is_mapping() ? "mapping" : "list"));
            continue;
        }
        if (port.is_scalar()) {
            if (auto n = port.as_int()) {
                if (*n < 1 || *n > 65535) {
                    ctx.add(port.mark, "port " + std::to_string(*n) + " out of range 1-65535");
                    ok = false;
                }
                ps.port = *n;
            } else if (valid_port_name(port.scalar)) {
                ps.named_port = port.scalar;
            } else {
                ctx.add(port.mark, "port '" + port.scalar + "' is neither a number nor a valid port name");
                ok = false;
            }
        }
        if (const auto* end = p.find("endPort")) {
            auto n = end->as_int();
            if (!n || *n < 1 || *n > 65535) {
                ctx.add(end->mark, "endPort out of range 1-65535");
                ok = false;
            } else if (!ps.port) {
                ctx.add(end->mark, "endPort needs a numeric port");
                ok = false;
            } else if (*n < *ps.port) {
                ctx.add(end->mark, "endPort " + std::to_string(*n) + " is below port " + std::to_string(*ps.port));
                ok = false;
            } else {
                ps.end_port = *n;
            }
        }
        if (ok) out.push_back(std::move(ps));
    }
    return out;
}

std::vector<Peer> parse_peers(const model::Value& v, const char* key, Ctx& ctx) {
    std::vector<Peer> out;
    list_or_absent(v, key, ctx);
    for (const auto& item : v.items) {
        Peer peer;
        if (!item.is_mapping()) {
            ctx.add(item.mark, std::string("a ") + key + " entry must be a mapping (podSelector, namespaceSelector or ipBlock)");
            continue;
        }
        if (const auto* ps = item.find("podSelector")) peer.pod_selector = parse_selector(*ps, ctx.file, ctx.problems);
        if (const auto* ns = item.find("namespaceSelector"))
            peer.namespace_selector = parse_selector(*ns, ctx.file, ctx.problems);
        if (const auto* ib = item.find("ipBlock")) {
            if (peer.pod_selector || peer.namespace_selector) {
                ctx.add(ib->mark, "ipBlock cannot be combined with podSelector or namespaceSelector in one peer");
                continue;
            }
            std::string text((*ib)["cidr"].str());
            auto cidr = parse_cidr(text);
            if (!cidr) {
                ctx.add((*ib)["cidr"].mark.line ? (*ib)["cidr"].mark : ib->mark, "invalid CIDR '" + text + "'");
                continue;
            }
            IpBlock block{text, *cidr, {}};
            bool except_ok = list_or_absent((*ib)["except"], "except", ctx);
            for (const auto& e : (*ib)["except"].items) {
                auto ex = parse_cidr(e.str());
                if (!ex) ctx.add(e.mark, "invalid CIDR '" + std::string(e.str()) + "' in except"), except_ok = false;
                else if (!cidr->contains(*ex)) ctx.add(e.mark, "except " + std::string(e.str()) + " is not inside " + text), except_ok = false;
                else if (ex->contains(*cidr))
                    ctx.add(e.mark, "except " + std::string(e.str()) + " is not a strict subset of " + text + " (it excludes everything)"), except_ok = false;
                else block.except.push_back(*ex);
            }
            if (!except_ok) continue;
            peer.ip_block = std::move(block);
        }
        if (!peer.pod_selector && !peer.namespace_selector && !peer.ip_block) {
            if (!item.find("ipBlock")) ctx.add(item.mark, "peer needs podSelector, namespaceSelector or ipBlock");
            continue;
        }
        out.push_back(std::move(peer));
    }
    return out;
}

std::vector<Rule> parse_rules(const model::Value& v, const char* peers_key, Ctx& ctx) {
    std::vector<Rule> out;
    if (!v.is_null() && !v.is_sequence()) {
        ctx.add(v.mark, "rules must be a list");
        return out;
    }
    for (const auto& r : v.items) {
        Rule rule;
        rule.mark = r.mark;
        if (!r.is_mapping() && !r.is_null()) {
            ctx.add(r.mark, "a rule must be a mapping");
            continue;
        }
        auto before = ctx.problems.size();
        rule.peers = parse_peers(r[peers_key], peers_key, ctx);
        rule.ports = parse_ports(r["ports"], ctx);
        // A rule with any invalid part is dropped (and reported): it must never widen into
        // "everyone" or "every port".
        if (ctx.problems.size() != before) continue;
        out.push_back(std::move(rule));
    }
    return out;
}

}  // namespace

Policy parse_policy(const model::Object& obj, const std::string& default_ns, std::vector<Problem>& problems) {
    Ctx ctx{obj.where.file, problems};
    Policy p;
    p.object = &obj;
    p.name = obj.name;
    p.ns = obj.ns.empty() ? default_ns : obj.ns;
    const auto& spec = obj.spec();
    if (!spec.is_mapping()) {
        ctx.add(obj.body.mark, "NetworkPolicy " + obj.name + " has no spec");
        return p;
    }
    if (!spec.find("podSelector")) ctx.add(spec.mark, "NetworkPolicy " + obj.name + " has no spec.podSelector");
    p.pod_selector = parse_selector(spec["podSelector"], ctx.file, problems);
    p.ingress = parse_rules(spec["ingress"], "from", ctx);
    p.egress = parse_rules(spec["egress"], "to", ctx);
    const auto* types = spec.find("policyTypes");
    if (types && !types->is_null() && !types->is_sequence()) ctx.add(types->mark, "policyTypes must be a list (e.g. [Ingress, Egress])");
    if (types && !types->items.empty()) {
        p.affects_ingress = p.affects_egress = false;
        for (const auto& t : types->items) {
            if (t.str() == "Ingress") p.affects_ingress = true;
            else if (t.str() == "Egress") p.affects_egress = true;
            else ctx.add(t.mark, "unknown policyType '" + std::string(t.str()) + "' (expected Ingress or Egress)");
        }
    } else {
        // Defaulting by the API server: Ingress always, Egress when egress rules exist.
        p.affects_ingress = true;
        p.affects_egress = !spec["egress"].items.empty();
    }
    return p;
}

}  // namespace preflight::analysis
