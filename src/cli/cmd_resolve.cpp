// `resolve`: a ref of an Argo CD git source -> the release tag and the full commit.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "preflight/cli/commands.hpp"
#include "preflight/source/chart.hpp"
#include "preflight/source/fetch.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/revision/resolve.hpp"
#include "preflight/util/redactor.hpp"

#include <unistd.h>

#include <filesystem>

namespace preflight::cli {
namespace {

// A chart version constraint -> the exact version helm picks (the newest that meets it).
Result<int> resolve_chart(const GlobalOptions& g, const ResolveOptions& o, Streams& s) {
    for (const auto& secret : revision::source_secrets(o.chart_repo)) Redactor::global().add(secret);
    source::ChartSpec spec;
    spec.chart = o.chart;
    spec.repo = o.chart_repo;
    spec.version = o.ref;
    if (spec.repo.empty() && !spec.version.empty())
        return fail(ErrorKind::usage, "a local chart has one version (its Chart.yaml): give no version, or --chart-repo");
    proc::ProcessRunner runner;
    auto meta = source::chart_meta(runner, spec, std::chrono::seconds(o.timeout_s));
    if (!meta) return std::unexpected(meta.error());
    std::string asked = o.ref.empty() ? "newest" : o.ref;
    std::string text;
    if (g.format == "json") {
        boost::json::object j{{"chart", meta->name}, {"constraint", o.ref}, {"version", meta->version}, {"appVersion", meta->app_version},
                              {"repo", o.chart_repo}};
        text = boost::json::serialize(j) + "\n";
    } else {
        text = meta->name + " " + asked + " -> version " + meta->version + (meta->app_version.empty() ? "" : " (app " + meta->app_version + ")") +
               " (" + (o.chart_repo.empty() ? o.chart : o.chart_repo) + ")\n";
    }
    if (auto r = emit(g, Redactor::global().redact(text), s); !r) return std::unexpected(r.error());
    return 0;
}

}  // namespace

Result<int> cmd_resolve(const GlobalOptions& g, const ResolveOptions& o, Streams& s) {
    auto error = [&](const Error& e) { return std::unexpected(e); };
    if (g.format != "text" && g.format != "json")
        return error(Error{ErrorKind::usage, "resolve prints text or json", {}});
    if (!o.chart.empty()) return resolve_chart(g, o, s);
    if (!o.chart_repo.empty()) return error(Error{ErrorKind::usage, "--chart-repo needs --chart NAME", {}});
    if (o.ref.empty()) return error(Error{ErrorKind::usage, "resolve needs a ref (stable, a tag, a branch, a commit) or --chart", {}});
    proc::ProcessRunner runner;
    auto resolved = source::resolve(runner, o.source, o.ref, std::chrono::seconds(o.timeout_s), Redactor::global());
    if (!resolved) return error(resolved.error());
    std::string text;
    if (g.format == "json") {
        boost::json::object j{{"ref", resolved->ref}, {"commit", resolved->commit}, {"source", resolved->source}};
        j["tag"] = resolved->tag ? boost::json::value(*resolved->tag) : boost::json::value(nullptr);
        text = boost::json::serialize(j) + "\n";
    } else {
        text = resolved->ref + " -> " + (resolved->tag ? "tag " + *resolved->tag : std::string("no tag")) + ", commit " +
               resolved->commit + " (" + resolved->source + ")\n";
    }
    if (auto r = emit(g, text, s); !r) return error(r.error());
    return 0;
}

}  // namespace preflight::cli
