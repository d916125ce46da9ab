// Health rules kind by kind: each case is an object snapshot as the API server prints it.
#include <doctest/doctest.h>

#include "preflight/health/health.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/util/files.hpp"

#include <iostream>
#include <map>

using preflight::health::Status;

namespace {

preflight::model::Value obj(const std::string& yaml) {
    auto docs = preflight::model::parse_documents("snapshot.yaml", yaml);
    REQUIRE_MESSAGE(docs.has_value(), (docs ? "" : docs.error().message));
    REQUIRE(docs->size() == 1);
    return (*docs)[0];
}

preflight::health::Health health_of(const std::string& yaml) {
    auto h = preflight::health::assess(obj(yaml));
    REQUIRE(h.has_value());
    return *h;
}

std::string deployment(const std::string& spec, const std::string& status, int generation = 2) {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, generation: " + std::to_string(generation) +
           "}\nspec: " + spec + "\nstatus: " + status + "\n";
}

}  // namespace

TEST_CASE("Deployment: paused, generation, progress deadline, replicas") {
    CHECK(health_of(deployment("{replicas: 1, paused: true}", "{observedGeneration: 2, updatedReplicas: 1, replicas: 1, availableReplicas: 1}"))
              .status == Status::suspended);
    auto old_gen = health_of(deployment("{replicas: 1}", "{observedGeneration: 1, updatedReplicas: 1, replicas: 1, availableReplicas: 1}"));
    CHECK(old_gen.status == Status::progressing);
    CHECK(old_gen.message.find("generation") != std::string::npos);
    auto deadline = health_of(deployment("{replicas: 2}",
                                         "{observedGeneration: 2, conditions: [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded}]}"));
    CHECK(deadline.status == Status::degraded);
    CHECK(deadline.message == "Deployment \"web\" exceeded its progress deadline");
    auto updating = health_of(deployment("{replicas: 3}", "{observedGeneration: 2, updatedReplicas: 1, replicas: 3, availableReplicas: 3}"));
    CHECK(updating.status == Status::progressing);
    CHECK(updating.message == "Waiting for rollout to finish: 1 out of 3 new replicas have been updated...");
    auto old_pending = health_of(deployment("{replicas: 2}", "{observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 2}"));
    CHECK(old_pending.message == "Waiting for rollout to finish: 1 old replicas are pending termination...");
    auto unavailable = health_of(deployment("{replicas: 2}", "{observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1}"));
    CHECK(unavailable.message == "Waiting for rollout to finish: 1 of 2 updated replicas are available...");
    CHECK(health_of(deployment("{replicas: 2}", "{observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2}")).status ==
          Status::healthy);
    CHECK(health_of(deployment("{replicas: 0}", "{observedGeneration: 2}")).status == Status::healthy);
    // Rendered, never applied: no observedGeneration.
    CHECK(health_of(deployment("{replicas: 1}", "{}")).status == Status::progressing);
    // gitops-engine compares only what is set: no spec.replicas (never so on a live object) skips
    // the updated-replicas check instead of assuming 1.
    CHECK(health_of(deployment("{}", "{observedGeneration: 2}")).status == Status::healthy);
}

