// run_scenario: one cluster, the scenario's steps over it, and a cleanup that always runs
// (house style, "Cluster lifecycle" and "Scenarios and reports").
#include "preflight/scenario/session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

#include "preflight/health/health.hpp"
#include "preflight/kube/kubectl.hpp"
#include "preflight/kube/watch.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/probe/live.hpp"
#include "preflight/scenario/root_cause.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/redactor.hpp"
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

double seconds_now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string safe_name(std::string s) {
    for (auto& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') c = '_';
    return s;
}

report::Outcome outcome_of(const Error& e) { return e.kind == ErrorKind::interrupted ? report::Outcome::skipped : report::Outcome::error; }

std::string observed_text(const probe::Reading& r) {
    std::string out = probe::to_string(r.observed);
    if (!r.result.empty()) out += " (" + r.result + (r.detail.empty() ? "" : ": " + r.detail) + ")";
    else if (!r.detail.empty()) out += " (" + r.detail + ")";
    return out;
}

bool failed(report::Outcome o) { return o == report::Outcome::failed || o == report::Outcome::error; }

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
            parts.push_back("deleted pod " + p.pod + " (" + p.workload.text() + " wants revision " + p.update_revision + "; the pod was left on " +
                            p.revision + " and never became Ready, which Kubernetes does not replace by itself)");
            pods.push_back(p.pod);
        }
        for (const auto& e : errors) parts.push_back("could not delete " + e);
        auto text = text::join(parts, "; ");
        if (!pods.empty()) text += ". A real rollback needs the same step: kubectl --namespace " + ns + " delete pod " + text::join(pods, " ");
        return text;
    }
};

class Session {
public:
    Session(proc::Runner& runner, cluster::ClusterProvider& provider, const SessionOptions& o, report::Run& run)
        : m_counting(runner), m_provider(provider), m_o(o), m_run(run), m_deadline(std::chrono::steady_clock::now() + o.timeout) {
        m_step_deadline = m_deadline;
    }
    ~Session() {
        std::error_code ec;
        if (!m_work_dir.empty()) fs::remove_all(m_work_dir, ec);
    }

    bool interrupted() const { return m_run.interrupted || proc::interrupt_level() > 0; }
    void set_step_deadline(std::optional<std::chrono::milliseconds> step_timeout) {
        m_step_deadline = step_timeout ? std::min(m_deadline, std::chrono::steady_clock::now() + *step_timeout) : m_deadline;
    }

    // Tools, cluster, version skew, image preload: suite "cluster". false: nothing can run.
    bool start(int workers) {
        auto& cl = m_run.suite("cluster");
        cl.start_ms = m_o.now_ms();
        struct Done {
            report::Suite& s;
            const SessionOptions& o;
            ~Done() { s.duration_ms = o.now_ms() - s.start_ms; }
        } done{cl, m_o};
        std::string tmpl = (fs::temp_directory_path() / "argocd-preflight-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) {
            auto c = start_case("work directory", "cluster");
            c.outcome = report::Outcome::error;
            c.message = "cannot create a temporary directory under " + fs::temp_directory_path().string();
            finish_case(cl, std::move(c));
            return false;
        }
        m_work_dir = tmpl;
        auto spec = m_o.spec;
        spec.work_dir = m_work_dir;
        spec.ns = m_o.ns;
        spec.workers = workers;
        spec.create_timeout = left(spec.create_timeout);

        auto tools = start_case("tools", "cluster");
        if (auto r = m_provider.check_tools(); !r) {
            tools.outcome = report::Outcome::error;
            tools.message = r.error().describe();
            finish_case(cl, std::move(tools));
            return false;
        }
        tools.message = m_provider.info().tool_version.empty() ? m_provider.info().provider : m_provider.info().tool_version;
        finish_case(cl, std::move(tools));

        auto create = start_case("create cluster", "cluster");
        auto created = m_provider.create(spec);
        m_created = true;
        if (!created) {
            create.outcome = outcome_of(created.error());
            create.message = created.error().describe();
            if (created.error().kind == ErrorKind::interrupted) m_run.interrupted = true;
            finish_case(cl, std::move(create));
            return false;
        }
        const auto& info = m_provider.info();
        if (!info.enforces_network_policy && !info.enforcement_note.empty()) m_run.notices.push_back(info.enforcement_note);
        for (const auto& n : info.notices) m_run.notices.push_back(n);
        create.message = info.provider + " " + info.name + (info.node_image.empty() ? "" : " (" + info.node_image + ")");
        m_run.set_property("cluster.provider", info.provider);
        m_run.set_property("cluster.name", info.name);
        if (!info.node_image.empty()) m_run.set_property("cluster.node_image", info.node_image);
        finish_case(cl, std::move(create));

        auto k = kubectl();
        auto skew = start_case("kubectl version skew", "cluster");
        auto versions = k.versions(left(60s));
        if (!versions) {
            skew.outcome = outcome_of(versions.error());
            skew.message = versions.error().describe();
            finish_case(cl, std::move(skew));
            return false;
        }
        m_run.set_property("cluster.kubernetes", versions->server);
        if (std::abs(versions->client_minor - versions->server_minor) > 1) {
            skew.outcome = report::Outcome::error;
            skew.message = "kubectl " + versions->client + " is too far from the cluster's " + versions->server +
                           " (kubectl supports one minor version either way): install a matching kubectl, or pick a node image "
                           "within one minor of it (--node-image)";
            finish_case(cl, std::move(skew));
            return false;
        }
        skew.message = "kubectl " + versions->client + ", server " + versions->server;
        finish_case(cl, std::move(skew));
        if (m_o.on_server_version) {
            auto served = start_case("API versions served", "cluster");
            auto note = m_o.on_server_version(versions->server);
            served.outcome = note ? report::Outcome::passed : outcome_of(note.error());
            served.message = note ? *note : note.error().describe();
            finish_case(cl, std::move(served));
            if (!note) return false;
        }

        // The static stage assumed an API server address; the cluster knows the real one.
        auto api = start_case("API server endpoint", "cluster");
        auto slice = k.output(kube::apiserver_endpointslice_args(k.target()), left(60s));
        auto endpoint = slice ? kube::parse_apiserver_endpointslice(*slice) : Result<std::string>(std::unexpected(slice.error()));
        if (!endpoint) {
            api.outcome = outcome_of(endpoint.error());
            api.message = "cannot read the API server's endpoint: " + endpoint.error().describe();
            finish_case(cl, std::move(api));
            return false;
        }
        m_run.set_property("cluster.apiserver.endpoint", *endpoint);
        api.message = *endpoint;
        if (m_o.on_apiserver_endpoint) {
            auto note = m_o.on_apiserver_endpoint(*endpoint);
            if (!note) {
                api.outcome = outcome_of(note.error());
                api.message = note.error().describe();
                finish_case(cl, std::move(api));
                return false;
            }
            if (!note->empty()) api.message += ": " + *note;
        }
        finish_case(cl, std::move(api));
        phase_counts("cluster");
        return true;
    }

