// `promote`: after a passing report, move the pin in the team's files and tell the pipeline.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "preflight/cli/commands.hpp"
#include "preflight/promote/pin.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {
namespace {

struct ReportFacts {
    std::string verdict, revision, tag, commit, ref, source;
    bool interrupted = false;
};

Result<ReportFacts> read_report(const std::string& path, Streams& s) {
    auto sources = read_sources({path}, s.in);
    if (!sources) return std::unexpected(sources.error());
    auto run = report::read_json(sources->front().text, path);
    if (!run) return std::unexpected(run.error());
    if (run->command != "run") return fail(ErrorKind::input, path + ": a report of `" + run->command + "`, not of `run`: only a run proves a revision");
    ReportFacts f;
    f.verdict = report::to_string(run->verdict());
    f.interrupted = run->interrupted;
    for (const auto& [k, v] : run->properties) {
        if (k == "promote.revision") f.revision = v;
        else if (k == "candidate.tag") f.tag = v;
        else if (k == "candidate.commit") f.commit = v;
        else if (k == "candidate.ref") f.ref = v;
        else if (k == "candidate.source") f.source = v;
    }
    return f;
}

// `name=value` lines for $GITHUB_OUTPUT or a dotenv file; a value with a newline (never expected)
// uses GitHub's delimiter form so it cannot inject other outputs.
Result<void> append_outputs(const std::string& path, const std::vector<std::pair<std::string, std::string>>& values, bool github) {
    std::ofstream out(path, std::ios::app);
    if (!out) return fail(ErrorKind::infrastructure, "cannot write " + path);
    for (const auto& [k, v] : values) {
        if (v.find('\n') == std::string::npos) {
            out << k << "=" << v << "\n";
        } else if (github) {
            std::string delim = "EOF_" + std::to_string(std::random_device{}());
            out << k << "<<" << delim << "\n" << v << "\n" << delim << "\n";
        }
    }
    if (!out) return fail(ErrorKind::infrastructure, "cannot write " + path);
    return {};
}

}  // namespace

int cmd_promote(const GlobalOptions& g, const PromoteOptions& o, Streams& s) {
    auto facts = read_report(o.report, s);
    if (!facts) return report_error(facts.error(), s);
    bool passed = facts->verdict == "passed" && !facts->interrupted;
    std::string pin = facts->revision;
    std::vector<std::pair<std::string, std::string>> outputs{
        {"verdict", passed ? "passed" : facts->interrupted ? "interrupted" : facts->verdict},
        {"revision", passed ? pin : ""},
        {"tag", facts->tag},
        {"commit", facts->commit}};
    auto publish = [&](const std::vector<std::pair<std::string, std::string>>& values) -> Result<void> {
        std::string gh = !o.github_output.empty() ? o.github_output : std::getenv("GITHUB_OUTPUT") ? std::getenv("GITHUB_OUTPUT") : "";
        if (!gh.empty())
            if (auto r = append_outputs(gh, values, true); !r) return r;
        if (!o.dotenv.empty()) {
            std::vector<std::pair<std::string, std::string>> env;
            for (const auto& [k, v] : values) {
                std::string key = "PREFLIGHT_" + k;
                for (auto& c : key) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                env.emplace_back(key, v);
            }
            if (auto r = append_outputs(o.dotenv, env, false); !r) return r;
        }
        return {};
    };
    if (!passed) {
        if (auto r = publish(outputs); !r) return report_error(r.error(), s);
        return report_error(Error{ErrorKind::check_failed,
                                  o.report + " did not pass (verdict " + outputs[0].second + "): the pin stays where it is", {}},
                            s);
    }
    if (pin.empty())
        return report_error(Error{ErrorKind::input, o.report + " validated no revision (a run with --manifests): promote needs a run with --candidate", {}}, s);
    if (!o.revision.empty() && o.revision != facts->tag && o.revision != facts->commit && o.revision != facts->ref &&
        !(o.revision.size() >= 7 && facts->commit.starts_with(o.revision)))
        return report_error(Error{ErrorKind::input, o.report + " validated " + pin + " (commit " + facts->commit + "), not " + o.revision +
                                                        ": run the pre-flight for the revision you want to pin",
                                  {}},
                            s);
    std::string source = o.source.empty() ? facts->source : o.source;
    if (source.empty()) return report_error(Error{ErrorKind::input, o.report + " names no source repository: pass --source", {}}, s);
    std::vector<std::string> problems, changed;
    std::string diff, summary;
    std::vector<std::pair<std::string, std::string>> writes;
    for (const auto& file : o.files) {
        auto src = read_sources({file}, s.in);
        if (!src) {
            problems.push_back(src.error().describe());
            continue;
        }
        const auto& text = src->front().text;
        auto rewritten = promote::pin(file, text, source, pin);
        if (!rewritten) {
            problems.push_back(rewritten.error().message);
            continue;
        }
        for (const auto& c : rewritten->changes)
            summary += file + ":" + std::to_string(c.line) + ": " + c.what + ": " + c.from + " -> " + c.to + "\n";
        if (rewritten->text == text) {
            summary += file + ": already pinned to " + pin + "\n";
            continue;
        }
        diff += promote::unified_diff(file, text, rewritten->text);
        changed.push_back(file);
        writes.emplace_back(file, std::move(rewritten->text));
    }
    if (!problems.empty()) return report_error(Error{ErrorKind::input, text::join(problems, "\n"), {}}, s);
    if (!o.dry_run)
        for (const auto& [file, content] : writes)
            if (auto r = write_file_atomic(file, content); !r) return report_error(r.error(), s);
    outputs.emplace_back("changed-files", text::join(changed, " "));
    if (!o.dry_run)
        if (auto r = publish(outputs); !r) return report_error(r.error(), s);
    s.err << summary;
    if (auto r = emit(g, o.dry_run ? diff : summary, s); !r) return report_error(r.error(), s);
    return 0;
}

}  // namespace preflight::cli