TEST_CASE("StatefulSet: observed generation, readiness, partitions, OnDelete, revisions") {
    auto sts = [](const std::string& spec, const std::string& status) {
        return "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, generation: 1}\nspec: " + spec + "\nstatus: " + status + "\n";
    };
    CHECK(health_of(sts("{replicas: 1}", "{observedGeneration: 0}")).status == Status::progressing);
    auto not_ready = health_of(sts("{replicas: 3}", "{observedGeneration: 1, readyReplicas: 1}"));
    CHECK(not_ready.message == "Waiting for 2 pods to be ready...");
    auto partitioned = sts("{replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}",
                           "{observedGeneration: 1, readyReplicas: 4, updatedReplicas: 1}");
    CHECK(health_of(partitioned).status == Status::progressing);
    CHECK(health_of(partitioned).message == "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...");
    auto partition_done = sts("{replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}",
                              "{observedGeneration: 1, readyReplicas: 4, updatedReplicas: 2}");
    CHECK(health_of(partition_done).status == Status::healthy);
    auto on_delete = sts("{replicas: 1, updateStrategy: {type: OnDelete}}",
                         "{observedGeneration: 1, readyReplicas: 1, currentRevision: a, updateRevision: b}");
    CHECK(health_of(on_delete).status == Status::healthy);
    CHECK(health_of(on_delete).message == "statefulset has 1 ready pods (0 updated)");
    // As the API server stores it (rollingUpdate defaulted to partition 0), Argo CD judges by
    // updated replicas only: revisions that differ do not keep it Progressing.
    auto defaulted = sts("{replicas: 2, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}}",
                         "{observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2, currentRevision: a, updateRevision: b}");
    CHECK(health_of(defaulted).status == Status::healthy);
    CHECK(health_of(defaulted).message == "partitioned roll out complete: 2 new pods have been updated...");
    auto defaulted_rolling = sts("{replicas: 2, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}}",
                                 "{observedGeneration: 1, readyReplicas: 2, updatedReplicas: 1, currentRevision: a, updateRevision: b}");
    CHECK(health_of(defaulted_rolling).status == Status::progressing);
    // Without a rollingUpdate block (as written in a manifest), the revisions decide.
    auto rolling = sts("{replicas: 1}", "{observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1, currentRevision: a, updateRevision: b}");
    CHECK(health_of(rolling).status == Status::progressing);
    auto done = sts("{replicas: 1}", "{observedGeneration: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: b, updateRevision: b}");
    CHECK(health_of(done).status == Status::healthy);
}

TEST_CASE("DaemonSet and ReplicaSet") {
    auto ds = [](const std::string& spec, const std::string& status) {
        return "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, generation: 1}\nspec: " + spec + "\nstatus: " + status + "\n";
    };
    CHECK(health_of(ds("{}", "{observedGeneration: 0}")).status == Status::progressing);
    CHECK(health_of(ds("{}", "{observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 2}")).message ==
          "Waiting for daemon set \"agent\" rollout to finish: 2 out of 3 new pods have been updated...");
    CHECK(health_of(ds("{}", "{observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2}")).status ==
          Status::progressing);
    CHECK(health_of(ds("{updateStrategy: {type: OnDelete}}", "{observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 1}"))
              .status == Status::healthy);
    CHECK(health_of(ds("{}", "{observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3}")).status ==
          Status::healthy);

    auto rs = [](const std::string& status) {
        return "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web-1, generation: 1}\nspec: {replicas: 2}\nstatus: " + status + "\n";
    };
    auto failure = health_of(rs("{observedGeneration: 1, conditions: [{type: ReplicaFailure, status: 'True', message: quota exceeded}]}"));
    CHECK(failure.status == Status::degraded);
    CHECK(failure.message == "quota exceeded");
    CHECK(health_of(rs("{observedGeneration: 1, availableReplicas: 1}")).status == Status::progressing);
    CHECK(health_of(rs("{observedGeneration: 1, availableReplicas: 2}")).status == Status::healthy);
    CHECK(health_of(rs("{observedGeneration: 0, availableReplicas: 2}")).status == Status::progressing);
    // Generation and observedGeneration both absent count as 0 = 0: the status decides.
    CHECK(health_of("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec: {replicas: 1}\nstatus: {availableReplicas: 1}\n").status ==
          Status::healthy);
    CHECK(health_of("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec: {}\nstatus: {desiredNumberScheduled: 1, "
                    "updatedNumberScheduled: 1, numberAvailable: 1}\n").status == Status::healthy);
}

namespace {
std::string pod(const std::string& status, const std::string& restart = "Always") {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {restartPolicy: " + restart + ", containers: [{name: main, image: x}]}\nstatus: " +
           status + "\n";
}
}  // namespace

