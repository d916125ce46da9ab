// A chart spec: what helm would misread is refused before helm runs; the argv is helm's.
#include <doctest/doctest.h>

#include "preflight/source/chart.hpp"

using namespace preflight;

namespace {
source::ChartSpec local(const std::string& chart = PREFLIGHT_FIXTURES) {
    source::ChartSpec s;
    s.chart = chart;
    s.ns = "argocd";
    return s;
}
}  // namespace

TEST_CASE("chart spec: a local chart that exists, a sane release, readable values, KEY=VALUE sets") {
    CHECK(source::validate(local()));
    auto missing = local("/nonexistent/chart");
    CHECK(source::validate(missing).error().kind == ErrorKind::usage);
    CHECK_FALSE(source::validate(local("-x")));  // helm would read it as a flag
    for (const std::string& bad : std::vector<std::string>{"", "-x", "UPPER", "a_b", "ends-", std::string(54, 'a')}) {
        auto s = local();
        s.release = bad;
        CHECK_MESSAGE(!source::validate(s), bad);
    }
    auto s = local();
    s.release = std::string(53, 'a');
    CHECK(source::validate(s));
    auto v = local();
    v.values = {"/nonexistent/values.yaml"};
    CHECK(source::validate(v).error().message.find("--values /nonexistent/values.yaml") != std::string::npos);
    v.values = {PREFLIGHT_FIXTURES};  // a directory is not a values file
    CHECK_FALSE(source::validate(v));
    for (const std::string& bad : std::vector<std::string>{"novalue", "=x"}) {
        auto t = local();
        t.set = {bad};
        CHECK_MESSAGE(!source::validate(t), bad);
    }
    auto ok = local();
    ok.set = {"a.b=c", "x="};
    CHECK(source::validate(ok));
}

TEST_CASE("chart spec: a repository chart needs its version (the pin); a local one takes none") {
    auto r = local("argo-cd");
    r.repo = "https://argoproj.github.io/argo-helm";
    CHECK(source::validate(r).error().message.find("--chart-repo needs --chart-version") != std::string::npos);
    r.version = "6.10.2";
    CHECK(source::validate(r));  // the name need not exist locally
    r.version = "--devel";
    CHECK_FALSE(source::validate(r));
    auto l = local();
    l.version = "6.10.2";
    CHECK_FALSE(source::validate(l));
}

TEST_CASE("helm template argv: release and chart first, then namespace, CRDs, version, repo, values and sets in order") {
    auto s = local("/charts/argo-cd");
    s.kube_version = "1.33";
    s.values = {"a.yaml", "b.yaml"};
    s.set = {"x=1"};
    CHECK(source::helm_template_args(s) == std::vector<std::string>{"helm", "template", "argocd", "/charts/argo-cd", "--namespace", "argocd",
                                                                     "--include-crds", "--kube-version", "1.33", "--values", "a.yaml",
                                                                     "--values", "b.yaml", "--set", "x=1"});
    auto r = local("argo-cd");
    r.repo = "https://example.test/charts";
    r.version = "6.10.2";
    CHECK(source::helm_template_args(r) == std::vector<std::string>{"helm", "template", "argocd", "argo-cd", "--namespace", "argocd",
                                                                     "--include-crds", "--repo", "https://example.test/charts", "--version",
                                                                     "6.10.2"});
}

TEST_CASE("chart spec: --set values under a credential-like key are secrets; others are not") {
    auto s = local();
    s.set = {"configs.secret.argocdServerAdminPassword=Adm1n-Pa55", "redis.image.repository=redis", "extra.apiToken=tok-123",
             "tls.CERT=pem-data", "server.replicas=2", "a.b="};
    CHECK(source::secret_set_values(s) == std::vector<std::string>{"Adm1n-Pa55", "tok-123", "pem-data"});
}

TEST_CASE("helm show chart argv: a local chart alone; a repository chart with its version or constraint") {
    CHECK(source::helm_show_chart_args(local("/charts/argo-cd")) == std::vector<std::string>{"helm", "show", "chart", "/charts/argo-cd"});
    auto r = local("argo-cd");
    r.repo = "https://example.test/charts";
    r.version = "6.*";
    CHECK(source::helm_show_chart_args(r) ==
          std::vector<std::string>{"helm", "show", "chart", "argo-cd", "--repo", "https://example.test/charts", "--version", "6.*"});
    r.version.clear();  // the newest
    CHECK(source::helm_show_chart_args(r).size() == 6);
}

TEST_CASE("Chart.yaml: its name and version are the pin; a version a file cannot hold is refused") {
    auto m = source::parse_chart_meta("Chart.yaml", "apiVersion: v2\nname: argo-cd\nversion: 6.10.2\nappVersion: v2.11.1\n");
    REQUIRE(m.has_value());
    CHECK(m->name == "argo-cd");
    CHECK(m->version == "6.10.2");
    CHECK(m->app_version == "v2.11.1");
    CHECK(source::parse_chart_meta("c", "name: x\nversion: 7.0.0-rc.1+build.5\n").has_value());
    CHECK_FALSE(source::parse_chart_meta("c", "name: argo-cd\n").has_value());                          // no version
    CHECK_FALSE(source::parse_chart_meta("c", "version: 1.0.0\n").has_value());                         // no name
    CHECK_FALSE(source::parse_chart_meta("c", "name: argo-cd\nversion: \"6.10.2 # x\"\n").has_value());  // space, '#'
    CHECK_FALSE(source::parse_chart_meta("c", "name: argo-cd\nversion: \"6.10.2\\nevil: 1\"\n").has_value());
    CHECK_FALSE(source::parse_chart_meta("c", "name: argo-cd\nversion: -1.0.0\n").has_value());  // option-like
    CHECK_FALSE(source::parse_chart_meta("c", "name: Argo CD\nversion: 1.0.0\n").has_value());  // a space
    CHECK_FALSE(source::parse_chart_meta("c", "name: ../argo-cd\nversion: 1.0.0\n").has_value());
    CHECK(source::parse_chart_meta("c", "name: ArgoCD\nversion: 1.0.0\n").has_value());  // helm lets case be
    CHECK_FALSE(source::parse_chart_meta("c", "- a\n- b\n").has_value());
}
