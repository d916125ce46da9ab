// diagnostics: what a person needs to see why a step failed, written under
// <artifacts>/diagnostics/<step>/ and listed in index.txt. Best effort: a failing command is
// noted and the next one runs; what could not be written is said in the report.
#include <algorithm>
#include <filesystem>
#include <map>

#include "preflight/scenario/actions.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/text.hpp"

namespace preflight::scenario {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string safe_name(std::string s) {
    for (auto& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') c = '_';
    return s;
}

// index.txt lists a file only once it is written; a write that failed (a full disk) is listed
// with its error instead, and counted.
class Collector {
public:
    Collector(ActionContext& ctx, fs::path dir) : m_ctx(ctx), m_dir(std::move(dir)), m_k(ctx.kubectl()) {}
    kube::Kubectl& k() { return m_k; }
    void write(const fs::path& file, const std::string& text) {
        // Every artifact masked like the reports: the manifests carry the input's Secret values.
        if (auto w = write_file_atomic(file.string(), m_ctx.redactor().redact(text)); !w) {
            m_index.push_back(fs::relative(file, m_dir).string() + ": not written: " + w.error().message);
            ++m_unwritten;
            return;
        }
        m_index.push_back(fs::relative(file, m_dir).string());
    }
    void save(const fs::path& file, const kube::Args& args) {
        auto out = m_k.output(args, m_ctx.left(60s), true);
        if (!out) {
            m_index.push_back(file.filename().string() + ": " + out.error().message);
            return;
        }
        write(file, *out);
    }
    void note(std::string line) { m_index.push_back(std::move(line)); }
    // Writes index.txt; the number of files that could not be written (index.txt included),
    // and index.txt's own error when it is one of them.
    std::pair<int, std::string> close() {
        auto indexed = write_file_atomic((m_dir / "index.txt").string(), text::join(m_index, "\n") + "\n");
        return {m_unwritten + (indexed ? 0 : 1), indexed ? "" : indexed.error().message};
    }

private:
    ActionContext& m_ctx;
    fs::path m_dir;
    kube::Kubectl m_k;
    std::vector<std::string> m_index;
    int m_unwritten = 0;
};

// Every container of every pod of the last snapshot that has run: its log, and the previous
// instance's when it restarted.
void container_logs(ActionContext& ctx, Collector& col, const fs::path& dir) {
    for (const auto& p : ctx.state().snapshot) {
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
                auto& k = col.k();
                if (restarts[name] > 0) col.save(base.string() + ".previous.log", kube::logs_args(k.target(), ctx.ns(), pod, name, true));
                col.save(base.string() + ".log", kube::logs_args(k.target(), ctx.ns(), pod, name, false));
            }
    }
}

}  // namespace

Verdict diagnostics(ActionContext& ctx, const std::string& step) {
    auto c = ctx.start_case("collect diagnostics");
    if (ctx.options().artifacts_dir.empty()) {
        c.outcome = report::Outcome::skipped;
        c.message = "no artifacts directory";
        ctx.finish(std::move(c));
        return {};
    }
    fs::path dir = fs::path(ctx.options().artifacts_dir) / "diagnostics" / safe_name(step);
    std::error_code ec;
    fs::create_directories(dir / "logs", ec);
    fs::create_directories(dir / "describe", ec);
    Collector col(ctx, dir);
    auto& k = col.k();
    const auto& ns = ctx.ns();
    col.save(dir / "events.json", kube::get_json_args(k.target(), "events", ns));
    col.save(dir / "pods.json", kube::get_json_args(k.target(), "pods", ns));
    col.save(dir / "workloads.json", kube::get_json_args(k.target(), "deployments,statefulsets,daemonsets,jobs,replicasets", ns));
    std::vector<std::string> failing_pods;
    for (const auto& s : ctx.state().install.stuck)
        if (std::find(failing_pods.begin(), failing_pods.end(), s.pod) == failing_pods.end()) failing_pods.push_back(s.pod);
    for (const auto& pod : failing_pods) col.save(dir / "describe" / (safe_name(pod) + ".txt"), kube::describe_args(k.target(), ns, "pod", pod));
    container_logs(ctx, col, dir);
    if (auto r = ctx.provider().collect_logs((dir / "cluster-logs").string()); !r) col.note("cluster-logs: " + r.error().message);
    else if (ctx.provider().info().exports_logs) col.note("cluster-logs/");
    if (const auto* current = ctx.state().current) {
        col.write(dir / "manifests.yaml", current->manifests);
        col.write(dir / "static-findings.txt", current->static_summary);
    }
    auto [unwritten, index_error] = col.close();
    c.message = "written to " + dir.string();
    if (unwritten > 0) {
        c.outcome = report::Outcome::skipped;
        c.message += "; " + std::to_string(unwritten) + " file(s) could not be written" +
                     (index_error.empty() ? " (see index.txt)" : ": " + index_error);
    }
    ctx.finish(std::move(c));
    ctx.count("diagnostics");
    return {};
}

}  // namespace preflight::scenario
