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

namespace {
using Ranges = std::vector<std::pair<std::int64_t, std::int64_t>>;

// Sorted, merged (touching ranges joined) form of `r`.
Ranges normalized(Ranges r) {
    std::sort(r.begin(), r.end());
    Ranges out;
    out.reserve(r.size());
    for (const auto& x : r) {
        if (!out.empty() && x.first <= out.back().second + 1) out.back().second = std::max(out.back().second, x.second);
        else out.push_back(x);
    }
    return out;
}
}  // namespace

PortSet PortSet::from_ranges(std::vector<std::pair<std::int64_t, std::int64_t>> ranges) {
    PortSet s;
    Ranges clipped;
    clipped.reserve(ranges.size());
    for (auto [lo, hi] : ranges) {
        lo = std::max<std::int64_t>(lo, 1);
        hi = std::min<std::int64_t>(hi, 65535);
        if (lo <= hi) clipped.emplace_back(lo, hi);
    }
    s.m_ranges = normalized(std::move(clipped));
    return s;
}

void PortSet::add(std::int64_t lo, std::int64_t hi) {
    lo = std::max<std::int64_t>(lo, 1);
    hi = std::min<std::int64_t>(hi, 65535);
    if (lo > hi) return;
    // The ranges that touch [lo, hi] are contiguous in the sorted list: replace them by one.
    auto first = std::lower_bound(m_ranges.begin(), m_ranges.end(), lo - 1,
                                  [](const auto& r, std::int64_t v) { return r.second < v; });
    auto last = first;
    while (last != m_ranges.end() && last->first <= hi + 1) {
        lo = std::min(lo, last->first);
        hi = std::max(hi, last->second);
        ++last;
    }
    first = m_ranges.erase(first, last);
    m_ranges.insert(first, {lo, hi});
}

void PortSet::unite(const PortSet& other) {
    if (other.m_ranges.empty()) return;
    if (m_ranges.empty()) {
        m_ranges = other.m_ranges;
        return;
    }
    // Linear merge of two sorted lists.
    Ranges merged;
    merged.reserve(m_ranges.size() + other.m_ranges.size());
    std::size_t i = 0, j = 0;
    auto push = [&](const std::pair<std::int64_t, std::int64_t>& r) {
        if (!merged.empty() && r.first <= merged.back().second + 1) merged.back().second = std::max(merged.back().second, r.second);
        else merged.push_back(r);
    };
    while (i < m_ranges.size() || j < other.m_ranges.size()) {
        if (j == other.m_ranges.size() || (i < m_ranges.size() && m_ranges[i] < other.m_ranges[j])) push(m_ranges[i++]);
        else push(other.m_ranges[j++]);
    }
    m_ranges = std::move(merged);
}

PortSet PortSet::intersect(const PortSet& other) const {
    PortSet out;
    std::size_t i = 0, j = 0;
    while (i < m_ranges.size() && j < other.m_ranges.size()) {
        auto lo = std::max(m_ranges[i].first, other.m_ranges[j].first);
        auto hi = std::min(m_ranges[i].second, other.m_ranges[j].second);
        if (lo <= hi) out.m_ranges.emplace_back(lo, hi);
        if (m_ranges[i].second < other.m_ranges[j].second) ++i;
        else ++j;
    }
    return out;
}

bool PortSet::contains(std::int64_t port) const {
    auto it = std::lower_bound(m_ranges.begin(), m_ranges.end(), port, [](const auto& r, std::int64_t v) { return r.second < v; });
    return it != m_ranges.end() && it->first <= port;
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
    : m_policies(std::move(policies)), m_endpoints(std::move(endpoints)) {
    // Indexes that make evaluating every pair quadratic instead of cubic: which policies select
    // each endpoint (per direction), and each rule's numeric ports as one set, built once.
    m_selecting_in.resize(m_endpoints.all.size());
    m_selecting_out.resize(m_endpoints.all.size());
    for (std::size_t i = 0; i < m_endpoints.all.size(); ++i) {
        m_selecting_in[i] = scan_selecting(m_endpoints.all[i], Direction::ingress);
        m_selecting_out[i] = scan_selecting(m_endpoints.all[i], Direction::egress);
    }
    for (const auto& p : m_policies)
        for (const auto* rules : {&p.ingress, &p.egress})
            for (const auto& rule : *rules) {
                RulePorts rp;
                std::array<Ranges, 3> raw;
                for (const auto& ps : rule.ports) {
                    if (!ps.named_port.empty()) rp.named.push_back(&ps);
                    else if (ps.port) raw[static_cast<int>(ps.protocol)].emplace_back(*ps.port, ps.end_port.value_or(*ps.port));
                    else raw[static_cast<int>(ps.protocol)].emplace_back(1, 65535);
                }
                for (Protocol proto : {Protocol::tcp, Protocol::udp, Protocol::sctp})
                    rp.numeric.add(proto, PortSet::from_ranges(std::move(raw[static_cast<int>(proto)])));
                m_rule_ports.emplace(&rule, std::move(rp));
            }
}

bool Engine::selects(const Policy& p, const Endpoint& e) const {
    return e.is_pod() && e.ns == p.ns && p.pod_selector.matches(e.labels);
}

std::vector<const Policy*> Engine::scan_selecting(const Endpoint& e, Direction dir) const {
    std::vector<const Policy*> out;
    for (const auto& p : m_policies) {
        bool affects = dir == Direction::ingress ? p.affects_ingress : p.affects_egress;
        if (affects && selects(p, e)) out.push_back(&p);
    }
    return out;
}

std::vector<const Policy*> Engine::selecting(const Endpoint& e, Direction dir) const {
    const auto& all = m_endpoints.all;
    if (!all.empty() && &e >= all.data() && &e < all.data() + all.size()) {
        auto i = static_cast<std::size_t>(&e - all.data());
        return dir == Direction::ingress ? m_selecting_in[i] : m_selecting_out[i];
    }
    return scan_selecting(e, dir);  // an endpoint that is not ours (tests, probes)
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
        const auto& rp = m_rule_ports.at(&rule);
        out.unite(rp.numeric);
        for (const auto* ps : rp.named) {
            // A named port means whatever the destination's container calls that name, with
            // the rule's protocol; a name that resolves nowhere allows nothing. Names resolve
            // only against a destination pod's containers: the API server, DNS-as-a-node or an
            // ipBlock address has no named ports a policy could mean.
            if (!port_owner.is_pod()) continue;
            PortSet ports;
            for (const auto& cp : port_owner.ports)
                if (cp.name == ps->named_port && cp.protocol == to_string(ps->protocol)) ports.add(cp.port, cp.port);
            out.add(ps->protocol, ports);
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
