// Label selectors (matchLabels + matchExpressions) as NetworkPolicy uses them.
#pragma once
#include <string>
#include <vector>

#include "preflight/model/views.hpp"

namespace preflight::analysis {

enum class SelectorOp { in, not_in, exists, does_not_exist };

struct Requirement {
    std::string key;
    SelectorOp op = SelectorOp::exists;
    std::vector<std::string> values;
};

// A problem in a policy's input, at a position of its source file.
struct Problem {
    std::string file;
    model::Mark mark;
    std::string message;
    std::string str() const;  // "file:line:col: message"
};

struct LabelSelector {
    model::Labels match_labels;
    std::vector<Requirement> expressions;

    // An empty selector selects everything.
    bool empty() const { return match_labels.empty() && expressions.empty(); }
    bool matches(const model::Labels& labels) const;
    std::string describe() const;  // "app=x, tier in (a,b)" or "<all>"
};

// Decodes `v` (a LabelSelector mapping). Appends a Problem to `problems` for an
// unknown operator, values given to Exists/DoesNotExist or missing for In/NotIn.
LabelSelector parse_selector(const model::Value& v, const std::string& file, std::vector<Problem>& problems);

}  // namespace preflight::analysis
