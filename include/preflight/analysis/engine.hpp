// The NetworkPolicy engine: which connections policies allow between endpoints.
#pragma once
#include <array>
#include <unordered_map>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "preflight/analysis/endpoints.hpp"
#include "preflight/analysis/policy.hpp"

namespace preflight::analysis {

// Sorted, disjoint, inclusive port ranges within 1..65535.
class PortSet {
public:
    static PortSet all();
    // From any ranges (clipped to 1..65535, sorted and merged once).
    static PortSet from_ranges(std::vector<std::pair<std::int64_t, std::int64_t>> ranges);
    void add(std::int64_t lo, std::int64_t hi);
    PortSet intersect(const PortSet& other) const;
    void unite(const PortSet& other);
    bool contains(std::int64_t port) const;
    bool empty() const { return m_ranges.empty(); }
    bool full() const;
    const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges() const { return m_ranges; }

private:
    std::vector<std::pair<std::int64_t, std::int64_t>> m_ranges;
};

// Allowed connections per protocol.
class ConnSet {
public:
    static ConnSet all();
    static ConnSet none() { return {}; }
    void add(Protocol p, const PortSet& ports) { m_by[static_cast<int>(p)].unite(ports); }
    void unite(const ConnSet& other);
    ConnSet intersect(const ConnSet& other) const;
    bool allows(Protocol p, std::int64_t port) const { return m_by[static_cast<int>(p)].contains(port); }
    bool empty() const;
    bool is_all() const;
    const PortSet& ports(Protocol p) const { return m_by[static_cast<int>(p)]; }
    // "All Connections", "No Connections", or "TCP 53,UDP 53" / "TCP 80,443,8000-9000"
    // (netpol-analyzer's form: protocols in alphabetical order).
    std::string str() const;

private:
    std::array<PortSet, 3> m_by;
};

enum class Direction { ingress, egress };

class Engine {
public:
    Engine(std::vector<Policy> policies, EndpointSet endpoints);
    // The indexes point into the engine's own policies: a copy would point into another's.
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const EndpointSet& endpoints() const { return m_endpoints; }
    const std::vector<Policy>& policies() const { return m_policies; }

    // Whether `p` selects endpoint `e` (only pods in the policy's namespace can be selected).
    bool selects(const Policy& p, const Endpoint& e) const;
    // Policies selecting `e` for `dir`; empty means `e` is open in that direction.
    std::vector<const Policy*> selecting(const Endpoint& e, Direction dir) const;
    // What `src`'s egress policies allow towards `dst` (ports resolved against `dst`).
    ConnSet egress(const Endpoint& src, const Endpoint& dst) const;
    // What `dst`'s ingress policies allow from `src`.
    ConnSet ingress(const Endpoint& src, const Endpoint& dst) const;
    // Both directions: a connection needs egress at the source and ingress at the destination.
    ConnSet allowed(const Endpoint& src, const Endpoint& dst) const;
    // Plain summary of what `p`'s rules in `dir` allow, e.g. "egress only to 53/UDP, 53/TCP".
    std::string summarize(const Policy& p, Direction dir) const;

private:
    struct RulePorts {
        ConnSet numeric;                       // numeric ports and ranges, and "all ports" entries
        std::vector<const PortSpec*> named;    // resolved per destination
    };
    std::vector<const Policy*> scan_selecting(const Endpoint& e, Direction dir) const;
    bool peer_matches(const Policy& p, const Peer& peer, const Endpoint& e) const;
    ConnSet rules_allow(const Policy& p, const std::vector<Rule>& rules, const Endpoint& peer,
                        const Endpoint& port_owner) const;

    std::vector<Policy> m_policies;
    EndpointSet m_endpoints;
    std::vector<std::vector<const Policy*>> m_selecting_in, m_selecting_out;  // per endpoint index
    std::unordered_map<const Rule*, RulePorts> m_rule_ports;
};

}  // namespace preflight::analysis
