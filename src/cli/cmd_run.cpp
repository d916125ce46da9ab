// `run`: the candidate's manifests (from its exact commit, or rendered by the team), the static
// stage, then a fresh install on a throwaway cluster with diagnostics and guaranteed cleanup.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "preflight/cli/commands.hpp"
#include "preflight/cli/stages.hpp"
#include "preflight/kube/kubectl.hpp"
#include "preflight/probe/plan.hpp"
#include "preflight/probe/smoke.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/scenario/install_run.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> k_git_env = {{"GIT_TERMINAL_PROMPT", "0"}, {"GIT_ASKPASS", "true"}};

struct Manifests {
    std::vector<SourceText> sources;
    std::string label;
};

// `ref` at `source` -> the resolved revision and the flavour's manifests at that exact commit.
Result<Manifests> manifests_at_commit(proc::Runner& runner, const RunOptions& o, report::Run& run) {
    if (auto r = revision::validate_ref(o.candidate); !r) return std::unexpected(r.error());
    if (auto r = revision::validate_source(o.source); !r) return std::unexpected(r.error());
    auto path = revision::flavour_path(o.flavour);
    if (!path) return std::unexpected(path.error());
    proc::Command ls{revision::ls_remote_args(o.source), std::chrono::seconds(o.git_timeout_s)};
    ls.env = k_git_env;
    auto listed = proc::check(ls, runner.run(ls));
    if (!listed) return std::unexpected(listed.error().with_context("listing refs of " + o.source));
    auto resolved = revision::resolve(o.candidate, o.source, listed->out);
    if (!resolved) return std::unexpected(resolved.error());
    run.set_property("candidate.ref", resolved->ref);
    run.set_property("candidate.commit", resolved->commit);
    if (resolved->tag) run.set_property("candidate.tag", *resolved->tag);
    run.set_property("candidate.source", resolved->source);
    run.set_property("candidate.flavour", o.flavour);
    std::string tmpl = (fs::temp_directory_path() / "argocd-preflight-git-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return fail(ErrorKind::infrastructure, "cannot create a temporary directory");
    struct Remove {
        std::string dir;
        ~Remove() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } remove{tmpl};
    proc::Command init{{"git", "init", "--quiet", "--bare", tmpl}, std::chrono::seconds(30)};
    if (auto r = proc::check(init, runner.run(init)); !r) return std::unexpected(r.error());
    proc::Command fetch{revision::fetch_args(tmpl, o.source, revision::fetch_refspec(*resolved)), std::chrono::seconds(o.git_timeout_s)};
    fetch.env = k_git_env;
    if (auto r = proc::check(fetch, runner.run(fetch)); !r) return std::unexpected(r.error().with_context("fetching " + resolved->commit));
    proc::Command show{revision::show_args(tmpl, resolved->commit, *path), std::chrono::seconds(30)};
    show.max_output = 256u << 20;
    auto shown = proc::check(show, runner.run(show));
    if (!shown) return std::unexpected(shown.error().with_context(*path + " at " + resolved->commit));
    std::string label = (resolved->tag ? *resolved->tag : resolved->ref) + " " + *path + " @ " + resolved->commit.substr(0, 12);
    return Manifests{{SourceText{label, std::move(shown->out)}}, label};
}

// --manifests FILE|DIR: files as they are, or a kustomization rendered by `kubectl kustomize`.
Result<Manifests> manifests_from_paths(proc::Runner& runner, const RunOptions& o, Streams& s, report::Run& run) {
    run.set_property("candidate.manifests", o.manifests);
    for (const char* k : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
        if (!fs::is_directory(o.manifests) || !fs::exists(fs::path(o.manifests) / k)) continue;
        proc::Command cmd{{"kubectl", "kustomize", o.manifests}, std::chrono::seconds(o.git_timeout_s)};
        cmd.max_output = 256u << 20;
        auto r = proc::check(cmd, runner.run(cmd));
        if (!r) return std::unexpected(r.error().with_context("rendering the kustomization " + o.manifests));
        return Manifests{{SourceText{o.manifests + " (kustomize)", std::move(r->out)}}, o.manifests + " (kustomize)"};
    }
    auto sources = read_sources({o.manifests}, s.in);
    if (!sources) return std::unexpected(sources.error());
    return Manifests{std::move(*sources), o.manifests};
}

std::string joined_text(const std::vector<SourceText>& sources) {
    std::string out;
    for (const auto& src : sources) {
        out += src.text;
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += "---\n";
    }
    return out;
}

}  // namespace

