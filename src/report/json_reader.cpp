// Reading a report.json back into the tree (merge-reports combines parallel jobs' reports).
#include <boost/json.hpp>

#include <cstdint>
#include <optional>

#include "preflight/report/report.hpp"

namespace preflight::report {
namespace json = boost::json;

namespace {

// Reads against docs/report-schema.md and collects every deviation: a report steers `promote`
// (it moves a production pin) and `merge-reports` (an exit code), so nothing is guessed.
class Reader {
public:
    std::vector<std::string> problems;

    void only(const json::object& o, std::initializer_list<const char*> known, const std::string& where) {
        for (const auto& [k, v] : o) {
            bool ok = false;
            for (const char* n : known) ok = ok || k == n;
            if (!ok) problems.push_back(where + "unknown field \"" + std::string(k) + "\"");
        }
    }
    std::string str(const json::object& o, const char* key, const std::string& where, bool required = true) {
        const auto* v = typed(o, key, where, required, &json::value::is_string, "a string");
        return v ? std::string(v->as_string()) : std::string();
    }
    std::int64_t num(const json::object& o, const char* key, const std::string& where) {
        const auto* v = typed(o, key, where, true, &json::value::is_number, "a non-negative integer");
        if (!v) return 0;
        if (v->is_int64() && v->as_int64() >= 0) return v->as_int64();
        if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v->as_uint64());
        problems.push_back(where + "\"" + key + "\" is not a non-negative integer");
        return 0;
    }
    const json::array* arr(const json::object& o, const char* key, const std::string& where, bool required = true) {
        const auto* v = typed(o, key, where, required, &json::value::is_array, "an array");
        return v ? &v->as_array() : nullptr;
    }
    const json::object* obj(const json::object& o, const char* key, const std::string& where, bool required = true) {
        const auto* v = typed(o, key, where, required, &json::value::is_object, "an object");
        return v ? &v->as_object() : nullptr;
    }
    std::vector<std::pair<std::string, std::string>> string_map(const json::object* o, const std::string& where) {
        std::vector<std::pair<std::string, std::string>> out;
        if (!o) return out;
        for (const auto& [k, v] : *o) {
            if (!v.is_string()) problems.push_back(where + "\"" + std::string(k) + "\" is not a string");
            else out.emplace_back(std::string(k), std::string(v.as_string()));
        }
        return out;
    }
    std::optional<Outcome> outcome(const std::string& s, const std::string& where) {
        for (auto o : {Outcome::passed, Outcome::failed, Outcome::error, Outcome::skipped})
            if (s == to_string(o)) return o;
        problems.push_back(where + "unknown outcome \"" + s + "\" (passed, failed, error, skipped)");
        return std::nullopt;
    }

private:
    // The member `key` when present and of the expected type; records what is wrong otherwise.
    const json::value* typed(const json::object& o, const char* key, const std::string& where, bool required,
                             bool (json::value::*is)() const noexcept, const char* what) {
        auto it = o.find(key);
        if (it == o.end()) {
            if (required) problems.push_back(where + "missing \"" + key + "\"");
            return nullptr;
        }
        if (!(it->value().*is)()) {
            problems.push_back(where + "\"" + key + "\" is not " + what);
            return nullptr;
        }
        return &it->value();
    }
};

Case read_case(Reader& r, const json::value& cv, const std::string& where) {
    Case k;
    if (!cv.is_object()) {
        r.problems.push_back(where + "not an object");
        k.outcome = Outcome::error;
        return k;
    }
    const auto& co = cv.as_object();
    r.only(co, {"name", "classname", "outcome", "message", "detail", "start_ms", "duration_ms", "evidence", "facts", "location", "step"}, where);
    k.name = r.str(co, "name", where);
    k.classname = r.str(co, "classname", where);
    auto o = r.outcome(r.str(co, "outcome", where), where);
    k.outcome = o.value_or(Outcome::error);
    k.message = r.str(co, "message", where);
    k.detail = r.str(co, "detail", where);
    k.start_ms = r.num(co, "start_ms", where);
    k.duration_ms = r.num(co, "duration_ms", where);
    if (const auto* ev = r.arr(co, "evidence", where)) {
        for (const auto& e : *ev) {
            if (!e.is_object()) {
                r.problems.push_back(where + "evidence: not an object");
                continue;
            }
            r.only(e.as_object(), {"name", "text"}, where + "evidence: ");
            k.evidence.push_back({r.str(e.as_object(), "name", where + "evidence: "), r.str(e.as_object(), "text", where + "evidence: ")});
        }
    }
    k.facts = r.string_map(r.obj(co, "facts", where, false), where + "facts: ");
    if (auto it = co.find("step"); it != co.end()) {
        if (!it->value().is_bool()) r.problems.push_back(where + "\"step\" is not true or false");
        else k.step = it->value().as_bool();
    }
    if (const auto* loc = r.obj(co, "location", where, false)) {
        r.only(*loc, {"file", "line", "col"}, where + "location: ");
        k.location = Location{r.str(*loc, "file", where + "location: "), static_cast<int>(r.num(*loc, "line", where + "location: ")),
                              static_cast<int>(r.num(*loc, "col", where + "location: "))};
    }
    return k;
}

}  // namespace

