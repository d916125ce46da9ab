// install_fresh: the try / catch / finally of one install (house style, "Cluster lifecycle").
#include "preflight/scenario/install_run.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "preflight/kube/kubectl.hpp"
#include "preflight/kube/watch.hpp"
#include "preflight/probe/live.hpp"
#include "preflight/util/redactor.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/scenario/root_cause.hpp"
#include "preflight/health/health.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/text.hpp"

namespace preflight::scenario {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Counts the kubectl processes a phase starts (the benchmark keeps this O(1) per phase).
class CountingRunner final : public proc::Runner {
public:
    explicit CountingRunner(proc::Runner& inner) : m_inner(inner) {}
    Result<proc::Outcome> run(const proc::Command& cmd) override {
        ++m_count;
        return m_inner.run(cmd);
    }
    Result<std::unique_ptr<proc::Stream>> stream(const proc::Command& cmd, std::function<void(std::string)> on_line,
                                                 std::function<void()> on_exit) override {
        ++m_count;
        return m_inner.stream(cmd, std::move(on_line), std::move(on_exit));
    }
    int take() { return std::exchange(m_count, 0); }

private:
    proc::Runner& m_inner;
    int m_count = 0;
};

double seconds_now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string safe_name(std::string s) {
    for (auto& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') c = '_';
    return s;
}

struct Ctx {
    proc::Runner& runner;
    CountingRunner counting;
    cluster::ClusterProvider& provider;
    const InstallOptions& o;
    report::Run& run;
    std::string work_dir;
    std::chrono::steady_clock::time_point deadline;

    std::chrono::milliseconds left(std::chrono::milliseconds step) const {
        auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        return std::max(0ms, std::min(step, remaining));
    }
    report::Case start(const std::string& name, const std::string& classname) const {
        report::Case c{name, classname};
        c.start_ms = o.now_ms();
        return c;
    }
    void finish(report::Suite& suite, report::Case c) const {
        c.duration_ms = o.now_ms() - c.start_ms;
        spdlog::info("{} {} ({} ms){}", c.outcome == report::Outcome::passed ? "✓" : c.outcome == report::Outcome::skipped ? "-" : "✗", c.name,
                     c.duration_ms, c.message.empty() ? "" : ": " + c.message);
        suite.add(std::move(c));
    }
    kube::Kubectl kubectl() { return kube::Kubectl(counting, kube::Target{provider.info().kubeconfig, provider.info().context, work_dir + "/cache"}); }
};

report::Outcome outcome_of(const Error& e) {
    return e.kind == ErrorKind::interrupted ? report::Outcome::skipped : report::Outcome::error;
}

// Diagnostics for a failed install, into <artifacts>/diagnostics. Best effort: a failing
// command is noted in index.txt and the next one runs.
void collect_diagnostics(Ctx& ctx, const std::vector<model::Value>& snapshot, const health::InstallState& state, report::Case& c) {
    if (ctx.o.artifacts_dir.empty()) return;
    fs::path dir = fs::path(ctx.o.artifacts_dir) / "diagnostics";
    std::error_code ec;
    fs::create_directories(dir / "logs", ec);
    fs::create_directories(dir / "describe", ec);
    std::vector<std::string> index;
    auto kubectl = ctx.kubectl();
    auto save = [&](const fs::path& file, const kube::Args& args) -> std::optional<std::string> {
        auto out = kubectl.output(args, ctx.left(60s), true);
        if (!out) {
            index.push_back(file.filename().string() + ": " + out.error().message);
            return std::nullopt;
        }
        (void)write_file_atomic(file.string(), *out);
        index.push_back(fs::relative(file, dir).string());
        return std::optional<std::string>(std::move(*out));
    };
    const auto& ns = ctx.o.ns;
    save(dir / "events.json", kube::get_json_args(kubectl.target(), "events", ns));
    save(dir / "pods.json", kube::get_json_args(kubectl.target(), "pods", ns));
    save(dir / "workloads.json", kube::get_json_args(kubectl.target(), "deployments,statefulsets,daemonsets,jobs,replicasets", ns));
    std::vector<std::string> failing_pods;
    for (const auto& s : state.stuck)
        if (std::find(failing_pods.begin(), failing_pods.end(), s.pod) == failing_pods.end()) failing_pods.push_back(s.pod);
    for (const auto& pod : failing_pods) save(dir / "describe" / (safe_name(pod) + ".txt"), kube::describe_args(kubectl.target(), ns, "pod", pod));
    for (const auto& p : snapshot) {
        if (p["kind"].str() != "Pod") continue;
        std::string pod(p.at_path({"metadata", "name"}).str());
        std::map<std::string, std::int64_t> restarts;
        std::vector<std::string> started;
        for (const char* key : {"initContainerStatuses", "containerStatuses"})
            for (const auto& cs : p.at_path({"status", key}).items) {
                restarts[std::string(cs["name"].str())] = cs["restartCount"].as_int().value_or(0);
                const auto& state_v = cs["state"];
                if (state_v.find("running") || state_v.find("terminated") || cs.at_path({"lastState", "terminated"}).is_mapping())
                    started.push_back(std::string(cs["name"].str()));
            }
        for (const char* key : {"initContainers", "containers"})
            for (const auto& container : p.at_path({"spec", key}).items) {
                std::string name(container["name"].str());
                if (std::find(started.begin(), started.end(), name) == started.end()) continue;  // never ran: no logs to ask for
                auto base = dir / "logs" / safe_name(pod + "." + name);
                if (restarts[name] > 0) save(base.string() + ".previous.log", kube::logs_args(kubectl.target(), ns, pod, name, true));
                save(base.string() + ".log", kube::logs_args(kubectl.target(), ns, pod, name, false));
            }
    }
    if (auto r = ctx.provider.collect_logs((dir / "cluster-logs").string()); !r) index.push_back("cluster-logs: " + r.error().message);
    else if (ctx.provider.info().provider == "kind") index.push_back("cluster-logs/");
    (void)write_file_atomic((dir / "manifests.yaml").string(), ctx.o.manifests);
    (void)write_file_atomic((dir / "static-findings.txt").string(), ctx.o.static_summary);
    index.push_back("manifests.yaml");
    index.push_back("static-findings.txt");
    (void)write_file_atomic((dir / "index.txt").string(), text::join(index, "\n") + "\n");
    c.evidence.push_back({"diagnostics", dir.string()});
}

// Waits for every expected workload; fills `c`. Returns the last state and snapshot.
std::pair<health::InstallState, std::vector<model::Value>> wait_healthy(Ctx& ctx, report::Case& c, kube::LiveView& view) {
    health::StuckClock clock;
    health::InstallState state;
    std::vector<model::Value> snapshot;
    auto kubectl = ctx.kubectl();
    auto limit = ctx.left(ctx.o.wait_timeout);
    auto until = std::chrono::steady_clock::now() + limit;
    if (auto r = view.start(kubectl, ctx.o.ns, {"pods", "deployments", "statefulsets", "daemonsets", "jobs"}, limit + 5s); !r) {
        c.outcome = report::Outcome::error;
        c.message = r.error().describe();
        return {state, snapshot};
    }
    auto watching_since = std::chrono::steady_clock::now();
    while (true) {
        view.wait_change(100ms);
        snapshot = view.snapshot();
        state = health::evaluate(snapshot, ctx.o.expected, clock, seconds_now(), ctx.o.stuck_grace_s);
        if (state.healthy) {
            c.message = std::to_string(ctx.o.expected.size()) + " workloads Healthy";
            return {state, snapshot};
        }
        // The watches list what exists in no particular order; a verdict before every applied
        // workload has been listed would miss who owns the stuck pods. Bounded: a workload that
        // never shows up is reported as such.
        bool all_listed = std::none_of(state.pending.begin(), state.pending.end(),
                                       [](const std::string& p) { return p.ends_with(": not created yet"); });
        if (state.failed && (all_listed || std::chrono::steady_clock::now() - watching_since > 5s)) {
            c.outcome = report::Outcome::failed;
            return {state, snapshot};
        }
        if (proc::interrupt_level() > 0) {
            ctx.run.interrupted = true;
            c.outcome = report::Outcome::skipped;
            c.message = "interrupted by signal " + std::to_string(proc::last_signal()) + " while waiting; still pending: " +
                        text::join(state.pending, "; ");
            return {state, snapshot};
        }
        if (auto broken = view.broken()) {
            c.outcome = report::Outcome::error;
            c.message = *broken;
            return {state, snapshot};
        }
        if (std::chrono::steady_clock::now() >= until) {
            c.outcome = report::Outcome::failed;
            c.message = "timed out after " + std::to_string(limit.count() / 1000) + " s; still pending: " + text::join(state.pending, "; ");
            return {state, snapshot};
        }
    }
}

std::string observed_text(const probe::Reading& r) {
    std::string out = probe::to_string(r.observed);
    if (!r.result.empty()) out += " (" + r.result + (r.detail.empty() ? "" : ": " + r.detail) + ")";
    else if (!r.detail.empty()) out += " (" + r.detail + ")";
    return out;
}

// The canary, then every planned probe, into suite "probes".
void run_probes(Ctx& ctx, kube::Kubectl& kubectl, const Result<probe::Owner>& owner) {
    const auto& o = ctx.o;
    auto& suite = ctx.run.suite("probes");
    suite.start_ms = o.now_ms();
    auto skip_all = [&](const std::string& why) {
        for (const auto& spec : o.probes) {
            auto c = ctx.start(spec.name, "probes." + spec.check);
            c.outcome = report::Outcome::skipped;
            c.message = why;
            ctx.finish(suite, std::move(c));
        }
    };
    if (!o.probes_enabled) return skip_all("--no-probes");
    if (o.probes.empty()) return;
    if (o.probe_image.empty()) return skip_all("no image with redis-cli in the manifests: pass --probe-image");
    probe::LiveOptions lo{o.ns, o.probe_image, o.probe_timeout_s, ctx.left(std::chrono::seconds(120))};
    if (!owner) return skip_all("cannot create the probe owner: " + owner.error().describe());
    auto canary_case = ctx.start("enforcement canary", "probes.canary");
    auto canary = probe::run_canary(kubectl, lo, *owner);
    bool enforced = canary && canary->verdict == probe::Canary::Verdict::enforced;
    if (!canary) {
        canary_case.outcome = report::Outcome::error;
        canary_case.message = canary.error().describe();
    } else {
        canary_case.outcome = enforced ? report::Outcome::passed : report::Outcome::skipped;
        canary_case.message = canary->message;
        for (const auto& p : canary->probes)
            canary_case.evidence.push_back({p.spec.name, "expected " + std::string(p.spec.expect == probe::Expect::reachable ? "reachable" : "blocked") +
                                                             ", observed " + observed_text(p.result)});
        if (!enforced) ctx.run.notices.insert(ctx.run.notices.begin(), canary->message + ": expected-blocked probes are skipped, not passed");
    }
    std::string why_unproven = canary ? canary->message : canary.error().describe();
    ctx.finish(suite, std::move(canary_case));
    auto outcomes = probe::run_batch(kubectl, o.probes, lo, "probe", *owner);
    if (!outcomes) {
        skip_all("probes could not be created: " + outcomes.error().describe());
    } else {
        for (const auto& out : *outcomes) {
            const auto& spec = out.spec;
            auto c = ctx.start(spec.name, "probes." + spec.check);
            bool expect_reach = spec.expect == probe::Expect::reachable;
            auto obs = out.result.observed;
            bool reached = obs == probe::Observed::reachable || obs == probe::Observed::auth_failed;
            std::string prediction = std::string("static analysis: ") + (spec.predicted_allowed ? "allowed" : "blocked");
            c.message = "expected " + std::string(expect_reach ? "reachable" : "blocked") + ", observed " + observed_text(out.result) + "; " + prediction;
            if (obs == probe::Observed::not_run) {
                c.outcome = report::Outcome::skipped;
            } else if (!expect_reach && !enforced) {
                c.outcome = report::Outcome::skipped;
                c.message += "; not proven: " + why_unproven;
            } else if (!expect_reach && out.result.result == "refused") {
                c.outcome = report::Outcome::skipped;
                c.message += "; not proven: refused means nothing listens behind it, not that a policy drops the connection";
            } else if (expect_reach) {
                c.outcome = obs == probe::Observed::reachable ? report::Outcome::passed : report::Outcome::failed;
                if (obs == probe::Observed::auth_failed) c.message += " (connected, but PING was not answered with PONG)";
                if (out.result.result == "refused")
                    c.message += " — refused means nothing listens behind it (no Ready pods?), not a NetworkPolicy drop";
            } else {
                c.outcome = reached ? report::Outcome::failed : report::Outcome::passed;
            }
            c.evidence.push_back({"probe pod " + out.pod, std::string("identity ") + spec.identity + " (service account " + spec.service_account +
                                                              "), " + probe::to_string(spec.kind) + " " + spec.host + ":" + std::to_string(spec.port)});
            ctx.finish(suite, std::move(c));
            // Static and live disagree: the model or the cluster is surprising; say which way. A
            // refused connection is no policy verdict (policies drop), so it is no disagreement.
            if (obs == probe::Observed::not_run || reached == spec.predicted_allowed || out.result.result == "refused") continue;
            auto d = ctx.start("static vs live: " + spec.name, "probes.disagreement");
            if (reached && !enforced) {
                d.outcome = report::Outcome::skipped;
                d.message = "static analysis predicted blocked, the cluster allowed it; explained: " + why_unproven;
            } else if (reached) {
                d.outcome = report::Outcome::failed;
                d.message = "static analysis predicted blocked, but the cluster (which enforces NetworkPolicy) allowed it: the policies on the "
                            "cluster differ from the manifests, or the model is wrong about this path";
            } else {
                d.outcome = report::Outcome::failed;
                d.message = "static analysis predicted allowed, but the cluster blocked it (" + out.result.result +
                            "): something besides these NetworkPolicies stops it (another policy, the target not listening, a node "
                            "firewall), or the model is wrong about this path";
            }
            ctx.finish(suite, std::move(d));
        }
    }
    suite.duration_ms = o.now_ms() - suite.start_ms;
}

// The smoke Application, into suite "smoke": login, create, Synced and Healthy.
void run_smoke(Ctx& ctx, kube::Kubectl& kubectl, const Result<probe::Owner>& owner, bool install_healthy) {
    const auto& o = ctx.o;
    auto& suite = ctx.run.suite("smoke");
    suite.start_ms = o.now_ms();
    const char* steps[][2] = {{"login", "smoke: log in to the Argo CD API"},
                              {"create", "smoke: create Application"},
                              {"wait", "smoke: Application Synced and Healthy"}};
    auto skip = [&](const std::string& why, std::size_t from = 0) {
        for (std::size_t i = from; i < 3; ++i) {
            auto c = ctx.start(steps[i][1], "smoke");
            c.outcome = report::Outcome::skipped;
            c.message = why;
            ctx.finish(suite, std::move(c));
        }
        suite.duration_ms = o.now_ms() - suite.start_ms;
    };
    if (!o.smoke_enabled) return skip("--no-smoke");
    if (!o.smoke_target) return skip("the manifests run no Argo CD API server (argocd-server), e.g. core-install");
    if (!install_healthy) return skip("Argo CD did not become Healthy");
    if (!owner) return skip("cannot create the probe owner: " + owner.error().describe());
    // The initial admin password, registered so that nothing written out can show it.
    auto args = kube::base_args(kubectl.target());
    args.insert(args.end(), {"get", "secret", o.smoke.admin_secret, "--namespace", o.ns, "--ignore-not-found", "--output", "jsonpath={.data.password}"});
    if (auto pw = kubectl.output(args, ctx.left(30s)); pw && !pw->empty()) {
        Redactor::global().add(*pw);
        if (auto plain = text::base64_decode(*pw)) Redactor::global().add(*plain);
    }
    auto started = o.now_ms();
    auto log = probe::run_to_completion(kubectl, o.ns, probe::smoke_pod_manifest(*o.smoke_target, o.smoke, "preflight-smoke", *owner),
                                        "preflight-smoke", "smoke", ctx.left(std::chrono::seconds(o.smoke.timeout_s + 60)));
    if (!log) {
        auto c = ctx.start(steps[0][1], "smoke");
        c.outcome = report::Outcome::error;
        c.message = log.error().describe();
        ctx.finish(suite, std::move(c));
        return skip("the smoke pod did not run", 1);
    }
    auto parsed = probe::parse_smoke(*log);
    for (std::size_t i = 0; i < 3; ++i) {
        auto it = std::find_if(parsed.begin(), parsed.end(), [&](const probe::SmokeStep& s) { return s.step == steps[i][0]; });
        if (it == parsed.end()) return skip(i == 0 ? "no output from the smoke pod" : "an earlier step failed", i);
        auto c = ctx.start(steps[i][1], "smoke");
        c.start_ms = started;
        c.outcome = it->ok ? report::Outcome::passed : report::Outcome::failed;
        c.message = it->detail;
        if (i == 2 && it->ok) {
            auto app_args = kube::base_args(kubectl.target());
            app_args.insert(app_args.end(), {"get", "applications.argoproj.io", o.smoke.app, "--namespace", o.ns, "--output", "json"});
            if (auto app = kubectl.output(app_args, ctx.left(30s))) {
                auto docs = model::parse_documents("application", *app);
                if (docs && !docs->empty())
                    if (auto h = health::assess((*docs)[0]))
                        c.evidence.push_back({"Application " + o.smoke.app, std::string(health::to_string(h->status)) + ": " + h->message});
            }
        }
        ctx.finish(suite, std::move(c));
        if (!it->ok) return skip("an earlier step failed", i + 1);
    }
    suite.duration_ms = o.now_ms() - suite.start_ms;
}

// Probes and the smoke Application share one owner, removed at the end with everything it owns.
void run_live_checks(Ctx& ctx, kube::Kubectl& kubectl, bool install_healthy) {
    const auto& o = ctx.o;
    bool any = (o.probes_enabled && !o.probes.empty()) || (o.smoke_enabled && o.smoke_target && install_healthy);
    Result<probe::Owner> owner = fail(ErrorKind::infrastructure, "not needed");
    if (any) owner = probe::ensure_owner(kubectl, o.ns, ctx.left(60s));
    run_probes(ctx, kubectl, owner);
    run_smoke(ctx, kubectl, owner, install_healthy);
    if (owner)
        if (auto r = probe::remove_owner(kubectl, o.ns, ctx.left(60s)); !r) spdlog::warn("removing probe pods: {}", r.error().describe());
}

void phase_counts(Ctx& ctx, const std::string& phase) { ctx.run.set_property("kubectl.processes." + phase, std::to_string(ctx.counting.take())); }

}  // namespace

void install_fresh(proc::Runner& runner, cluster::ClusterProvider& provider, const InstallOptions& o, report::Run& run) {
    Ctx ctx{runner, CountingRunner(runner), provider, o, run, "", std::chrono::steady_clock::now() + o.timeout};
    auto& cl = run.suite("cluster");
    cl.start_ms = o.now_ms();
    // A private directory for the kubeconfig, kind config and discovery cache; removed at the end.
    std::string tmpl = (fs::temp_directory_path() / "argocd-preflight-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
        auto c = ctx.start("work directory", "cluster");
        c.outcome = report::Outcome::error;
        c.message = "cannot create a temporary directory under " + fs::temp_directory_path().string();
        ctx.finish(cl, std::move(c));
        return;
    }
    ctx.work_dir = tmpl;
    auto spec = o.spec;
    spec.work_dir = ctx.work_dir;
    spec.ns = o.ns;
    spec.create_timeout = ctx.left(spec.create_timeout);

    bool install_failed = false;
    bool created = false;
    [&] {
        auto tools = ctx.start("tools", "cluster");
        if (auto r = provider.check_tools(); !r) {
            tools.outcome = report::Outcome::error;
            tools.message = r.error().describe();
            ctx.finish(cl, std::move(tools));
            return;
        }
        tools.message = provider.info().tool_version.empty() ? provider.info().provider : provider.info().tool_version;
        ctx.finish(cl, std::move(tools));
        if (!provider.info().enforces_network_policy) run.notices.push_back(provider.info().enforcement_note);

        auto create = ctx.start("create cluster", "cluster");
        auto created_r = provider.create(spec);
        created = true;
        if (!created_r) {
            create.outcome = outcome_of(created_r.error());
            create.message = created_r.error().describe();
            if (created_r.error().kind == ErrorKind::interrupted) run.interrupted = true;
            ctx.finish(cl, std::move(create));
            return;
        }
        const auto& info = provider.info();
        create.message = info.provider + " " + info.name + (info.node_image.empty() ? "" : " (" + info.node_image + ")");
        run.set_property("cluster.provider", info.provider);
        run.set_property("cluster.name", info.name);
        if (!info.node_image.empty()) run.set_property("cluster.node_image", info.node_image);
        ctx.finish(cl, std::move(create));

        auto kubectl = ctx.kubectl();
        auto skew = ctx.start("kubectl version skew", "cluster");
        auto versions = kubectl.versions(ctx.left(60s));
        if (!versions) {
            skew.outcome = outcome_of(versions.error());
            skew.message = versions.error().describe();
            ctx.finish(cl, std::move(skew));
            return;
        }
        run.set_property("cluster.kubernetes", versions->server);
        if (std::abs(versions->client_minor - versions->server_minor) > 1) {
            skew.outcome = report::Outcome::error;
            skew.message = "kubectl " + versions->client + " is too far from the cluster's " + versions->server +
                           " (kubectl supports one minor version either way): install a matching kubectl, or pick a node image "
                           "within one minor of it (--node-image)";
            ctx.finish(cl, std::move(skew));
            return;
        }
        skew.message = "kubectl " + versions->client + ", server " + versions->server;
        ctx.finish(cl, std::move(skew));
        phase_counts(ctx, "cluster");
        if (!o.images.empty() && info.provider == "kind") {
            auto loaded = provider.preload(o.images);
            if (!loaded) spdlog::warn("preloading images: {}", loaded.error().describe());
            else if (!loaded->empty()) spdlog::info("preloaded {} image(s) from the local docker: {}", loaded->size(), text::join(*loaded, " "));
        }
        cl.duration_ms = o.now_ms() - cl.start_ms;

        auto& inst = run.suite("install");
        inst.start_ms = o.now_ms();
        auto apply = ctx.start("apply " + o.manifests_label, "install");
        auto ns_r = kubectl.apply(kube::namespace_manifest(o.ns), o.ns, ctx.left(o.apply_timeout));
        auto applied = ns_r ? kubectl.apply(o.manifests, o.ns, ctx.left(o.apply_timeout)) : ns_r;
        phase_counts(ctx, "apply");
        if (!applied) {
            apply.outcome = outcome_of(applied.error());
            apply.message = applied.error().describe();
            if (applied.error().kind == ErrorKind::interrupted) run.interrupted = true;
            ctx.finish(inst, std::move(apply));
            install_failed = true;
            return;
        }
        auto lines = std::count(applied->begin(), applied->end(), '\n');
        apply.message = std::to_string(lines) + " objects server-side applied into namespace " + o.ns;
        ctx.finish(inst, std::move(apply));

        auto wait = ctx.start("workloads Healthy", "install");
        kube::LiveView view;
        auto [state, snapshot] = wait_healthy(ctx, wait, view);
        view.stop();
        run.set_property("kubectl.watch_processes", std::to_string(view.processes_started()));
        // One case per expected workload, so JUnit shows which ones made it.
        for (const auto& e : o.expected) {
            auto w = ctx.start(e.kind + "/" + e.name, "install.health");
            w.start_ms = wait.start_ms;
            std::string id = e.kind + "/" + e.name;
            auto pending = std::find_if(state.pending.begin(), state.pending.end(), [&](const std::string& p) { return p.starts_with(id + ":"); });
            if (pending != state.pending.end()) {
                w.outcome = run.interrupted ? report::Outcome::skipped : report::Outcome::failed;
                w.message = pending->substr(id.size() + 2);
            } else {
                w.message = "Healthy";
            }
            inst.add(std::move(w));
        }
        if (wait.outcome == report::Outcome::failed) {
            install_failed = true;
            // The decisive container's own log first (one or two calls), so the verdict and its
            // root cause are out before the slower full diagnostics.
            std::map<std::string, std::string> lines;
            if (state.failed) {
                const auto& first = state.decisive.front();
                for (bool previous : {true, false}) {
                    if (previous && first.container.restarts == 0) continue;
                    auto log = kubectl.output(kube::logs_args(kubectl.target(), o.ns, first.pod, first.container.container, previous), ctx.left(30s), true);
                    if (log && !decisive_line(*log).empty()) {
                        lines[first.pod + "/" + first.container.container] = decisive_line(*log);
                        break;
                    }
                }
                wait.message = root_cause(state.decisive, lines, o.static_results);
                std::string detail;
                for (const auto& s : state.decisive)
                    detail += s.workload + " pod " + s.pod + ": " + (s.container.init ? "init container " : "container ") + s.container.container +
                              ": " + s.container.reason + (s.container.message.empty() ? "" : ": " + s.container.message) + "\n";
                wait.detail = detail;
                if (auto it = lines.find(first.pod + "/" + first.container.container); it != lines.end())
                    wait.evidence.push_back({"log " + first.pod + " " + first.container.container, it->second});
                if (const auto* f = matching_finding(o.static_results, first.workload, first.container.container))
                    wait.evidence.push_back({"static finding " + f->finding->id, f->finding->title + "\n" + f->finding->explanation});
            }
            ctx.finish(inst, std::move(wait));
            inst.duration_ms = o.now_ms() - inst.start_ms;
            phase_counts(ctx, "wait");
            if (!run.interrupted) {
                run_live_checks(ctx, kubectl, false);
                phase_counts(ctx, "probes");
            }
            auto diag = ctx.start("collect diagnostics", "diagnostics");
            collect_diagnostics(ctx, snapshot, state, diag);
            diag.message = diag.evidence.empty() ? "no artifacts directory" : "written to " + diag.evidence.back().text;
            diag.evidence.clear();
            auto& ds = run.suite("diagnostics");
            ds.start_ms = diag.start_ms;
            ctx.finish(ds, std::move(diag));
            ds.duration_ms = o.now_ms() - ds.start_ms;
            phase_counts(ctx, "diagnostics");
            return;
        }
        if (wait.outcome != report::Outcome::passed) install_failed = true;
        auto wait_outcome = wait.outcome;
        ctx.finish(inst, std::move(wait));
        inst.duration_ms = o.now_ms() - inst.start_ms;
        phase_counts(ctx, "wait");
        if (!run.interrupted && wait_outcome != report::Outcome::error) {
            run_live_checks(ctx, kubectl, wait_outcome == report::Outcome::passed);
            phase_counts(ctx, "probes");
        }
    }();
    if (cl.duration_ms == 0) cl.duration_ms = o.now_ms() - cl.start_ms;

    // finally: the cluster goes unless retained; the work directory always goes.
    auto& cleanup = run.suite("cleanup");
    cleanup.start_ms = o.now_ms();
    bool failed = install_failed || run.verdict() != report::Outcome::passed;
    bool keep = o.retain == cluster::Retain::always || (o.retain == cluster::Retain::on_failure && failed);
    if (created) {
        auto del = ctx.start(keep ? "cluster retained" : "delete cluster", "cleanup");
        if (keep) {
            std::error_code ec;
            std::string kept = o.artifacts_dir.empty() ? "" : (fs::path(o.artifacts_dir) / "kubeconfig").string();
            if (!kept.empty() && fs::exists(provider.info().kubeconfig)) {
                fs::create_directories(o.artifacts_dir, ec);
                fs::copy_file(provider.info().kubeconfig, kept, fs::copy_options::overwrite_existing, ec);
            }
            del.outcome = report::Outcome::skipped;
            del.message = "--retain: " + provider.leftover_hint() + (kept.empty() ? "" : "; kubeconfig: " + kept);
            run.notices.push_back("retained " + provider.leftover_hint());
        } else if (auto r = provider.destroy(); !r) {
            del.outcome = report::Outcome::error;
            del.message = r.error().describe();
        } else {
            del.message = "deleted " + provider.info().name;
        }
        if (!keep && !provider.leftover_hint().empty()) {
            run.notices.push_back("left behind: " + provider.leftover_hint());
            spdlog::warn("left behind: {}", provider.leftover_hint());
        }
        ctx.finish(cleanup, std::move(del));
        phase_counts(ctx, "cleanup");
    }
    std::error_code ec;
    fs::remove_all(ctx.work_dir, ec);
    cleanup.duration_ms = o.now_ms() - cleanup.start_ms;
}

}  // namespace preflight::scenario
