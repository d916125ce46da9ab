// kubectl argv builders, version parsing and watch-event decoding: no process runs here.
#include <doctest/doctest.h>

#include "preflight/kube/kubectl.hpp"
#include "preflight/kube/watch.hpp"

using namespace preflight::kube;

namespace {
const Target k_target{"/tmp/run/kubeconfig", "", "/tmp/run/cache"};
std::string joined(const Args& a) {
    std::string out;
    for (const auto& s : a) out += (out.empty() ? "" : " ") + s;
    return out;
}
}  // namespace

TEST_CASE("every kubectl command names its kubeconfig and cache, and the context only when given") {
    CHECK(joined(base_args(k_target)) == "kubectl --kubeconfig /tmp/run/kubeconfig --cache-dir /tmp/run/cache");
    Target with_ctx{"/k", "team", ""};
    CHECK(joined(base_args(with_ctx)) == "kubectl --kubeconfig /k --context team");
}

TEST_CASE("apply is server-side with forced conflicts, from stdin, into the namespace") {
    CHECK(joined(apply_args(k_target, "argocd")) ==
          "kubectl --kubeconfig /tmp/run/kubeconfig --cache-dir /tmp/run/cache apply --server-side --force-conflicts --namespace argocd "
          "--filename -");
}

TEST_CASE("watch, logs, describe, delete") {
    auto w = watch_args(k_target, "pods", "ns1");
    CHECK(joined(w).ends_with("get pods --namespace ns1 --output json --watch --output-watch-events"));
    CHECK(joined(logs_args(k_target, "ns1", "p-1", "init", true)).ends_with("logs --namespace ns1 p-1 --container init --tail 500 --previous"));
    CHECK(joined(logs_args(k_target, "ns1", "p-1", "init", false)).ends_with("--tail 500"));
    CHECK(joined(describe_args(k_target, "ns1", "pod", "p-1")).ends_with("describe --namespace ns1 pod p-1"));
    CHECK(joined(delete_namespace_args(k_target, "trial")).ends_with("delete namespace trial --ignore-not-found --wait=false"));
    CHECK(joined(delete_pod_args(k_target, "ns1", "sts-0")).ends_with("delete pod sts-0 --namespace ns1 --ignore-not-found --wait=false"));
    // Arguments stay whole: a name with spaces is one argv element, never split by a shell.
    auto odd = logs_args(k_target, "ns", "a b", "c;d", false);
    CHECK(std::find(odd.begin(), odd.end(), "a b") != odd.end());
}

TEST_CASE("kubectl version: client and server minors, '+' suffixes, missing server") {
    auto v = parse_versions(R"({"clientVersion":{"major":"1","minor":"33","gitVersion":"v1.33.1"},
                                "serverVersion":{"major":"1","minor":"31+","gitVersion":"v1.31.4-eks"}})");
    REQUIRE(v.has_value());
    CHECK(v->client_minor == 33);
    CHECK(v->server_minor == 31);
    CHECK(v->server == "v1.31.4-eks");
    auto no_server = parse_versions(R"({"clientVersion":{"major":"1","minor":"33","gitVersion":"v1.33.1"}})");
    REQUIRE_FALSE(no_server.has_value());
    CHECK(no_server.error().kind == preflight::ErrorKind::infrastructure);
    CHECK_FALSE(parse_versions("not json {").has_value());
}

TEST_CASE("namespace manifest is a Namespace object") {
    CHECK(namespace_manifest("trial") == "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"trial\"}}\n");
}

TEST_CASE("live view: ADDED, MODIFIED and DELETED events keep the latest object; junk is counted") {
    LiveView view;
    view.on_line(R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","namespace":"n","resourceVersion":"1"}}})");
    view.on_line(R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"b","namespace":"n"}}})");
    view.on_line(R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","namespace":"n","resourceVersion":"2"}}})");
    CHECK(view.wait_change(std::chrono::milliseconds(0)));
    auto snap = view.snapshot();
    REQUIRE(snap.size() == 2);
    CHECK(snap[0].at_path({"metadata", "resourceVersion"}).str() == "2");
    view.on_line(R"({"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"b","namespace":"n"}}})");
    CHECK(view.snapshot().size() == 1);
    // A Deployment with the same name is another object.
    view.on_line(R"({"type":"ADDED","object":{"kind":"Deployment","metadata":{"name":"a","namespace":"n"}}})");
    CHECK(view.snapshot().size() == 2);
    view.on_line("{not json");
    view.on_line(R"({"type":"ADDED"})");
    view.on_line("");
    CHECK(view.malformed_lines() == 2);
    // Bookmarks change nothing.
    view.wait_change(std::chrono::milliseconds(0));
    view.on_line(R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"name":"zz","namespace":"n"}}})");
    CHECK_FALSE(view.wait_change(std::chrono::milliseconds(0)));
    CHECK(view.snapshot().size() == 2);
}

TEST_CASE("one kubectl for a batch's logs: selector, prefix, and the lines split back per pod") {
    auto a = logs_by_label_args(k_target, "ns1", "argocd-preflight.io/batch=probe-1", "probe", 12);
    CHECK(joined(a).ends_with("logs --namespace ns1 --selector argocd-preflight.io/batch=probe-1 --container probe --prefix --tail -1 "
                              "--max-log-requests 12"));
    auto logs = split_prefixed_logs("[pod/p-0/probe] first\n[pod/p-1/probe] PREFLIGHT-PROBE result=pong detail=PONG\n"
                                    "[pod/p-0/probe] second\nnot prefixed\n[pod/broken line\n");
    REQUIRE(logs.size() == 2);
    CHECK(logs["p-0"] == "first\nsecond\n");
    CHECK(logs["p-1"] == "PREFLIGHT-PROBE result=pong detail=PONG\n");
}

TEST_CASE("the API server's endpoint comes from its EndpointSlice: the first ready address, the https port") {
    auto ep = preflight::kube::parse_apiserver_endpointslice(
        R"({"addressType":"IPv4","endpoints":[{"addresses":["172.18.0.3"],"conditions":{"ready":false}},)"
        R"({"addresses":["172.18.0.4"],"conditions":{"ready":true}}],"ports":[{"name":"metrics","port":9000},{"name":"https","port":6443}]})");
    REQUIRE(ep.has_value());
    CHECK(*ep == "172.18.0.4:6443");
    CHECK_FALSE(preflight::kube::parse_apiserver_endpointslice(R"({"endpoints":[],"ports":[{"name":"https","port":6443}]})").has_value());
    auto args = preflight::kube::apiserver_endpointslice_args({"/k", "", "/c"});
    CHECK(std::find(args.begin(), args.end(), "endpointslices.discovery.k8s.io") != args.end());
}

TEST_CASE("the kubelet's 'no log to give' answer is told from a container's own log") {
    // Seen on the real test cluster right after a restart (kubelet GetContainerLogs).
    CHECK(log_unavailable("unable to retrieve container logs for containerd://95122727ee39\n"));
    CHECK(log_unavailable("  unable to retrieve container logs for docker://abc"));
    CHECK(log_unavailable("Error from server (BadRequest): unable to retrieve container logs for containerd://x\n"));
    // A container may print anything: only the kubelet's whole first line counts.
    CHECK_FALSE(log_unavailable("starting\nunable to retrieve container logs for containerd://x\n"));
    CHECK_FALSE(log_unavailable("FATAL: could not open data directory /data: permission denied\n"));
    CHECK_FALSE(log_unavailable(""));
    CHECK_FALSE(log_unavailable("Error from server (BadRequest): previous terminated container \"db\" in pod \"p\" not found"));
}
