// Writers against golden files, and the redactor across every writer.
#include <doctest/doctest.h>
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "preflight/report/report.hpp"
#include "preflight/util/redactor.hpp"

using namespace preflight;

namespace {

report::Run sample_run() {
    report::Run run;
    run.command = "analyze";
    run.version = "0.1.0";
    run.start_ms = 1'780'000'000'000;  // fixed clock
    run.duration_ms = 1234;
    run.set_property("revision", "v2.11.1");
    run.set_property("commit", "9f40df0c29eca7e45a73f802f033dfd1ed0068e3");
    run.notices.push_back("cluster does not enforce NetworkPolicy");
    auto& s = run.suite("static analysis");
    s.start_ms = run.start_ms;
    s.duration_ms = 1200;
    s.add({"api-server-reachable: Deployment/argocd-server", "", report::Outcome::passed, "reaches the API server", "", {}, run.start_ms, 3});
    s.add({"api-server-reachable: Deployment/argocd-redis", "static.api", report::Outcome::failed,
           "init container secret-init cannot reach the API server", "policy <argocd-redis-network-policy> allows \"53\" & nothing else | really",
           {{"logs secret-init", "dial tcp 10.96.0.1:443: i/o timeout\n\x1b[31mred\x1b[0m"}}, run.start_ms, 1000});
    auto& p = run.suite("probes");
    p.start_ms = run.start_ms + 1200;
    p.add({"redis from argocd-server", "", report::Outcome::skipped, "cluster does not enforce NetworkPolicy", "", {}, p.start_ms, 0});
    p.add({"kind create cluster", "", report::Outcome::error, "docker daemon not answering", "", {}, p.start_ms, 12345});
    report::Case probe{"redis: Deployment/argocd-server -> argocd-redis:6379", "probes", report::Outcome::failed, "expected reachable, observed blocked"};
    probe.start_ms = p.start_ms;
    probe.facts = {{"expected", "reachable"}, {"observed", "blocked (timeout)"}, {"static", "allowed"}};
    p.add(probe);
    run.root_cause = "install candidate: Deployment/argocd-redis stuck in Init: secret-init: dial tcp 10.96.0.1:443: i/o timeout";
    return run;
}

std::string golden_path(const std::string& name) { return std::string(PREFLIGHT_FIXTURES) + "/golden/" + name; }

void check_golden(const std::string& name, const std::string& actual) {
    if (std::getenv("UPDATE_GOLDEN")) {
        std::ofstream(golden_path(name), std::ios::binary) << actual;
        return;
    }
    std::ifstream in(golden_path(name), std::ios::binary);
    REQUIRE_MESSAGE(in, "missing golden file " << name << " (run with UPDATE_GOLDEN=1 and review it)");
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(actual == ss.str());
}

}  // namespace

TEST_CASE("writers match their golden files") {
    Redactor none;
    auto run = sample_run();
    check_golden("report.xml", report::write_junit(run, none));
    check_golden("report.json", report::write_json(run, none));
    check_golden("report.md", report::write_markdown(run, none));
    check_golden("report.txt", report::write_text(run, none));
    check_golden("report-colour.txt", report::write_text(run, none, {true}));
}

TEST_CASE("JUnit: classname never empty, times with 3 decimals, failure/error/skipped elements") {
    Redactor none;
    auto xml = report::write_junit(sample_run(), none);
    CHECK(xml.find("classname=\"\"") == std::string::npos);
    CHECK(xml.find("time=\"1.000\"") != std::string::npos);
    CHECK(xml.find("time=\"12.345\"") != std::string::npos);
    CHECK(xml.find("<failure message=\"init container secret-init cannot reach the API server\"") != std::string::npos);
    CHECK(xml.find("<error ") != std::string::npos);
    CHECK(xml.find("<skipped message=\"cluster does not enforce NetworkPolicy\"/>") != std::string::npos);
    CHECK(xml.find("<system-out>") != std::string::npos);
    CHECK(xml.find("\x1b") == std::string::npos);  // control characters are not valid XML
    CHECK(xml.find("<property name=\"commit\" value=\"9f40df0c29eca7e45a73f802f033dfd1ed0068e3\"/>") != std::string::npos);
}

TEST_CASE("verdict: failures fail, errors are errors, skips do not fail") {
    report::Run run;
    auto& s = run.suite("x");
    s.add({"a", "", report::Outcome::skipped});
    CHECK(run.verdict() == report::Outcome::passed);
    s.add({"b", "", report::Outcome::failed});
    CHECK(run.verdict() == report::Outcome::failed);
    s.add({"c", "", report::Outcome::error});
    CHECK(run.verdict() == report::Outcome::error);
}

