// The static stage: manifests -> model -> NetworkPolicy engine -> analysis -> report cases.
// One implementation, used by `analyze`, `run` and the tests.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "preflight/analysis/checks.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/report/report.hpp"
#include "preflight/util/files.hpp"

namespace preflight::pipeline {

// A release's manifests loaded: the objects, their views and the engine (views point into
// `objects`: keep it at a stable address).
struct Loaded {
    std::vector<model::Object> objects;
    model::Inventory inventory;
    std::unique_ptr<analysis::Engine> engine;
    // Results about where the manifests came from rather than about an object (a chart whose
    // kubeVersion excludes the target): reported with the analysis.
    std::vector<analysis::CheckResult> source_results;
};

// Parses `sources` (with `jobs` threads) into `out`. Error::input with file:line:col and a caret
// for bad input, NetworkPolicies the API server would refuse included.
Result<void> load_sources(std::vector<SourceText> sources, const analysis::ModelConfig& config, unsigned jobs, Loaded& out);
// What `objects` mark as secret, for the Redactor: every value of a Secret's data (decoded too)
// and stringData, env values under a credential-like name (pass, secret, token, credential,
// apikey, private), `--password=x` / `--token x` arguments, and the userinfo of URLs in
// containers. load_sources registers them; a chart's rendering is read with it too.
std::vector<std::string> secret_values(const std::vector<model::Object>& objects);
// The same with `objects`' inventory already built (load_sources has it: not built twice).
std::vector<std::string> secret_values(const std::vector<model::Object>& objects, const model::Inventory& inventory);
// The engine of `l` again under `config` (another API server endpoint), from the same objects.
void rebuild_engine(Loaded& l, const analysis::ModelConfig& config);

// Every check of `candidate` (compared with `baseline` when given), and PF006 against
// Kubernetes `kube_version` ("1.33"; empty: not checked). Error::usage for a malformed version.
Result<analysis::Analysis> analyze(const Loaded& candidate, const Loaded* baseline, const analysis::ModelConfig& config,
                                   const std::string& kube_version);
// "1.33" for a version `analyze` accepts; nullopt otherwise.
std::optional<std::string> kube_minor_text(const std::string& kube_version);

// A finding as text: "[PF001 error] title", its explanation, Fix:, Objects:.
std::string finding_detail(const analysis::Finding& f);
// One case per static result into `suite` (a warning passes with "warning:" in its message).
void add_static_cases(const analysis::Analysis& result, report::Suite& suite, std::int64_t started);

}  // namespace preflight::pipeline
