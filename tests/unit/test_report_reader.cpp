// Reading report.json back: strictly against docs/report-schema.md, since `promote` moves a
// production pin and `merge-reports` sets an exit code from it.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "preflight/report/report.hpp"
#include "preflight/util/redactor.hpp"

using namespace preflight;
namespace json = boost::json;

namespace {
std::string passing_report() {
    report::Run run;
    run.command = "run";
    run.version = "0.1.0";
    run.set_property("promote.revision", "v2.11.2");
    run.suite("static analysis").add({"api-server-reachable: Deployment/x", "static", report::Outcome::passed, "", "", {}});
    return report::write_json(run, Redactor{});
}
std::string edited(const std::function<void(json::object&)>& edit) {
    auto v = json::parse(passing_report());
    edit(v.as_object());
    return json::serialize(v);
}
}  // namespace

TEST_CASE("a report written by the tool reads back") {
    auto r = report::read_json(passing_report(), "r.json");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    CHECK(r->verdict() == report::Outcome::passed);
    report::Run located;
    located.command = "analyze";
    report::Case c{"x", "static", report::Outcome::failed, "m", "", {}};
    c.location = report::Location{"a.yaml", 3, 5};
    located.suite("static analysis").add(c);
    auto back = report::read_json(report::write_json(located, Redactor{}), "l.json");
    REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().message));
    REQUIRE(back->suites[0].cases[0].location);
    CHECK(back->suites[0].cases[0].location->line == 3);
}

TEST_CASE("every forged or damaged report is refused, none reads as passing") {
    struct Forgery {
        const char* what;
        std::function<void(json::object&)> edit;
    };
    auto first_case = [](json::object& o) -> json::object& {
        return o["suites"].as_array()[0].as_object()["cases"].as_array()[0].as_object();
    };
    std::vector<Forgery> forgeries{
        {"unknown outcome", [&](json::object& o) { first_case(o)["outcome"] = "FAILED"; }},
        {"missing outcome", [&](json::object& o) { first_case(o).erase("outcome"); }},
        {"cases not an array", [&](json::object& o) { o["suites"].as_array()[0].as_object()["cases"] = "failed"; }},
        {"no suites", [&](json::object& o) { o["suites"] = json::array{}; }},
        {"suites missing", [&](json::object& o) { o.erase("suites"); }},
        {"interrupted as a string", [&](json::object& o) { o["interrupted"] = "true"; }},
        {"interrupted missing", [&](json::object& o) { o.erase("interrupted"); }},
        {"verdict disagrees with the cases", [&](json::object& o) { first_case(o)["outcome"] = "failed"; }},
        {"verdict unknown", [&](json::object& o) { o["verdict"] = "FAILED"; }},
        {"unknown field", [&](json::object& o) { o["passed"] = true; }},
        {"counts forged", [&](json::object& o) { o["counts"].as_object()["failed"] = 0; o["counts"].as_object()["total"] = 7; }},
        {"another tool", [&](json::object& o) { o["tool"] = "other"; }},
        {"property not a string", [&](json::object& o) { o["properties"].as_object()["promote.revision"] = 1; }},
        {"negative duration", [&](json::object& o) { o["duration_ms"] = -1; }},
    };
    for (const auto& f : forgeries) {
        CAPTURE(f.what);
        auto r = report::read_json(edited(f.edit), "r.json");
        CHECK_FALSE(r.has_value());
        if (!r) CHECK(r.error().kind == ErrorKind::input);
    }
}

TEST_CASE("an interrupted report reads back as an error, never as passed") {
    auto text = edited([](json::object& o) {
        o["interrupted"] = true;
        o["verdict"] = "error";
    });
    auto r = report::read_json(text, "r.json");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    CHECK(r->verdict() == report::Outcome::error);
}
