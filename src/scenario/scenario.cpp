// Scenario files: YAML -> model::Value (positions kept) -> validated Scenario.
#include "preflight/scenario/scenario.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "preflight/model/manifest.hpp"
#include "preflight/util/text.hpp"

namespace preflight::scenario {

const char* to_string(ActionKind k) {
    switch (k) {
        case ActionKind::install: return "install";
        case ActionKind::wait: return "wait";
        case ActionKind::probes: return "probes";
        case ActionKind::smoke: return "smoke";
        case ActionKind::diagnostics: return "diagnostics";
    }
    return "install";
}

std::string Action::describe() const {
    switch (kind) {
        case ActionKind::install: return std::string("install ") + (revision == Revision::candidate ? "candidate" : "baseline");
        case ActionKind::smoke: return std::string("smoke ") + (smoke == SmokeMode::create ? "create" : "verify");
        default: return to_string(kind);
    }
}

bool Scenario::needs_baseline() const {
    for (const auto& s : steps)
        for (const auto* list : {&s.try_, &s.catch_, &s.finally_, &s.cleanup})
            for (const auto& a : *list)
                if (a.kind == ActionKind::install && a.revision == Revision::baseline) return true;
    return false;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    static const std::regex re(R"(^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$)");
    std::match_results<std::string_view::const_iterator> m;
    if (text.empty() || !std::regex_match(text.begin(), text.end(), m, re)) return std::nullopt;
    std::int64_t ms = 0;
    const std::int64_t unit[] = {3'600'000, 60'000, 1'000, 1};
    bool any = false;
    for (int i = 1; i <= 4; ++i)
        if (m[i].matched) {
            ms += std::stoll(m[i].str()) * unit[i - 1];
            any = true;
        }
    if (!any) return std::nullopt;
    return std::chrono::milliseconds(ms);
}

namespace {

using model::Value;

struct Checker {
    std::string_view file, text;
    std::vector<std::string> problems;

