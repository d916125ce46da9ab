// What the actions of one session share: where kubectl goes, the deadline, the runner, the
// redactor, the report node being filled, and what earlier actions learned.
#pragma once
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "preflight/cluster/provider.hpp"
#include "preflight/health/install_state.hpp"
#include "preflight/kube/kubectl.hpp"
#include "preflight/probe/plan.hpp"
#include "preflight/report/report.hpp"
#include "preflight/scenario/session.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::scenario {

inline bool failed(report::Outcome o) { return o == report::Outcome::failed || o == report::Outcome::error; }
// A step that could not finish: skipped when a signal stopped it, else an error.
inline report::Outcome outcome_of(const Error& e) {
    return e.kind == ErrorKind::interrupted ? report::Outcome::skipped : report::Outcome::error;
}

// What an action reports: its outcome and, when it failed, why (one line).
struct Verdict {
    report::Outcome outcome = report::Outcome::passed;
    std::string failure;
    bool failed() const { return scenario::failed(outcome); }
};

// What the enforcement canary learned about the cluster (it runs once per session).
struct Enforcement {
    bool checked = false;
    bool enforced = false;
    bool rejects = false;      // its blocked connection was refused (kube-router), not dropped
    std::string why_unproven;  // the canary's message: why an expected block proves nothing here
};

// What earlier actions learned, for later ones.
struct SessionState {
    const Release* current = nullptr;  // the release applied last
    bool namespace_applied = false;
    health::InstallState install;        // as the last wait left it
    std::vector<model::Value> snapshot;  // the objects the last wait saw
    bool smoke_created = false;
    // An install (or wait) of the candidate ended Healthy: only then may a passing run pin it.
    bool candidate_proven = false;
    Enforcement enforcement;
    int batches = 0;  // probe and smoke pods are named apart by it
};

// Counts the kubectl processes a phase starts (the benchmark keeps this O(1) per phase).
class CountingRunner final : public proc::Runner {
public:
    explicit CountingRunner(proc::Runner& inner) : m_inner(inner) {}
    Result<proc::Outcome> run(const proc::Command& cmd) override;
    Result<std::unique_ptr<proc::Stream>> stream(const proc::Command& cmd, std::function<void(std::string)> on_line,
                                                 std::function<void()> on_exit) override;
    int take() { return m_count.exchange(0); }

private:
    proc::Runner& m_inner;
    std::atomic<int> m_count{0};  // early probes run beside the wait
};

class ActionContext {
public:
    ActionContext(proc::Runner& runner, cluster::ClusterProvider& provider, const SessionOptions& options, report::Run& run,
                  Redactor& redactor);

    kube::Kubectl kubectl();
    cluster::ClusterProvider& provider() { return m_provider; }
    const SessionOptions& options() const { return m_o; }
    const std::string& ns() const { return m_o.ns; }
    report::Run& run() { return m_run; }
    Redactor& redactor() { return m_redactor; }
    SessionState& state() { return m_state; }
    // The session's private directory (kubectl's discovery cache lives in it).
    void set_work_dir(std::string dir) { m_work_dir = std::move(dir); }
    const std::string& work_dir() const { return m_work_dir; }

    // `step` capped by what is left of the current step's (else the whole run's) time.
    std::chrono::milliseconds left(std::chrono::milliseconds step) const;
    void set_step_deadline(std::optional<std::chrono::milliseconds> step_timeout);
    bool interrupted() const;

    // Where the next cases go: `suite` of the run, named "<step>: ...", class `classname`.
    void enter(const std::string& suite, const std::string& step, const std::string& classname);
    report::Case start_case(const std::string& name) const;  // "<step>: name"
    report::Case start_case(const std::string& name, const std::string& classname) const;
    void finish(report::Case c);  // into the current suite, logged
    void finish(report::Suite& suite, report::Case c) const;
    void add(report::Case c);  // into the current suite as it is (not logged, its duration kept)
    Verdict skip(const std::string& name, const std::string& why);
    // Adds the kubectl processes started since the last call to `phase`'s count (a run property).
    void count(const std::string& phase);

    // The owner of probe and smoke pods: created on first use, removed after each batch.
    Result<probe::Owner> owner(kube::Kubectl& k);
    void release_owner(kube::Kubectl& k);

private:
    CountingRunner m_counting;
    cluster::ClusterProvider& m_provider;
    const SessionOptions& m_o;
    report::Run& m_run;
    Redactor& m_redactor;
    SessionState m_state;
    std::string m_work_dir;
    std::chrono::steady_clock::time_point m_deadline, m_step_deadline;
    std::string m_suite, m_prefix, m_classname;
    std::optional<Result<probe::Owner>> m_owner;
    std::map<std::string, int> m_phase_processes;
};

}  // namespace preflight::scenario
