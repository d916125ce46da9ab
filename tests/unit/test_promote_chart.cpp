// Chart pins: the version of one chart from one repository moves, wherever a team pins it;
// git revisions never move a chart pin, and chart versions never move a git pin.
#include <doctest/doctest.h>

#include "line_diff.hpp"
#include "preflight/promote/pin.hpp"

using namespace preflight::promote;
using test::lines_differing;

namespace {
const char* k_repo = "https://argoproj.github.io/argo-helm";
Target chart_target(std::string version = "6.11.1") { return Target{Target::Kind::chart, k_repo, std::move(version), "argo-cd"}; }
Target git_target(std::string source = k_repo) { return Target{Target::Kind::git, std::move(source), "v2.11.2", ""}; }


const std::string k_apps = R"(# Argo CD from its chart, and Argo Rollouts from the same repository.
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: argocd}
spec:
  source:
    repoURL: https://argoproj.github.io/argo-helm/   # helm repository
    chart: argo-cd
    targetRevision: 6.10.2   # moved by promote
    helm: {releaseName: argocd}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: rollouts}
spec:
  source: {repoURL: https://argoproj.github.io/argo-helm, chart: argo-rollouts, targetRevision: 2.35.1}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook}
spec:
  source: {repoURL: https://github.com/argoproj/argocd-example-apps, path: guestbook, targetRevision: "6.10.2"}
)";
}  // namespace

TEST_CASE("chart Application: only that chart's targetRevision moves, written plain like the version it replaces") {
    auto r = pin("apps.yaml", k_apps, chart_target(), WhenAbsent::error);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->changes.size() == 1);
    CHECK(r->changes[0].line == 9);
    CHECK(r->changes[0].what == "Application argocd: spec.source.targetRevision");
    CHECK(r->changes[0].from == "6.10.2");
    CHECK(r->text.find("    targetRevision: 6.11.1   # moved by promote\n") != std::string::npos);
    CHECK(r->text.find("chart: argo-rollouts, targetRevision: 2.35.1") != std::string::npos);
    CHECK(lines_differing(k_apps, r->text) == 1);
    auto again = pin("apps.yaml", r->text, chart_target(), WhenAbsent::error);
    REQUIRE(again.has_value());
    CHECK(again->changes.empty());
}

TEST_CASE("chart versions: three numeric parts stay plain; anything YAML could read as a number is quoted") {
    const std::string app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source:\n"
                            "    repoURL: oci://ghcr.io/argoproj/argo-helm\n    chart: argo-cd\n    targetRevision: 6.10.2\n";
    // An OCI repository, with or without its scheme, is the same repository.
    Target oci{Target::Kind::chart, "ghcr.io/argoproj/argo-helm", "7.0.0-rc.1", "argo-cd"};
    auto rc = pin("a.yaml", app, oci, WhenAbsent::error);
    REQUIRE_MESSAGE(rc.has_value(), (rc ? "" : rc.error().message));
    CHECK(rc->text.find("targetRevision: 7.0.0-rc.1\n") != std::string::npos);
    oci.revision = "7.1";  // a float in every YAML schema
    auto two = pin("a.yaml", app, oci, WhenAbsent::error);
    REQUIRE(two.has_value());
    CHECK(two->text.find("targetRevision: \"7.1\"\n") != std::string::npos);
    oci.revision = "7.0.0 evil: x";
    CHECK_FALSE(pin("a.yaml", app, oci, WhenAbsent::error).has_value());
}

