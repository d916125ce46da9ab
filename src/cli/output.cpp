// CLI plumbing: formats, logging to stderr (redacted), output to stdout or a file.
#include "preflight/cli/output.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "preflight/analysis/checks.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/redactor.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {

Result<Format> parse_format(const std::string& text, bool allow_csv) {
    if (text == "text") return Format::text;
    if (text == "json") return Format::json;
    if (text == "junit") return Format::junit;
    if (text == "markdown" || text == "md") return Format::markdown;
    if (text == "github") return Format::github;
    if (text == "sarif") return Format::sarif;
    if (text == "csv" && allow_csv) return Format::csv;
    return fail(ErrorKind::usage, "--format: unknown format '" + text + "' (text, json, junit, markdown, github, sarif" +
                                      std::string(allow_csv ? ", csv" : "") + ")");
}

namespace {

// Every log line passes the Redactor before it reaches stderr (secrets may surface in messages
// quoted from the cluster, e.g. an API error that echoes a password).
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit RedactingSink(std::ostream& out) : m_out(out) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        // Log lines quote the input (names, keys, commands): nothing in them may start a
        // workflow command or move a terminal's cursor.
        std::string line = Redactor::global().redact(std::string_view(formatted.data(), formatted.size()));
        m_out << text::safe_for_runner(line);
        m_out.flush();
    }
    void flush_() override { m_out.flush(); }

private:
    std::ostream& m_out;
};

}  // namespace

void setup_logging(const std::string& level, std::ostream& err) {
    auto sink = std::make_shared<RedactingSink>(err);
    auto logger = std::make_shared<spdlog::logger>("preflight", sink);
    logger->set_pattern("%^%l%$: %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
    // debug: every command (redacted, ready to paste), its exit code and duration; trace: the
    // tail of what it printed. Stdin (manifests) is never logged.
    proc::set_observer([](const proc::Command& cmd, const proc::Outcome* out) {
        if (!spdlog::should_log(spdlog::level::debug)) return;
        if (!out) {
            spdlog::debug("started {}", proc::display(cmd.argv));
            return;
        }
        spdlog::debug("{} -> {} in {} ms", proc::display(cmd.argv),
                      out->timed_out ? std::string("timed out") : "exit " + std::to_string(out->exit_code), out->elapsed.count());
        if (spdlog::should_log(spdlog::level::trace)) {
            auto tail = [](const std::string& t) { return t.size() > 2000 ? "…" + t.substr(t.size() - 2000) : t; };
            if (!out->out.empty()) spdlog::trace("stdout: {}", cmd.secret_output ? std::string("(a secret, not shown)") : tail(out->out));
            if (!out->err.empty()) spdlog::trace("stderr: {}", tail(out->err));
        }
    });
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<void> emit(const GlobalOptions& g, const std::string& content, Streams& s) {
    std::string safe = Redactor::global().redact(content);
    if (g.output.empty() || g.output == "-") {
        s.out << safe;
        s.out.flush();
        return {};
    }
    return write_file_atomic(g.output, safe);
}

// The check catalogue as SARIF rules.
std::vector<report::RuleInfo> sarif_rules() {
    std::vector<report::RuleInfo> out;
    for (const auto& c : analysis::check_catalog()) out.push_back({c.id, c.name, c.summary});
    return out;
}

Result<void> write_report_dir(const GlobalOptions& g, const report::Run& run) {
    if (g.report_dir.empty()) return {};
    std::error_code ec;
    std::filesystem::create_directories(g.report_dir, ec);
    if (ec) return fail(ErrorKind::infrastructure, g.report_dir + ": cannot create: " + ec.message());
    const auto& r = Redactor::global();
    // One run's set at a time, all three files or none: concurrent runs into the same directory
    // take turns instead of interleaving report.json of one with junit.xml of another.
    auto lock = DirLock::acquire(g.report_dir, 120'000);
    if (!lock) return std::unexpected(lock.error());
    WriteSet set;
    const char* ci_root = std::getenv("CI_PROJECT_DIR");  // GitLab: paths relative to the repository
    std::string root = ci_root && *ci_root ? std::string(ci_root) : std::filesystem::current_path().string();
    for (auto [name, content] : {std::pair{"junit.xml", report::write_junit(run, r)},
                                 std::pair{"report.json", report::write_json(run, r)},
                                 std::pair{"summary.md", report::write_markdown(run, r)},
                                 std::pair{"codequality.json", report::write_codequality(run, r, root)},
                                 std::pair{"results.sarif", report::write_sarif(run, r, root, sarif_rules())}})
        if (auto w = set.add(g.report_dir + "/" + name, content); !w) return w;
    return set.commit();
}

std::string render(const report::Run& run, Format format, bool colour) {
    const auto& r = Redactor::global();
    switch (format) {
        case Format::json: return report::write_json(run, r);
        case Format::junit: return report::write_junit(run, r);
        case Format::markdown: return report::write_markdown(run, r);
        case Format::github: {
            // Paths relative to the repository, so annotations land on the pull request's lines.
            const char* ws = std::getenv("GITHUB_WORKSPACE");
            return report::write_github(run, r, ws && *ws ? std::string(ws) : std::filesystem::current_path().string());
        }
        case Format::sarif: {
            const char* ws = std::getenv("GITHUB_WORKSPACE");
            return report::write_sarif(run, r, ws && *ws ? std::string(ws) : std::filesystem::current_path().string(), sarif_rules());
        }
        case Format::csv:
        case Format::text: return report::write_text(run, r, {colour});
    }
    return {};
}

void print_error(const Error& e, Streams& s) {
    s.err << "argocd-preflight: " << to_string(e.kind) << ": " << text::safe_for_runner(Redactor::global().redact(e.describe())) << "\n";
}

int report_error(const Error& e, Streams& s) {
    print_error(e, s);
    return exit_code_for(e.kind);
}

int exit_code_for(const report::Run& run) {
    if (run.interrupted) return 130;
    switch (run.verdict()) {
        case report::Outcome::passed:
        case report::Outcome::skipped: return 0;
        case report::Outcome::failed: return 1;
        case report::Outcome::error: return 3;
    }
    return 3;
}

}  // namespace preflight::cli
