// A Helm chart as a candidate: rendered by the real `helm template` (the user's helm on PATH)
// into the manifests the rest of the pipeline reads.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "preflight/proc/runner.hpp"
#include "preflight/source/fetch.hpp"

namespace preflight::source {

struct ChartSpec {
    std::string chart;                // DIR or .tgz; with `repo`, the chart's name there
    std::string repo;                 // --chart-repo URL (empty: a local chart)
    std::string version;              // --chart-version (a repository chart needs one: the pin)
    std::vector<std::string> values;  // --values FILE, in order (later wins, as in helm)
    std::vector<std::string> set;     // --set K=V, in order
    std::string release = "argocd";   // the release name helm renders with
    std::string ns;                   // --namespace
    std::string kube_version;         // "1.33": helm's .Capabilities and kubeVersion check
};

// Error::usage for a spec helm would misread or that names what does not exist: a chart or
// release that starts with '-', a release name helm refuses, a values file that is missing or
// not a regular file, a --set without '=', a repository chart without a version, a version
// without a repository.
Result<void> validate(const ChartSpec& spec);

// The values of `spec.set` whose key names a credential (password, secret, token, key, auth,
// credential, cert; any dotted part, any case): what must be masked before helm's argv is logged.
// Other values are left alone (masking "redis" everywhere would shred the logs); whatever the
// chart puts into a Secret is masked after rendering anyway.
std::vector<std::string> secret_set_values(const ChartSpec& spec);

// helm template's argv for `spec` (validated).
std::vector<std::string> helm_template_args(const ChartSpec& spec);

// What a chart says it is (its Chart.yaml): what a passing run pins.
struct ChartMeta {
    std::string name, version, app_version;
    std::string kube_version;  // its kubeVersion constraint (">=1.25.0-0"), empty when none
};

// `helm show chart` argv for `spec` (a repository chart with `spec.version` as helm's version or
// constraint: "6.10.2", "6.*", ">=6.10 <7"; empty: the newest).
std::vector<std::string> helm_show_chart_args(const ChartSpec& spec);

// The name and version of a Chart.yaml (`helm show chart` prints it). Error::input when either
// is missing or the version is not a plain version (letters, digits and . + - only: a version a
// file can pin).
Result<ChartMeta> parse_chart_meta(std::string_view label, std::string_view chart_yaml);

// The chart's name and exact version as helm resolves them (a constraint becomes the newest
// version that meets it). Error::infrastructure when helm is missing, Error::input when helm
// refuses (no such chart or version).
Result<ChartMeta> chart_meta(proc::Runner& runner, const ChartSpec& spec, std::chrono::seconds timeout);

// The chart rendered with `helm template ... --include-crds`. The label names the chart, its
// version when known, and the values files; helm's own error (which names the values file or
// template) is quoted. Error::infrastructure when helm is missing or fails. A repository chart
// is first resolved to its exact version (`meta`), and that version is rendered, so a constraint
// cannot resolve to two versions between the two calls. `Fetched::pin` is the chart's version and
// `Fetched::pin_chart` its name. When helm refuses `spec.kube_version` because of the chart's
// kubeVersion, the chart is rendered for helm's default version instead and the refusal is kept
// in `Fetched::kube_version_refused` (a finding, not an error: the rest is still analysed).
Result<Fetched> from_chart(proc::Runner& runner, const ChartSpec& spec, std::chrono::seconds timeout);

}  // namespace preflight::source
