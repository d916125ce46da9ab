// The run report: one tree (run -> suites -> cases) that every writer reads.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "preflight/util/error.hpp"

namespace preflight {
class Redactor;
}

namespace preflight::report {

enum class Outcome { passed, failed, error, skipped };
const char* to_string(Outcome o);
// One character for an outcome, the same in the text report and the log: ✓ ✗ ! -
const char* symbol(Outcome o);

struct Evidence {
    std::string name;  // "logs secret-init", "finding", "policy"
    std::string text;
};

// Where in the input a case's subject is (a static finding's first site).
struct Location {
    std::string file;
    int line = 0;
    int col = 0;
};

struct Case {
    std::string name;
    std::string classname;  // never empty in JUnit: defaults to the suite name
    Outcome outcome = Outcome::passed;
    std::string message;  // one line: why it failed / was skipped
    std::string detail;   // longer explanation
    std::vector<Evidence> evidence;
    std::int64_t start_ms = 0;  // ms since the Unix epoch (injected clock)
    std::int64_t duration_ms = 0;
    // Structured facts some cases carry, in order: a probe's "expected", "observed", "static".
    std::vector<std::pair<std::string, std::string>> facts;
    std::optional<Location> location;
    // A scenario step's own case (its verdict); the step's actions are the cases named
    // "<step>: ..." before it. Writers read this, never the shape of a name.
    bool step = false;
};

struct Suite {
    std::string name;  // a stage: "static analysis", "install", "probes"
    std::vector<Case> cases;
    std::int64_t start_ms = 0;
    std::int64_t duration_ms = 0;

    Case& add(Case c);
};

struct Run {
    std::string tool = "argocd-preflight";
    std::string version;
    std::string command;  // "analyze", "run", ...
    std::vector<std::pair<std::string, std::string>> properties;  // revision, commit, endpoint...
    std::vector<std::string> notices;  // shown first: "cluster does not enforce NetworkPolicy"
    std::string root_cause;            // one line: why the run failed, when it did
    std::vector<Suite> suites;
    std::int64_t start_ms = 0;
    std::int64_t duration_ms = 0;
    bool interrupted = false;

    Suite& suite(const std::string& name);  // finds or appends
    void set_property(const std::string& key, const std::string& value);
    // failed when any case failed or errored; passed otherwise (skips do not fail a run).
    Outcome verdict() const;
    struct Counts {
        int total = 0, passed = 0, failed = 0, errors = 0, skipped = 0;
    };
    Counts counts() const;
};

Run::Counts count_cases(const Suite& s);

// A passed case whose message starts with "warning: " carries a warning-severity finding
// (docs/report-schema.md); `warning_text` is its message without that prefix.
bool is_warning(const Case& c);
std::string_view warning_text(const Case& c);
// What the finding writers (GitHub annotations, Code Quality, SARIF) report a case as: a failed
// or errored case is an error, a warning a warning, anything else nothing.
enum class FindingLevel { none, warning, error };
FindingLevel finding_level(const Case& c);

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text);
// A copy of `run` with every registered secret masked in every string it holds, and every
// string made valid UTF-8.
Run redacted(const Run& run, const Redactor& redactor);

// Writers: pure functions of the tree. Each masks secrets through `redactor` first.
std::string write_junit(const Run& run, const Redactor& redactor);
std::string write_json(const Run& run, const Redactor& redactor);
std::string write_markdown(const Run& run, const Redactor& redactor);
struct TextStyle {
    bool colour = false;
};
std::string write_text(const Run& run, const Redactor& redactor, TextStyle style = {});
// GitHub workflow commands: `::error file=…,line=…,col=…,title=…::…` for each failed case,
// `::warning` for warnings, `::notice` for the run's notices; file paths made relative to
// `root` (the repository: $GITHUB_WORKSPACE) when under it, so annotations land on the lines
// of the pull request.
std::string write_github(const Run& run, const Redactor& redactor, const std::string& root);
// GitLab Code Quality JSON: one issue per failed case or warning (severity major / minor), at
// its location relative to `root`, with a fingerprint stable across runs.
std::string write_codequality(const Run& run, const Redactor& redactor, const std::string& root);
// SARIF 2.1.0 for code scanning: one result per failed case or warning that has a location in
// the input (error / warning level; its detail, the finding's explanation, in the message), its
// path relative to `root`. `rules` is the check catalogue: a case whose class is
// "static.<name>" reports under that rule's id (PF001...), with its help text.
struct RuleInfo {
    std::string id, name, help;
};
std::string write_sarif(const Run& run, const Redactor& redactor, const std::string& root, const std::vector<RuleInfo>& rules = {});

// Reads a report written by write_json back into a tree; Error::input naming `name` otherwise.
Result<Run> read_json(std::string_view text, const std::string& name);
// Jobs' runs as one: suites and properties prefixed with each job's label ("install/upgrade"),
// the first failure's root cause, the worst verdict (it is computed from the cases).
Run merge(const std::vector<std::pair<std::string, Run>>& jobs);

// Version of the JSON report schema (docs/report-schema.md).
inline constexpr const char* k_json_schema = "argocd-preflight/report/v1";

}  // namespace preflight::report
