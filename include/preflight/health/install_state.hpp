// The state of an install, judged from a snapshot of live objects: done, failed, or still going.
#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "preflight/health/health.hpp"
#include "preflight/model/workload_id.hpp"

namespace preflight::health {

// A workload the install must bring up (from the manifests).
using Expected = model::WorkloadId;

// An expected workload not Healthy yet, and why.
struct Pending {
    model::WorkloadId workload;
    bool created = true;  // false: the cluster has no such object yet
    std::string reason;   // "Progressing: Waiting for rollout..." / "not created yet"
    std::string text() const { return workload.text() + ": " + reason; }
};

struct StuckPod {
    model::WorkloadId workload;  // the expected workload selecting the pod, else the Pod itself
    std::string pod;
    StuckContainer container;
    double since_s = 0;  // how long this signal has been seen (a crash: how long its container has been failing)
};

// A StatefulSet pod left on a revision the StatefulSet no longer wants, and not Ready: with the
// default OrderedReady rolling update Kubernetes waits for it forever and never replaces it
// (the "forced rollback" limitation in the StatefulSet documentation: it must be deleted).
struct StalePod {
    model::WorkloadId workload;
    std::string pod, revision, update_revision;
    double since_s = 0;
};

struct InstallState {
    bool healthy = false;                 // every expected workload Healthy
    bool failed = false;                  // a decisive signal (see evaluate)
    std::vector<Pending> pending;         // what is not Healthy yet, in the expected order
    std::vector<StuckPod> decisive;       // the signals that decided failure, causes first
    std::vector<StuckPod> stuck;          // every stuck container seen (decisive or not yet)
    std::vector<StalePod> stale;          // StatefulSet pods stuck on an old revision
    std::int64_t restarts = 0;            // container restarts, summed over the expected workloads' pods
    bool expected_stuck = false;          // a pod of an expected workload has a stuck container
    // Whether every expected workload has been listed (the watches list in no particular order).
    bool all_listed() const;
    // Why `w` is not Healthy yet; nullptr when it is.
    const Pending* pending_for(const model::WorkloadId& w) const;
    std::string pending_text() const;  // "Deployment/x: ...; StatefulSet/y: ..."
};

// Remembers since when each stuck signal (pod, container, reason) has been seen.
class StuckClock {
public:
    // Seconds `key` has been seen as of `now_s`, starting it now when new.
    double seen(const std::string& key, double now_s);
    // Forgets signals not seen in the latest evaluation.
    void keep_only(const std::vector<std::string>& keys);

private:
    std::map<std::string, double> m_first;
};

// Healthy is believed only once it has held for a while with no container of the expected
// workloads stuck or restarting in between: a container that crashes at once is Running - so
// its pod Ready and its Deployment available - for an instant before each crash (seen on the
// real test cluster: a crash-looping Deployment was Healthy 0.8 s after apply).
class HealthySettle {
public:
    // Whether `st` has now been Healthy for `settle_s` without a stuck container or a restart.
    bool settled(const InstallState& st, double now_s, double settle_s);

private:
    std::optional<double> m_since;
    std::int64_t m_restarts = -1;
};

// Judges `objects` (live Pods and workloads of one namespace). A crash (CrashLoopBackOff, or a
// container that failed, restarted and failed the same way again) is decisive once its
// container is crashing now and first failed at least `grace_s` ago (counted across its
// restarts, from the first poll that saw it fail): a real Argo CD install has transient
// crashes that heal (dex exits until argocd-server has written server.secretkey), so a first
// crash proves nothing. Any other stuck reason (ImagePullBackOff, ErrImagePull,
// CreateContainerConfigError, ...) is decisive once it has lasted `grace_s` and no container is
// still inside its own failing grace (the wait is a consequence more often than not). Once something is
// decisive, every stuck signal counts with it, as consequences. Pods belong to the expected
// workload whose live selector matches them.
InstallState evaluate(const std::vector<model::Value>& objects, const std::vector<Expected>& expected, StuckClock& clock,
                      double now_s, double grace_s);

}  // namespace preflight::health
