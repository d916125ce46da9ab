// `analyze` and `connectivity`: manifests -> model -> engine -> report / connection map.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "preflight/analysis/checks.hpp"
#include "preflight/analysis/connectivity.hpp"
#include "preflight/cli/commands.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {
namespace {

struct Loaded {
    std::vector<model::Object> objects;
    model::Inventory inventory;
    std::unique_ptr<analysis::Engine> engine;
};

Result<analysis::ModelConfig> model_config(const GlobalOptions& g, const AnalyzeOptions& o) {
    analysis::ModelConfig config;
    config.default_ns = g.ns;
    config.api_server = analysis::kind_default_api_server();
    if (!o.apiserver_endpoint.empty()) {
        auto ep = analysis::parse_api_server_endpoint(o.apiserver_endpoint);
        if (!ep) return fail(ErrorKind::usage, "--apiserver-endpoint: expected IP:PORT, got '" + o.apiserver_endpoint + "'");
        config.api_server = *ep;
    }
    return config;
}

// Loads `paths` into `out` (kept at a stable address: views point into it).
Result<void> load(const std::vector<std::string>& paths, const analysis::ModelConfig& config, unsigned jobs, Streams& s,
                  Loaded& out) {
    auto sources = read_sources(paths, s.in);
    if (!sources) return std::unexpected(sources.error());
    model::ParseLimits limits;
    limits.threads = jobs;
    auto parsed = model::load_manifests(*sources, limits);
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
            auto src = std::find_if(sources->begin(), sources->end(), [&](const SourceText& t) { return t.name == p.file; });
            shown.push_back(src == sources->end() ? p.str()
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

}  // namespace

int cmd_analyze(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s) {
    auto format = parse_format(g.format, false);
    if (!format) return report_error(format.error(), s);
    auto config = model_config(g, o);
    if (!config) return report_error(config.error(), s);
    report::Run run;
    run.command = "analyze";
    run.version = PREFLIGHT_VERSION;
    run.start_ms = now_ms();
    Loaded candidate, baseline;
    if (auto r = load(o.inputs, *config, g.jobs, s, candidate); !r) return report_error(r.error(), s);
    if (!o.baseline.empty())
        if (auto r = load(o.baseline, *config, g.jobs, s, baseline); !r) return report_error(r.error().with_context("baseline"), s);
    auto started = now_ms();
    auto result = analysis::analyze(candidate.inventory, *candidate.engine, *config,
                                    o.baseline.empty() ? nullptr : &baseline.inventory, baseline.engine.get());
    run.set_property("inputs", text::join(o.inputs, " "));
    if (!o.baseline.empty()) run.set_property("baseline", text::join(o.baseline, " "));
    run.set_property("namespace", config->default_ns);
    run.set_property("apiserver.endpoint", config->api_server.address_text + ":" + std::to_string(config->api_server.port));
    for (const auto& a : result.assumptions) run.notices.push_back("assumed " + a);
    auto& suite = run.suite("static analysis");
    suite.start_ms = started;
    for (const auto& r : result.results) {
        report::Case c;
        c.name = r.check + ": " + r.subject;
        c.classname = r.check == "baseline-regression" ? "baseline" : "static." + r.check;
        c.outcome = r.passed ? report::Outcome::passed : report::Outcome::failed;
        c.message = r.message;
        c.start_ms = started;
        if (r.finding) {
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
    run.duration_ms = suite.duration_ms = now_ms() - run.start_ms;
    if (auto r = write_report_dir(g, run); !r) return report_error(r.error(), s);
    if (auto r = emit(g, render(run, *format, colour_wanted(g)), s); !r) return report_error(r.error(), s);
    return exit_code_for(run);
}

int cmd_connectivity(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s) {
    if (g.format == "junit" || g.format == "markdown")
        return report_error(Error{ErrorKind::usage, "connectivity prints text, json or csv", {}}, s);
    auto format = parse_format(g.format, true);
    if (!format) return report_error(format.error(), s);
    auto config = model_config(g, o);
    if (!config) return report_error(config.error(), s);
    Loaded loaded;
    if (auto r = load(o.inputs, *config, g.jobs, s, loaded); !r) return report_error(r.error(), s);
    auto rows = analysis::connectivity(*loaded.engine);
    std::string out = *format == Format::json  ? analysis::connectivity_json(rows)
                      : *format == Format::csv ? analysis::connectivity_csv(rows)
                                               : analysis::connectivity_text(rows);
    spdlog::info("API server endpoint assumed: {}:{} ({} connections)", config->api_server.address_text, config->api_server.port, rows.size());
    if (auto r = emit(g, out, s); !r) return report_error(r.error(), s);
    return 0;
}

}  // namespace preflight::cli
