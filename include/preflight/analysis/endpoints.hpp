// Endpoints of the connectivity model: workloads, cluster DNS, the API server, IP ranges.
#pragma once
#include <string>
#include <vector>

#include "preflight/analysis/cidr.hpp"
#include "preflight/analysis/policy.hpp"
#include "preflight/model/views.hpp"

namespace preflight::analysis {

enum class EndpointKind { pod, api_server, external };

struct Endpoint {
    EndpointKind kind = EndpointKind::pod;
    std::string ns, name, owner_kind;  // owner_kind: Deployment, StatefulSet, Pod, ...
    model::Labels labels, ns_labels;
    const model::Workload* workload = nullptr;  // nullptr for synthetic endpoints
    std::vector<model::ContainerPort> ports;
    IpRange range;  // api_server / external only
    bool synthetic_dns = false;

    // "ns/name[Kind]" for pods (netpol-analyzer's form), "a.b.c.d-e.f.g.h" for ranges.
    std::string id() const;
    bool is_pod() const { return kind == EndpointKind::pod; }
};

struct ApiServerEndpoint {
    IpRange address;  // single address
    std::string address_text;
    std::int64_t port = 6443;
    std::int64_t service_port = 443;  // what clients dial (kubernetes.default.svc)
    std::string service_ip = "10.96.0.1";
    std::string text() const { return address_text + ":" + std::to_string(port); }  // "172.18.0.2:6443"
};

struct ModelConfig {
    std::string default_ns = "argocd";
    ApiServerEndpoint api_server;
};

// What kind's defaults give: kube-apiserver on the control-plane node, port 6443, behind the
// Service 10.96.0.1:443.
ApiServerEndpoint kind_default_api_server();
// "IP:PORT" (IPv6 as [addr]:port); nullopt when malformed.
std::optional<ApiServerEndpoint> parse_api_server_endpoint(std::string_view text);

struct EndpointSet {
    std::vector<Endpoint> all;
    std::size_t api_server = 0;  // index into `all`
    std::size_t dns = 0;         // index into `all`

    // Index of the endpoint for workload `w`, or npos.
    std::size_t find(const model::Workload& w) const;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

// One endpoint per workload (a Pod owned by a controller is named by its owner; duplicates are
// merged), cluster DNS (unless the manifests ship it), the API server, and the IP space split
// at every ipBlock boundary the policies mention.
EndpointSet build_endpoints(const model::Inventory& inv, const std::vector<Policy>& policies, const ModelConfig& config);

}  // namespace preflight::analysis
