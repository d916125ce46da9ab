// Markdown writer for $GITHUB_STEP_SUMMARY: verdict first, then the cases, then the details.
#include <algorithm>

#include "preflight/report/report.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::report {
namespace {

// A table cell (or a <summary>): pipes escaped, line breaks as <br>, and HTML from the input
// shown as text (`<!--` in a name would hide the rest of the step summary).
std::string cell(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '|') out += "\\|";
        else if (c == '\n') out += "<br>";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
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

// Mermaid task names may not hold ':', '#' or ';'.
std::string task_name(std::string_view s) {
    std::string out;
    for (char c : s) out += (c == ':' || c == '#' || c == ';') ? ' ' : c;
    return out;
}

// The phases as a Mermaid gantt: a bar per suite, or per step for scenario suites.
std::string timeline(const Run& run) {
    struct Bar {
        std::string section, name;
        std::int64_t start, end;
        Outcome outcome;
    };
    std::vector<Bar> bars;
    for (const auto& s : run.suites) {
        if (s.start_ms <= 0) continue;
        bool steps = false;
        if (s.name.starts_with("scenario "))
            for (const auto& c : s.cases)
                if (c.step && c.start_ms > 0) {
                    auto o = c.outcome;
                    bars.push_back({s.name, c.name, c.start_ms, c.start_ms + std::max<std::int64_t>(c.duration_ms, 1), o});
                    steps = true;
                }
        if (!steps) {
            auto o = Outcome::passed;
            for (const auto& c : s.cases)
                if (c.outcome == Outcome::failed || c.outcome == Outcome::error) o = c.outcome;
            bars.push_back({s.name, s.name, s.start_ms, s.start_ms + std::max<std::int64_t>(s.duration_ms, 1), o});
        }
    }
    if (bars.size() < 2) return "";
    std::string out = "```mermaid\ngantt\n  title Timeline\n  dateFormat x\n  axisFormat %M:%S\n";
    std::string section;
    int id = 0;
    for (const auto& b : bars) {
        if (b.section != section) {
            section = b.section;
            out += "  section " + task_name(section) + "\n";
        }
        const char* tag = b.outcome == Outcome::passed ? "done, " : b.outcome == Outcome::skipped ? "" : "crit, ";
        out += "  " + task_name(b.name) + " :" + tag + "t" + std::to_string(id++) + ", " + std::to_string(b.start) + ", " +
               std::to_string(b.end) + "\n";
    }
    return out + "```\n\n";
}

// Probe cases (those with an "expected" fact): expected vs observed, the static prediction beside.
std::string probe_matrix(const Run& run) {
    std::string rows;
    for (const auto& s : run.suites)
        for (const auto& c : s.cases) {
            auto fact = [&](const char* k) {
                for (const auto& [key, v] : c.facts)
                    if (key == k) return v;
                return std::string();
            };
            if (fact("expected").empty()) continue;
            rows += "| " + std::string(icon(c.outcome)) + " | " + cell(c.name) + " | " + cell(fact("expected")) + " | " + cell(fact("observed")) +
                    " | " + cell(fact("static")) + " |\n";
        }
    if (rows.empty()) return "";
    return "### Probes\n\n| | probe | expected | observed | static analysis |\n|---|---|---|---|---|\n" + rows + "\n";
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
    if (!run.root_cause.empty()) out += "**Root cause:** " + cell(run.root_cause) + "\n\n";
    for (const auto& n : run.notices) out += "> **Note:** " + cell(n) + "\n\n";
    out += timeline(run);
    out += probe_matrix(run);
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
            std::string body = cs.detail;
            for (const auto& e : cs.evidence) body += "\n----- " + e.name + " -----\n" + e.text;
            if (body.empty()) continue;  // the table row already says all there is
            out += "<details><summary>" + std::string(icon(cs.outcome)) + " " + cell(cs.name) + "</summary>\n\n";
            auto f = fence(body);
            out += f + "\n" + body + "\n" + f + "\n\n</details>\n\n";
        }
    // GitHub refuses a step summary over 1 MiB: keep the head, say what was cut.
    constexpr std::size_t k_limit = 1000 * 1000;
    if (out.size() > k_limit) {
        auto cut = out.rfind("\n<details>", k_limit - 200);
        out.resize(cut == std::string::npos ? k_limit - 200 : cut);
        out += "\n\n_Truncated to fit GitHub's 1 MiB step summary; the full report is in report.json and junit.xml._\n";
    }
    return out;
}

}  // namespace preflight::report
