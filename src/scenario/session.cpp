// run_scenario: one cluster, the scenario's steps over it, and a cleanup that always runs
// (house style, "Cluster lifecycle" and "Scenarios and reports"). This file is the cluster's
// lifecycle only; the steps are in steps.cpp, the actions in actions/.
#include "preflight/scenario/session.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "preflight/scenario/actions.hpp"

namespace preflight::scenario {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Suite "cluster": tools, the cluster, version skew, the API server's real endpoint; then the
// scenario; then suite "cleanup". Owns the private work directory.
class Session {
public:
    explicit Session(ActionContext& ctx) : m_ctx(ctx) {}
    ~Session() {
        std::error_code ec;
        if (!m_ctx.work_dir().empty()) fs::remove_all(m_ctx.work_dir(), ec);
    }

    // false: nothing can run (the failing case says why).
    bool start() {
        m_ctx.enter("cluster", "", "cluster");
        auto& cl = m_ctx.run().suite("cluster");
        cl.start_ms = m_ctx.options().now_ms();
        bool ok = make_work_dir() && check_tools() && create() && check_versions() && discover_endpoint();
        if (ok) m_ctx.count("cluster");
        auto& suite = m_ctx.run().suite("cluster");
        suite.duration_ms = m_ctx.options().now_ms() - suite.start_ms;
        return ok;
    }

    // Deletes the cluster unless retained; suite "cleanup".
    void finish(bool run_failed) {
        const auto& o = m_ctx.options();
        m_ctx.enter("cleanup", "", "cleanup");
        m_ctx.run().suite("cleanup").start_ms = o.now_ms();
        bool keep = o.retain == cluster::Retain::always || (o.retain == cluster::Retain::on_failure && run_failed);
        if (m_created) {
            auto del = m_ctx.start_case(keep ? "cluster retained" : "delete cluster");
            if (keep) retain(del);
            else if (auto r = m_ctx.provider().destroy(); !r) {
                del.outcome = report::Outcome::error;
                del.message = r.error().describe();
            } else {
                del.message = "deleted " + m_ctx.provider().info().name;
            }
            if (!keep && !m_ctx.provider().leftover_hint().empty()) {
                m_ctx.run().notices.push_back("left behind: " + m_ctx.provider().leftover_hint());
                spdlog::warn("left behind: {}", m_ctx.provider().leftover_hint());
            }
            m_ctx.finish(std::move(del));
            m_ctx.count("cleanup");
        }
        auto& cleanup = m_ctx.run().suite("cleanup");
        cleanup.duration_ms = o.now_ms() - cleanup.start_ms;
    }

private:
    bool fail(report::Case c, report::Outcome outcome, std::string message) {
        c.outcome = outcome;
        c.message = std::move(message);
        m_ctx.finish(std::move(c));
        return false;
    }

    bool make_work_dir() {
        std::string tmpl = (fs::temp_directory_path() / "argocd-preflight-XXXXXX").string();
        if (!::mkdtemp(tmpl.data()))
            return fail(m_ctx.start_case("work directory"), report::Outcome::error,
                        "cannot create a temporary directory under " + fs::temp_directory_path().string());
        m_ctx.set_work_dir(tmpl);
        return true;
    }

    bool check_tools() {
        auto tools = m_ctx.start_case("tools");
        if (auto r = m_ctx.provider().check_tools(); !r) return fail(std::move(tools), report::Outcome::error, r.error().describe());
        const auto& info = m_ctx.provider().info();
        tools.message = info.tool_version.empty() ? info.provider : info.tool_version;
        m_ctx.finish(std::move(tools));
        return true;
    }

    bool create() {
        const auto& o = m_ctx.options();
        auto spec = o.spec;
        spec.work_dir = m_ctx.work_dir();
        spec.ns = o.ns;
        spec.create_timeout = m_ctx.left(spec.create_timeout);
        auto create = m_ctx.start_case("create cluster");
        auto created = m_ctx.provider().create(spec);
        m_created = true;
        if (!created) {
            if (created.error().kind == ErrorKind::interrupted) m_ctx.run().interrupted = true;
            return fail(std::move(create), outcome_of(created.error()), created.error().describe());
        }
        const auto& info = m_ctx.provider().info();
        auto& run = m_ctx.run();
        if (!info.enforces_network_policy && !info.enforcement_note.empty()) run.notices.push_back(info.enforcement_note);
        for (const auto& n : info.notices) run.notices.push_back(n);
        create.message = info.provider + " " + info.name + (info.node_image.empty() ? "" : " (" + info.node_image + ")");
        run.set_property("cluster.provider", info.provider);
        run.set_property("cluster.name", info.name);
        if (!info.node_image.empty()) run.set_property("cluster.node_image", info.node_image);
        m_ctx.finish(std::move(create));
        return true;
    }

