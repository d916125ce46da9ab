// GitLab Code Quality report: findings in merge request widgets (the codequality artifact).
#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "preflight/report/report.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::report {
namespace {

// FNV-1a, 64 bits: a fingerprint that is the same for the same finding in every run and on
// every platform (GitLab compares findings across pipelines by it).
std::string fingerprint(std::string_view text) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}


}  // namespace

std::string write_codequality(const Run& input, const Redactor& redactor, const std::string& root) {
    Run run = redacted(input, redactor);
    boost::json::array issues;
    for (const auto& s : run.suites)
        for (const auto& c : s.cases) {
            auto level = finding_level(c);
            if (level == FindingLevel::none) continue;
            std::string path = c.location ? path_relative_to(c.location->file, root) : std::string("argocd-preflight");
            int line = c.location && c.location->line > 0 ? c.location->line : 1;
            auto check = c.classname.empty() ? s.name : c.classname;
            issues.push_back(boost::json::object{
                {"description", c.name + ": " + std::string(warning_text(c))},
                {"check_name", check},
                {"fingerprint", fingerprint(check + "\n" + c.name + "\n" + path)},
                {"severity", level == FindingLevel::error ? "major" : "minor"},
                {"location", boost::json::object{{"path", path}, {"lines", boost::json::object{{"begin", line}}}}}});
        }
    return boost::json::serialize(issues) + "\n";
}

}  // namespace preflight::report
