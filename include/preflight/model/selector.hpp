// Label selectors (matchLabels + matchExpressions), Kubernetes semantics: one implementation for
// NetworkPolicy analysis, workload health (which pods a workload owns) and anything else.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "preflight/model/views.hpp"

namespace preflight::model {

enum class SelectorOp { in, not_in, exists, does_not_exist };

struct Requirement {
    std::string key;
    SelectorOp op = SelectorOp::exists;
    std::vector<std::string> values;
};

struct LabelSelector {
    Labels match_labels;
    std::vector<Requirement> expressions;

    // An empty selector selects everything.
    bool empty() const { return match_labels.empty() && expressions.empty(); }
    bool matches(const Labels& labels) const;
    std::string describe() const;  // "app=x, tier in (a,b)" or "<all>"
};

// Decodes `v` (a LabelSelector mapping). Calls `problem` for every shape the API server refuses
// (an unknown operator, values given to Exists/DoesNotExist or missing for In/NotIn, ...); such
// a term is dropped, never read as "select everything".
LabelSelector parse_selector(const Value& v, const std::function<void(const Mark&, std::string)>& problem);

}  // namespace preflight::model