    // kubectl within one minor of the server; then the API versions it serves (PF006).
    bool check_versions() {
        auto k = m_ctx.kubectl();
        auto skew = m_ctx.start_case("kubectl version skew");
        auto versions = k.versions(m_ctx.left(60s));
        if (!versions) return fail(std::move(skew), outcome_of(versions.error()), versions.error().describe());
        m_ctx.run().set_property("cluster.kubernetes", versions->server);
        if (std::abs(versions->client_minor - versions->server_minor) > 1)
            return fail(std::move(skew), report::Outcome::error,
                        "kubectl " + versions->client + " is too far from the cluster's " + versions->server +
                            " (kubectl supports one minor version either way): install a matching kubectl, or pick a node image "
                            "within one minor of it (--node-image)");
        skew.message = "kubectl " + versions->client + ", server " + versions->server;
        m_ctx.finish(std::move(skew));
        if (!m_ctx.options().on_server_version) return true;
        auto served = m_ctx.start_case("API versions served");
        auto note = m_ctx.options().on_server_version(versions->server);
        if (!note) return fail(std::move(served), outcome_of(note.error()), note.error().describe());
        served.message = *note;
        m_ctx.finish(std::move(served));
        return true;
    }

    // The static stage assumed an API server address; the cluster knows the real one.
    bool discover_endpoint() {
        auto k = m_ctx.kubectl();
        auto api = m_ctx.start_case("API server endpoint");
        auto slice = k.output(kube::apiserver_endpointslice_args(k.target()), m_ctx.left(60s));
        auto endpoint = slice ? kube::parse_apiserver_endpointslice(*slice) : Result<std::string>(std::unexpected(slice.error()));
        if (!endpoint) return fail(std::move(api), outcome_of(endpoint.error()), "cannot read the API server's endpoint: " + endpoint.error().describe());
        m_ctx.run().set_property("cluster.apiserver.endpoint", *endpoint);
        api.message = *endpoint;
        if (m_ctx.options().on_apiserver_endpoint) {
            auto note = m_ctx.options().on_apiserver_endpoint(*endpoint);
            if (!note) return fail(std::move(api), outcome_of(note.error()), note.error().describe());
            if (!note->empty()) api.message += ": " + *note;
        }
        m_ctx.finish(std::move(api));
        return true;
    }

    // Only the throwaway cluster's own kubeconfig is kept; an existing cluster's is the user's
    // file (and credentials) and stays where it is.
    void retain(report::Case& del) {
        const auto& info = m_ctx.provider().info();
        const auto& dir = m_ctx.options().artifacts_dir;
        std::string kept = dir.empty() || !info.owns_kubeconfig ? "" : (fs::path(dir) / "kubeconfig").string();
        if (!kept.empty() && fs::exists(info.kubeconfig)) {
            std::error_code ec;
            fs::create_directories(dir, ec);
            fs::copy_file(info.kubeconfig, kept, fs::copy_options::overwrite_existing, ec);
        }
        del.outcome = report::Outcome::skipped;
        del.message = "--retain: " + m_ctx.provider().leftover_hint() + (kept.empty() ? "" : "; kubeconfig: " + kept);
        m_ctx.run().notices.push_back("retained " + m_ctx.provider().leftover_hint());
    }

    ActionContext& m_ctx;
    bool m_created = false;
};

}  // namespace

SessionResult run_scenario(proc::Runner& runner, cluster::ClusterProvider& provider, const Scenario& scenario, const Release& candidate,
                           const Release* baseline, const SessionOptions& options, report::Run& run, Redactor& redactor) {
    run.set_property("scenario", scenario.name);
    ActionContext ctx(runner, provider, options, run, redactor);
    Session session(ctx);
    try {
        bool ready = session.start();
        run_steps(ctx, scenario, candidate, baseline, ready);
    } catch (const std::exception& e) {
        // A bug must not leave a cluster behind: report it, then clean up as always.
        auto c = ctx.start_case("internal error", scenario.name);
        c.outcome = report::Outcome::error;
        c.message = std::string("internal error: ") + e.what() + " (the cluster is cleaned up all the same)";
        ctx.finish(run.suite("scenario " + scenario.name), std::move(c));
    }
    session.finish(run.verdict() != report::Outcome::passed || run.interrupted);
    return {ctx.state().candidate_proven};
}

}  // namespace preflight::scenario
