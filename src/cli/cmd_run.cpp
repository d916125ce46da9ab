// `run`: the candidate's manifests (from its exact commit, or rendered by the team), the static
// stage, then a scenario on a throwaway cluster with diagnostics and guaranteed cleanup.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <filesystem>
#include <set>

#include "preflight/model/refs.hpp"
#include "preflight/cli/commands.hpp"
#include "preflight/cli/stages.hpp"
#include "preflight/kube/kubectl.hpp"
#include "preflight/probe/plan.hpp"
#include "preflight/probe/smoke.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/scenario/session.hpp"
#include "preflight/util/redactor.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> k_git_env = revision::git_env();

struct Manifests {
    std::vector<SourceText> sources;
    std::string label;
    std::string crds;  // a namespace-scoped flavour's CRDs on an existing cluster: checked, not applied
    std::string pin;   // what a passing run tells the pipeline to pin: the tag, else the commit (refs only)
};

// `ref` at `source` -> the resolved revision and the flavour's manifests at that exact commit.
// Properties are recorded under `role` ("candidate", "baseline").
Result<Manifests> manifests_at_commit(proc::Runner& runner, const RunOptions& o, const std::string& role, const std::string& ref,
                                      const std::string& flavour, report::Run& run) {
    if (auto r = revision::validate_ref(ref); !r) return std::unexpected(r.error());
    if (auto r = revision::validate_source(o.source); !r) return std::unexpected(r.error());
    for (const auto& secret : revision::source_secrets(o.source)) Redactor::global().add(secret);
    auto path = revision::flavour_path(flavour);
    if (!path) return std::unexpected(path.error());
    proc::Command ls{revision::ls_remote_args(o.source), std::chrono::seconds(o.git_timeout_s)};
    ls.env = k_git_env;
    auto listed = proc::check(ls, runner.run(ls));
    if (!listed) return std::unexpected(listed.error().with_context("listing refs of " + o.source));
    auto resolved = revision::resolve(ref, o.source, listed->out);
    if (!resolved) return std::unexpected(resolved.error());
    run.set_property(role + ".ref", resolved->ref);
    run.set_property(role + ".commit", resolved->commit);
    if (resolved->tag) run.set_property(role + ".tag", *resolved->tag);
    run.set_property(role + ".source", resolved->source);
    run.set_property(role + ".flavour", flavour);
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
    Manifests m{{SourceText{label, std::move(shown->out)}}, label};
    m.pin = resolved->tag ? *resolved->tag : resolved->commit;
    // The namespace-scoped flavours carry no CRDs: on a cluster of the run's own, the same
    // release's CRDs (its own files, at the same commit) are installed first.
    if (revision::namespace_scoped_flavour(flavour)) {
        proc::Command ls_tree{revision::ls_tree_args(tmpl, resolved->commit, revision::k_crds_dir), std::chrono::seconds(30)};
        auto listed_crds = proc::check(ls_tree, runner.run(ls_tree));
        if (!listed_crds) return std::unexpected(listed_crds.error().with_context(std::string("the release's CRDs in ") + revision::k_crds_dir));
        std::string crds;
        for (auto name : text::split(listed_crds->out, '\n')) {
            if (!name.ends_with("-crd.yaml")) continue;
            std::string file = std::string(revision::k_crds_dir) + "/" + std::string(name);
            proc::Command show_crd{revision::show_args(tmpl, resolved->commit, file), std::chrono::seconds(30)};
            show_crd.max_output = 64u << 20;
            auto crd = proc::check(show_crd, runner.run(show_crd));
            if (!crd) return std::unexpected(crd.error().with_context(file + " at " + resolved->commit));
            crds += crd->out + (crd->out.ends_with("\n") ? "" : "\n") + "---\n";
        }
        if (crds.empty()) return fail(ErrorKind::input, std::string("no *-crd.yaml in ") + revision::k_crds_dir + " at " + resolved->commit +
                                                            ": the " + flavour + " flavour needs the release's CRDs");
        std::string crd_label = (resolved->tag ? *resolved->tag : resolved->ref) + " " + revision::k_crds_dir + " @ " + resolved->commit.substr(0, 12);
        run.set_property(role + ".crds", revision::k_crds_dir);
        // On a cluster of its own the run installs them; an existing cluster's CRDs are not ours
        // to change: they are checked against these instead.
        if (o.provider == "kind") m.sources.insert(m.sources.begin(), SourceText{crd_label, std::move(crds)});
        else m.crds = std::move(crds);
    }
    return m;
}

