// The connectivity map: every allowed connection between endpoints.
#pragma once
#include <string>
#include <vector>

#include "preflight/analysis/engine.hpp"

namespace preflight::analysis {

struct ConnectionRow {
    std::string src, dst, conn;
};

// Allowed connections between distinct endpoints where at least one side is a pod; pairs
// with no connection are omitted. Sorted by src, then dst.
std::vector<ConnectionRow> connectivity(const Engine& engine);

// Writers compatible with netpol-analyzer's `list -o json|csv|txt`.
std::string connectivity_json(const std::vector<ConnectionRow>& rows);
std::string connectivity_csv(const std::vector<ConnectionRow>& rows);
std::string connectivity_text(const std::vector<ConnectionRow>& rows);

}  // namespace preflight::analysis
