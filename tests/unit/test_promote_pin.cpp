// Moving the pin changes exactly the value that names the revision, nothing else.
#include <doctest/doctest.h>

#include "line_diff.hpp"
#include "preflight/promote/pin.hpp"

using namespace preflight::promote;
using test::lines_differing;

namespace {
const char* k_source = "https://github.com/argoproj/argo-cd";
}  // namespace

TEST_CASE("an Application full of comments: one line changes, every other byte stays") {
    const std::string app = R"(# Argo CD manages itself. Pinned on purpose: see the May 2024 incident.
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: argocd   # self-managed
  namespace: argocd
spec:
  project: platform
  source:
    repoURL: https://github.com/argoproj/argo-cd.git   # upstream
    # targetRevision: stable   <- never again
    targetRevision: "v2.11.0"   # moved by argocd-preflight promote
    path: manifests/cluster-install
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
---
# Another app in the same file, from another repository: untouched.
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook}
spec:
  source: {repoURL: https://github.com/argoproj/argocd-example-apps, targetRevision: v2.11.0, path: guestbook}
)";
    auto r = pin("argocd-app.yaml", app, k_source, "v3.5.1");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->changes.size() == 1);
    CHECK(r->changes[0].line == 12);
    CHECK(r->changes[0].from == "v2.11.0");
    CHECK(r->changes[0].to == "v3.5.1");
    CHECK(r->changes[0].what == "Application argocd: spec.source.targetRevision");
    CHECK(lines_differing(app, r->text) == 1);
    CHECK(r->text.find("    targetRevision: \"v3.5.1\"   # moved by argocd-preflight promote\n") != std::string::npos);
    CHECK(r->text.find("targetRevision: v2.11.0, path: guestbook") != std::string::npos);
    CHECK(r->text.find("# targetRevision: stable   <- never again") != std::string::npos);
    // Pinning again changes nothing.
    auto again = pin("argocd-app.yaml", r->text, k_source, "v3.5.1");
    REQUIRE(again.has_value());
    CHECK(again->changes.empty());
    CHECK(again->text == r->text);
}

TEST_CASE("multi-source Applications: only the source from the Argo CD repository") {
    const std::string app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: argocd}\nspec:\n  sources:\n"
                            "  - repoURL: git@github.com:argoproj/argo-cd.git\n    targetRevision: stable\n    path: manifests\n"
                            "  - repoURL: https://git.example/platform/values\n    targetRevision: main\n";
    auto r = pin("a.yaml", app, k_source, "0123456789abcdef0123456789abcdef01234567");
    REQUIRE(r.has_value());
    REQUIRE(r->changes.size() == 1);
    CHECK(r->changes[0].what == "Application argocd: spec.sources[0].targetRevision");
    CHECK(r->text.find("targetRevision: main") != std::string::npos);
}

TEST_CASE("kustomization: the ?ref= of remote targets and the revision segment of raw URLs") {
    const std::string k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: argocd\nresources:\n"
                          "- https://github.com/argoproj/argo-cd/manifests/cluster-install?ref=v2.11.0&timeout=90s  # upstream\n"
                          "- 'https://raw.githubusercontent.com/argoproj/argo-cd/v2.11.0/manifests/install.yaml'\n"
                          "- https://github.com/other/repo/base?ref=v2.11.0\n- local-patch.yaml\n";
    auto r = pin("kustomization.yaml", k, k_source, "v3.5.1");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    CHECK(r->changes.size() == 2);
    CHECK(r->text.find("cluster-install?ref=v3.5.1&timeout=90s  # upstream\n") != std::string::npos);
    CHECK(r->text.find("'https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml'") != std::string::npos);
    CHECK(r->text.find("other/repo/base?ref=v2.11.0") != std::string::npos);
    CHECK(lines_differing(k, r->text) == 2);
}

