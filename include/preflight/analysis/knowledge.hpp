// What we know about programs that call the Kubernetes API: one data table, nothing scattered.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/model/views.hpp"

namespace preflight::analysis {

struct ApiClientMatch {
    std::string program;     // "argocd admin", "argocd-server"
    std::string_view reason; // why it calls the API server
    std::string invocation;  // the command as written, for messages
};

// Whether `c` runs a known API client: its command (or, without one, its args) starts
// with a program in the table, or a `sh -c` script runs one at a command position.
std::optional<ApiClientMatch> known_api_client(const model::Container& c);

// Words in `c`'s command and args, one per argv entry.
std::string invocation_of(const model::Container& c);

}  // namespace preflight::analysis