    void preload(const std::vector<std::string>& images) {
        if (images.empty() || m_provider.info().provider != "kind") return;
        auto loaded = m_provider.preload(images);
        if (!loaded) spdlog::warn("preloading images: {}", loaded.error().describe());
        else if (!loaded->empty()) spdlog::info("preloaded {} image(s) from the local docker: {}", loaded->size(), text::join(*loaded, " "));
    }

    // One action of `step`; its cases go to `suite`, named "<step>: ...". Returns its verdict.
    report::Outcome run_action(const Action& a, const Step& step, report::Suite& suite, const Release& candidate, const Release* baseline,
                               std::string& failure) {
        m_prefix = step.name + ": ";
        m_classname = suite.name.substr(suite.name.find(' ') + 1) + "/" + step.name;
        switch (a.kind) {
            case ActionKind::install: {
                const Release& r = a.revision == Revision::candidate ? candidate : *baseline;
                return install(r, suite, a.timeout.value_or(m_o.wait_timeout), failure, a.forced_rollback);
            }
            case ActionKind::wait:
                if (!m_current) return skip(suite, "wait", "nothing installed yet");
                return wait_case(*m_current, suite, a.timeout.value_or(m_o.wait_timeout), failure);
            case ActionKind::probes:
                if (!m_current) return skip(suite, "probes", "nothing installed yet");
                return probes(*m_current, suite, a.timeout.value_or(120s), failure);
            case ActionKind::smoke:
                if (!m_current) return skip(suite, "smoke", "nothing installed yet");
                return a.smoke == SmokeMode::create ? smoke_create(*m_current, suite, a.timeout, failure) : smoke_verify(suite, failure);
            case ActionKind::diagnostics:
                diagnostics(step.name, suite);
                return report::Outcome::passed;
        }
        return report::Outcome::passed;
    }

    // finally: cluster deleted unless retained; suite "cleanup".
    void finish(bool run_failed) {
        auto& cleanup = m_run.suite("cleanup");
        cleanup.start_ms = m_o.now_ms();
        bool keep = m_o.retain == cluster::Retain::always || (m_o.retain == cluster::Retain::on_failure && run_failed);
        if (m_created) {
            auto del = start_case(keep ? "cluster retained" : "delete cluster", "cleanup");
            if (keep) {
                std::error_code ec;
                // Only the throwaway cluster's own kubeconfig; an existing cluster's is the user's
                // file (and credentials) and stays where it is.
                std::string kept = m_o.artifacts_dir.empty() || m_provider.info().provider != "kind"
                                       ? ""
                                       : (fs::path(m_o.artifacts_dir) / "kubeconfig").string();
                if (!kept.empty() && fs::exists(m_provider.info().kubeconfig)) {
                    fs::create_directories(m_o.artifacts_dir, ec);
                    fs::copy_file(m_provider.info().kubeconfig, kept, fs::copy_options::overwrite_existing, ec);
                }
                del.outcome = report::Outcome::skipped;
                del.message = "--retain: " + m_provider.leftover_hint() + (kept.empty() ? "" : "; kubeconfig: " + kept);
                m_run.notices.push_back("retained " + m_provider.leftover_hint());
            } else if (auto r = m_provider.destroy(); !r) {
                del.outcome = report::Outcome::error;
                del.message = r.error().describe();
            } else {
                del.message = "deleted " + m_provider.info().name;
            }
            if (!keep && !m_provider.leftover_hint().empty()) {
                m_run.notices.push_back("left behind: " + m_provider.leftover_hint());
                spdlog::warn("left behind: {}", m_provider.leftover_hint());
            }
            finish_case(cleanup, std::move(del));
            phase_counts("cleanup");
        }
        cleanup.duration_ms = m_o.now_ms() - cleanup.start_ms;
    }