TEST_CASE("a git revision never moves a chart pin of its source: refused, with the reason") {
    auto r = pin("apps.yaml", k_apps, git_target(), WhenAbsent::error);
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message);
    CHECK(r.error().message.find("apps.yaml:7: Application argocd: spec.source pins chart argo-cd") != std::string::npos);
    CHECK(r.error().message.find("run the pre-flight with --chart") != std::string::npos);
    // And a chart version never moves a git pin: the git source of another repository stays.
    auto c = pin("apps.yaml", k_apps, chart_target(), WhenAbsent::error);
    REQUIRE(c.has_value());
    CHECK(c->text.find("path: guestbook, targetRevision: \"6.10.2\"") != std::string::npos);
    // A chart Application with no targetRevision floats: refused, not guessed.
    auto floating = pin("f.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source: {repoURL: " +
                                      std::string(k_repo) + ", chart: argo-cd}\n",
                        chart_target(), WhenAbsent::error);
    REQUIRE_FALSE(floating.has_value());
    CHECK(floating.error().message.find("has no targetRevision") != std::string::npos);
}

TEST_CASE("HelmRelease: spec.chart.spec.version, only from the run's repository when this file says which") {
    const std::string hr = R"(apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: argo, namespace: flux-system}
spec: {url: https://argoproj.github.io/argo-helm}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: argocd, namespace: argocd}
spec:
  chart:
    spec:
      chart: argo-cd
      version: "6.10.2"
      sourceRef: {kind: HelmRepository, name: argo, namespace: flux-system}
)";
    auto r = pin("hr.yaml", hr, chart_target(), WhenAbsent::error);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->changes.size() == 1);
    CHECK(r->changes[0].what == "HelmRelease argocd: spec.chart.spec.version");
    CHECK(r->text.find("      version: \"6.11.1\"\n") != std::string::npos);
    CHECK(lines_differing(hr, r->text) == 1);
    // The HelmRepository it names is another repository: not this pin.
    std::string other = hr;
    other.replace(other.find("https://argoproj.github.io/argo-helm"), 36, "https://charts.example.com/mirror");
    auto o = pin("hr.yaml", other, chart_target(), WhenAbsent::error);
    REQUIRE_FALSE(o.has_value());
    CHECK(o.error().message.find("nothing here pins chart argo-cd") != std::string::npos);
    CHECK(pin("hr.yaml", other, chart_target(), WhenAbsent::unchanged)->pins_source == false);
    // A git run never touches a HelmRelease.
    CHECK(pin("hr.yaml", hr, git_target(), WhenAbsent::unchanged)->pins_source == false);
    // No version: the release floats to the newest chart; refused.
    std::string floating = hr;
    floating.erase(floating.find("      version: \"6.10.2\"\n"), 24);
    auto f = pin("hr.yaml", floating, chart_target(), WhenAbsent::error);
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().message.find("has no version to rewrite (it floats)") != std::string::npos);
}

TEST_CASE("Chart.yaml: the dependency's version, from that repository; the chart's own version stays") {
    const std::string chart = R"(apiVersion: v2
name: platform-argocd
version: 1.2.3
dependencies:
  - name: argo-cd
    version: 6.10.2
    repository: https://argoproj.github.io/argo-helm
  - name: argo-cd
    alias: second
    version: ~6.10.0
    repository: "https://argoproj.github.io/argo-helm"
  - name: redis
    version: 6.10.2
    repository: https://charts.example.com
)";
    auto r = pin("deploy/Chart.yaml", chart, chart_target(), WhenAbsent::error);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->changes.size() == 2);
    CHECK(r->changes[0].what == "Chart.yaml dependencies[0] (argo-cd).version");
    CHECK(r->changes[1].from == "~6.10.0");
    CHECK(r->text.find("version: 1.2.3\n") != std::string::npos);
    CHECK(r->text.find("  - name: redis\n    version: 6.10.2\n") != std::string::npos);
    CHECK(lines_differing(chart, r->text) == 2);
    // Only a file named Chart.yaml is a chart's metadata.
    CHECK(pin("deploy/values.yaml", chart, chart_target(), WhenAbsent::unchanged)->pins_source == false);
    // A repository alias (@argo) is resolved only by the user's helm configuration: it may be a
    // mirror without this version, so promote refuses rather than guess.
    std::string aliased = chart;
    const std::string quoted_url = "repository: \"https://argoproj.github.io/argo-helm\"";
    aliased.replace(aliased.find(quoted_url), quoted_url.size(), "repository: \"@argo\"");
    auto a = pin("deploy/Chart.yaml", aliased, chart_target(), WhenAbsent::error);
    REQUIRE_FALSE(a.has_value());
    CHECK(a.error().message.find("names repository @argo, an alias only your helm configuration resolves") != std::string::npos);
    // A git run whose source is the chart repository: a chart pin, refused.
    auto g = pin("deploy/Chart.yaml", chart, git_target(), WhenAbsent::error);
    REQUIRE_FALSE(g.has_value());
    CHECK(g.error().message.find("Chart.yaml dependencies[0] (argo-cd) pins chart argo-cd") != std::string::npos);
}

