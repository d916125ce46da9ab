// Ref validation and ls-remote parsing (pure; the CLI test runs real git).
#include <doctest/doctest.h>

#include "preflight/revision/resolve.hpp"

using namespace preflight;

TEST_CASE("refs are validated like git check-ref-format; option-like input is refused") {
    for (const char* ok : {"stable", "v3.5.1", "release-3.5", "feature/x", "0123456789abcdef0123456789abcdef01234567"})
        CHECK_MESSAGE(revision::validate_ref(ok).has_value(), ok);
    for (const char* bad : {"", "-x", "--upload-pack=evil", "a..b", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b",
                            "/a", "a/", "a.", ".a", "a/.b", "a.lock", "a//b", "@", "a@{1}"})
        CHECK_MESSAGE(!revision::validate_ref(bad).has_value(), bad);
    CHECK_FALSE(revision::validate_source("--upload-pack=x").has_value());
    CHECK(revision::ls_remote_args("repo") == std::vector<std::string>{"git", "ls-remote", "--", "repo"});
}

TEST_CASE("resolve prefers the highest version tag on the commit and peels annotated tags") {
    std::string out =
        "1111111111111111111111111111111111111111\tHEAD\n"
        "2222222222222222222222222222222222222222\trefs/heads/master\n"
        "3333333333333333333333333333333333333333\trefs/tags/stable\n"
        "4444444444444444444444444444444444444444\trefs/tags/v3.10.0\n"
        "3333333333333333333333333333333333333333\trefs/tags/v3.10.0^{}\n"
        "3333333333333333333333333333333333333333\trefs/tags/v3.9.1\n"
        "3333333333333333333333333333333333333333\trefs/tags/v3.10.0-rc1\n";
    auto r = revision::resolve("stable", "src", out);
    REQUIRE(r);
    CHECK(r->commit == "3333333333333333333333333333333333333333");
    CHECK(r->tag == "v3.10.0");
    auto branch = revision::resolve("master", "src", out);
    REQUIRE(branch);
    CHECK_FALSE(branch->tag.has_value());
    auto missing = revision::resolve("nope", "src", out);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::input);
}

TEST_CASE("manifests come from the exact commit: fetch and show argv, flavour paths") {
    using namespace preflight::revision;
    auto fetch = fetch_args("/tmp/g", "https://github.com/argoproj/argo-cd", "refs/tags/v3.5.1");
    CHECK(fetch == std::vector<std::string>{"git", "--git-dir", "/tmp/g", "fetch", "--quiet", "--depth", "1", "--no-tags", "--",
                                            "https://github.com/argoproj/argo-cd", "refs/tags/v3.5.1"});
    CHECK(show_args("/tmp/g", "0123abcd", "manifests/install.yaml").back() == "0123abcd:manifests/install.yaml");
    Resolved tagged{"stable", "0123", "src", std::string("v3.5.1")};
    CHECK(fetch_refspec(tagged) == "refs/tags/v3.5.1");
    Resolved branch{"master", "0123", "src", std::nullopt};
    CHECK(fetch_refspec(branch) == "master");
    CHECK(flavour_path("install").value() == "manifests/install.yaml");
    CHECK(flavour_path("ha").value() == "manifests/ha/install.yaml");
    CHECK(flavour_path("namespace-install").value() == "manifests/namespace-install.yaml");
    CHECK(flavour_path("ha-namespace-install").value() == "manifests/ha/namespace-install.yaml");
    CHECK(flavour_path("core-install").value() == "manifests/core-install.yaml");
    CHECK(flavour_path("../../etc/passwd").error().kind == preflight::ErrorKind::usage);
}
