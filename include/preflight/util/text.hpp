// Small text helpers shared by modules: caret excerpts, splitting, quoting.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace preflight::text {

// "file:line:col: message\n  <the line>\n  <spaces>^" for input errors (1-based line/col).
// `source` is the whole text the position refers to; an out-of-range line shows no excerpt.
std::string caret_excerpt(std::string_view file, std::string_view source, int line, int col,
                          std::string_view message);
// The `line`th (1-based) line of `source` without its newline; empty when out of range.
std::string_view line_at(std::string_view source, int line);
std::vector<std::string> split(std::string_view s, char sep);
// POSIX-shell quoting so an argv can be pasted into a terminal.
std::string shell_quote(std::string_view arg);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// ASCII lower case (other bytes as they are).
std::string lower(std::string_view s);
// Without leading and trailing spaces, tabs, CR and LF.
std::string trim(std::string_view s);

// Length of the valid UTF-8 sequence at the start of `s` (1-4), or 0 when it is not valid
// UTF-8 (a bad lead or continuation byte, truncated, overlong, a surrogate, beyond U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s);

// Standard base64 (RFC 4648, padding optional, whitespace ignored); nullopt for invalid input.
std::optional<std::string> base64_decode(std::string_view text);

// `s` safe to show where a terminal or a CI runner reads it: C0 and C1 control characters
// (ESC, CSI, BEL, a bare CR...) but tab and newline become visible `\xNN`; code points XML 1.0
// forbids (U+FFFE, U+FFFF) become U+FFFD; a line whose first non-blank characters are `::` (a
// GitHub Actions workflow command) is prefixed with "| ", so text from the input can never
// start one. Expects valid UTF-8 (report::valid_utf8 first).
std::string safe_for_runner(std::string_view s);

}  // namespace preflight::text
