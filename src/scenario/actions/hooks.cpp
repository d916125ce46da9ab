// Helm hooks of a rendered chart, run as helm install/upgrade runs them: by weight (then kind in
// helm's install order, then name), each weight's objects applied together, its Jobs and Pods
// waited for until they complete, delete policies honoured.
#include <algorithm>
#include <map>

#include "preflight/health/health.hpp"
#include "preflight/kube/watch.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/scenario/actions.hpp"
#include "preflight/scenario/root_cause.hpp"
#include "preflight/util/text.hpp"

namespace preflight::scenario {
using namespace std::chrono_literals;
namespace {

// A Job or Pod hook's state: done (and how), or still running. Other kinds are done once applied.
struct HookState {
    bool done = false, failed = false;
    std::string why;
};

HookState state_of(const Hook& h, const model::Value& obj) {
    if (h.kind == "Job") {
        for (const auto& c : obj.at_path({"status", "conditions"}).items) {
            if (c["status"].str() != "True") continue;
            if (c["type"].str() == "Complete") return {true, false, "completed"};
            if (c["type"].str() == "Failed")
                return {true, true, std::string(c["reason"].str()) + (c["message"].str().empty() ? "" : ": " + std::string(c["message"].str()))};
        }
        return {};
    }
    if (h.kind == "Pod") {
        auto phase = obj.at_path({"status", "phase"}).str();
        if (phase == "Succeeded") return {true, false, "succeeded"};
        if (phase == "Failed") return {true, true, "pod failed: " + std::string(obj.at_path({"status", "message"}).str())};
        return {};
    }
    return {true, false, "applied"};
}

// A container of a Job hook's pods that has been failing for `grace_s` (counted from when this
// wait first saw it failing): "pod/container: reason: message"; empty while none has. A
// crash-looping Job would otherwise be waited for until its backoffLimit gives up (minutes).
class HookCrash {
public:
    // `pods`: the Job's pods as the watch last saw them.
    std::string check(ActionContext& ctx, kube::Kubectl& k, const std::string& ns, const Hook& h, const std::vector<const model::Value*>& pods,
                      double grace_s) {
        if (h.kind != "Job") return {};
        auto now = std::chrono::steady_clock::now();
        for (const auto* p : pods) {
            const auto& pod = *p;
            for (const auto& c : health::stuck_containers(pod, 1)) {
                std::string pod_name(pod.at_path({"metadata", "name"}).str());
                auto key = pod_name + "/" + c.container;
                auto [it, fresh] = m_since.try_emplace(key, now);
                if (std::chrono::duration<double>(now - it->second).count() < grace_s) continue;
                // Its own last words lead: the failed run's log line, then the kubelet's reason.
                auto line = decisive_log_line(ctx, k, health::StuckPod{{h.kind, ns, h.name}, pod_name, c, 0});
                container = c.container;
                return key + ": " + (line.empty() ? "" : line + " — ") + c.reason + (c.message.empty() ? "" : ": " + c.message);
            }
        }
        return {};
    }

