// NetworkPolicy evaluation: selection, peers, ports (named, ranges), union of policies,
// and the both-ends rule (source egress AND destination ingress).
#include "preflight/analysis/engine.hpp"

#include <algorithm>

namespace preflight::analysis {

PortSet PortSet::all() {
    PortSet s;
    s.m_ranges = {{1, 65535}};
    return s;
}

void PortSet::add(std::int64_t lo, std::int64_t hi) {
    lo = std::max<std::int64_t>(lo, 1);
    hi = std::min<std::int64_t>(hi, 65535);
    if (lo > hi) return;
    m_ranges.emplace_back(lo, hi);
    std::sort(m_ranges.begin(), m_ranges.end());
    std::vector<std::pair<std::int64_t, std::int64_t>> merged;
    for (const auto& r : m_ranges) {
        if (!merged.empty() && r.first <= merged.back().second + 1) merged.back().second = std::max(merged.back().second, r.second);
        else merged.push_back(r);
    }
    m_ranges = std::move(merged);
}

void PortSet::unite(const PortSet& other) {
    for (const auto& [lo, hi] : other.m_ranges) add(lo, hi);
}

PortSet PortSet::intersect(const PortSet& other) const {
    PortSet out;
    for (const auto& a : m_ranges)
        for (const auto& b : other.m_ranges) out.add(std::max(a.first, b.first), std::min(a.second, b.second));
    return out;
}

bool PortSet::contains(std::int64_t port) const {
    return std::any_of(m_ranges.begin(), m_ranges.end(), [&](const auto& r) { return r.first <= port && port <= r.second; });
}

bool PortSet::full() const { return m_ranges.size() == 1 && m_ranges[0] == std::pair<std::int64_t, std::int64_t>{1, 65535}; }

ConnSet ConnSet::all() {
    ConnSet c;
    for (auto& p : c.m_by) p = PortSet::all();
    return c;
}

void ConnSet::unite(const ConnSet& other) {
    for (int i = 0; i < 3; ++i) m_by[i].unite(other.m_by[i]);
}

ConnSet ConnSet::intersect(const ConnSet& other) const {
    ConnSet out;
    for (int i = 0; i < 3; ++i) out.m_by[i] = m_by[i].intersect(other.m_by[i]);
    return out;
}

bool ConnSet::empty() const {
    return std::all_of(m_by.begin(), m_by.end(), [](const PortSet& p) { return p.empty(); });
}

bool ConnSet::is_all() const {
    return std::all_of(m_by.begin(), m_by.end(), [](const PortSet& p) { return p.full(); });
}

std::string ConnSet::str() const {
    if (is_all()) return "All Connections";
    if (empty()) return "No Connections";
    std::string out;
    for (Protocol p : {Protocol::sctp, Protocol::tcp, Protocol::udp}) {
        const auto& ports = m_by[static_cast<int>(p)];
        if (ports.empty()) continue;
        if (!out.empty()) out += ",";
        out += to_string(p);
        out += " ";
        bool first = true;
        for (const auto& [lo, hi] : ports.ranges()) {
            if (!first) out += ",";
            first = false;
            out += lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
        }
    }
    return out;
}

Engine::Engine(std::vector<Policy> policies, EndpointSet endpoints)
    : m_policies(std::move(policies)), m_endpoints(std::move(endpoints)) {}

bool Engine::selects(const Policy& p, const Endpoint& e) const {
    return e.is_pod() && e.ns == p.ns && p.pod_selector.matches(e.labels);
}

std::vector<const Policy*> Engine::selecting(const Endpoint& e, Direction dir) const {
    std::vector<const Policy*> out;
    for (const auto& p : m_policies) {
        bool affects = dir == Direction::ingress ? p.affects_ingress : p.affects_egress;
        if (affects && selects(p, e)) out.push_back(&p);
    }
    return out;
}

bool Engine::peer_matches(const Policy& p, const Peer& peer, const Endpoint& e) const {
    if (peer.ip_block) {
        // ipBlock describes addresses outside the pod network: it never matches pods.
        return !e.is_pod() && peer.ip_block->contains(e.range);
    }
    if (!e.is_pod()) return false;  // selectors only ever match pods
    if (peer.namespace_selector) {
        if (!peer.namespace_selector->matches(e.ns_labels)) return false;
    } else if (e.ns != p.ns) {
        return false;  // a bare podSelector means the policy's own namespace
    }
    return !peer.pod_selector || peer.pod_selector->matches(e.labels);
}

ConnSet Engine::rules_allow(const Policy& p, const std::vector<Rule>& rules, const Endpoint& peer,
                            const Endpoint& port_owner) const {
    ConnSet out;
    for (const auto& rule : rules) {
        bool peer_ok = rule.peers.empty() ||
                       std::any_of(rule.peers.begin(), rule.peers.end(), [&](const Peer& x) { return peer_matches(p, x, peer); });
        if (!peer_ok) continue;
        if (rule.ports.empty()) {
            out.unite(ConnSet::all());
            continue;
        }
        for (const auto& ps : rule.ports) {
            PortSet ports;
            if (!ps.named_port.empty()) {
                // A named port means whatever the destination's container calls that name,
                // with the rule's protocol; a name that resolves nowhere allows nothing.
                // Names resolve only against a destination pod's containers: the API server,
                // DNS-as-a-node or an ipBlock address has no named ports a policy could mean.
                if (port_owner.is_pod())
                    for (const auto& cp : port_owner.ports)
                        if (cp.name == ps.named_port && cp.protocol == to_string(ps.protocol)) ports.add(cp.port, cp.port);
            } else if (ps.port) {
                ports.add(*ps.port, ps.end_port.value_or(*ps.port));
            } else {
                ports = PortSet::all();
            }
            out.add(ps.protocol, ports);
        }
    }
    return out;
}

ConnSet Engine::egress(const Endpoint& src, const Endpoint& dst) const {
    auto policies = selecting(src, Direction::egress);
    if (policies.empty()) return ConnSet::all();
    ConnSet out;
    for (const auto* p : policies) out.unite(rules_allow(*p, p->egress, dst, dst));
    return out;
}

ConnSet Engine::ingress(const Endpoint& src, const Endpoint& dst) const {
    auto policies = selecting(dst, Direction::ingress);
    if (policies.empty()) return ConnSet::all();
    ConnSet out;
    for (const auto* p : policies) out.unite(rules_allow(*p, p->ingress, src, dst));
    return out;
}

ConnSet Engine::allowed(const Endpoint& src, const Endpoint& dst) const {
    return egress(src, dst).intersect(ingress(src, dst));
}

std::string Engine::summarize(const Policy& p, Direction dir) const {
    const auto& rules = dir == Direction::egress ? p.egress : p.ingress;
    const char* what = dir == Direction::egress ? "egress" : "ingress";
    if (rules.empty()) return std::string(what) + ": nothing (deny all)";
    std::vector<std::string> parts;
    for (const auto& r : rules) {
        std::string ports;
        for (const auto& ps : r.ports) {
            if (!ports.empty()) ports += ", ";
            if (!ps.named_port.empty()) ports += ps.named_port;
            else if (ps.port) ports += std::to_string(*ps.port) + (ps.end_port ? "-" + std::to_string(*ps.end_port) : "");
            else ports += "all ports";
            ports += "/";
            ports += to_string(ps.protocol);
        }
        if (ports.empty()) ports = "all ports";
        std::string peers;
        for (const auto& peer : r.peers) {
            if (!peers.empty()) peers += "; ";
            if (peer.ip_block) {
                peers += "ipBlock " + peer.ip_block->cidr_text;
                if (!peer.ip_block->except.empty()) peers += " (with exceptions)";
            } else {
                if (peer.namespace_selector) peers += "namespaces {" + peer.namespace_selector->describe() + "}";
                if (peer.pod_selector) peers += std::string(peer.namespace_selector ? " " : "") + "pods {" + peer.pod_selector->describe() + "}";
            }
        }
        parts.push_back(ports + (peers.empty() ? (dir == Direction::egress ? " to anywhere" : " from anywhere") : " with " + peers));
    }
    std::string out = std::string(what) + " only ";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " | " : "") + parts[i];
    return out;
}

}  // namespace preflight::analysis
