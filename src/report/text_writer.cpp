// Text writer for terminals: notices first, then ✓/✗ per case with durations, then a verdict.
#include <cstdio>

#include "preflight/report/report.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::report {
namespace {

std::string duration(std::int64_t ms) {
    char buf[32];
    if (ms < 1000) std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
    else std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
    return buf;
}


const char* colour_of(Outcome o) {
    switch (o) {
        case Outcome::passed: return "\033[32m";
        case Outcome::failed: return "\033[31m";
        case Outcome::error: return "\033[35m";
        case Outcome::skipped: return "\033[33m";
    }
    return "";
}

void indent_into(std::string& out, const std::string& text, const char* prefix) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto end = nl == std::string::npos ? text.size() : nl;
        out += prefix;
        out.append(text, pos, end - pos);
        out += '\n';
        pos = end + 1;
    }
}

}  // namespace

std::string write_text(const Run& input, const Redactor& redactor, TextStyle style) {
    Run run = redacted(input, redactor);
    std::string out;
    auto paint = [&](Outcome o, const std::string& s) {
        return style.colour ? std::string(colour_of(o)) + s + "\033[0m" : s;
    };
    for (const auto& n : run.notices) out += "NOTE: " + n + "\n";
    if (!run.notices.empty()) out += "\n";
    if (!run.root_cause.empty()) out += "ROOT CAUSE: " + run.root_cause + "\n\n";
    for (const auto& s : run.suites) {
        out += s.name + "\n";
        for (const auto& c : s.cases) {
            out += "  " + paint(c.outcome, symbol(c.outcome)) + " " + c.name + " (" + duration(c.duration_ms) + ")";
            if (!c.message.empty() && c.outcome != Outcome::passed) out += ": " + c.message;
            out += "\n";
            if (c.outcome == Outcome::failed || c.outcome == Outcome::error) indent_into(out, c.detail, "      ");
        }
    }
    auto c = run.counts();
    auto v = run.verdict();
    out += "\n" + paint(v, v == Outcome::passed ? "PASSED" : v == Outcome::failed ? "FAILED" : "ERROR") + ": " +
           std::to_string(c.passed) + " passed, " + std::to_string(c.failed) + " failed, " +
           std::to_string(c.errors) + " errors, " + std::to_string(c.skipped) + " skipped in " +
           duration(run.duration_ms) + "\n";
    return out;
}

}  // namespace preflight::report
