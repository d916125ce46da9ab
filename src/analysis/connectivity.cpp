// Connectivity map and its netpol-analyzer-compatible renderings.
#include "preflight/analysis/connectivity.hpp"

#include <algorithm>

namespace preflight::analysis {

std::vector<ConnectionRow> connectivity(const Engine& engine) {
    std::vector<ConnectionRow> rows;
    const auto& eps = engine.endpoints().all;
    for (std::size_t i = 0; i < eps.size(); ++i)
        for (std::size_t j = 0; j < eps.size(); ++j) {
            if (i == j || (!eps[i].is_pod() && !eps[j].is_pod())) continue;
            auto conn = engine.allowed(eps[i], eps[j]);
            if (conn.empty()) continue;
            rows.push_back({eps[i].id(), eps[j].id(), conn.str()});
        }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return std::tie(a.src, a.dst) < std::tie(b.src, b.dst);
    });
    return rows;
}

namespace {
std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}
}  // namespace

std::string connectivity_json(const std::vector<ConnectionRow>& rows) {
    if (rows.empty()) return "[]\n";
    std::string out = "[\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out += "  {\n    \"src\": " + json_string(rows[i].src) + ",\n    \"dst\": " + json_string(rows[i].dst) +
               ",\n    \"conn\": " + json_string(rows[i].conn) + "\n  }";
        out += i + 1 < rows.size() ? ",\n" : "\n";
    }
    return out + "]\n";
}

std::string connectivity_csv(const std::vector<ConnectionRow>& rows) {
    auto field = [](const std::string& s) {
        return s.find_first_of(",\"") == std::string::npos ? s : "\"" + s + "\"";
    };
    std::string out = "src,dst,conn\n";
    for (const auto& r : rows) out += field(r.src) + "," + field(r.dst) + "," + field(r.conn) + "\n";
    return out;
}

std::string connectivity_text(const std::vector<ConnectionRow>& rows) {
    std::string out;
    for (const auto& r : rows) out += r.src + " => " + r.dst + " : " + r.conn + "\n";
    return out;
}

}  // namespace preflight::analysis