TEST_CASE("Pod: waiting reasons that cannot recover are Degraded, init containers included") {
    for (const char* reason : {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "InvalidImageName"}) {
        CAPTURE(reason);
        auto h = health_of(pod(std::string("{phase: Pending, containerStatuses: [{name: main, state: {waiting: {reason: ") + reason +
                               ", message: boom}}}]}"));
        if (std::string(reason) == "InvalidImageName") {
            CHECK(h.status == Status::progressing);  // not an Err*/…Error/…BackOff reason
        } else {
            CHECK(h.status == Status::degraded);
            CHECK(h.message == std::string("container main: ") + reason + ": boom");
        }
    }
    CHECK(health_of(pod("{phase: Pending, containerStatuses: [{name: main, state: {waiting: {reason: ContainerCreating}}}]}")).status ==
          Status::progressing);
    // Hook-style pods (restartPolicy Never) are not failed early on a regular container.
    CHECK(health_of(pod("{phase: Pending, containerStatuses: [{name: main, state: {waiting: {reason: ImagePullBackOff}}}]}", "Never"))
              .status == Status::progressing);
    // The v2.11.1 shape: Pending, init container in CrashLoopBackOff.
    auto init = health_of(pod(
        "{phase: Pending, initContainerStatuses: [{name: secret-init, restartCount: 3, state: {waiting: {reason: CrashLoopBackOff, "
        "message: back-off 40s restarting failed container}}, lastState: {terminated: {exitCode: 1, reason: Error}}}]}"));
    CHECK(init.status == Status::degraded);
    CHECK(init.message.starts_with("init container secret-init: CrashLoopBackOff"));
}

TEST_CASE("Pod: phases, readiness, restarts, OOMKilled, scheduling") {
    CHECK(health_of(pod("{phase: Succeeded}")).status == Status::healthy);
    auto oom = health_of(pod("{phase: Failed, containerStatuses: [{name: main, state: {terminated: {exitCode: 137, reason: OOMKilled}}}]}"));
    CHECK(oom.status == Status::degraded);
    CHECK(oom.message == "OOMKilled");  // Argo CD's words (gitops-engine health_pod.go getFailMessage)
    // The first terminated container, init containers first: its message, else its exit code.
    CHECK(health_of(pod("{phase: Failed, initContainerStatuses: [{name: setup, state: {terminated: {exitCode: 2}}}], "
                        "containerStatuses: [{name: main, state: {terminated: {exitCode: 1, message: late}}}]}"))
              .message == "container \"setup\" failed with exit code 2");
    CHECK(health_of(pod("{phase: Failed, containerStatuses: [{name: main, state: {terminated: {exitCode: 1, message: disk full}}}]}")).message ==
          "disk full");
    CHECK(health_of(pod("{phase: Failed, containerStatuses: [{name: main, state: {terminated: {exitCode: 0}}}]}")).message.empty());
    CHECK(health_of(pod("{phase: Failed, message: evicted}")).message == "evicted");
    CHECK(health_of(pod("{phase: Running, conditions: [{type: Ready, status: 'True'}]}")).status == Status::healthy);
    CHECK(health_of(pod("{phase: Running, conditions: [{type: Ready, status: 'False'}]}")).status == Status::progressing);
    auto restarted = health_of(pod("{phase: Running, conditions: [{type: Ready, status: 'False'}], containerStatuses: [{name: main, "
                                   "restartCount: 1, state: {running: {}}, lastState: {terminated: {exitCode: 137, reason: OOMKilled}}}]}"));
    CHECK(restarted.status == Status::degraded);
    CHECK(restarted.message == "container main restarted (OOMKilled)");
    CHECK(health_of(pod("{phase: Running}", "OnFailure")).status == Status::progressing);
    // argocd.argoproj.io/ignore-restart-policy: a Never/OnFailure pod judged as an Always one.
    auto annotated = [](const std::string& status) {
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {argocd.argoproj.io/ignore-restart-policy: 'true'}}\n"
               "spec: {restartPolicy: Never, containers: [{name: main, image: x}]}\nstatus: " + status + "\n";
    };
    CHECK(health_of(annotated("{phase: Running, conditions: [{type: Ready, status: 'True'}]}")).status == Status::healthy);
    CHECK(health_of(annotated("{phase: Running, conditions: [{type: Ready, status: 'False'}]}")).status == Status::progressing);
    CHECK(health_of(pod("{phase: Running, conditions: [{type: Ready, status: 'True'}]}", "Never")).status == Status::progressing);
    auto unscheduled = health_of(pod(
        "{phase: Pending, conditions: [{type: PodScheduled, status: 'False', reason: Unschedulable, message: 0/1 nodes are available}]}"));
    CHECK(unscheduled.status == Status::progressing);
    CHECK(unscheduled.message == "not scheduled: Unschedulable: 0/1 nodes are available");
    CHECK(health_of(pod("{phase: Weird}")).status == Status::unknown);
}

