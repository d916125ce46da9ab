// Label selectors as NetworkPolicy uses them: model's selector, with problems located in a file.
#pragma once
#include <string>
#include <vector>

#include "preflight/model/selector.hpp"
#include "preflight/model/views.hpp"

namespace preflight::analysis {

using model::LabelSelector;
using model::Requirement;
using model::SelectorOp;

// A problem in a policy's input, at a position of its source file.
struct Problem {
    std::string file;
    model::Mark mark;
    std::string message;
    std::string str() const;  // "file:line:col: message"
};

// Decodes `v` (a LabelSelector mapping). Appends a Problem to `problems` for an
// unknown operator, values given to Exists/DoesNotExist or missing for In/NotIn.
LabelSelector parse_selector(const model::Value& v, const std::string& file, std::vector<Problem>& problems);

}  // namespace preflight::analysis
