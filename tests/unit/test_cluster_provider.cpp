// Pure helpers of the cluster providers: kind version, config, names, images to preload.
#include <doctest/doctest.h>

#include <regex>

#include "preflight/cluster/provider.hpp"

using namespace preflight::cluster;

TEST_CASE("kind version output") {
    auto v = parse_kind_version("kind v0.24.0 go1.22.6 linux/amd64");
    REQUIRE(v.has_value());
    CHECK(v->minor == 24);
    CHECK(parse_kind_version("kind v0.32.0 go1.24.4 linux/amd64")->minor == 32);
    CHECK(parse_kind_version("kind v1.0.0-alpha go1.25 linux/arm64")->major == 1);
    CHECK_FALSE(parse_kind_version("Docker version 28.2.2").has_value());
    CHECK_FALSE(parse_kind_version("kind version unknown").has_value());
}

TEST_CASE("kind config: one control plane, N workers, default CNI kept") {
    auto one = kind_config(0);
    CHECK(one == "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n");
    auto ha = kind_config(3);
    std::size_t workers = 0;
    for (std::size_t p = 0; (p = ha.find("role: worker", p)) != std::string::npos; ++p) ++workers;
    CHECK(workers == 3);
    CHECK(ha.find("disableDefaultCNI") == std::string::npos);
}

TEST_CASE("cluster names are valid for kind and differ by entropy") {
    std::regex valid("^[a-z0-9.-]+$");
    auto a = cluster_name(0x1234'5678'9abc'def0ULL), b = cluster_name(0x1234'5678'9abc'def1ULL);
    CHECK(std::regex_match(a, valid));
    CHECK(a.size() <= 50);
    CHECK(a != b);
    CHECK(a.starts_with("preflight-"));
}

TEST_CASE("images to preload: only those docker has, digests compared without the digest") {
    auto present = images_present({"quay.io/argoproj/argocd:v3.5.1", "redis:7.2@sha256:abc", "ghcr.io/dexidp/dex:v2.41", "quay.io/argoproj/argocd:v3.5.1"},
                                   "quay.io/argoproj/argocd:v3.5.1\nredis:7.2\n<none>:<none>\nbusybox:latest\n");
    REQUIRE(present.size() == 2);
    CHECK(present[0] == "quay.io/argoproj/argocd:v3.5.1");
    CHECK(present[1] == "redis:7.2");
    CHECK(images_present({"a:1"}, "").empty());
}

TEST_CASE("--retain values") {
    CHECK(parse_retain("never").value() == Retain::never);
    CHECK(parse_retain("on-failure").value() == Retain::on_failure);
    CHECK(parse_retain("always").value() == Retain::always);
    CHECK_FALSE(parse_retain("sometimes").has_value());
    CHECK(parse_retain("").error().kind == preflight::ErrorKind::usage);
}

TEST_CASE("the default node image is pinned by digest") {
    std::string image = k_default_node_image;
    CHECK(image.find("@sha256:") != std::string::npos);
    CHECK(image.size() == image.find("@sha256:") + 8 + 64);
}

TEST_CASE("kind in docker-in-docker: published address, certificate SANs, kubeconfig host") {
    auto c = kind_config(1, "0.0.0.0", {"docker"});
    CHECK(c.find("networking:\n  apiServerAddress: \"0.0.0.0\"\n") != std::string::npos);
    CHECK(c.find("kubeadmConfigPatches:\n- |\n  kind: ClusterConfiguration\n  apiServer:\n    certSANs:\n    - \"docker\"\n") != std::string::npos);
    CHECK(kind_config(0).find("networking") == std::string::npos);
    const std::string kc = "clusters:\n- cluster:\n    certificate-authority-data: abc\n    server: https://0.0.0.0:41235\n  name: kind-x\n"
                           "- cluster:\n    server: https://127.0.0.1:6443/prefix\n  name: other\n";
    auto out = with_server_host(kc, "docker");
    CHECK(out.find("server: https://docker:41235\n") != std::string::npos);
    CHECK(out.find("server: https://docker:6443/prefix\n") != std::string::npos);
    CHECK(out.find("certificate-authority-data: abc") != std::string::npos);
    CHECK(with_server_host("server: https://[::1]:6443\n", "docker") == "server: https://docker:6443\n");
}

TEST_CASE("NetworkPolicy enforcement is read from the node image, not the kind binary") {
    using preflight::cluster::enforcement_for_node_image;
    CHECK(enforcement_for_node_image(preflight::cluster::k_default_node_image).known);
    CHECK(enforcement_for_node_image("kindest/node:v1.31.0@sha256:abc").known);
    CHECK(enforcement_for_node_image("mirror.example/kindest/node:v1.33.4").known);
    CHECK(enforcement_for_node_image("localhost:5000/kindest/node:v1.33.4@sha256:ab").known);  // a port is no tag
    auto old = enforcement_for_node_image("kindest/node:v1.29.4");
    CHECK_FALSE(old.known);
    CHECK(old.note.find("canary") != std::string::npos);
    CHECK_FALSE(enforcement_for_node_image("registry.example/my-node:latest").known);
    CHECK_FALSE(enforcement_for_node_image("kindest/node:latest").known);
}
