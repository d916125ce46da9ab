// Accessors of the position-keeping Value tree.
#include "preflight/model/value.hpp"

#include <climits>

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
    // As kubectl reads it (sigs.k8s.io/yaml, YAML 1.1): underscores dropped, then Go's
    // strconv.ParseInt with base 0: 0x hex, 0o or a leading 0 octal, 0b binary, else decimal.
    std::string digits;
    for (char c : scalar)
        if (c != '_') digits += c;
    std::string_view s = digits;
    bool negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s.remove_prefix(2);
    else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) base = 8, s.remove_prefix(2);
    else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) base = 2, s.remove_prefix(2);
    else if (s.size() > 1 && s[0] == '0') base = 8, s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
    std::uint64_t magnitude = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    if (magnitude > static_cast<std::uint64_t>(INT64_MAX) + (negative ? 1 : 0)) return std::nullopt;
    return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

bool reads_as_string(const Value& v) {
    if (!v.is_scalar()) return false;
    if (!v.plain) return true;
    if (v.as_int() || v.as_bool()) return false;
    static const char* const k_other[] = {"~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                                          "on", "On", "ON", "off", "Off", "OFF", ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF",
                                          "+.inf", ".nan", ".NaN", ".NAN"};
    for (const char* w : k_other)
        if (v.scalar == w) return false;
    // A float as YAML 1.1 reads one ([-+]?[0-9._]*[eE]?...): digits with one dot or an exponent.
    std::string_view s = v.scalar;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
    bool digit = false, dot = false, exp = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= '0' && c <= '9') digit = true;
        else if (c == '_') continue;
        else if (c == '.' && !dot && !exp) dot = true;
        else if ((c == 'e' || c == 'E') && digit && !exp) {
            exp = true;
            if (i + 1 < s.size() && (s[i + 1] == '+' || s[i + 1] == '-')) ++i;
        } else return true;
    }
    return !(digit && (dot || exp));
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
