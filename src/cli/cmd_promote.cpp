// `promote`: after a passing report, move the pin in the team's files and tell the pipeline.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>


#include "preflight/cli/commands.hpp"
#include "preflight/promote/pin.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {
namespace {

struct ReportFacts {
    std::string verdict, revision, tag, commit, ref, source;
    // A chart run: the chart's name and exact version it proved, the repository it came from
    // (empty for a local chart).
    std::string chart, chart_version, chart_repo;
    bool interrupted = false;
    bool proven = false;  // the report shows a scenario in which an install became Healthy
};

Result<ReportFacts> read_report(const std::string& path, Streams& s) {
    auto sources = read_sources({path}, s.in);
    if (!sources) return std::unexpected(sources.error());
    auto run = report::read_json(sources->front().text, path);
    if (!run) return std::unexpected(run.error());
    if (run->command != "run") return fail(ErrorKind::input, path + ": a report of `" + run->command + "`, not of `run`: only a run proves a revision");
    // A run report carries its scenario: a suite "scenario <name>" in which some install was
    // seen Healthy. An analyze report relabelled `run` has none of it.
    bool healthy_seen = false;
    for (const auto& suite : run->suites)
        if (suite.name.starts_with("scenario "))
            for (const auto& c : suite.cases)
                healthy_seen = healthy_seen || (c.outcome == report::Outcome::passed && c.name.ends_with(": workloads Healthy"));
    ReportFacts f;
    f.proven = healthy_seen;
    f.verdict = report::to_string(run->verdict());
    f.interrupted = run->interrupted;
    for (const auto& [k, v] : run->properties) {
        if (k == "promote.revision") f.revision = v;
        else if (k == "candidate.tag") f.tag = v;
        else if (k == "candidate.commit") f.commit = v;
        else if (k == "candidate.ref") f.ref = v;
        else if (k == "candidate.source") f.source = v;
        else if (k == "promote.chart") f.chart = v;
        else if (k == "promote.chart.version") f.chart_version = v;
        else if (k == "candidate.chart.repo") f.chart_repo = v;
    }
    // A report offering both a git revision and a chart version is no report of ours.
    if (!f.revision.empty() && !f.chart_version.empty())
        return fail(ErrorKind::input, path + ": offers both a git revision and a chart version: not a report argocd-preflight wrote");
    if (f.chart.empty() != f.chart_version.empty()) return fail(ErrorKind::input, path + ": a chart pin needs the chart's name and version");
    // A chart name as helm allows it; anything else is a damaged or forged report.
    bool name_ok = f.chart.size() <= 63 && std::all_of(f.chart.begin(), f.chart.end(), [](unsigned char c) {
                       return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                   });
    if (!f.chart.empty() && !name_ok) return fail(ErrorKind::input, path + ": promote.chart is not a chart name: not a report argocd-preflight wrote");
    return f;
}

using Outputs = std::vector<std::pair<std::string, std::string>>;

// `name=value` lines for $GITHUB_OUTPUT (`github`) or a dotenv file. A value with a newline uses
// GitHub's delimiter form (a random delimiter that does not occur in it) so it cannot inject
// other outputs; a dotenv file has no such form, so such a value is refused, not dropped.
Result<std::string> render_outputs(const Outputs& values, bool github, const std::string& path) {
    std::string block;
    for (const auto& [k, v] : values) {
        if (v.find_first_of("\r\n") == std::string::npos) {
            block += k + "=" + v + "\n";
        } else if (github) {
            std::string delim;
            do delim = "EOF_" + std::to_string(std::random_device{}()) + std::to_string(std::random_device{}());
            while (v.find(delim) != std::string::npos);
            block += k + "<<" + delim + "\n" + v + "\n" + delim + "\n";
        } else {
            return fail(ErrorKind::input, path + " (dotenv): the value of " + k + " has a line break, which a dotenv file cannot hold");
        }
    }
    return block;
}

// Each output file with the block to append to it ($GITHUB_OUTPUT or --github-output, and
// --dotenv with PREFLIGHT_* names); an error when a value cannot be written to one of them.
Result<std::vector<std::pair<std::string, std::string>>> output_blocks(const PromoteOptions& o, const Outputs& values) {
    std::vector<std::pair<std::string, std::string>> out;
    const char* env_gh = std::getenv("GITHUB_OUTPUT");
    std::string gh = !o.github_output.empty() ? o.github_output : env_gh ? env_gh : "";
    if (!gh.empty()) {
        auto block = render_outputs(values, true, gh);
        if (!block) return std::unexpected(block.error());
        out.emplace_back(gh, std::move(*block));
    }
    if (!o.dotenv.empty()) {
        Outputs env;
        for (const auto& [k, v] : values) {
            std::string key = "PREFLIGHT_" + k;
            for (auto& c : key) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            env.emplace_back(key, v);
        }
        auto block = render_outputs(env, false, o.dotenv);
        if (!block) return std::unexpected(block.error());
        out.emplace_back(o.dotenv, std::move(*block));
    }
    return out;
}

// Appends each block in one write sequence: readers never see half of our outputs.
Result<void> publish(const std::vector<std::pair<std::string, std::string>>& blocks) {
    for (const auto& [path, block] : blocks)
        if (auto r = append_file(path, block); !r) return r;
    return {};
}

// The files `promote` was given, expanded: a directory stands for its *.yaml, *.yml and *.json
// files (recursively; files there that pin nothing are left alone), `-` for stdin -> stdout.
struct Target {
    std::string path;  // "-" for stdin
    bool from_directory = false;
};

Result<std::vector<Target>> expand(const std::vector<std::string>& args) {
    std::vector<Target> out;
    for (const auto& a : args) {
        std::error_code ec;
        if (a != "-" && std::filesystem::is_directory(a, ec)) {
            std::vector<std::string> found;
            std::filesystem::recursive_directory_iterator it(a, ec);
            if (ec) return fail(ErrorKind::input, a + ": cannot list directory: " + ec.message());
            for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
                if (ec) return fail(ErrorKind::input, a + ": cannot list directory: " + ec.message());
                if (it->is_directory() && it->path().filename().string().starts_with(".")) {
                    it.disable_recursion_pending();  // .git and friends
                    continue;
                }
                auto ext = it->path().extension().string();
                if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) found.push_back(it->path().string());
            }
            std::sort(found.begin(), found.end());
            if (found.empty()) return fail(ErrorKind::input, a + ": directory holds no *.yaml, *.yml or *.json file");
            for (auto& f : found) out.push_back({std::move(f), true});
        } else {
            out.push_back({a, false});
        }
    }
    return out;
}

}  // namespace

