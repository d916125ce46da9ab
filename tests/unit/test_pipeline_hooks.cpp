// Helm hooks split out of a rendered chart: which documents are hooks, their order and policies.
#include <doctest/doctest.h>

#include "preflight/pipeline/release.hpp"

using namespace preflight;

namespace {
std::string doc(const std::string& kind, const std::string& name, const std::string& annotations = "") {
    return "---\n# Source: chart/templates/" + name + ".yaml\napiVersion: v1\nkind: " + kind + "\nmetadata:\n  name: " + name +
           (annotations.empty() ? "" : "\n  annotations:\n" + annotations) + "\n";
}
std::string hook(const std::string& events, const std::string& weight = "", const std::string& policy = "") {
    return "    \"helm.sh/hook\": " + events + (weight.empty() ? "" : "\n    \"helm.sh/hook-weight\": \"" + weight + "\"") +
           (policy.empty() ? "" : "\n    \"helm.sh/hook-delete-policy\": " + policy);
}
}  // namespace

TEST_CASE("hooks: annotated documents leave the release, byte for byte; the rest stays as rendered") {
    auto plain = doc("ConfigMap", "settings", "    note: \"mentions helm.sh/hook in a value\"");
    auto text = doc("Deployment", "server") + doc("Job", "init", hook("pre-install,pre-upgrade")) + plain;
    std::string rest;
    std::vector<pipeline::Hook> hooks;
    REQUIRE(pipeline::split_hooks(text, rest, hooks));
    CHECK(rest == doc("Deployment", "server") + plain);  // a mention in a value is no hook
    REQUIRE(hooks.size() == 1);
    CHECK(hooks[0].kind == "Job");
    CHECK(hooks[0].name == "init");
    CHECK(hooks[0].manifest == doc("Job", "init", hook("pre-install,pre-upgrade")));
    CHECK(hooks[0].on("pre-install"));
    CHECK(hooks[0].on("pre-upgrade"));
    CHECK_FALSE(hooks[0].on("post-install"));
}

TEST_CASE("hooks: ordered by weight, then helm's kind order, then name; policies as helm reads them") {
    auto text = doc("Job", "b-job", hook("pre-install", "5")) + doc("Job", "a-job", hook("pre-install", "5")) +
                doc("ServiceAccount", "sa", hook("pre-install", "5")) + doc("Job", "early", hook("pre-install", "-3", "hook-succeeded,hook-failed"));
    std::string rest;
    std::vector<pipeline::Hook> hooks;
    REQUIRE(pipeline::split_hooks(text, rest, hooks));
    CHECK(rest.empty());
    REQUIRE(hooks.size() == 4);
    CHECK(hooks[0].name == "early");
    CHECK(hooks[0].weight == -3);
    CHECK(hooks[1].name == "sa");  // ServiceAccount before Job at the same weight
    CHECK(hooks[2].name == "a-job");
    CHECK(hooks[3].name == "b-job");
    // No policy: helm's default, before-hook-creation only.
    CHECK(hooks[1].deleted_when("before-hook-creation"));
    CHECK_FALSE(hooks[1].deleted_when("hook-succeeded"));
    // Given policies replace the default.
    CHECK(hooks[0].deleted_when("hook-succeeded"));
    CHECK(hooks[0].deleted_when("hook-failed"));
    CHECK_FALSE(hooks[0].deleted_when("before-hook-creation"));
}

TEST_CASE("hooks: a weight that is not an integer is an input error naming the object") {
    std::string rest;
    std::vector<pipeline::Hook> hooks;
    auto r = pipeline::split_hooks(doc("Job", "bad", hook("pre-install", "soon")), rest, hooks);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::input);
    CHECK(r.error().message.find("Job/bad: helm.sh/hook-weight 'soon'") != std::string::npos);
}
