// The connectivity map: every allowed connection between endpoints.
#pragma once
#include <string>
#include <vector>

#include "preflight/analysis/engine.hpp"

namespace preflight::analysis {

struct ConnectionRow {
    std::string src, dst, conn;
    // Peers::all: why a side is not from the input ("dst: the API server, not in the input");
    // empty when both sides are the input's (or IP ranges).
    std::string origin;
};

// Which peers the rows name.
//  - all: every endpoint of the model, the synthetic ones too (the API server; kind's CoreDNS
//    when the input ships no kube-dns), each such row saying so in `origin`; the IP space split
//    once at every ipBlock boundary of every policy.
//  - manifests: netpol-analyzer's view: only what the input contains, and IP ranges partitioned
//    as netpol-analyzer partitions them, per direction (a source range by the ingress rules'
//    ipBlocks only, a destination range by the egress rules' ipBlocks only:
//    pkg/netpol/eval/resources.go getDisjointIPBlocks, v1.4.4).
enum class Peers { all, manifests };

// Allowed connections between distinct endpoints where at least one side is a pod; pairs
// with no connection are omitted. Sorted by src, then dst.
std::vector<ConnectionRow> connectivity(const Engine& engine, Peers peers = Peers::all);

// Writers compatible with netpol-analyzer's `list -o json|csv|txt`. A row's origin, when it has
// one, is an extra JSON field `origin`, a fourth CSV column (its header only when some row has
// one) and a trailing `  (origin)` in text.
std::string connectivity_json(const std::vector<ConnectionRow>& rows);
std::string connectivity_csv(const std::vector<ConnectionRow>& rows);
std::string connectivity_text(const std::vector<ConnectionRow>& rows);

}  // namespace preflight::analysis
