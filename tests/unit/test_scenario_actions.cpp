// Actions against a recording runner: what each one runs, decides and reports.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "fake_cluster.hpp"
#include "preflight/scenario/actions.hpp"

using namespace preflight;
using namespace preflight::scenario;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    test::RecordingRunner runner;
    test::FakeProvider provider;
    SessionOptions options;
    report::Run run;
    Redactor redactor;
    std::unique_ptr<ActionContext> ctx;
    Fixture() {
        options.now_ms = [] { return std::int64_t{1000}; };
        options.timeout = std::chrono::seconds(30);
        ctx = std::make_unique<ActionContext>(runner, provider, options, run, redactor);
        ctx->enter("scenario t", "install", "t/install");
    }
    const report::Case* find(const std::string& name) const {
        for (const auto& s : run.suites)
            for (const auto& c : s.cases)
                if (c.name == name) return &c;
        return nullptr;
    }
};

Release release_with(std::vector<analysis::CheckResult> results = {}) {
    Release r;
    r.label = "v9 install.yaml";
    r.manifests = "kind: ConfigMap\n";
    r.static_results = std::move(results);
    return r;
}

analysis::CheckResult unserved() {
    analysis::CheckResult r{analysis::CheckId::api_version_served, "PodDisruptionBudget/x", false, "not served"};
    analysis::Finding f;
    f.id = "PF006";
    f.title = "policy/v1beta1 PodDisruptionBudget is not served by Kubernetes 1.33";
    r.finding = f;
    return r;
}

}  // namespace

TEST_CASE("install: a refused apply is the candidate's failure only when PF006 explains it") {
    Fixture f;
    auto r = release_with({unserved()});
    test::RecordingRunner refusing;  // the namespace exists already; the manifests' apply is refused
    refusing.on({"apply"}, 1, "", "no matches for kind \"PodDisruptionBudget\" in version \"policy/v1beta1\"");
    ActionContext ctx(refusing, f.provider, f.options, f.run, f.redactor);
    ctx.enter("scenario t", "install", "t/install");
    ctx.state().namespace_applied = true;
    auto v = install(ctx, r, std::chrono::seconds(5), false);
    CHECK(v.outcome == report::Outcome::failed);
    CHECK(v.failure.find("does not serve an API the manifests use") != std::string::npos);
    CHECK(v.failure.find("PF006") != std::string::npos);
    CHECK(v.failure.find("no matches for kind") != std::string::npos);
    CHECK(refusing.count("apply") == 1);  // no wait after a refused apply
    CHECK(ctx.state().current == &r);     // diagnostics still see what was applied

    Fixture g;
    ActionContext plain(refusing, g.provider, g.options, g.run, g.redactor);
    plain.enter("scenario t", "install", "t/install");
    plain.state().namespace_applied = true;
    auto without = release_with();
    auto e = install(plain, without, std::chrono::seconds(5), false);
    CHECK(e.outcome == report::Outcome::error);  // the infrastructure's, not the candidate's
    REQUIRE(g.find("install: apply v9 install.yaml") != nullptr);
    CHECK(g.find("install: apply v9 install.yaml")->outcome == report::Outcome::error);
}

TEST_CASE("install: the namespace is applied once per session, images preloaded only where the provider can") {
    Fixture f;
    f.runner.on({"apply"}, 1, "", "refused");
    auto r = release_with();
    r.images = {"quay.io/argoproj/argocd:v9"};
    install(*f.ctx, r, std::chrono::seconds(5), false);
    CHECK(f.provider.preloaded.empty());  // the fake provider cannot preload
    CHECK(f.runner.count("apply") == 1);  // the namespace apply failed: nothing else applied
    f.provider.m_info.can_preload = true;
    install(*f.ctx, r, std::chrono::seconds(5), false);
    CHECK(f.provider.preloaded == r.images);
}

