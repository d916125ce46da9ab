// Argument parsing (CLI11), subcommand dispatch, and the error -> exit code boundary.
#include "preflight/cli/app.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <ostream>

#include "preflight/cli/commands.hpp"
#include "preflight/cluster/provider.hpp"

#ifndef PREFLIGHT_VERSION
#define PREFLIGHT_VERSION "0.1.0"
#endif

namespace preflight::cli {
namespace {

constexpr const char* k_exit_codes =
    "Exit codes:\n"
    "  0    every check passed\n"
    "  1    a check failed\n"
    "  2    usage or input error (bad flag, malformed manifest: file:line:col)\n"
    "  3    infrastructure error (a tool missing, a cluster unreachable)\n"
    "  130  interrupted (SIGINT/SIGTERM); cleanup ran and the partial report was written\n";

void add_globals(CLI::App& app, GlobalOptions& g) {
    app.add_option("--log-level", g.log_level, "trace, debug, info, warn, error or off (logs go to stderr)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();
    app.add_option("--format", g.format, "output format: text, json, junit, markdown, github, sarif (connectivity: text, json, csv)")
        ->capture_default_str();
    app.add_option("--output,-o", g.output, "write the output to FILE instead of stdout");
    app.add_option("--namespace,-n", g.ns, "namespace for objects that have none")->capture_default_str();
    app.add_option("--report-dir", g.report_dir, "also write junit.xml, report.json and summary.md into DIR");
    app.add_option("--jobs,-j", g.jobs, "files parsed in parallel (default: one per core)");
    app.add_flag("--no-color", g.no_color, "no colour in text output (also when NO_COLOR is set or not a TTY)");
}

// --chart and its companions (analyze; rendered with the real `helm template`).
void add_chart_options(CLI::App& cmd, ChartOptions& c) {
    cmd.add_option("--chart", c.chart,
                   "a Helm chart as the candidate: DIR or .tgz (with --chart-repo: the chart's name there), rendered with "
                   "`helm template --include-crds` (helm on PATH; missing: exit 3)");
    cmd.add_option("--values", c.values, "values FILE for the chart (repeatable; later files win, as in helm)")->take_all();
    cmd.add_option("--set", c.set, "KEY=VALUE for the chart, as helm --set (repeatable)")->take_all();
    cmd.add_option("--release", c.release, "release name the chart is rendered with")->capture_default_str();
    cmd.add_option("--chart-repo", c.repo, "chart repository URL (--chart is then the chart's name)");
    cmd.add_option("--chart-version", c.version, "chart version or constraint (~6.10.0) in --chart-repo (required there; resolved once by helm to the exact version, the pin)");
}

}  // namespace

int run(const std::vector<std::string>& args, Streams streams) {
    CLI::App app{"argocd-preflight: prove an Argo CD release on a throwaway mirror before you pin it.", "argocd-preflight"};
    app.footer(k_exit_codes);
    app.require_subcommand(1);
    app.fallthrough();
    GlobalOptions g;
    add_globals(app, g);

    AnalyzeOptions analyze_opts;
    auto* analyze = app.add_subcommand("analyze", "static pre-flight: predict from the manifests what will fail on a cluster");
    analyze->add_option("inputs", analyze_opts.inputs, "manifest FILE, DIR (recursive) or - for stdin (or --chart)");
    add_chart_options(*analyze, analyze_opts.chart);
    // One value per occurrence: `--baseline base.yaml cand.yaml` must not swallow the candidate.
    analyze->add_option("--baseline", analyze_opts.baseline,
                        "manifests of the release you run today (FILE|DIR), to report regressions; repeat for several")
        ->allow_extra_args(false);
    analyze->add_option("--kube-version", analyze_opts.kube_version,
                        "Kubernetes version of the target cluster (1.33): objects whose apiVersion it does not serve are errors (PF006)");
    analyze->add_option("--apiserver-endpoint", analyze_opts.apiserver_endpoint,
                        "IP:PORT of the API server endpoint as policies see it (default: kind's 172.18.0.2:6443)");
    analyze->footer(k_exit_codes);

    AnalyzeOptions conn_opts;
    auto* connectivity = app.add_subcommand("connectivity", "list every connection the NetworkPolicies allow (netpol-analyzer compatible)");
    connectivity->add_option("inputs", conn_opts.inputs, "manifest FILE, DIR (recursive) or - for stdin")->required();
    connectivity->add_option("--apiserver-endpoint", conn_opts.apiserver_endpoint, "IP:PORT of the API server endpoint");
    connectivity->add_option("--peers", conn_opts.peers,
                             "all: also the API server and an assumed kube-dns, rows naming their origin; manifests: only what the input "
                             "contains, IP ranges and namespaces as netpol-analyzer gives them (objects without one: default, unless -n)")
        ->check(CLI::IsMember({"all", "manifests"}))
        ->capture_default_str();
    connectivity->footer(k_exit_codes);

    ResolveOptions resolve_opts;
    resolve_opts.source = revision::k_default_source;
    auto* resolve = app.add_subcommand("resolve", "turn a ref (stable, a tag, a branch, a commit) into its release tag and full commit, "
                                                  "or a chart version constraint into the exact chart version");
    resolve->add_option("ref", resolve_opts.ref, "the ref, e.g. stable, v3.5.1, master; with --chart a version or constraint (6.*), none: the newest");
    resolve->add_option("--source", resolve_opts.source, "git URL or local clone / bare repo")->capture_default_str();
    resolve->add_option("--chart", resolve_opts.chart, "a chart: its name in --chart-repo, or a local DIR|TGZ");
    resolve->add_option("--chart-repo", resolve_opts.chart_repo, "the chart repository URL (helm's --repo)");
    resolve->add_option("--timeout", resolve_opts.timeout_s, "seconds for git ls-remote or helm")->capture_default_str()->check(CLI::Range(1, 3600));
    resolve->footer(k_exit_codes);

    HealthOptions health_opts;
    auto* health = app.add_subcommand("health", "assess objects as Healthy/Progressing/Degraded/Suspended/Missing, following Argo CD's rules");
    health->add_option("inputs", health_opts.inputs, "FILE, DIR or - (YAML, JSON, or `kubectl get -o json` output)")->required();
    health->footer(std::string("Exit codes: 0 every object with a health rule is Healthy, 1 otherwise, 2 bad input.\n"));

    RunOptions run_opts;
    auto* runc = app.add_subcommand("run", "run a scenario (fresh-install, upgrade, rollback, ha) on an ephemeral kind cluster or a new "
                                           "namespace of an existing one: install, wait, probe, explain any failure, clean up");
    runc->add_option("--scenario", run_opts.scenario, "fresh-install, upgrade, rollback, ha, or a scenario FILE")->capture_default_str();
    runc->add_option("--candidate", run_opts.candidate, "ref to prove: stable, a tag, a branch or a commit of --source");
    runc->add_option("--baseline", run_opts.baseline, "ref running today (upgrade and rollback scenarios)");
    runc->add_option("--baseline-manifests", run_opts.baseline_manifests, "instead: the rendered install running today (FILE|DIR)");
    runc->add_option("--manifests", run_opts.manifests, "instead: your rendered install (FILE, DIR, or a kustomization DIR)");
    add_chart_options(*runc, run_opts.chart);
    runc->add_option("--source", run_opts.source, "git URL or local clone / bare repo of Argo CD")->capture_default_str();
    runc->add_option("--flavour", run_opts.flavour, "install, ha, namespace-install, ha-namespace-install, core-install")->capture_default_str();
    runc->add_option("--provider", run_opts.provider, "kind (a new cluster per run) or existing (--kubeconfig; a new namespace)")->capture_default_str();
    runc->add_option("--kubeconfig", run_opts.kubeconfig, "existing provider: kubeconfig FILE");
    runc->add_option("--context", run_opts.context, "existing provider: context in the kubeconfig");
    runc->add_option("--kube-version", run_opts.kube_version,
                     "Kubernetes version for PF006 (default: the kind node image's; give it for an existing cluster)");
    runc->add_flag("--allow-cluster-scoped", run_opts.allow_cluster_scoped,
                   "existing provider: let the run create CRDs, ClusterRoles and ClusterRoleBindings (a throwaway cluster only; "
                   "said in the report; what the run created is removed afterwards)");
    runc->add_option("--node-image", run_opts.node_image, std::string("kind node image, pinned by digest (default ") + cluster::k_default_node_image + ")");
    runc->add_option("--kind-api-address", run_opts.kind_api_address, "kind: publish the API server on this address (0.0.0.0 in docker:dind)");
    runc->add_option("--kubeconfig-host", run_opts.kubeconfig_host,
                     "kind: reach the API server through this host (docker in GitLab's docker:dind); also added to its certificate");
    runc->add_option("--workers", run_opts.workers, "kind worker nodes (default: 3 for HA flavours, else 0)");
    runc->add_option("--retain", run_opts.retain, "keep the cluster: never, on-failure, always")->capture_default_str();
    runc->add_option("--timeout", run_opts.timeout_s, "seconds for the whole run")->capture_default_str()->check(CLI::Range(1, 86400));
    runc->add_option("--wait-timeout", run_opts.wait_timeout_s, "seconds for the workloads to become Healthy")->capture_default_str()->check(CLI::Range(1, 86400));
    runc->add_option("--stuck-grace", run_opts.stuck_grace_s,
                     "seconds a container may keep crashing (counted from its first failure), or an ImagePullBackOff or "
                     "CreateContainerConfigError last, before it decides the run (real installs have crashes that heal)")->capture_default_str()->check(CLI::Range(0.0, 3600.0));
    runc->add_option("--healthy-for", run_opts.healthy_for_s,
                     "seconds the workloads must stay Healthy, with no container stuck or restarting, before the install counts "
                     "as Healthy (a container that crashes at once is Ready for an instant before each crash)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 600.0))
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    runc->add_flag("--no-early-verdict", run_opts.no_early_verdict,
                   "wait for the workloads themselves even when a static finding and a live probe from the blocked identity "
                   "already agree (by default the probes of statically blocked needs start right after apply and decide then)");
    runc->add_option("--artifacts", run_opts.artifacts, "diagnostics directory (default: --report-dir, else ./preflight-artifacts)");
    runc->add_option("--apiserver-endpoint", run_opts.apiserver_endpoint, "IP:PORT of the API server endpoint as policies see it");
    runc->add_flag("--no-probes", run_opts.no_probes, "skip the live NetworkPolicy probes (reported as skipped)");
    runc->add_option("--probe-image", run_opts.probe_image,
                     "image for probe pods, with sh and redis-cli (default: a Redis image the manifests pull, never HAProxy; else "
                     "redis:7.0.15-alpine; set it for air-gapped mirrors)");
    runc->add_flag("--no-smoke", run_opts.no_smoke, "skip the smoke Application (offline clusters; reported as skipped)");
    runc->add_option("--smoke-repo", run_opts.smoke_repo, "git repository of the smoke Application")->capture_default_str();
    runc->add_option("--smoke-path", run_opts.smoke_path, "path in that repository")->capture_default_str();
    runc->add_option("--smoke-revision", run_opts.smoke_revision, "revision of that repository")->capture_default_str();
    runc->add_option("--admin-secret", run_opts.admin_secret, "Secret (key: password) with the admin password the smoke test logs in with")
        ->capture_default_str();
    runc->add_option("--smoke-timeout", run_opts.smoke_timeout_s, "seconds for the smoke Application to become Synced and Healthy")
        ->capture_default_str()->check(CLI::Range(10, 3600));
    runc->add_option("--probe-timeout", run_opts.probe_timeout_s, "seconds a probe waits for a connection")->capture_default_str()->check(CLI::Range(1, 120))->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    runc->footer(k_exit_codes);

    PromoteOptions promote_opts;
    auto* promote = app.add_subcommand("promote", "after a passing run, move the pin (targetRevision or ?ref=; after a chart run, the chart version) in your files");
    promote->add_option("--report", promote_opts.report, "report.json of the run")->required();
    promote->add_option("files", promote_opts.files, "Application, kustomization, HelmRelease or Chart.yaml FILEs or DIRs to rewrite (none: only publish the outputs)");
    promote->add_option("--revision", promote_opts.revision, "refuse unless the report validated this tag or commit (chart run: this version)");
    promote->add_option("--source", promote_opts.source, "the Argo CD repository the pin points into, or the chart repository (default: the report's)");
    promote->add_flag("--dry-run", promote_opts.dry_run, "print a unified diff, change nothing");
    promote->add_option("--github-output", promote_opts.github_output, "append outputs there (default: $GITHUB_OUTPUT when set)");
    promote->add_option("--dotenv", promote_opts.dotenv, "append PREFLIGHT_VERDICT, _REVISION, _TAG, _COMMIT, _CHART, _CHANGED_FILES (GitLab dotenv report)");
    promote->footer("Exit codes: 0 pinned (or already pinned), 1 the report did not pass, 2 a bad report, file or revision.\n");

    MatrixOptions matrix_opts;
    auto* matrix = app.add_subcommand("matrix", "print the CI matrix (flavours x scenarios x node images) as JSON for GitHub or YAML for GitLab");
    matrix->add_option("--flavours", matrix_opts.flavours, "comma-separated flavours")->delimiter(',')->capture_default_str();
    matrix->add_option("--scenarios", matrix_opts.scenarios, "comma-separated scenario names or files")->delimiter(',')->capture_default_str();
    matrix->add_option("--node-images", matrix_opts.node_images, "comma-separated kind node images (default: the pinned one)")->delimiter(',');
    matrix->add_option("--for", matrix_opts.target, "github (strategy.matrix JSON) or gitlab (parallel:matrix YAML)")->capture_default_str();

    MergeOptions merge_opts;
    auto* merge = app.add_subcommand("merge-reports", "combine the report.json files of parallel jobs into one report and one verdict");
    merge->add_option("reports", merge_opts.reports, "report.json FILEs")->required();
    merge->footer(k_exit_codes);

    auto* version = app.add_subcommand("version", "print the version");

    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        const CLI::App* target = &app;
        for (auto* sub : app.get_subcommands()) target = sub;
        streams.out << target->help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        streams.out << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::ParseError& e) {
        streams.err << "argocd-preflight: " << e.what() << "\nRun with --help for usage.\n";
        return 2;
    }
    setup_logging(g.log_level, streams.err);
    if (version->parsed()) {
        streams.out << "argocd-preflight " << PREFLIGHT_VERSION << "\n";
        return 0;
    }
    // The one place where an error becomes an exit code.
    auto dispatch = [&]() -> Result<int> {
        if (analyze->parsed()) return cmd_analyze(g, analyze_opts, streams);
        if (connectivity->parsed()) {
            // netpol-analyzer puts objects without a namespace in `default`.
            if (conn_opts.peers == "manifests" && app.get_option("--namespace")->count() == 0) g.ns = "default";
            return cmd_connectivity(g, conn_opts, streams);
        }
        if (resolve->parsed()) return cmd_resolve(g, resolve_opts, streams);
        if (health->parsed()) return cmd_health(g, health_opts, streams);
        if (runc->parsed()) return cmd_run(g, run_opts, streams);
        if (promote->parsed()) return cmd_promote(g, promote_opts, streams);
        if (matrix->parsed()) return cmd_matrix(g, matrix_opts, streams);
        if (merge->parsed()) return cmd_merge_reports(g, merge_opts, streams);
        return fail(ErrorKind::usage, "no subcommand");  // CLI11 requires one: not reached
    };
    auto code = dispatch();
    return code ? *code : report_error(code.error(), streams);
}

}  // namespace preflight::cli