TEST_CASE("Job, PVC, Service, Ingress, HPA, APIService, Application") {
    auto job = [](const std::string& spec, const std::string& status) {
        return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: " + spec + "\nstatus: " + status + "\n";
    };
    // As gitops-engine's health_job.go.
    auto failed = health_of(job("{}", "{conditions: [{type: Complete, status: 'True', message: done}, "
                                      "{type: Failed, status: 'True', message: Job has reached the specified backoff limit}]}"));
    CHECK(failed.status == Status::degraded);
    CHECK(failed.message == "Job has reached the specified backoff limit");
    auto done = health_of(job("{}", "{conditions: [{type: Complete, status: 'True', message: all done}]}"));
    CHECK(done.status == Status::healthy);
    CHECK(done.message == "all done");
    auto suspended = health_of(job("{suspend: true}", "{conditions: [{type: Suspended, status: 'True', message: Job suspended}]}"));
    CHECK(suspended.status == Status::suspended);
    CHECK(suspended.message == "Job suspended");
    // Resumed (Suspended False) ends progress as Argo CD reads it; spec.suspend alone does not.
    CHECK(health_of(job("{}", "{conditions: [{type: Suspended, status: 'False'}]}")).status == Status::healthy);
    CHECK(health_of(job("{suspend: true}", "{}")).status == Status::progressing);
    CHECK(health_of(job("{}", "{active: 1}")).status == Status::progressing);

    auto pvc = [](const std::string& phase) { return "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nstatus: {phase: " + phase + "}\n"; };
    CHECK(health_of(pvc("Bound")).status == Status::healthy);
    CHECK(health_of(pvc("Pending")).status == Status::progressing);
    CHECK(health_of(pvc("Lost")).status == Status::degraded);
    // No phase yet (or one gitops-engine does not list): Unknown, as Argo CD says.
    CHECK(health_of("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nspec: {}\n").status == Status::unknown);

    CHECK(health_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ClusterIP}\n").status == Status::healthy);
    CHECK(health_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer}\n").status == Status::progressing);
    CHECK(health_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer}\nstatus: {loadBalancer: {ingress: [{ip: 1.2.3.4}]}}\n")
              .status == Status::healthy);
    CHECK(health_of("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\n").status == Status::progressing);
    CHECK(health_of("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nstatus: {loadBalancer: {ingress: [{hostname: a}]}}\n")
              .status == Status::healthy);

    auto hpa = [](const std::string& conditions) {
        return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nstatus: {conditions: " + conditions + "}\n";
    };
    CHECK(health_of(hpa("[]")).status == Status::progressing);
    CHECK(health_of(hpa("[{type: AbleToScale, status: 'False', reason: FailedGetScale, message: no scale}]")).status == Status::degraded);
    CHECK(health_of(hpa("[{type: ScalingActive, status: 'False', reason: FailedGetResourceMetric, message: m}]")).status == Status::degraded);
    // As Argo CD (gitops-engine health_hpa.go): the first condition with a listed (type, reason)
    // decides, in order, whatever its status. A working HPA as the controller writes it:
    auto working = health_of(hpa("[{type: AbleToScale, status: 'True', reason: ReadyForNewScale, message: ready},"
                                 " {type: ScalingActive, status: 'True', reason: ValidMetricFound, message: valid},"
                                 " {type: ScalingLimited, status: 'False', reason: DesiredWithinRange, message: within range}]"));
    CHECK(working.status == Status::healthy);
    CHECK(working.message == "within range");
    // Too few replicas is still Healthy; metrics found but nothing listed yet is Progressing.
    CHECK(health_of(hpa("[{type: ScalingLimited, status: 'True', reason: TooFewReplicas, message: few}]")).status == Status::healthy);
    CHECK(health_of(hpa("[{type: AbleToScale, status: 'True', reason: SucceededGetScale}, {type: ScalingActive, status: 'True', reason: ValidMetricFound}]"))
              .message == "Waiting to Autoscale");
    CHECK(health_of(hpa("[{type: AbleToScale, status: 'True', reason: SucceededRescale, message: r}]")).status == Status::healthy);
    CHECK(health_of(hpa("[{type: AbleToScale, status: 'False', reason: FailedUpdateScale, message: u}]")).status == Status::degraded);
    CHECK(health_of(hpa("[{type: ScalingActive, status: 'False', reason: InvalidSelector, message: s}]")).status == Status::degraded);
    // Order decides: a healthy condition before a degraded one wins.
    CHECK(health_of(hpa("[{type: ScalingLimited, status: 'False', reason: DesiredWithinRange, message: ok},"
                        " {type: AbleToScale, status: 'False', reason: FailedGetScale, message: bad}]")).status == Status::healthy);
    // autoscaling/v1: the conditions are a JSON string in an annotation.
    auto v1 = [](const std::string& annotation) {
        return "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\n  annotations:\n"
               "    autoscaling.alpha.kubernetes.io/conditions: '" + annotation + "'\n";
    };
    CHECK(health_of("apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n").message == "Waiting to Autoscale");
    CHECK(health_of(v1(R"([{"type":"ScalingActive","status":"False","reason":"FailedGetResourceMetric","message":"no metrics"}])")).message ==
          "no metrics");
    CHECK(health_of(v1(R"([{"type":"ScalingLimited","status":"True","reason":"TooManyReplicas","message":"capped"}])")).status ==
          Status::healthy);
    CHECK(health_of(v1("[]")).status == Status::progressing);
    CHECK(health_of(v1("not json")).status == Status::unknown);

    auto api = [](const std::string& status) {
        return "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1.x}\nstatus: " + status + "\n";
    };
    CHECK(health_of(api("{}")).status == Status::progressing);
    // As the aggregator writes it when metrics-server has no ready pod; Argo CD's message is
    // "reason: message".
    auto missing = health_of(api("{conditions: [{lastTransitionTime: '2026-12-03T02:00:00Z', type: Available, status: 'False', "
                                 "reason: MissingEndpoints, message: 'endpoints for service/metrics-server in \"kube-system\" have no "
                                 "addresses with port name \"https\"'}]}"));
    CHECK(missing.status == Status::progressing);
    CHECK(missing.message == "MissingEndpoints: endpoints for service/metrics-server in \"kube-system\" have no addresses with port name \"https\"");
    auto passed = health_of(api("{conditions: [{type: Available, status: 'True', reason: Passed, message: all checks passed}]}"));
    CHECK(passed.status == Status::healthy);
    CHECK(passed.message == "Passed: all checks passed");

    auto app = health_of("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: guestbook}\n"
                         "status: {health: {status: Degraded, message: pod failed}, sync: {status: OutOfSync}}\n");
    CHECK(app.status == Status::degraded);
    CHECK(app.message == "pod failed (sync: OutOfSync)");
    CHECK(health_of("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nstatus: {health: {status: Healthy}}\n").status ==
          Status::healthy);
}