TEST_CASE("a registered secret never reaches any writer's output") {
    Redactor r;
    const std::string secret = "s3cr3t-Pa55&<word>";
    r.add(secret);
    r.add("ab");  // too short to mask: ignored
    auto run = sample_run();
    run.set_property("admin password", secret);
    run.notices.push_back("token " + secret);
    auto& c = run.suites[0].cases[1];
    c.message += " " + secret;
    c.detail += "\n" + secret;
    c.evidence.push_back({"redis-cli " + secret, "AUTH " + secret + "\nPONG"});
    for (const auto& out : {report::write_junit(run, r), report::write_json(run, r), report::write_markdown(run, r),
                            report::write_text(run, r)}) {
        CHECK(out.find("s3cr3t") == std::string::npos);
        CHECK(out.find("Pa55") == std::string::npos);
        CHECK(out.find("REDACTED") != std::string::npos);
    }
    CHECK(r.redact("ab cd") == "ab cd");
}

TEST_CASE("markdown fences grow past backticks in evidence") {
    Redactor none;
    report::Run run;
    run.suite("s").add({"c", "", report::Outcome::failed, "m", "has ``` inside"});
    auto md = report::write_markdown(run, none);
    CHECK(md.find("````\nhas ``` inside") != std::string::npos);
}

TEST_CASE("markdown: a timeline of the phases, a probe matrix, the root cause first") {
    Redactor none;
    auto md = report::write_markdown(sample_run(), none);
    auto verdict = md.find("argocd-preflight analyze: error");
    auto cause = md.find("**Root cause:** install candidate: Deployment/argocd-redis stuck in Init");
    auto gantt = md.find("```mermaid\ngantt\n");
    REQUIRE(verdict != std::string::npos);
    REQUIRE(cause != std::string::npos);
    REQUIRE(gantt != std::string::npos);
    CHECK(verdict < cause);
    CHECK(cause < gantt);
    // Task names lose the characters Mermaid reads as syntax; failed phases are marked crit.
    CHECK(md.find("  static analysis :crit, t0, 1780000000000, 1780000001200\n") != std::string::npos);
    CHECK(md.find("| ❌ | redis: Deployment/argocd-server -&gt; argocd-redis:6379 | reachable | blocked (timeout) | allowed |") != std::string::npos);
}

TEST_CASE("markdown stays under GitHub's 1 MiB step summary limit") {
    Redactor none;
    auto run = sample_run();
    auto& s = run.suite("static analysis");
    for (int i = 0; i < 400; ++i) {
        report::Case c{"huge " + std::to_string(i), "", report::Outcome::failed, "m", std::string(4000, 'x')};
        s.add(c);
    }
    auto md = report::write_markdown(run, none);
    CHECK(md.size() < 1024 * 1024);
    CHECK(md.find("Truncated to fit GitHub's 1 MiB step summary") != std::string::npos);
}

TEST_CASE("bytes that are not UTF-8 (a container's log) never make report.json or junit.xml invalid") {
    report::Run run;
    run.command = "run";
    run.suite("s").add({"case", "s", report::Outcome::failed, "log: caf\xc3 \xff\xfe end", "", {}});
    auto json = report::write_json(run, Redactor{});
    boost::system::error_code ec;
    boost::json::parse(json, ec);
    CHECK_FALSE(ec);
    CHECK(json.find("caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd end") != std::string::npos);
    CHECK(report::valid_utf8("ok ✓") == "ok ✓");
}

TEST_CASE("GitHub annotations: one per failed case and warning, escaped, paths relative to the repository") {
    report::Run run;
    run.command = "analyze";
    run.notices.push_back("assumed 50%\nof it");
    report::Case failed{"api-server-reachable: Deployment/x", "static", report::Outcome::failed, "x: cannot reach, at all", "", {}};
    failed.location = report::Location{"/repo/platform/install.yaml", 12, 3};
    report::Case warned{"api-version-served: PodDisruptionBudget/p", "static", report::Outcome::passed, "warning: deprecated", "", {}};
    warned.location = report::Location{"/elsewhere/p.yaml", 1, 13};
    run.suite("static analysis").add(failed);
    run.suite("static analysis").add(warned);
    run.suite("static analysis").add({"passed one", "static", report::Outcome::passed, "fine", "", {}});
    auto out = report::write_github(run, Redactor{}, "/repo");
    CHECK(out.find("::notice title=argocd-preflight::assumed 50%25%0Aof it\n") != std::string::npos);
    CHECK(out.find("::error file=platform/install.yaml,line=12,col=3,title=api-server-reachable%3A Deployment/x::x: cannot reach, at all\n") !=
          std::string::npos);
    CHECK(out.find("::warning file=/elsewhere/p.yaml,line=1,col=13,title=api-version-served%3A PodDisruptionBudget/p::deprecated\n") !=
          std::string::npos);
    CHECK(out.find("passed one") == std::string::npos);
}

