// Which API versions a Kubernetes minor release serves: the candidate checked against the
// cluster it will run on, before anything is installed (PF006).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/analysis/checks.hpp"
#include "preflight/model/manifest.hpp"

namespace preflight::analysis {

// One built-in API version of one kind, and the minor releases of Kubernetes 1.x that matter.
struct ApiVersionRow {
    std::string_view api_version;  // "policy/v1beta1"
    std::string_view kind;         // "PodDisruptionBudget"
    int introduced = 0;            // first minor that serves it (0: long before any we check)
    int deprecated = 0;            // first minor that warns (0: never)
    int removed = 0;               // first minor that no longer serves it (0: still served)
    std::string_view replacement;  // "policy/v1", or a sentence when there is none
};

// The table (source: the Kubernetes Deprecated API Migration Guide,
// kubernetes.io/docs/reference/using-api/deprecation-guide/, and each API's GA release).
const std::vector<ApiVersionRow>& api_version_table();

// A CustomResourceDefinition feature that takes effect only from some Kubernetes version: an
// older API server drops the field, and what it promised (validation, field selectors) silently
// does not happen.
struct CrdFeatureRow {
    std::string_view key;     // "x-kubernetes-validations", or "x-kubernetes-validations[].reason"
    std::string_view what;    // "CEL validation rules"
    int works_from = 0;       // first minor where it works without a feature gate (beta, on by default)
    int ga = 0;               // the minor it went GA in
    std::string_view source;  // the KEP / enhancement that dates it
};
const std::vector<CrdFeatureRow>& crd_feature_table();

// PF006 for every object whose apiVersion/kind the table knows: an error when Kubernetes
// 1.`minor` does not serve it (removed, or not yet), a warning when it is deprecated there.
// Messages start with file:line:col of the apiVersion value. Objects the table does not know
// (custom resources, APIs it does not list) pass without a result. Every CustomResourceDefinition
// using a feature of crd_feature_table() gets a result per feature: an error, at the first use,
// when 1.`minor` predates it.
std::vector<CheckResult> check_api_versions(const std::vector<model::Object>& objects, int minor);

// PF006 for a Helm chart whose `kubeVersion` constraint excludes the target version (helm refused
// to render it for 1.`minor`: `helm_message`). `site` is Chart.yaml's kubeVersion line when known.
CheckResult chart_kube_version_result(const std::string& chart, const std::string& constraint, int minor, const std::string& helm_message,
                                      const model::SourceRef& site);

}  // namespace preflight::analysis
