// PF006: every row of the served-API table, on both sides of each boundary it names.
#include <doctest/doctest.h>

#include "preflight/analysis/api_versions.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/model/refs.hpp"

using namespace preflight;

namespace {
std::vector<analysis::CheckResult> check(const std::string& api, const std::string& kind, int minor) {
    std::string text = "apiVersion: " + api + "\nkind: " + kind + "\nmetadata: {name: x, namespace: ns}\n";
    auto parsed = model::parse_manifests("m.yaml", text);
    REQUIRE(parsed.has_value());
    return analysis::check_api_versions(parsed->objects, minor);
}
}  // namespace

TEST_CASE("every row of the table: served before removal, refused from it; not served before introduction") {
    for (const auto& row : analysis::api_version_table()) {
        std::string api(row.api_version), kind(row.kind);
        CAPTURE(api);
        CAPTURE(kind);
        if (row.removed) {
            auto before = check(api, kind, row.removed - 1);
            REQUIRE(before.size() == 1);
            CHECK(before[0].passed);
            auto at = check(api, kind, row.removed);
            REQUIRE(at.size() == 1);
            CHECK_FALSE(at[0].passed);
            CHECK(at[0].finding->id == "PF006");
            CHECK(at[0].message.starts_with("m.yaml:1:13: "));
            CHECK(at[0].message.find("removed in 1." + std::to_string(row.removed)) != std::string::npos);
            CHECK(at[0].message.find(std::string(row.replacement)) != std::string::npos);
        }
        if (row.deprecated && row.removed && row.deprecated < row.removed) {
            auto dep = check(api, kind, row.deprecated);
            REQUIRE(dep.size() == 1);
            CHECK(dep[0].passed);
            REQUIRE(dep[0].finding);
            CHECK(dep[0].finding->severity == analysis::Severity::warning);
        }
        if (row.introduced) {
            auto early = check(api, kind, row.introduced - 1);
            REQUIRE(early.size() == 1);
            CHECK_FALSE(early[0].passed);
            CHECK(early[0].message.find("not served yet") != std::string::npos);
            auto from = check(api, kind, row.introduced);
            REQUIRE(from.size() == 1);
            CHECK(from[0].passed);
            CHECK_FALSE(from[0].finding);
        }
    }
}

TEST_CASE("objects the table does not know pass without a result; versions parse as Kubernetes 1.x") {
    CHECK(check("argoproj.io/v1alpha1", "Application", 33).empty());
    CHECK(check("apps/v1", "Deployment", 33).empty());
    CHECK(model::parse_kube_minor("1.33") == 33);
    CHECK(model::parse_kube_minor("v1.33.12") == 33);
    CHECK(model::parse_kube_minor("1.29.0-rc.1") == 29);
    CHECK_FALSE(model::parse_kube_minor("2.0").has_value());
    CHECK_FALSE(model::parse_kube_minor("1.x").has_value());
    CHECK_FALSE(model::parse_kube_minor("latest").has_value());
}

namespace {
// A CRD in the usual 2-space layout (the one whose schema the parser elides when it can).
const std::string k_crd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    selectableFields:
    - jsonPath: .spec.color
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.replicas >= 1
              message: at least one
            - rule: self.color != ''
              reason: FieldValueInvalid
              fieldPath: .color
            properties:
              replicas: {type: integer}
              color: {type: string}
              selectableFields: {type: string}
)";

std::vector<analysis::CheckResult> crd_check(const std::string& text, int minor) {
    auto parsed = model::parse_manifests("crd.yaml", text);
    REQUIRE(parsed.has_value());
    return analysis::check_api_versions(parsed->objects, minor);
}

const analysis::CheckResult* about(const std::vector<analysis::CheckResult>& rs, const std::string& key) {
    for (const auto& r : rs)
        if (r.message.find("(" + key + ",") != std::string::npos) return &r;
    return nullptr;
}
}  // namespace

TEST_CASE("CRD features: each row on both sides of the release it works from, located at its first use") {
    for (const auto& row : analysis::crd_feature_table()) {
        CAPTURE(row.key);
        std::string key(row.key);
        auto before = crd_check(k_crd, row.works_from - 1);
        const auto* r = about(before, key);
        REQUIRE(r != nullptr);
        CHECK_FALSE(r->passed);
        REQUIRE(r->finding.has_value());
        CHECK(r->finding->id == "PF006");
        CHECK(r->finding->severity == analysis::Severity::error);
        CHECK(r->message.find("the API server drops the field") != std::string::npos);
        auto after = crd_check(k_crd, row.works_from);
        const auto* ok = about(after, key);
        REQUIRE(ok != nullptr);
        CHECK(ok->passed);
        CHECK_FALSE(ok->finding.has_value());
    }
    // Positions are the first use's, the schema having been parsed in full for it.
    auto rs = crd_check(k_crd, 24);
    CHECK(about(rs, "x-kubernetes-validations")->message.starts_with("crd.yaml:21:13: "));
    CHECK(about(rs, "x-kubernetes-validations")->message.find("(x-kubernetes-validations, 1 use)") != std::string::npos);
    CHECK(about(rs, "x-kubernetes-validations[].reason")->message.starts_with("crd.yaml:24:23: "));  // the value of the first rule's reason
    CHECK(about(rs, "selectableFields")->message.starts_with("crd.yaml:13:5: "));
    CHECK(about(rs, "selectableFields")->message.find("1 use)") != std::string::npos);  // not the property of that name
}

TEST_CASE("a CRD without those features has no CRD-feature result; its schema may stay elided") {
    std::string plain = k_crd;
    plain.erase(plain.find("    selectableFields:\n"), std::string("    selectableFields:\n    - jsonPath: .spec.color\n").size());
    auto xv = plain.find("            x-kubernetes-validations:");
    plain.erase(xv, plain.find("            properties:\n              replicas") - xv);
    auto rs = crd_check(plain, 20);
    CHECK(rs.empty());
}

TEST_CASE("a chart's kubeVersion that excludes the target: PF006 at Chart.yaml's line") {
    auto r = analysis::chart_kube_version_result("argo-cd 10.1.1", ">=1.25.0-0", 24,
                                                 "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24",
                                                 {"charts/argo-cd/Chart.yaml", 3, 14});
    CHECK_FALSE(r.passed);
    CHECK(r.message == "charts/argo-cd/Chart.yaml:3:14: chart argo-cd 10.1.1 requires kubeVersion >=1.25.0-0, which excludes Kubernetes 1.24");
    REQUIRE(r.finding.has_value());
    CHECK(r.finding->id == "PF006");
    CHECK(r.finding->sites.size() == 1);
    auto unlocated = analysis::chart_kube_version_result("argo-cd 10.1.1", ">=1.25.0-0", 24, "m", {});
    CHECK(unlocated.message.starts_with("chart argo-cd"));
    CHECK(unlocated.finding->sites.empty());
}