TEST_CASE("Argo Workflow: by phase, with its message (gitops-engine health_argo.go)") {
    auto wf = [](const std::string& status) {
        return "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: hello-world-x7k2p, namespace: argo}\nspec: {entrypoint: main}\n"
               "status: " + status + "\n";
    };
    CHECK(health_of(wf("{}")).status == Status::progressing);
    CHECK(health_of(wf("{phase: Pending}")).status == Status::progressing);
    CHECK(health_of(wf("{phase: Running, startedAt: '2026-12-03T02:00:00Z', progress: 0/1}")).status == Status::progressing);
    auto ok = health_of(wf("{phase: Succeeded, progress: 1/1, finishedAt: '2026-12-03T02:01:00Z'}"));
    CHECK(ok.status == Status::healthy);
    CHECK(ok.message.empty());
    auto failed = health_of(wf("{phase: Failed, message: 'child \"hello-world-x7k2p\" failed', progress: 0/1}"));
    CHECK(failed.status == Status::degraded);
    CHECK(failed.message == "child \"hello-world-x7k2p\" failed");
    CHECK(health_of(wf("{phase: Error, message: pod deleted}")).status == Status::degraded);
    CHECK(health_of(wf("{phase: Omitted}")).status == Status::unknown);
}

TEST_CASE("an object being deleted is Progressing, whatever its kind (gitops-engine GetResourceHealth)") {
    auto terminating = [](const std::string& head) {
        return head + "  deletionTimestamp: '2026-12-03T02:00:00Z'\n  deletionGracePeriodSeconds: 30\n  finalizers: [kubernetes.io/pvc-protection]\n";
    };
    auto pvc = health_of(terminating("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n") + "status: {phase: Bound}\n");
    CHECK(pvc.status == Status::progressing);
    CHECK(pvc.message == "Pending deletion");
    // Even a kind with no rule of its own.
    auto cm = preflight::health::assess(obj(terminating("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")));
    REQUIRE(cm.has_value());
    CHECK(cm->status == Status::progressing);
}