TEST_CASE("diagnostics: index.txt lists what was written and what failed; an unwritable directory is said, not hidden") {
    Fixture f;
    auto dir = fs::temp_directory_path() / ("pf-diag-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    f.options.artifacts_dir = dir.string();
    f.runner.on({"get", "events"}, 0, "{\"items\":[]}");
    f.runner.on({"get", "pods"}, 1, "", "the server is currently unable to handle the request");
    f.runner.on({"get", "deployments,statefulsets,daemonsets,jobs,replicasets"}, 0, "{\"items\":[]}");
    auto r = release_with();
    f.ctx->state().current = &r;
    auto v = diagnostics(*f.ctx, "install candidate");
    CHECK_FALSE(v.failed());
    auto base = dir / "diagnostics" / "install_candidate";
    std::ifstream in(base / "index.txt");
    std::string index((std::istreambuf_iterator<char>(in)), {});
    CHECK(index.find("events.json\n") != std::string::npos);
    CHECK(index.find("pods.json: ") != std::string::npos);  // the failed command, with its error
    CHECK(index.find("manifests.yaml\n") != std::string::npos);
    CHECK(fs::exists(base / "events.json"));
    CHECK_FALSE(fs::exists(base / "pods.json"));
    const auto* c = f.find("install: collect diagnostics");
    REQUIRE(c);
    CHECK(c->outcome == report::Outcome::passed);

    // A file where the directory should be: nothing can be written, and the case says so.
    Fixture g;
    auto blocked = dir / "blocked";
    std::ofstream(blocked.string()) << "x";
    g.options.artifacts_dir = blocked.string();
    g.runner.on({"get"}, 0, "{}");
    diagnostics(*g.ctx, "s");
    const auto* d = g.find("install: collect diagnostics");
    REQUIRE(d);
    CHECK(d->outcome == report::Outcome::skipped);
    CHECK(d->message.find("could not be written") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("smoke verify: the Application must still be Synced and Healthy; a missing one fails") {
    Fixture f;
    f.options.smoke.timeout_s = 0;
    f.ctx->state().smoke_created = true;
    f.runner.on({"get", "applications.argoproj.io"}, 0,
                R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"preflight-smoke"},)"
                R"("status":{"health":{"status":"Healthy"},"sync":{"status":"Synced"}}})");
    CHECK(smoke_verify(*f.ctx).outcome == report::Outcome::passed);
    Fixture g;
    g.options.smoke.timeout_s = 0;
    g.ctx->state().smoke_created = true;
    auto v = smoke_verify(*g.ctx);
    CHECK(v.outcome == report::Outcome::failed);
    CHECK(v.failure.find("not found") != std::string::npos);
    Fixture h;  // nothing created earlier: skipped, no command
    CHECK(smoke_verify(*h.ctx).outcome == report::Outcome::skipped);
    CHECK(h.runner.commands.empty());
}

TEST_CASE("probes: missing probe image or owner is an error for every planned probe, never a skip") {
    Fixture f;
    Release r = release_with();
    probe::Spec s;
    s.name = "redis: Deployment/a -> redis:6379";
    r.probes = {s};
    auto v = probes(*f.ctx, r, std::chrono::seconds(5));
    CHECK(v.outcome == report::Outcome::error);
    REQUIRE(f.find("install: " + s.name));
    CHECK(f.find("install: " + s.name)->outcome == report::Outcome::error);
    r.probe_image = "redis:7";
    Fixture g;  // kubectl refuses the owner ConfigMap
    CHECK(probes(*g.ctx, r, std::chrono::seconds(5)).outcome == report::Outcome::error);
    g.options.probes_enabled = false;
    Fixture h;
    h.options.probes_enabled = false;
    CHECK(probes(*h.ctx, r, std::chrono::seconds(5)).outcome == report::Outcome::skipped);
}

namespace {

probe::Attempt outcome(probe::Expect expect, probe::Observed observed, const std::string& result, bool predicted_allowed,
                       const std::string& host = "redis", std::int64_t port = 6379) {
    probe::Attempt o;
    o.spec.name = host + (expect == probe::Expect::reachable ? " reach" : " block");
    o.spec.expect = expect;
    o.spec.host = host;
    o.spec.port = port;
    o.spec.predicted_allowed = predicted_allowed;
    o.reading.observed = observed;
    o.reading.result = result;
    o.pod = "p";
    return o;
}

Enforcement enforced(bool rejects = false) { return {true, true, rejects, ""}; }

}  // namespace

TEST_CASE("judge: an expected block passes only when the cluster is known to enforce, and a refusal only with a witness") {
    auto block = outcome(probe::Expect::blocked, probe::Observed::blocked, "timeout", false);
    CHECK(judge_probe(block, {block}, enforced(), true).probe.outcome == report::Outcome::passed);
    CHECK(judge_probe(block, {block}, Enforcement{true, false, false, "kindnet without policies"}, true).probe.outcome ==
          report::Outcome::skipped);

    auto refused = outcome(probe::Expect::blocked, probe::Observed::blocked, "refused", false);
    auto reach = outcome(probe::Expect::reachable, probe::Observed::reachable, "pong", true);
    std::vector<probe::Attempt> alone{refused}, witnessed{refused, reach};
    CHECK(judge_probe(alone[0], alone, enforced(true), true).probe.outcome == report::Outcome::skipped);
    auto j = judge_probe(witnessed[0], witnessed, enforced(true), true);
    CHECK(j.probe.outcome == report::Outcome::passed);
    CHECK(j.probe.message.find("reached redis:6379 in the same batch") != std::string::npos);
    // A dropping enforcer never turns a refusal into a block.
    CHECK(judge_probe(witnessed[0], witnessed, enforced(false), true).probe.outcome == report::Outcome::skipped);
    // A witness on another port proves nothing about this one.
    auto other = outcome(probe::Expect::reachable, probe::Observed::reachable, "pong", true, "redis", 6380);
    std::vector<probe::Attempt> wrong_port{refused, other};
    CHECK(judge_probe(wrong_port[0], wrong_port, enforced(true), true).probe.outcome == report::Outcome::skipped);
}

TEST_CASE("judge: a backend that is not Ready makes a failed connection no policy verdict") {
    auto reach = outcome(probe::Expect::reachable, probe::Observed::blocked, "timeout", true);
    reach.spec.backend = model::WorkloadId{"Deployment", "argocd", "redis"};
    auto j = judge_probe(reach, {reach}, enforced(), false);
    CHECK(j.probe.outcome == report::Outcome::failed);
    CHECK(j.probe.message.find("is not Ready") != std::string::npos);
    CHECK_FALSE(j.disagreement);  // no static-vs-live claim from a dead backend
    auto block = outcome(probe::Expect::blocked, probe::Observed::blocked, "timeout", false);
    block.spec.backend = reach.spec.backend;
    CHECK(judge_probe(block, {block}, enforced(), false).probe.outcome == report::Outcome::skipped);  // proves no isolation
    CHECK(judge_probe(block, {block}, enforced(), true).probe.outcome == report::Outcome::passed);
}

TEST_CASE("judge: unresolved and not-run probes never pass") {
    auto unresolved = outcome(probe::Expect::blocked, probe::Observed::unresolved, "nxdomain", false);
    CHECK(judge_probe(unresolved, {unresolved}, enforced(), true).probe.outcome == report::Outcome::error);
    auto unresolved_reach = outcome(probe::Expect::reachable, probe::Observed::unresolved, "nxdomain", true);
    CHECK(judge_probe(unresolved_reach, {unresolved_reach}, enforced(), true).probe.outcome == report::Outcome::failed);
    auto not_run = outcome(probe::Expect::reachable, probe::Observed::not_run, "", true);
    CHECK(judge_probe(not_run, {not_run}, enforced(), true).probe.outcome == report::Outcome::error);
    auto auth = outcome(probe::Expect::reachable, probe::Observed::auth_failed, "noauth", true);
    CHECK(judge_probe(auth, {auth}, enforced(), true).probe.outcome == report::Outcome::failed);
    CHECK(judge_probe(auth, {auth}, enforced(), true).probe.facts.size() == 3);
}

TEST_CASE("judge: static and live disagreeing is its own failed case, explained when the cluster does not enforce") {
    auto allowed_live = outcome(probe::Expect::blocked, probe::Observed::reachable, "pong", false);
    auto j = judge_probe(allowed_live, {allowed_live}, enforced(), true);
    CHECK(j.probe.outcome == report::Outcome::failed);
    REQUIRE(j.disagreement);
    CHECK(j.disagreement->outcome == report::Outcome::failed);
    auto k = judge_probe(allowed_live, {allowed_live}, Enforcement{true, false, false, "no enforcement"}, true);
    REQUIRE(k.disagreement);
    CHECK(k.disagreement->outcome == report::Outcome::skipped);
    auto blocked_live = outcome(probe::Expect::reachable, probe::Observed::blocked, "timeout", true);
    auto m = judge_probe(blocked_live, {blocked_live}, enforced(), true);
    CHECK(m.probe.outcome == report::Outcome::failed);
    REQUIRE(m.disagreement);
    CHECK(m.disagreement->message.find("predicted allowed") != std::string::npos);
    auto agree = outcome(probe::Expect::reachable, probe::Observed::blocked, "timeout", false);  // PF predicted the block
    CHECK_FALSE(judge_probe(agree, {agree}, enforced(), true).disagreement);
}

TEST_CASE("steps: a failed try skips the rest of the step, catch runs, a later step is skipped, the first failure is the root cause") {
    Fixture f;
    f.runner.on({"apply"}, 1, "", "connection refused");
    auto sc = parse_scenario("t.yaml", R"(apiVersion: argocd-preflight.io/v1
kind: Scenario
name: t
steps:
- name: install candidate
  try:
  - install: {revision: candidate}
  - probes: {}
  catch:
  - diagnostics: {}
- name: later
  try:
  - wait: {}
)");
    REQUIRE_MESSAGE(sc, (sc ? "" : sc.error().describe()));
    auto r = release_with();
    run_steps(*f.ctx, *sc, r, nullptr, true);
    REQUIRE(f.find("install candidate"));
    CHECK(f.find("install candidate")->outcome == report::Outcome::failed);
    CHECK(f.find("install candidate")->message.find("connection refused") != std::string::npos);
    REQUIRE(f.find("install candidate: probes"));
    CHECK(f.find("install candidate: probes")->message == "an earlier action of the step failed");
    CHECK(f.find("install candidate: collect diagnostics"));  // catch ran (skipped: no artifacts directory)
    REQUIRE(f.find("later"));
    CHECK(f.find("later")->outcome == report::Outcome::skipped);
    CHECK(f.run.root_cause.starts_with("install candidate: "));
}

TEST_CASE("steps: a cluster that could not be set up skips every step, saying why") {
    Fixture f;
    auto sc = parse_scenario("t.yaml", "apiVersion: argocd-preflight.io/v1\nkind: Scenario\nname: t\nsteps:\n- name: one\n  try:\n  - install: {revision: candidate}\n");
    REQUIRE_MESSAGE(sc, (sc ? "" : sc.error().describe()));
    auto r = release_with();
    run_steps(*f.ctx, *sc, r, nullptr, false);
    REQUIRE(f.find("one"));
    CHECK(f.find("one")->message == "the cluster could not be set up");
    CHECK(f.runner.commands.empty());
}

namespace {

const char* k_healthy_deployment =
    R"({"type":"ADDED","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"argocd","generation":1},)"
    R"("spec":{"replicas":1,"selector":{"matchLabels":{"app":"api"}}},"status":{"observedGeneration":1,"replicas":1,"updatedReplicas":1,)"
    R"("readyReplicas":1,"availableReplicas":1,"conditions":[{"type":"Available","status":"True"}]}}})";
