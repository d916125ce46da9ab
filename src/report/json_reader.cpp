// Reading a report.json back into the tree (merge-reports combines parallel jobs' reports).
#include <boost/json.hpp>

#include "preflight/report/report.hpp"

namespace preflight::report {
namespace json = boost::json;

namespace {

std::string str(const json::object& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

std::int64_t num(const json::object& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end()) return 0;
    if (it->value().is_int64()) return it->value().as_int64();
    if (it->value().is_uint64()) return static_cast<std::int64_t>(it->value().as_uint64());
    return 0;
}

Outcome outcome(const std::string& s) {
    if (s == "failed") return Outcome::failed;
    if (s == "error") return Outcome::error;
    if (s == "skipped") return Outcome::skipped;
    return Outcome::passed;
}

}  // namespace

Result<Run> read_json(std::string_view text, const std::string& name) {
    boost::system::error_code ec;
    auto doc = json::parse(text, ec);
    if (ec || !doc.is_object()) return fail(ErrorKind::input, name + ": not a JSON report (" + ec.message() + ")");
    const auto& o = doc.as_object();
    if (str(o, "schema") != k_json_schema)
        return fail(ErrorKind::input, name + ": not an argocd-preflight report (schema '" + str(o, "schema") + "', expected " + k_json_schema + ")");
    Run run;
    run.tool = str(o, "tool");
    run.version = str(o, "version");
    run.command = str(o, "command");
    run.start_ms = num(o, "start_ms");
    run.duration_ms = num(o, "duration_ms");
    run.root_cause = str(o, "root_cause");
    if (auto it = o.find("interrupted"); it != o.end() && it->value().is_bool()) run.interrupted = it->value().as_bool();
    if (auto it = o.find("properties"); it != o.end() && it->value().is_object())
        for (const auto& [k, v] : it->value().as_object())
            if (v.is_string()) run.properties.emplace_back(std::string(k), std::string(v.as_string()));
    if (auto it = o.find("notices"); it != o.end() && it->value().is_array())
        for (const auto& n : it->value().as_array())
            if (n.is_string()) run.notices.emplace_back(n.as_string());
    if (auto it = o.find("suites"); it != o.end() && it->value().is_array()) {
        for (const auto& sv : it->value().as_array()) {
            if (!sv.is_object()) continue;
            const auto& so = sv.as_object();
            Suite s{str(so, "name")};
            s.start_ms = num(so, "start_ms");
            s.duration_ms = num(so, "duration_ms");
            if (auto c = so.find("cases"); c != so.end() && c->value().is_array())
                for (const auto& cv : c->value().as_array()) {
                    if (!cv.is_object()) continue;
                    const auto& co = cv.as_object();
                    Case k{str(co, "name"), str(co, "classname"), outcome(str(co, "outcome")), str(co, "message"), str(co, "detail")};
                    k.start_ms = num(co, "start_ms");
                    k.duration_ms = num(co, "duration_ms");
                    if (auto e = co.find("evidence"); e != co.end() && e->value().is_array())
                        for (const auto& ev : e->value().as_array())
                            if (ev.is_object()) k.evidence.push_back({str(ev.as_object(), "name"), str(ev.as_object(), "text")});
                    if (auto f = co.find("facts"); f != co.end() && f->value().is_object())
                        for (const auto& [fk, fv] : f->value().as_object())
                            if (fv.is_string()) k.facts.emplace_back(std::string(fk), std::string(fv.as_string()));
                    s.cases.push_back(std::move(k));
                }
            run.suites.push_back(std::move(s));
        }
    }
    return run;
}

Run merge(const std::vector<std::pair<std::string, Run>>& jobs) {
    Run out;
    out.command = "merge-reports";
    for (const auto& [label, r] : jobs) {
        if (out.version.empty()) out.version = r.version;
        if (out.start_ms == 0 || (r.start_ms && r.start_ms < out.start_ms)) out.start_ms = r.start_ms;
        out.duration_ms = std::max(out.duration_ms, r.start_ms + r.duration_ms - out.start_ms);
        out.interrupted = out.interrupted || r.interrupted;
        for (const auto& [k, v] : r.properties) out.properties.emplace_back(label + "/" + k, v);
        for (const auto& n : r.notices) out.notices.push_back(label + ": " + n);
        if (!r.root_cause.empty() && out.root_cause.empty()) out.root_cause = label + ": " + r.root_cause;
        out.set_property(label + "/verdict", to_string(r.verdict()));
        for (auto s : r.suites) {
            s.name = label + " / " + s.name;
            for (auto& c : s.cases) c.classname = label + "/" + (c.classname.empty() ? s.name : c.classname);
            out.suites.push_back(std::move(s));
        }
    }
    return out;
}

}  // namespace preflight::report
