// The smoke Application: where Argo CD's API is, the pod that drives it, its output.
#include <boost/json.hpp>

#include "helpers.hpp"
#include "preflight/probe/smoke.hpp"
#include "preflight/util/text.hpp"

using namespace preflight;

namespace {
const std::string k_api = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: gateway}
spec:
  template:
    metadata: {labels: {app: gateway}}
    spec:
      containers:
      - {name: sidecar, image: proxy:1}
      - {name: api, image: registry.example/argocd:v9.0.0, args: [/usr/local/bin/argocd-server, --insecure]}
---
apiVersion: v1
kind: Service
metadata: {name: gateway-metrics}
spec:
  selector: {app: other}
  ports: [{port: 8083}]
---
apiVersion: v1
kind: Service
metadata: {name: gateway}
spec:
  selector: {app: gateway}
  ports: [{name: http, port: 80}, {name: https, port: 8443}]
---
)";
}  // namespace

TEST_CASE("smoke target: the workload running argocd-server, its image and Service (https port)") {
    auto w = test::world(k_api, "cd");
    auto t = probe::find_smoke_target(w->inv);
    REQUIRE(t);
    CHECK(t->image == "registry.example/argocd:v9.0.0");
    CHECK(t->service == "gateway");
    CHECK(t->port == 8443);
    CHECK(t->ns == "cd");
    // core-install: no API server, no smoke.
    auto core = test::world(test::deployment("controller", "{app: c}"), "cd");
    CHECK_FALSE(probe::find_smoke_target(core->inv));
    // A container that merely mentions the binary in an argument is not the server.
    auto mention = test::world(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: copy}
spec:
  template:
    metadata: {labels: {app: copy}}
    spec:
      containers: [{name: c, image: x, command: [cp, /usr/local/bin/argocd-server, /shared/]}]
---
apiVersion: v1
kind: Service
metadata: {name: copy}
spec: {selector: {app: copy}, ports: [{port: 443}]}
)",
                               "cd");
    CHECK_FALSE(probe::find_smoke_target(mention->inv));
}

TEST_CASE("smoke pod: the admin password only by secretKeyRef, the API by its Service name") {
    probe::SmokeTarget t{"cd", "registry.example/argocd:v9.0.0", "gateway", 8443};
    probe::SmokeOptions o;
    o.dest_ns = "cd";
    auto pod = boost::json::parse(probe::smoke_pod_manifest(t, o, "preflight-smoke", {"owner", "u1"})).as_object();
    const auto& c = pod["spec"].as_object()["containers"].as_array()[0].as_object();
    CHECK(c.at("image").as_string() == "registry.example/argocd:v9.0.0");
    bool server = false, password = false;
    for (const auto& e : c.at("env").as_array()) {
        const auto& env = e.as_object();
        if (env.at("name").as_string() == "SMOKE_SERVER") server = env.at("value").as_string() == "gateway.cd.svc:8443";
        if (env.at("name").as_string() == "SMOKE_PASSWORD") {
            CHECK_FALSE(env.contains("value"));
            const auto& ref = env.at("valueFrom").as_object().at("secretKeyRef").as_object();
            password = ref.at("name").as_string() == o.admin_secret && ref.at("key").as_string() == "password";
        }
    }
    CHECK(server);
    CHECK(password);
}

TEST_CASE("smoke output: one step per line, failures keep their detail") {
    auto steps = probe::parse_smoke(
        "noise\nPREFLIGHT-SMOKE step=login result=ok detail=logged in\nPREFLIGHT-SMOKE step=create result=failed detail=permission denied\n");
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].step == "login");
    CHECK(steps[0].ok);
    CHECK(steps[1].step == "create");
    CHECK_FALSE(steps[1].ok);
    CHECK(steps[1].detail == "permission denied");
    CHECK(probe::parse_smoke("").empty());
}

TEST_CASE("base64 decoding (Secret data)") {
    CHECK(text::base64_decode("c2VjcmV0").value() == "secret");
    CHECK(text::base64_decode("YWJjZA==").value() == "abcd");
    CHECK(text::base64_decode("YWJjZA").value() == "abcd");
    CHECK(text::base64_decode("YW Jj\nZA==").value() == "abcd");
    CHECK(text::base64_decode("").value().empty());
    CHECK_FALSE(text::base64_decode("a$bc").has_value());
    CHECK_FALSE(text::base64_decode("YQ=a").has_value());
    CHECK_FALSE(text::base64_decode("Y").has_value());
}
