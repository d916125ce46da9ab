// SARIF 2.1.0: findings for code scanning (GitHub's upload-sarif, any SARIF viewer). One result
// per failed case or warning that has a place in the input (a static finding's file, line and
// column); live failures have no file and stay in JUnit, JSON and the annotations.
#include <boost/json.hpp>

#include <map>

#include "preflight/report/report.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::report {

std::string write_sarif(const Run& input, const Redactor& redactor, const std::string& root, const std::vector<RuleInfo>& catalogue) {
    Run run = redacted(input, redactor);
    boost::json::array results;
    std::map<std::string, const RuleInfo*> by_class;  // "static.<name>" -> its catalogue entry
    for (const auto& r : catalogue) by_class["static." + r.name] = &r;
    std::map<std::string, std::pair<std::string, std::string>> rules;  // id -> (name, help) of the rules used
    for (const auto& s : run.suites)
        for (const auto& c : s.cases) {
            auto level = finding_level(c);
            if (level == FindingLevel::none || !c.location || c.location->file.empty()) continue;
            auto cls = c.classname.empty() ? s.name : c.classname;
            std::string rule = cls;
            if (auto it = by_class.find(cls); it != by_class.end()) {
                rule = it->second->id;
                rules.try_emplace(rule, it->second->name, it->second->help);
            } else {
                rules.try_emplace(rule, cls, cls);
            }
            boost::json::object region{{"startLine", c.location->line > 0 ? c.location->line : 1}};
            if (c.location->col > 0) region["startColumn"] = c.location->col;
            std::string text(warning_text(c));  // a failure's message as it is, a warning's without its prefix
            if (text.empty()) text = c.name;
            if (!c.detail.empty()) text += "\n" + c.detail;
            results.push_back(boost::json::object{
                {"ruleId", rule},
                {"level", level == FindingLevel::error ? "error" : "warning"},
                {"message", boost::json::object{{"text", text}}},
                {"locations", boost::json::array{boost::json::object{
                                  {"physicalLocation",
                                   boost::json::object{{"artifactLocation", boost::json::object{{"uri", path_relative_to(c.location->file, root)}}},
                                                       {"region", region}}}}}}});
        }
    boost::json::array rule_list;
    for (const auto& [id, info] : rules)
        rule_list.push_back(boost::json::object{{"id", id},
                                                {"name", info.first},
                                                {"shortDescription", boost::json::object{{"text", info.second}}},
                                                {"help", boost::json::object{{"text", info.second}}}});
    boost::json::object driver{{"name", "argocd-preflight"},
                               {"informationUri", "https://github.com/argoproj/argo-cd"},
                               {"rules", rule_list}};
    if (!run.version.empty()) driver["version"] = run.version;
    boost::json::object doc{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                            {"version", "2.1.0"},
                            {"runs", boost::json::array{boost::json::object{{"tool", boost::json::object{{"driver", driver}}}, {"results", results}}}}};
    return boost::json::serialize(doc) + "\n";
}

}  // namespace preflight::report