    void add(const Value& at, const std::string& message) {
        problems.push_back(text::caret_excerpt(std::string(file), text, at.mark.line, at.mark.col, message));
    }
    // Unknown keys of `m` (not in `known`) are problems; a non-mapping is one too.
    bool mapping(const Value& m, std::initializer_list<std::string_view> known, const std::string& what) {
        if (!m.is_mapping()) {
            add(m, what + " must be a mapping");
            return false;
        }
        for (const auto& [k, v] : m.entries)
            if (std::find(known.begin(), known.end(), k) == known.end()) {
                std::string allowed;
                for (auto kk : known) allowed += (allowed.empty() ? "" : ", ") + std::string(kk);
                add(v, "unknown key '" + k + "' in " + what + " (allowed: " + allowed + ")");
            }
        return true;
    }
    std::optional<std::chrono::milliseconds> duration(const Value& parent, std::string_view key) {
        const auto* v = parent.find(key);
        if (!v) return std::nullopt;
        auto d = v->is_scalar() ? parse_duration(v->str()) : std::nullopt;
        if (!d) add(*v, "'" + std::string(key) + "' must be a duration like 90s, 5m or 1h30m, got '" + std::string(v->str()) + "'");
        return d;
    }
};

std::optional<Action> parse_action(Checker& c, const Value& v) {
    if (!v.is_mapping() || v.entries.size() != 1) {
        c.add(v, "an action is a mapping with exactly one of: install, wait, probes, smoke, diagnostics");
        return std::nullopt;
    }
    const auto& [key, body] = v.entries.front();
    Action a;
    a.line = v.mark.line;
    const Value empty{};
    const Value& b = body.is_null() ? empty : body;
    if (!b.is_null() && !b.is_mapping()) {
        c.add(body, "the settings of '" + key + "' must be a mapping (or empty)");
        return std::nullopt;
    }
    if (key == "install") {
        a.kind = ActionKind::install;
        if (!b.is_null()) c.mapping(b, {"revision", "timeout", "forced_rollback"}, "install");
        if (const auto* f = b.find("forced_rollback")) {
            if (auto on = f->as_bool()) a.forced_rollback = *on;
            else c.add(*f, "install: forced_rollback must be true or false");
        }
        auto rev = b["revision"].str();
        if (rev == "baseline") a.revision = Revision::baseline;
        else if (rev == "candidate" || rev.empty()) a.revision = Revision::candidate;
        else c.add(b["revision"], "install: revision must be candidate or baseline, got '" + std::string(rev) + "'");
        if (!b.find("revision")) c.add(v, "install: 'revision' is required (candidate or baseline)");
    } else if (key == "wait") {
        a.kind = ActionKind::wait;
        if (!b.is_null()) c.mapping(b, {"timeout"}, "wait");
    } else if (key == "probes") {
        a.kind = ActionKind::probes;
        if (!b.is_null()) c.mapping(b, {"timeout"}, "probes");
    } else if (key == "smoke") {
        a.kind = ActionKind::smoke;
        if (!b.is_null()) c.mapping(b, {"mode", "timeout"}, "smoke");
        auto mode = b["mode"].str();
        if (mode == "verify") a.smoke = SmokeMode::verify;
        else if (mode == "create" || mode.empty()) a.smoke = SmokeMode::create;
        else c.add(b["mode"], "smoke: mode must be create or verify, got '" + std::string(mode) + "'");
    } else if (key == "diagnostics") {
        a.kind = ActionKind::diagnostics;
        if (!b.is_null()) c.mapping(b, {}, "diagnostics");
    } else {
        c.add(v, "unknown action '" + key + "' (allowed: install, wait, probes, smoke, diagnostics)");
        return std::nullopt;
    }
    if (b.is_mapping()) a.timeout = c.duration(b, "timeout");
    return a;
}

std::vector<Action> parse_actions(Checker& c, const Value& step, std::string_view key, bool required) {
    std::vector<Action> out;
    const auto* list = step.find(key);
    if (!list) {
        if (required) c.add(step, "a step needs '" + std::string(key) + "': a list of actions");
        return out;
    }
    if (!list->is_sequence()) {
        c.add(*list, "'" + std::string(key) + "' must be a list of actions");
        return out;
    }
    if (required && list->items.empty()) c.add(*list, "'" + std::string(key) + "' needs at least one action");
    for (const auto& item : list->items)
        if (auto a = parse_action(c, item)) out.push_back(*a);
    return out;
}

}  // namespace

Result<Scenario> parse_scenario(std::string_view file, std::string_view text) {
    auto docs = model::parse_documents(file, text);
    if (!docs) return std::unexpected(docs.error());
    if (docs->size() != 1) return fail(ErrorKind::input, std::string(file) + ": a scenario file holds exactly one document");
    const auto& root = (*docs)[0];
    Checker c{file, text, {}};
    Scenario s;
    s.file = file;
    if (c.mapping(root, {"apiVersion", "kind", "name", "description", "flavour", "cluster", "timeout", "steps"}, "the scenario")) {
        if (root["apiVersion"].str() != k_api_version)
            c.add(root.find("apiVersion") ? root["apiVersion"] : root, std::string("apiVersion must be ") + k_api_version);
        if (root["kind"].str() != "Scenario") c.add(root.find("kind") ? root["kind"] : root, "kind must be Scenario");
        s.name = root["name"].str();
        static const std::regex name_re("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$");
        if (!std::regex_match(s.name, name_re)) c.add(root.find("name") ? root["name"] : root, "name must be lowercase letters, digits and '-'");
        s.description = root["description"].str();
        if (const auto* f = root.find("flavour")) {
            static const std::set<std::string, std::less<>> flavours{"install", "ha", "namespace-install", "ha-namespace-install", "core-install"};
            if (!flavours.contains(f->str())) c.add(*f, "flavour must be install, ha, namespace-install, ha-namespace-install or core-install");
            else s.flavour = std::string(f->str());
        }
        if (const auto* cl = root.find("cluster"); cl && c.mapping(*cl, {"workers"}, "cluster")) {
            if (const auto* w = cl->find("workers")) {
                auto n = w->as_int();
                if (!n || *n < 0 || *n > 10) c.add(*w, "cluster.workers must be a number from 0 to 10");
                else s.workers = static_cast<int>(*n);
            }
        }
        s.timeout = c.duration(root, "timeout");
        const auto* steps = root.find("steps");
        if (!steps || !steps->is_sequence() || steps->items.empty()) {
            c.add(steps ? *steps : root, "steps must be a non-empty list");
        } else {
            std::set<std::string> names;
            for (const auto& st : steps->items) {
                if (!c.mapping(st, {"name", "timeout", "on_failure", "try", "catch", "finally", "cleanup"}, "a step")) continue;
                Step step;
                step.name = st["name"].str();
                if (step.name.empty()) c.add(st, "a step needs a name");
                else if (!names.insert(step.name).second) c.add(st["name"], "step name '" + step.name + "' is used twice");
                step.timeout = c.duration(st, "timeout");
                if (const auto* of = st.find("on_failure")) {
                    if (of->str() == "continue") step.on_failure = OnFailure::continue_;
                    else if (of->str() != "stop") c.add(*of, "on_failure must be stop or continue");
                }
                step.try_ = parse_actions(c, st, "try", true);
                step.catch_ = parse_actions(c, st, "catch", false);
                step.finally_ = parse_actions(c, st, "finally", false);
                step.cleanup = parse_actions(c, st, "cleanup", false);
                s.steps.push_back(std::move(step));
            }
        }
    }
    if (!c.problems.empty()) return fail(ErrorKind::input, "invalid scenario:\n" + text::join(c.problems, "\n"));
    return s;
}

}  // namespace preflight::scenario
