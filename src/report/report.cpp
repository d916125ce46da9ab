// The report tree: aggregation helpers and redaction.
#include "preflight/report/report.hpp"
#include <cstdint>

#include "preflight/util/redactor.hpp"
#include "preflight/util/text.hpp"

namespace preflight::report {

const char* symbol(Outcome o) {
    switch (o) {
        case Outcome::passed: return "✓";
        case Outcome::failed: return "✗";
        case Outcome::error: return "!";
        case Outcome::skipped: return "-";
    }
    return "?";
}

const char* to_string(Outcome o) {
    switch (o) {
        case Outcome::passed: return "passed";
        case Outcome::failed: return "failed";
        case Outcome::error: return "error";
        case Outcome::skipped: return "skipped";
    }
    return "error";
}

Case& Suite::add(Case c) {
    if (c.classname.empty()) c.classname = name;
    cases.push_back(std::move(c));
    return cases.back();
}

Suite& Run::suite(const std::string& name) {
    for (auto& s : suites)
        if (s.name == name) return s;
    suites.push_back(Suite{name});
    return suites.back();
}

void Run::set_property(const std::string& key, const std::string& value) {
    for (auto& [k, v] : properties)
        if (k == key) {
            v = value;
            return;
        }
    properties.emplace_back(key, value);
}

Run::Counts count_cases(const Suite& s) {
    Run::Counts c;
    for (const auto& cs : s.cases) {
        ++c.total;
        switch (cs.outcome) {
            case Outcome::passed: ++c.passed; break;
            case Outcome::failed: ++c.failed; break;
            case Outcome::error: ++c.errors; break;
            case Outcome::skipped: ++c.skipped; break;
        }
    }
    return c;
}

Run::Counts Run::counts() const {
    Counts total;
    for (const auto& s : suites) {
        auto c = count_cases(s);
        total.total += c.total;
        total.passed += c.passed;
        total.failed += c.failed;
        total.errors += c.errors;
        total.skipped += c.skipped;
    }
    return total;
}

Outcome Run::verdict() const {
    auto c = counts();
    if (interrupted) return Outcome::error;
    if (c.errors > 0) return Outcome::error;
    if (c.failed > 0) return Outcome::failed;
    return Outcome::passed;
}

namespace {
constexpr std::string_view k_warning_prefix = "warning: ";
}

bool is_warning(const Case& c) { return c.outcome == Outcome::passed && c.message.starts_with(k_warning_prefix); }

std::string_view warning_text(const Case& c) {
    std::string_view m = c.message;
    return is_warning(c) ? m.substr(k_warning_prefix.size()) : m;
}

FindingLevel finding_level(const Case& c) {
    if (c.outcome == Outcome::failed || c.outcome == Outcome::error) return FindingLevel::error;
    return is_warning(c) ? FindingLevel::warning : FindingLevel::none;
}

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto len = text::utf8_sequence_length(text.substr(i));
        if (len == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for each byte that is not part of valid UTF-8
            ++i;
            continue;
        }
        out.append(text.substr(i, len));
        i += len;
    }
    return out;
}

Run redacted(const Run& run, const Redactor& r) {
    Run out = run;
    // Secrets masked, and every string valid UTF-8 (container logs and cluster messages are
    // arbitrary bytes; report.json and junit.xml must stay valid whatever they quote).
    // Then safe where a terminal or a CI runner reads it: no control character, no code point
    // XML forbids, no line that starts a workflow command (text::safe_for_runner).
    auto fix = [&](std::string& s) { s = text::safe_for_runner(valid_utf8(r.empty() ? s : r.redact(s))); };
    fix(out.command);
    for (auto& [k, v] : out.properties) fix(v);
    for (auto& n : out.notices) fix(n);
    fix(out.root_cause);
    for (auto& s : out.suites) {
        fix(s.name);
        for (auto& c : s.cases) {
            fix(c.name);
            fix(c.classname);
            fix(c.message);
            fix(c.detail);
            for (auto& e : c.evidence) {
                fix(e.name);
                fix(e.text);
            }
            for (auto& [k, v] : c.facts) fix(v);
            if (c.location) fix(c.location->file);
        }
    }
    for (auto& [k, v] : out.properties) fix(k);
    return out;
}

}  // namespace preflight::report