    std::string container;  // the failing one, once check() returned

private:
    std::map<std::string, std::chrono::steady_clock::time_point> m_since;
};

std::string resource_of(const Hook& h) { return h.kind == "Job" ? "job" : h.kind == "Pod" ? "pod" : h.kind; }

bool waited_for(const Hook& h) { return h.kind == "Job" || h.kind == "Pod"; }

// The hook's object in a watch snapshot, or nullptr.
const model::Value* find_object(const std::vector<model::Value>& objects, const Hook& h) {
    for (const auto& o : objects)
        if (o["kind"].str() == h.kind && o.at_path({"metadata", "name"}).str() == h.name) return &o;
    return nullptr;
}

// The pods a Job made (the job controller labels them with its name, under both keys since 1.27).
std::vector<const model::Value*> pods_of_job(const std::vector<model::Value>& objects, const std::string& job) {
    std::vector<const model::Value*> out;
    for (const auto& o : objects) {
        if (o["kind"].str() != "Pod") continue;
        const auto& labels = o.at_path({"metadata", "labels"});
        if (labels["job-name"].str() == job || labels["batch.kubernetes.io/job-name"].str() == job) out.push_back(&o);
    }
    return out;
}

}  // namespace

Verdict hooks(ActionContext& ctx, const Release& r, const std::string& event, std::chrono::milliseconds timeout) {
    std::vector<const Hook*> due;
    for (const auto& h : r.hooks)
        if (h.on(event)) due.push_back(&h);
    if (due.empty()) return {report::Outcome::passed, ""};
    auto k = ctx.kubectl();
    std::map<int, std::vector<const Hook*>> by_weight;
    for (const auto* h : due) by_weight[h->weight].push_back(h);
    for (const auto& [weight, group] : by_weight) {
        std::string manifests;
        for (const auto* h : group) {
            if (!h->deleted_when("before-hook-creation")) continue;
            // A Job's spec is immutable: the previous run's hook goes first (helm's default).
            auto del = k.output(kube::delete_object_args(k.target(), ctx.ns(), resource_of(*h), h->name), ctx.left(60'000ms));
            if (!del) return {outcome_of(del.error()), event + " hook " + h->kind + "/" + h->name + ": " + del.error().describe()};
        }
        for (const auto* h : group) manifests += (manifests.empty() || manifests.ends_with('\n') ? "" : "\n") + h->manifest;
        auto applied = k.apply(manifests, ctx.ns(), ctx.left(ctx.options().apply_timeout));
        if (!applied) {
            auto c = ctx.start_case(event + " hooks (weight " + std::to_string(weight) + ")");
            c.outcome = outcome_of(applied.error());
            c.message = applied.error().describe();
            Verdict v{c.outcome, c.message};
            ctx.finish(std::move(c));
            return v;
        }
        auto until = std::chrono::steady_clock::now() + ctx.left(timeout);
        // One watch of the namespace's jobs and pods for the whole weight (O(types) processes,
        // not a kubectl per hook per poll), started after the apply: it lists what exists.
        kube::LiveView view;
        bool watching = std::any_of(group.begin(), group.end(), [](const Hook* h) { return waited_for(*h); });
        if (watching)
            if (auto started = view.start(k, ctx.ns(), {"jobs", "pods"}, ctx.left(timeout)); !started) {
                auto c = ctx.start_case(event + " hooks (weight " + std::to_string(weight) + ")");
                c.outcome = outcome_of(started.error());
                c.message = "watching the hooks: " + started.error().describe();
                Verdict v{c.outcome, c.message};
                ctx.finish(std::move(c));
                return v;
            }
        for (const auto* h : group) {
            auto c = ctx.start_case(event + " hook " + h->kind + "/" + h->name + " (weight " + std::to_string(weight) + ")");
            HookState s;
            std::string last_error;
            HookCrash crash;
            while (waited_for(*h)) {
                auto objects = view.snapshot();
                if (const auto* obj = find_object(objects, *h)) s = state_of(*h, *obj);
                if (!s.done)
                    if (auto why = crash.check(ctx, k, ctx.ns(), *h, pods_of_job(objects, h->name), ctx.options().stuck_grace_s); !why.empty())
                        s = {true, true, why + " (failing for --stuck-grace " + std::to_string(static_cast<int>(ctx.options().stuck_grace_s)) + " s)"};
                if (s.done || proc::interrupt_level() > 0 || std::chrono::steady_clock::now() >= until) break;
                view.revive();
                if (auto broken = view.broken()) {
                    last_error = *broken;
                    break;
                }
                // A change, or a second for the crash clock to move.
                view.wait_change(1000ms);
            }
            if (!waited_for(*h)) s = {true, false, "applied"};
            if (!s.done) {
                c.outcome = proc::interrupt_level() > 0 ? report::Outcome::skipped : report::Outcome::failed;
                c.message = last_error.empty() ? "did not complete within " + std::to_string(timeout.count() / 1000) + " s"
                                               : "could not be watched to its end: " + last_error;
            } else {
                c.outcome = s.failed ? report::Outcome::failed : report::Outcome::passed;
                c.message = s.why;
                // What the static stage said about this hook explains its failure (or says nothing did).
                if (s.failed) {
                    if (const auto* f = matching_finding(r.static_results, model::WorkloadId{h->kind, ctx.ns(), h->name}, crash.container)) {
                        c.message += " — " + (f->finding->blocked_by.empty() ? f->finding->title : f->finding->blocked_by) + " (" + f->finding->id + ")";
                        c.evidence.push_back({"static finding " + f->finding->id, f->finding->title + "\n" + f->finding->explanation});
                    } else {
                        c.message += " — no static finding predicted this";
                    }
                }
            }
            bool ok = c.outcome == report::Outcome::passed;
            if (h->deleted_when(ok ? "hook-succeeded" : "hook-failed")) {
                auto del = k.output(kube::delete_object_args(k.target(), ctx.ns(), resource_of(*h), h->name), ctx.left(60'000ms));
                c.message += del ? (ok ? "; deleted (hook-succeeded)" : "; deleted (hook-failed)") : "; could not delete it: " + del.error().describe();
            }
            Verdict v{c.outcome, ok ? "" : event + " hook " + h->kind + "/" + h->name + ": " + c.message};
            ctx.finish(std::move(c));
            if (!ok) return v;  // helm stops at the first failed hook
        }
    }
    return {report::Outcome::passed, ""};
}

}  // namespace preflight::scenario
