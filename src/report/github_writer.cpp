// GitHub workflow commands: findings as annotations on the lines of the pull request.
#include <filesystem>

#include "preflight/report/report.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::report {
namespace {

// Workflow-command escaping: data escapes %, CR and LF; properties also : and ,.
std::string escape_data(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '%') out += "%25";
        else if (c == '\r') out += "%0D";
        else if (c == '\n') out += "%0A";
        else out += c;
    }
    return out;
}

std::string escape_property(std::string_view s) {
    std::string out;
    for (char c : escape_data(s)) {
        if (c == ':') out += "%3A";
        else if (c == ',') out += "%2C";
        else out += c;
    }
    return out;
}

}  // namespace

std::string write_github(const Run& input, const Redactor& redactor, const std::string& root) {
    Run run = redacted(input, redactor);
    std::string out;
    for (const auto& n : run.notices) out += "::notice title=argocd-preflight::" + escape_data(n) + "\n";
    for (const auto& s : run.suites)
        for (const auto& c : s.cases) {
            auto found = finding_level(c);
            if (found == FindingLevel::none) continue;
            const char* level = found == FindingLevel::error ? "error" : "warning";
            std::string props;
            if (c.location && !c.location->file.empty()) {
                props += "file=" + escape_property(path_relative_to(c.location->file, root));
                if (c.location->line > 0) props += ",line=" + std::to_string(c.location->line);
                if (c.location->col > 0) props += ",col=" + std::to_string(c.location->col);
                props += ",";
            }
            props += "title=" + escape_property(c.name);
            out += std::string("::") + level + " " + props + "::" + escape_data(warning_text(c)) + "\n";
        }
    return out;
}

}  // namespace preflight::report
