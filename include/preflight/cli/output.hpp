// Shared CLI plumbing: global options, logging setup, and writing a report in a format.
#pragma once
#include <string>
#include <vector>

#include "preflight/cli/app.hpp"
#include "preflight/report/report.hpp"
#include "preflight/util/error.hpp"

namespace preflight::cli {

enum class Format { text, json, junit, markdown, csv, github, sarif };

struct GlobalOptions {
    std::string log_level = "info";
    std::string format = "text";
    std::string output;  // empty: stdout
    std::string ns = "argocd";
    bool no_color = false;
    std::string report_dir;
    unsigned jobs = 0;  // parser threads; 0 = one per core  // also write junit.xml, report.json, summary.md there
};

Result<Format> parse_format(const std::string& text, bool allow_csv);
void setup_logging(const std::string& level, std::ostream& err);
// Milliseconds since the epoch (the one clock of the CLI).
std::int64_t now_ms();
// Writes `content` to --output (atomically) or stdout.
Result<void> emit(const GlobalOptions& g, const std::string& content, Streams& s);
// Writes junit.xml, report.json and summary.md of `run` into --report-dir, if given.
Result<void> write_report_dir(const GlobalOptions& g, const report::Run& run);
// Renders `run` in `format` (csv is not a report format).
std::string render(const report::Run& run, Format format, bool colour);
// Prints `e` to stderr as "argocd-preflight: <kind>: <context>: <message>".
void print_error(const Error& e, Streams& s);
// print_error, then `e`'s exit code. Only the CLI's entry (app.cpp) maps errors to exit codes:
// commands return Result<int>.
int report_error(const Error& e, Streams& s);
// Exit code for a finished run: 0 passed, 1 failed, 3 error, 130 interrupted.
int exit_code_for(const report::Run& run);

}  // namespace preflight::cli