// FILE|DIR: files as they are, or a kustomization rendered by `kubectl kustomize`.
Result<Manifests> manifests_from_paths(proc::Runner& runner, const RunOptions& o, const std::string& role, const std::string& path,
                                       Streams& s, report::Run& run) {
    run.set_property(role + ".manifests", path);
    for (const char* k : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
        if (!fs::is_directory(path) || !fs::exists(fs::path(path) / k)) continue;
        proc::Command cmd{{"kubectl", "kustomize", path}, std::chrono::seconds(o.git_timeout_s)};
        cmd.max_output = 256u << 20;
        auto r = proc::check(cmd, runner.run(cmd));
        if (!r) return std::unexpected(r.error().with_context("rendering the kustomization " + path));
        return Manifests{{SourceText{path + " (kustomize)", std::move(r->out)}}, path + " (kustomize)"};
    }
    auto sources = read_sources({path}, s.in);
    if (!sources) return std::unexpected(sources.error());
    return Manifests{std::move(*sources), path};
}

// A loaded release: the model kept alive with the Release built from it.
struct LoadedRelease {
    Loaded loaded;
    scenario::Release release;
    analysis::Analysis analysis;
};

// What the static stage hands to the live half: its results, their text, the probes it plans.
void fill_static(const Loaded& loaded, const analysis::Analysis& analysis, scenario::Release& r) {
    r.static_results = analysis.results;
    r.static_summary.clear();
    for (const auto& res : analysis.results)
        if (res.finding) r.static_summary += finding_detail(*res.finding) + "\n\n";
    if (r.static_summary.empty()) r.static_summary = "no static findings\n";
    r.probes = probe::plan(*loaded.engine, analysis);
}

void fill_release(const Loaded& loaded, const analysis::Analysis& analysis, const RunOptions& o, const std::string& flavour,
                  const std::string& label, std::string text, scenario::Release& r) {
    r.label = label;
    r.manifests = std::move(text);
    for (const auto& w : loaded.inventory.workloads) {
        if (w.kind == "Deployment" || w.kind == "StatefulSet" || w.kind == "DaemonSet" || w.kind == "Job") r.expected.push_back({w.kind, w.ns, w.name});
        for (const auto& c : w.pod.containers)
            if (!c.image.empty() && std::find(r.images.begin(), r.images.end(), c.image) == r.images.end()) r.images.push_back(c.image);
    }
    fill_static(loaded, analysis, r);
    r.probe_image = o.probe_image.empty() ? probe::default_image(*loaded.engine, analysis) : o.probe_image;
    r.smoke_target = probe::find_smoke_target(loaded.inventory);
    if (r.smoke_target && revision::namespace_scoped_flavour(flavour)) {
        // A namespace-scoped Argo CD has no credentials for the cluster it runs in: an
        // Application cannot target https://kubernetes.default.svc without a cluster Secret.
        r.smoke_target.reset();
        r.smoke_skip_reason = "the " + flavour + " flavour manages no cluster until one is registered, so the smoke Application "
                              "has no destination";
    }
}

// The versions a CRD serves (spec.versions[].name where served is true).
std::set<std::string> served_versions(const model::Value& crd) {
    std::set<std::string> out;
    for (const auto& v : crd.at_path({"spec", "versions"}).items)
        if (v["served"].as_bool().value_or(false)) out.insert(std::string(v["name"].str()));
    return out;
}