const char* k_progressing_deployment =
    R"({"type":"ADDED","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"argocd","generation":1},)"
    R"("spec":{"replicas":1,"selector":{"matchLabels":{"app":"api"}}},"status":{"observedGeneration":1,"replicas":1,"updatedReplicas":1,)"
    R"("unavailableReplicas":1,"conditions":[{"type":"Available","status":"False"}]}}})";
const char* k_crashing_pod =
    R"({"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-x1","namespace":"argocd","labels":{"app":"api"}},)"
    R"("spec":{"initContainers":[{"name":"setup","image":"i"}],"containers":[{"name":"main","image":"i"}]},)"
    R"("status":{"phase":"Pending","initContainerStatuses":[{"name":"setup","restartCount":2,)"
    R"("state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 10s"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}],)"
    R"("containerStatuses":[{"name":"main","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}}})";

Release with_api() {
    auto r = release_with();
    r.expected = {{"Deployment", "argocd", "api"}};
    return r;
}

}  // namespace

TEST_CASE("wait: Healthy workloads pass, one case per workload; a watch that cannot start is an error") {
    Fixture f;
    f.runner.on_stream({"deployments", "--watch"}, {k_healthy_deployment});
    for (const char* other : {"pods", "statefulsets", "daemonsets", "jobs"}) f.runner.on_stream({other, "--watch"}, {});
    auto r = with_api();
    auto v = wait(*f.ctx, r, std::chrono::seconds(10), false);
    CHECK(v.outcome == report::Outcome::passed);
    REQUIRE(f.find("install: Deployment/api"));
    CHECK(f.find("install: Deployment/api")->message == "Healthy");
    CHECK(f.ctx->state().install.healthy);

    Fixture g;  // no stream rules: kubectl cannot watch
    auto e = wait(*g.ctx, r, std::chrono::seconds(10), false);
    CHECK(e.outcome == report::Outcome::error);
    CHECK(e.failure.find("no stream rule") != std::string::npos);
}

