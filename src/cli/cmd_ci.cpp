// `matrix` and `merge-reports`: fan a pre-flight out over CI jobs and bring the verdicts back.
#include <boost/json.hpp>

#include <filesystem>
#include <map>

#include "preflight/cli/commands.hpp"
#include "preflight/cli/stages.hpp"
#include "preflight/cluster/provider.hpp"
#include "preflight/revision/resolve.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {

Result<int> cmd_matrix(const GlobalOptions& g, const MatrixOptions& o, Streams& s) {
    if (o.target != "github" && o.target != "gitlab")
        return std::unexpected(Error{ErrorKind::usage, "--for: expected github or gitlab, got '" + o.target + "'", {}});
    std::vector<std::string> problems;
    for (const auto& f : o.flavours)
        if (auto r = revision::flavour_path(f); !r) problems.push_back(r.error().message);
    struct Entry {
        std::string flavour, scenario, node_image;
    };
    std::vector<Entry> entries;
    std::vector<std::string> images = o.node_images.empty() ? std::vector<std::string>{cluster::k_default_node_image} : o.node_images;
    for (const auto& name : o.scenarios) {
        auto parsed = load_scenario(name, s);
        if (!parsed) {
            problems.push_back("--scenarios: " + parsed.error().message);
            continue;
        }
        std::optional<std::string> fixed = parsed->flavour;
        // A scenario that fixes its flavour (ha) runs once, with it.
        std::vector<std::string> flavours = fixed ? std::vector<std::string>{*fixed} : o.flavours;
        for (const auto& f : flavours)
            for (const auto& img : images) entries.push_back({f, name, img});
    }
    if (!problems.empty()) return std::unexpected(Error{ErrorKind::usage, text::join(problems, "\n"), {}});
    std::string out;
    if (o.target == "github") {
        boost::json::array include;
        for (const auto& e : entries) include.push_back({{"flavour", e.flavour}, {"scenario", e.scenario}, {"node_image", e.node_image}});
        out = boost::json::serialize(boost::json::object{{"include", include}}) + "\n";
    } else {
        out = "parallel:\n  matrix:\n";
        for (const auto& e : entries)
            out += "    - FLAVOUR: \"" + e.flavour + "\"\n      SCENARIO: \"" + e.scenario + "\"\n      NODE_IMAGE: \"" + e.node_image + "\"\n";
    }
    if (auto r = emit(g, out, s); !r) return std::unexpected(r.error());
    return 0;
}

// What a job proved: its candidate's commit, chart and version, or manifests digest ("" when the
// report names none, e.g. an analyze report of local files).
std::string candidate_of(const report::Run& run) {
    std::string id;
    for (const auto* key : {"candidate.commit", "candidate.chart.name", "candidate.chart.version", "candidate.manifests.sha256"})
        for (const auto& [k, v] : run.properties)
            if (k == key) id += std::string(key) + "=" + v + " ";
    return id;
}

// Matrix jobs must have proved one candidate: a floating ref (`stable`) that moved between two
// jobs, or jobs given different charts or files, make one merged verdict meaningless.
Result<void> same_candidate(const std::vector<std::pair<std::string, report::Run>>& jobs) {
    std::map<std::string, std::vector<std::string>> by_candidate;
    for (const auto& [label, run] : jobs) by_candidate[candidate_of(run)].push_back(label);
    if (by_candidate.size() <= 1) return {};
    std::vector<std::string> lines;
    for (const auto& [id, labels] : by_candidate)
        lines.push_back("  " + text::join(labels, ", ") + ": " + (id.empty() ? std::string("no candidate named") : id));
    return fail(ErrorKind::input, "the reports proved different candidates, so no one verdict covers them (resolve the ref once "
                                  "and give every job the same commit):\n" + text::join(lines, "\n"));
}

Result<int> cmd_merge_reports(const GlobalOptions& g, const MergeOptions& o, Streams& s) {
    auto format = parse_format(g.format, false);
    if (!format) return std::unexpected(format.error());
    std::vector<std::pair<std::string, report::Run>> jobs;
    std::map<std::string, int> seen;
    std::vector<std::string> problems;
    for (const auto& path : o.reports) {
        auto src = read_sources({path}, s.in);
        if (!src) {
            problems.push_back(src.error().message);
            continue;
        }
        auto run = report::read_json(src->front().text, path);
        if (!run) {
            problems.push_back(run.error().message);
            continue;
        }
        // The job's label: what it ran, as the matrix spelled it.
        std::string label;
        for (const auto* key : {"scenario", "candidate.flavour"})
            for (const auto& [k, v] : run->properties)
                if (k == key) label += (label.empty() ? "" : "/") + v;
        if (label.empty()) label = std::filesystem::path(path).parent_path().filename().string();
        if (label.empty()) label = run->command;
        if (int n = ++seen[label]; n > 1) label += "#" + std::to_string(n);
        jobs.emplace_back(label, std::move(*run));
    }
    if (!problems.empty()) return std::unexpected(Error{ErrorKind::input, text::join(problems, "\n"), {}});
    if (auto r = same_candidate(jobs); !r) return std::unexpected(r.error());
    auto merged = report::merge(jobs);
    if (auto r = write_report_dir(g, merged); !r) return std::unexpected(r.error());
    if (auto r = emit(g, render(merged, *format, false), s); !r) return std::unexpected(r.error());
    return exit_code_for(merged);
}

}  // namespace preflight::cli
