// The subcommands' option structs and entry points (one file per command under src/cli/).
#pragma once
#include <string>
#include <vector>

#include "preflight/cli/output.hpp"
#include "preflight/revision/resolve.hpp"

namespace preflight::cli {

// A Helm chart candidate (--chart ...), rendered with `helm template`.
struct ChartOptions {
    std::string chart, repo, version, release = "argocd";
    std::vector<std::string> values, set;
    bool given() const { return !chart.empty(); }
};

struct AnalyzeOptions {
    std::vector<std::string> inputs;
    ChartOptions chart;
    std::vector<std::string> baseline;
    std::string apiserver_endpoint;  // empty: kind's default
    std::string kube_version;        // "1.33": PF006 checks apiVersions against it
    std::string peers = "all";       // connectivity: all | manifests (netpol-analyzer's view)
};

struct ResolveOptions {
    std::string ref;  // with --chart: a version or constraint (6.10.2, 6.*, ">=6.10 <7"); empty: the newest
    std::string source;
    std::string chart, chart_repo;  // --chart NAME|DIR|TGZ [--chart-repo URL]
    int timeout_s = 60;
};

struct RunOptions {
    std::string scenario = "fresh-install";  // a shipped scenario's name, or a FILE
    std::string candidate;  // a ref of `source` ...
    std::string manifests;  // ... or the team's own rendered manifests (FILE|DIR|kustomization)
    ChartOptions chart;     // ... or a Helm chart, rendered with helm template
    std::string baseline, baseline_manifests;  // the same for the release running today
    std::string source = revision::k_default_source;
    std::string flavour = "install";
    std::string provider = "kind";
    std::string kubeconfig, context;
    bool allow_cluster_scoped = false;  // existing provider: may create/change cluster-scoped objects
    std::string kube_version;  // PF006 target; default: the kind node image's version
    std::string node_image;
    std::string kind_api_address, kubeconfig_host;  // kind in docker-in-docker
    int workers = -1;  // -1: 3 for the HA flavours, 0 otherwise
    std::string retain = "never";
    int timeout_s = 1800, wait_timeout_s = 900, git_timeout_s = 120;
    double stuck_grace_s = 60;
    double healthy_for_s = 5;
    std::string artifacts;
    std::string apiserver_endpoint;
    bool no_probes = false;
    std::string probe_image;  // empty: the Redis image the manifests pull
    int probe_timeout_s = 5;
    bool no_smoke = false;
    bool no_early_verdict = false;
    std::string smoke_repo = "https://github.com/argoproj/argocd-example-apps";
    std::string smoke_path = "guestbook";
    std::string smoke_revision = "HEAD";
    int smoke_timeout_s = 300;
    std::string admin_secret = "argocd-initial-admin-secret";  // Argo CD's documented initial admin Secret
};

// `run`: static stage, then a fresh install on a throwaway cluster. Returns the exit code.
Result<int> cmd_run(const GlobalOptions& g, const RunOptions& o, Streams& s);

struct PromoteOptions {
    std::string report;              // report.json of a passing run
    std::vector<std::string> files;  // the team's Application / kustomization files
    std::string revision;            // refuse unless the report validated this one
    std::string source;              // default: the report's candidate.source
    bool dry_run = false;
    std::string github_output;  // default: $GITHUB_OUTPUT
    std::string dotenv;
};

// `promote`: rewrite the pin to the revision a passing report validated. 0 done (or already
// pinned), 1 the report did not pass, 2 a bad report, file or revision.
Result<int> cmd_promote(const GlobalOptions& g, const PromoteOptions& o, Streams& s);

struct MatrixOptions {
    std::vector<std::string> flavours{"install"};
    std::vector<std::string> scenarios{"fresh-install"};
    std::vector<std::string> node_images;  // empty: the default pinned image
    std::string target = "github";
};
// `matrix`: the CI matrix (flavours x scenarios x node images) for strategy.matrix / parallel:matrix.
Result<int> cmd_matrix(const GlobalOptions& g, const MatrixOptions& o, Streams& s);

struct MergeOptions {
    std::vector<std::string> reports;  // report.json of each job
};
// `merge-reports`: one report and one verdict from parallel jobs. Exit code of the merged verdict.
Result<int> cmd_merge_reports(const GlobalOptions& g, const MergeOptions& o, Streams& s);

struct HealthOptions {
    std::vector<std::string> inputs;
};

// `health`: Argo CD health per object. 0 when every object with a rule is Healthy, 1 otherwise.
Result<int> cmd_health(const GlobalOptions& g, const HealthOptions& o, Streams& s);

// `resolve`: ref -> tag and commit with `git ls-remote`. Returns the exit code.
Result<int> cmd_resolve(const GlobalOptions& g, const ResolveOptions& o, Streams& s);

// `analyze`: static findings as a report. Returns the exit code.
Result<int> cmd_analyze(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s);
// `connectivity`: the allowed-connections map. Returns the exit code.
Result<int> cmd_connectivity(const GlobalOptions& g, const AnalyzeOptions& o, Streams& s);

}  // namespace preflight::cli