// Each CRD in `crds_text` is on the cluster of `o.kubeconfig` and serves every version it serves.
Result<void> check_cluster_crds(proc::Runner& runner, const RunOptions& o, const std::string& crds_text, const std::string& label) {
    model::ParseLimits limits;
    limits.elide_crd_schemas = false;
    auto docs = model::parse_documents(label + " CRDs", crds_text, nullptr, limits);
    if (!docs) return std::unexpected(docs.error());
    kube::Kubectl k(runner, kube::Target{o.kubeconfig, o.context, ""});
    std::vector<std::string> problems;
    for (const auto& crd : *docs) {
        if (crd["kind"].str() != "CustomResourceDefinition") continue;
        std::string name(crd.at_path({"metadata", "name"}).str());
        auto args = kube::base_args(k.target());
        args.insert(args.end(), {"get", "customresourcedefinitions.apiextensions.k8s.io", name, "--ignore-not-found", "--output", "json"});
        auto out = k.output(args, std::chrono::seconds(30));
        if (!out) return std::unexpected(out.error().with_context("reading the cluster's CRD " + name));
        if (out->empty()) {
            problems.push_back(name + ": not on the cluster");
            continue;
        }
        auto live = model::parse_documents("CRD " + name, *out, nullptr, limits);
        if (!live || live->empty()) return fail(ErrorKind::infrastructure, "CRD " + name + ": unreadable kubectl output");
        auto have = served_versions(live->front());
        for (const auto& v : served_versions(crd))
            if (!have.contains(v)) problems.push_back(name + ": the cluster does not serve " + v + " (it serves " + text::join({have.begin(), have.end()}, ", ") + ")");
    }
    if (problems.empty()) return {};
    return fail(ErrorKind::infrastructure, "the cluster's CRDs do not fit " + label + " (a namespace-scoped flavour uses the cluster's CRDs; "
                                               "the run never changes them):\n  " + text::join(problems, "\n  "));
}

// JSON for a small object read from YAML (a binding): plain integers and booleans keep their
// type, every other scalar is a string.
boost::json::value to_json(const model::Value& v) {
    switch (v.type) {
        case model::Value::Type::null: return nullptr;
        case model::Value::Type::scalar:
            if (v.plain)
                if (auto b = v.as_bool()) return *b;
            if (v.plain)
                if (auto n = v.as_int()) return *n;
            return boost::json::string(v.scalar);
        case model::Value::Type::sequence: {
            boost::json::array a;
            for (const auto& item : v.items) a.push_back(to_json(item));
            return a;
        }
        case model::Value::Type::mapping: {
            boost::json::object o;
            for (const auto& [k, child] : v.entries) o[k] = to_json(child);
            return o;
        }
    }
    return nullptr;
}