    report::Case start_case(const std::string& name, const std::string& classname) const {
        report::Case c{name, classname};
        c.start_ms = m_o.now_ms();
        return c;
    }
    void finish_case(report::Suite& suite, report::Case c) const {
        c.duration_ms = m_o.now_ms() - c.start_ms;
        spdlog::info("{} {} ({} ms){}", c.outcome == report::Outcome::passed ? "✓" : c.outcome == report::Outcome::skipped ? "-" : "✗", c.name,
                     c.duration_ms, c.message.empty() ? "" : ": " + c.message);
        suite.add(std::move(c));
    }
    void phase_counts(const std::string& phase) {
        auto& n = m_phase_processes[phase];
        n += m_counting.take();
        m_run.set_property("kubectl.processes." + phase, std::to_string(n));
    }

private:
    std::chrono::milliseconds left(std::chrono::milliseconds step) const {
        auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(m_step_deadline - std::chrono::steady_clock::now());
        return std::max(0ms, std::min(step, remaining));
    }
    kube::Kubectl kubectl() {
        return kube::Kubectl(m_counting, kube::Target{m_provider.info().kubeconfig, m_provider.info().context, m_work_dir + "/cache"});
    }
    report::Case action_case(const std::string& name) const { return start_case(m_prefix + name, m_classname); }
    report::Outcome skip(report::Suite& suite, const std::string& name, const std::string& why) {
        auto c = action_case(name);
        c.outcome = report::Outcome::skipped;
        c.message = why;
        finish_case(suite, std::move(c));
        return report::Outcome::skipped;
    }

    report::Outcome install(const Release& r, report::Suite& suite, std::chrono::milliseconds wait_timeout, std::string& failure,
                            bool forced_rollback = false) {
        auto k = kubectl();
        preload(r.images);
        auto apply = action_case("apply " + r.label);
        auto applied = m_namespace_applied ? Result<std::string>(std::string()) : k.apply(kube::namespace_manifest(m_o.ns), m_o.ns, left(m_o.apply_timeout));
        if (applied) {
            m_namespace_applied = true;
            applied = k.apply(r.manifests, m_o.ns, left(m_o.apply_timeout));
        }
        phase_counts("apply");
        m_current = &r;
        if (!applied) {
            apply.outcome = outcome_of(applied.error());
            apply.message = applied.error().describe();
            if (applied.error().kind == ErrorKind::interrupted) m_run.interrupted = true;
            // An API the cluster does not serve (PF006, checked against its version) explains a
            // refused apply: the candidate's defect (exit 1), not the infrastructure's.
            else
                for (const auto& res : r.static_results)
                    if (!res.passed && res.check == analysis::CheckId::api_version_served && res.finding && res.finding->severity == analysis::Severity::error) {
                        apply.outcome = report::Outcome::failed;
                        apply.message = "the cluster does not serve an API the manifests use: " + res.finding->title + " (" + res.finding->id +
                                        "); kubectl: " + apply.message;
                        break;
                    }
            failure = apply.message;
            auto outcome = apply.outcome;
            finish_case(suite, std::move(apply));
            return outcome;
        }
        apply.message = std::to_string(std::count(applied->begin(), applied->end(), '\n')) + " objects server-side applied into namespace " + m_o.ns;
        finish_case(suite, std::move(apply));
        return wait_case(r, suite, wait_timeout, failure, forced_rollback);
    }

    // Waits for every expected workload of `r`, then one case per workload.
    report::Outcome wait_case(const Release& r, report::Suite& suite, std::chrono::milliseconds limit_in, std::string& failure,
                              bool forced_rollback = false) {
        auto wait = action_case("workloads Healthy");
        ForcedRollback forced;
        auto k = kubectl();
        health::StuckClock clock;
        kube::LiveView view;
        auto limit = left(limit_in);
        auto until = std::chrono::steady_clock::now() + limit;
        m_state = {};
        m_snapshot.clear();
        if (auto started = view.start(k, m_o.ns, {"pods", "deployments", "statefulsets", "daemonsets", "jobs"}, limit + 5s); !started) {
            wait.outcome = report::Outcome::error;
            wait.message = started.error().describe();
        } else {
            auto watching_since = std::chrono::steady_clock::now();
            while (true) {
                view.wait_change(100ms);
                m_snapshot = view.snapshot();
                m_state = health::evaluate(m_snapshot, r.expected, clock, seconds_now(), m_o.stuck_grace_s);
                if (forced_rollback) forced.step(k, m_o.ns, m_state.stale, left(30s));
                if (m_state.healthy) {
                    wait.message = std::to_string(r.expected.size()) + " workloads Healthy";
                    break;
                }
                // The watches list what exists in no particular order; a verdict before every
                // applied workload was listed would miss who owns the stuck pods. Bounded.
                if (m_state.failed && (m_state.all_listed() || std::chrono::steady_clock::now() - watching_since > 5s)) {
                    wait.outcome = report::Outcome::failed;
                    break;
                }
                if (proc::interrupt_level() > 0) {
                    m_run.interrupted = true;
                    wait.outcome = report::Outcome::skipped;
                    wait.message = "interrupted by signal " + std::to_string(proc::last_signal()) + " while waiting; still pending: " +
                                   m_state.pending_text();
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
                    wait.message = "timed out after " + std::to_string(limit.count() / 1000) + " s; still pending: " + m_state.pending_text();
                    break;
                }
            }
        }
        view.stop();
        m_run.set_property("kubectl.watch_processes", std::to_string(view.processes_started()));
        if (wait.outcome == report::Outcome::failed && m_state.failed) explain(r, wait, k);
        if (wait.outcome == report::Outcome::failed && !forced_rollback)
            for (const auto& p : m_state.stale)
                wait.message += "; " + p.workload.text() + ": pod " + p.pod + " is left on revision " + p.revision +
                                " and not Ready, and Kubernetes never replaces it (a rollback must delete it: kubectl --namespace " + m_o.ns +
                                " delete pod " + p.pod + ")";
        phase_counts("wait");
        if (!forced.deleted.empty() || !forced.errors.empty()) {
            auto c = action_case("forced rollback");
            c.start_ms = wait.start_ms;
            c.outcome = forced.errors.empty() ? report::Outcome::passed : report::Outcome::failed;
            c.message = forced.describe(m_o.ns);
            finish_case(suite, std::move(c));
        }
        // One case per expected workload, so JUnit shows which ones made it.
        std::vector<report::Case> per_workload;
        for (const auto& e : r.expected) {
            auto w = action_case(e.text());
            w.start_ms = wait.start_ms;
            if (const auto* pending = m_state.pending_for(e)) {
                w.outcome = m_run.interrupted ? report::Outcome::skipped : report::Outcome::failed;
                w.message = pending->reason;
            } else {
                w.message = "Healthy";
            }
            per_workload.push_back(std::move(w));
        }
        auto outcome = wait.outcome;
        if (failed(outcome)) failure = wait.message;
        finish_case(suite, std::move(wait));
        for (auto& w : per_workload) suite.add(std::move(w));
        return outcome;
    }

