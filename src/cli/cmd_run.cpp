// `run`: the candidate's manifests (source: from its exact commit, or rendered by the team), the
// static stage (pipeline), then a scenario on a throwaway cluster (scenario), and one finish
// that decides the report, the pin and the exit code.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "preflight/cli/commands.hpp"
#include "preflight/cli/stages.hpp"
#include "preflight/kube/kubectl.hpp"
#include "preflight/model/refs.hpp"
#include "preflight/pipeline/release.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/scenario/session.hpp"
#include "preflight/util/sha256.hpp"
#include "preflight/source/fetch.hpp"
#include "preflight/util/redactor.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {

namespace {

// A release as the run holds it: where it came from, the model kept alive, its analysis and
// the Release built from them.
struct Side {
    source::Fetched fetched;
    std::string text;  // the manifests as one stream, as they are applied
    pipeline::Loaded loaded;
    analysis::Analysis analysis;
    pipeline::Release release;
};

// The versions a CRD serves (spec.versions[].name where served is true).
std::set<std::string> served_versions(const model::Value& crd) {
    std::set<std::string> out;
    for (const auto& v : crd.at_path({"spec", "versions"}).items)
        if (v["served"].as_bool().value_or(false)) out.insert(std::string(v["name"].str()));
    return out;
}

// Each CRD in `crds_text` is on the cluster `k` talks to and serves every version it serves.
Result<void> check_cluster_crds(kube::Kubectl& k, const std::string& crds_text, const std::string& label) {
    model::ParseLimits limits;
    limits.elide_crd_schemas = false;
    auto docs = model::parse_documents(label + " CRDs", crds_text, nullptr, limits);
    if (!docs) return std::unexpected(docs.error());
    std::vector<std::string> problems;
    for (const auto& crd : *docs) {
        if (crd["kind"].str() != "CustomResourceDefinition") continue;
        std::string name(crd.at_path({"metadata", "name"}).str());
        auto out = k.output(kube::get_if_exists_args(k.target(), "customresourcedefinitions.apiextensions.k8s.io/" + name, "json"),
                            std::chrono::seconds(30));
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

class RunCommand {
public:
    RunCommand(const GlobalOptions& g, const RunOptions& o, Streams& s) : m_g(g), m_o(o), m_s(s) {}

    Result<int> execute() {
        if (auto r = validate(); !r) return std::unexpected(r.error());
        m_run.command = "run";
        m_run.version = PREFLIGHT_VERSION;
        m_run.start_ms = now_ms();
        m_run.set_property("namespace", m_g.ns);
        if (auto r = get_releases(); !r) return bail(r.error());
        m_phase = "analysing the manifests";
        if (signalled()) return finish();
        if (auto r = static_stage(); !r) return bail(r.error());
        auto guard = existing_cluster_guard();
        if (!guard) return guard.error().kind == ErrorKind::usage ? Result<int>(std::unexpected(guard.error())) : bail(guard.error());
        auto provider = m_provider == cluster::ProviderKind::kind ? cluster::make_kind_provider(m_runner) : cluster::make_existing_provider(m_runner);
        m_phase = "running scenario " + m_scenario->name;
        if (signalled()) return finish();
        auto so = session_options();
        auto session = scenario::run_scenario(m_runner, *provider, *m_scenario, m_cand->release, m_base ? &m_base->release : nullptr, so,
                                              m_run, Redactor::global());
        m_candidate_proven = session.candidate_proven;
        if (!m_candidate_proven && m_run.verdict() == report::Outcome::passed && !m_run.interrupted)
            m_run.notices.push_back("scenario " + m_scenario->name + " never brought the candidate to Healthy (no install or wait of it passed): "
                                    "nothing is safe to pin from this run");
        remove_created_cluster_scoped();
        m_phase = "writing the report";
        if (m_run.interrupted)
            m_run.notices.insert(m_run.notices.begin(), "interrupted by signal " + std::to_string(proc::last_signal()) + ": partial report");
        return finish();
    }

private:
    static bool signalled() { return proc::interrupt_level() > 0; }
    std::string artifacts_dir() const {
        return !m_o.artifacts.empty() ? m_o.artifacts : !m_g.report_dir.empty() ? m_g.report_dir : "preflight-artifacts";
    }

    // Options, before anything runs: errors here are usage errors (exit 2).
    Result<void> validate() {
        auto format = parse_format(m_g.format, false);
        if (!format) return std::unexpected(format.error());
        m_format = *format;
        if (int(!m_o.candidate.empty()) + int(!m_o.manifests.empty()) + int(m_o.chart.given()) != 1)
            return fail(ErrorKind::usage, "run needs exactly one of --candidate REF, --manifests FILE|DIR or --chart DIR|TGZ|NAME");
        if (!m_o.baseline.empty() && !m_o.baseline_manifests.empty())
            return fail(ErrorKind::usage, "give at most one of --baseline REF and --baseline-manifests FILE|DIR");
        auto retain = cluster::parse_retain(m_o.retain);
        if (!retain) return std::unexpected(retain.error());
        m_retain = *retain;
        auto provider = cluster::parse_provider(m_o.provider);
        if (!provider) return std::unexpected(provider.error());
        m_provider = *provider;
        auto config = model_config(m_g, m_o.apiserver_endpoint);
        if (!config) return std::unexpected(config.error());
        m_config = *config;
        auto sc = load_scenario(m_o.scenario, m_s);
        if (!sc) return std::unexpected(sc.error());
        m_scenario = std::move(*sc);
        m_has_baseline = !m_o.baseline.empty() || !m_o.baseline_manifests.empty();
        if (m_scenario->needs_baseline() && !m_has_baseline)
            return fail(ErrorKind::usage, "scenario " + m_scenario->name + " installs the baseline: give --baseline REF or --baseline-manifests FILE|DIR");
        m_flavour = m_scenario->flavour.value_or(m_o.flavour);
        if (auto path = revision::flavour_path(m_flavour); !path && (!m_o.candidate.empty() || !m_o.baseline.empty())) return std::unexpected(path.error());
        // PF006's target: --kube-version, else the kind node image's Kubernetes version.
        m_kube_version = m_o.kube_version;
        if (!m_kube_version.empty() && !model::parse_kube_minor(m_kube_version))
            return fail(ErrorKind::usage, "--kube-version: expected a Kubernetes version such as 1.33, got '" + m_kube_version + "'");
        if (m_kube_version.empty() && m_provider == cluster::ProviderKind::kind) {
            auto tag = model::parse_image_ref(m_o.node_image.empty() ? cluster::k_default_node_image : m_o.node_image).tag;
            if (model::parse_kube_minor(tag)) m_kube_version = tag;
        }
        return {};
    }

    // One release's manifests: a ref resolved and read at its commit, or the team's own files.
    // What it came from is recorded under `role` ("candidate", "baseline").
    Result<source::Fetched> fetch(const std::string& role, const std::string& ref, const std::string& path) {
        auto timeout = std::chrono::seconds(m_o.git_timeout_s);
        if (ref.empty()) {
            m_run.set_property(role + ".manifests", path);
            auto fetched = source::from_path(m_runner, path, m_s.in, timeout);
            if (fetched) {  // what was proved, so that reports of other manifests are told apart
                std::string all;
                for (const auto& src : fetched->sources) all += src.text + '\0';
                m_run.set_property(role + ".manifests.sha256", sha256_hex(all));
            }
            return fetched;
        }
        auto resolved = source::resolve(m_runner, m_o.source, ref, timeout, Redactor::global(), false);
        if (!resolved) return std::unexpected(resolved.error());
        m_run.set_property(role + ".ref", resolved->ref);
        m_run.set_property(role + ".commit", resolved->commit);
        if (resolved->tag) m_run.set_property(role + ".tag", *resolved->tag);
        m_run.set_property(role + ".source", resolved->source);
        m_run.set_property(role + ".flavour", m_flavour);
        auto fetched = source::at_commit(m_runner, *resolved, m_flavour, timeout);
        if (!fetched) return std::unexpected(fetched.error());
        if (!fetched->crds.empty()) {
            m_run.set_property(role + ".crds", revision::k_crds_dir);
            // On a cluster of its own the run installs the release's CRDs first; an existing
            // cluster's CRDs are not ours to change: they are checked against these instead.
            if (m_provider == cluster::ProviderKind::kind) fetched->sources.insert(fetched->sources.begin(), SourceText{fetched->crds_label, std::move(fetched->crds)});
        }
        return fetched;
    }

    // The candidate chart, rendered for the namespace and Kubernetes version of this run (kept
    // in the artifacts, its Secret values masked everywhere).
    Result<source::Fetched> fetch_chart() {
        m_run.set_property("candidate.chart", m_o.chart.chart);
        if (!m_o.chart.version.empty()) m_run.set_property("candidate.chart.constraint", m_o.chart.version);
        auto rendered = render_chart(m_o.chart, m_g, m_kube_version, artifacts_dir());
        if (!rendered) return rendered;
        // What helm resolved and rendered: the chart's name and exact version (promote's pin).
        m_run.set_property("candidate.chart.name", rendered->pin_chart);
        m_run.set_property("candidate.chart.version", rendered->pin);
        if (!rendered->pin_repo.empty()) m_run.set_property("candidate.chart.repo", rendered->pin_repo);
        return rendered;
    }

    Result<void> get_releases() {
        m_phase = "resolving the candidate";
        auto cand = m_o.chart.given() ? fetch_chart() : fetch("candidate", m_o.candidate, m_o.manifests);
        if (!cand) return std::unexpected(cand.error().with_context("getting the candidate's manifests"));
        m_cand = std::make_unique<Side>();
        m_cand->fetched = std::move(*cand);
        if (!m_has_baseline) return {};
        m_phase = "resolving the baseline";
        auto base = fetch("baseline", m_o.baseline, m_o.baseline_manifests);
        if (!base) return std::unexpected(base.error().with_context("getting the baseline's manifests"));
        m_base = std::make_unique<Side>();
        m_base->fetched = std::move(*base);
        return {};
    }

    // Both releases analysed under the current model config (again when the cluster reveals the
    // real API server endpoint or its version); the candidate against the baseline.
    Result<void> analyse() {
        if (m_base) {
            auto b = pipeline::analyze(m_base->loaded, nullptr, m_config, "");
            if (!b) return std::unexpected(b.error());
            m_base->analysis = std::move(*b);
        }
        auto c = pipeline::analyze(m_cand->loaded, m_base ? &m_base->loaded : nullptr, m_config, m_kube_version);
        if (!c) return std::unexpected(c.error());
        m_cand->analysis = std::move(*c);
        if (auto minor = pipeline::kube_minor_text(m_kube_version)) m_run.set_property("kube.version", *minor);
        return {};
    }

    Result<void> static_stage() {
        for (auto* side : {m_cand.get(), m_base.get()}) {
            if (!side) continue;
            side->text = pipeline::joined_text(side->fetched.sources);
            auto loaded = pipeline::load_sources(std::move(side->fetched.sources), m_config, m_g.jobs, side->loaded);
            if (!loaded) return std::unexpected(side == m_base.get() ? loaded.error().with_context("baseline") : loaded.error());
            if (side == m_cand.get() && m_o.chart.given())
                if (auto f = chart_kube_version_finding(side->fetched, m_o.chart, m_kube_version)) side->loaded.source_results.push_back(std::move(*f));
        }
        auto started = now_ms();
        if (auto r = analyse(); !r) return r;
        auto& st = m_run.suite("static analysis");
        st.start_ms = started;
        pipeline::add_static_cases(m_cand->analysis, st, started);
        st.duration_ms = now_ms() - started;
        m_run.set_property("apiserver.endpoint", m_config.api_server.text());
        for (const auto& a : m_cand->analysis.assumptions) m_run.notices.push_back("assumed " + a);
        for (const auto& i : m_cand->analysis.ignored) {
            m_run.notices.push_back("warning: the verdict ignores " + i + ": policies of that API are not modelled, so a connection it blocks may still pass");
            spdlog::warn("the verdict ignores {} (not modelled)", i);
        }
        for (const auto& c : st.cases)
            if (c.outcome == report::Outcome::failed) spdlog::warn("static: {}", c.message);
        for (auto* side : {m_cand.get(), m_base.get()}) {
            if (!side) continue;
            auto release = pipeline::build_release(side->loaded, side->analysis, side->fetched.label, std::move(side->text),
                                                   {m_flavour, m_o.probe_image});
            if (!release) return std::unexpected(release.error());
            side->release = std::move(*release);
            if (auto extra = pipeline::rebound_subjects(side->loaded, m_g.ns); !extra.empty()) {
                side->release.manifests += extra;
                m_run.notices.push_back("ClusterRoleBinding subjects moved to namespace " + m_g.ns + " (" + side->release.label +
                                        "): the release names its own namespace");
            }
        }
        if (!m_cand->release.probe_image.empty()) m_run.set_property("probe.image", m_cand->release.probe_image);
        return {};
    }

    // What the cluster reveals (its API server endpoint, its version) re-checks the static stage.
    Result<void> reanalyse(const std::string& with) {
        if (auto r = analyse(); !r) return r;
        for (auto* side : {m_cand.get(), m_base.get()})
            if (side) pipeline::refresh_static(side->loaded, side->analysis, side->release);
        auto& suite = m_run.suite("static analysis");
        suite.cases.clear();
        pipeline::add_static_cases(m_cand->analysis, suite, now_ms());
        for (const auto& c : suite.cases)
            if (c.outcome == report::Outcome::failed) spdlog::warn("static (re-checked with {}): {}", with, c.message);
        return {};
    }

    // The real API server endpoint, read from the cluster: the static findings are re-checked
    // with it before anything is installed (an explicit --apiserver-endpoint is compared only).
    Result<std::string> on_apiserver_endpoint(const std::string& endpoint) {
        std::string assumed = m_config.api_server.text();
        if (endpoint == assumed) return std::string("as assumed by the static stage");
        if (!m_o.apiserver_endpoint.empty()) return std::string("differs from --apiserver-endpoint " + assumed + "; the static stage used yours");
        auto real = model_config(m_g, endpoint);
        if (!real) return std::unexpected(real.error());
        m_config = *real;
        for (auto* side : {m_cand.get(), m_base.get()})
            if (side) pipeline::rebuild_engine(side->loaded, m_config);
        if (auto r = reanalyse(endpoint); !r) return std::unexpected(r.error());
        m_run.set_property("apiserver.endpoint", endpoint);
        std::erase_if(m_run.notices, [](const std::string& n) { return n.starts_with("assumed API server endpoint"); });
        return "the static stage assumed " + assumed + "; its findings were re-checked with " + endpoint;
    }

    // PF006 against the cluster's own version: an existing cluster's (no node image says it),
    // or a node image whose tag did not. --kube-version given: compared only.
    Result<std::string> on_server_version(const std::string& server) {
        auto served = model::parse_kube_minor(server);
        if (!served)
            return std::string("the cluster reports '" + server + "', not a Kubernetes version: API versions checked against " +
                               (m_kube_version.empty() ? std::string("nothing") : m_kube_version));
        if (!m_o.kube_version.empty()) {
            auto given = model::parse_kube_minor(m_o.kube_version);
            if (given && *given == *served) return std::string("checked against --kube-version " + m_o.kube_version);
            return std::string("checked against --kube-version " + m_o.kube_version + "; the cluster runs " + server);
        }
        auto assumed = model::parse_kube_minor(m_kube_version);
        if (assumed && *assumed == *served) return std::string("checked against " + server + " (as the node image said)");
        std::string before = m_kube_version.empty() ? "no version: none was given" : m_kube_version;
        m_kube_version = server;
        if (auto r = reanalyse(server); !r) return std::unexpected(r.error());
        return "checked against the cluster's " + server + " (the static stage assumed " + before + ")";
    }

    scenario::SessionOptions session_options() {
        scenario::SessionOptions so;
        so.ns = m_g.ns;
        so.spec.kind.node_image = m_o.node_image;
        so.spec.kind.api_address = m_o.kind_api_address;
        so.spec.kind.kubeconfig_host = m_o.kubeconfig_host;
        so.spec.kind.workers = m_o.workers >= 0 ? m_o.workers : m_scenario->workers ? *m_scenario->workers : (m_flavour.starts_with("ha") ? 3 : 0);
        so.spec.existing.kubeconfig = m_o.kubeconfig;
        so.spec.existing.context = m_o.context;
        so.retain = m_retain;
        so.timeout = m_scenario->timeout.value_or(std::chrono::seconds(m_o.timeout_s));
        so.wait_timeout = std::chrono::seconds(m_o.wait_timeout_s);
        so.stuck_grace_s = m_o.stuck_grace_s;
        so.healthy_for_s = m_o.healthy_for_s;
        so.artifacts_dir = artifacts_dir();
        so.probes_enabled = !m_o.no_probes;
        so.probe_timeout_s = m_o.probe_timeout_s;
        so.early_verdict = !m_o.no_early_verdict;
        so.smoke_enabled = !m_o.no_smoke;
        so.smoke.repo = m_o.smoke_repo;
        so.smoke.path = m_o.smoke_path;
        so.smoke.revision = m_o.smoke_revision;
        so.smoke.timeout_s = m_o.smoke_timeout_s;
        so.smoke.admin_secret = m_o.admin_secret;
        so.smoke.dest_ns = m_g.ns;  // the run's own namespace: removed with it on an existing cluster
        so.now_ms = now_ms;
        so.on_apiserver_endpoint = [this](const std::string& e) { return on_apiserver_endpoint(e); };
        so.on_server_version = [this](const std::string& v) { return on_server_version(v); };
        return so;
    }

    // The cluster-scoped objects the manifests hold ("Kind/name", sorted, once each); the run's
    // own namespace is the run's to create, any other Namespace is not.
    std::vector<std::string> cluster_scoped_names() const {
        std::vector<std::string> names;
        for (const auto* side : {m_cand.get(), m_base.get()})
            if (side)
                for (const auto& obj : side->loaded.objects)
                    if (model::is_cluster_scoped(obj.kind) && !(obj.kind == "Namespace" && obj.name == m_g.ns)) names.push_back(obj.kind + "/" + obj.name);
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        return names;
    }

    // A shared cluster is not ours to change: by default an existing cluster gets no
    // cluster-scoped object from the run (CRDs, ClusterRoles, bindings that may belong to the
    // production Argo CD). With --allow-cluster-scoped, what the run created is removed after it.
    // A namespace-scoped flavour uses the cluster's CRDs: each must be there, serving every
    // version the release serves. Error::usage when the run may not go ahead.
    Result<void> existing_cluster_guard() {
        if (m_provider != cluster::ProviderKind::existing) return {};
        m_user_kubectl = std::make_unique<kube::Kubectl>(m_runner, kube::Target{m_o.kubeconfig, m_o.context, ""});
        auto names = cluster_scoped_names();
        if (!names.empty()) {
            if (!m_o.allow_cluster_scoped) {
                std::string shown;
                for (std::size_t i = 0; i < names.size() && i < 12; ++i) shown += "\n  " + names[i];
                if (names.size() > 12) shown += "\n  … and " + std::to_string(names.size() - 12) + " more";
                return fail(ErrorKind::usage, "the manifests need " + std::to_string(names.size()) +
                                                  " cluster-scoped object(s), and --provider existing never creates or changes them on a cluster "
                                                  "that may run the production Argo CD:" + shown +
                                                  "\nuse a namespace-scoped flavour (namespace-install) with the CRDs the cluster already has, "
                                                  "the kind provider, or --allow-cluster-scoped on a cluster that is truly throwaway");
            }
            m_run.notices.insert(m_run.notices.begin(), "--allow-cluster-scoped: this run creates or changes " + std::to_string(names.size()) +
                                                            " cluster-scoped object(s) on the existing cluster; those it created are removed afterwards");
            m_run.set_property("cluster.scoped_objects", text::join(names, " "));
            // Which of them exist already (those stay when the run ends).
            for (const auto& n : names) {
                auto r = m_user_kubectl->output(kube::get_if_exists_args(m_user_kubectl->target(), n, "name"), std::chrono::seconds(30));
                if (!r) return std::unexpected(r.error().with_context("checking which cluster-scoped objects exist"));
                if (r->empty()) m_created_cluster_scoped.push_back(n);
            }
        }
        for (const auto* side : {m_cand.get(), m_base.get()})
            if (side && !side->fetched.crds.empty())
                if (auto r = check_cluster_crds(*m_user_kubectl, side->fetched.crds, side->fetched.label); !r) return r;
        return {};
    }

    void remove_created_cluster_scoped() {
        if (m_created_cluster_scoped.empty()) return;
        m_phase = "removing the cluster-scoped objects the run created";
        const auto& names = m_created_cluster_scoped;
        report::Case c{"remove cluster-scoped objects the run created", "cleanup", report::Outcome::passed, text::join(names, " "), "", {}};
        auto args = kube::delete_cluster_objects_args(m_user_kubectl->target(), names);
        if (auto r = m_user_kubectl->output(args, std::chrono::seconds(120), true); !r) {
            c.outcome = report::Outcome::error;
            c.message = r.error().describe();
            m_run.notices.push_back("left on the cluster: " + text::join(names, " ") + " (remove them with: kubectl delete " + text::join(names, " ") + ")");
        }
        m_run.suite("cleanup").add(std::move(c));
    }

    void mark_interrupted(const std::string& while_doing) {
        m_run.interrupted = true;
        std::erase_if(m_run.properties, [](const auto& p) { return p.first.starts_with("promote."); });
        m_run.suite("run").add({"interrupted", "run", report::Outcome::error,
                                "interrupted by signal " + std::to_string(proc::last_signal()) + " while " + while_doing, "", {}});
    }

    // The report, the pin and the exit code, decided once at the end. A signal that arrives
    // while the report is written makes it rewrite the report as interrupted: a run that saw a
    // signal never passes, whenever the signal came. A passing run whose report could not be
    // written is no pass (promote would find nothing).
    Result<int> finish() {
        bool report_lost = false;
        for (int attempt = 0;; ++attempt) {
            m_run.duration_ms = now_ms() - m_run.start_ms;
            std::erase_if(m_run.properties, [](const auto& p) { return p.first.starts_with("promote."); });
            if (signalled() && !m_run.interrupted) {
                mark_interrupted(m_phase);
                m_run.notices.insert(m_run.notices.begin(), "interrupted by signal " + std::to_string(proc::last_signal()) + ": partial report");
                if (m_run.root_cause.empty()) m_run.root_cause = "interrupted by signal " + std::to_string(proc::last_signal()) + " while " + m_phase;
            }
            bool passed = m_run.verdict() == report::Outcome::passed && !m_run.interrupted;
            bool pin = passed && m_candidate_proven && m_cand && !m_cand->fetched.pin.empty();
            if (pin) {
                if (m_cand->fetched.pin_chart.empty()) {
                    m_run.set_property("promote.revision", m_cand->fetched.pin);
                } else {  // a chart version: promote moves only chart pins with it
                    m_run.set_property("promote.chart", m_cand->fetched.pin_chart);
                    m_run.set_property("promote.chart.version", m_cand->fetched.pin);
                }
            }
            if (auto r = write_report_dir(m_g, m_run); !r) {
                print_error(r.error(), m_s);
                report_lost = true;
            }
            if (!m_run.interrupted && signalled() && attempt == 0) continue;
            if (pin) {
                if (m_cand->fetched.pin_chart.empty()) spdlog::info("✓ safe to pin: targetRevision: {}", m_cand->fetched.pin);
                else spdlog::info("✓ safe to pin: chart {} version {}", m_cand->fetched.pin_chart, m_cand->fetched.pin);
            }
            if (auto r = emit(m_g, render(m_run, m_format, colour_wanted(m_g)), m_s); !r) return std::unexpected(r.error());
            if (!m_run.interrupted && signalled()) {
                // The signal came while the verdict was being printed: the report on disk (what
                // promote reads) is rewritten as interrupted, and the exit code says so.
                mark_interrupted("printing the report");
                if (auto r = write_report_dir(m_g, m_run); !r) print_error(r.error(), m_s);
            }
            int code = exit_code_for(m_run);
            return code == 0 && report_lost ? exit_code_for(ErrorKind::infrastructure) : code;
        }
    }

    // An error caused by a signal (a killed child, a command never started) is an interruption.
    Result<int> bail(const Error& e) {
        if (e.kind == ErrorKind::interrupted || signalled()) return finish();
        return std::unexpected(e);
    }

    const GlobalOptions& m_g;
    const RunOptions& m_o;
    Streams& m_s;
    proc::ProcessRunner m_runner;
    report::Run m_run;
    Format m_format = Format::text;
    cluster::Retain m_retain = cluster::Retain::never;
    cluster::ProviderKind m_provider = cluster::ProviderKind::kind;
    analysis::ModelConfig m_config;
    std::optional<scenario::Scenario> m_scenario;
    bool m_has_baseline = false;
    bool m_candidate_proven = false;  // the session brought the candidate to Healthy
    std::string m_flavour, m_kube_version, m_phase = "resolving the candidate";
    std::unique_ptr<Side> m_cand, m_base;
    std::unique_ptr<kube::Kubectl> m_user_kubectl;
    std::vector<std::string> m_created_cluster_scoped;
};

}  // namespace

Result<int> cmd_run(const GlobalOptions& g, const RunOptions& o, Streams& s) {
    // First of all: a signal from here on is counted, never the default kill, so every
    // interruption ends in the same place (exit 130, an interrupted report, no pin).
    proc::install_signal_handlers();
    return RunCommand(g, o, s).execute();
}

}  // namespace preflight::cli