Result<int> cmd_promote(const GlobalOptions& g, const PromoteOptions& o, Streams& s) {
    auto facts = read_report(o.report, s);
    if (!facts) return std::unexpected(facts.error());
    bool passed = facts->verdict == "passed" && !facts->interrupted;
    const bool chart = !facts->chart_version.empty();
    std::string pin = chart ? facts->chart_version : facts->revision;
    Outputs outputs{
        {"verdict", passed ? "passed" : facts->interrupted ? "interrupted" : facts->verdict},
        {"revision", passed ? pin : ""},
        {"tag", facts->tag},
        {"commit", facts->commit},
        {"chart", facts->chart}};
    // Outputs go out on every path (pipelines branch on them); a failure to publish them is
    // reported after the failure that matters more.
    auto fail_with = [&](Error e, const std::string& what) {
        auto all = outputs;
        all.emplace_back("changed-files", "");
        std::string line = what;
        for (auto& c : line)
            if (c == '\n' || c == '\r') c = ' ';
        all.emplace_back("error", line);
        auto blocks = output_blocks(o, all);
        auto published = blocks ? publish(*blocks) : Result<void>(std::unexpected(blocks.error()));
        if (!published) e.message += "\n(also: " + published.error().message + ")";
        return std::unexpected(e);
    };
    if (!passed)
        return fail_with(Error{ErrorKind::check_failed, o.report + " did not pass (verdict " + outputs[0].second + "): the pin stays where it is", {}},
                         "the report did not pass");
    if (pin.empty())
        return fail_with(Error{ErrorKind::input, o.report + " validated no revision (a run with --manifests): promote needs a run with --candidate or --chart", {}},
                         "the report validated no revision");
    if (auto ok = promote::check_revision(pin); !ok)
        return fail_with(Error{ErrorKind::input, o.report + ": " + ok.error().message, {}}, "the report's revision cannot be pinned");
    if (!facts->proven)
        return fail_with(Error{ErrorKind::input, o.report + ": no scenario of it brought an install to Healthy (an analyze report, or "
                                                 "a damaged one): only a run that installed the candidate proves it",
                               {}},
                         "the report shows no healthy install");
    // The pin a run offers is its candidate's tag, or its commit when it has none: anything else
    // (HEAD, a branch) is not what was proved.
    if (!chart && pin != facts->tag && pin != facts->commit)
        return fail_with(Error{ErrorKind::input, o.report + ": promote.revision " + pin + " is neither the candidate's tag (" +
                                                     (facts->tag.empty() ? "none" : facts->tag) + ") nor its commit (" +
                                                     (facts->commit.empty() ? "none" : facts->commit) + "): not a report argocd-preflight wrote",
                               {}},
                         "the report's revision is not its candidate");
    if (chart && !o.revision.empty() && o.revision != pin)
        return fail_with(Error{ErrorKind::input, o.report + " validated chart " + facts->chart + " " + pin + ", not " + o.revision +
                                                     ": run the pre-flight for the version you want to pin",
                               {}},
                         "the report validated another version");
    if (!chart && !o.revision.empty() && o.revision != facts->tag && o.revision != facts->commit && o.revision != facts->ref &&
        !(o.revision.size() >= 7 && facts->commit.starts_with(o.revision)))
        return fail_with(Error{ErrorKind::input, o.report + " validated " + pin + " (commit " + facts->commit + "), not " + o.revision +
                                                     ": run the pre-flight for the revision you want to pin",
                               {}},
                         "the report validated another revision");
    std::string source = !o.source.empty() ? o.source : chart ? facts->chart_repo : facts->source;
    if (source.empty() && !o.files.empty())
        return fail_with(Error{ErrorKind::input,
                               chart ? o.report + " is about a local chart (no repository): pass --source with the chart repository your files pin it from"
                                     : o.report + " names no source repository: pass --source",
                               {}},
                         "no source repository");
    promote::Target target{chart ? promote::Target::Kind::chart : promote::Target::Kind::git, source, pin, facts->chart};
    auto targets = expand(o.files);
    if (!targets) return fail_with(targets.error(), targets.error().message);
    int stdin_uses = 0;
    for (const auto& t : *targets) stdin_uses += t.path == "-";
    if (stdin_uses > 1) return fail_with(Error{ErrorKind::usage, "`-` (stdin) given more than once", {}}, "`-` given more than once");
    std::vector<std::string> problems, changed;
    std::string diff, summary, to_stdout, notes;
    bool any_pin = false;
    WriteSet writes;
    // Every file read once (stdin included) before any is rewritten: a chart pin in one file may
    // name a HelmRepository another one defines.
    std::vector<std::optional<std::string>> texts;
    for (const auto& t : *targets) {
        auto src = read_sources({t.path}, s.in);
        if (!src) {
            problems.push_back(src.error().describe());
            texts.emplace_back();
            continue;
        }
        texts.emplace_back(std::move(src->front().text));
        if (chart) {
            auto repos = promote::helm_repositories(t.path, *texts.back());
            target.helm_repositories.insert(target.helm_repositories.end(), repos.begin(), repos.end());
        }
    }
    for (std::size_t i = 0; i < targets->size(); ++i) {
        const auto& t = (*targets)[i];
        if (!texts[i]) continue;
        const auto& text = *texts[i];
        std::string shown = t.path == "-" ? "<stdin>" : t.path;
        // In a directory, files that pin nothing are someone else's; a parse or splice problem
        // in them is still reported.
        auto rewritten = promote::pin(shown, text, target, t.from_directory ? promote::WhenAbsent::unchanged : promote::WhenAbsent::error);
        if (!rewritten) {
            problems.push_back(rewritten.error().message);
            continue;
        }
        if (!rewritten->pins_source) continue;
        any_pin = true;
        for (const auto& c : rewritten->changes)
            summary += shown + ":" + std::to_string(c.line) + ": " + c.what + ": " + c.from + " -> " + c.to + "\n";
        if (t.path == "-") {
            to_stdout = rewritten->text;
            if (rewritten->text != text) {
                diff += promote::unified_diff(shown, text, rewritten->text);
                changed.push_back("-");
            }
            continue;
        }
        if (rewritten->text == text) {
            summary += shown + ": already pinned to " + pin + "\n";
            continue;
        }
        diff += promote::unified_diff(shown, text, rewritten->text);
        changed.push_back(t.path);
        // helm checks Chart.lock against Chart.yaml: a moved dependency leaves it stale.
        if (std::filesystem::path(t.path).filename() == "Chart.yaml") {
            auto lock = std::filesystem::path(t.path).parent_path() / "Chart.lock";
            std::error_code ec;
            if (std::filesystem::exists(lock, ec))
                notes += lock.string() + " still locks the old version: run `helm dependency update " +
                         (lock.parent_path().empty() ? std::string(".") : lock.parent_path().string()) + "` and commit it with this change\n";
        }
        if (!o.dry_run)
            if (auto r = writes.add(t.path, rewritten->text); !r) problems.push_back(r.error().message);
    }
    if (problems.empty() && !targets->empty() && !any_pin)
        problems.push_back("nothing in " + text::join(o.files, ", ") + " pins " + (chart ? "chart " + facts->chart + " from " : "") + source);
    if (!problems.empty())
        return fail_with(Error{ErrorKind::input, text::join(problems, "\n") + "\nno file was changed", {}}, "no file was changed: " + problems.front());
    // The outputs are rendered before any file changes: one that cannot be written (a line break
    // for a dotenv file) refuses the whole promotion.
    auto done = outputs;
    done.emplace_back("changed-files", text::join(changed, " "));
    auto blocks = output_blocks(o, done);
    if (!blocks)
        return fail_with(Error{ErrorKind::input, o.report + ": " + blocks.error().message + "; no file was changed", {}},
                         "a value with a line break");
    if (!o.dry_run)
        if (auto r = writes.commit(); !r) return fail_with(r.error(), "no file was changed: " + r.error().message);
    if (!o.dry_run)
        if (auto r = publish(*blocks); !r) return std::unexpected(r.error().with_context("the files were pinned, but the outputs"));
    s.err << summary << notes;
    if (stdin_uses && !o.dry_run) {
        s.out << to_stdout;
        s.out.flush();
        return 0;
    }
    if (auto r = emit(g, o.dry_run ? diff : summary, s); !r) return std::unexpected(r.error());
    return 0;
}

}  // namespace preflight::cli
