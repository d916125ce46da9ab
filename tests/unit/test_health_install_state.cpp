// Install state: when a wait may decide, and who owns the stuck pods.
#include <doctest/doctest.h>

#include "preflight/health/install_state.hpp"
#include "preflight/model/manifest.hpp"

using namespace preflight::health;

namespace {

std::vector<preflight::model::Value> objects(const std::string& yaml) {
    auto docs = preflight::model::parse_documents("live.yaml", yaml);
    REQUIRE(docs.has_value());
    return *docs;
}

const std::string k_deploy_ready =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, generation: 1}\nspec: {replicas: 1, selector: {matchLabels: {app: api}}}\n"
    "status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1}\n";
const std::string k_deploy_waiting =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, generation: 1}\nspec: {replicas: 1, selector: {matchLabels: {app: api}}}\n"
    "status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0}\n";
const std::string k_worker_waiting =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: worker, generation: 1}\nspec: {replicas: 1, selector: {matchLabels: {app: worker}}}\n"
    "status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0}\n";

std::string pod(const std::string& name, const std::string& app, const std::string& status) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", labels: {app: " + app + "}}\nspec: {containers: [{name: main}]}\nstatus: " +
           status + "\n";
}

const std::vector<Expected> k_expected{{"Deployment", "", "api"}, {"Deployment", "", "worker"}};

}  // namespace

TEST_CASE("healthy only when every expected workload is Healthy") {
    StuckClock clock;
    auto worker_ready = k_worker_waiting;
    worker_ready.replace(worker_ready.find("availableReplicas: 0"), 20, "availableReplicas: 1");
    auto st = evaluate(objects(k_deploy_ready + "---\n" + worker_ready), k_expected, clock, 0, 60);
    CHECK(st.healthy);
    CHECK(st.pending.empty());
    auto missing = evaluate(objects(k_deploy_ready), k_expected, clock, 0, 60);
    CHECK_FALSE(missing.healthy);
    REQUIRE(missing.pending.size() == 1);
    CHECK(missing.pending[0].text() == "Deployment/worker: not created yet");
    CHECK_FALSE(missing.pending[0].created);
    CHECK_FALSE(missing.all_listed());
}

TEST_CASE("a crash loop decides once its container has been failing for the grace period; the pod is attributed by its workload's selector") {
    StuckClock clock;
    auto snapshot = objects(k_deploy_waiting + "---\n" + k_worker_waiting + "---\n" +
                            pod("worker-x1", "worker",
                                "{phase: Running, containerStatuses: [{name: main, restartCount: 2, state: {waiting: {reason: CrashLoopBackOff}}, "
                                "lastState: {terminated: {exitCode: 3}}}]}"));
    auto first = evaluate(snapshot, k_expected, clock, 10, 60);
    CHECK_FALSE(first.failed);  // a first crash proves nothing: real installs have crashes that heal
    REQUIRE(first.stuck.size() == 1);
    CHECK_FALSE(evaluate(snapshot, k_expected, clock, 69.9, 60).failed);
    auto st = evaluate(snapshot, k_expected, clock, 70, 60);
    CHECK(st.failed);
    REQUIRE(st.decisive.size() == 1);
    CHECK(st.decisive[0].workload.text() == "Deployment/worker");
    CHECK(st.decisive[0].pod == "worker-x1");
}

TEST_CASE("the failing clock runs across restarts: Running between crashes does not reset it") {
    // A container without a readiness probe reads ready while it runs between two crashes.
    auto crashing = [](int restarts) {
        return pod("worker-x1", "worker",
                   "{phase: Running, containerStatuses: [{name: main, restartCount: " + std::to_string(restarts) +
                       ", state: {waiting: {reason: CrashLoopBackOff}}, lastState: {terminated: {exitCode: 1}}}]}");
    };
    auto running = [](int restarts) {
        return pod("worker-x1", "worker",
                   "{phase: Running, containerStatuses: [{name: main, ready: true, restartCount: " + std::to_string(restarts) +
                       ", state: {running: {}}, lastState: {terminated: {exitCode: 1}}}]}");
    };
    const auto ws = k_deploy_waiting + "---\n" + k_worker_waiting + "---\n";
    StuckClock clock;
    CHECK_FALSE(evaluate(objects(ws + crashing(1)), k_expected, clock, 0, 60).failed);
    CHECK_FALSE(evaluate(objects(ws + running(2)), k_expected, clock, 30, 60).failed);  // not crashing now: no verdict
    auto st = evaluate(objects(ws + crashing(2)), k_expected, clock, 61, 60);
    CHECK(st.failed);  // crashing again, first failure 61 s ago
    // A container that crashed once and has run since is not a cause however long ago that was.
    StuckClock healed;
    evaluate(objects(ws + crashing(1)), k_expected, healed, 0, 60);
    CHECK_FALSE(evaluate(objects(ws + running(1)), k_expected, healed, 500, 60).failed);
}

