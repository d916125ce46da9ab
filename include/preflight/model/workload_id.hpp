// Which workload: kind, namespace and name as one value, compared as a value and never parsed
// back from text.
#pragma once
#include <compare>
#include <string>

namespace preflight::model {

struct WorkloadId {
    std::string kind, ns, name;
    // "Deployment/argocd-redis": how reports name a workload (the run's namespace is implied).
    std::string text() const { return kind + "/" + name; }
    // The same kind and name: a live object and the manifest object it was applied from (the
    // manifest's namespace may be implied by the run's).
    bool same_workload(const WorkloadId& o) const { return kind == o.kind && name == o.name; }
    auto operator<=>(const WorkloadId&) const = default;
};

}  // namespace preflight::model
