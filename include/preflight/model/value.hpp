// Value: a parsed YAML/JSON node that remembers where it came from.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace preflight::model {

// 1-based position in a source file; line 0 means unknown.
struct Mark {
    int line = 0;
    int col = 0;
};

class Value {
public:
    enum class Type { null, scalar, sequence, mapping };

    Type type = Type::null;
    Mark mark;
    std::string scalar;   // text of a scalar, as written (without quotes)
    bool plain = true;    // unquoted scalar: may be a number, bool or null
    std::vector<Value> items;                           // sequence
    std::vector<std::pair<std::string, Value>> entries;  // mapping, in source order

    bool is_null() const { return type == Type::null; }
    bool is_scalar() const { return type == Type::scalar; }
    bool is_sequence() const { return type == Type::sequence; }
    bool is_mapping() const { return type == Type::mapping; }

    // The member `key` of a mapping, or nullptr (also for non-mappings).
    const Value* find(std::string_view key) const;
    // The member `key`, or a shared null Value when absent: lets callers chain lookups.
    const Value& operator[](std::string_view key) const;
    // Follows `path` of keys; null Value when any step is missing.
    const Value& at_path(std::initializer_list<std::string_view> path) const;

    // Scalar text, or empty for anything else (a plain `null`/`~` is empty too).
    std::string_view str() const;
    // An integer scalar as kubectl reads YAML (1.1): decimal, 0x hex, 0o or leading-0 octal
    // (`06443` is 3363), 0b binary, `_` separators, optional sign; nullopt otherwise, also for
    // quoted "80".
    std::optional<std::int64_t> as_int() const;
    // true/false (YAML 1.2 core and the 1.1 words Kubernetes accepts).
    std::optional<bool> as_bool() const;
    // Mapping entries of string scalars as pairs (labels, selectors); non-scalars skipped.
    std::vector<std::pair<std::string, std::string>> string_map() const;
    // Sequence of scalars as strings; a lone scalar becomes one item.
    std::vector<std::string> string_list() const;
};

const Value& null_value();

// Whether `v` is a scalar that kubectl would send as a JSON string: quoted, or plain and not
// an integer, bool, null or float in YAML 1.1 (`app: 1`, `app: yes` are not strings).
bool reads_as_string(const Value& v);

}  // namespace preflight::model
