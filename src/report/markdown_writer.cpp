// Markdown writer for $GITHUB_STEP_SUMMARY: verdict first, then the cases, then the details.
#include <algorithm>

#include "preflight/report/report.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::report {
namespace {

std::string cell(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '|') out += "\\|";
        else if (c == '\n') out += "<br>";
        else out += c;
    }
    return out;
}

const char* icon(Outcome o) {
    switch (o) {
        case Outcome::passed: return "✅";
        case Outcome::failed: return "❌";
        case Outcome::error: return "⚠️";
        case Outcome::skipped: return "⏭️";
    }
    return "";
}

std::string fence(const std::string& text) {
    // A fence longer than any backtick run inside keeps logs from closing it.
    std::size_t longest = 0, run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

}  // namespace

std::string write_markdown(const Run& input, const Redactor& redactor) {
    Run run = redacted(input, redactor);
    auto v = run.verdict();
    auto c = run.counts();
    std::string out = "## " + std::string(icon(v)) + " argocd-preflight " + run.command + ": " +
                      (v == Outcome::passed ? "passed" : v == Outcome::failed ? "failed" : "error") + "\n\n";
    out += std::to_string(c.passed) + " passed, " + std::to_string(c.failed) + " failed, " +
           std::to_string(c.errors) + " errors, " + std::to_string(c.skipped) + " skipped.\n\n";
    for (const auto& n : run.notices) out += "> **Note:** " + cell(n) + "\n\n";
    if (!run.properties.empty()) {
        out += "| property | value |\n|---|---|\n";
        for (const auto& [k, val] : run.properties) out += "| " + cell(k) + " | `" + cell(val) + "` |\n";
        out += "\n";
    }
    for (const auto& s : run.suites) {
        out += "### " + cell(s.name) + "\n\n| | check | result |\n|---|---|---|\n";
        for (const auto& cs : s.cases)
            out += "| " + std::string(icon(cs.outcome)) + " | " + cell(cs.name) + " | " + cell(cs.message) + " |\n";
        out += "\n";
    }
    for (const auto& s : run.suites)
        for (const auto& cs : s.cases) {
            if (cs.outcome != Outcome::failed && cs.outcome != Outcome::error) continue;
            out += "<details><summary>" + std::string(icon(cs.outcome)) + " " + cell(cs.name) + "</summary>\n\n";
            std::string body = cs.detail;
            for (const auto& e : cs.evidence) body += "\n----- " + e.name + " -----\n" + e.text;
            auto f = fence(body);
            out += f + "\n" + body + "\n" + f + "\n\n</details>\n\n";
        }
    return out;
}

}  // namespace preflight::report
