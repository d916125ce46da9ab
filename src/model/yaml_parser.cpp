// YAML/JSON text -> Value trees with positions, through yaml-cpp, with guards against
// alias bombs and pathological nesting, and a fast path that skips CRD schema bodies.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <unordered_set>

#include "preflight/model/manifest.hpp"
#include "preflight/util/text.hpp"

namespace preflight::model {
namespace {

// A document of the input: its text and the 1-based line it starts on.
struct Chunk {
    std::string_view text;
    int first_line = 1;
};

bool is_marker_line(std::string_view line) {
    if (!line.starts_with("---")) return false;
    return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

// Splits `text` at document markers ("---" at column 1). A "---" at column 1 cannot occur
// inside a block scalar at top level (its content is indented) and YAML forbids it inside
// quoted scalars, so a textual split agrees with the YAML grammar.
std::vector<Chunk> split_documents(std::string_view text) {
    std::vector<Chunk> out;
    std::size_t start = 0, pos = 0;
    int line = 1, start_line = 1;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto end = nl == std::string_view::npos ? text.size() : nl;
        if (is_marker_line(text.substr(pos, end - pos)) && pos != start) {
            out.push_back({text.substr(start, pos - start), start_line});
            start = pos;
            start_line = line;
        }
        pos = end + 1;
        ++line;
    }
    if (start < text.size()) out.push_back({text.substr(start), start_line});
    return out;
}

std::string_view rtrim(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// CustomResourceDefinition schemas are ~95% of an Argo CD install and no check reads them.
// For a CRD written in the usual 2-space style, the lines under `spec.versions` are blanked
// (newlines kept, so every position stays exact) and `versions` becomes an empty list.
// Any other layout, and a CRD whose versions use x-kubernetes-validations or selectableFields
// (features PF006 checks against the target version), is parsed in full. Returns empty when nothing was elided.
std::string elide_crd_versions(std::string_view doc) {
    bool is_crd = false, in_spec = false;
    std::size_t versions_at = std::string_view::npos, versions_end = 0;
    std::size_t pos = 0;
    while (pos < doc.size()) {
        auto nl = doc.find('\n', pos);
        auto end = nl == std::string_view::npos ? doc.size() : nl;
        auto line = rtrim(doc.substr(pos, end - pos));
        if (!line.empty() && line[0] != ' ' && line[0] != '#' && line[0] != '-') {
            in_spec = line == "spec:";
            if (line == "kind: CustomResourceDefinition") is_crd = true;
        } else if (in_spec && line == "  versions:") {
            versions_at = pos;
            versions_end = end;
        }
        pos = end + 1;
    }
    if (!is_crd || versions_at == std::string_view::npos) return {};
    std::string out;
    out.reserve(doc.size() / 4);
    out.append(doc.substr(0, versions_at));
    out.append("  versions: []");
    pos = versions_end;
    bool in_block = true;
    while (pos < doc.size()) {
        auto nl = doc.find('\n', pos + 1);
        auto line_start = pos + 1;  // pos is at a '\n'
        if (line_start > doc.size()) break;
        auto end = nl == std::string_view::npos ? doc.size() : nl;
        auto line = doc.substr(line_start, end - line_start);
        auto trimmed = rtrim(line);
        if (in_block) {
            bool continues = trimmed.empty() || trimmed.starts_with("   ") ||
                             trimmed.starts_with("  - ") || trimmed == "  -";
            if (!continues) in_block = false;
            // Features a Kubernetes version must support (PF006 reads them): such a CRD is
            // parsed in full.
            if (in_block) {
                auto key = trimmed.substr(std::min(trimmed.find_first_not_of(" -"), trimmed.size()));
                if (key.starts_with("x-kubernetes-validations:") || key.starts_with("selectableFields:")) return {};
            }
        }
        out += '\n';
        if (!in_block) out.append(line);
        if (nl == std::string_view::npos) break;
        pos = nl;
    }
    return out;
}

// Byte offset in `doc` where flow collections ([ and {) nest deeper than `max_depth`, or npos.
// yaml-cpp builds the whole tree before the Converter can count levels, and a few megabytes of
// `{a: {a: ...` cost it gigabytes: the limit applies while reading, to the text. A bracket opens
// a collection only where a node may start (after indentation, `- `, `: `, `? `, `[`, `{`, `,`);
// quotes inside flow collections are skipped, so brackets in scalars do not count.
std::size_t flow_too_deep(std::string_view doc, int max_depth) {
    int depth = 0;
    bool node_start = true;  // the next non-blank character may start a node
    for (std::size_t i = 0; i < doc.size(); ++i) {
        char c = doc[i];
        if (c == '\n') {
            if (depth == 0) node_start = true;
            continue;
        }
        if (c == ' ' || c == '\t') continue;
        if (c == '#' && (i == 0 || doc[i - 1] == ' ' || doc[i - 1] == '\t' || doc[i - 1] == '\n')) {
            while (i + 1 < doc.size() && doc[i + 1] != '\n') ++i;
            continue;
        }
        if (depth > 0 && node_start && (c == '\'' || c == '"')) {
            for (++i; i < doc.size() && doc[i] != c; ++i)
                if (c == '"' && doc[i] == '\\') ++i;
            node_start = false;
            continue;
        }
        if (node_start && (c == '[' || c == '{')) {
            if (++depth > max_depth) return i;
            continue;  // still at a node start
        }
        if (depth > 0 && (c == ']' || c == '}')) {
            --depth;
            node_start = false;
            continue;
        }
        // In flow collections `:` needs no space after it (JSON: {"a":{"a":...}}).
        bool indicator = ((c == '-' || c == ':' || c == '?') && (i + 1 == doc.size() || doc[i + 1] == ' ' || doc[i + 1] == '\n')) ||
                         (depth > 0 && c == ':');
        node_start = indicator || (depth > 0 && c == ',');
    }
    return std::string_view::npos;
}

class Converter {
public:
    Converter(std::string_view file, int line_offset, std::size_t budget, int max_depth,
              std::vector<std::string>* warnings)
        : m_file(file), m_line_offset(line_offset), m_budget(budget), m_max_depth(max_depth),
          m_warnings(warnings) {}

    struct Overflow {
        std::string message;
        Mark mark;
    };

    Value convert(const YAML::Node& node, int depth) {
        if (depth > m_max_depth)
            throw Overflow{"nesting deeper than " + std::to_string(m_max_depth) + " levels", mark_of(node)};
        if (m_budget == 0)
            throw Overflow{"document expands to too many nodes (alias expansion bomb?); limit reached",
                           mark_of(node)};
        --m_budget;
        Value v;
        v.mark = mark_of(node);
        switch (node.Type()) {
            case YAML::NodeType::Null:
            case YAML::NodeType::Undefined:
                v.type = Value::Type::null;
                break;
            case YAML::NodeType::Scalar:
                v.type = Value::Type::scalar;
                v.scalar = node.Scalar();
                // Quoted, or tagged !!str (`port: !!str 6443` is the string "6443" to kubectl,
                // which the API server refuses as a port name): never a number or a bool.
                v.plain = node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str";
                break;
            case YAML::NodeType::Sequence:
                v.type = Value::Type::sequence;
                v.items.reserve(node.size());
                for (const auto& item : node) v.items.push_back(convert(item, depth + 1));
                break;
            case YAML::NodeType::Map: {
                v.type = Value::Type::mapping;
                v.entries.reserve(node.size());
                for (const auto& kv : node) {
                    if (is_merge_key(kv.first)) {
                        merge(v, kv.second, depth);
                        continue;
                    }
                    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("<complex key>");
                    set(v, std::move(key), convert(kv.second, depth + 1), &kv.first);
                }
                break;
            }
        }
        return v;
    }

private:
    // `<<` as kubectl reads it (sigs.k8s.io/yaml, go-yaml v2): a plain `<<` key, or one tagged
    // !!merge; a quoted "<<" is an ordinary key.
    static bool is_merge_key(const YAML::Node& key) {
        return key.IsScalar() && key.Scalar() == "<<" && (key.Tag() == "?" || key.Tag() == "tag:yaml.org,2002:merge");
    }

    // Sets `key` in mapping `v`; an existing key is replaced, with a warning when `dup` (the
    // key's node) says the document repeats it (merges replace silently).
    void set(Value& v, std::string key, Value child, const YAML::Node* dup) {
        for (auto& [k, existing] : v.entries) {
            if (k != key) continue;
            if (m_warnings && dup) {
                auto m = mark_of(*dup);
                m_warnings->push_back(std::string(m_file) + ":" + std::to_string(m.line) + ":" + std::to_string(m.col) +
                                      ": duplicate key '" + key + "' (first at line " + std::to_string(existing.mark.line) +
                                      "); the last value wins");
            }
            existing = std::move(child);
            return;
        }
        v.entries.emplace_back(std::move(key), std::move(child));
    }

    // A merge key's value into `v`, with kubectl's precedence (go-yaml v2, checked against
    // sigs.k8s.io/yaml v1.4.0): merged keys are set where `<<` stands, so keys written before it
    // are replaced and keys after it win; in a sequence of mappings the earlier mapping wins.
    // Anything but a mapping or a sequence of mappings is refused, as kubectl refuses it.
    void merge(Value& v, const YAML::Node& from, int depth) {
        auto merge_one = [&](const YAML::Node& m) {
            if (!m.IsMap()) throw Overflow{"map merge requires map or sequence of maps as the value", mark_of(m)};
            Value merged = convert(m, depth + 1);
            for (auto& [k, child] : merged.entries) set(v, k, std::move(child), nullptr);
        };
        if (from.IsSequence()) {
            for (std::size_t i = from.size(); i-- > 0;) merge_one(from[i]);
        } else {
            merge_one(from);
        }
    }

    Mark mark_of(const YAML::Node& node) const {
        auto m = node.Mark();
        if (m.line < 0) return {};
        return {m.line + m_line_offset, m.column + 1};
    }

    std::string_view m_file;
    int m_line_offset;
    std::size_t m_budget;
    int m_max_depth;
    std::vector<std::string>* m_warnings;
};

bool only_comments(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto end = nl == std::string_view::npos ? text.size() : nl;
        auto line = rtrim(text.substr(pos, end - pos));
        auto first = line.find_first_not_of(" \t");
        if (first != std::string_view::npos && line[first] != '#' && !is_marker_line(line) && line != "...")
            return false;
        pos = end + 1;
    }
    return true;
}

// Position (1-based line, col) of byte `at` in `text`.
std::pair<int, int> position_of(std::string_view text, std::size_t at) {
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < at && i < text.size(); ++i)
        if (text[i] == '\n') ++line, line_start = i + 1;
    return {line, static_cast<int>(at - line_start) + 1};
}

// NUL bytes anywhere and invalid UTF-8 are refused with their position: kubectl refuses them
// too, and they would make report.json and junit.xml invalid.
std::optional<std::string> encoding_problem(std::string_view file, std::string_view text) {
    auto at = [&](std::size_t i, const std::string& what) {
        auto [line, col] = position_of(text, i);
        return text::caret_excerpt(file, text, line, col, what);
    };
    if (auto nul = text.find('\0'); nul != std::string_view::npos) return at(nul, "a NUL byte: binary data, not YAML or JSON");
    for (std::size_t i = 0; i < text.size();) {
        auto len = text::utf8_sequence_length(text.substr(i));
        if (len == 0) {
            static const char* hex = "0123456789abcdef";
            auto c = static_cast<unsigned char>(text[i]);
            return at(i, std::string("invalid UTF-8 (byte 0x") + hex[c >> 4] + hex[c & 15] + ")");
        }
        i += len;
    }
    return std::nullopt;
}

// A quoted scalar whose continuation lines are indented no deeper than the line it starts on
// is almost always an unterminated quote that swallowed the keys (or objects) after it;
// yaml-cpp accepts it, and the swallowed object would silently vanish from the analysis.
// `line_starts[i]` is the offset of line i + 1 (built once per text: no rescans per scalar).
void check_quoted(std::string_view file, std::string_view text, const std::vector<std::size_t>& line_starts, const Value& v,
                  std::vector<std::string>& problems) {
    if (v.is_scalar() && !v.plain && v.mark.line > 0) {
        if (static_cast<std::size_t>(v.mark.line) > line_starts.size()) return;
        std::size_t line_start = line_starts[static_cast<std::size_t>(v.mark.line) - 1];
        std::size_t q = line_start + static_cast<std::size_t>(v.mark.col - 1);
        if (q >= text.size() || (text[q] != '"' && text[q] != '\'')) return;
        char quote = text[q];
        std::size_t indent = 0;
        while (line_start + indent < text.size() && text[line_start + indent] == ' ') ++indent;
        for (std::size_t i = q + 1; i < text.size(); ++i) {
            char c = text[i];
            if (quote == '"' && c == '\\') {
                ++i;
                continue;
            }
            if (c == quote) {
                if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                    ++i;
                    continue;
                }
                return;  // closed
            }
            if (c == '\n') {
                std::size_t k = i + 1, ind = 0;
                while (k < text.size() && text[k] == ' ') ++k, ++ind;
                bool blank = k >= text.size() || text[k] == '\n' || text[k] == '\r';
                if (!blank && ind <= indent) {
                    int line = position_of(text, k).first;
                    problems.push_back(text::caret_excerpt(file, text, v.mark.line, v.mark.col,
                                                           "this quoted value runs on to line " + std::to_string(line) +
                                                               ", which is not indented under it: an unterminated quote? "
                                                               "(it would swallow what follows)"));
                    return;
                }
            }
        }
        return;
    }
    for (const auto& item : v.items) check_quoted(file, text, line_starts, item, problems);
    for (const auto& [k, child] : v.entries) check_quoted(file, text, line_starts, child, problems);
}

}  // namespace

