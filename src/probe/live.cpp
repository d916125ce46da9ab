// Live probes: apply shadow pods, watch them finish, read their verdict lines.
#include "preflight/probe/live.hpp"

#include <map>
#include <thread>

#include "preflight/health/health.hpp"
#include "preflight/kube/watch.hpp"

namespace preflight::probe {
using namespace std::chrono_literals;

Result<Owner> ensure_owner(kube::Kubectl& kubectl, const std::string& ns, std::chrono::milliseconds timeout) {
    std::string cm = std::string(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")") + k_owner_name +
                     R"(","labels":{")" + k_probe_label + R"(":"owner"}},"data":{"purpose":"owns the probe pods of argocd-preflight"}})" + "\n";
    if (auto r = kubectl.apply(cm, ns, timeout); !r) return std::unexpected(r.error());
    auto args = kube::base_args(kubectl.target());
    args.insert(args.end(), {"get", "configmap", k_owner_name, "--namespace", ns, "--output", "jsonpath={.metadata.uid}"});
    auto uid = kubectl.output(args, timeout);
    if (!uid) return std::unexpected(uid.error());
    if (uid->empty()) return fail(ErrorKind::infrastructure, "the probe owner ConfigMap has no uid");
    return Owner{k_owner_name, *uid};
}

Result<void> remove_owner(kube::Kubectl& kubectl, const std::string& ns, std::chrono::milliseconds timeout) {
    auto args = kube::base_args(kubectl.target());
    args.insert(args.end(), {"delete", "configmap", k_owner_name, "--namespace", ns, "--ignore-not-found", "--wait=false"});
    auto r = kubectl.output(args, timeout, true);
    if (!r) return std::unexpected(r.error());
    return {};
}

namespace {

// Waits until every pod in `names` has finished (or cannot start); returns the last snapshot.
std::map<std::string, model::Value> wait_finished(kube::Kubectl& kubectl, const std::string& ns, const std::vector<std::string>& names,
                                                  std::chrono::milliseconds deadline, std::map<std::string, std::string>& not_run) {
    kube::LiveView view;
    std::map<std::string, model::Value> latest;
    if (auto r = view.start(kubectl, ns, {"pods"}, deadline + 5s); !r) {
        for (const auto& n : names) not_run[n] = r.error().describe();
        return latest;
    }
    auto until = std::chrono::steady_clock::now() + deadline;
    while (true) {
        view.wait_change(100ms);
        latest.clear();
        for (auto& obj : view.snapshot()) {
            std::string name(obj.at_path({"metadata", "name"}).str());
            if (std::find(names.begin(), names.end(), name) != names.end()) latest[name] = std::move(obj);
        }
        std::size_t done = 0;
        for (const auto& n : names) {
            auto it = latest.find(n);
            if (it == latest.end()) continue;
            auto phase = it->second.at_path({"status", "phase"}).str();
            if (phase == "Succeeded" || phase == "Failed") {
                ++done;
                continue;
            }
            // Stuck before it ran (image pull, config): it will not get a verdict.
            for (const auto& s : health::stuck_containers(it->second, 1))
                if (s.reason != "CrashLoopBackOff") {
                    not_run[n] = s.reason + (s.message.empty() ? "" : ": " + s.message);
                    ++done;
                    break;
                }
        }
        if (done == names.size()) break;
        if (proc::interrupt_level() > 0 || std::chrono::steady_clock::now() >= until) {
            for (const auto& n : names)
                if (!not_run.contains(n) && !(latest.contains(n) && (latest[n].at_path({"status", "phase"}).str() == "Succeeded" ||
                                                                     latest[n].at_path({"status", "phase"}).str() == "Failed")))
                    not_run[n] = proc::interrupt_level() > 0 ? "interrupted" : "did not finish in time";
            break;
        }
    }
    view.stop();
    return latest;
}

}  // namespace

