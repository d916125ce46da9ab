// JUnit XML writer: validates against junit-10.xsd; failure vs error vs skipped as consumers
// (GitLab, Jenkins, mikepenz, dorny) expect; evidence in the testcase's system-out.
#include <cstdio>
#include <ctime>

#include "preflight/report/report.hpp"
#include "preflight/util/redactor.hpp"

namespace preflight::report {
namespace {

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                // XML 1.0 forbids most control characters even as references (ANSI colour in logs).
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += "?";
                else out += static_cast<char>(c);
        }
    }
    return out;
}

std::string seconds(std::int64_t ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    return buf;
}

std::string iso_timestamp(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return buf;
}

std::string evidence_text(const Case& c) {
    std::string out;
    if (!c.detail.empty()) out += c.detail + "\n";
    for (const auto& e : c.evidence) {
        out += "----- " + e.name + " -----\n";
        out += e.text;
        if (!e.text.empty() && e.text.back() != '\n') out += '\n';
    }
    return out;
}

}  // namespace

std::string write_junit(const Run& input, const Redactor& redactor) {
    Run run = redacted(input, redactor);
    auto total = run.counts();
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"" + xml_escape(run.tool + " " + run.command) + "\" tests=\"" +
           std::to_string(total.total) + "\" failures=\"" + std::to_string(total.failed) + "\" errors=\"" +
           std::to_string(total.errors) + "\" time=\"" + seconds(run.duration_ms) + "\">\n";
    for (const auto& s : run.suites) {
        auto c = count_cases(s);
        out += "  <testsuite name=\"" + xml_escape(s.name) + "\" tests=\"" + std::to_string(c.total) +
               "\" failures=\"" + std::to_string(c.failed) + "\" errors=\"" + std::to_string(c.errors) +
               "\" skipped=\"" + std::to_string(c.skipped) + "\" time=\"" + seconds(s.duration_ms) +
               "\" timestamp=\"" + iso_timestamp(s.start_ms) + "\">\n";
        out += "    <properties>\n";
        out += "      <property name=\"tool.version\" value=\"" + xml_escape(run.version) + "\"/>\n";
        for (const auto& [k, v] : run.properties)
            out += "      <property name=\"" + xml_escape(k) + "\" value=\"" + xml_escape(v) + "\"/>\n";
        if (!run.root_cause.empty()) out += "      <property name=\"root_cause\" value=\"" + xml_escape(run.root_cause) + "\"/>\n";
        out += "    </properties>\n";
        for (const auto& cs : s.cases) {
            std::string classname = cs.classname.empty() ? s.name : cs.classname;
            out += "    <testcase name=\"" + xml_escape(cs.name) + "\" classname=\"" + xml_escape(classname) +
                   "\" time=\"" + seconds(cs.duration_ms) + "\"";
            std::string body;
            std::string message = xml_escape(cs.message);
            switch (cs.outcome) {
                case Outcome::passed: break;
                case Outcome::failed:
                    body += "      <failure message=\"" + message + "\" type=\"check\">" +
                            xml_escape(cs.message + (cs.detail.empty() ? "" : "\n" + cs.detail)) + "</failure>\n";
                    break;
                case Outcome::error:
                    body += "      <error message=\"" + message + "\" type=\"infrastructure\">" +
                            xml_escape(cs.message + (cs.detail.empty() ? "" : "\n" + cs.detail)) + "</error>\n";
                    break;
                case Outcome::skipped:
                    body += "      <skipped message=\"" + message + "\"/>\n";
                    break;
            }
            std::string evidence = evidence_text(cs);
            if (!evidence.empty()) body += "      <system-out>" + xml_escape(evidence) + "</system-out>\n";
            if (body.empty()) out += "/>\n";
            else out += ">\n" + body + "    </testcase>\n";
        }
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    return out;
}

}  // namespace preflight::report