TEST_CASE("kustomization helmCharts: the entry of that chart and repository") {
    const std::string k = R"(apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
helmCharts:
- name: argo-cd
  repo: https://argoproj.github.io/argo-helm
  version: 6.10.2   # pinned
  releaseName: argocd
- name: argo-cd
  repo: https://charts.example.com/mirror
  version: 6.10.2
resources:
- https://github.com/argoproj/argo-cd/manifests/crds?ref=v2.11.1
)";
    auto r = pin("kustomization.yaml", k, chart_target(), WhenAbsent::error);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->changes.size() == 1);
    CHECK(r->changes[0].line == 6);
    CHECK(r->text.find("  version: 6.11.1   # pinned\n") != std::string::npos);
    CHECK(r->text.find("crds?ref=v2.11.1") != std::string::npos);  // a git pin: not a chart run's
    CHECK(lines_differing(k, r->text) == 1);
    auto g = pin("kustomization.yaml", k, git_target(), WhenAbsent::error);
    REQUIRE_FALSE(g.has_value());
    CHECK(g.error().message.find("kustomization helmCharts[0] (argo-cd) pins chart argo-cd") != std::string::npos);
    // The git pin of that kustomization still moves with a git run of its own source.
    auto own = pin("kustomization.yaml", k, git_target("https://github.com/argoproj/argo-cd"), WhenAbsent::error);
    REQUIRE(own.has_value());
    CHECK(own->text.find("crds?ref=v2.11.2") != std::string::npos);
}

TEST_CASE("HelmRelease whose HelmRepository another file defines: traced there; defined nowhere given: refused") {
    const std::string hr = R"(apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: argocd, namespace: argocd}
spec:
  chart:
    spec:
      chart: argo-cd
      version: 6.10.2
      sourceRef: {kind: HelmRepository, name: argo}
)";
    auto t = chart_target();
    auto nowhere = pin("hr.yaml", hr, t, WhenAbsent::unchanged);
    REQUIRE_FALSE(nowhere.has_value());
    CHECK(nowhere.error().message.find("from HelmRepository argo, which none of the given files defines") != std::string::npos);
    // Defined in another file of the promotion (its namespace defaults to the HelmRelease's).
    auto repos = helm_repositories("repos.yaml", "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
                                                 "metadata: {name: argo, namespace: argocd}\nspec: {url: https://argoproj.github.io/argo-helm}\n");
    REQUIRE(repos.size() == 1);
    t.helm_repositories = repos;
    auto traced = pin("hr.yaml", hr, t, WhenAbsent::error);
    REQUIRE_MESSAGE(traced.has_value(), (traced ? "" : traced.error().message));
    CHECK(traced->text.find("      version: 6.11.1\n") != std::string::npos);
    // The same name in another namespace is another repository: refused again.
    t.helm_repositories[0].ns = "flux-system";
    CHECK_FALSE(pin("hr.yaml", hr, t, WhenAbsent::unchanged).has_value());
    // Defined, but a mirror: not this pin.
    t.helm_repositories[0] = {"argo", "argocd", "https://charts.example.com/mirror"};
    CHECK(pin("hr.yaml", hr, t, WhenAbsent::unchanged)->pins_source == false);
}
