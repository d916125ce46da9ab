// Root cause: the first decisive signal, its log line, the static finding; then the consequences.
#include "preflight/scenario/root_cause.hpp"

#include <algorithm>
#include <cctype>

#include "preflight/util/text.hpp"

namespace preflight::scenario {
namespace {

using text::lower;
using text::trim;

}  // namespace

std::string decisive_line(std::string_view log) {
    static const char* markers[] = {"error", "fatal", "timeout", "timed out", "refused", "denied", "failed", "panic", "no such host",
                                    "forbidden", "unauthorized", "not found"};
    // From the end: the first line that reads like an error wins; the last non-empty one is the fallback.
    auto lines = text::split(log, '\n');
    std::string last;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        auto line = trim(*it);
        if (line.empty()) continue;
        if (last.empty()) last = line;
        auto l = lower(line);
        for (const char* m : markers)
            if (l.find(m) != std::string::npos) return line;
    }
    return last;
}

const analysis::CheckResult* matching_finding(const std::vector<analysis::CheckResult>& results, const model::WorkloadId& workload,
                                              std::string_view container) {
    const analysis::CheckResult* best = nullptr;
    for (const auto& r : results) {
        if (!r.finding || r.finding->severity != analysis::Severity::error) continue;
        if (!r.workload || !r.workload->same_workload(workload)) continue;
        const auto& cs = r.finding->containers;
        if (std::find(cs.begin(), cs.end(), container) != cs.end()) return &r;
        if (!best) best = &r;
    }
    return best;
}

std::string root_cause(const std::vector<health::StuckPod>& decisive, const std::map<std::string, std::string>& lines,
                       const std::vector<analysis::CheckResult>& static_results) {
    if (decisive.empty()) return "";
    const auto& first = decisive.front();
    const auto& c = first.container;
    std::string out = first.workload.text() + (c.init ? " stuck in Init: " : " " + c.reason + ": ") + c.container;
    auto line_it = lines.find(first.pod + "/" + c.container);
    std::string evidence = line_it != lines.end() && !line_it->second.empty() ? line_it->second : c.message;
    if (evidence.empty()) evidence = c.reason + (c.exit_code ? " (exit " + std::to_string(c.exit_code) + ")" : "");
    out += ": " + evidence;
    if (const auto* f = matching_finding(static_results, first.workload, c.container)) {
        out += " — " + (f->finding->blocked_by.empty() ? f->finding->title : f->finding->blocked_by) + " (" + f->finding->id + ")";
    } else {
        out += " — no static finding predicted this";
    }
    // Consequences, grouped by what they say.
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    for (std::size_t i = 1; i < decisive.size(); ++i) {
        const auto& d = decisive[i];
        if (d.workload == first.workload && d.container.container == c.container) continue;
        std::string what = d.container.message.empty() ? d.container.reason : d.container.message;
        auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& p) { return p.first == what; });
        if (g == groups.end()) groups.push_back({what, {}}), g = groups.end() - 1;
        if (std::find(g->second.begin(), g->second.end(), d.workload.text()) == g->second.end()) g->second.push_back(d.workload.text());
    }
    for (const auto& [what, who] : groups) out += "; then " + text::join(who, ", ") + ": " + what;
    return out;
}

}  // namespace preflight::scenario
