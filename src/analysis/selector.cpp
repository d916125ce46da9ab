// NetworkPolicy's label selectors: model's, with each problem located in its file.
#include "preflight/analysis/selector.hpp"

namespace preflight::analysis {

std::string Problem::str() const {
    return file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.col) + ": " + message;
}

LabelSelector parse_selector(const model::Value& v, const std::string& file, std::vector<Problem>& problems) {
    return model::parse_selector(v, [&](const model::Mark& m, std::string message) { problems.push_back({file, m, std::move(message)}); });
}

}  // namespace preflight::analysis
