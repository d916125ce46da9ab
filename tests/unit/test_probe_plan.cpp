// Probe plans come from the static analysis (identities, targets, predictions), never from names;
// shadow pods carry the identity and keep secrets out of argv.
#include <boost/json.hpp>

#include "helpers.hpp"
#include "preflight/model/refs.hpp"
#include "preflight/probe/plan.hpp"

#include <set>

using namespace preflight;

namespace {

const std::string k_cache_policy = R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: cache-ingress}
spec:
  podSelector: {matchLabels: {tier: cache}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {tier: client}}}]
    ports: [{port: 6379}]
---
)";

const std::string k_release = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  template:
    metadata: {labels: {tier: cache}}
    spec:
      containers:
      - {name: sidecar, image: metrics:2}
      - {name: kv, image: mirror.example/redis:7.2, ports: [{containerPort: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec:
  selector: {tier: cache}
  ports: [{port: 7000, targetPort: 6379}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client}
spec:
  template:
    metadata: {labels: {tier: client}}
    spec:
      serviceAccountName: client-sa
      containers:
      - name: app
        image: app:1
        env:
        - {name: REDIS_ADDR, value: "cache:7000"}
        - {name: REDIS_USERNAME, valueFrom: {secretKeyRef: {name: cache-auth, key: username, optional: true}}}
        - {name: REDIS_TLS_CERT, valueFrom: {secretKeyRef: {name: cache-tls, key: cert, optional: true}}}
        - {name: REDIS_PASS, valueFrom: {secretKeyRef: {name: cache-auth, key: password}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: setup}
spec:
  template:
    metadata: {labels: {tier: setup}}
    spec:
      serviceAccountName: setup-sa
      initContainers:
      - {name: prepare, image: tools:1, command: [kubectl, get, namespaces]}
      containers:
      - name: idle
        image: tools:1
        env: [{name: CACHE_URL, value: "redis://cache:7000"}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: setup-egress}
spec:
  podSelector: {matchLabels: {tier: setup}}
  policyTypes: [Egress]
  egress:
  - ports: [{port: 53, protocol: UDP}]
---
)";

const probe::Spec* find(const std::vector<probe::Spec>& specs, const std::string& name) {
    for (const auto& s : specs)
        if (s.name == name) return &s;
    return nullptr;
}

std::string names(const std::vector<probe::Spec>& specs) {
    std::string out;
    for (const auto& s : specs) out += s.name + "\n";
    return out;
}

}  // namespace

TEST_CASE("probes: every need from its own identity, with the static prediction beside it") {
    auto w = test::world(k_cache_policy + k_release, "shop");
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    auto specs = probe::plan(*w->engine, a);
    CAPTURE(names(specs));
    const auto* redis = find(specs, "redis: Deployment/client -> cache.shop.svc:7000");
    REQUIRE(redis);
    CHECK(redis->kind == probe::Kind::redis);
    CHECK(redis->expect == probe::Expect::reachable);
    CHECK(redis->predicted_allowed);
    CHECK(redis->service_account == "client-sa");
    CHECK(redis->labels == model::Labels{{"tier", "client"}});
    REQUIRE(redis->auth);  // the password, not the username or another Redis secret listed first
    CHECK(redis->auth->name == "cache-auth");
    CHECK(redis->auth->key == "password");
    CHECK(redis->backend->same_workload({"Deployment", "", "cache"}));  // the workload whose readiness the verdict depends on

    const auto* api = find(specs, "api-server: Deployment/setup -> kubernetes.default.svc:443");
    REQUIRE(api);
    CHECK(api->kind == probe::Kind::tcp);
    CHECK_FALSE(api->predicted_allowed);  // DNS-only egress
    CHECK(api->service_account == "setup-sa");

    // Restricted egress and a Service addressed by name: DNS is probed from that identity.
    const auto* dns = find(specs, "dns: Deployment/setup resolves kubernetes.default.svc.cluster.local");
    REQUIRE(dns);
    CHECK(dns->kind == probe::Kind::dns);
    CHECK(dns->predicted_allowed);  // UDP 53 is allowed
    CHECK(dns->labels == model::Labels{{"tier", "setup"}});

    const auto* outsider = find(specs, "redis isolation: an identity no policy admits -> cache.shop.svc:7000");
    REQUIRE(outsider);
    CHECK(outsider->expect == probe::Expect::blocked);
    CHECK_FALSE(outsider->predicted_allowed);
    CHECK(outsider->labels.at(probe::k_probe_label) == "outsider");
    CHECK(outsider->service_account == "default");
    CHECK(outsider->backend->same_workload({"Deployment", "", "cache"}));
    CHECK_FALSE(api->backend);  // the API server is no workload of the release

    // Each identity and target once.
    std::set<std::string> unique;
    for (const auto& s : specs) unique.insert(s.name);
    CHECK(unique.size() == specs.size());
    // The image that listens on the Redis port, not the first container's.
    CHECK(probe::default_image(*w->engine, a) == "mirror.example/redis:7.2");
}

TEST_CASE("probes: no isolation probe where no policy restricts ingress to Redis") {
    auto w = test::world(k_release, "shop");
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    auto specs = probe::plan(*w->engine, a);
    CAPTURE(names(specs));
    REQUIRE(find(specs, "redis: Deployment/client -> cache.shop.svc:7000"));
    for (const auto& s : specs) CHECK(s.check != analysis::CheckId::redis_isolation);
}

TEST_CASE("shadow pod: identity labels and service account, owner, never Ready, password only by reference") {
    probe::Spec s;
    s.identity = "Deployment/client";
    s.ns = "shop";
    s.labels = {{"tier", "client"}};
    s.service_account = "client-sa";
    s.kind = probe::Kind::redis;
    s.host = "cache.shop.svc";
    s.port = 7000;
    s.auth = model::SecretKeyRef{"cache-auth", "password", false};
    auto text = probe::pod_manifest(s, "preflight-probe-0", "kv-image:1", 5, {"owner-cm", "uid-123"});
    auto pod = boost::json::parse(text).as_object();
    const auto& md = pod["metadata"].as_object();
    CHECK(md.at("namespace").as_string() == "shop");
    CHECK(md.at("labels").as_object().at("tier").as_string() == "client");
    CHECK(md.at("labels").as_object().at(probe::k_probe_label).as_string() == "shadow");
    const auto& owner = md.at("ownerReferences").as_array().at(0).as_object();
    CHECK(owner.at("uid").as_string() == "uid-123");
    CHECK(owner.at("controller").as_bool());  // no ReplicaSet adopts it
    const auto& spec = pod["spec"].as_object();
    CHECK(spec.at("serviceAccountName").as_string() == "client-sa");
    CHECK(spec.at("restartPolicy").as_string() == "Never");
    CHECK_FALSE(spec.at("automountServiceAccountToken").as_bool());
    CHECK(spec.at("readinessGates").as_array().size() == 1);
    const auto& c = spec.at("containers").as_array().at(0).as_object();
    CHECK(c.at("image").as_string() == "kv-image:1");
    CHECK(c.at("command").as_array().at(2).as_string() == probe::script());
    bool auth_by_ref = false;
    for (const auto& e : c.at("env").as_array()) {
        const auto& env = e.as_object();
        if (env.at("name").as_string() != "REDISCLI_AUTH") continue;
        CHECK_FALSE(env.contains("value"));
        const auto& ref = env.at("valueFrom").as_object().at("secretKeyRef").as_object();
        CHECK(ref.at("name").as_string() == "cache-auth");
        CHECK(ref.at("optional").as_bool());
        auth_by_ref = true;
    }
    CHECK(auth_by_ref);
}

TEST_CASE("probe output: result words map to what was observed") {
    using probe::Observed;
    auto p = probe::parse_output("noise\nPREFLIGHT-PROBE result=pong detail=PONG\n");
    CHECK(p.observed == Observed::reachable);
    CHECK(p.detail == "PONG");
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=connected detail=x").observed == Observed::reachable);
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=resolved detail=10.96.0.1").observed == Observed::reachable);
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=auth-failed detail=NOAUTH").observed == Observed::auth_failed);
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=timeout detail=").observed == Observed::blocked);
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=refused detail=").observed == Observed::blocked);
    // getent says nothing but its exit status for an unknown name and an unreachable resolver alike.
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=dns-failed detail=no answer (exit status only)").observed == Observed::unresolved);
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=dns-failed detail=;; connection timed out; no servers could be reached").observed == Observed::blocked);
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=error detail=redis-cli not found").observed == Observed::not_run);
    // The last verdict line wins; no verdict line is "not run" with the log's tail.
    CHECK(probe::parse_output("PREFLIGHT-PROBE result=timeout detail=\nPREFLIGHT-PROBE result=pong detail=").observed == Observed::reachable);
    auto none = probe::parse_output("exec format error\n");
    CHECK(none.observed == Observed::not_run);
    CHECK(none.detail == "exec format error");
}

TEST_CASE("canary: a listener, a deny-all ingress policy selecting only it, clients by IP") {
    auto server = boost::json::parse(probe::canary_server_manifest("ns1", "img", {"o", "u"})).as_object();
    auto policy = boost::json::parse(probe::canary_policy_manifest("ns1", {"o", "u"})).as_object();
    auto server_labels = server["metadata"].as_object()["labels"].as_object();
    auto selector = policy["spec"].as_object()["podSelector"].as_object()["matchLabels"].as_object();
    CHECK(selector == server_labels);
    CHECK(policy["spec"].as_object()["policyTypes"].as_array() == boost::json::array{"Ingress"});
    CHECK_FALSE(policy["spec"].as_object().contains("ingress"));  // deny all
    auto client = probe::canary_client("ns1", "10.244.0.7", probe::Expect::blocked);
    CHECK(client.host == "10.244.0.7");
    CHECK(client.port == probe::k_canary_port);
    CHECK(client.labels.at(probe::k_probe_label) != server_labels.at(probe::k_probe_label).as_string());
}

// --- The clients' own error texts, as glibc, musl, busybox and hiredis print them.
TEST_CASE("every known resolver and connect error text is classified") {
    using probe::Failure;
    struct Row {
        const char* text;
        Failure want;
    };
    const Row rows[] = {
        {"Could not connect to Redis at argocd-redis:6379: Name does not resolve", Failure::name_unknown},          // musl (alpine)
        {"Could not connect to Redis at argocd-redis:6379: Name or service not known", Failure::name_unknown},      // glibc
        {"Could not connect to Redis at argocd-redis:6379: No address associated with hostname", Failure::name_unknown},
        {"Could not connect to Redis at argocd-redis:6379: Name has no usable address", Failure::name_unknown},     // musl
        {"Could not connect to Redis at argocd-redis:6379: Try again", Failure::resolver_unreachable},              // musl
        {"Could not connect to Redis at argocd-redis:6379: Temporary failure in name resolution", Failure::resolver_unreachable},
        {";; connection timed out; no servers could be reached", Failure::resolver_unreachable},                    // busybox nslookup
        {"Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can't find nowhere.svc: NXDOMAIN", Failure::name_unknown},
        {"*** Can't find nowhere.svc: No answer", Failure::name_unknown},
        {"nslookup: can't resolve 'nowhere'", Failure::name_unknown},
        {"Could not connect to Redis at 10.96.0.1:443: Connection refused", Failure::refused},
        {"Could not connect to Redis at 10.96.0.1:443: Connection timed out", Failure::timed_out},                  // glibc
        {"Could not connect to Redis at 10.96.0.1:443: Operation timed out", Failure::timed_out},                   // musl
        {"Could not connect to Redis at 10.244.0.7:6379: No route to host", Failure::unreachable},
        {"Could not connect to Redis at 10.244.0.7:6379: Host is unreachable", Failure::unreachable},               // musl
        {"Could not connect to Redis at 10.244.0.7:6379: Network is unreachable", Failure::unreachable},
        {"Error: Connection reset by peer", Failure::reset},
        {"NOAUTH Authentication required.", Failure::auth},
        {"AUTH failed: WRONGPASS invalid username-password pair or user is disabled.", Failure::auth},
        {"something nobody wrote a rule for", Failure::unknown},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        CHECK(probe::classify_failure(row.text) == row.want);
    }
}

TEST_CASE("musl's 'Name does not resolve' is no block: it never confirms an expected-blocked probe") {
    auto r = probe::parse_output("PREFLIGHT-PROBE result=failed detail=Could not connect to Redis at argocd-redis:6379: Name does not resolve\n");
    CHECK(r.observed == probe::Observed::unresolved);
    CHECK(r.result == "name-unknown");
    auto t = probe::parse_output("PREFLIGHT-PROBE result=failed detail=Could not connect to Redis at x:1: Operation timed out\n");
    CHECK(t.observed == probe::Observed::blocked);
    auto u = probe::parse_output("PREFLIGHT-PROBE result=failed detail=an unknown text\n");
    CHECK(u.observed == probe::Observed::not_run);
}

TEST_CASE("image references split as a runtime reads them: the repository's name says what an image is") {
    CHECK(model::parse_image_ref("public.ecr.aws/docker/library/redis:8.2.3-alpine").name() == "redis");
    CHECK(model::parse_image_ref("redis:7.0.14-alpine@sha256:abcd").name() == "redis");
    CHECK(model::parse_image_ref("haproxy:2.6.14-alpine").name() == "haproxy");
    CHECK(model::parse_image_ref("quay.io/argoproj/argocd:v2.11.1").name() == "argocd");
    CHECK(model::parse_image_ref("localhost:5000/redis").name() == "redis");
    auto ref = model::parse_image_ref("localhost:5000/kindest/node:v1.33.4@sha256:ab");
    CHECK(ref.repository == "localhost:5000/kindest/node");
    CHECK(ref.tag == "v1.33.4");
    CHECK(ref.digest == "sha256:ab");
    CHECK(model::parse_image_ref("localhost:5000/redis").tag.empty());
}

TEST_CASE("an HAProxy front on the Redis port: the probe image is the pinned Redis image, not HAProxy") {
    std::string release = k_release;
    release.replace(release.find("mirror.example/redis:7.2"), std::string("mirror.example/redis:7.2").size(), "haproxy:2.6.14-alpine");
    auto w = test::world(release, "shop");
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    CHECK(probe::default_image(*w->engine, a) == probe::k_default_probe_image);
}