TEST_CASE("an init container that completed after failing is not failing; one that keeps failing is") {
    auto with_init = [](const std::string& state) {
        return pod("worker-1", "worker",
                   "{phase: Pending, initContainerStatuses: [{name: init, restartCount: 3, state: " + state +
                       ", lastState: {terminated: {exitCode: 1}}}]}");
    };
    auto p1 = objects(with_init("{terminated: {exitCode: 0}}"));
    CHECK(failing_containers(p1[0]).empty());
    auto p2 = objects(with_init("{waiting: {reason: CrashLoopBackOff}}"));
    REQUIRE(failing_containers(p2[0]).size() == 1);
    CHECK(failing_containers(p2[0])[0] == "init:init");
    auto fresh = objects(pod("w", "worker", "{phase: Running, containerStatuses: [{name: main, restartCount: 0, state: {running: {}}}]}"));
    CHECK(failing_containers(fresh[0]).empty());
}

TEST_CASE("image pull and config errors wait for the grace period, then decide") {
    StuckClock clock;
    auto snapshot = objects(k_deploy_waiting + "---\n" + k_worker_waiting + "---\n" +
                            pod("api-1", "api", "{phase: Pending, containerStatuses: [{name: main, state: {waiting: {reason: ImagePullBackOff}}}]}"));
    CHECK_FALSE(evaluate(snapshot, k_expected, clock, 100.0, 30).failed);
    CHECK_FALSE(evaluate(snapshot, k_expected, clock, 129.9, 30).failed);
    auto late = evaluate(snapshot, k_expected, clock, 130.0, 30);
    CHECK(late.failed);
    CHECK(late.decisive[0].container.reason == "ImagePullBackOff");
    // A signal that went away starts over when it comes back.
    evaluate(objects(k_deploy_waiting + "---\n" + k_worker_waiting), k_expected, clock, 131, 30);
    CHECK_FALSE(evaluate(snapshot, k_expected, clock, 132, 30).failed);
}

TEST_CASE("with a decisive cause, waiting config errors are reported as its consequences, cause first") {
    const auto crash = pod("worker-1", "worker",
                           "{phase: Pending, initContainerStatuses: [{name: init, restartCount: 1, state: {terminated: {exitCode: 1}}, "
                           "lastState: {terminated: {exitCode: 1}}}]}");
    const auto config_error = pod("api-1", "api",
                                  "{phase: Pending, containerStatuses: [{name: main, state: {waiting: {reason: CreateContainerConfigError, "
                                  "message: 'secret \"t\" not found'}}}]}");
    StuckClock clock;
    CHECK_FALSE(evaluate(objects(k_deploy_waiting + "---\n" + k_worker_waiting + "---\n" + crash), k_expected, clock, 0, 60).failed);
    // The config error is new (within its grace) but counts with the cause.
    auto st = evaluate(objects(k_deploy_waiting + "---\n" + k_worker_waiting + "---\n" + config_error + "---\n" + crash), k_expected, clock, 60, 60);
    CHECK(st.failed);
    REQUIRE(st.decisive.size() == 2);
    CHECK(st.decisive[0].workload.text() == "Deployment/worker");
    CHECK(st.decisive[0].container.init);
    CHECK(st.decisive[1].container.reason == "CreateContainerConfigError");
    CHECK(st.decisive[1].since_s == 0);
}

TEST_CASE("a config error alone, inside the grace period, is not yet a failure (the Secret may still come)") {
    StuckClock clock;
    auto st = evaluate(objects(k_deploy_waiting + "---\n" + k_worker_waiting + "---\n" +
                               pod("api-1", "api",
                                   "{phase: Pending, containerStatuses: [{name: main, state: {waiting: {reason: CreateContainerConfigError}}}]}")),
                       k_expected, clock, 5, 60);
    CHECK_FALSE(st.failed);
    CHECK(st.stuck.size() == 1);
}

TEST_CASE("pods nobody expected are named as pods") {
    StuckClock clock;
    auto st = evaluate(objects(k_deploy_waiting + "---\n" +
                               pod("stray", "other", "{phase: Running, containerStatuses: [{name: main, state: {waiting: {reason: CrashLoopBackOff}}}]}")),
                       k_expected, clock, 5, 60);
    REQUIRE(st.stuck.size() == 1);
    CHECK(st.stuck[0].workload.text() == "Pod/stray");
}