TEST_CASE("wait: a crash past its grace is explained by the container's own log line and the static finding") {
    Fixture f;
    f.options.stuck_grace_s = 0;
    f.runner.on_stream({"deployments", "--watch"}, {k_progressing_deployment});
    f.runner.on_stream({"pods", "--watch"}, {k_crashing_pod});
    for (const char* other : {"statefulsets", "daemonsets", "jobs"}) f.runner.on_stream({other, "--watch"}, {});
    f.runner.on({"logs", "api-x1"}, 0, "starting\nlevel=fatal msg=\"dial tcp 10.96.0.1:443: i/o timeout\"\n");
    analysis::CheckResult pf001{analysis::CheckId::api_server_reachable, "Deployment/api", false, "blocked"};
    pf001.workload = model::WorkloadId{"Deployment", "argocd", "api"};
    analysis::Finding fd;
    fd.id = "PF001";
    fd.title = "Deployment api: setup cannot reach the Kubernetes API server";
    fd.blocked_by = "api-policy allows egress only 53/UDP";
    fd.containers = {"setup"};
    pf001.finding = fd;
    auto r = with_api();
    r.static_results = {pf001};
    auto v = wait(*f.ctx, r, std::chrono::seconds(10), false);
    CHECK(v.outcome == report::Outcome::failed);
    CHECK(v.failure == "Deployment/api stuck in Init: setup: level=fatal msg=\"dial tcp 10.96.0.1:443: i/o timeout\" — "
                       "api-policy allows egress only 53/UDP (PF001)");
    const auto* c = f.find("install: workloads Healthy");
    REQUIRE(c);
    REQUIRE(c->evidence.size() == 2);
    CHECK(c->evidence[1].name == "static finding PF001");
    CHECK(f.find("install: Deployment/api")->outcome == report::Outcome::failed);
}

