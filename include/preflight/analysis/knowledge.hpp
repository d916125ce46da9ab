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

// Whether `c` runs a known API client: its command (or, without one, its args, or the image's
// entrypoint for images in the table) runs a program in the table, directly, through wrappers
// (exec, env, timeout, tini...) or anywhere in a shell command string at a command position
// (lists, pipelines, if/while/until, subshells, $(...) and `...` substitutions).
std::optional<ApiClientMatch> known_api_client(const model::Container& c);

// Words in `c`'s command and args, one per argv entry.
std::string invocation_of(const model::Container& c);

}  // namespace preflight::analysis