    // The root cause: the decisive container's own log first (one or two calls), joined to
    // the static finding, before any slower diagnostics.
    void explain(const Release& r, report::Case& wait, kube::Kubectl& k) {
        const auto& first = m_state.decisive.front();
        std::map<std::string, std::string> lines;
        // The previous instance's log, else the current one's. Right after a restart the kubelet
        // may answer for neither ("unable to retrieve container logs": the instance --previous
        // names is being replaced); that answer is no log line, so ask once more a moment later.
        bool unavailable = false;
        for (int attempt = 0; attempt < 2 && lines.empty(); ++attempt) {
            if (attempt > 0) {
                if (!unavailable || proc::interrupt_level() != 0) break;
                std::this_thread::sleep_for(1s);
            }
            unavailable = false;
            for (bool previous : {true, false}) {
                if (previous && first.container.restarts == 0) continue;
                auto log = k.output(kube::logs_args(k.target(), m_o.ns, first.pod, first.container.container, previous), left(30s), true);
                if (log && kube::log_unavailable(*log)) {
                    unavailable = true;
                    continue;
                }
                if (log && !decisive_line(*log).empty()) {
                    lines[first.pod + "/" + first.container.container] = decisive_line(*log);
                    break;
                }
            }
        }
        wait.message = root_cause(m_state.decisive, lines, r.static_results);
        for (const auto& s : m_state.decisive)
            wait.detail += s.workload.text() + " pod " + s.pod + ": " + (s.container.init ? "init container " : "container ") + s.container.container +
                           ": " + s.container.reason + (s.container.message.empty() ? "" : ": " + s.container.message) + "\n";
        if (auto it = lines.find(first.pod + "/" + first.container.container); it != lines.end())
            wait.evidence.push_back({"log " + first.pod + " " + first.container.container, it->second});
        if (const auto* f = matching_finding(r.static_results, first.workload, first.container.container))
            wait.evidence.push_back({"static finding " + f->finding->id, f->finding->title + "\n" + f->finding->explanation});
    }

    // Whether the workload was Healthy in the last snapshot of the wait; true when the snapshot
    // does not have it (nothing known against it).
    bool workload_ready(const model::WorkloadId& w) const {
        for (const auto& o : m_snapshot)
            if (o["kind"].str() == w.kind && o.at_path({"metadata", "name"}).str() == w.name) {
                auto h = health::assess(o);
                return !h || h->status == health::Status::healthy;
            }
        return true;
    }

    Result<probe::Owner> owner(kube::Kubectl& k) {
        if (!m_owner) m_owner = probe::ensure_owner(k, m_o.ns, left(60s));
        return *m_owner;
    }
    void release_owner(kube::Kubectl& k) {
        if (m_owner && *m_owner)
            if (auto r = probe::remove_owner(k, m_o.ns, left(60s)); !r) spdlog::warn("removing probe pods: {}", r.error().describe());
        m_owner.reset();
    }