Result<Run> read_json(std::string_view text, const std::string& name) {
    boost::system::error_code ec;
    auto doc = json::parse(text, ec);
    if (ec || !doc.is_object())
        return fail(ErrorKind::input, name + ": not a JSON report (" + (ec ? ec.message() : std::string("not an object")) + ")");
    const auto& o = doc.as_object();
    Reader r;
    auto schema = r.str(o, "schema", "");
    if (schema != k_json_schema)
        return fail(ErrorKind::input, name + ": not an argocd-preflight report (schema '" + schema + "', expected " + k_json_schema + ")");
    r.only(o, {"schema", "tool", "version", "command", "verdict", "interrupted", "start_ms", "duration_ms", "properties", "notices",
               "root_cause", "counts", "suites"},
           "");
    Run run;
    run.tool = r.str(o, "tool", "");
    if (run.tool != "argocd-preflight") r.problems.push_back("\"tool\" is \"" + run.tool + "\", not argocd-preflight");
    run.version = r.str(o, "version", "");
    run.command = r.str(o, "command", "");
    auto verdict = r.str(o, "verdict", "");
    run.start_ms = r.num(o, "start_ms", "");
    run.duration_ms = r.num(o, "duration_ms", "");
    run.root_cause = r.str(o, "root_cause", "", false);
    if (auto it = o.find("interrupted"); it == o.end()) r.problems.push_back("missing \"interrupted\"");
    else if (!it->value().is_bool()) r.problems.push_back("\"interrupted\" is not true or false");
    else run.interrupted = it->value().as_bool();
    run.properties = r.string_map(r.obj(o, "properties", ""), "properties: ");
    if (const auto* notices = r.arr(o, "notices", ""))
        for (const auto& n : *notices) {
            if (n.is_string()) run.notices.emplace_back(n.as_string());
            else r.problems.push_back("notices: an entry is not a string");
        }
    if (const auto* suites = r.arr(o, "suites", "")) {
        for (std::size_t i = 0; i < suites->size(); ++i) {
            std::string where = "suites[" + std::to_string(i) + "]: ";
            const auto& sv = (*suites)[i];
            if (!sv.is_object()) {
                r.problems.push_back(where + "not an object");
                continue;
            }
            const auto& so = sv.as_object();
            r.only(so, {"name", "start_ms", "duration_ms", "cases"}, where);
            Suite s{r.str(so, "name", where)};
            s.start_ms = r.num(so, "start_ms", where);
            s.duration_ms = r.num(so, "duration_ms", where);
            if (const auto* cases = r.arr(so, "cases", where))
                for (std::size_t j = 0; j < cases->size(); ++j)
                    s.cases.push_back(read_case(r, (*cases)[j], where + "cases[" + std::to_string(j) + "]: "));
            run.suites.push_back(std::move(s));
        }
    }
    auto counts = run.counts();
    if (counts.total == 0) r.problems.push_back("no test case at all: a report that checked nothing proves nothing");
    if (const auto* c = r.obj(o, "counts", "")) {
        r.only(*c, {"total", "passed", "failed", "errors", "skipped"}, "counts: ");
        if (r.num(*c, "total", "counts: ") != counts.total || r.num(*c, "passed", "counts: ") != counts.passed ||
            r.num(*c, "failed", "counts: ") != counts.failed || r.num(*c, "errors", "counts: ") != counts.errors ||
            r.num(*c, "skipped", "counts: ") != counts.skipped)
            r.problems.push_back("\"counts\" do not match the cases");
    }
    if (!verdict.empty() && verdict != to_string(run.verdict()))
        r.problems.push_back("\"verdict\" is \"" + verdict + "\" but the cases" + std::string(run.interrupted ? " and interruption" : "") +
                             " make it \"" + to_string(run.verdict()) + "\"");
    if (!r.problems.empty()) {
        std::string msg = name + ": not a valid " + k_json_schema + " report (docs/report-schema.md):";
        for (const auto& p : r.problems) msg += "\n  " + p;
        return fail(ErrorKind::input, msg);
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
