// The served-API table and PF006. Data first, in one place; a test covers every row.
#include "preflight/analysis/api_versions.hpp"

#include <optional>


namespace preflight::analysis {

const std::vector<ApiVersionRow>& api_version_table() {
    // Source: Kubernetes Deprecated API Migration Guide (removals in 1.16, 1.22, 1.25, 1.26, 1.27,
    // 1.29, 1.32) and the release each replacement went GA in (introduced).
    static const std::vector<ApiVersionRow> k_rows = {
        // removed in 1.16
        {"extensions/v1beta1", "Deployment", 0, 9, 16, "apps/v1"},
        {"apps/v1beta1", "Deployment", 0, 9, 16, "apps/v1"},
        {"apps/v1beta2", "Deployment", 0, 9, 16, "apps/v1"},
        {"extensions/v1beta1", "DaemonSet", 0, 9, 16, "apps/v1"},
        {"apps/v1beta2", "DaemonSet", 0, 9, 16, "apps/v1"},
        {"extensions/v1beta1", "ReplicaSet", 0, 9, 16, "apps/v1"},
        {"apps/v1beta2", "ReplicaSet", 0, 9, 16, "apps/v1"},
        {"apps/v1beta1", "StatefulSet", 0, 9, 16, "apps/v1"},
        {"apps/v1beta2", "StatefulSet", 0, 9, 16, "apps/v1"},
        {"extensions/v1beta1", "NetworkPolicy", 0, 9, 16, "networking.k8s.io/v1"},
        {"extensions/v1beta1", "PodSecurityPolicy", 0, 11, 16, "policy/v1beta1 (itself removed in 1.25: Pod Security Admission)"},
        // removed in 1.22
        {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", 0, 16, 22, "admissionregistration.k8s.io/v1"},
        {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", 0, 16, 22, "admissionregistration.k8s.io/v1"},
        {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 0, 16, 22, "apiextensions.k8s.io/v1"},
        {"apiregistration.k8s.io/v1beta1", "APIService", 0, 19, 22, "apiregistration.k8s.io/v1"},
        {"certificates.k8s.io/v1beta1", "CertificateSigningRequest", 0, 19, 22, "certificates.k8s.io/v1"},
        {"coordination.k8s.io/v1beta1", "Lease", 0, 19, 22, "coordination.k8s.io/v1"},
        {"extensions/v1beta1", "Ingress", 0, 14, 22, "networking.k8s.io/v1"},
        {"networking.k8s.io/v1beta1", "Ingress", 0, 19, 22, "networking.k8s.io/v1"},
        {"networking.k8s.io/v1beta1", "IngressClass", 0, 19, 22, "networking.k8s.io/v1"},
        {"rbac.authorization.k8s.io/v1beta1", "ClusterRole", 0, 17, 22, "rbac.authorization.k8s.io/v1"},
        {"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", 0, 17, 22, "rbac.authorization.k8s.io/v1"},
        {"rbac.authorization.k8s.io/v1beta1", "Role", 0, 17, 22, "rbac.authorization.k8s.io/v1"},
        {"rbac.authorization.k8s.io/v1beta1", "RoleBinding", 0, 17, 22, "rbac.authorization.k8s.io/v1"},
        {"scheduling.k8s.io/v1beta1", "PriorityClass", 0, 14, 22, "scheduling.k8s.io/v1"},
        {"storage.k8s.io/v1beta1", "CSIDriver", 0, 19, 22, "storage.k8s.io/v1"},
        {"storage.k8s.io/v1beta1", "CSINode", 0, 17, 22, "storage.k8s.io/v1"},
        {"storage.k8s.io/v1beta1", "StorageClass", 0, 19, 22, "storage.k8s.io/v1"},
        {"storage.k8s.io/v1beta1", "VolumeAttachment", 0, 19, 22, "storage.k8s.io/v1"},
        // removed in 1.25
        {"batch/v1beta1", "CronJob", 0, 21, 25, "batch/v1"},
        {"discovery.k8s.io/v1beta1", "EndpointSlice", 0, 21, 25, "discovery.k8s.io/v1"},
        {"events.k8s.io/v1beta1", "Event", 0, 19, 25, "events.k8s.io/v1"},
        {"autoscaling/v2beta1", "HorizontalPodAutoscaler", 0, 22, 25, "autoscaling/v2"},
        {"policy/v1beta1", "PodDisruptionBudget", 0, 21, 25, "policy/v1"},
        {"policy/v1beta1", "PodSecurityPolicy", 0, 21, 25, "no replacement: Pod Security Admission"},
        {"node.k8s.io/v1beta1", "RuntimeClass", 0, 20, 25, "node.k8s.io/v1"},
        // removed in 1.26
        {"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", 0, 23, 26, "flowcontrol.apiserver.k8s.io/v1"},
        {"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", 0, 23, 26, "flowcontrol.apiserver.k8s.io/v1"},
        {"autoscaling/v2beta2", "HorizontalPodAutoscaler", 0, 23, 26, "autoscaling/v2"},
        // removed in 1.27
        {"storage.k8s.io/v1beta1", "CSIStorageCapacity", 0, 24, 27, "storage.k8s.io/v1"},
        // removed in 1.29
        {"flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", 0, 26, 29, "flowcontrol.apiserver.k8s.io/v1"},
        {"flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration", 0, 26, 29, "flowcontrol.apiserver.k8s.io/v1"},
        // removed in 1.32
        {"flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", 0, 29, 32, "flowcontrol.apiserver.k8s.io/v1"},
        {"flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", 0, 29, 32, "flowcontrol.apiserver.k8s.io/v1"},
        // replacements, served only from the release they went GA in
        {"policy/v1", "PodDisruptionBudget", 21, 0, 0, "policy/v1beta1 before 1.21"},
        {"batch/v1", "CronJob", 21, 0, 0, "batch/v1beta1 before 1.21"},
        {"autoscaling/v2", "HorizontalPodAutoscaler", 23, 0, 0, "autoscaling/v2beta2 before 1.23"},
        {"discovery.k8s.io/v1", "EndpointSlice", 21, 0, 0, "discovery.k8s.io/v1beta1 before 1.21"},
        {"events.k8s.io/v1", "Event", 19, 0, 0, "events.k8s.io/v1beta1 before 1.19"},
        {"networking.k8s.io/v1", "Ingress", 19, 0, 0, "networking.k8s.io/v1beta1 before 1.19"},
        {"networking.k8s.io/v1", "IngressClass", 19, 0, 0, "networking.k8s.io/v1beta1 before 1.19"},
        {"node.k8s.io/v1", "RuntimeClass", 20, 0, 0, "node.k8s.io/v1beta1 before 1.20"},
        {"storage.k8s.io/v1", "CSIStorageCapacity", 24, 0, 0, "storage.k8s.io/v1beta1 before 1.24"},
        {"flowcontrol.apiserver.k8s.io/v1", "FlowSchema", 29, 0, 0, "flowcontrol.apiserver.k8s.io/v1beta3 before 1.29"},
        {"flowcontrol.apiserver.k8s.io/v1", "PriorityLevelConfiguration", 29, 0, 0, "flowcontrol.apiserver.k8s.io/v1beta3 before 1.29"},
        {"admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", 30, 0, 0, "admissionregistration.k8s.io/v1beta1 before 1.30"},
        {"admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding", 30, 0, 0, "admissionregistration.k8s.io/v1beta1 before 1.30"},
    };
    return k_rows;
}

const std::vector<CrdFeatureRow>& crd_feature_table() {
    // Sources: the KEPs' enhancement issues and apiextensions-apiserver's feature gates.
    static const std::vector<CrdFeatureRow> k_rows = {
        {"x-kubernetes-validations", "CEL validation rules", 25, 29, "KEP-2876 (CustomResourceValidationExpressions: alpha 1.23, beta 1.25, GA 1.29)"},
        {"x-kubernetes-validations[].reason", "a validation rule's reason", 28, 29, "KEP-2876 (reason and fieldPath added in 1.28, kubernetes#118041)"},
        {"x-kubernetes-validations[].fieldPath", "a validation rule's fieldPath", 28, 29, "KEP-2876 (reason and fieldPath added in 1.28, kubernetes#118041)"},
        {"selectableFields", "field selectors on its custom resources", 31, 32, "KEP-4358 (CustomResourceFieldSelectors: alpha 1.30, beta 1.31, GA 1.32)"},
    };
    return k_rows;
}

namespace {

// Where `mark` (inside `obj`) is, falling back to the object's own position.
model::SourceRef site_of(const model::Object& obj, const model::Mark& mark) {
    return {obj.where.file, mark.line ? mark.line : obj.where.line, mark.line ? mark.col : obj.where.col};
}

std::string at_text(const model::SourceRef& site) { return site.file + ":" + std::to_string(site.line) + ":" + std::to_string(site.col); }

// A PF006 finding: `title` leads, `location` names the object, `site` (when known) the place.
Finding pf006(Severity severity, std::string title, std::string explanation, std::string remediation, std::string location,
              std::optional<model::SourceRef> site) {
    Finding f;
    f.id = "PF006";
    f.severity = severity;
    f.title = std::move(title);
    f.explanation = std::move(explanation);
    f.remediation = std::move(remediation);
    f.locations.push_back(std::move(location));
    if (site) f.sites.push_back(std::move(*site));
    return f;
}

// Every use of `key` in `v` (recursively; for "x[].sub", the key `sub` of each item of a list `x`),
// in document order.
void find_uses(const model::Value& v, std::string_view key, std::vector<const model::Value*>& out) {
    auto bracket = key.find("[].");
    for (const auto& [k, child] : v.entries) {
        if (bracket == std::string_view::npos && k == key) out.push_back(&child);
        if (bracket != std::string_view::npos && k == key.substr(0, bracket))
            for (const auto& item : child.items)
                if (const auto* sub = item.find(key.substr(bracket + 3))) out.push_back(sub);
        find_uses(child, key, out);
    }
    for (const auto& item : v.items) find_uses(item, key, out);
}

// PF006 for the features a CRD uses that Kubernetes 1.`minor` does not act on.
void check_crd_features(const model::Object& obj, int minor, std::vector<CheckResult>& out) {
    for (const auto& row : crd_feature_table()) {
        std::vector<const model::Value*> uses;
        for (const auto& version : obj.spec()["versions"].items) {
            // x-kubernetes-* may sit at any depth of the schema; selectableFields only on a version
            // (deeper, it would be a property of that name).
            if (!row.key.starts_with("x-kubernetes-")) {
                if (const auto* v = version.find(row.key)) uses.push_back(v);
            } else {
                find_uses(version["schema"], row.key, uses);
            }
        }
        if (uses.empty()) continue;
        auto site = site_of(obj, uses.front()->mark);
        std::string at = at_text(site);
        std::string k = "Kubernetes 1." + std::to_string(minor);
        std::string what = "CustomResourceDefinition " + obj.name + " uses " + std::string(row.what) + " (" + std::string(row.key) + ", " +
                           std::to_string(uses.size()) + (uses.size() == 1 ? " use)" : " uses)");
        CheckResult res{CheckId::api_version_served, obj.ref(), true, at + ": " + what + ": in effect on " + k, std::nullopt};
        if (minor < row.works_from) {
            res.passed = false;
            res.message = at + ": " + what + ", which " + k + " does not act on (from 1." + std::to_string(row.works_from) +
                          ", on by default; GA 1." + std::to_string(row.ga) + "): the API server drops the field";
            res.finding = pf006(Severity::error, res.message,
                                "an API server before 1." + std::to_string(row.works_from) + " drops " + std::string(row.key) +
                                    " from the CRD: what it promises silently does not happen on this cluster (" + std::string(row.source) + ")",
                                "run Kubernetes 1." + std::to_string(row.works_from) + " or later, or a release of the candidate that does not need it",
                                obj.ref() + " (" + at + ")", site);
        }
        out.push_back(std::move(res));
    }
}

}  // namespace

CheckResult chart_kube_version_result(const std::string& chart, const std::string& constraint, int minor, const std::string& helm_message,
                                      const model::SourceRef& site) {
    bool located = !site.file.empty();
    std::string at = located ? at_text(site) : "";
    CheckResult res{CheckId::api_version_served, "chart " + chart, false,
                    (located ? at + ": " : "") + "chart " + chart + " requires kubeVersion " + constraint + ", which excludes Kubernetes 1." +
                        std::to_string(minor),
                    std::nullopt};
    res.finding = pf006(Severity::error, res.message,
                        "helm refuses to install it there (" + helm_message + "); the other results are from a rendering for helm's default version",
                        "run it on Kubernetes within " + constraint + ", or pick a chart version whose kubeVersion includes 1." + std::to_string(minor),
                        "chart " + chart + (located ? " (" + at + ")" : ""), located ? std::optional(site) : std::nullopt);
    return res;
}

std::vector<CheckResult> check_api_versions(const std::vector<model::Object>& objects, int minor) {
    std::vector<CheckResult> out;
    const auto& rows = api_version_table();
    for (const auto& obj : objects) {
        if (obj.kind == "CustomResourceDefinition" && obj.api_version == "apiextensions.k8s.io/v1") check_crd_features(obj, minor, out);
        const ApiVersionRow* row = nullptr;
        for (const auto& r : rows)
            if (r.api_version == obj.api_version && r.kind == obj.kind) row = &r;
        if (!row) continue;
        auto site = site_of(obj, obj.body["apiVersion"].mark);
        std::string at = at_text(site);
        std::string what = obj.api_version + " " + obj.kind + " " + obj.name;
        std::string k = "Kubernetes 1." + std::to_string(minor);
        CheckResult res{CheckId::api_version_served, obj.ref(), true, what + " is served by " + k, std::nullopt};
        auto finding = [&](Severity sev, const std::string& title, const std::string& fix) {
            return pf006(sev, at + ": " + title,
                         sev == Severity::error ? "the API server would refuse this object: the install fails on this cluster"
                                                : "still served, but a later release removes it",
                         fix, obj.ref() + " (" + at + ")", site);
        };
        if (row->removed && minor >= row->removed) {
            res.passed = false;
            res.message = at + ": " + what + " is not served by " + k + " (removed in 1." + std::to_string(row->removed) + "); use " +
                          std::string(row->replacement);
            res.finding = finding(Severity::error, res.message.substr(at.size() + 2), "use " + std::string(row->replacement));
        } else if (row->introduced && minor < row->introduced) {
            res.passed = false;
            res.message = at + ": " + what + " is not served yet by " + k + " (from 1." + std::to_string(row->introduced) + "); use " +
                          std::string(row->replacement);
            res.finding = finding(Severity::error, res.message.substr(at.size() + 2), "use " + std::string(row->replacement));
        } else if (row->deprecated && minor >= row->deprecated) {
            res.message = at + ": " + what + " is deprecated in " + k +
                          (row->removed ? " and removed in 1." + std::to_string(row->removed) : std::string()) + "; use " +
                          std::string(row->replacement);
            res.finding = finding(Severity::warning, res.message.substr(at.size() + 2), "use " + std::string(row->replacement));
        }
        out.push_back(std::move(res));
    }
    return out;
}

}  // namespace preflight::analysis
