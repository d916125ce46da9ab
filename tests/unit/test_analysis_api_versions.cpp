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