TEST_CASE("kinds without a rule have no health, and the group must match") {
    // gitops-engine reads only Ingress in the old extensions group.
    CHECK_FALSE(preflight::health::assess(obj("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\n")).has_value());
    CHECK_FALSE(preflight::health::assess(obj("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")).has_value());
    // A CRD that happens to be called Application in another group is not Argo CD's.
    CHECK_FALSE(preflight::health::assess(obj("apiVersion: app.k8s.io/v1beta1\nkind: Application\nmetadata: {name: c}\n")).has_value());
    CHECK(preflight::health::assess(obj("apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\n")).has_value());
}

TEST_CASE("stuck containers: back-off reasons, and the same failure twice") {
    using preflight::health::stuck_containers;
    auto crash = stuck_containers(obj(pod("{phase: Pending, initContainerStatuses: [{name: init, restartCount: 2, state: {waiting: "
                                          "{reason: CrashLoopBackOff}}, lastState: {terminated: {exitCode: 1}}}]}")));
    REQUIRE(crash.size() == 1);
    CHECK(crash[0].init);
    CHECK(crash[0].reason == "CrashLoopBackOff");
    CHECK(crash[0].exit_code == 1);
    // Failed once, restarted, failed again with the same code: stuck before any back-off shows.
    auto twice = stuck_containers(obj(pod("{phase: Pending, initContainerStatuses: [{name: init, restartCount: 1, state: {terminated: "
                                          "{exitCode: 1, reason: Error}}, lastState: {terminated: {exitCode: 1, reason: Error}}}]}")));
    REQUIRE(twice.size() == 1);
    CHECK(twice[0].reason == "Error");
    // Once is not yet a pattern; a different code is a different failure.
    CHECK(stuck_containers(obj(pod("{phase: Pending, initContainerStatuses: [{name: init, restartCount: 0, state: {terminated: "
                                   "{exitCode: 1}}}]}")))
              .empty());
    CHECK(stuck_containers(obj(pod("{phase: Pending, initContainerStatuses: [{name: init, restartCount: 1, state: {terminated: "
                                   "{exitCode: 2}}, lastState: {terminated: {exitCode: 1}}}]}")))
              .empty());
    CHECK(stuck_containers(obj(pod("{phase: Running, containerStatuses: [{name: main, state: {running: {}}}]}"))).empty());
    auto config = stuck_containers(obj(pod("{phase: Pending, containerStatuses: [{name: main, state: {waiting: {reason: "
                                           "CreateContainerConfigError, message: 'secret \"redis\" not found'}}}]}")));
    REQUIRE(config.size() == 1);
    CHECK_FALSE(config[0].init);
    CHECK(config[0].message == "secret \"redis\" not found");
}

// Recorded with `kubectl get pods -o json` from the simulated cluster running the v2.11.1 scenario
// (its kubelet writes the status shapes a real kubelet does); trimmed to status.
TEST_CASE("the v2.11.1 pods as they looked when stuck (kubectl get pods -o json)") {
    auto sources = preflight::read_sources({std::string(PREFLIGHT_FIXTURES) + "/health/v2.11.1-stuck-pods.json"}, std::cin);
    REQUIRE(sources.has_value());
    auto parsed = preflight::model::load_manifests(*sources);
    REQUIRE(parsed.has_value());
    std::map<std::string, preflight::health::Health> by_prefix;
    for (const auto& o : parsed->objects) {
        auto h = preflight::health::assess(o.body);
        REQUIRE(h);
        by_prefix[o.name.substr(0, o.name.find('-', 7))] = *h;
    }
    // Redis: its init container crash-loops (Argo CD itself would say Progressing).
    CHECK(by_prefix["argocd-redis"].status == Status::degraded);
    CHECK(by_prefix["argocd-redis"].message.starts_with("init container secret-init: CrashLoopBackOff"));
    // Its clients: the Secret the init container never made.
    CHECK(by_prefix["argocd-server"].status == Status::degraded);
    CHECK(by_prefix["argocd-server"].message == "container argocd-server: CreateContainerConfigError: secret \"argocd-redis\" not found");
    CHECK(by_prefix["argocd-application"].status == Status::degraded);
    // Dex does not use Redis and runs.
    CHECK(by_prefix["argocd-dex"].status == Status::healthy);
}
