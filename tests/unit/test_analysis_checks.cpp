// Static checks on hand-written releases (names unlike Argo CD's, to prove the rules are
// general) and on the real Argo CD manifests in ../shared/argocd.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "helpers.hpp"

using namespace preflight;
using test::world;

namespace {

// A small "release": an app whose init container runs a known API client, a cache the
// app's workers need (password Secret created at runtime by that init container), and a
// policy on the cache pods whose egress is `cache_egress`.
std::string release(const std::string& cache_egress, const std::string& cache_policy_types = "[Ingress, Egress]",
                    const std::string& init_command = "[argocd, admin, redis-initial-password]") {
    return R"(apiVersion: v1
kind: ServiceAccount
metadata: {name: cache-sa}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cache-role}
rules:
- {apiGroups: [""], resources: [secrets], resourceNames: [cache-pass], verbs: [get]}
- {apiGroups: [""], resources: [secrets], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: cache-rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cache-role}
subjects: [{kind: ServiceAccount, name: cache-sa}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kv}
spec:
  template:
    metadata: {labels: {role: kv}}
    spec:
      serviceAccountName: cache-sa
      initContainers:
      - {name: make-pass, image: tool, command: )" + init_command + R"(}
      containers:
      - name: kv
        image: redis:7
        ports: [{containerPort: 6379, name: tcp-kv}]
        env: [{name: REDIS_PASSWORD, valueFrom: {secretKeyRef: {name: cache-pass, key: auth}}}]
---
apiVersion: v1
kind: Service
metadata: {name: kv}
spec:
  selector: {role: kv}
  ports: [{port: 6379, targetPort: tcp-kv}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  template:
    metadata: {labels: {role: worker}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: w
        image: worker
        env: [{name: REDIS_PASSWORD, valueFrom: {secretKeyRef: {name: cache-pass, key: auth}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: {labels: {role: web}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: w
        image: web
        env: [{name: REDIS_PASSWORD, valueFrom: {secretKeyRef: {name: cache-pass, key: auth}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: kv-policy}
spec:
  podSelector: {matchLabels: {role: kv}}
  policyTypes: )" + cache_policy_types + R"(
  ingress:
  - from: [{podSelector: {matchLabels: {role: worker}}}]
    ports: [{port: 6379}]
  egress:
)" + cache_egress;
}

const std::string k_dns_only = "  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n";

const analysis::CheckResult* result(const analysis::Analysis& a, const std::string& check, const std::string& subject) {
    for (const auto& r : a.results)
        if (analysis::to_string(r.check) == check && r.subject == subject) return &r;
    return nullptr;
}

int errors(const analysis::Analysis& a) {
    int n = 0;
    for (const auto& r : a.results)
        if (!r.passed) ++n;
    return n;
}

}  // namespace

TEST_CASE("PF001: a known API client in an init container blocked by DNS-only egress is an error with its cascade") {
    auto w = world(release(k_dns_only));
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "api-server-reachable", "Deployment/kv");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
    REQUIRE(r->finding);
    const auto& f = *r->finding;
    CHECK(f.severity == analysis::Severity::error);
    CHECK(f.title.find("init container make-pass") != std::string::npos);
    CHECK(f.explanation.find("kv-policy") != std::string::npos);
    CHECK(f.explanation.find("53/UDP, 53/TCP") != std::string::npos);
    CHECK(f.explanation.find("6443") != std::string::npos);
    CHECK(f.explanation.find("stay in Init") != std::string::npos);
    CHECK(f.explanation.find("Secret cache-pass is never created") != std::string::npos);
    CHECK(f.explanation.find("worker, web cannot start") != std::string::npos);
    const auto* s = result(a, "runtime-secret-created", "Secret/cache-pass");
    REQUIRE(s);
    CHECK_FALSE(s->passed);
}

TEST_CASE("PF001: allowing the API server endpoint fixes it; allowing only 443 does not") {
    auto fixed = world(release(k_dns_only + "  - to: [{ipBlock: {cidr: 172.18.0.0/16}}]\n    ports: [{port: 6443}]\n"));
    auto a = analysis::analyze(fixed->inv, *fixed->engine, fixed->config);
    CHECK(result(a, "api-server-reachable", "Deployment/kv")->passed);
    CHECK(result(a, "runtime-secret-created", "Secret/cache-pass")->passed);

    auto only443 = world(release(k_dns_only + "  - ports: [{port: 443}]\n"));
    auto b = analysis::analyze(only443->inv, *only443->engine, only443->config);
    const auto* r = result(b, "api-server-reachable", "Deployment/kv");
    REQUIRE_FALSE(r->passed);
    CHECK(r->finding->explanation.find("allow TCP 443") != std::string::npos);
}

TEST_CASE("PF001: no Egress in policyTypes means no finding") {
    auto w = world(release(k_dns_only, "[Ingress]"));
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    CHECK(result(a, "api-server-reachable", "Deployment/kv")->passed);
}

TEST_CASE("PF001: token and RBAC without a known client is a warning, which does not fail") {
    auto w = world(release(k_dns_only, "[Ingress, Egress]", "[/bin/setup-cache]"));
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "api-server-reachable", "Deployment/kv");
    REQUIRE(r);
    CHECK(r->passed);
    REQUIRE(r->finding);
    CHECK(r->finding->severity == analysis::Severity::warning);
}

TEST_CASE("PF001: without a token, a known client is still blocked; an unknown one is not a need") {
    std::string yaml = release(k_dns_only);
    auto pos = yaml.find("      serviceAccountName: cache-sa\n");
    yaml.insert(pos, "      automountServiceAccountToken: false\n");
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "api-server-reachable", "Deployment/kv");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
    CHECK(r->finding->explanation.find("has no token mounted") != std::string::npos);
    std::string unknown = release(k_dns_only, "[Ingress, Egress]", "[/bin/setup-cache]");
    unknown.insert(unknown.find("      serviceAccountName: cache-sa\n"), "      automountServiceAccountToken: false\n");
    auto u = world(unknown);
    auto b = analysis::analyze(u->inv, *u->engine, u->config);
    CHECK(result(b, "api-server-reachable", "Deployment/kv") == nullptr);
}

TEST_CASE("PF007: a known client with no token mounted cannot authenticate: an error with the cascade, even with open egress") {
    // Open egress (no Egress in policyTypes): only the missing token stops the creator.
    std::string yaml = release(k_dns_only, "[Ingress]");
    yaml.insert(yaml.find("      serviceAccountName: cache-sa\n"), "      automountServiceAccountToken: false\n");
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "api-token-mounted", "Deployment/kv");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
    CHECK(r->finding->id == "PF007");
    CHECK(r->finding->title.find("init container make-pass calls the API server but no service-account token is mounted") != std::string::npos);
    CHECK(r->finding->explanation.find("the pod sets automountServiceAccountToken: false") != std::string::npos);
    CHECK(r->finding->explanation.find("Secret cache-pass is never created") != std::string::npos);
    const auto* s = result(a, "runtime-secret-created", "Secret/cache-pass");
    REQUIRE(s);
    CHECK_FALSE(s->passed);
    CHECK(s->finding->title.find("cannot call the API server") != std::string::npos);
    // The ServiceAccount's setting counts when the pod says nothing; the pod's true overrides it.
    std::string sa = release(k_dns_only, "[Ingress]");
    sa.replace(sa.find("metadata: {name: cache-sa}\n"), std::string("metadata: {name: cache-sa}\n").size(),
               "metadata: {name: cache-sa}\nautomountServiceAccountToken: false\n");
    auto ws = world(sa);
    const auto* rs = result(analysis::analyze(ws->inv, *ws->engine, ws->config), "api-token-mounted", "Deployment/kv");
    REQUIRE(rs);
    CHECK_FALSE(rs->passed);
    CHECK(rs->finding->explanation.find("ServiceAccount cache-sa sets automountServiceAccountToken: false") != std::string::npos);
    std::string overridden = sa;
    overridden.insert(overridden.find("      serviceAccountName: cache-sa\n"), "      automountServiceAccountToken: true\n");
    auto wo = world(overridden);
    const auto* ro = result(analysis::analyze(wo->inv, *wo->engine, wo->config), "api-token-mounted", "Deployment/kv");
    REQUIRE(ro);
    CHECK(ro->passed);
}

TEST_CASE("known clients are found in sh -c scripts at command positions only") {
    auto w = world(release(k_dns_only, "[Ingress, Egress]", "[sh, -c, 'cp /usr/local/bin/argocd /tmp/argocd && argocd admin export > /x']"));
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    CHECK(result(a, "api-server-reachable", "Deployment/kv")->finding->severity == analysis::Severity::error);
    auto copy_only = world(release(k_dns_only, "[Ingress, Egress]", "[sh, -c, '/bin/cp /usr/local/bin/argocd /shared/argocd']"));
    auto b = analysis::analyze(copy_only->inv, *copy_only->engine, copy_only->config);
    CHECK(result(b, "api-server-reachable", "Deployment/kv")->finding->severity == analysis::Severity::warning);
}

TEST_CASE("a client run through exec, env, timeout, nice or an assignment is still that client") {
    // `exec kubectl ...` in an init script (the real tier's fixture) went unrecognised before.
    for (const char* cmd : {"[sh, -c, 'sleep 5; exec kubectl get configmap x']", "[sh, -c, 'env -i HOME=/tmp kubectl get cm']",
                            "[sh, -c, 'timeout -s KILL 30 argocd admin redis-initial-password']", "[nice, -n, '5', kubectl, get, pods]",
                            "[sh, -c, 'KUBECONFIG= exec /usr/local/bin/kubectl apply -f /x']", "[/usr/bin/env, kubectl, get, cm]"}) {
        CAPTURE(cmd);
        auto w = world(release(k_dns_only, "[Ingress, Egress]", cmd));
        auto a = analysis::analyze(w->inv, *w->engine, w->config);
        REQUIRE(result(a, "api-server-reachable", "Deployment/kv"));
        CHECK(result(a, "api-server-reachable", "Deployment/kv")->finding->severity == analysis::Severity::error);
    }
    // What the wrappers run is what counts: `exec sleep` is no client.
    for (const char* cmd : {"[sh, -c, 'exec sleep 100']", "[timeout, '5', sleep, '1']", "[env, A=kubectl, sleep, '1']"}) {
        CAPTURE(cmd);
        auto w = world(release(k_dns_only, "[Ingress, Egress]", cmd));
        auto a = analysis::analyze(w->inv, *w->engine, w->config);
        const auto* r = result(a, "api-server-reachable", "Deployment/kv");
        CHECK((r == nullptr || !r->finding || r->finding->severity == analysis::Severity::warning));
    }
}

TEST_CASE("API clients wrapped in shell forms and image entrypoints are errors under DNS-only egress") {
    for (const char* cmd : {"[sh, -ec, 'kubectl get secret cache-pass || kubectl create secret generic cache-pass']",
                            "[bash, -euo, pipefail, -c, 'argocd admin redis-initial-password']",
                            "[sh, -c, 'PASS=$(kubectl get secret x -o jsonpath={.data}); echo $PASS']",
                            "[sh, -c, 'if kubectl get secret cache-pass; then exit 0; fi']",
                            "[sh, -c, 'until kubectl get cm x; do sleep 1; done']",
                            "[sh, -c, '(kubectl get cm x)']",
                            "[sh, -c, 'test -f /x && kubectl apply -f /x']",
                            "[sh, -c, 'curl -sk https://kubernetes.default.svc/api -H \"Authorization: Bearer $TOKEN\"']",
                            "[sh, -c, 'wget -qO- https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api']",
                            "[/usr/bin/tini, --, kubectl, get, cm]",
                            "[sh, -c, 'timeout 30 bash -c \"kubectl get cm\"']"}) {
        CAPTURE(cmd);
        auto w = world(release(k_dns_only, "[Ingress, Egress]", cmd));
        auto a = analysis::analyze(w->inv, *w->engine, w->config);
        const auto* r = result(a, "api-server-reachable", "Deployment/kv");
        REQUIRE(r);
        CHECK_FALSE(r->passed);
        REQUIRE(r->finding);
        CHECK(r->finding->severity == analysis::Severity::error);
    }
    // args only: the image's entrypoint is the client.
    std::string args_only = release(k_dns_only);
    auto pos = args_only.find("{name: make-pass, image: tool, command: [argocd, admin, redis-initial-password]}");
    args_only.replace(pos, std::string("{name: make-pass, image: tool, command: [argocd, admin, redis-initial-password]}").size(),
                      "{name: make-pass, image: 'docker.io/bitnami/kubectl:1.30', args: [get, secret, cache-pass]}");
    auto w = world(args_only);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    REQUIRE(result(a, "api-server-reachable", "Deployment/kv"));
    CHECK_FALSE(result(a, "api-server-reachable", "Deployment/kv")->passed);
    CHECK(result(a, "api-server-reachable", "Deployment/kv")->finding->explanation.find("the image's entrypoint") != std::string::npos);
}

TEST_CASE("words that only look like clients are not: quoted text, redirection targets, curl elsewhere, loop variables") {
    for (const char* cmd : {"[sh, -c, 'echo \"kubectl get cm\"']", "[sh, -c, 'cat /x > kubectl']",
                            "[sh, -c, 'curl -s http://cache.example/health']", "[sh, -c, 'for kubectl in a; do echo; done']",
                            "[sh, -c, '# kubectl get cm']"}) {
        CAPTURE(cmd);
        auto w = world(release(k_dns_only, "[Ingress, Egress]", cmd));
        auto a = analysis::analyze(w->inv, *w->engine, w->config);
        const auto* r = result(a, "api-server-reachable", "Deployment/kv");
        REQUIRE(r);
        CHECK(r->passed);  // the token + RBAC guess: a warning only
        CHECK(r->finding->severity == analysis::Severity::warning);
    }
}

TEST_CASE("a DNS-only egress rule written with a YAML merge key is DNS-only, not allow-all") {
    auto w = world(release("  - <<: {ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}\n"));
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "api-server-reachable", "Deployment/kv");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
}

TEST_CASE("PF002: a Redis client the cache's ingress does not admit is an error; admitted ones pass") {
    auto w = world(release(k_dns_only + "  - to: [{ipBlock: {cidr: 172.18.0.0/16}}]\n"));
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* worker = result(a, "redis-reachable", "Deployment/worker -> Service/kv");
    const auto* web = result(a, "redis-reachable", "Deployment/web -> Service/kv");
    REQUIRE(worker);
    REQUIRE(web);
    CHECK(worker->passed);
    CHECK_FALSE(web->passed);
    CHECK(web->finding->title.find("TCP 6379") != std::string::npos);
    CHECK(web->finding->explanation.find("Ingress of the Redis pods is blocked") != std::string::npos);
}

TEST_CASE("PF002: the Service a client names in a ConfigMap value decides which Redis it needs") {
    std::string yaml = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: params}
data: {cache.addr: "front:6379"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    metadata: {labels: {role: app}}
    spec:
      containers:
      - name: a
        image: app
        env: [{name: REDIS_SERVER, valueFrom: {configMapKeyRef: {name: params, key: cache.addr}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: front}
spec:
  template:
    metadata: {labels: {role: front}}
    spec: {containers: [{name: p, image: haproxy, ports: [{containerPort: 6379}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: front-redis}
spec: {selector: {role: front}, ports: [{port: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: front}
spec: {selector: {role: front}, ports: [{port: 6379}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: store}
spec:
  template:
    metadata: {labels: {role: store}}
    spec: {containers: [{name: r, image: redis, ports: [{containerPort: 6379}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: store}
spec: {selector: {role: store}, ports: [{port: 6379}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: store-only-from-front}
spec:
  podSelector: {matchLabels: {role: store}}
  ingress: [{from: [{podSelector: {matchLabels: {role: front}}}]}]
)";
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* front = result(a, "redis-reachable", "Deployment/app -> Service/front");
    REQUIRE(front);
    CHECK(front->passed);
    CHECK(result(a, "redis-reachable", "Deployment/app -> Service/store") == nullptr);  // not the one it uses
    CHECK(errors(a) == 0);
    // The same client naming the policed store instead is blocked.
    auto yaml2 = yaml;
    yaml2.replace(yaml2.find("front:6379"), 10, "store:6379");
    auto w2 = world(yaml2);
    auto b = analysis::analyze(w2->inv, *w2->engine, w2->config);
    const auto* store = result(b, "redis-reachable", "Deployment/app -> Service/store");
    REQUIRE(store);
    CHECK_FALSE(store->passed);
}

TEST_CASE("PF002: with no port named, the Redis port is checked, not a metrics port listed first") {
    std::string yaml = release(k_dns_only + "  - to: [{ipBlock: {cidr: 172.18.0.0/16}}]\n");
    auto pos = yaml.find("  ports: [{port: 6379, targetPort: tcp-kv}]");
    yaml.replace(pos, std::string("  ports: [{port: 6379, targetPort: tcp-kv}]").size(),
                 "  ports: [{name: metrics, port: 9121}, {name: tcp-redis, port: 6379, targetPort: tcp-kv}]");
    yaml.replace(yaml.find("ports: [{containerPort: 6379, name: tcp-kv}]"), std::string("ports: [{containerPort: 6379, name: tcp-kv}]").size(),
                 "ports: [{containerPort: 6379, name: tcp-kv}, {containerPort: 9121, name: metrics}]");
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* web = result(a, "redis-reachable", "Deployment/web -> Service/kv");
    REQUIRE(web);
    CHECK_FALSE(web->passed);
    CHECK(web->finding->title.find("TCP 6379") != std::string::npos);
    CHECK(web->finding->remediation.find("6379") != std::string::npos);
}

TEST_CASE("PF002: a Redis Service that selects no pods, and a port the Service does not expose, are errors") {
    std::string yaml = release(k_dns_only + "  - to: [{ipBlock: {cidr: 172.18.0.0/16}}]\n");
    yaml.replace(yaml.find("  selector: {role: kv}"), std::string("  selector: {role: kv}").size(), "  selector: {role: kv-typo}");
    yaml.replace(yaml.find("        image: worker\n"), std::string("        image: worker\n").size(),
                 "        image: worker\n        args: [--redis, 'kv:6379']\n");
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* worker = result(a, "redis-reachable", "Deployment/worker -> Service/kv");
    REQUIRE(worker);
    CHECK_FALSE(worker->passed);
    CHECK(worker->finding->title.find("selects no pods") != std::string::npos);

    std::string port = release(k_dns_only + "  - to: [{ipBlock: {cidr: 172.18.0.0/16}}]\n");
    port.replace(port.find("        image: worker\n"), std::string("        image: worker\n").size(),
                 "        image: worker\n        args: [--redis, 'kv:6380']\n");
    auto p = world(port);
    auto b = analysis::analyze(p->inv, *p->engine, p->config);
    const auto* r = result(b, "redis-reachable", "Deployment/worker -> Service/kv");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
    CHECK(r->finding->title.find("port 6380, which the Service does not expose") != std::string::npos);
}

TEST_CASE("PF002: a client configured for an external Redis is not judged against the local one") {
    std::string yaml = release(k_dns_only + "  - to: [{ipBlock: {cidr: 172.18.0.0/16}}]\n");
    // web is not admitted by kv's ingress; pointed at an external Redis it no longer needs kv.
    yaml.replace(yaml.find("        image: web\n"), std::string("        image: web\n").size(),
                 "        image: web\n        args: [--redis, 'redis.cache.example.com:6379']\n");
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    CHECK(result(a, "redis-reachable", "Deployment/web -> Service/kv") == nullptr);
    const auto* web = result(a, "redis-reachable", "Deployment/web");
    REQUIRE(web);
    CHECK(web->passed);
    CHECK(web->message.find("external Redis (redis.cache.example.com:6379)") != std::string::npos);
}

TEST_CASE("PF003: restricted egress without DNS for a workload that names services") {
    std::string yaml = test::deployment("api", "{role: api}") + test::deployment("client", "{role: client}", "", "",
                                                                                   "        args: [--upstream=http://api.argocd.svc:8080]\n") +
                       "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: lock}\nspec:\n  podSelector: {matchLabels: {role: client}}\n"
                       "  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {role: api}}}]\n";
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "dns-reachable", "Deployment/client");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
    CHECK(r->finding->title.find("api") != std::string::npos);
    auto fixed = world(yaml + "  - ports: [{port: 53, protocol: UDP}]\n");
    auto b = analysis::analyze(fixed->inv, *fixed->engine, fixed->config);
    CHECK(result(b, "dns-reachable", "Deployment/client")->passed);
}

TEST_CASE("PF003: an ingress deny-all on the DNS pods blocks DNS for pods whose own egress is open") {
    std::string client = test::deployment("client", "{role: client}", "", "", "        args: [--upstream=http://api.argocd.svc:8080]\n");
    std::string deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: dns-lockdown, namespace: kube-system}\n"
                       "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
    auto w = world(client + deny);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "dns-reachable", "Deployment/client");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
    CHECK(r->finding->title.find("DNS pods' ingress policies") != std::string::npos);
    CHECK(r->finding->explanation.find("dns-lockdown") != std::string::npos);
    // Admitting DNS from everywhere fixes it; with no such policy the open pod is not a case at all.
    auto fixed = world(client + deny + "  ingress: [{ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]\n");
    CHECK(result(analysis::analyze(fixed->inv, *fixed->engine, fixed->config), "dns-reachable", "Deployment/client")->passed);
    auto open = world(client);
    CHECK(result(analysis::analyze(open->inv, *open->engine, open->config), "dns-reachable", "Deployment/client") == nullptr);
}

TEST_CASE("PF003: external host names a workload dials need DNS too; IPs and file names do not") {
    auto lock = [](const std::string& args) {
        return test::deployment("client", "{role: client}", "", "", "        args: " + args + "\n") +
               "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: lock}\nspec:\n  podSelector: {matchLabels: {role: client}}\n"
               "  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 443}]\n";
    };
    for (const char* args : {"[--repo=https://github.com/argoproj/argo-cd.git]", "[--redis, 'cache.example.com:6379']",
                             "['https://user:pw@git.example.org/x']"}) {
        CAPTURE(args);
        auto w = world(lock(args));
        const auto* r = result(analysis::analyze(w->inv, *w->engine, w->config), "dns-reachable", "Deployment/client");
        REQUIRE(r);
        CHECK_FALSE(r->passed);
    }
    for (const char* args : {"[--addr=10.0.0.1:6379]", "[--config, /etc/app/config.yaml]", "[--label=app.kubernetes.io/name]",
                             "['https://10.0.0.1/x']"}) {
        CAPTURE(args);
        auto w = world(lock(args));
        CHECK(result(analysis::analyze(w->inv, *w->engine, w->config), "dns-reachable", "Deployment/client") == nullptr);
    }
}

TEST_CASE("policies of other APIs are named as ignored, and a Calico NetworkPolicy is not read as a Kubernetes one") {
    std::string yaml = release(k_dns_only + "  - to: [{ipBlock: {cidr: 172.18.0.0/16}}]\n") + "---\n" +
                       "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: anp}\nspec: {priority: 1}\n---\n"
                       "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: cnp}\nspec: {}\n---\n"
                       "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: calico}\nspec: {selector: all(), types: [Egress]}\n";
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    REQUIRE(a.ignored.size() == 3);
    CHECK(a.ignored[0].find("AdminNetworkPolicy/anp") != std::string::npos);
    CHECK(a.ignored[1].find("CiliumNetworkPolicy/cnp") != std::string::npos);
    CHECK(a.ignored[2].find("projectcalico.org/v3 NetworkPolicy/calico") != std::string::npos);
    CHECK(w->inv.network_policies.size() == 1);  // kv-policy only: Calico's shape would read as deny-all
}

TEST_CASE("lists in findings are capped, with how many more and the total: reports stay linear in the input") {
    std::string yaml = test::deployment("w", "{group: all}", "", "", "        command: [kubectl, get, pods]\n");
    for (int i = 0; i < 30; ++i)
        yaml += "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p" + std::to_string(i) +
                "}\nspec:\n  podSelector: {matchLabels: {group: all}}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: " +
                std::to_string(1000 + i) + "}]}]\n---\n";
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "api-server-reachable", "Deployment/w");
    REQUIRE(r);
    REQUIRE(r->finding);
    CHECK(r->finding->locations.size() == 13);
    CHECK(r->finding->locations.back() == "… and 19 more");  // the workload and 11 policies shown, 19 policies not
    CHECK(r->finding->explanation.find("more (30 in all)") != std::string::npos);
    CHECK(r->finding->explanation.find("NetworkPolicy p29") == std::string::npos);
}

TEST_CASE("PF008: pod templates the API server refuses: a mount of no volume, duplicate container, volume or port names") {
    auto pf008 = [](const std::string& pod_extra, const std::string& container_extra) {
        auto w = world(test::deployment("app", "{app: a}", "", pod_extra, container_extra));
        auto a = analysis::analyze(w->inv, *w->engine, w->config);
        return result(a, "pod-spec-valid", "Deployment/app") ? *result(a, "pod-spec-valid", "Deployment/app") : analysis::CheckResult{};
    };
    // The argo-cd v3.3.13 shape (argoproj/argo-cd#29051): a volumeMount naming a volume the pod lacks.
    auto r = pf008("      volumes: [{name: tmp, emptyDir: {}}]\n", "        volumeMounts: [{name: tmp, mountPath: /tmp}, {name: params, mountPath: /p}]\n");
    CHECK_FALSE(r.passed);
    REQUIRE(r.finding);
    CHECK(r.finding->id == "PF008");
    CHECK(r.finding->title.find("container main mounts volume 'params', which the pod does not define: Not found (test.yaml:") !=
          std::string::npos);
    CHECK(pf008("      volumes: [{name: tmp, emptyDir: {}}, {name: params, configMap: {name: p}}]\n",
                "        volumeMounts: [{name: tmp, mountPath: /tmp}, {name: params, mountPath: /p}]\n")
              .finding == std::nullopt);
    CHECK(pf008("      volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]\n", "").finding->title.find("volume 'v' is defined twice") !=
          std::string::npos);
    CHECK(pf008("      initContainers: [{name: main, image: x}]\n", "").finding->title.find("a container of that name exists already") !=
          std::string::npos);
    CHECK(pf008("", "        ports: [{name: http, containerPort: 80}, {name: http, containerPort: 81}]\n")
              .finding->title.find("port name 'http' used twice") != std::string::npos);
    // The same port name in two containers is fine: names are per container.
    CHECK(pf008("      initContainers: [{name: side, image: x, ports: [{name: http, containerPort: 81}]}]\n",
                "        ports: [{name: http, containerPort: 80}]\n")
              .finding == std::nullopt);
}

TEST_CASE("PF004: a required Secret with no creator is a warning") {
    auto w = world(test::deployment("a", "{x: y}", "", "", "        env: [{name: P, valueFrom: {secretKeyRef: {name: nowhere, key: k}}}]\n") +
                   test::deployment("b", "{x: z}", "", "", "        env: [{name: P, valueFrom: {secretKeyRef: {name: opt, key: k, optional: true}}}]\n"));
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "runtime-secret-created", "Secret/nowhere");
    REQUIRE(r);
    CHECK(r->passed);
    CHECK(r->finding->severity == analysis::Severity::warning);
    CHECK(result(a, "runtime-secret-created", "Secret/opt") == nullptr);
}

TEST_CASE("PF005: against a baseline without the need, the new unmet need is a regression") {
    auto base = world(release(k_dns_only, "[Ingress, Egress]", "[/bin/true]"));
    auto cand = world(release(k_dns_only));
    auto a = analysis::analyze(cand->inv, *cand->engine, cand->config, &base->inv, base->engine.get());
    const auto* r = result(a, "baseline-regression", "argocd/kv[Deployment] -> kube-apiserver[172.18.0.2] TCP 6443");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
    CHECK(r->finding->title.find("adds a need") != std::string::npos);
}

TEST_CASE("PF005: a connection the baseline allowed and the candidate removes") {
    auto base = world(release(k_dns_only + "  - ports: [{port: 6443}]\n"));
    auto cand = world(release(k_dns_only));
    auto a = analysis::analyze(cand->inv, *cand->engine, cand->config, &base->inv, base->engine.get());
    const auto* r = result(a, "baseline-regression", "argocd/kv[Deployment] -> kube-apiserver[172.18.0.2] TCP 6443");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
    CHECK(r->finding->title.find("removes") != std::string::npos);
}

TEST_CASE("PF005: a release against itself reports no regression, whether its needs are met, guessed or blocked") {
    // The HA haproxy shape: a token and RBAC but no known client, egress restricted. PF001 guesses
    // (a warning); the same need in the baseline is not new, so PF005 must not turn it into an error.
    for (const char* init : {"[/bin/setup-cache]", "[argocd, admin, redis-initial-password]"}) {
        CAPTURE(init);
        auto base = world(release(k_dns_only, "[Ingress, Egress]", init));
        auto cand = world(release(k_dns_only, "[Ingress, Egress]", init));
        auto a = analysis::analyze(cand->inv, *cand->engine, cand->config, &base->inv, base->engine.get());
        const auto* r = result(a, "baseline-regression", "argocd/kv[Deployment] -> kube-apiserver[172.18.0.2] TCP 6443");
        REQUIRE(r);
        CHECK(r->passed);
        CHECK_FALSE(r->finding);
        CHECK(r->message.find("blocked as in the baseline") != std::string::npos);
    }
}

TEST_CASE("PF005: a new need that PF001 only guesses is a warning, not a failure") {
    // Baseline: no token, so no need at all; candidate: token + RBAC, no known client.
    std::string no_token = release(k_dns_only, "[Ingress, Egress]", "[/bin/setup-cache]");
    no_token.insert(no_token.find("      serviceAccountName: cache-sa\n"), "      automountServiceAccountToken: false\n");
    auto base = world(no_token);
    auto cand = world(release(k_dns_only, "[Ingress, Egress]", "[/bin/setup-cache]"));
    auto a = analysis::analyze(cand->inv, *cand->engine, cand->config, &base->inv, base->engine.get());
    const auto* r = result(a, "baseline-regression", "argocd/kv[Deployment] -> kube-apiserver[172.18.0.2] TCP 6443");
    REQUIRE(r);
    CHECK(r->passed);
    REQUIRE(r->finding);
    CHECK(r->finding->severity == analysis::Severity::warning);
    for (const auto& x : a.results) {
        CAPTURE(x.subject);
        if (x.check == analysis::CheckId::baseline_regression || x.check == analysis::CheckId::api_server_reachable) CHECK(x.passed);
    }
}

// --- real data ---------------------------------------------------------------------------

namespace {
std::string shared_file(const std::string& rel) {
    std::ifstream in(std::string(PREFLIGHT_SHARED) + "/argocd/" + rel, std::ios::binary);
    if (!in) return {};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
analysis::Analysis analyze_release(const std::string& rel, std::unique_ptr<test::World>& keep) {
    keep = world(shared_file(rel));
    return analysis::analyze(keep->inv, *keep->engine, keep->config);
}
}  // namespace

TEST_CASE("real data: v2.11.1 install and namespace-install fail on argocd-redis; the others pass" *
          doctest::skip(shared_file("v2.11.1/install.yaml").empty())) {
    for (const char* rel : {"v2.11.1/install.yaml", "v2.11.1/namespace-install.yaml"}) {
        CAPTURE(rel);
        std::unique_ptr<test::World> w;
        auto a = analyze_release(rel, w);
        const auto* r = result(a, "api-server-reachable", "Deployment/argocd-redis");
        REQUIRE(r);
        REQUIRE_FALSE(r->passed);
        const auto& f = *r->finding;
        CHECK(f.title.find("init container secret-init") != std::string::npos);
        CHECK(f.explanation.find("NetworkPolicy argocd-redis-network-policy") != std::string::npos);
        CHECK(f.explanation.find("53/UDP, 53/TCP") != std::string::npos);
        CHECK(f.explanation.find("172.18.0.2") != std::string::npos);
        CHECK(f.explanation.find("6443") != std::string::npos);
        for (const char* down : {"argocd-server", "argocd-repo-server", "argocd-application-controller"})
            CHECK(f.explanation.find(down) != std::string::npos);
    }
    for (const char* rel : {"v2.11.0/install.yaml", "v2.11.2/install.yaml", "v3.5.1/install.yaml"}) {
        CAPTURE(rel);
        std::unique_ptr<test::World> w;
        auto a = analyze_release(rel, w);
        CHECK(errors(a) == 0);
        CHECK_FALSE(a.results.empty());
    }
}

TEST_CASE("real data: --baseline v2.11.0 against v2.11.1 reports the Redis API egress" *
          doctest::skip(shared_file("v2.11.0/install.yaml").empty())) {
    auto base = world(shared_file("v2.11.0/install.yaml"));
    auto cand = world(shared_file("v2.11.1/install.yaml"));
    auto a = analysis::analyze(cand->inv, *cand->engine, cand->config, &base->inv, base->engine.get());
    const auto* r = result(a, "baseline-regression", "argocd/argocd-redis[Deployment] -> kube-apiserver[172.18.0.2] TCP 6443");
    REQUIRE(r);
    CHECK_FALSE(r->passed);
}

TEST_CASE("PF001: the title names every client container, init or not") {
    std::string yaml = release(k_dns_only);
    auto pos = yaml.find("      - name: kv\n        image: redis:7\n");
    yaml.insert(pos, "      - {name: sidecar, image: tool, command: [kubectl, get, secrets]}\n");
    auto w = world(yaml);
    auto a = analysis::analyze(w->inv, *w->engine, w->config);
    const auto* r = result(a, "api-server-reachable", "Deployment/kv");
    REQUIRE(r);
    CHECK(r->finding->title.find("init container make-pass, container sidecar") != std::string::npos);
    CHECK(r->finding->explanation.find("stay in Init") != std::string::npos);
}