TEST_CASE("pods are attributed by matchExpressions too (one selector implementation with the analysis)") {
    const std::string exprs =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: worker, generation: 1}\n"
        "spec: {replicas: 1, selector: {matchExpressions: [{key: app, operator: In, values: [worker, worker-v2]}]}}\n"
        "status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0}\n";
    const std::string crash = "{phase: Running, containerStatuses: [{name: main, restartCount: 2, state: {waiting: {reason: CrashLoopBackOff}}}]}";
    StuckClock clock;
    auto st = evaluate(objects(k_deploy_waiting + "---\n" + exprs + "---\n" + pod("worker-v2-x", "worker-v2", crash)), k_expected, clock, 5, 60);
    REQUIRE(st.stuck.size() == 1);
    CHECK(st.stuck[0].workload.text() == "Deployment/worker");
    // NotIn selects pods without the value; a selector the API server refuses selects nothing.
    const std::string refused =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: worker, generation: 1}\n"
        "spec: {replicas: 1, selector: {matchExpressions: [{key: app, operator: Near, values: [worker]}]}}\n"
        "status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0}\n";
    StuckClock clock2;
    auto bad = evaluate(objects(k_deploy_waiting + "---\n" + refused + "---\n" + pod("worker-x", "worker", crash)), k_expected, clock2, 5, 60);
    REQUIRE(bad.stuck.size() == 1);
    CHECK(bad.stuck[0].workload.text() == "Pod/worker-x");
}

