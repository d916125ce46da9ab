// Stages shared by analyze and run: manifests into the model and engine, static report cases.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "preflight/analysis/checks.hpp"
#include "preflight/cli/output.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/scenario/scenario.hpp"
#include "preflight/util/files.hpp"

namespace preflight::cli {

struct Loaded {
    std::vector<model::Object> objects;
    model::Inventory inventory;
    std::unique_ptr<analysis::Engine> engine;
};

// Model settings from the global options and --apiserver-endpoint (empty: kind's default).
Result<analysis::ModelConfig> model_config(const GlobalOptions& g, const std::string& apiserver_endpoint);
// Reads `paths` (files, directories, - for stdin) and loads them into `out` (kept at a stable
// address: views point into it). Error::input with file:line:col and a caret for bad input.
Result<void> load(const std::vector<std::string>& paths, const analysis::ModelConfig& config, unsigned jobs, Streams& s, Loaded& out);
Result<void> load_sources(std::vector<SourceText> sources, const analysis::ModelConfig& config, unsigned jobs, Loaded& out);
// PF006 results for `loaded` against Kubernetes `version` ("1.33"; empty: nothing) appended
// to `result`, and the run's `kube.version` property. Error::usage for a malformed version.
Result<void> check_kube_version(const std::string& version, const Loaded& loaded, analysis::Analysis& result, report::Run& run);
// The engine of `l` again under `config` (another API server endpoint), from the same objects.
void rebuild_engine(Loaded& l, const analysis::ModelConfig& config);
bool colour_wanted(const GlobalOptions& g);
std::string finding_detail(const analysis::Finding& f);
// The scenario named NAME (shipped, compiled in) or read from FILE; Error::usage when it is
// neither, Error::input with every problem of an invalid one.
Result<scenario::Scenario> load_scenario(const std::string& name_or_file, Streams& s);
// One case per static result (a warning passes with "warning:" in its message).
void add_static_cases(const analysis::Analysis& result, report::Suite& suite, std::int64_t started);

}  // namespace preflight::cli
