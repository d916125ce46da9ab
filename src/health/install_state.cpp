// Install state: workload health plus pod-level stuck signals, decided as early as is safe.
#include "preflight/health/install_state.hpp"

#include <algorithm>
#include <optional>

#include "preflight/model/selector.hpp"

namespace preflight::health {

double StuckClock::seen(const std::string& key, double now_s) {
    auto [it, inserted] = m_first.try_emplace(key, now_s);
    return now_s - it->second;
}

void StuckClock::keep_only(const std::vector<std::string>& keys) {
    std::erase_if(m_first, [&](const auto& kv) { return std::find(keys.begin(), keys.end(), kv.first) == keys.end(); });
}

namespace {

// The pods a workload's selector (matchLabels and matchExpressions, model's one implementation)
// selects. A selector the API server would refuse, or an empty one, selects no pod here.
std::optional<model::LabelSelector> workload_selector(const model::Value& workload) {
    bool refused = false;
    auto s = model::parse_selector(workload.at_path({"spec", "selector"}), [&](const model::Mark&, std::string) { refused = true; });
    if (refused || s.empty()) return std::nullopt;
    return s;
}

model::Labels labels_of(const model::Value& pod) {
    model::Labels labels;
    for (const auto& [k, v] : pod.at_path({"metadata", "labels"}).entries) labels[k] = std::string(v.str());
    return labels;
}

bool pod_ready(const model::Value& pod) {
    for (const auto& c : pod.at_path({"status", "conditions"}).items)
        if (c["type"].str() == "Ready") return c["status"].str() == "True";
    return false;
}

// A crash: the container ran and failed (as opposed to never starting: pull or config errors).
bool is_crash(const StuckContainer& c) { return c.reason == "CrashLoopBackOff" || c.reason == "Error" || c.reason == "OOMKilled"; }

}  // namespace

InstallState evaluate(const std::vector<model::Value>& objects, const std::vector<Expected>& expected, StuckClock& clock,
                      double now_s, double grace_s) {
    InstallState st;
    std::vector<const model::Value*> workloads, pods;
    for (const auto& o : objects) (o["kind"].str() == "Pod" ? pods : workloads).push_back(&o);
    std::vector<model::Labels> pod_labels;  // read once per pod, not once per workload
    for (const auto* p : pods) pod_labels.push_back(labels_of(*p));
    struct Owner {
        model::WorkloadId id;
        const model::Value* workload;
    };
    std::map<const model::Value*, Owner> owner;  // pod -> the expected workload selecting it
    bool all = true;
    for (const auto& e : expected) {
        model::WorkloadId id{e.kind, e.ns, e.name};
        auto it = std::find_if(workloads.begin(), workloads.end(), [&](const model::Value* w) {
            return (*w)["kind"].str() == e.kind && w->at_path({"metadata", "name"}).str() == e.name;
        });
        if (it == workloads.end()) {
            all = false;
            st.pending.push_back({id, false, "not created yet"});
            continue;
        }
        if (auto selector = workload_selector(**it))
            for (std::size_t i = 0; i < pods.size(); ++i)
                if (!owner.contains(pods[i]) && selector->matches(pod_labels[i])) owner[pods[i]] = {id, *it};
        auto h = assess(**it);
        if (!h || h->status != Status::healthy) {
            all = false;
            st.pending.push_back({id, true, h ? std::string(to_string(h->status)) + (h->message.empty() ? "" : ": " + h->message) : "no health"});
        }
    }
    st.healthy = all;
    std::vector<std::string> keys;
    // StatefulSet pods on a revision their StatefulSet (having seen its latest spec) no longer
    // wants, and not Ready.
    for (std::size_t i = 0; i < pods.size(); ++i) {
        auto o = owner.find(pods[i]);
        if (o == owner.end() || (*o->second.workload)["kind"].str() != "StatefulSet") continue;
        const auto& sts = *o->second.workload;
        const auto& status = sts["status"];
        std::string want(status["updateRevision"].str());
        bool observed = status["observedGeneration"].str() == sts.at_path({"metadata", "generation"}).str();
        auto rev = pod_labels[i].find("controller-revision-hash");
        if (want.empty() || !observed || rev == pod_labels[i].end() || rev->second == want || pod_ready(*pods[i])) continue;
        std::string pod_name(pods[i]->at_path({"metadata", "name"}).str());
        std::string key = pod_name + "/stale/" + rev->second;
        keys.push_back(key);
        st.stale.push_back({o->second.id, pod_name, rev->second, want, clock.seen(key, now_s)});
    }
    double youngest_failing = -1;  // the shortest time any container has been failing (-1: none)
    for (const auto* p : pods) {
        if (owner.contains(p))
            for (const char* key : {"initContainerStatuses", "containerStatuses"})
                for (const auto& cs : p->at_path({"status", key}).items) st.restarts += cs["restartCount"].as_int().value_or(0);
        std::string pod_name(p->at_path({"metadata", "name"}).str());
        // Failing clocks run across restarts (the state flips Running/Error/CrashLoopBackOff).
        std::map<std::string, double> failing_for;
        for (const auto& c : failing_containers(*p)) {
            std::string key = pod_name + "/failing/" + c;
            keys.push_back(key);
            failing_for[c] = clock.seen(key, now_s);
            if (youngest_failing < 0 || failing_for[c] < youngest_failing) youngest_failing = failing_for[c];
        }
        for (auto& c : stuck_containers(*p)) {
            std::string key = pod_name + "/" + c.container + "/" + c.reason;
            keys.push_back(key);
            double since = clock.seen(key, now_s);
            if (is_crash(c)) {
                auto f = failing_for.find((c.init ? "init:" : "") + c.container);
                if (f != failing_for.end()) since = std::max(since, f->second);
            }
            auto o = owner.find(p);
            if (o != owner.end()) st.expected_stuck = true;
            model::WorkloadId who = o != owner.end() ? o->second.id
                                                     : model::WorkloadId{"Pod", std::string(p->at_path({"metadata", "namespace"}).str()), pod_name};
            StuckPod sp{std::move(who), pod_name, std::move(c), since};
            st.stuck.push_back(std::move(sp));
        }
    }
    clock.keep_only(keys);
    // Causes (crashes) first, init containers before regular ones.
    std::stable_sort(st.stuck.begin(), st.stuck.end(), [](const StuckPod& a, const StuckPod& b) {
        auto rank = [](const StuckPod& s) { return (is_crash(s.container) ? 0 : 2) + (s.container.init ? 0 : 1); };
        return rank(a) < rank(b);
    });
    // A crash that has lasted the grace decides. A waiting signal (a missing Secret, an image)
    // that has lasted it decides only while no container is still inside its own failing
    // grace: such a signal is often the consequence of that crash (v2.11.1: the Secret
    // secret-init never wrote), and deciding on it first would blame the consequence.
    bool crash_pending = youngest_failing >= 0 && youngest_failing < grace_s;
    bool any_cause = std::any_of(st.stuck.begin(), st.stuck.end(), [&](const StuckPod& s) {
        return s.since_s >= grace_s && (is_crash(s.container) || !crash_pending);
    });
    if (any_cause && !st.healthy) {
        st.failed = true;
        st.decisive = st.stuck;
    }
    return st;
}

bool HealthySettle::settled(const InstallState& st, double now_s, double settle_s) {
    bool calm = st.healthy && !st.expected_stuck && (m_restarts < 0 || st.restarts == m_restarts);
    m_restarts = st.restarts;
    if (!calm) {
        m_since.reset();
        return false;
    }
    if (!m_since) m_since = now_s;
    return now_s - *m_since >= settle_s;
}

bool InstallState::all_listed() const {
    return std::all_of(pending.begin(), pending.end(), [](const Pending& p) { return p.created; });
}

const Pending* InstallState::pending_for(const model::WorkloadId& w) const {
    auto it = std::find_if(pending.begin(), pending.end(), [&](const Pending& p) { return p.workload.same_workload(w); });
    return it == pending.end() ? nullptr : &*it;
}

std::string InstallState::pending_text() const {
    std::string out;
    for (const auto& p : pending) out += (out.empty() ? "" : "; ") + p.text();
    return out;
}

}  // namespace preflight::health