// ClusterRoleBindings name their ServiceAccounts' namespace as the release wrote it (`argocd`);
// the run installs those ServiceAccounts into `ns`. The bindings are applied again, after the
// release, with the subjects moved to `ns` (kubectl apply keeps the last definition), so the
// install has the permissions it would have in its own namespace. "" when nothing moves.
std::string rebound_subjects(const Loaded& loaded, const std::string& ns) {
    std::set<std::string> own_accounts;
    for (const auto& obj : loaded.objects)
        if (obj.kind == "ServiceAccount" && (obj.ns.empty() || obj.ns == ns)) own_accounts.insert(obj.name);
    std::string out;
    for (const auto& obj : loaded.objects) {
        if (obj.kind != "ClusterRoleBinding") continue;
        auto json = to_json(obj.body).as_object();
        bool moved = false;
        if (auto* subjects = json.if_contains("subjects"); subjects && subjects->is_array())
            for (auto& sub : subjects->as_array()) {
                if (!sub.is_object()) continue;
                auto& so = sub.as_object();
                auto kind = so.if_contains("kind");
                auto name = so.if_contains("name");
                auto sns = so.if_contains("namespace");
                if (!kind || !name || !kind->is_string() || kind->as_string() != "ServiceAccount" || !name->is_string()) continue;
                if (!own_accounts.contains(std::string(name->as_string()))) continue;
                if (sns && sns->is_string() && sns->as_string() == ns) continue;
                so["namespace"] = ns;
                moved = true;
            }
        if (moved) out += "---\n" + boost::json::serialize(json) + "\n";
    }
    return out;
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
    // First of all: a signal from here on is counted, never the default kill, so every
    // interruption ends in the same place (exit 130, an interrupted report, no pin).
    proc::install_signal_handlers();
    auto format = parse_format(g.format, false);
    if (!format) return report_error(format.error(), s);
    if (o.candidate.empty() == o.manifests.empty())
        return report_error(Error{ErrorKind::usage, "run needs exactly one of --candidate REF or --manifests FILE|DIR", {}}, s);
    if (!o.baseline.empty() && !o.baseline_manifests.empty())
        return report_error(Error{ErrorKind::usage, "give at most one of --baseline REF and --baseline-manifests FILE|DIR", {}}, s);
    auto retain = cluster::parse_retain(o.retain);
    if (!retain) return report_error(retain.error(), s);
    if (o.provider != "kind" && o.provider != "existing")
        return report_error(Error{ErrorKind::usage, "--provider: expected kind or existing, got '" + o.provider + "'", {}}, s);
    auto config = model_config(g, o.apiserver_endpoint);
    if (!config) return report_error(config.error(), s);
    auto sc = load_scenario(o.scenario, s);
    if (!sc) return report_error(sc.error(), s);
    bool has_baseline = !o.baseline.empty() || !o.baseline_manifests.empty();
    if (sc->needs_baseline() && !has_baseline)
        return report_error(Error{ErrorKind::usage, "scenario " + sc->name + " installs the baseline: give --baseline REF or --baseline-manifests FILE|DIR", {}}, s);
    std::string flavour = sc->flavour.value_or(o.flavour);
    // PF006's target: --kube-version, else the kind node image's Kubernetes version.
    std::string kube_version = o.kube_version;
    if (!kube_version.empty() && !model::parse_kube_minor(kube_version))
        return report_error(Error{ErrorKind::usage, "--kube-version: expected a Kubernetes version such as 1.33, got '" + kube_version + "'", {}}, s);
    if (kube_version.empty() && o.provider == "kind") {
        auto tag = model::parse_image_ref(o.node_image.empty() ? cluster::k_default_node_image : o.node_image).tag;
        if (model::parse_kube_minor(tag)) kube_version = tag;
    }
    proc::ProcessRunner runner;

    report::Run run;
    run.command = "run";
    run.version = PREFLIGHT_VERSION;
    run.start_ms = now_ms();
    run.set_property("namespace", g.ns);
    std::string phase = "resolving the candidate";
    std::string candidate_pin;  // set once the candidate's ref is resolved
    auto signalled = [] { return proc::interrupt_level() > 0; };
    // The report, the pin and the exit code, decided once at the end. A signal that arrives
    // while the report is written makes it rewrite the report as interrupted: a run that saw a
    // signal never passes, whenever the signal came.
    auto finish = [&]() -> int {
        bool report_lost = false;  // a passing run whose report could not be written is no pass
        for (int attempt = 0;; ++attempt) {
            run.duration_ms = now_ms() - run.start_ms;
            std::erase_if(run.properties, [](const auto& p) { return p.first == "promote.revision"; });
            if (signalled() && !run.interrupted) {
                run.interrupted = true;
                run.suite("run").add({"interrupted", "run", report::Outcome::error,
                                      "interrupted by signal " + std::to_string(proc::last_signal()) + " while " + phase, "", {}});
                run.notices.insert(run.notices.begin(), "interrupted by signal " + std::to_string(proc::last_signal()) + ": partial report");
                if (run.root_cause.empty()) run.root_cause = "interrupted by signal " + std::to_string(proc::last_signal()) + " while " + phase;
            }
            if (run.verdict() == report::Outcome::passed && !run.interrupted && !candidate_pin.empty())
                run.set_property("promote.revision", candidate_pin);
            if (auto r = write_report_dir(g, run); !r) {
                report_error(r.error(), s);
                report_lost = true;
            }
            if (!run.interrupted && signalled() && attempt == 0) continue;
            if (run.verdict() == report::Outcome::passed && !run.interrupted)
                for (const auto& [k, v] : run.properties)
                    if (k == "promote.revision") spdlog::info("✓ safe to pin: targetRevision: {}", v);
            if (auto r = emit(g, render(run, *format, colour_wanted(g)), s); !r) return report_error(r.error(), s);
            if (!run.interrupted && signalled()) {
                // The signal came while the verdict was being printed: the report on disk (what
                // promote reads) is rewritten as interrupted, and the exit code says so.
                run.interrupted = true;
                std::erase_if(run.properties, [](const auto& p) { return p.first == "promote.revision"; });
                run.suite("run").add({"interrupted", "run", report::Outcome::error,
                                      "interrupted by signal " + std::to_string(proc::last_signal()) + " while printing the report", "", {}});
                if (auto r = write_report_dir(g, run); !r) report_error(r.error(), s);
            }
            int code = exit_code_for(run);
            return code == 0 && report_lost ? exit_code_for(ErrorKind::infrastructure) : code;
        }
    };
    // An error caused by a signal (a killed child, a command never started) is an interruption.
    auto bail = [&](const Error& e) -> int {
        if (e.kind == ErrorKind::interrupted || signalled()) return finish();
        return report_error(e, s);
    };
    auto get = [&](const std::string& role, const std::string& ref, const std::string& path) {
        return ref.empty() ? manifests_from_paths(runner, o, role, path, s, run) : manifests_at_commit(runner, o, role, ref, flavour, run);
    };
    auto cand_m = get("candidate", o.candidate, o.manifests);
    if (!cand_m) return bail(cand_m.error().with_context("getting the candidate's manifests"));
    candidate_pin = cand_m->pin;
    std::optional<Result<Manifests>> base_m;
    if (has_baseline) {
        phase = "resolving the baseline";
        base_m = get("baseline", o.baseline, o.baseline_manifests);
        if (!*base_m) return bail(base_m->error().with_context("getting the baseline's manifests"));
    }
    phase = "analysing the manifests";
    if (signalled()) return finish();

    // Static stage: the prediction (with the baseline comparison when there is one), also
    // joined to live evidence later.
    auto cand = std::make_unique<LoadedRelease>();
    auto base = has_baseline ? std::make_unique<LoadedRelease>() : nullptr;
    std::string cand_text = joined_text(cand_m->sources);
    if (auto r = load_sources(std::move(cand_m->sources), *config, g.jobs, cand->loaded); !r) return bail(r.error());
    std::string base_text;
    if (base) {
        base_text = joined_text((*base_m)->sources);
        if (auto r = load_sources(std::move((*base_m)->sources), *config, g.jobs, base->loaded); !r)
            return bail(r.error().with_context("baseline"));
    }
    // Both releases analysed under the current model config (again when the cluster reveals the
    // real API server endpoint); the candidate compared with the baseline and the target version.
    auto analyse = [&]() -> Result<void> {
        if (base) base->analysis = analysis::analyze(base->loaded.inventory, *base->loaded.engine, *config);
        cand->analysis = analysis::analyze(cand->loaded.inventory, *cand->loaded.engine, *config, base ? &base->loaded.inventory : nullptr,
                                           base ? base->loaded.engine.get() : nullptr);
        return check_kube_version(kube_version, cand->loaded, cand->analysis, run);
    };
    auto started = now_ms();
    if (auto r = analyse(); !r) return bail(r.error());
    auto& st = run.suite("static analysis");
    st.start_ms = started;
    add_static_cases(cand->analysis, st, started);
    st.duration_ms = now_ms() - started;
    run.set_property("apiserver.endpoint", config->api_server.address_text + ":" + std::to_string(config->api_server.port));
    for (const auto& a : cand->analysis.assumptions) run.notices.push_back("assumed " + a);
    for (const auto& c : st.cases)
        if (c.outcome == report::Outcome::failed) spdlog::warn("static: {}", c.message);
    fill_release(cand->loaded, cand->analysis, o, flavour, cand_m->label, std::move(cand_text), cand->release);
    if (base) fill_release(base->loaded, base->analysis, o, flavour, (*base_m)->label, std::move(base_text), base->release);
    for (auto* l : {cand.get(), base.get()})
        if (l)
            if (auto extra = rebound_subjects(l->loaded, g.ns); !extra.empty()) {
                l->release.manifests += extra;
                run.notices.push_back("ClusterRoleBinding subjects moved to namespace " + g.ns + " (" + l->release.label +
                                      "): the release names its own namespace");
            }
    if (!cand->release.probe_image.empty()) run.set_property("probe.image", cand->release.probe_image);

    scenario::SessionOptions so;
    so.ns = g.ns;
    so.spec.node_image = o.node_image;
    so.spec.api_address = o.kind_api_address;
    so.spec.kubeconfig_host = o.kubeconfig_host;
    so.spec.workers = o.workers >= 0 ? o.workers : sc->workers ? *sc->workers : (flavour.starts_with("ha") ? 3 : 0);
    so.spec.kubeconfig = o.kubeconfig;
    so.spec.context = o.context;
    so.retain = *retain;
    so.timeout = sc->timeout.value_or(std::chrono::seconds(o.timeout_s));
    so.wait_timeout = std::chrono::seconds(o.wait_timeout_s);
    so.stuck_grace_s = o.stuck_grace_s;
    so.artifacts_dir = !o.artifacts.empty() ? o.artifacts : !g.report_dir.empty() ? g.report_dir : "preflight-artifacts";
    so.probes_enabled = !o.no_probes;
    so.probe_timeout_s = o.probe_timeout_s;
    so.smoke_enabled = !o.no_smoke;
    so.smoke.repo = o.smoke_repo;
    so.smoke.path = o.smoke_path;
    so.smoke.revision = o.smoke_revision;
    so.smoke.timeout_s = o.smoke_timeout_s;
    so.smoke.admin_secret = o.admin_secret;
    so.smoke.dest_ns = g.ns;  // the run's own namespace: removed with it on an existing cluster
    so.now_ms = now_ms;
    // The real API server endpoint, read from the cluster: the static findings are re-checked
    // with it before anything is installed (an explicit --apiserver-endpoint is compared only).
    // What the cluster reveals (its API server endpoint, its version) re-checks the static stage.
    auto reanalyse = [&](const std::string& with) -> Result<void> {
        if (auto r = analyse(); !r) return std::unexpected(r.error());
        for (auto* l : {cand.get(), base.get()})
            if (l) fill_static(l->loaded, l->analysis, l->release);
        auto& suite = run.suite("static analysis");
        suite.cases.clear();
        add_static_cases(cand->analysis, suite, now_ms());
        for (const auto& c : suite.cases)
            if (c.outcome == report::Outcome::failed) spdlog::warn("static (re-checked with {}): {}", with, c.message);
        return {};
    };
    so.on_apiserver_endpoint = [&](const std::string& endpoint) -> Result<std::string> {
        std::string assumed = config->api_server.address_text + ":" + std::to_string(config->api_server.port);
        if (endpoint == assumed) return std::string("as assumed by the static stage");
        if (!o.apiserver_endpoint.empty())
            return std::string("differs from --apiserver-endpoint " + assumed + "; the static stage used yours");
        auto real = model_config(g, endpoint);
        if (!real) return std::unexpected(real.error());
        *config = *real;
        for (auto* l : {cand.get(), base.get()})
            if (l) rebuild_engine(l->loaded, *config);
        if (auto r = reanalyse(endpoint); !r) return std::unexpected(r.error());
        run.set_property("apiserver.endpoint", endpoint);
        std::erase_if(run.notices, [](const std::string& n) { return n.starts_with("assumed API server endpoint"); });
        return "the static stage assumed " + assumed + "; its findings were re-checked with " + endpoint;
    };
    // PF006 against the cluster's own version: an existing cluster's (no node image says it),
    // or a node image whose tag did not. --kube-version given: compared only.
    so.on_server_version = [&](const std::string& server) -> Result<std::string> {
        auto served = model::parse_kube_minor(server);
        if (!served) return std::string("the cluster reports '" + server + "', not a Kubernetes version: API versions checked against " +
                                        (kube_version.empty() ? std::string("nothing") : kube_version));
        if (!o.kube_version.empty()) {
            auto given = model::parse_kube_minor(o.kube_version);
            if (given && *given == *served) return std::string("checked against --kube-version " + o.kube_version);
            return std::string("checked against --kube-version " + o.kube_version + "; the cluster runs " + server);
        }
        auto assumed = model::parse_kube_minor(kube_version);
        if (assumed && *assumed == *served) return std::string("checked against " + server + " (as the node image said)");
        std::string before = kube_version.empty() ? "no version: none was given" : kube_version;
        kube_version = server;
        if (auto r = reanalyse(server); !r) return std::unexpected(r.error());
        return "checked against the cluster's " + server + " (the static stage assumed " + before + ")";
    };
    // A shared cluster is not ours to change: by default an existing cluster gets no
    // cluster-scoped object from the run (CRDs, ClusterRoles, bindings that may belong to the
    // production Argo CD). With --allow-cluster-scoped, what the run created is removed after it.
    std::vector<const model::Object*> cluster_scoped;
    for (const auto* l : {cand.get(), base.get()})
        if (l)
            for (const auto& obj : l->loaded.objects)
                // The run's own namespace is the run's to create; any other Namespace is not.
                if (model::is_cluster_scoped(obj.kind) && !(obj.kind == "Namespace" && obj.name == g.ns)) cluster_scoped.push_back(&obj);
    std::vector<std::string> created_cluster_scoped;
    std::unique_ptr<kube::Kubectl> user_kubectl;
    if (o.provider == "existing" && !cluster_scoped.empty()) {
        std::vector<std::string> names;
        for (const auto* obj : cluster_scoped) names.push_back(obj->kind + "/" + obj->name);
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        if (!o.allow_cluster_scoped) {
            std::string shown;
            for (std::size_t i = 0; i < names.size() && i < 12; ++i) shown += "\n  " + names[i];
            if (names.size() > 12) shown += "\n  … and " + std::to_string(names.size() - 12) + " more";
            return report_error(Error{ErrorKind::usage,
                                      "the manifests need " + std::to_string(names.size()) +
                                          " cluster-scoped object(s), and --provider existing never creates or changes them on a cluster "
                                          "that may run the production Argo CD:" + shown +
                                          "\nuse a namespace-scoped flavour (namespace-install) with the CRDs the cluster already has, "
                                          "the kind provider, or --allow-cluster-scoped on a cluster that is truly throwaway",
                                      {}},
                                s);
        }
        run.notices.insert(run.notices.begin(), "--allow-cluster-scoped: this run creates or changes " + std::to_string(names.size()) +
                                                    " cluster-scoped object(s) on the existing cluster; those it created are removed afterwards");
        run.set_property("cluster.scoped_objects", text::join(names, " "));
        // Which of them exist already (those stay when the run ends).
        kube::Target t{o.kubeconfig, o.context, ""};
        user_kubectl = std::make_unique<kube::Kubectl>(runner, t);
        for (const auto& n : names) {
            auto args = kube::base_args(t);
            args.insert(args.end(), {"get", n, "--ignore-not-found", "--output", "name"});
            auto r = user_kubectl->output(args, std::chrono::seconds(30));
            if (!r) return bail(r.error().with_context("checking which cluster-scoped objects exist"));
            if (r->empty()) created_cluster_scoped.push_back(n);
        }
    }
    // A namespace-scoped flavour on an existing cluster uses the cluster's CRDs: each of the
    // release's CRDs must be there and serve every version the release serves.
    for (const auto* m : {&*cand_m, base_m ? &**base_m : nullptr}) {
        if (!m || m->crds.empty() || o.provider != "existing") continue;
        if (auto r = check_cluster_crds(runner, o, m->crds, m->label); !r) return bail(r.error());
    }
    auto provider = o.provider == "kind" ? cluster::make_kind_provider(runner) : cluster::make_existing_provider(runner);
    phase = "running scenario " + sc->name;
    if (signalled()) return finish();
    scenario::run_scenario(runner, *provider, *sc, cand->release, base ? &base->release : nullptr, so, run, Redactor::global());
    if (!created_cluster_scoped.empty()) {
        phase = "removing the cluster-scoped objects the run created";
        auto args = kube::base_args(user_kubectl->target());
        args.insert(args.end(), {"delete", "--ignore-not-found", "--wait=false"});
        args.insert(args.end(), created_cluster_scoped.begin(), created_cluster_scoped.end());
        auto& cleanup = run.suite("cleanup");
        report::Case c{"remove cluster-scoped objects the run created", "cleanup", report::Outcome::passed,
                       text::join(created_cluster_scoped, " "), "", {}};
        if (auto r = user_kubectl->output(args, std::chrono::seconds(120), true); !r) {
            c.outcome = report::Outcome::error;
            c.message = r.error().describe();
            run.notices.push_back("left on the cluster: " + text::join(created_cluster_scoped, " ") + " (remove them with: kubectl delete " +
                                  text::join(created_cluster_scoped, " ") + ")");
        }
        cleanup.add(std::move(c));
    }
    phase = "writing the report";
    if (run.interrupted)
        run.notices.insert(run.notices.begin(), "interrupted by signal " + std::to_string(proc::last_signal()) + ": partial report");
    return finish();
}

}  // namespace preflight::cli