int cmd_run(const GlobalOptions& g, const RunOptions& o, Streams& s) {
    auto format = parse_format(g.format, false);
    if (!format) return report_error(format.error(), s);
    if (o.candidate.empty() == o.manifests.empty())
        return report_error(Error{ErrorKind::usage, "run needs exactly one of --candidate REF or --manifests FILE|DIR", {}}, s);
    auto retain = cluster::parse_retain(o.retain);
    if (!retain) return report_error(retain.error(), s);
    if (o.provider != "kind" && o.provider != "existing")
        return report_error(Error{ErrorKind::usage, "--provider: expected kind or existing, got '" + o.provider + "'", {}}, s);
    auto config = model_config(g, o.apiserver_endpoint);
    if (!config) return report_error(config.error(), s);
    proc::install_signal_handlers();
    proc::ProcessRunner runner;

    report::Run run;
    run.command = "run";
    run.version = PREFLIGHT_VERSION;
    run.start_ms = now_ms();
    run.set_property("namespace", g.ns);
    auto manifests = o.candidate.empty() ? manifests_from_paths(runner, o, s, run) : manifests_at_commit(runner, o, run);
    if (!manifests) return report_error(manifests.error().with_context("getting the candidate's manifests"), s);

    // Static stage: the prediction, also joined to live evidence later.
    Loaded loaded;
    std::string text = joined_text(manifests->sources);
    if (auto r = load_sources(std::move(manifests->sources), *config, g.jobs, loaded); !r) return report_error(r.error(), s);
    auto started = now_ms();
    auto analysis = analysis::analyze(loaded.inventory, *loaded.engine, *config);
    auto& st = run.suite("static analysis");
    st.start_ms = started;
    add_static_cases(analysis, st, started);
    st.duration_ms = now_ms() - started;
    run.set_property("apiserver.endpoint", config->api_server.address_text + ":" + std::to_string(config->api_server.port));
    for (const auto& a : analysis.assumptions) run.notices.push_back("assumed " + a);
    std::string static_summary;
    for (const auto& r : analysis.results)
        if (r.finding) static_summary += finding_detail(*r.finding) + "\n\n";
    for (const auto& c : st.cases)
        if (c.outcome == report::Outcome::failed) spdlog::warn("static: {}", c.message);

    scenario::InstallOptions io;
    io.ns = g.ns;
    io.manifests = std::move(text);
    io.manifests_label = manifests->label;
    for (const auto& w : loaded.inventory.workloads) {
        if (w.kind == "Deployment" || w.kind == "StatefulSet" || w.kind == "DaemonSet" || w.kind == "Job")
            io.expected.push_back({w.kind, w.name});
        for (const auto& c : w.pod.containers)
            if (!c.image.empty() && std::find(io.images.begin(), io.images.end(), c.image) == io.images.end()) io.images.push_back(c.image);
    }
    io.static_results = analysis.results;
    io.probes_enabled = !o.no_probes;
    io.probes = probe::plan(*loaded.engine, analysis);
    io.probe_image = o.probe_image.empty() ? probe::default_image(*loaded.engine, analysis) : o.probe_image;
    io.probe_timeout_s = o.probe_timeout_s;
    io.smoke_enabled = !o.no_smoke;
    io.smoke_target = probe::find_smoke_target(loaded.inventory);
    io.smoke.repo = o.smoke_repo;
    io.smoke.path = o.smoke_path;
    io.smoke.revision = o.smoke_revision;
    io.smoke.timeout_s = o.smoke_timeout_s;
    io.smoke.dest_ns = g.ns;  // the run's own namespace: removed with it on an existing cluster
    if (!io.probe_image.empty()) run.set_property("probe.image", io.probe_image);
    io.static_summary = static_summary.empty() ? "no static findings\n" : static_summary;
    io.spec.node_image = o.node_image;
    io.spec.workers = o.workers >= 0 ? o.workers : (o.flavour.starts_with("ha") ? 3 : 0);
    io.spec.kubeconfig = o.kubeconfig;
    io.spec.context = o.context;
    io.retain = *retain;
    io.timeout = std::chrono::seconds(o.timeout_s);
    io.wait_timeout = std::chrono::seconds(o.wait_timeout_s);
    io.stuck_grace_s = o.stuck_grace_s;
    io.artifacts_dir = !o.artifacts.empty() ? o.artifacts : !g.report_dir.empty() ? g.report_dir : "preflight-artifacts";
    io.now_ms = now_ms;
    auto provider = o.provider == "kind" ? cluster::make_kind_provider(runner) : cluster::make_existing_provider(runner);
    scenario::install_fresh(runner, *provider, io, run);
    run.duration_ms = now_ms() - run.start_ms;

    if (run.verdict() == report::Outcome::passed && !run.interrupted) {
        std::string pin;
        for (const auto& [k, v] : run.properties)
            if (k == "candidate.tag" || (k == "candidate.commit" && pin.empty())) pin = v;
        if (!pin.empty()) {
            run.set_property("promote.revision", pin);
            spdlog::info("✓ safe to pin: targetRevision: {}", pin);
        }
    }
    if (run.interrupted) run.notices.insert(run.notices.begin(), "interrupted by signal " + std::to_string(proc::last_signal()) + ": partial report");
    if (auto r = write_report_dir(g, run); !r) report_error(r.error(), s);
    if (auto r = emit(g, render(run, *format, colour_wanted(g)), s); !r) return report_error(r.error(), s);
    return exit_code_for(run);
}

}  // namespace preflight::cli
