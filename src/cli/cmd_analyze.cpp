// `analyze` and `connectivity`: manifests -> model -> engine -> report / connection map.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "preflight/analysis/checks.hpp"
#include "preflight/analysis/connectivity.hpp"
#include "preflight/cli/commands.hpp"
#include "preflight/cli/stages.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {

Result<int> cmd_analyze(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s) {
    auto format = parse_format(g.format, false);
    if (!format) return std::unexpected(format.error());
    auto config = model_config(g, o.apiserver_endpoint);
    if (!config) return std::unexpected(config.error());
    report::Run run;
    run.command = "analyze";
    run.version = PREFLIGHT_VERSION;
    run.start_ms = now_ms();
    Loaded candidate, baseline;
    if (o.chart.given() == !o.inputs.empty())
        return fail(ErrorKind::usage, o.chart.given() ? "give manifests or --chart, not both" : "nothing to analyze: give manifests (FILE|DIR|-) or --chart");
    if (o.chart.given()) {
        auto rendered = render_chart(o.chart, g, o.kube_version, g.report_dir);
        if (!rendered) return std::unexpected(rendered.error());
        run.set_property("chart", o.chart.chart);
        if (!o.chart.version.empty()) run.set_property("chart.constraint", o.chart.version);
        run.set_property("chart.name", rendered->pin_chart);
        run.set_property("chart.version", rendered->pin);  // exactly what helm rendered
        if (auto r = pipeline::load_sources(std::move(rendered->sources), *config, g.jobs, candidate); !r) return std::unexpected(r.error());
        if (auto f = chart_kube_version_finding(*rendered, o.chart, o.kube_version)) candidate.source_results.push_back(std::move(*f));
    } else if (auto r = load(o.inputs, *config, g.jobs, s, candidate); !r) {
        return std::unexpected(r.error());
    }
    if (!o.baseline.empty())
        if (auto r = load(o.baseline, *config, g.jobs, s, baseline); !r) return std::unexpected(r.error().with_context("baseline"));
    auto started = now_ms();
    auto analysed = pipeline::analyze(candidate, o.baseline.empty() ? nullptr : &baseline, *config, o.kube_version);
    if (!analysed) return std::unexpected(analysed.error());
    const auto& result = *analysed;
    if (auto minor = pipeline::kube_minor_text(o.kube_version)) run.set_property("kube.version", *minor);
    if (!o.inputs.empty()) run.set_property("inputs", text::join(o.inputs, " "));
    if (!o.baseline.empty()) run.set_property("baseline", text::join(o.baseline, " "));
    run.set_property("namespace", config->default_ns);
    run.set_property("apiserver.endpoint", config->api_server.text());
    for (const auto& a : result.assumptions) run.notices.push_back("assumed " + a);
    for (const auto& i : result.ignored) {
        run.notices.push_back("warning: the verdict ignores " + i + ": policies of that API are not modelled, so a connection it blocks may still pass");
        spdlog::warn("the verdict ignores {} (not modelled)", i);
    }
    auto& suite = run.suite("static analysis");
    suite.start_ms = started;
    pipeline::add_static_cases(result, suite, started);
    run.duration_ms = suite.duration_ms = now_ms() - run.start_ms;
    if (auto r = write_report_dir(g, run); !r) return std::unexpected(r.error());
    if (auto r = emit(g, render(run, *format, colour_wanted(g)), s); !r) return std::unexpected(r.error());
    return exit_code_for(run);
}

Result<int> cmd_connectivity(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s) {
    if (g.format == "junit" || g.format == "markdown")
        return std::unexpected(Error{ErrorKind::usage, "connectivity prints text, json or csv", {}});
    auto format = parse_format(g.format, true);
    if (!format) return std::unexpected(format.error());
    auto config = model_config(g, o.apiserver_endpoint);
    if (!config) return std::unexpected(config.error());
    Loaded loaded;
    if (auto r = load(o.inputs, *config, g.jobs, s, loaded); !r) return std::unexpected(r.error());
    auto rows = analysis::connectivity(*loaded.engine, o.peers == "manifests" ? analysis::Peers::manifests : analysis::Peers::all);
    std::string out = *format == Format::json  ? analysis::connectivity_json(rows)
                      : *format == Format::csv ? analysis::connectivity_csv(rows)
                                               : analysis::connectivity_text(rows);
    if (o.peers == "manifests") spdlog::info("{} connections between the input's peers (netpol-analyzer's view)", rows.size());
    else spdlog::info("API server endpoint assumed: {}:{} ({} connections)", config->api_server.address_text, config->api_server.port, rows.size());
    if (auto r = emit(g, out, s); !r) return std::unexpected(r.error());
    return 0;
}

}  // namespace preflight::cli
