// CLI plumbing shared by the commands: options into model settings, paths into loaded
// manifests (through the pipeline), scenarios by name or file.
#pragma once
#include <string>
#include <vector>

#include "preflight/cli/commands.hpp"
#include "preflight/cli/output.hpp"
#include "preflight/pipeline/static_stage.hpp"
#include "preflight/scenario/scenario.hpp"
#include "preflight/source/chart.hpp"

namespace preflight::cli {

using pipeline::Loaded;

// Model settings from the global options and --apiserver-endpoint (empty: kind's default).
Result<analysis::ModelConfig> model_config(const GlobalOptions& g, const std::string& apiserver_endpoint);
// Reads `paths` (files, directories, - for stdin) and loads them into `out` (kept at a stable
// address: views point into it). Error::input with file:line:col and a caret for bad input.
Result<void> load(const std::vector<std::string>& paths, const analysis::ModelConfig& config, unsigned jobs, Streams& s, Loaded& out);
bool colour_wanted(const GlobalOptions& g);
// The chart of `c` rendered by `helm template` (namespace from the global options, Kubernetes
// version `kube_version` when given), its Secret values registered with the global Redactor,
// and the rendered manifests kept (redacted) as DIR/rendered-chart.yaml when `keep_dir` is set.
Result<source::Fetched> render_chart(const ChartOptions& c, const GlobalOptions& g, const std::string& kube_version,
                                     const std::string& keep_dir);
// PF006 when helm refused `kube_version` for the chart's kubeVersion (the rendering is then for
// helm's default version), located at the kubeVersion line of a chart directory's Chart.yaml.
std::optional<analysis::CheckResult> chart_kube_version_finding(const source::Fetched& rendered, const ChartOptions& c,
                                                                const std::string& kube_version);
// The scenario named NAME (shipped, compiled in) or read from FILE; Error::usage when it is
// neither, Error::input with every problem of an invalid one.
Result<scenario::Scenario> load_scenario(const std::string& name_or_file, Streams& s);

}  // namespace preflight::cli