TEST_CASE("kustomization: every remote form into the source is moved (.git//, ?version=) or refused (no ref)") {
    const std::string k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
                          "- https://github.com/argoproj/argo-cd.git//manifests/cluster-install?ref=v2.11.0\n"
                          "- github.com/argoproj/argo-cd//manifests/crds?timeout=90s&version=v2.11.0\n"
                          "- https://github.com/argoproj/argo-cd.git/manifests/ha?ref=v2.11.0\n";
    auto r = pin("kustomization.yaml", k, k_source, "v3.5.1");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    CHECK(r->changes.size() == 3);
    CHECK(r->text.find("argo-cd.git//manifests/cluster-install?ref=v3.5.1\n") != std::string::npos);
    CHECK(r->text.find("argo-cd//manifests/crds?timeout=90s&version=v3.5.1\n") != std::string::npos);
    CHECK(r->text.find("argo-cd.git/manifests/ha?ref=v3.5.1\n") != std::string::npos);
    auto floating = pin("kustomization.yaml", "resources:\n- https://github.com/argoproj/argo-cd//manifests/cluster-install\n", k_source, "v3.5.1");
    REQUIRE_FALSE(floating.has_value());
    CHECK(floating.error().message.find("kustomization.yaml:2: kustomization resources entry") != std::string::npos);
    CHECK(floating.error().message.find("it floats") != std::string::npos);
    // Another repository whose name merely starts like ours is not ours.
    auto other = pin("kustomization.yaml", "resources:\n- https://github.com/argoproj/argo-cd-extras//x?ref=v1\n", k_source, "v3.5.1");
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().message.find("nothing here pins") != std::string::npos);
}

TEST_CASE("ApplicationSet templates are pins: moved, or refused when templated; a git generator is refused") {
    const std::string set = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: argocd}\nspec:\n"
                            "  generators: [{list: {elements: [{cluster: a}]}}]\n  template:\n    metadata: {name: 'argocd-{{cluster}}'}\n"
                            "    spec:\n      source:\n        repoURL: https://github.com/argoproj/argo-cd\n        targetRevision: v2.11.0\n"
                            "        path: manifests/cluster-install\n";
    auto r = pin("set.yaml", set, k_source, "v3.5.1");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->changes.size() == 1);
    CHECK(r->changes[0].what == "ApplicationSet argocd: spec.template.spec.source.targetRevision");
    CHECK(lines_differing(set, r->text) == 1);
    std::string templated = set;
    templated.replace(templated.find("targetRevision: v2.11.0"), 23, "targetRevision: '{{rev}}'");
    auto t = pin("set.yaml", templated, k_source, "v3.5.1");
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().message.find("is a template") != std::string::npos);
    std::string git = set;
    git.replace(git.find("[{list: {elements: [{cluster: a}]}}]"), 36,
                "[{git: {repoURL: 'https://github.com/argoproj/argo-cd', revision: v2.11.0}}]");
    auto g = pin("set.yaml", git, k_source, "v3.5.1");
    REQUIRE_FALSE(g.has_value());
    CHECK(g.error().message.find("generators[0].git reads") != std::string::npos);
}

TEST_CASE("refusals: nothing pins the source, a value that cannot be rewritten in place, no targetRevision") {
    auto none = pin("x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", k_source, "v1");
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().message.find("nothing here pins https://github.com/argoproj/argo-cd") != std::string::npos);
    auto block = pin("b.yaml",
                     "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source:\n"
                     "    repoURL: https://github.com/argoproj/argo-cd\n    targetRevision: >-\n      v2.11.0\n",
                     k_source, "v3.5.1");
    REQUIRE_FALSE(block.has_value());
    CHECK(block.error().message.find("b.yaml:7:21: cannot rewrite this value in place") != std::string::npos);
    auto missing = pin("m.yaml",
                       "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source: {repoURL: https://github.com/argoproj/argo-cd}\n",
                       k_source, "v3.5.1");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("has no targetRevision") != std::string::npos);
}

TEST_CASE("the same repository, however it is written") {
    CHECK(same_repository("https://github.com/argoproj/argo-cd", "https://github.com/argoproj/argo-cd.git"));
    CHECK(same_repository("https://GitHub.com/argoproj/argo-cd/", "git@github.com:argoproj/argo-cd.git"));
    CHECK(same_repository("ssh://git@github.com/argoproj/argo-cd", "https://github.com/argoproj/argo-cd"));
    CHECK_FALSE(same_repository("https://github.com/argoproj/argo-cd", "https://github.com/ArgoProj/Argo-CD-fork"));
    CHECK_FALSE(same_repository("https://github.com/argoproj/argo-cd", "https://github.com/argoproj/argocd-example-apps"));
}

