// Text helpers: caret excerpts for input errors, shell quoting for error messages.
#include "preflight/util/text.hpp"

#include <cstdint>

#include <algorithm>
#include <cctype>

namespace preflight::text {

std::string_view line_at(std::string_view source, int line) {
    if (line < 1) return {};
    std::size_t start = 0;
    for (int i = 1; i < line; ++i) {
        auto nl = source.find('\n', start);
        if (nl == std::string_view::npos) return {};
        start = nl + 1;
    }
    auto end = source.find('\n', start);
    auto out = source.substr(start, end == std::string_view::npos ? source.size() - start : end - start);
    if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
    return out;
}

std::string caret_excerpt(std::string_view file, std::string_view source, int line, int col,
                          std::string_view message) {
    auto shown = line_at(source, line);
    // Errors at end of input point past the last line: show the last line that has text.
    for (int back = line - 1; shown.empty() && back >= 1 && back >= line - 50; --back) {
        auto candidate = line_at(source, back);
        if (candidate.empty()) continue;
        shown = candidate;
        line = back;
        col = static_cast<int>(shown.size()) + 1;
    }
    std::string out;
    out += file;
    out += ':' + std::to_string(line) + ':' + std::to_string(col) + ": ";
    out += message;
    bool printable = std::all_of(shown.begin(), shown.end(), [](unsigned char c) {
        return c == '\t' || c >= 0x20;
    });
    if (!shown.empty() && printable) {
        constexpr std::size_t k_max = 160;
        std::string_view clipped = shown.substr(0, k_max);
        out += "\n  ";
        out += clipped;
        if (shown.size() > k_max) out += "…";
        out += "\n  ";
        int pad = std::clamp(col - 1, 0, static_cast<int>(clipped.size()));
        for (int i = 0; i < pad; ++i) out += clipped[i] == '\t' ? '\t' : ' ';
        out += '^';
    }
    return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(sep, start);
        out.emplace_back(s.substr(start, pos == std::string_view::npos ? s.size() - start : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

std::string shell_quote(std::string_view arg) {
    if (!arg.empty() && std::all_of(arg.begin(), arg.end(), [](unsigned char c) {
            return std::isalnum(c) || std::string_view("-_./=:,@+%").find(static_cast<char>(c)) != std::string_view::npos;
        }))
        return std::string(arg);
    std::string out = "'";
    for (char c : arg) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    out += '\'';
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return "";
    auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    bool padding = false;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            padding = true;
            continue;
        }
        int v = value(c);
        if (v < 0 || padding) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    if (bits >= 6) return std::nullopt;  // a dangling character
    return out;
}

std::size_t utf8_sequence_length(std::string_view s) {
    if (s.empty()) return 0;
    const auto* u = reinterpret_cast<const unsigned char*>(s.data());
    unsigned char c = u[0];
    if (c < 0x80) return 1;
    std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k)
        if ((u[k] & 0xC0) != 0x80) return 0;
    std::uint32_t cp = len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (u[k] & 0x3Fu);
    bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

std::string safe_for_runner(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    bool line_start = true;
    for (std::size_t i = 0; i < s.size();) {
        if (line_start) {
            auto first = s.find_first_not_of(" \t", i);
            if (first != std::string_view::npos && s.substr(first, 2) == "::") out += "| ";
            line_start = false;
        }
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '\n') {
            out += '\n';
            line_start = true;
            ++i;
        } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
            ++i;  // CRLF is a line break; only a bare CR (which rewrites a terminal line) is shown
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
            ++i;
        } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9f) {  // C1 controls U+0080..U+009F
            auto c1 = static_cast<unsigned char>(s[i + 1]);
            out += std::string("\\u00") + hex[c1 >> 4] + hex[c1 & 15];
            i += 2;
        } else if (c == 0xef && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xbf &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xbe || static_cast<unsigned char>(s[i + 2]) == 0xbf)) {
            out += "\xEF\xBF\xBD";  // U+FFFE / U+FFFF -> U+FFFD
            i += 3;
        } else {
            out += s[i++];
        }
    }
    return out;
}

}  // namespace preflight::text
