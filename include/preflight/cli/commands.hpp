// The subcommands' option structs and entry points (one file per command under src/cli/).
#pragma once
#include <string>
#include <vector>

#include "preflight/cli/output.hpp"

namespace preflight::cli {

struct AnalyzeOptions {
    std::vector<std::string> inputs;
    std::vector<std::string> baseline;
    std::string apiserver_endpoint;  // empty: kind's default
};

// `analyze`: static findings as a report. Returns the exit code.
int cmd_analyze(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s);
// `connectivity`: the allowed-connections map. Returns the exit code.
int cmd_connectivity(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s);

}  // namespace preflight::cli