TEST_CASE("a StatefulSet pod left on an old revision and not Ready is stale; Ready, current or unobserved ones are not") {
    auto sts = [](const std::string& observed) {
        return "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: ctrl, generation: 3}\n"
               "spec: {replicas: 1, selector: {matchLabels: {app: ctrl}}}\n"
               "status: {observedGeneration: " + observed + ", replicas: 1, currentRevision: ctrl-old, updateRevision: ctrl-good}\n";
    };
    auto pod_at = [](const std::string& rev, const std::string& ready) {
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: ctrl-0, labels: {app: ctrl, controller-revision-hash: " + rev +
               "}}\nspec: {containers: [{name: main}]}\nstatus: {phase: Pending, conditions: [{type: Ready, status: '" + ready + "'}]}\n";
    };
    const std::vector<Expected> expected{{"StatefulSet", "", "ctrl"}};
    StuckClock clock;
    auto st = evaluate(objects(sts("3") + "---\n" + pod_at("ctrl-bad", "False")), expected, clock, 10, 60);
    REQUIRE(st.stale.size() == 1);
    CHECK(st.stale[0].workload.text() == "StatefulSet/ctrl");
    CHECK(st.stale[0].pod == "ctrl-0");
    CHECK(st.stale[0].revision == "ctrl-bad");
    CHECK(st.stale[0].update_revision == "ctrl-good");
    CHECK(evaluate(objects(sts("3") + "---\n" + pod_at("ctrl-bad", "False")), expected, clock, 17, 60).stale[0].since_s == 7);
    CHECK(evaluate(objects(sts("3") + "---\n" + pod_at("ctrl-bad", "True")), expected, clock, 20, 60).stale.empty());   // Ready: the rollout replaces it
    CHECK(evaluate(objects(sts("3") + "---\n" + pod_at("ctrl-good", "False")), expected, clock, 20, 60).stale.empty());  // on the wanted revision
    CHECK(evaluate(objects(sts("2") + "---\n" + pod_at("ctrl-bad", "False")), expected, clock, 20, 60).stale.empty());   // spec not yet observed
}

TEST_CASE("a missing Secret past its grace waits while a crash that may explain it is still inside its own") {
    const auto config_error = pod("api-1", "api",
                                  "{phase: Pending, containerStatuses: [{name: main, state: {waiting: {reason: CreateContainerConfigError, "
                                  "message: 'secret \"t\" not found'}}}]}");
    const auto crash = pod("worker-1", "worker",
                           "{phase: Pending, initContainerStatuses: [{name: init, restartCount: 1, state: {waiting: {reason: CrashLoopBackOff}}, "
                           "lastState: {terminated: {exitCode: 1}}}]}");
    const auto ws = k_deploy_waiting + "---\n" + k_worker_waiting + "---\n";
    StuckClock clock;
    CHECK_FALSE(evaluate(objects(ws + config_error), k_expected, clock, 0, 60).failed);
    CHECK_FALSE(evaluate(objects(ws + config_error + "---\n" + crash), k_expected, clock, 10, 60).failed);
    // 65 s of the config error, 55 s of the crash: not yet; the crash's grace decides, and leads.
    CHECK_FALSE(evaluate(objects(ws + config_error + "---\n" + crash), k_expected, clock, 65, 60).failed);
    auto st = evaluate(objects(ws + config_error + "---\n" + crash), k_expected, clock, 70, 60);
    CHECK(st.failed);
    REQUIRE_FALSE(st.decisive.empty());
    CHECK(st.decisive[0].container.init);
    CHECK(st.decisive[0].container.reason == "CrashLoopBackOff");
    // Without any crash, the config error decides on its own grace.
    StuckClock alone;
    evaluate(objects(ws + config_error), k_expected, alone, 0, 60);
    CHECK(evaluate(objects(ws + config_error), k_expected, alone, 60, 60).failed);
}

TEST_CASE("healthy counts only once it has held, with no container of the expected workloads stuck or restarting") {
    const std::vector<Expected> api{{"Deployment", "", "api"}};
    auto running = [](int restarts) {
        return pod("api-1", "api", "{phase: Running, containerStatuses: [{name: main, ready: true, restartCount: " + std::to_string(restarts) +
                                       ", state: {running: {}}}]}");
    };
    StuckClock clock;
    HealthySettle settle;
    // A crashing container is Running (and Ready) for an instant: Healthy, not yet believed.
    auto st = evaluate(objects(k_deploy_ready + "---\n" + running(0)), api, clock, 0, 60);
    REQUIRE(st.healthy);
    CHECK_FALSE(settle.settled(st, 0, 5));
    CHECK_FALSE(settle.settled(st, 4.9, 5));
    // It crashed and was restarted in between: the clock starts again.
    auto restarted = evaluate(objects(k_deploy_ready + "---\n" + running(1)), api, clock, 5, 60);
    CHECK(restarted.restarts == 1);
    CHECK_FALSE(settle.settled(restarted, 5, 5));    // the restart is seen: not calm
    CHECK_FALSE(settle.settled(restarted, 5.1, 5));  // calm again from here
    CHECK_FALSE(settle.settled(restarted, 10, 5));
    CHECK(settle.settled(restarted, 10.2, 5));
    // A stuck container of an expected workload while the Deployment still says available.
    HealthySettle other;
    auto crashing = evaluate(objects(k_deploy_ready + "---\n" +
                                     pod("api-1", "api", "{phase: Running, containerStatuses: [{name: main, restartCount: 1, "
                                                         "state: {waiting: {reason: CrashLoopBackOff}}, lastState: {terminated: {exitCode: 2}}}]}")),
                             api, clock, 20, 60);
    CHECK(crashing.expected_stuck);
    CHECK_FALSE(other.settled(crashing, 20, 0));
    CHECK_FALSE(other.settled(crashing, 100, 0));
    // A stray pod (no expected workload selects it) does not hold the install back.
    HealthySettle stray;
    auto with_stray = evaluate(objects(k_deploy_ready + "---\n" + running(0) + "---\n" +
                                       pod("x-1", "other", "{phase: Running, containerStatuses: [{name: main, restartCount: 3, "
                                                           "state: {waiting: {reason: CrashLoopBackOff}}}]}")),
                               api, clock, 30, 60);
    CHECK_FALSE(with_stray.expected_stuck);
    CHECK(stray.settled(with_stray, 30, 0));
    // Not Healthy: never settled, whatever the time.
    HealthySettle waiting;
    auto not_yet = evaluate(objects(k_deploy_waiting), api, clock, 40, 60);
    CHECK_FALSE(waiting.settled(not_yet, 40, 0));
}

TEST_CASE("a container that restarted once and now runs (dex waiting for argocd-server) does not hold Healthy back") {
    const std::vector<Expected> api{{"Deployment", "", "api"}};
    StuckClock clock;
    HealthySettle settle;
    auto healed = pod("api-1", "api", "{phase: Running, containerStatuses: [{name: main, ready: true, restartCount: 2, "
                                      "state: {running: {}}, lastState: {terminated: {exitCode: 1}}}]}");
    auto st = evaluate(objects(k_deploy_ready + "---\n" + healed), api, clock, 0, 60);
    CHECK_FALSE(st.expected_stuck);
    CHECK_FALSE(settle.settled(st, 0, 5));
    CHECK(settle.settled(st, 5, 5));
}
