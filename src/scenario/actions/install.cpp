// install and wait: apply a release, then watch its workloads until they are Healthy or a
// decisive failure is explained down to the log line and the policy.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <map>
#include <thread>

#include "preflight/health/health.hpp"
#include "preflight/kube/watch.hpp"
#include "preflight/scenario/actions.hpp"
#include "preflight/scenario/root_cause.hpp"
#include "preflight/util/text.hpp"

namespace preflight::scenario {
using namespace std::chrono_literals;

namespace {

double seconds_now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The forced-rollback step of Kubernetes' StatefulSet documentation: a StatefulSet whose pod
// never became Ready on a broken revision waits for it forever, so the rollback deletes that
// pod (once, after it has been seen stale for a few seconds) and says so: a real rollback needs
// the same command.
struct ForcedRollback {
    std::vector<health::StalePod> deleted;
    std::vector<std::string> errors;
    std::vector<std::string> attempted;  // "pod@revision": each is tried once
    void step(kube::Kubectl& k, const std::string& ns, const std::vector<health::StalePod>& stale, std::chrono::milliseconds timeout) {
        for (const auto& p : stale) {
            auto key = p.pod + "@" + p.revision;
            if (p.since_s < 5 || std::find(attempted.begin(), attempted.end(), key) != attempted.end()) continue;
            attempted.push_back(key);
            if (auto r = k.output(kube::delete_pod_args(k.target(), ns, p.pod), timeout); !r)
                errors.push_back(p.pod + ": " + r.error().describe());
            else
                deleted.push_back(p);
        }
    }
    std::string describe(const std::string& ns) const {
        std::vector<std::string> parts, pods;
        for (const auto& p : deleted) {
            parts.push_back("deleted pod " + p.pod + " (" + p.workload.text() + " wants revision " + p.update_revision +
                            "; the pod was left on " + p.revision + " and never became Ready, which Kubernetes does not replace by itself)");
            pods.push_back(p.pod);
        }
        for (const auto& e : errors) parts.push_back("could not delete " + e);
        auto text = text::join(parts, "; ");
        if (!pods.empty()) text += ". A real rollback needs the same step: kubectl --namespace " + ns + " delete pod " + text::join(pods, " ");
        return text;
    }
};

// An API the cluster does not serve (PF006, checked against its version) explains a refused
// apply: the candidate's defect, not the infrastructure's.
const analysis::CheckResult* unserved_api(const Release& r) {
    for (const auto& res : r.static_results)
        if (!res.passed && res.check == analysis::CheckId::api_version_served && res.finding &&
            res.finding->severity == analysis::Severity::error)
            return &res;
    return nullptr;
}

void preload(ActionContext& ctx, const std::vector<std::string>& images) {
    if (images.empty() || !ctx.provider().info().can_preload) return;
    auto loaded = ctx.provider().preload(images);
    if (!loaded) spdlog::warn("preloading images: {}", loaded.error().describe());
    else if (!loaded->empty()) spdlog::info("preloaded {} image(s) from the local docker: {}", loaded->size(), text::join(*loaded, " "));
}

// The decisive container's log line: the previous instance's log, else the current one's. Right
// after a restart the kubelet may answer for neither ("unable to retrieve container logs": the
// instance --previous names is being replaced); that answer is no log line, so ask once more a
// moment later. Empty when there is none.
// The root cause: the decisive container's own log first (one or two calls), joined to the
// static finding, before any slower diagnostics.
void explain(ActionContext& ctx, const Release& r, report::Case& wait, kube::Kubectl& k) {
    const auto& st = ctx.state().install;
    const auto& first = st.decisive.front();
    std::map<std::string, std::string> lines;
    if (auto line = decisive_log_line(ctx, k, first); !line.empty()) lines[first.pod + "/" + first.container.container] = line;
    wait.message = root_cause(st.decisive, lines, r.static_results);
    for (const auto& s : st.decisive)
        wait.detail += s.workload.text() + " pod " + s.pod + ": " + (s.container.init ? "init container " : "container ") +
                       s.container.container + ": " + s.container.reason + (s.container.message.empty() ? "" : ": " + s.container.message) + "\n";
    if (auto it = lines.find(first.pod + "/" + first.container.container); it != lines.end())
        wait.evidence.push_back({"log " + first.pod + " " + first.container.container, it->second});
    if (const auto* f = matching_finding(r.static_results, first.workload, first.container.container))
        wait.evidence.push_back({"static finding " + f->finding->id, f->finding->title + "\n" + f->finding->explanation});
}

// Decided early: the static finding and the live probe from the blocked identity agree. The
// blocked workload's own failing container (and its log line) leads when it has failed
// already; every other stuck container follows as a consequence.
void explain_early(ActionContext& ctx, const Release& r, report::Case& wait, kube::Kubectl& k, const probe::Attempt& a) {
    const auto& st = ctx.state().install;
    std::vector<health::StuckPod> ordered;
    for (const auto& s : st.stuck)
        if (a.spec.source && s.workload.same_workload(*a.spec.source)) ordered.push_back(s);
    for (const auto& s : st.stuck)
        if (!a.spec.source || !s.workload.same_workload(*a.spec.source)) ordered.push_back(s);
    auto target = a.spec.host + ":" + std::to_string(a.spec.port);
    const auto* f = a.spec.source ? matching_finding(r.static_results, *a.spec.source, ordered.empty() ? "" : ordered.front().container.container)
                                  : nullptr;
    std::map<std::string, std::string> lines;
    if (!ordered.empty() && a.spec.source && ordered.front().workload.same_workload(*a.spec.source)) {
        const auto& first = ordered.front();
        if (auto line = decisive_log_line(ctx, k, first); !line.empty()) {
            lines[first.pod + "/" + first.container.container] = line;
            wait.evidence.push_back({"log " + first.pod + " " + first.container.container, line});
        }
        wait.message = root_cause(ordered, lines, r.static_results);
    } else {
        wait.message = a.spec.identity + " cannot reach " + target + " — " +
                       (f ? (f->finding->blocked_by.empty() ? f->finding->title : f->finding->blocked_by) + " (" + f->finding->id + ")"
                          : std::string("the static analysis predicted the block"));
    }
    wait.message += "; a live probe from its identity agrees: " + a.spec.name + " observed " + observed_text(a.reading) +
                    " (decided as soon as static and live agreed; --no-early-verdict waits for the workloads themselves)";
    for (const auto& s : ordered)
        wait.detail += s.workload.text() + " pod " + s.pod + ": " + (s.container.init ? "init container " : "container ") + s.container.container +
                       ": " + s.container.reason + (s.container.message.empty() ? "" : ": " + s.container.message) + "\n";
    wait.evidence.push_back({"live probe " + a.spec.name, "from a pod with the identity of " + a.spec.identity + " (service account " +
                                                             a.spec.service_account + "): " + observed_text(a.reading)});
    if (f) wait.evidence.push_back({"static finding " + f->finding->id, f->finding->title + "\n" + f->finding->explanation});
    ctx.run().set_property("verdict.early", "true");
}

// The early verdict's probes, run beside the wait on threads of their own: the probes of the
// statically blocked needs (with their witnesses) in one batch, and beside them the canary when
// the session has not run it yet. Inactive when there is no such need, or probes or the early verdict
// are off.
class EarlyCheck {
public:
    struct Outcome {
        std::optional<Result<probe::Canary>> canary;
        Result<std::vector<probe::Attempt>> attempts = std::vector<probe::Attempt>{};
    };
    EarlyCheck(ActionContext& ctx, const Release& r) {
        const auto& o = ctx.options();
        if (!o.early_verdict || !o.probes_enabled || r.probe_image.empty()) return;
        auto specs = early_probes(r.probes);
        if (specs.empty()) return;
        auto k = ctx.kubectl();
        auto own = ctx.owner(k);
        if (!own) return;  // the probes action reports it
        probe::LiveOptions lo{ctx.ns(), r.probe_image, o.probe_timeout_s, ctx.left(120s)};
        bool canary = !ctx.state().enforcement.checked;
        auto batch = "early-" + std::to_string(++ctx.state().batches);
        m_started_ms = o.now_ms();
        spdlog::info("early verdict: probing {} statically blocked need(s) beside the wait{}", specs.size(), canary ? " and the canary" : "");
        // The batch does not depend on the canary (only the judgement does), so the two run side
        // by side: on the real test cluster each probe pod costs ~7 s (start, settle, two dials)
        // and the canary is three of them in a row.
        m_future = std::async(std::launch::async, [k, lo, owner = *own, specs = std::move(specs), canary, batch]() mutable {
            Outcome out;
            auto attempts = std::async(std::launch::async, [kb = k, &specs, &lo, &batch, &owner]() mutable {
                return probe::run_batch(kb, specs, lo, batch, owner);
            });
            if (canary) out.canary = probe::run_canary(k, lo, owner);
            out.attempts = attempts.get();
            spdlog::debug("early probes done");
            return out;
        });
    }
    EarlyCheck(const EarlyCheck&) = delete;
    EarlyCheck& operator=(const EarlyCheck&) = delete;
    ~EarlyCheck() {
        if (m_future.valid()) m_future.wait();
    }
    bool active() const { return m_active_once || m_future.valid(); }
    bool ready() const { return m_future.valid() && m_future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
    Outcome take() {
        m_active_once = true;
        return m_future.get();
    }
    std::int64_t started_ms() const { return m_started_ms; }

private:
    std::future<Outcome> m_future;
    std::int64_t m_started_ms = 0;
    bool m_active_once = false;
};

// What the early probes showed: the probe whose observed block agrees with the static finding.
struct EarlyVerdict {
    probe::Attempt attempt;
    std::chrono::steady_clock::time_point at;
};

// Takes the early probes' results once they are in: records the canary, and returns the first
// attempt where static and live agree on a block.
std::optional<EarlyVerdict> take_early(ActionContext& ctx, EarlyCheck& early) {
    auto out = early.take();
    if (out.canary) record_canary(ctx, *out.canary, early.started_ms());
    if (!out.attempts) {
        spdlog::warn("early probes: {}", out.attempts.error().describe());
        return std::nullopt;
    }
    for (const auto& a : *out.attempts) {
        spdlog::debug("early probe {}: {} ({})", a.spec.name, probe::to_string(a.reading.observed), a.reading.result);
        bool ready = !a.spec.backend || workload_ready(ctx.state().snapshot, *a.spec.backend);
        if (agrees_blocked(a, *out.attempts, ctx.state().enforcement, ready)) return EarlyVerdict{a, std::chrono::steady_clock::now()};
    }
    return std::nullopt;
}

// Watches until the install is decided; fills `wait`'s outcome and message (not the failure
// explanation) and leaves the state and snapshot in the context.
// After static and live agree, how long the wait still watches for the blocked container's own
// failure (its log line is the best evidence), before it decides without it.
constexpr auto k_early_grace = std::chrono::seconds(10);

bool failing(const health::InstallState& st, const std::optional<model::WorkloadId>& w) {
    return w && std::any_of(st.stuck.begin(), st.stuck.end(), [&](const health::StuckPod& s) { return s.workload.same_workload(*w); });
}

void watch_until_decided(ActionContext& ctx, const Release& r, std::chrono::milliseconds limit, ForcedRollback* forced,
                         EarlyCheck& early, std::optional<EarlyVerdict>& verdict, report::Case& wait) {
    auto k = ctx.kubectl();
    auto& st = ctx.state();
    health::StuckClock clock;
    health::HealthySettle settle;
    kube::LiveView view;
    auto until = std::chrono::steady_clock::now() + limit;
    if (auto started = view.start(k, ctx.ns(), {"pods", "deployments", "statefulsets", "daemonsets", "jobs"}, limit + 5s); !started) {
        wait.outcome = report::Outcome::error;
        wait.message = started.error().describe();
        view.stop();
        return;
    }
    auto watching_since = std::chrono::steady_clock::now();
    while (true) {
        view.wait_change(100ms);
        st.snapshot = view.snapshot();
        st.install = health::evaluate(st.snapshot, r.expected, clock, seconds_now(), ctx.options().stuck_grace_s);
        if (forced) forced->step(k, ctx.ns(), st.install.stale, ctx.left(30s));
        if (settle.settled(st.install, seconds_now(), ctx.options().healthy_for_s)) {
            wait.message = std::to_string(r.expected.size()) + " workloads Healthy";
            break;
        }
        if (early.ready()) verdict = take_early(ctx, early);
        if (verdict && (failing(st.install, verdict->attempt.spec.source) || std::chrono::steady_clock::now() - verdict->at > k_early_grace)) {
            wait.outcome = report::Outcome::failed;
            break;
        }
        // The watches list what exists in no particular order; a verdict before every applied
        // workload was listed would miss who owns the stuck pods. Bounded.
        if (st.install.failed && (st.install.all_listed() || std::chrono::steady_clock::now() - watching_since > 5s)) {
            wait.outcome = report::Outcome::failed;
            break;
        }
        if (proc::interrupt_level() > 0) {
            ctx.run().interrupted = true;
            wait.outcome = report::Outcome::skipped;
            wait.message = "interrupted by signal " + std::to_string(proc::last_signal()) + " while waiting; still pending: " +
                           st.install.pending_text();
            break;
        }
        view.revive();
        if (auto broken = view.broken()) {
            wait.outcome = report::Outcome::error;
            wait.message = *broken;
            break;
        }
        if (std::chrono::steady_clock::now() >= until) {
            wait.outcome = report::Outcome::failed;
            wait.message = "timed out after " + std::to_string(limit.count() / 1000) + " s; " +
                           (st.install.healthy ? "the workloads were Healthy, but never for " + std::to_string(static_cast<int>(ctx.options().healthy_for_s)) + " s" +
                                                     " without a container stuck or restarting"
                                               : "still pending: " + st.install.pending_text());
            break;
        }
    }
    view.stop();
    ctx.run().set_property("kubectl.watch_processes", std::to_string(view.processes_started()));
}

}  // namespace

std::string decisive_log_line(ActionContext& ctx, kube::Kubectl& k, const health::StuckPod& first) {
    bool unavailable = false;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (attempt > 0) {
            if (!unavailable || proc::interrupt_level() != 0) break;
            std::this_thread::sleep_for(1s);
        }
        unavailable = false;
        for (bool previous : {true, false}) {
            if (previous && first.container.restarts == 0) continue;
            auto log = k.output(kube::logs_args(k.target(), ctx.ns(), first.pod, first.container.container, previous), ctx.left(30s), true);
            if (log && kube::log_unavailable(*log)) {
                unavailable = true;
                continue;
            }
            if (log && !decisive_line(*log).empty()) return decisive_line(*log);
        }
    }
    return "";
}

Verdict install(ActionContext& ctx, const Release& r, std::chrono::milliseconds wait_timeout, bool forced_rollback) {
    auto k = ctx.kubectl();
    auto& st = ctx.state();
    preload(ctx, r.images);
    auto apply = ctx.start_case("apply " + r.label);
    auto applied = st.namespace_applied ? Result<std::string>(std::string())
                                        : k.apply(kube::namespace_manifest(ctx.ns()), ctx.ns(), ctx.left(ctx.options().apply_timeout));
    // helm install, or helm upgrade over a release this session installed before.
    const std::string phase = st.current ? "upgrade" : "install";
    if (applied) {
        st.namespace_applied = true;
        if (auto pre = hooks(ctx, r, "pre-" + phase, wait_timeout); pre.outcome != report::Outcome::passed) {
            apply.outcome = report::Outcome::skipped;
            apply.message = "not applied: " + pre.failure;
            ctx.finish(std::move(apply));
            return pre;
        }
        applied = k.apply(r.manifests, ctx.ns(), ctx.left(ctx.options().apply_timeout));
    }
    ctx.count("apply");
    st.current = &r;
    if (!applied) {
        apply.outcome = outcome_of(applied.error());
        apply.message = applied.error().describe();
        if (applied.error().kind == ErrorKind::interrupted) ctx.run().interrupted = true;
        else if (const auto* res = unserved_api(r)) {
            apply.outcome = report::Outcome::failed;
            apply.message = "the cluster does not serve an API the manifests use: " + res->finding->title + " (" + res->finding->id +
                            "); kubectl: " + apply.message;
        }
        Verdict v{apply.outcome, apply.message};
        ctx.finish(std::move(apply));
        return v;
    }
    apply.message = std::to_string(std::count(applied->begin(), applied->end(), '\n')) + " objects server-side applied into namespace " + ctx.ns();
    ctx.finish(std::move(apply));
    if (auto post = hooks(ctx, r, "post-" + phase, wait_timeout); post.outcome != report::Outcome::passed) return post;
    return wait(ctx, r, wait_timeout, forced_rollback);
}

Verdict wait(ActionContext& ctx, const Release& r, std::chrono::milliseconds limit_in, bool forced_rollback) {
    auto wait = ctx.start_case("workloads Healthy");
    auto& st = ctx.state();
    st.install = {};
    st.snapshot.clear();
    ForcedRollback forced;
    std::optional<EarlyVerdict> verdict;
    auto k = ctx.kubectl();
    {
        EarlyCheck early(ctx, r);
        watch_until_decided(ctx, r, ctx.left(limit_in), forced_rollback ? &forced : nullptr, early, verdict, wait);
        if (early.active()) ctx.release_owner(k);
    }  // the early probes are finished (joined) here
    if (wait.outcome == report::Outcome::failed && verdict && !st.install.failed) explain_early(ctx, r, wait, k, verdict->attempt);
    else if (wait.outcome == report::Outcome::failed && st.install.failed) explain(ctx, r, wait, k);
    if (wait.outcome == report::Outcome::failed && !forced_rollback)
        for (const auto& p : st.install.stale)
            wait.message += "; " + p.workload.text() + ": pod " + p.pod + " is left on revision " + p.revision +
                            " and not Ready, and Kubernetes never replaces it (a rollback must delete it: kubectl --namespace " + ctx.ns() +
                            " delete pod " + p.pod + ")";
    ctx.count("wait");
    if (!forced.deleted.empty() || !forced.errors.empty()) {
        auto c = ctx.start_case("forced rollback");
        c.start_ms = wait.start_ms;
        c.outcome = forced.errors.empty() ? report::Outcome::passed : report::Outcome::failed;
        c.message = forced.describe(ctx.ns());
        ctx.finish(std::move(c));
    }
    // One case per expected workload, so JUnit shows which ones made it (added after the wait's
    // own case, with its start).
    std::vector<report::Case> per_workload;
    for (const auto& e : r.expected) {
        auto w = ctx.start_case(e.text());
        w.start_ms = wait.start_ms;
        if (const auto* pending = st.install.pending_for(e)) {
            w.outcome = ctx.run().interrupted ? report::Outcome::skipped : report::Outcome::failed;
            w.message = pending->reason;
        } else {
            w.message = "Healthy";
        }
        per_workload.push_back(std::move(w));
    }
    Verdict v{wait.outcome, ""};
    if (v.failed()) v.failure = wait.message;
    ctx.finish(std::move(wait));
    for (auto& w : per_workload) ctx.add(std::move(w));
    return v;
}

}  // namespace preflight::scenario