    // The canary (once per session), then every probe of `r`.
    report::Outcome probes(const Release& r, report::Suite& suite, std::chrono::milliseconds deadline, std::string& failure) {
        auto skip_all = [&](const std::string& why) {
            for (const auto& spec : r.probes) skip(suite, spec.name, why);
            return report::Outcome::skipped;
        };
        // Probes the plan requires that could not run are errors, never skips: a gate whose
        // probes silently did nothing must not pass. Only --no-probes (asked for) skips them.
        auto error_all = [&](const std::string& why) {
            for (const auto& spec : r.probes) {
                auto c = action_case(spec.name);
                c.outcome = report::Outcome::error;
                c.message = "did not run: " + why;
                finish_case(suite, std::move(c));
            }
            if (failure.empty()) failure = "the probes did not run: " + why;
            return report::Outcome::error;
        };
        if (!m_o.probes_enabled) return skip_all("--no-probes");
        if (r.probes.empty()) return report::Outcome::passed;
        if (r.probe_image.empty()) return error_all("no probe image: pass --probe-image");
        auto k = kubectl();
        auto own = owner(k);
        if (!own) return error_all("cannot create the probe owner: " + own.error().describe());
        probe::LiveOptions lo{m_o.ns, r.probe_image, m_o.probe_timeout_s, left(deadline)};
        if (!m_canary_done) {
            m_canary_done = true;
            auto c = action_case("enforcement canary");
            auto canary = probe::run_canary(k, lo, *own);
            m_enforced = canary && canary->verdict == probe::Canary::Verdict::enforced;
            m_rejects = m_enforced && canary->blocked_as == "refused";
            m_why_unproven = canary ? canary->message : canary.error().describe();
            if (!canary) {
                c.outcome = report::Outcome::error;
                c.message = canary.error().describe();
            } else {
                // Enforced: passed. Proven not enforced: skipped (a property of the cluster, with a
                // notice). Could not tell (the canary itself did not run): an error.
                c.outcome = m_enforced ? report::Outcome::passed
                            : canary->verdict == probe::Canary::Verdict::not_enforced ? report::Outcome::skipped
                                                                                        : report::Outcome::error;
                c.message = canary->message;
                for (const auto& p : canary->probes)
                    c.evidence.push_back({p.spec.name, std::string("expected ") + (p.spec.expect == probe::Expect::reachable ? "reachable" : "blocked") +
                                                           ", observed " + observed_text(p.result)});
                if (!m_enforced)
                    m_run.notices.insert(m_run.notices.begin(), canary->message + ": expected-blocked probes are skipped, not passed");
            }
            finish_case(suite, std::move(c));
        }
        auto outcomes = probe::run_batch(k, r.probes, lo, "probe-" + std::to_string(++m_batches), *own);
        release_owner(k);
        phase_counts("probes");
        if (!outcomes) return error_all("probes could not be created: " + outcomes.error().describe());
        auto verdict = report::Outcome::passed;
        for (const auto& out : *outcomes) {
            const auto& spec = out.spec;
            auto c = action_case(spec.name);
            bool expect_reach = spec.expect == probe::Expect::reachable;
            auto obs = out.result.observed;
            bool reached = obs == probe::Observed::reachable || obs == probe::Observed::auth_failed;
            bool refused = out.result.result == "refused";
            // Nothing answers behind a Service whose workload is not Ready: a failed connection
            // there is no policy verdict either way (and a "block" proves no isolation).
            bool backend_down = spec.backend && !reached && !workload_ready(*spec.backend);
            auto target = spec.host + ":" + std::to_string(spec.port);
            // A refusal proves a block only where the enforcer is known to reject (the canary's
            // blocked connection was refused) and another probe of this batch reached the same
            // host and port: then something listens there, and the refusal was the policy's.
            const probe::Outcome* witness = nullptr;
            if (refused && m_rejects && !expect_reach)
                for (const auto& other : *outcomes)
                    if (&other != &out && other.spec.host == spec.host && other.spec.port == spec.port &&
                        (other.result.observed == probe::Observed::reachable || other.result.observed == probe::Observed::auth_failed))
                        witness = &other;
            c.message = "expected " + std::string(expect_reach ? "reachable" : "blocked") + ", observed " + observed_text(out.result) +
                        "; static analysis: " + (spec.predicted_allowed ? "allowed" : "blocked");
            c.facts = {{"expected", expect_reach ? "reachable" : "blocked"},
                       {"observed", observed_text(out.result)},
                       {"static", spec.predicted_allowed ? "allowed" : "blocked"}};
            if (obs == probe::Observed::not_run) {
                c.outcome = report::Outcome::error;
                c.message += "; the probe did not run to a verdict";
            } else if (backend_down) {
                c.outcome = expect_reach ? report::Outcome::failed : report::Outcome::skipped;
                c.message += "; its backend " + spec.backend->text() + " is not Ready, so nothing answers there: this says nothing about the policies";
            } else if (obs == probe::Observed::unresolved) {
                // No verdict on the connection: fails an expected reach, never proves a block.
                c.outcome = expect_reach ? report::Outcome::failed : report::Outcome::error;
                c.message += expect_reach ? "; the name it needs does not resolve from this identity" : "; not proven: the name did not resolve";
            } else if (!expect_reach && !m_enforced) {
                c.outcome = report::Outcome::skipped;
                c.message += "; not proven: " + m_why_unproven;
            } else if (!expect_reach && refused && !witness) {
                c.outcome = report::Outcome::skipped;
                c.message += m_rejects ? "; not proven: this cluster's enforcer blocks by refusing, but nothing else reached " + target +
                                             " in this batch to show that something listens there"
                                       : "; not proven: refused means nothing listens behind it, not that a policy drops the connection";
            } else if (expect_reach) {
                c.outcome = obs == probe::Observed::reachable ? report::Outcome::passed : report::Outcome::failed;
                if (obs == probe::Observed::auth_failed) c.message += " (connected, but PING was not answered with PONG)";
                if (refused)
                    c.message += m_rejects ? " — refused: nothing listens behind it, or this cluster's enforcer (which blocks by refusing) rejected it"
                                           : " — refused means nothing listens behind it (no Ready pods?), not a NetworkPolicy drop";
            } else {
                // Expected blocked and not reached. A refusal counts only with a witness (above).
                if (refused)
                    c.message += "; a block: this cluster's enforcer refuses what it blocks (the canary's blocked connection was refused "
                                 "while its listener ran), and " + witness->spec.name + " reached " + target + " in the same batch";
                c.outcome = reached ? report::Outcome::failed : report::Outcome::passed;
            }
            c.evidence.push_back({"probe pod " + out.pod, "identity " + spec.identity + " (service account " + spec.service_account + "), " +
                                                             probe::to_string(spec.kind) + " " + spec.host + ":" + std::to_string(spec.port)});
            if (failed(c.outcome)) {
                verdict = report::Outcome::failed;
                if (failure.empty()) failure = c.name + ": " + c.message;
            }
            finish_case(suite, std::move(c));
            // Static and live disagree: the model or the cluster is surprising; say which way. A
            // refused connection is no policy verdict (policies drop), so it is no disagreement.
            if (obs == probe::Observed::not_run || obs == probe::Observed::unresolved || reached == spec.predicted_allowed ||
                (refused && !witness) || backend_down)
                continue;
            auto d = action_case("static vs live: " + spec.name);
            if (reached && !m_enforced) {
                d.outcome = report::Outcome::skipped;
                d.message = "static analysis predicted blocked, the cluster allowed it; explained: " + m_why_unproven;
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
            if (failed(d.outcome)) verdict = report::Outcome::failed;
            finish_case(suite, std::move(d));
        }
        return verdict;
    }

    report::Outcome smoke_create(const Release& r, report::Suite& suite, std::optional<std::chrono::milliseconds> timeout, std::string& failure) {
        static const char* k_steps[][2] = {{"login", "smoke: log in to the Argo CD API"},
                                           {"create", "smoke: create Application"},
                                           {"wait", "smoke: Application Synced and Healthy"}};
        auto skip_from = [&](std::size_t from, const std::string& why) {
            for (std::size_t i = from; i < 3; ++i) skip(suite, k_steps[i][1], why);
            return report::Outcome::skipped;
        };
        if (!m_o.smoke_enabled) return skip_from(0, "--no-smoke");
        if (!r.smoke_target)
            return skip_from(0, !r.smoke_skip_reason.empty() ? r.smoke_skip_reason
                                                             : "the manifests run no Argo CD API server (argocd-server), e.g. core-install");
        if (!m_state.healthy) return skip_from(0, "Argo CD did not become Healthy");
        auto k = kubectl();
        auto own = owner(k);
        if (!own) return skip_from(0, "cannot create the probe owner: " + own.error().describe());
        // The initial admin password, registered so that nothing written out can show it.
        auto args = kube::base_args(k.target());
        args.insert(args.end(), {"get", "secret", m_o.smoke.admin_secret, "--namespace", m_o.ns, "--ignore-not-found", "--output",
                                 "jsonpath={.data.password}"});
        proc::Command get{args, left(30s)};
        get.secret_output = true;
        if (auto pw = proc::check(get, k.runner().run(get)); pw && !pw->out.empty()) {
            Redactor::global().add(pw->out);
            if (auto plain = text::base64_decode(pw->out)) Redactor::global().add(*plain);
        }
        auto options = m_o.smoke;
        if (timeout) options.timeout_s = static_cast<int>(timeout->count() / 1000);
        auto started = m_o.now_ms();
        auto pod = "preflight-smoke-" + std::to_string(++m_batches);
        auto log = probe::run_to_completion(k, m_o.ns, probe::smoke_pod_manifest(*r.smoke_target, options, pod, *own), pod, "smoke",
                                            left(std::chrono::seconds(options.timeout_s + 60)));
        release_owner(k);
        phase_counts("smoke");
        if (!log) {
            auto c = action_case(k_steps[0][1]);
            c.outcome = report::Outcome::error;
            c.message = log.error().describe();
            failure = c.message;
            finish_case(suite, std::move(c));
            skip_from(1, "the smoke pod did not run");
            return report::Outcome::error;
        }
        auto parsed = probe::parse_smoke(*log);
        for (std::size_t i = 0; i < 3; ++i) {
            auto it = std::find_if(parsed.begin(), parsed.end(), [&](const probe::SmokeStep& s) { return s.step == k_steps[i][0]; });
            if (it == parsed.end()) {
                if (i == 0) failure = "no output from the smoke pod";
                skip_from(i, i == 0 ? "no output from the smoke pod" : "an earlier step failed");
                return i == 0 ? report::Outcome::error : report::Outcome::failed;
            }
            auto c = action_case(k_steps[i][1]);
            c.start_ms = started;
            c.outcome = it->ok ? report::Outcome::passed : report::Outcome::failed;
            c.message = it->detail;
            if (i == 2 && it->ok) {
                m_smoke_created = true;
                if (auto app = application_state(k)) c.evidence.push_back({"Application " + m_o.smoke.app, app->text()});
            }
            if (!it->ok) failure = c.name + ": " + c.message;
            finish_case(suite, std::move(c));
            if (!it->ok) {
                skip_from(i + 1, "an earlier step failed");
                return report::Outcome::failed;
            }
        }
        return report::Outcome::passed;
    }

    // The smoke Application as Argo CD reports it: its health, and whether it is Synced.
    struct AppState {
        health::Health health;
        bool synced = false;
        std::string text() const { return std::string(health::to_string(health.status)) + ": " + health.message; }
        bool good() const { return synced && health.status == health::Status::healthy; }
    };
    std::optional<AppState> application_state(kube::Kubectl& k) {
        auto args = kube::base_args(k.target());
        args.insert(args.end(), {"get", "applications.argoproj.io", m_o.smoke.app, "--namespace", m_o.ns, "--output", "json"});
        auto app = k.output(args, left(30s));
        if (!app) return std::nullopt;
        auto docs = model::parse_documents("application", *app);
        if (!docs || docs->empty()) return std::nullopt;
        auto h = health::assess((*docs)[0]);
        if (!h) return std::nullopt;
        return AppState{*h, (*docs)[0].at_path({"status", "sync", "status"}).str() == "Synced"};
    }

    // The Application made earlier must still be Synced and Healthy (read from the cluster).
    report::Outcome smoke_verify(report::Suite& suite, std::string& failure) {
        if (!m_smoke_created) return skip(suite, "smoke: Application still Synced and Healthy", "no smoke Application was created earlier");
        auto k = kubectl();
        auto c = action_case("smoke: Application still Synced and Healthy");
        // Argo CD needs a moment after an upgrade: poll its status through one watch-free loop of
        // gets, bounded by the smoke timeout.
        auto until = std::chrono::steady_clock::now() + left(std::chrono::seconds(m_o.smoke.timeout_s));
        std::optional<AppState> app;
        while (true) {
            app = application_state(k);
            if ((app && app->good()) || std::chrono::steady_clock::now() >= until || proc::interrupt_level() > 0) break;
            std::this_thread::sleep_for(1s);
        }
        phase_counts("smoke");
        bool ok = app && app->good();
        c.outcome = ok ? report::Outcome::passed : report::Outcome::failed;
        c.message = "Application " + m_o.smoke.app + (app ? ": " + app->text() : " not found");
        if (!ok) failure = c.message;
        finish_case(suite, std::move(c));
        return ok ? report::Outcome::passed : report::Outcome::failed;
    }

    // Best effort: a failing command is noted in index.txt and the next one runs.
    void diagnostics(const std::string& step, report::Suite& suite) {
        auto c = action_case("collect diagnostics");
        if (m_o.artifacts_dir.empty()) {
            c.outcome = report::Outcome::skipped;
            c.message = "no artifacts directory";
            finish_case(suite, std::move(c));
            return;
        }
        fs::path dir = fs::path(m_o.artifacts_dir) / "diagnostics" / safe_name(step);
        std::error_code ec;
        fs::create_directories(dir / "logs", ec);
        fs::create_directories(dir / "describe", ec);
        std::vector<std::string> index;
        int unwritten = 0;
        // index.txt lists a file only once it is written; a write that failed (a full disk) is
        // listed with its error instead, and counted in the case.
        auto write = [&](const fs::path& file, const std::string& text) {
            if (auto w = write_file_atomic(file.string(), text); !w) {
                index.push_back(fs::relative(file, dir).string() + ": not written: " + w.error().message);
                ++unwritten;
                return;
            }
            index.push_back(fs::relative(file, dir).string());
        };
        auto k = kubectl();
        auto save = [&](const fs::path& file, const kube::Args& args) -> std::optional<std::string> {
            auto out = k.output(args, left(60s), true);
            if (!out) {
                index.push_back(file.filename().string() + ": " + out.error().message);
                return std::nullopt;
            }
            write(file, *out);
            return std::optional<std::string>(std::move(*out));
        };
        const auto& ns = m_o.ns;
        save(dir / "events.json", kube::get_json_args(k.target(), "events", ns));
        save(dir / "pods.json", kube::get_json_args(k.target(), "pods", ns));
        save(dir / "workloads.json", kube::get_json_args(k.target(), "deployments,statefulsets,daemonsets,jobs,replicasets", ns));
        std::vector<std::string> failing_pods;
        for (const auto& s : m_state.stuck)
            if (std::find(failing_pods.begin(), failing_pods.end(), s.pod) == failing_pods.end()) failing_pods.push_back(s.pod);
        for (const auto& pod : failing_pods) save(dir / "describe" / (safe_name(pod) + ".txt"), kube::describe_args(k.target(), ns, "pod", pod));
        for (const auto& p : m_snapshot) {
            if (p["kind"].str() != "Pod") continue;
            std::string pod(p.at_path({"metadata", "name"}).str());
            std::map<std::string, std::int64_t> restarts;
            std::vector<std::string> started;
            for (const char* key : {"initContainerStatuses", "containerStatuses"})
                for (const auto& cs : p.at_path({"status", key}).items) {
                    restarts[std::string(cs["name"].str())] = cs["restartCount"].as_int().value_or(0);
                    const auto& st = cs["state"];
                    if (st.find("running") || st.find("terminated") || cs.at_path({"lastState", "terminated"}).is_mapping())
                        started.push_back(std::string(cs["name"].str()));
                }
            for (const char* key : {"initContainers", "containers"})
                for (const auto& container : p.at_path({"spec", key}).items) {
                    std::string name(container["name"].str());
                    if (std::find(started.begin(), started.end(), name) == started.end()) continue;  // never ran: no logs
                    auto base = dir / "logs" / safe_name(pod + "." + name);
                    if (restarts[name] > 0) save(base.string() + ".previous.log", kube::logs_args(k.target(), ns, pod, name, true));
                    save(base.string() + ".log", kube::logs_args(k.target(), ns, pod, name, false));
                }
        }
        if (auto r = m_provider.collect_logs((dir / "cluster-logs").string()); !r) index.push_back("cluster-logs: " + r.error().message);
        else if (m_provider.info().provider == "kind") index.push_back("cluster-logs/");
        if (m_current) {
            write(dir / "manifests.yaml", m_current->manifests);
            write(dir / "static-findings.txt", m_current->static_summary);
        }
        auto indexed = write_file_atomic((dir / "index.txt").string(), text::join(index, "\n") + "\n");
        c.message = "written to " + dir.string();
        // Best effort, but never silent: what could not be written is said in the report.
        if (unwritten > 0 || !indexed) {
            c.outcome = report::Outcome::skipped;
            c.message += "; " + std::to_string(unwritten + (indexed ? 0 : 1)) + " file(s) could not be written" +
                         (indexed ? " (see index.txt)" : ": " + indexed.error().message);
        }
        finish_case(suite, std::move(c));
        phase_counts("diagnostics");
    }

    CountingRunner m_counting;
    cluster::ClusterProvider& m_provider;
    const SessionOptions& m_o;
    report::Run& m_run;
    std::chrono::steady_clock::time_point m_deadline, m_step_deadline;
    std::string m_work_dir;
    bool m_created = false, m_namespace_applied = false, m_smoke_created = false;
    const Release* m_current = nullptr;
    health::InstallState m_state;
    std::vector<model::Value> m_snapshot;
    std::optional<Result<probe::Owner>> m_owner;
    bool m_canary_done = false, m_enforced = false, m_rejects = false;  // m_rejects: the canary's block was a refusal
    std::string m_why_unproven;
    int m_batches = 0;
    std::map<std::string, int> m_phase_processes;  // kubectl processes started per phase
    std::string m_prefix, m_classname;
};

}  // namespace

