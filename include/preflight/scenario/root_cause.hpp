// Root cause: live evidence (the stuck container and its decisive log line) joined to the static
// finding that predicted it. Pure functions.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/analysis/checks.hpp"
#include "preflight/health/install_state.hpp"

namespace preflight::scenario {

// The line of `log` that explains a failure: the last line that reads like an error (error,
// fatal, timeout, refused, denied, failed, panic, no such host, forbidden, unauthorized), else the
// last non-empty line; trimmed. Empty for an empty log.
std::string decisive_line(std::string_view log);

// The failed static result about `workload` (same kind and name) that best explains a failure of
// `container`: one naming the container first; nullptr when none.
const analysis::CheckResult* matching_finding(const std::vector<analysis::CheckResult>& results, const model::WorkloadId& workload,
                                              std::string_view container);

// One line: "<workload> stuck in Init: <container>: <log line> — <what blocks it> (PF001); then
// <workloads>: <their message>". `lines` maps "pod/container" to its decisive log line.
std::string root_cause(const std::vector<health::StuckPod>& decisive, const std::map<std::string, std::string>& lines,
                       const std::vector<analysis::CheckResult>& static_results);

}  // namespace preflight::scenario