TEST_CASE("early probes: every statically blocked need, and one allowed probe per blocked target as its witness") {
    auto need = outcome(probe::Expect::reachable, probe::Observed::not_run, "", false, "api", 443).spec;
    auto allowed_api = outcome(probe::Expect::reachable, probe::Observed::not_run, "", true, "api", 443).spec;
    allowed_api.name = "server -> api";
    auto second_allowed_api = allowed_api;
    second_allowed_api.name = "controller -> api";
    auto allowed_redis = outcome(probe::Expect::reachable, probe::Observed::not_run, "", true, "redis", 6379).spec;
    auto isolation = outcome(probe::Expect::blocked, probe::Observed::not_run, "", false, "api", 443).spec;
    auto early = early_probes({allowed_redis, allowed_api, need, isolation, second_allowed_api});
    REQUIRE(early.size() == 2);
    CHECK(early[0].name == need.name);
    CHECK(early[1].name == "server -> api");  // one witness, for the blocked need's host and port only
    // An expected block is no need; without a blocked need nothing starts early.
    CHECK(early_probes({allowed_redis, allowed_api, isolation}).empty());
    // No allowed probe to that target: the need alone (a drop can still decide; a refusal cannot).
    auto alone = early_probes({need, allowed_redis});
    REQUIRE(alone.size() == 1);
    CHECK(alone[0].name == need.name);
}

