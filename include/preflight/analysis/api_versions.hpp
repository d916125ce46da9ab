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

// PF006 for every object whose apiVersion/kind the table knows: an error when Kubernetes
// 1.`minor` does not serve it (removed, or not yet), a warning when it is deprecated there.
// Messages start with file:line:col of the apiVersion value. Objects the table does not know
// (custom resources, APIs it does not list) pass without a result.
std::vector<CheckResult> check_api_versions(const std::vector<model::Object>& objects, int minor);

}  // namespace preflight::analysis
