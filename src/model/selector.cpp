// Label selector matching and decoding (Kubernetes semantics: every term must hold).
#include "preflight/model/selector.hpp"

#include <algorithm>

namespace preflight::model {

bool LabelSelector::matches(const Labels& labels) const {
    for (const auto& [k, v] : match_labels) {
        auto it = labels.find(k);
        if (it == labels.end() || it->second != v) return false;
    }
    for (const auto& r : expressions) {
        auto it = labels.find(r.key);
        bool has = it != labels.end();
        bool in_values = has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
        switch (r.op) {
            case SelectorOp::in: if (!in_values) return false; break;
            // NotIn matches objects without the key too (Kubernetes labels.Selector semantics).
            case SelectorOp::not_in: if (in_values) return false; break;
            case SelectorOp::exists: if (!has) return false; break;
            case SelectorOp::does_not_exist: if (has) return false; break;
        }
    }
    return true;
}

std::string LabelSelector::describe() const {
    if (empty()) return "<all>";
    std::string out;
    auto sep = [&] { if (!out.empty()) out += ", "; };
    for (const auto& [k, v] : match_labels) {
        sep();
        out += k + "=" + v;
    }
    for (const auto& r : expressions) {
        sep();
        std::string vals;
        for (const auto& v : r.values) vals += (vals.empty() ? "" : ",") + v;
        switch (r.op) {
            case SelectorOp::in: out += r.key + " in (" + vals + ")"; break;
            case SelectorOp::not_in: out += r.key + " notin (" + vals + ")"; break;
            case SelectorOp::exists: out += r.key; break;
            case SelectorOp::does_not_exist: out += "!" + r.key; break;
        }
    }
    return out;
}

LabelSelector parse_selector(const Value& v, const std::function<void(const Mark&, std::string)>& problem) {
    LabelSelector s;
    auto add = [&](const Mark& m, std::string message) { problem(m, std::move(message)); };
    if (!v.is_mapping() && !v.is_null()) {
        add(v.mark, "label selector must be a mapping");
        return s;
    }
    // Shapes the API server refuses are refused here too, never read as "select everything".
    const auto& labels = v["matchLabels"];
    if (!labels.is_null() && !labels.is_mapping()) add(labels.mark, "matchLabels must be a mapping of label to value");
    for (const auto& [k, val] : labels.entries) {
        if (!val.is_scalar() || !reads_as_string(val)) {
            add(val.mark, "matchLabels value for '" + k + "' must be a string (quote it)");
            continue;
        }
        s.match_labels[k] = val.scalar;
    }
    const auto& exprs = v["matchExpressions"];
    if (!exprs.is_null() && !exprs.is_sequence()) add(exprs.mark, "matchExpressions must be a list");
    for (const auto& e : exprs.items) {
        Requirement r;
        if (!e.is_mapping()) {
            add(e.mark, "a matchExpressions entry must be a mapping (key, operator, values)");
            continue;
        }
        r.key = e["key"].str();
        std::string op(e["operator"].str());
        const auto& values = e["values"];
        if (!values.is_null() && !values.is_sequence()) add(values.mark, "values must be a list");
        for (const auto& val : values.items)
            if (!val.is_scalar() || !reads_as_string(val)) add(val.mark, "values entries must be strings (quote them)");
        r.values = values.string_list();
        if (r.key.empty()) add(e.mark, "matchExpressions entry has no key");
        if (op == "In") r.op = SelectorOp::in;
        else if (op == "NotIn") r.op = SelectorOp::not_in;
        else if (op == "Exists") r.op = SelectorOp::exists;
        else if (op == "DoesNotExist") r.op = SelectorOp::does_not_exist;
        else {
            const auto& m = e.find("operator") ? e["operator"].mark : e.mark;
            add(m, "invalid selector operator '" + op +
                               "' (expected In, NotIn, Exists or DoesNotExist)");
            continue;
        }
        bool needs_values = r.op == SelectorOp::in || r.op == SelectorOp::not_in;
        if (needs_values && r.values.empty())
            add(e.mark, "operator " + op + " needs a non-empty values list");
        if (!needs_values && !r.values.empty())
            add(e.mark, "operator " + op + " takes no values");
        s.expressions.push_back(std::move(r));
    }
    return s;
}

}  // namespace preflight::model
