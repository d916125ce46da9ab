// ExistingProvider: a cluster the team already has; the run owns one fresh namespace in it.
#include "preflight/cluster/provider.hpp"
#include <filesystem>

#include "preflight/kube/kubectl.hpp"

namespace preflight::cluster {
namespace {

class ExistingProvider final : public ClusterProvider {
public:
    explicit ExistingProvider(proc::Runner& runner) : m_runner(runner) { m_info.provider = "existing"; }

    Result<void> check_tools() override {
        if (!proc::find_program("kubectl"))
            return fail(ErrorKind::infrastructure, "kubectl not found on PATH: install a kubectl within one minor version of the cluster");
        m_info.enforces_network_policy = false;
        m_info.enforcement_note = "an existing cluster: NetworkPolicy enforcement depends on its network plugin; the enforcement canary decides";
        return {};
    }

    Result<void> create(const ClusterSpec& spec) override {
        if (spec.existing.kubeconfig.empty()) return fail(ErrorKind::usage, "--provider existing needs --kubeconfig FILE");
        m_info.kubeconfig = spec.existing.kubeconfig;
        m_info.context = spec.existing.context;
        m_info.name = spec.existing.context.empty() ? "current context of " + spec.existing.kubeconfig : spec.existing.context;
        m_ns = spec.ns;
        kube::Target t{spec.existing.kubeconfig, spec.existing.context, (std::filesystem::path(spec.work_dir) / "cache").string()};
        proc::Command get{kube::base_args(t), std::chrono::seconds(30)};
        get.argv.insert(get.argv.end(), {"get", "namespace", m_ns, "--ignore-not-found", "--output", "name"});
        auto r = proc::check(get, m_runner.run(get));
        if (!r) return std::unexpected(r.error().with_context("checking the cluster"));
        if (!r->out.empty())
            return fail(ErrorKind::usage, "namespace " + m_ns + " already exists on " + m_info.name +
                                              ": a run installs from scratch and deletes its namespace afterwards, so it needs one that does "
                                              "not exist (--namespace)");
        m_target = t;
        m_owned = true;
        return {};
    }

    Result<void> destroy() override {
        if (!m_owned) return {};
        proc::Command cmd{kube::delete_namespace_args(m_target, m_ns), std::chrono::seconds(60)};
        cmd.survives_first_signal = true;
        auto r = proc::check(cmd, m_runner.run(cmd));
        if (!r) return std::unexpected(r.error().with_context("deleting namespace " + m_ns));
        m_owned = false;
        return {};
    }

    Result<void> collect_logs(const std::string&) override { return {}; }
    Result<std::vector<std::string>> preload(const std::vector<std::string>&) override { return std::vector<std::string>{}; }
    std::string leftover_hint() const override {
        return m_owned ? "namespace " + m_ns + " on " + m_info.name + " (remove it with: kubectl delete namespace " + m_ns + ")" : "";
    }
    const ClusterInfo& info() const override { return m_info; }

private:
    proc::Runner& m_runner;
    ClusterInfo m_info;
    kube::Target m_target;
    std::string m_ns;
    bool m_owned = false;
};

}  // namespace

std::unique_ptr<ClusterProvider> make_existing_provider(proc::Runner& runner) { return std::make_unique<ExistingProvider>(runner); }

}  // namespace preflight::cluster
