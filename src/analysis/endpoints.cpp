// Building the endpoint set: workloads, synthetic peers, and disjoint external IP ranges.
#include "preflight/analysis/endpoints.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace preflight::analysis {

std::string Endpoint::id() const {
    switch (kind) {
        case EndpointKind::pod: return ns + "/" + name + "[" + owner_kind + "]";
        case EndpointKind::api_server: return "kube-apiserver[" + format_ip(range.v6, range.lo) + "]";
        case EndpointKind::external: return range.str();
    }
    return name;
}

ApiServerEndpoint kind_default_api_server() {
    ApiServerEndpoint a;
    // kind's first node on the "kind" docker network (172.18.0.0/16) is usually .2; the
    // address matters only to ipBlock rules, and the output always says what was assumed.
    a.address_text = "172.18.0.2";
    a.address = *parse_ip(a.address_text);
    a.port = 6443;
    return a;
}

std::optional<ApiServerEndpoint> parse_api_server_endpoint(std::string_view text) {
    std::string_view host, port;
    if (text.starts_with("[")) {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    auto ip = parse_ip(host);
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (!ip || ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) return std::nullopt;
    ApiServerEndpoint a;
    a.address = *ip;
    a.address_text = std::string(host);
    a.port = p;
    return a;
}

std::size_t EndpointSet::find(const model::Workload& w) const {
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].workload == &w) return i;
    // A Pod merged into its owner's endpoint.
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].is_pod() && all[i].ns == w.ns &&
            ((all[i].name == w.owner_name && all[i].owner_kind == w.owner_kind) ||
             (all[i].name == w.name && all[i].owner_kind == w.kind)))
            return i;
    return npos;
}

namespace {

model::Labels namespace_labels(const model::Inventory& inv, const std::string& ns) {
    model::Labels labels;
    for (const auto& n : inv.namespaces)
        if (n.name == ns) labels = n.labels;
    labels["kubernetes.io/metadata.name"] = ns;  // set by the API server on every namespace
    return labels;
}

void add_external_ranges(EndpointSet& set, const std::vector<Policy>& policies) {
    std::set<u128> cuts_v4, cuts_v6;
    bool any_v6 = false;
    auto cut = [&](const IpRange& r) {
        auto& cuts = r.v6 ? cuts_v6 : cuts_v4;
        if (r.v6) any_v6 = true;
        cuts.insert(r.lo);
        cuts.insert(r.hi + 1);
    };
    for (const auto& p : policies)
        for (const auto* rules : {&p.ingress, &p.egress})
            for (const auto& rule : *rules)
                for (const auto& peer : rule.peers)
                    if (peer.ip_block) {
                        cut(peer.ip_block->cidr);
                        for (const auto& e : peer.ip_block->except) cut(e);
                    }
    auto emit = [&](bool v6, std::set<u128>& cuts, u128 max) {
        cuts.insert(0);
        std::vector<u128> points(cuts.begin(), cuts.end());
        for (std::size_t i = 0; i < points.size(); ++i) {
            u128 lo = points[i];
            if (lo > max) break;
            // hi+1 of the full space wraps to 0 for IPv6; the set then simply has no next cut.
            u128 hi = i + 1 < points.size() && points[i + 1] != 0 && points[i + 1] - 1 <= max ? points[i + 1] - 1 : max;
            Endpoint e;
            e.kind = EndpointKind::external;
            e.range = {v6, lo, hi};
            set.all.push_back(std::move(e));
            if (hi == max) break;
        }
    };
    emit(false, cuts_v4, 0xffffffffu);
    if (any_v6) {
        cuts_v6.erase(0);  // wrapped hi+1 of ::/0
        emit(true, cuts_v6, ~u128(0));
    }
}

}  // namespace

EndpointSet build_endpoints(const model::Inventory& inv, const std::vector<Policy>& policies, const ModelConfig& config) {
    EndpointSet set;
    std::set<std::string> seen;
    std::size_t dns = EndpointSet::npos;
    for (const auto& w : inv.workloads) {
        Endpoint e;
        e.ns = w.ns;
        bool owned = w.kind == "Pod" && !w.owner_name.empty();
        e.name = owned ? w.owner_name : w.name;
        e.owner_kind = owned ? w.owner_kind : w.kind;
        e.labels = w.pod.labels;
        e.ns_labels = namespace_labels(inv, w.ns);
        e.workload = &w;
        // Ports of the containers that serve: an init container's ports are gone once it has run
        // (a named port only it declares resolves to nothing), a sidecar's stay.
        for (const auto& c : w.pod.containers)
            if (!c.init || c.sidecar)
                for (const auto& p : c.ports) e.ports.push_back(p);
        if (!seen.insert(e.id()).second) {
            // The controller's template is what its pods run; a Pod of it in the input (listed
            // before it, perhaps stale) must not lend the endpoint its labels.
            if (!owned)
                for (auto& existing : set.all)
                    if (existing.id() == e.id() && existing.workload && existing.workload->kind == "Pod") existing = std::move(e);
            continue;
        }
        if (dns == EndpointSet::npos && w.ns == "kube-system" && e.labels.count("k8s-app") && e.labels.at("k8s-app") == "kube-dns")
            dns = set.all.size();
        set.all.push_back(std::move(e));
    }
    if (dns == EndpointSet::npos) {
        // CoreDNS as kubeadm and kind deploy it.
        dns = set.all.size();
        Endpoint coredns;
        coredns.ns = "kube-system";
        coredns.name = "kube-dns";
        coredns.owner_kind = "Deployment";
        coredns.labels = {{"k8s-app", "kube-dns"}};
        coredns.ns_labels = namespace_labels(inv, "kube-system");
        coredns.ports = {{"dns", 53, "UDP"}, {"dns-tcp", 53, "TCP"}, {"metrics", 9153, "TCP"}};
        coredns.synthetic_dns = true;
        set.all.push_back(std::move(coredns));
    }
    set.dns = dns;
    Endpoint api;
    api.kind = EndpointKind::api_server;
    api.name = "kube-apiserver";
    api.range = config.api_server.address;
    api.ports = {{"https", config.api_server.port, "TCP"}};
    set.all.push_back(std::move(api));
    set.api_server = set.all.size() - 1;
    add_external_ranges(set, policies);
    return set;
}

}  // namespace preflight::analysis
