// Health of live (or rendered) Kubernetes objects, following Argo CD's own rules per kind.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "preflight/model/value.hpp"

namespace preflight::health {

enum class Status { healthy, progressing, degraded, suspended, missing, unknown };
// "Healthy", "Progressing", ... as Argo CD spells them.
const char* to_string(Status s);

struct Health {
    Status status = Status::unknown;
    std::string message;
};

// The health of `object` (a whole object: apiVersion, kind, metadata, spec, status), or nullopt
// when its kind has no health rule (Argo CD then ignores it for the application's health).
// Rules: Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, Job, PersistentVolumeClaim,
// Service (LoadBalancer), Ingress, HorizontalPodAutoscaler, APIService, argoproj.io Application.
std::optional<Health> assess(const model::Value& object);

// A container of a pod that cannot make progress on its own: the signal `run` decides on
// before any deadline.
struct StuckContainer {
    std::string container;
    bool init = false;
    std::string reason;   // CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError, ...
    std::string message;  // the kubelet's message (e.g. secret "x" not found)
    int restarts = 0;
    int exit_code = 0;    // of the last termination, when there was one
};

// Containers of `pod` that are stuck: a waiting reason that ends in BackOff or Error or starts
// with Err (Argo CD's Degraded rule, applied to init containers too), or a container that has
// terminated with the same non-zero exit code at least `min_repeats` times in a row (current and
// last termination). Whether an image pull error has persisted long enough is the caller's call.
std::vector<StuckContainer> stuck_containers(const model::Value& pod, int min_repeats = 2);

// Containers of `pod` that have failed: restarted, or terminated non-zero (an init container
// that has since completed is not counted). Readiness is not asked: a container without a
// readiness probe reads ready between crashes. Init containers are named "init:<name>" so they
// never collide with a regular container of the same name.
std::vector<std::string> failing_containers(const model::Value& pod);

}  // namespace preflight::health
