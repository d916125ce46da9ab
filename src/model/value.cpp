// Accessors of the position-keeping Value tree.
#include "preflight/model/value.hpp"

#include <charconv>

namespace preflight::model {

const Value& null_value() {
    static const Value k_null;
    return k_null;
}

const Value* Value::find(std::string_view key) const {
    if (type != Type::mapping) return nullptr;
    for (const auto& [k, v] : entries)
        if (k == key) return &v;
    return nullptr;
}

const Value& Value::operator[](std::string_view key) const {
    const Value* v = find(key);
    return v ? *v : null_value();
}

const Value& Value::at_path(std::initializer_list<std::string_view> path) const {
    const Value* cur = this;
    for (auto key : path) {
        cur = cur->find(key);
        if (!cur) return null_value();
    }
    return *cur;
}

std::string_view Value::str() const {
    if (type != Type::scalar) return {};
    if (plain && (scalar == "null" || scalar == "~" || scalar == "Null" || scalar == "NULL")) return {};
    return scalar;
}

std::optional<std::int64_t> Value::as_int() const {
    if (type != Type::scalar || !plain || scalar.empty()) return std::nullopt;
    std::string_view s = scalar;
    if (s.front() == '+') s.remove_prefix(1);
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return out;
}

std::optional<bool> Value::as_bool() const {
    if (type != Type::scalar || !plain) return std::nullopt;
    if (scalar == "true" || scalar == "True" || scalar == "TRUE") return true;
    if (scalar == "false" || scalar == "False" || scalar == "FALSE") return false;
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Value::string_map() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : entries)
        if (v.is_scalar()) out.emplace_back(k, v.scalar);
    return out;
}

std::vector<std::string> Value::string_list() const {
    std::vector<std::string> out;
    if (type == Type::scalar) out.push_back(scalar);
    for (const auto& item : items)
        if (item.is_scalar()) out.push_back(item.scalar);
    return out;
}

}  // namespace preflight::model
