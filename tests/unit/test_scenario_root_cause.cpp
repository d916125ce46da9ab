// Root cause: the decisive log line, the matching static finding, the consequences.
#include <doctest/doctest.h>

#include "preflight/scenario/root_cause.hpp"

using namespace preflight;
using scenario::decisive_line;

TEST_CASE("the decisive line is the last one that reads like an error") {
    CHECK(decisive_line("starting\nlevel=fatal msg=\"dial tcp 10.96.0.1:443: i/o timeout\"\nexiting\n") ==
          "level=fatal msg=\"dial tcp 10.96.0.1:443: i/o timeout\"");
    CHECK(decisive_line("a\nError: first\nError: second\n  \n") == "Error: second");
    CHECK(decisive_line("just started\nlistening on :8080\n") == "listening on :8080");
    CHECK(decisive_line("") == "");
    CHECK(decisive_line("\n\n") == "");
    CHECK(decisive_line("  padded: connection refused  \r\n") == "padded: connection refused");
}

namespace {

// "Kind/name" or "Kind/ns/name" as an id (test shorthand only).
model::WorkloadId wid(const std::string& text) {
    auto a = text.find('/'), b = text.rfind('/');
    return {text.substr(0, a), a == b ? "" : text.substr(a + 1, b - a - 1), text.substr(b + 1)};
}

analysis::CheckResult failed_result(const std::string& subject, const std::string& id, std::vector<std::string> containers,
                                    const std::string& blocked_by) {
    analysis::CheckResult r{analysis::CheckId::api_server_reachable, subject};
    r.workload = wid(subject);
    r.passed = false;
    analysis::Finding f;
    f.id = id;
    f.title = subject + " cannot reach the API server";
    f.blocked_by = blocked_by;
    f.containers = std::move(containers);
    r.finding = f;
    return r;
}

health::StuckPod stuck(const std::string& workload, const std::string& pod, const std::string& container, bool init,
                       const std::string& reason, const std::string& message = "") {
    health::StuckPod s;
    s.workload = wid(workload);
    s.pod = pod;
    s.container.container = container;
    s.container.init = init;
    s.container.reason = reason;
    s.container.message = message;
    return s;
}

}  // namespace

TEST_CASE("matching finding: same workload, the container named first, warnings ignored") {
    std::vector<analysis::CheckResult> results{failed_result("Deployment/ns/cache", "PF002", {"main"}, "p1"),
                                               failed_result("Deployment/cache", "PF001", {"init"}, "p2"),
                                               failed_result("StatefulSet/cache", "PF001", {"init"}, "p3")};
    CHECK(scenario::matching_finding(results, wid("Deployment/cache"), "init")->finding->blocked_by == "p2");
    CHECK(scenario::matching_finding(results, wid("Deployment/cache"), "other")->finding->blocked_by == "p1");
    CHECK(scenario::matching_finding(results, wid("Deployment/other"), "init") == nullptr);
    results[1].finding->severity = analysis::Severity::warning;
    CHECK(scenario::matching_finding(results, wid("Deployment/cache"), "init")->finding->blocked_by == "p1");
}

TEST_CASE("matching finding: a finding about a client of the Service is not about the workload behind it") {
    // "Deployment/server -> Service/cache" is about the server; a text match on "Kind/" and
    // "/name" once took it for Deployment/cache.
    auto r = failed_result("Deployment/server", "PF002", {"main"}, "p1");
    r.subject = "Deployment/server -> Service/cache";
    std::vector<analysis::CheckResult> results{r};
    CHECK(scenario::matching_finding(results, wid("Deployment/cache"), "main") == nullptr);
    CHECK(scenario::matching_finding(results, wid("Deployment/server"), "main") != nullptr);
    results[0].workload.reset();  // a subject that is no workload (a Secret) explains no workload
    CHECK(scenario::matching_finding(results, wid("Deployment/server"), "main") == nullptr);
}

TEST_CASE("root cause joins the live line to the static finding and lists the consequences once") {
    std::vector<analysis::CheckResult> results{failed_result("Deployment/cache", "PF001", {"setup"}, "cache-policy allows egress only 53/UDP")};
    std::vector<health::StuckPod> decisive{
        stuck("Deployment/cache", "cache-1", "setup", true, "CrashLoopBackOff"),
        stuck("Deployment/web", "web-1", "main", false, "CreateContainerConfigError", "secret \"cache\" not found"),
        stuck("Deployment/web", "web-2", "main", false, "CreateContainerConfigError", "secret \"cache\" not found"),
        stuck("StatefulSet/db", "db-0", "main", false, "CreateContainerConfigError", "secret \"cache\" not found"),
        stuck("Deployment/ui", "ui-1", "main", false, "ImagePullBackOff")};
    std::map<std::string, std::string> lines{{"cache-1/setup", "dial tcp 10.96.0.1:443: i/o timeout"}};
    CHECK(scenario::root_cause(decisive, lines, results) ==
          "Deployment/cache stuck in Init: setup: dial tcp 10.96.0.1:443: i/o timeout — cache-policy allows egress only 53/UDP (PF001); "
          "then Deployment/web, StatefulSet/db: secret \"cache\" not found; then Deployment/ui: ImagePullBackOff");
}

TEST_CASE("root cause without logs or a finding says what it knows, and no more") {
    std::vector<health::StuckPod> decisive{stuck("Deployment/api", "api-1", "main", false, "CrashLoopBackOff", "back-off 10s")};
    CHECK(scenario::root_cause(decisive, {}, {}) == "Deployment/api CrashLoopBackOff: main: back-off 10s — no static finding predicted this");
    CHECK(scenario::root_cause({}, {}, {}).empty());
}
