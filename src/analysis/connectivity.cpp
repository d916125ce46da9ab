// Connectivity map and its netpol-analyzer-compatible renderings.
#include "preflight/analysis/connectivity.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace preflight::analysis {

namespace {

// The cut points of one direction's ipBlocks (each cidr and except's first address and the one
// after its last), per address family, with 0: the partition netpol-analyzer derives from them.
struct Cuts {
    std::set<u128> v4{0}, v6{0};
    const std::set<u128>& of(bool v6_family) const { return v6_family ? v6 : v4; }
};

Cuts direction_cuts(const std::vector<Policy>& policies, bool ingress) {
    Cuts c;
    auto cut = [&](const IpRange& r) {
        auto& set = r.v6 ? c.v6 : c.v4;
        set.insert(r.lo);
        u128 max = r.v6 ? ~u128(0) : u128(0xffffffffu);
        if (r.hi < max) set.insert(r.hi + 1);
    };
    for (const auto& p : policies)
        for (const auto& rule : ingress ? p.ingress : p.egress)
            for (const auto& peer : rule.peers)
                if (peer.ip_block) {
                    cut(peer.ip_block->cidr);
                    for (const auto& e : peer.ip_block->except) cut(e);
                }
    return c;
}

// The block of `cuts`' partition that holds `r` (r lies inside one: the model's ranges are cut
// at every boundary of both directions).
IpRange block_of(const IpRange& r, const Cuts& cuts) {
    const auto& set = cuts.of(r.v6);
    auto next = set.upper_bound(r.lo);
    u128 lo = *std::prev(next);
    u128 max = r.v6 ? ~u128(0) : u128(0xffffffffu);
    u128 hi = next == set.end() ? max : *next - 1;
    return {r.v6, lo, hi};
}

// Why an endpoint is in the model though not in the input ("" when it is the input's).
std::string origin_of(const Endpoint& e) {
    if (e.kind == EndpointKind::api_server) return "the API server (not in the input; its endpoint as assumed or given)";
    if (e.synthetic_dns) return "cluster DNS as kind deploys it (assumed: the input ships no kube-dns)";
    return "";
}

}  // namespace

std::vector<ConnectionRow> connectivity(const Engine& engine, Peers peers) {
    std::vector<ConnectionRow> rows;
    const auto& eps = engine.endpoints().all;
    const bool manifests = peers == Peers::manifests;
    Cuts src_cuts, dst_cuts;
    if (manifests) {
        src_cuts = direction_cuts(engine.policies(), true);
        dst_cuts = direction_cuts(engine.policies(), false);
    }
    // manifests: rows of one (src, dst) pair of netpol-analyzer's peers, from the model's finer
    // ranges; merged only when every piece allows the same connection.
    std::map<std::pair<std::string, std::string>, std::vector<ConnectionRow>> pieces;
    std::map<std::pair<std::string, std::string>, std::size_t> expected;
    for (std::size_t i = 0; i < eps.size(); ++i)
        for (std::size_t j = 0; j < eps.size(); ++j) {
            if (i == j || (!eps[i].is_pod() && !eps[j].is_pod())) continue;
            std::string src_origin = origin_of(eps[i]), dst_origin = origin_of(eps[j]);
            if (manifests && (!src_origin.empty() || !dst_origin.empty())) continue;
            auto conn = engine.allowed(eps[i], eps[j]);
            std::string src = eps[i].id(), dst = eps[j].id();
            if (manifests && (eps[i].kind == EndpointKind::external || eps[j].kind == EndpointKind::external)) {
                if (eps[i].kind == EndpointKind::external) src = block_of(eps[i].range, src_cuts).str();
                if (eps[j].kind == EndpointKind::external) dst = block_of(eps[j].range, dst_cuts).str();
                ++expected[{src, dst}];
                if (!conn.empty()) pieces[{src, dst}].push_back({eps[i].id(), eps[j].id(), conn.str(), ""});
                continue;
            }
            if (conn.empty()) continue;
            std::string origin = !src_origin.empty() ? "src: " + src_origin : !dst_origin.empty() ? "dst: " + dst_origin : "";
            rows.push_back({std::move(src), std::move(dst), conn.str(), std::move(origin)});
        }
    for (auto& [key, fine] : pieces) {
        bool uniform = fine.size() == expected[key] &&
                       std::all_of(fine.begin(), fine.end(), [&](const ConnectionRow& r) { return r.conn == fine.front().conn; });
        if (uniform) rows.push_back({key.first, key.second, fine.front().conn, ""});
        else rows.insert(rows.end(), fine.begin(), fine.end());  // cannot happen for a sound model; never hidden
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return std::tie(a.src, a.dst) < std::tie(b.src, b.dst);
    });
    return rows;
}

namespace {
std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}
}  // namespace

std::string connectivity_json(const std::vector<ConnectionRow>& rows) {
    if (rows.empty()) return "[]\n";
    std::string out = "[\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out += "  {\n    \"src\": " + json_string(rows[i].src) + ",\n    \"dst\": " + json_string(rows[i].dst) +
               ",\n    \"conn\": " + json_string(rows[i].conn) +
               (rows[i].origin.empty() ? std::string() : ",\n    \"origin\": " + json_string(rows[i].origin)) + "\n  }";
        out += i + 1 < rows.size() ? ",\n" : "\n";
    }
    return out + "]\n";
}

std::string connectivity_csv(const std::vector<ConnectionRow>& rows) {
    auto field = [](const std::string& s) {
        return s.find_first_of(",\"") == std::string::npos ? s : "\"" + s + "\"";
    };
    bool origins = std::any_of(rows.begin(), rows.end(), [](const ConnectionRow& r) { return !r.origin.empty(); });
    std::string out = origins ? "src,dst,conn,origin\n" : "src,dst,conn\n";
    for (const auto& r : rows)
        out += field(r.src) + "," + field(r.dst) + "," + field(r.conn) + (origins ? "," + field(r.origin) : std::string()) + "\n";
    return out;
}

std::string connectivity_text(const std::vector<ConnectionRow>& rows) {
    std::string out;
    for (const auto& r : rows) out += r.src + " => " + r.dst + " : " + r.conn + (r.origin.empty() ? "" : "  (" + r.origin + ")") + "\n";
    return out;
}

}  // namespace preflight::analysis