TEST_CASE("unified diff: context, hunks, nothing for equal texts") {
    std::string a, b;
    for (int i = 1; i <= 20; ++i) {
        a += "line " + std::to_string(i) + "\n";
        b += (i == 5 ? std::string("LINE 5") : i == 18 ? std::string("LINE 18") : "line " + std::to_string(i)) + "\n";
    }
    auto d = unified_diff("f.yaml", a, b);
    CHECK(d.starts_with("--- a/f.yaml\n+++ b/f.yaml\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+LINE 5\n line 6\n"));
    CHECK(d.find("@@ -15,6 +15,6 @@\n line 15\n line 16\n line 17\n-line 18\n+LINE 18\n line 19\n line 20\n") != std::string::npos);
    CHECK(unified_diff("f.yaml", a, a).empty());
}

// --- Hostile or odd revisions: validated like a git ref, quoted where YAML needs it, and the
// rewritten file proven to differ only in the pinned scalar.
namespace {
const std::string k_plain_app = R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: argocd}
spec:
  source:
    repoURL: https://github.com/argoproj/argo-cd
    targetRevision: v2.11.0
    path: manifests
)";
}  // namespace

TEST_CASE("a revision with a newline cannot inject YAML into the Application") {
    auto r = pin("app.yaml", k_plain_app, k_source, "v1\n  sources:\n  - repoURL: https://evil");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("cannot be pinned") != std::string::npos);
}

TEST_CASE("revisions that are not git refs are refused, each for its reason") {
    for (const char* bad : {"", "-v1", "/v1", ".v1", "v1/", "v1.", "v1.lock", "a..b", "a//b", "a/.b", "a@{1}", "@", "v1 # x", "# x",
                            "v1&x=1", "v1?", "v1\"", "v1'", "v1\\x", "v1:x", "v1\t", "v1*"}) {
        CAPTURE(bad);
        CHECK_FALSE(check_revision(bad).has_value());
    }
    CHECK_FALSE(check_revision(std::string(256, 'a')).has_value());
    for (const char* good : {"v2.11.2", "stable", "release-2.11", "0123456789abcdef0123456789abcdef01234567", "7.3.4+build.1", "feature/x",
                             "1.10", "yes", "null"}) {
        CAPTURE(good);
        CHECK(check_revision(good).has_value());
    }
}

TEST_CASE("a revision YAML would read as another type is written quoted and reads back as a string") {
    for (const char* rev : {"1.10", "yes", "null", "true", "0x1f", "010", "1e3", "No", "1_000", "on", "+1", "7.3"}) {
        CAPTURE(rev);
        auto r = pin("app.yaml", k_plain_app, k_source, rev);
        REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
        CHECK(r->text.find(std::string("targetRevision: \"") + rev + "\"\n") != std::string::npos);
        CHECK(lines_differing(k_plain_app, r->text) == 1);
    }
    // A plain string stays plain; so does a three-part version (no YAML schema reads it as a
    // number: its float forms have one dot).
    for (const char* rev : {"v2.11.2", "7.3.4", "7.3.4-rc.1", "7.3.4+build.1"}) {
        CAPTURE(rev);
        auto r = pin("app.yaml", k_plain_app, k_source, rev);
        REQUIRE(r.has_value());
        CHECK(r->text.find(std::string("targetRevision: ") + rev + "\n") != std::string::npos);
    }
}

TEST_CASE("a quoted revision keeps its quotes and needs no more") {
    std::string app = k_plain_app;
    app.replace(app.find("v2.11.0"), 7, "'v2.11.0'");
    auto r = pin("app.yaml", app, k_source, "1.10");
    REQUIRE(r.has_value());
    CHECK(r->text.find("targetRevision: '1.10'\n") != std::string::npos);
}

TEST_CASE("a file that pins nothing: an error when named, unchanged when it is one of a directory's files") {
    const std::string other = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n";
    CHECK_FALSE(pin("cm.yaml", other, k_source, "v3.5.1").has_value());
    auto r = pin("cm.yaml", other, k_source, "v3.5.1", WhenAbsent::unchanged);
    REQUIRE(r.has_value());
    CHECK_FALSE(r->pins_source);
    CHECK(r->text == other);
    CHECK(pin("app.yaml", k_plain_app, k_source, "v3.5.1", WhenAbsent::unchanged)->pins_source);
}