TEST_CASE("early verdict: static and live agree only on an enforcing cluster, a drop, or a witnessed refusal where the enforcer rejects") {
    auto drop = outcome(probe::Expect::reachable, probe::Observed::blocked, "timeout", false, "api", 443);
    CHECK(agrees_blocked(drop, {drop}, enforced(), true));
    // Not known to enforce: no agreement, whatever was observed.
    CHECK_FALSE(agrees_blocked(drop, {drop}, Enforcement{true, false, false, "no enforcement"}, true));
    CHECK_FALSE(agrees_blocked(drop, {drop}, Enforcement{}, true));
    // The analysis said allowed: a block is a disagreement, never an early verdict.
    auto allowed = outcome(probe::Expect::reachable, probe::Observed::blocked, "timeout", true, "api", 443);
    CHECK_FALSE(agrees_blocked(allowed, {allowed}, enforced(), true));
    // Reached, not run, unresolved: nothing agrees.
    for (auto obs : {probe::Observed::reachable, probe::Observed::not_run, probe::Observed::unresolved}) {
        auto o = outcome(probe::Expect::reachable, obs, "x", false, "api", 443);
        CHECK_FALSE(agrees_blocked(o, {o}, enforced(), true));
    }
    // An expected block is not a need.
    auto isolation = outcome(probe::Expect::blocked, probe::Observed::blocked, "timeout", false, "api", 443);
    CHECK_FALSE(agrees_blocked(isolation, {isolation}, enforced(), true));
    // A backend that is not Ready: nothing answers there.
    auto to_redis = outcome(probe::Expect::reachable, probe::Observed::blocked, "timeout", false);
    to_redis.spec.backend = model::WorkloadId{"Deployment", "argocd", "redis"};
    CHECK_FALSE(agrees_blocked(to_redis, {to_redis}, enforced(), false));
    CHECK(agrees_blocked(to_redis, {to_redis}, enforced(), true));
    // A refusal: only with a rejecting enforcer and another probe that reached the same target.
    auto refused = outcome(probe::Expect::reachable, probe::Observed::blocked, "refused", false, "api", 443);
    auto witness = outcome(probe::Expect::reachable, probe::Observed::reachable, "connected", true, "api", 443);
    auto elsewhere = outcome(probe::Expect::reachable, probe::Observed::reachable, "connected", true, "api", 6443);
    std::vector<probe::Attempt> witnessed{refused, witness}, unwitnessed{refused, elsewhere};
    CHECK(agrees_blocked(witnessed[0], witnessed, enforced(true), true));
    CHECK_FALSE(agrees_blocked(witnessed[0], witnessed, enforced(false), true));
    CHECK_FALSE(agrees_blocked(unwitnessed[0], unwitnessed, enforced(true), true));
    CHECK_FALSE(agrees_blocked(refused, {refused}, enforced(true), true));
}
