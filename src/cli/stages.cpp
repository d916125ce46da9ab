// Stages shared by commands: loading manifests into the model, the static report cases.
#include "preflight/cli/stages.hpp"

#include "preflight/analysis/api_versions.hpp"
#include "preflight/model/refs.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <filesystem>

#include "preflight/model/manifest.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {


Result<analysis::ModelConfig> model_config(const GlobalOptions& g, const std::string& apiserver_endpoint) {
    analysis::ModelConfig config;
    config.default_ns = g.ns;
    config.api_server = analysis::kind_default_api_server();
    if (!apiserver_endpoint.empty()) {
        auto ep = analysis::parse_api_server_endpoint(apiserver_endpoint);
        if (!ep) return fail(ErrorKind::usage, "--apiserver-endpoint: expected IP:PORT, got '" + apiserver_endpoint + "'");
        config.api_server = *ep;
    }
    return config;
}

Result<void> load(const std::vector<std::string>& paths, const analysis::ModelConfig& config, unsigned jobs, Streams& s,
                  Loaded& out) {
    auto sources = read_sources(paths, s.in);
    if (!sources) return std::unexpected(sources.error());
    return load_sources(std::move(*sources), config, jobs, out);
}

Result<void> load_sources(std::vector<SourceText> sources, const analysis::ModelConfig& config, unsigned jobs, Loaded& out) {
    model::ParseLimits limits;
    limits.threads = jobs;
    auto parsed = model::load_manifests(sources, limits);
    if (!parsed) return std::unexpected(parsed.error());
    for (const auto& w : parsed->warnings) spdlog::warn("{}", w);
    out.objects = std::move(parsed->objects);
    out.inventory = model::build_inventory(out.objects, config.default_ns);
    std::vector<analysis::Problem> problems;
    std::vector<analysis::Policy> policies;
    for (const auto* obj : out.inventory.network_policies)
        policies.push_back(analysis::parse_policy(*obj, config.default_ns, problems));
    if (!problems.empty()) {
        // Show each problem with its source line.
        std::vector<std::string> shown;
        for (const auto& p : problems) {
            auto src = std::find_if(sources.begin(), sources.end(), [&](const SourceText& t) { return t.name == p.file; });
            shown.push_back(src == sources.end() ? p.str()
                                                  : text::caret_excerpt(p.file, src->text, p.mark.line, p.mark.col,
                                                                        "invalid NetworkPolicy: " + p.message));
        }
        return fail(ErrorKind::input, text::join(shown, "\n"));
    }
    spdlog::debug("{} objects, {} workloads, {} network policies", out.objects.size(), out.inventory.workloads.size(), policies.size());
    auto endpoints = analysis::build_endpoints(out.inventory, policies, config);
    out.engine = std::make_unique<analysis::Engine>(std::move(policies), std::move(endpoints));
    return {};
}

Result<void> check_kube_version(const std::string& version, const Loaded& loaded, analysis::Analysis& result, report::Run& run) {
    if (version.empty()) return {};
    auto minor = model::parse_kube_minor(version);
    if (!minor) return fail(ErrorKind::usage, "--kube-version: expected a Kubernetes version such as 1.33, got '" + version + "'");
    auto extra = analysis::check_api_versions(loaded.objects, *minor);
    result.results.insert(result.results.end(), extra.begin(), extra.end());
    run.set_property("kube.version", "1." + std::to_string(*minor));
    return {};
}

void rebuild_engine(Loaded& l, const analysis::ModelConfig& config) {
    std::vector<analysis::Problem> problems;  // the same policies parsed cleanly before
    std::vector<analysis::Policy> policies;
    for (const auto* obj : l.inventory.network_policies) policies.push_back(analysis::parse_policy(*obj, config.default_ns, problems));
    auto endpoints = analysis::build_endpoints(l.inventory, policies, config);
    l.engine = std::make_unique<analysis::Engine>(std::move(policies), std::move(endpoints));
}

bool colour_wanted(const GlobalOptions& g) {
    return !g.no_color && std::getenv("NO_COLOR") == nullptr && g.output.empty() && ::isatty(STDOUT_FILENO);
}

std::string finding_detail(const analysis::Finding& f) {
    std::string out = "[" + f.id + (f.severity == analysis::Severity::error ? " error" : " warning") + "] " + f.title + "\n" +
                      f.explanation;
    if (!f.remediation.empty()) out += "\nFix: " + f.remediation;
    if (!f.locations.empty()) {
        out += "\nObjects:";
        for (const auto& l : f.locations) out += "\n  " + l;
    }
    return out;
}


void add_static_cases(const analysis::Analysis& result, report::Suite& suite, std::int64_t started) {
    for (const auto& r : result.results) {
        report::Case c;
        c.name = std::string(analysis::to_string(r.check)) + ": " + r.subject;
        c.classname = r.check == analysis::CheckId::baseline_regression ? "baseline" : "static." + std::string(analysis::to_string(r.check));
        c.outcome = r.passed ? report::Outcome::passed : report::Outcome::failed;
        c.message = r.message;
        c.start_ms = started;
        if (r.finding) {
            if (!r.finding->sites.empty()) {
                const auto& site = r.finding->sites.front();
                c.location = report::Location{site.file, site.line, site.col};
            }
            c.detail = finding_detail(*r.finding);
            c.evidence.push_back({"finding " + r.finding->id, c.detail});
            if (r.passed) {
                c.message = "warning: " + r.message;
                spdlog::warn("{}", r.finding->title);
            }
        }
        suite.add(std::move(c));
    }
    if (result.results.empty()) {
        report::Case c{"no checks applied", "static"};
        c.message = "no workload in the input calls the API server, uses Redis or needs DNS under a policy";
        suite.add(std::move(c));
    }
}

Result<scenario::Scenario> load_scenario(const std::string& name_or_file, Streams& s) {
    for (const auto& shipped : scenario::shipped_scenarios())
        if (name_or_file == shipped.name) return scenario::parse_scenario(std::string("scenarios/") + shipped.name + ".yaml", shipped.text);
    if (!std::filesystem::exists(name_or_file)) {
        std::string names;
        for (const auto& shipped : scenario::shipped_scenarios()) names += (names.empty() ? "" : ", ") + std::string(shipped.name);
        return fail(ErrorKind::usage, "scenario '" + name_or_file + "' is neither a shipped scenario (" + names + ") nor a file");
    }
    auto sources = read_sources({name_or_file}, s.in);
    if (!sources) return std::unexpected(sources.error());
    return scenario::parse_scenario(sources->front().name, sources->front().text);
}

}  // namespace preflight::cli
