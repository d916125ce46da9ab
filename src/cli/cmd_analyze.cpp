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

int cmd_analyze(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s) {
    auto format = parse_format(g.format, false);
    if (!format) return report_error(format.error(), s);
    auto config = model_config(g, o.apiserver_endpoint);
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
    if (auto r = check_kube_version(o.kube_version, candidate, result, run); !r) return report_error(r.error(), s);
    run.set_property("inputs", text::join(o.inputs, " "));
    if (!o.baseline.empty()) run.set_property("baseline", text::join(o.baseline, " "));
    run.set_property("namespace", config->default_ns);
    run.set_property("apiserver.endpoint", config->api_server.address_text + ":" + std::to_string(config->api_server.port));
    for (const auto& a : result.assumptions) run.notices.push_back("assumed " + a);
    auto& suite = run.suite("static analysis");
    suite.start_ms = started;
    add_static_cases(result, suite, started);
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
    auto config = model_config(g, o.apiserver_endpoint);
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