TEST_CASE("SARIF: one result per located failure or warning, levels, paths relative to the repository") {
    report::Run run;
    run.command = "analyze";
    run.version = "1.2.3";
    report::Case failed{"api-server-reachable: Deployment/x", "static.api-server-reachable", report::Outcome::failed, "x: cannot reach", "", {}};
    failed.location = report::Location{"/repo/platform/install.yaml", 12, 3};
    report::Case warned{"api-version-served: PodDisruptionBudget/p", "static.api-version-served", report::Outcome::passed, "warning: deprecated", "", {}};
    warned.location = report::Location{"/repo/p.yaml", 1, 0};
    report::Case live{"probe: x", "fresh-install/install", report::Outcome::failed, "blocked", "", {}};  // no file: not a code finding
    run.suite("static analysis").add(failed);
    run.suite("static analysis").add(warned);
    run.suite("static analysis").add({"passed one", "static", report::Outcome::passed, "fine", "", {}});
    run.suite("scenario").add(live);
    std::vector<report::RuleInfo> catalogue{{"PF001", "api-server-reachable", "workloads that call the API server can reach it"}};
    auto doc = boost::json::parse(report::write_sarif(run, Redactor{}, "/repo", catalogue)).as_object();
    CHECK(doc.at("version") == "2.1.0");
    const auto& r = doc.at("runs").as_array().at(0).as_object();
    CHECK(r.at("tool").at("driver").at("version") == "1.2.3");
    const auto& results = r.at("results").as_array();
    REQUIRE(results.size() == 2);
    CHECK(results[0].at("ruleId") == "PF001");  // the catalogue's id for class static.<name>
    CHECK(results[0].at("level") == "error");
    CHECK(results[0].at("message").at("text") == "x: cannot reach");
    const auto& loc = results[0].at("locations").at(0).at("physicalLocation");
    CHECK(loc.at("artifactLocation").at("uri") == "platform/install.yaml");
    CHECK(loc.at("region").at("startLine") == 12);
    CHECK(loc.at("region").at("startColumn") == 3);
    CHECK(results[1].at("level") == "warning");
    CHECK(results[1].at("message").at("text") == "deprecated");
    CHECK_FALSE(results[1].at("locations").at(0).at("physicalLocation").at("region").as_object().contains("startColumn"));
    const auto& rules = r.at("tool").at("driver").at("rules").as_array();
    REQUIRE(rules.size() == 2);
    CHECK(rules[0].at("id") == "PF001");
    CHECK(rules[0].at("help").at("text") == "workloads that call the API server can reach it");
    CHECK(rules[1].at("id") == "static.api-version-served");  // not in this catalogue: its class
}

TEST_CASE("markdown: a scenario suite's timeline has a bar per step case, read from the step flag, not from names") {
    Redactor none;
    report::Run run;
    run.command = "run";
    auto& st = run.suite("static analysis");
    st.start_ms = 1780000000000;
    st.duration_ms = 10;
    auto& sc = run.suite("scenario upgrade");
    sc.start_ms = 1780000000100;
    sc.duration_ms = 100;
    report::Case action{"collect diagnostics", "upgrade/x", report::Outcome::passed};  // a name without "<step>: "
    action.start_ms = 1780000000110;
    report::Case step{"install baseline", "upgrade/install baseline", report::Outcome::passed};
    step.start_ms = 1780000000100;
    step.duration_ms = 50;
    step.step = true;
    sc.add(action);
    sc.add(step);
    auto md = report::write_markdown(run, none);
    CHECK(md.find("install baseline :") != std::string::npos);
    CHECK(md.find("collect diagnostics :") == std::string::npos);
    // The flag survives the JSON report (merge-reports and promote read it back).
    auto back = report::read_json(report::write_json(run, none), "r.json");
    REQUIRE(back);
    CHECK(back->suites[1].cases[1].step);
    CHECK_FALSE(back->suites[1].cases[0].step);
}