namespace {

// The steps: try until an action fails, catch on failure, finally always; cleanup actions of
// every started step last in, first out after the last step.
void run_steps(Session& session, const Scenario& scenario, const Release& candidate, const Release* baseline, const SessionOptions& options,
               report::Run& run) {
    bool ok = session.start(options.spec.workers);
    // Taken after start(): adding a suite may move the others (it is a vector).
    auto& suite = run.suite("scenario " + scenario.name);
    suite.start_ms = options.now_ms();
    // cleanup actions, last in first out, after every step.
    std::vector<std::pair<const Step*, const Action*>> cleanups;
    bool stopped = !ok;
    for (const auto& step : scenario.steps) {
        auto step_case = session.start_case(step.name, scenario.name + "/" + step.name);
        if (stopped || session.interrupted()) {
            step_case.outcome = report::Outcome::skipped;
            step_case.message = session.interrupted() ? "interrupted" : ok ? "an earlier step failed" : "the cluster could not be set up";
            session.finish_case(suite, std::move(step_case));
            continue;
        }
        session.set_step_deadline(step.timeout);
        for (const auto& a : step.cleanup) cleanups.emplace_back(&step, &a);
        std::string failure;
        auto outcome = report::Outcome::passed;
        std::size_t index = 0;
        for (; index < step.try_.size(); ++index) {
            auto o = session.run_action(step.try_[index], step, suite, candidate, baseline, failure);
            if (failed(o) || session.interrupted()) {
                outcome = session.interrupted() ? report::Outcome::skipped : o;
                ++index;
                break;
            }
        }
        for (; index < step.try_.size(); ++index) {
            auto c = session.start_case(step.name + ": " + step.try_[index].describe(), scenario.name + "/" + step.name);
            c.outcome = report::Outcome::skipped;
            c.message = "an earlier action of the step failed";
            session.finish_case(suite, std::move(c));
        }
        if (failed(outcome) && !session.interrupted())
            for (const auto& a : step.catch_) {
                std::string catch_failure;  // the step's failure stays the one that made it fail
                session.run_action(a, step, suite, candidate, baseline, catch_failure);
            }
        if (!session.interrupted()) {
            for (const auto& a : step.finally_) {
                std::string finally_failure;
                auto o = session.run_action(a, step, suite, candidate, baseline, finally_failure);
                if (failed(o) && !failed(outcome)) {
                    outcome = report::Outcome::failed;
                    failure = finally_failure;
                }
            }
        }
        step_case.outcome = session.interrupted() ? report::Outcome::skipped : failed(outcome) ? report::Outcome::failed : report::Outcome::passed;
        step_case.message = session.interrupted() ? "interrupted by signal " + std::to_string(proc::last_signal()) : failure;
        if (failed(step_case.outcome) && run.root_cause.empty()) run.root_cause = step.name + ": " + failure;
        session.finish_case(suite, std::move(step_case));
        if (failed(outcome) && step.on_failure == OnFailure::stop) stopped = true;
        if (session.interrupted()) run.interrupted = true;
    }
    session.set_step_deadline(std::nullopt);
    for (auto it = cleanups.rbegin(); it != cleanups.rend() && !session.interrupted(); ++it) {
        std::string ignored;
        session.run_action(*it->second, *it->first, suite, candidate, baseline, ignored);
    }
    suite.duration_ms = options.now_ms() - suite.start_ms;
}

}  // namespace

void run_scenario(proc::Runner& runner, cluster::ClusterProvider& provider, const Scenario& scenario, const Release& candidate,
                  const Release* baseline, const SessionOptions& options, report::Run& run) {
    run.set_property("scenario", scenario.name);
    Session session(runner, provider, options, run);
    try {
        run_steps(session, scenario, candidate, baseline, options, run);
    } catch (const std::exception& e) {
        // A bug must not leave a cluster behind: report it, then clean up as always.
        auto& suite = run.suite("scenario " + scenario.name);
        auto c = session.start_case("internal error", scenario.name);
        c.outcome = report::Outcome::error;
        c.message = std::string("internal error: ") + e.what() + " (the cluster is cleaned up all the same)";
        session.finish_case(suite, std::move(c));
    }
    session.finish(run.verdict() != report::Outcome::passed || run.interrupted);
}

}  // namespace preflight::scenario