Result<std::vector<Attempt>> run_batch(kube::Kubectl& kubectl, const std::vector<Spec>& specs, const LiveOptions& options,
                                       const std::string& batch, const Owner& owner) {
    std::vector<Attempt> out;
    if (specs.empty()) return out;
    // A stream of documents, not a v1 List: kubectl validates a List against OpenAPI v2 only.
    std::string list;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        std::string name = "preflight-" + batch + "-" + std::to_string(i);
        names.push_back(name);
        list += "---\n" + pod_manifest(specs[i], name, options.image, options.connect_timeout_s, owner, batch);
    }
    if (auto r = kubectl.apply(list, options.ns, 60s); !r) return std::unexpected(r.error().with_context("creating probe pods"));
    std::map<std::string, std::string> not_run;
    wait_finished(kubectl, options.ns, names, options.deadline, not_run);
    // Every pod's verdict line with one kubectl; a pod missing from it is asked for on its own.
    std::map<std::string, std::string> logs;
    if (not_run.size() < names.size()) {
        auto all = kubectl.output(kube::logs_by_label_args(kubectl.target(), options.ns, std::string(k_batch_label) + "=" + batch, "probe",
                                                           static_cast<int>(names.size()) + 1),
                                  60s);
        if (all) logs = kube::split_prefixed_logs(*all);
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
        Attempt o{specs[i], {}, names[i]};
        if (auto it = not_run.find(names[i]); it != not_run.end()) {
            o.reading.detail = "probe pod did not run: " + it->second;
        } else if (auto found = logs.find(names[i]); found != logs.end()) {
            o.reading = parse_output(found->second);
        } else {
            auto log = kubectl.output(kube::logs_args(kubectl.target(), options.ns, names[i], "probe", false), 30s);
            if (!log) o.reading.detail = "no probe output: " + log.error().message;
            else o.reading = parse_output(*log);
        }
        out.push_back(std::move(o));
    }
    return out;
}

Result<std::string> run_to_completion(kube::Kubectl& kubectl, const std::string& ns, const std::string& manifest, const std::string& pod,
                                      const std::string& container, std::chrono::milliseconds deadline) {
    if (auto r = kubectl.apply(manifest, ns, 60s); !r) return std::unexpected(r.error());
    std::map<std::string, std::string> not_run;
    wait_finished(kubectl, ns, {pod}, deadline, not_run);
    if (auto it = not_run.find(pod); it != not_run.end()) return fail(ErrorKind::infrastructure, "pod " + pod + " did not run: " + it->second);
    return kubectl.output(kube::logs_args(kubectl.target(), ns, pod, container, false), 30s);
}

Result<Canary> run_canary(kube::Kubectl& kubectl, const LiveOptions& options, const Owner& owner) {
    Canary c;
    if (auto r = kubectl.apply(canary_server_manifest(options.ns, options.image, owner), options.ns, 60s); !r)
        return std::unexpected(r.error().with_context("creating the canary listener"));
    // Its IP once it runs.
    std::string ip;
    {
        kube::LiveView view;
        if (auto r = view.start(kubectl, options.ns, {"pods"}, options.deadline + 5s); !r) return std::unexpected(r.error());
        auto until = std::chrono::steady_clock::now() + options.deadline;
        while (ip.empty() && std::chrono::steady_clock::now() < until && proc::interrupt_level() == 0) {
            view.wait_change(100ms);
            for (const auto& p : view.snapshot())
                if (p.at_path({"metadata", "name"}).str() == "preflight-canary-server" && p.at_path({"status", "phase"}).str() == "Running")
                    ip = p.at_path({"status", "podIP"}).str();
        }
        view.stop();
    }
    if (ip.empty()) {
        c.message = "the canary listener did not start in time; enforcement unknown";
        return c;
    }
    auto open = run_batch(kubectl, {canary_client(options.ns, ip, Expect::reachable)}, options, "canary-open", owner);
    if (!open) return std::unexpected(open.error());
    c.probes = *open;
    if (open->front().reading.observed != Observed::reachable) {
        c.message = "the canary listener at " + ip + " is not reachable even without a policy (" + open->front().reading.detail +
                    "); enforcement unknown";
        return c;
    }
    if (auto r = kubectl.apply(canary_policy_manifest(options.ns, owner), options.ns, 60s); !r)
        return std::unexpected(r.error().with_context("creating the canary policy"));
    // Policies apply to new connections once the network plugin has seen them; give it a moment
    // by retrying the blocked probe a few times before concluding there is no enforcement.
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto closed = run_batch(kubectl, {canary_client(options.ns, ip, Expect::blocked)}, options, "canary-closed-" + std::to_string(attempt), owner);
        if (!closed) return std::unexpected(closed.error());
        auto observed = closed->front().reading.observed;
        c.probes.push_back(closed->front());
        if (observed == Observed::blocked) {
            c.verdict = Canary::Verdict::enforced;
            c.blocked_as = closed->front().reading.result;
            c.message = "NetworkPolicy is enforced: a deny-all policy blocked a connection that worked without it";
            if (c.blocked_as == "refused") c.message += " (the enforcer rejects: a blocked connection is refused, not dropped)";
            return c;
        }
        if (observed != Observed::reachable) break;
    }
    if (c.probes.back().reading.observed == Observed::reachable) {
        c.verdict = Canary::Verdict::not_enforced;
        c.message = "the cluster does not enforce NetworkPolicy: a deny-all ingress policy did not block a new connection";
    } else {
        c.message = "the canary probe with the policy did not run (" + c.probes.back().reading.detail + "); enforcement unknown";
    }
    return c;
}

}  // namespace preflight::probe
