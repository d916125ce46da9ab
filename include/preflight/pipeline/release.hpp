// What the live half needs to know about a release, built from the static stage: its manifests
// as applied, the workloads that must become Healthy, the images, the static findings, the
// probes planned from them and where the smoke test talks to Argo CD.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "preflight/health/install_state.hpp"
#include "preflight/pipeline/static_stage.hpp"
#include "preflight/probe/plan.hpp"
#include "preflight/probe/smoke.hpp"

namespace preflight::pipeline {

// A Helm hook of a rendered chart (`helm.sh/hook` annotation): applied around the release's other
// objects, as helm install/upgrade does, never as part of them.
struct Hook {
    std::string kind, name;
    std::vector<std::string> events;          // pre-install, post-install, pre-upgrade, post-upgrade, test, ...
    int weight = 0;                           // helm.sh/hook-weight
    std::vector<std::string> delete_policies;  // helm.sh/hook-delete-policy; none given: before-hook-creation
    std::string manifest;                     // its document, as rendered
    bool on(std::string_view event) const;
    bool deleted_when(std::string_view policy) const;
};

// `text` split into the documents applied with the release (`rest`) and its Helm hooks, sorted as
// helm runs them: weight, then kind in helm's install order, then name. Error::input for a hook
// whose weight is not an integer.
Result<void> split_hooks(const std::string& text, std::string& rest, std::vector<Hook>& hooks);

struct Release {
    std::string label;      // "v2.11.1 manifests/install.yaml @ 1a2b3c4d5e6f"
    std::string manifests;  // applied as they are (without the hooks)
    std::vector<Hook> hooks;  // run around the apply (see split_hooks)
    std::vector<health::Expected> expected;  // workloads that must become Healthy
    std::vector<std::string> images;         // preloaded into kind when present locally
    std::vector<analysis::CheckResult> static_results;
    std::string static_summary;  // text of the static findings, for the artifacts
    std::vector<probe::Spec> probes;
    std::string probe_image;  // empty: probes are skipped, saying why
    std::optional<probe::SmokeTarget> smoke_target;  // nullopt: no API server (core-install)
    std::string smoke_skip_reason;                   // why there is no smoke_target, when not that
};

struct ReleaseOptions {
    std::string flavour = "install";
    std::string probe_image;  // empty: the Redis image the manifests pull
};

// The Release of `loaded` as analysed; `text` is what is applied.
Result<Release> build_release(const Loaded& loaded, const analysis::Analysis& analysis, const std::string& label, std::string text,
                              const ReleaseOptions& options);
// The static part of `r` again (results, summary, probes) after the analysis was redone.
void refresh_static(const Loaded& loaded, const analysis::Analysis& analysis, Release& r);

// ClusterRoleBindings name their ServiceAccounts' namespace as the release wrote it (`argocd`);
// a run installs those ServiceAccounts into `ns`. The bindings again (JSON documents after
// "---"), with the subjects moved to `ns`, to apply after the release; "" when nothing moves.
std::string rebound_subjects(const Loaded& loaded, const std::string& ns);
// `sources` as one multi-document YAML stream.
std::string joined_text(const std::vector<SourceText>& sources);

}  // namespace preflight::pipeline
