// Argo CD's health rules (gitops-engine pkg/health) per kind, over model::Value objects.
// One deliberate extension: a Pod whose init container waits in CrashLoopBackOff (or another
// Err*/…Error/…BackOff reason) is Degraded; Argo CD looks only at regular containers and calls
// such a pod Progressing forever, which is the failure this tool exists to catch.
#include "preflight/health/health.hpp"

#include "preflight/model/manifest.hpp"

#include <algorithm>
#include <functional>
#include <map>

namespace preflight::health {
namespace {

using model::Value;

std::int64_t num(const Value& v, std::int64_t fallback = 0) { return v.as_int().value_or(fallback); }

std::string fmt_int(std::int64_t v) { return std::to_string(v); }

// The condition of `type` in status.conditions, or nullptr.
const Value* condition(const Value& obj, std::string_view type) {
    for (const auto& c : obj.at_path({"status", "conditions"}).items)
        if (c["type"].str() == type) return &c;
    return nullptr;
}

// gitops-engine's `Generation <= Status.ObservedGeneration`, both 0 when absent.
bool generation_observed(const Value& obj) {
    return num(obj.at_path({"metadata", "generation"})) <= num(obj.at_path({"status", "observedGeneration"}));
}

Health deployment(const Value& d) {
    if (d.at_path({"spec", "paused"}).as_bool().value_or(false)) return {Status::suspended, "Deployment is paused"};
    if (!generation_observed(d))
        return {Status::progressing, "Waiting for rollout to finish: observed deployment generation less than desired generation"};
    if (const auto* c = condition(d, "Progressing"); c && (*c)["reason"].str() == "ProgressDeadlineExceeded")
        return {Status::degraded, "Deployment \"" + std::string(d.at_path({"metadata", "name"}).str()) + "\" exceeded its progress deadline"};
    const auto& st = d["status"];
    auto updated = num(st["updatedReplicas"]), replicas = num(st["replicas"]), available = num(st["availableReplicas"]);
    // The API server always sets spec.replicas; without it (a rendered manifest) the check is
    // skipped, as gitops-engine skips a nil pointer.
    auto desired_field = d.at_path({"spec", "replicas"}).as_int();
    auto desired = desired_field.value_or(0);
    if (desired_field && updated < desired)
        return {Status::progressing, "Waiting for rollout to finish: " + fmt_int(updated) + " out of " + fmt_int(desired) +
                                         " new replicas have been updated..."};
    if (replicas > updated)
        return {Status::progressing, "Waiting for rollout to finish: " + fmt_int(replicas - updated) + " old replicas are pending termination..."};
    if (available < updated)
        return {Status::progressing, "Waiting for rollout to finish: " + fmt_int(available) + " of " + fmt_int(updated) +
                                         " updated replicas are available..."};
    return {Status::healthy, ""};
}

Health stateful_set(const Value& s) {
    const auto& st = s["status"];
    auto observed = st["observedGeneration"].as_int();
    if (!observed || *observed == 0 || num(s.at_path({"metadata", "generation"})) > *observed)
        return {Status::progressing, "Waiting for statefulset spec update to be observed..."};
    auto desired = s.at_path({"spec", "replicas"}).as_int().value_or(1);
    auto ready = num(st["readyReplicas"]), updated = num(st["updatedReplicas"]);
    if (ready < desired) return {Status::progressing, "Waiting for " + fmt_int(desired - ready) + " pods to be ready..."};
    // As gitops-engine's health_statefulset.go: a RollingUpdate strategy with a rollingUpdate
    // block (the API server defaults it to {partition: 0}, so every live StatefulSet has one)
    // is judged by updated replicas against the partition, never by revisions.
    const auto& strategy = s.at_path({"spec", "updateStrategy"});
    auto type = strategy["type"].str();
    if (type == "RollingUpdate" && strategy["rollingUpdate"].is_mapping()) {
        auto partition = strategy.at_path({"rollingUpdate", "partition"}).as_int();
        if (partition && s.at_path({"spec", "replicas"}).as_int()) {
            auto want = desired - *partition;
            if (updated < want)
                return {Status::progressing, "Waiting for partitioned roll out to finish: " + fmt_int(updated) + " out of " +
                                                 fmt_int(want) + " new pods have been updated..."};
        }
        return {Status::healthy, "partitioned roll out complete: " + fmt_int(updated) + " new pods have been updated..."};
    }
    if (type == "OnDelete")
        return {Status::healthy, "statefulset has " + fmt_int(ready) + " ready pods (" + fmt_int(updated) + " updated)"};
    auto current = st["currentRevision"].str(), update = st["updateRevision"].str();
    if (current != update)
        return {Status::progressing, "waiting for statefulset rolling update to complete " + fmt_int(updated) + " pods at revision " +
                                         std::string(update) + "..."};
    return {Status::healthy, "statefulset rolling update complete " + fmt_int(num(st["currentReplicas"])) + " pods at revision " +
                                 std::string(current) + "..."};
}

Health daemon_set(const Value& d) {
    const auto& st = d["status"];
    if (!generation_observed(d))
        return {Status::progressing, "Waiting for rollout to finish: observed daemon set generation less than desired generation"};
    auto desired = num(st["desiredNumberScheduled"]), updated = num(st["updatedNumberScheduled"]), available = num(st["numberAvailable"]);
    if (d.at_path({"spec", "updateStrategy", "type"}).str() == "OnDelete")
        return {Status::healthy, "daemon set " + fmt_int(updated) + " out of " + fmt_int(desired) + " new pods have been updated"};
    std::string name(d.at_path({"metadata", "name"}).str());
    if (updated < desired)
        return {Status::progressing, "Waiting for daemon set \"" + name + "\" rollout to finish: " + fmt_int(updated) + " out of " +
                                         fmt_int(desired) + " new pods have been updated..."};
    if (available < desired)
        return {Status::progressing, "Waiting for daemon set \"" + name + "\" rollout to finish: " + fmt_int(available) + " of " +
                                         fmt_int(desired) + " updated pods are available..."};
    return {Status::healthy, ""};
}

Health replica_set(const Value& r) {
    if (!generation_observed(r))
        return {Status::progressing, "Waiting for rollout to finish: observed replica set generation less than desired generation"};
    if (const auto* c = condition(r, "ReplicaFailure"); c && (*c)["status"].str() == "True")
        return {Status::degraded, std::string((*c)["message"].str())};
    auto desired = r.at_path({"spec", "replicas"}).as_int();  // nil: not checked (gitops-engine)
    auto available = num(r.at_path({"status", "availableReplicas"}));
    if (desired && available < *desired)
        return {Status::progressing, "Waiting for rollout to finish: " + fmt_int(available) + " out of " + fmt_int(*desired) +
                                         " new replicas are available..."};
    return {Status::healthy, ""};
}

bool degrading_wait_reason(std::string_view r) {
    return r.starts_with("Err") || r.ends_with("Error") || r.ends_with("BackOff");
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const auto& p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

Health pod(const Value& p) {
    const auto& st = p["status"];
    auto restart_policy = p.at_path({"spec", "restartPolicy"}).str();
    if (restart_policy.empty()) restart_policy = "Always";
    // Waiting containers that cannot recover on their own (Argo CD: Always pods only, so that
    // hook pods are not failed early; init containers never recover by waiting either).
    std::vector<std::string> messages;
    bool degraded = false;
    auto scan = [&](const Value& statuses, bool init) {
        for (const auto& cs : statuses.items) {
            const auto& waiting = cs.at_path({"state", "waiting"});
            auto reason = waiting["reason"].str();
            if (!waiting.is_mapping() || !degrading_wait_reason(reason)) continue;
            degraded = true;
            std::string msg(waiting["message"].str());
            messages.push_back((init ? "init container " : "container ") + std::string(cs["name"].str()) + ": " + std::string(reason) +
                               (msg.empty() ? "" : ": " + msg));
        }
    };
    if (restart_policy == "Always") scan(st["containerStatuses"], false);
    scan(st["initContainerStatuses"], true);
    if (degraded) return {Status::degraded, join(messages, ", ")};

    // Argo CD's words for a failed pod without a status message: the first container (init
    // containers first) that terminated with a message, OOMKilled, or a non-zero exit code.
    auto fail_message = [&]() -> std::string {
        for (const char* key : {"initContainerStatuses", "containerStatuses"})
            for (const auto& cs : st[key].items) {
                const auto& t = cs.at_path({"state", "terminated"});
                if (!t.is_mapping()) continue;
                if (!t["message"].str().empty()) return std::string(t["message"].str());
                if (t["reason"].str() == "OOMKilled") return "OOMKilled";
                if (num(t["exitCode"]) != 0)
                    return "container \"" + std::string(cs["name"].str()) + "\" failed with exit code " + fmt_int(num(t["exitCode"]));
            }
        return "";
    };
    auto phase = st["phase"].str();
    std::string message(st["message"].str());
    if (phase == "Pending" || phase.empty()) {
        if (const auto* c = condition(p, "PodScheduled"); c && (*c)["status"].str() == "False")
            return {Status::progressing, "not scheduled: " + std::string((*c)["reason"].str()) + ": " + std::string((*c)["message"].str())};
        return {Status::progressing, message};
    }
    if (phase == "Succeeded") return {Status::healthy, message};
    if (phase == "Failed") return {Status::degraded, message.empty() ? fail_message() : message};
    if (phase == "Running") {
        // OnFailure/Never pods are usually hooks: Progressing while they run, unless annotated
        // argocd.argoproj.io/ignore-restart-policy (operator-managed pods), then judged as Always.
        bool ignore_policy = p.at_path({"metadata", "annotations"}).find("argocd.argoproj.io/ignore-restart-policy") != nullptr;
        if (restart_policy != "Always" && !ignore_policy) return {Status::progressing, message};
        if (const auto* c = condition(p, "Ready"); c && (*c)["status"].str() == "True") return {Status::healthy, message};
        for (const auto& cs : st["containerStatuses"].items) {
            const auto& last = cs.at_path({"lastState", "terminated"});
            if (last.is_mapping()) {
                std::string reason(last["reason"].str());
                return {Status::degraded, message.empty() ? "container " + std::string(cs["name"].str()) + " restarted" +
                                                                 (reason.empty() ? "" : " (" + reason + ")")
                                                           : message};
            }
        }
        return {Status::progressing, message};
    }
    return {Status::unknown, message};
}

// As gitops-engine's health_job.go: a Failed condition (whatever its status) decides Degraded
// with its message; Complete or Suspended conditions end progress (the last one's message wins);
// Suspended with status True is Suspended. spec.suspend alone is not read (Kubernetes sets the
// Suspended condition). Kubernetes only sets these conditions to True, so the status-blind
// reading never differs on real objects.
Health job(const Value& j) {
    bool failed = false, complete = false, suspended = false;
    std::string fail_msg, message;
    for (const auto& c : j.at_path({"status", "conditions"}).items) {
        auto type = c["type"].str();
        if (type == "Failed") {
            failed = complete = true;
            fail_msg = c["message"].str();
        } else if (type == "Complete") {
            complete = true;
            message = c["message"].str();
        } else if (type == "Suspended") {
            complete = true;
            message = c["message"].str();
            if (c["status"].str() == "True") suspended = true;
        }
    }
    if (!complete) return {Status::progressing, message};
    if (failed) return {Status::degraded, fail_msg};
    if (suspended) return {Status::suspended, message};
    return {Status::healthy, message};
}

Health pvc(const Value& p) {
    auto phase = p.at_path({"status", "phase"}).str();
    if (phase == "Lost") return {Status::degraded, ""};
    if (phase == "Pending") return {Status::progressing, ""};
    if (phase == "Bound") return {Status::healthy, ""};
    return {Status::unknown, ""};
}

bool has_lb_ingress(const Value& obj) { return !obj.at_path({"status", "loadBalancer", "ingress"}).items.empty(); }

std::optional<Health> service(const Value& s) {
    if (s.at_path({"spec", "type"}).str() != "LoadBalancer") return Health{Status::healthy, ""};
    if (has_lb_ingress(s)) return Health{Status::healthy, ""};
    return Health{Status::progressing, "Waiting for the load balancer to get an address"};
}

Health ingress(const Value& i) {
    if (has_lb_ingress(i)) return {Status::healthy, ""};
    return {Status::progressing, "Waiting for the ingress controller to publish an address"};
}

// gitops-engine pkg/health/health_hpa.go: the first condition that is one of the degraded or
// healthy (type, reason) pairs decides, in order, whatever its status; its message is the
// message. autoscaling/v1 keeps the conditions as a JSON string in an annotation.
Health hpa(const Value& h) {
    static constexpr std::pair<std::string_view, std::string_view> k_degraded[] = {
        {"AbleToScale", "FailedGetScale"},
        {"AbleToScale", "FailedUpdateScale"},
        {"ScalingActive", "FailedGetResourceMetric"},
        {"ScalingActive", "InvalidSelector"},
    };
    static constexpr std::pair<std::string_view, std::string_view> k_healthy[] = {
        {"AbleToScale", "SucceededRescale"},
        {"ScalingLimited", "DesiredWithinRange"},
        {"ScalingLimited", "TooFewReplicas"},
        {"ScalingLimited", "TooManyReplicas"},
    };
    const Health waiting{Status::progressing, "Waiting to Autoscale"};
    std::vector<Value> from_annotation;
    const std::vector<Value>* conditions = &h.at_path({"status", "conditions"}).items;
    if (h["apiVersion"].str() == "autoscaling/v1") {
        const auto* annotation = h.at_path({"metadata", "annotations"}).find("autoscaling.alpha.kubernetes.io/conditions");
        if (!annotation || !annotation->is_scalar()) return waiting;
        auto parsed = model::parse_documents("autoscaling.alpha.kubernetes.io/conditions", annotation->scalar);
        if (!parsed || parsed->size() != 1 || !(*parsed)[0].is_sequence())
            return {Status::unknown, "failed to convert conditions annotation to typed: not a JSON list of conditions"};
        from_annotation = std::move((*parsed)[0].items);
        conditions = &from_annotation;
    }
    auto is = [](const auto& table, const Value& c) {
        return std::any_of(std::begin(table), std::end(table), [&](const auto& p) { return c["type"].str() == p.first && c["reason"].str() == p.second; });
    };
    for (const auto& c : *conditions) {
        if (is(k_degraded, c)) return {Status::degraded, std::string(c["message"].str())};
        if (is(k_healthy, c)) return {Status::healthy, std::string(c["message"].str())};
    }
    return waiting;
}

Health api_service(const Value& a) {
    if (const auto* c = condition(a, "Available")) {
        // "reason: message", as gitops-engine formats it.
        std::string msg = std::string((*c)["reason"].str()) + ": " + std::string((*c)["message"].str());
        if ((*c)["status"].str() == "True") return {Status::healthy, msg};
        return {Status::progressing, msg};
    }
    return {Status::progressing, "Waiting to be processed"};
}

// gitops-engine pkg/health/health_argo.go: an Argo Workflow by its phase, with its message.
Health workflow(const Value& w) {
    auto phase = w.at_path({"status", "phase"}).str();
    std::string msg(w.at_path({"status", "message"}).str());
    if (phase.empty() || phase == "Pending" || phase == "Running") return {Status::progressing, msg};
    if (phase == "Succeeded") return {Status::healthy, msg};
    if (phase == "Failed" || phase == "Error") return {Status::degraded, msg};
    return {Status::unknown, msg};
}

// Not a gitops-engine rule (Argo CD reads a child Application's health only through a resource
// customization): ours, for the smoke test and app-of-apps, from the status Argo CD wrote.
std::optional<Health> application(const Value& a) {
    const auto& h = a.at_path({"status", "health"});
    std::string sync(a.at_path({"status", "sync", "status"}).str());
    std::string msg(h["message"].str());
    std::string sync_note = "sync: " + (sync.empty() ? std::string("Unknown") : sync);
    msg = msg.empty() ? sync_note : msg + " (" + sync_note + ")";
    auto s = h["status"].str();
    if (s == "Healthy") return Health{Status::healthy, msg};
    if (s == "Progressing") return Health{Status::progressing, msg};
    if (s == "Degraded") return Health{Status::degraded, msg};
    if (s == "Suspended") return Health{Status::suspended, msg};
    if (s == "Missing") return Health{Status::missing, msg};
    return Health{Status::unknown, msg};
}

struct Rule {
    std::string group;  // "" for core, "*" any
    std::function<std::optional<Health>(const Value&)> assess;
};

const std::map<std::string, Rule, std::less<>>& rules() {
    static const std::map<std::string, Rule, std::less<>> r = {
        {"Deployment", {"apps", [](const Value& v) { return std::optional(deployment(v)); }}},
        {"StatefulSet", {"apps", [](const Value& v) { return std::optional(stateful_set(v)); }}},
        {"DaemonSet", {"apps", [](const Value& v) { return std::optional(daemon_set(v)); }}},
        {"ReplicaSet", {"apps", [](const Value& v) { return std::optional(replica_set(v)); }}},
        {"Pod", {"", [](const Value& v) { return std::optional(pod(v)); }}},
        {"Job", {"batch", [](const Value& v) { return std::optional(job(v)); }}},
        {"PersistentVolumeClaim", {"", [](const Value& v) { return std::optional(pvc(v)); }}},
        {"Service", {"", service}},
        {"Ingress", {"networking.k8s.io", [](const Value& v) { return std::optional(ingress(v)); }}},
        {"HorizontalPodAutoscaler", {"autoscaling", [](const Value& v) { return std::optional(hpa(v)); }}},
        {"APIService", {"apiregistration.k8s.io", [](const Value& v) { return std::optional(api_service(v)); }}},
        {"Application", {"argoproj.io", application}},
        {"Workflow", {"argoproj.io", [](const Value& v) { return std::optional(workflow(v)); }}},
    };
    return r;
}

std::string_view group_of(std::string_view api_version) {
    auto slash = api_version.find('/');
    return slash == std::string_view::npos ? std::string_view{} : api_version.substr(0, slash);
}

}  // namespace

const char* to_string(Status s) {
    switch (s) {
        case Status::healthy: return "Healthy";
        case Status::progressing: return "Progressing";
        case Status::degraded: return "Degraded";
        case Status::suspended: return "Suspended";
        case Status::missing: return "Missing";
        case Status::unknown: return "Unknown";
    }
    return "Unknown";
}

std::optional<Health> assess(const model::Value& object) {
    // As gitops-engine's GetResourceHealth: an object being deleted is Progressing, whatever
    // its kind, before any rule.
    if (const auto* ts = object.at_path({"metadata"}).find("deletionTimestamp"); ts && ts->is_scalar() && !ts->scalar.empty())
        return Health{Status::progressing, "Pending deletion"};
    auto kind = object["kind"].str();
    auto it = rules().find(kind);
    if (it == rules().end()) return std::nullopt;
    auto group = group_of(object["apiVersion"].str());
    // extensions/v1beta1 Ingress is the only kind gitops-engine reads in the old group.
    if (group != it->second.group && !(group == "extensions" && kind == "Ingress")) return std::nullopt;
    return it->second.assess(object);
}

std::vector<StuckContainer> stuck_containers(const model::Value& pod, int min_repeats) {
    std::vector<StuckContainer> out;
    auto scan = [&](const Value& statuses, bool init) {
        for (const auto& cs : statuses.items) {
            StuckContainer s;
            s.container = cs["name"].str();
            s.init = init;
            s.restarts = static_cast<int>(num(cs["restartCount"]));
            const auto& last = cs.at_path({"lastState", "terminated"});
            if (last.is_mapping()) s.exit_code = static_cast<int>(num(last["exitCode"]));
            const auto& waiting = cs.at_path({"state", "waiting"});
            const auto& terminated = cs.at_path({"state", "terminated"});
            if (waiting.is_mapping() && degrading_wait_reason(waiting["reason"].str())) {
                s.reason = waiting["reason"].str();
                s.message = waiting["message"].str();
                out.push_back(std::move(s));
            } else if (terminated.is_mapping() && num(terminated["exitCode"]) != 0 && last.is_mapping() &&
                       num(last["exitCode"]) == num(terminated["exitCode"]) && s.restarts + 1 >= min_repeats) {
                // Failed, restarted, failed the same way: the kubelet will only back off from here.
                s.reason = terminated["reason"].str();
                if (s.reason.empty()) s.reason = "Error";
                s.message = terminated["message"].str();
                s.exit_code = static_cast<int>(num(terminated["exitCode"]));
                out.push_back(std::move(s));
            }
        }
    };
    scan(pod.at_path({"status", "initContainerStatuses"}), true);
    scan(pod.at_path({"status", "containerStatuses"}), false);
    return out;
}

std::vector<std::string> failing_containers(const model::Value& pod) {
    std::vector<std::string> out;
    auto scan = [&](const Value& statuses, bool init) {
        for (const auto& cs : statuses.items) {
            const auto& terminated = cs.at_path({"state", "terminated"});
            bool completed = init && terminated.is_mapping() && num(terminated["exitCode"]) == 0;
            bool failed_now = terminated.is_mapping() && num(terminated["exitCode"]) != 0;
            if ((num(cs["restartCount"]) > 0 || failed_now) && !completed)
                out.push_back((init ? "init:" : "") + std::string(cs["name"].str()));
        }
    };
    scan(pod.at_path({"status", "initContainerStatuses"}), true);
    scan(pod.at_path({"status", "containerStatuses"}), false);
    return out;
}

}  // namespace preflight::health
