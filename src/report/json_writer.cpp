// JSON writer: the versioned report schema documented in docs/report-schema.md.
#include <boost/json.hpp>

#include "preflight/report/report.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::report {

std::string write_json(const Run& input, const Redactor& redactor) {
    namespace json = boost::json;
    Run run = redacted(input, redactor);
    json::object root;
    root["schema"] = k_json_schema;
    root["tool"] = run.tool;
    root["version"] = run.version;
    root["command"] = run.command;
    root["verdict"] = to_string(run.verdict());
    root["interrupted"] = run.interrupted;
    root["start_ms"] = run.start_ms;
    root["duration_ms"] = run.duration_ms;
    json::object props;
    for (const auto& [k, v] : run.properties) props[k] = v;
    root["properties"] = std::move(props);
    json::array notices;
    for (const auto& n : run.notices) notices.emplace_back(n);
    root["notices"] = std::move(notices);
    if (!run.root_cause.empty()) root["root_cause"] = run.root_cause;
    auto c = run.counts();
    root["counts"] = {{"total", c.total}, {"passed", c.passed}, {"failed", c.failed},
                      {"errors", c.errors}, {"skipped", c.skipped}};
    json::array suites;
    for (const auto& s : run.suites) {
        json::object so;
        so["name"] = s.name;
        so["start_ms"] = s.start_ms;
        so["duration_ms"] = s.duration_ms;
        json::array cases;
        for (const auto& cs : s.cases) {
            json::object co;
            co["name"] = cs.name;
            co["classname"] = cs.classname.empty() ? s.name : cs.classname;
            co["outcome"] = to_string(cs.outcome);
            co["message"] = cs.message;
            co["detail"] = cs.detail;
            co["start_ms"] = cs.start_ms;
            co["duration_ms"] = cs.duration_ms;
            json::array ev;
            for (const auto& e : cs.evidence) ev.push_back(json::object{{"name", e.name}, {"text", e.text}});
            co["evidence"] = std::move(ev);
            if (cs.step) co["step"] = true;
            if (cs.location)
                co["location"] = json::object{{"file", cs.location->file}, {"line", cs.location->line}, {"col", cs.location->col}};
            if (!cs.facts.empty()) {
                json::object facts;
                for (const auto& [k, v] : cs.facts) facts[k] = v;
                co["facts"] = std::move(facts);
            }
            cases.push_back(std::move(co));
        }
        so["cases"] = std::move(cases);
        suites.push_back(std::move(so));
    }
    root["suites"] = std::move(suites);
    return json::serialize(root) + "\n";
}

}  // namespace preflight::report