Result<std::vector<Value>> parse_documents(std::string_view file, std::string_view text,
                                           std::vector<std::string>* warnings,
                                           const ParseLimits& limits) {
    std::vector<Value> docs;
    std::vector<std::string> problems;
    if (auto bad = encoding_problem(file, text)) return fail(ErrorKind::input, *bad);
    // YAML (and kubectl) take a lone CR as a line break; yaml-cpp does not, and would read a
    // CR-only file as one line (a comment swallowing every object). Same length: positions hold.
    std::string normalized;
    if (auto cr = text.find('\r'); cr != std::string_view::npos) {
        normalized.assign(text);
        for (std::size_t i = 0; i < normalized.size(); ++i)
            if (normalized[i] == '\r' && (i + 1 == normalized.size() || normalized[i + 1] != '\n')) normalized[i] = '\n';
        text = normalized;
    }
    std::size_t budget = limits.base_node_budget + text.size();
    std::vector<std::size_t> line_starts{0};
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n') line_starts.push_back(i + 1);
    for (const auto& chunk : split_documents(text)) {
        if (only_comments(chunk.text)) continue;
        std::string elided = limits.elide_crd_schemas ? elide_crd_versions(chunk.text) : std::string();
        std::string owned = elided.empty() ? std::string(chunk.text) : std::move(elided);
        if (auto at = flow_too_deep(owned, limits.max_depth); at != std::string_view::npos) {
            auto [line, col] = position_of(owned, at);
            problems.push_back(text::caret_excerpt(file, text, line + chunk.first_line - 1, col,
                                                   "nesting deeper than " + std::to_string(limits.max_depth) + " levels"));
            continue;
        }
        try {
            YAML::Node node = YAML::Load(owned);
            Converter conv(file, chunk.first_line, budget, limits.max_depth, warnings);
            docs.push_back(conv.convert(node, 0));
            check_quoted(file, text, line_starts, docs.back(), problems);
        } catch (const Converter::Overflow& o) {
            problems.push_back(text::caret_excerpt(file, text, o.mark.line, o.mark.col, o.message));
            if (o.message.find("too many nodes") != std::string::npos) break;  // nothing sane follows
        } catch (const YAML::Exception& e) {
            int line = e.mark.line >= 0 ? e.mark.line + chunk.first_line : chunk.first_line;
            int col = e.mark.column >= 0 ? e.mark.column + 1 : 1;
            problems.push_back(text::caret_excerpt(file, text, line, col, "malformed YAML: " + e.msg));
        }
    }
    if (!problems.empty()) return fail(ErrorKind::input, text::join(problems, "\n"));
    return docs;
}

}  // namespace preflight::model
