// NetworkPolicy (networking.k8s.io/v1) decoded and validated, ready for evaluation.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "preflight/analysis/cidr.hpp"
#include "preflight/analysis/selector.hpp"
#include "preflight/model/views.hpp"

namespace preflight::analysis {

enum class Protocol { tcp, udp, sctp };
const char* to_string(Protocol p);

struct IpBlock {
    std::string cidr_text;
    IpRange cidr;
    std::vector<IpRange> except;
    bool contains(const IpRange& addr) const;
};

struct Peer {
    std::optional<LabelSelector> pod_selector;
    std::optional<LabelSelector> namespace_selector;
    std::optional<IpBlock> ip_block;
};

struct PortSpec {
    Protocol protocol = Protocol::tcp;
    std::optional<std::int64_t> port;  // absent with no name: every port
    std::string named_port;            // resolved against the destination's container ports
    std::optional<std::int64_t> end_port;
};

struct Rule {
    std::vector<Peer> peers;  // empty: every peer (absent or empty `from`/`to`)
    std::vector<PortSpec> ports;  // empty: every port
    model::Mark mark;
};

struct Policy {
    const model::Object* object = nullptr;
    std::string name, ns;
    LabelSelector pod_selector;
    bool affects_ingress = true;
    bool affects_egress = false;
    std::vector<Rule> ingress, egress;

    std::string where() const;  // file:line
};

// Decodes `obj`; appends every problem (invalid CIDR, unknown protocol, invalid operator,
// port out of range, peer with no selector) to `problems`, each with its position.
Policy parse_policy(const model::Object& obj, const std::string& default_ns, std::vector<Problem>& problems);

}  // namespace preflight::analysis
