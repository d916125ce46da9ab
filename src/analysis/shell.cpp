// A reader of POSIX shell command lines (XCU 2.3 token recognition, 2.9 commands), far enough
// to list the simple commands a script runs; it never expands or executes anything.
#include "preflight/analysis/shell.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace preflight::analysis {
namespace {

constexpr std::array k_reserved = {"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac"};

bool reserved(const std::string& w) {
    for (const char* r : k_reserved)
        if (w == r) return true;
    return false;
}

// Index of the `)` closing the `(` just before `from`, skipping quotes; npos when unclosed.
std::size_t closing_paren(std::string_view s, std::size_t from) {
    int depth = 1;
    for (std::size_t i = from; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\\') {
            ++i;
        } else if (c == '\'') {
            auto end = s.find('\'', i + 1);
            if (end == std::string_view::npos) return end;
            i = end;
        } else if (c == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i)
                if (s[i] == '\\') ++i;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && --depth == 0) {
            return i;
        }
    }
    return std::string_view::npos;
}

class Reader {
public:
    Reader(std::string_view s, int depth) : m_s(s), m_depth(depth) {}

    std::vector<std::vector<std::string>> read() {
        while (m_i < m_s.size()) step();
        end_command(false);
        return std::move(m_out);
    }

private:
    void step() {
        char c = m_s[m_i];
        if (c == ' ' || c == '\t' || c == '\r') {
            end_word();
            ++m_i;
        } else if (c == '\n') {
            ++m_i;
            end_command(false);
            skip_heredoc_bodies();
        } else if (c == '#' && !m_in_word) {
            while (m_i < m_s.size() && m_s[m_i] != '\n') ++m_i;
        } else if (c == '\'') {
            single_quoted();
        } else if (c == '"') {
            double_quoted();
        } else if (c == '\\') {
            if (m_i + 1 < m_s.size() && m_s[m_i + 1] != '\n') append(m_s[m_i + 1]);
            m_i += 2;
        } else if (c == '$') {
            dollar();
        } else if (c == '`') {
            backquoted();
        } else if ((c == '<' || c == '>') && m_i + 1 < m_s.size() && m_s[m_i + 1] == '(') {
            m_i += 2;  // process substitution <(cmd) >(cmd)
            substitution(m_i);
        } else if (c == '<' || c == '>' || (c == '&' && m_i + 1 < m_s.size() && m_s[m_i + 1] == '>')) {
            redirection();
        } else if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
            operator_token();
        } else {
            append(c);
            ++m_i;
        }
    }

    void append(char c) {
        m_word += c;
        m_in_word = true;
    }
    void append(std::string_view s) {
        m_word += s;
        m_in_word = true;
    }

    void end_word() {
        if (!m_in_word) return;
        if (m_skip_target) {
            m_skip_target = false;
        } else if (m_case_pattern && m_cmd.empty() && m_word == "esac") {
            m_case_pattern = false;
        } else {
            m_cmd.push_back(m_word);
        }
        m_word.clear();
        m_in_word = false;
    }

    // Ends the current command; `pattern_end` when a `)` closed it.
    void end_command(bool pattern_end) {
        end_word();
        m_skip_target = false;
        std::size_t first = 0;
        while (first < m_cmd.size() && reserved(m_cmd[first])) ++first;
        std::vector<std::string> cmd(m_cmd.begin() + static_cast<std::ptrdiff_t>(first), m_cmd.end());
        m_cmd.clear();
        if (m_case_pattern && pattern_end) {
            m_case_pattern = false;  // `pat1|pat2)`: the words were a pattern
        } else if (!cmd.empty() && (cmd[0] == "for" || cmd[0] == "select" || cmd[0] == "function")) {
            // a loop header or a function definition line: no command runs here
        } else if (!cmd.empty() && cmd[0] == "case") {
            // `case W in` ends before its first pattern, or `case W in pat)` holds it
            auto in = std::find(cmd.begin(), cmd.end(), "in");
            m_case_pattern = !(pattern_end && in != cmd.end() && in + 1 != cmd.end());
        } else if (!cmd.empty()) {
            m_out.push_back(std::move(cmd));
        }
        for (auto& sub : m_subs) m_out.push_back(std::move(sub));
        m_subs.clear();
    }

    void operator_token() {
        char c = m_s[m_i++];
        bool doubled = m_i < m_s.size() && m_s[m_i] == c && (c == ';' || c == '&' || c == '|');
        if (doubled) ++m_i;
        if (c == '|' && m_case_pattern) {  // `a|b)` inside a case: one pattern, not a pipe
            end_word();
            m_cmd.clear();
            return;
        }
        if (c == '(' && m_case_pattern && m_cmd.empty() && !m_in_word) return;  // `(pat)` form
        end_command(c == ')');
        if (c == ';' && doubled) m_case_pattern = true;  // `;;`: the next words are a pattern
    }

    void redirection() {
        // A file descriptor number before the operator belongs to it (2>&1).
        bool digits = m_in_word && !m_word.empty();
        for (char d : m_word) digits = digits && std::isdigit(static_cast<unsigned char>(d));
        if (digits) {
            m_word.clear();
            m_in_word = false;
        } else {
            end_word();
        }
        char c = m_s[m_i++];
        bool heredoc = false, strip_tabs = false;
        if (c == '&') {
            ++m_i;  // &> and &>>
            if (m_i < m_s.size() && m_s[m_i] == '>') ++m_i;
        } else if (c == '<' && m_i < m_s.size() && m_s[m_i] == '<') {
            ++m_i;
            if (m_i < m_s.size() && m_s[m_i] == '<') {
                ++m_i;  // <<< here-string: the next word is its text
            } else {
                heredoc = true;
                if (m_i < m_s.size() && m_s[m_i] == '-') {
                    strip_tabs = true;
                    ++m_i;
                }
            }
        } else if (m_i < m_s.size() && (m_s[m_i] == '>' || m_s[m_i] == '&' || m_s[m_i] == '|' || (c == '<' && m_s[m_i] == '>'))) {
            ++m_i;
        }
        if (!heredoc) {
            m_skip_target = true;
            return;
        }
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t')) ++m_i;
        std::string delimiter;
        while (m_i < m_s.size() && !std::isspace(static_cast<unsigned char>(m_s[m_i])) && m_s[m_i] != ';' && m_s[m_i] != '&' &&
               m_s[m_i] != '|' && m_s[m_i] != ')' && m_s[m_i] != '<' && m_s[m_i] != '>') {
            if (m_s[m_i] != '\'' && m_s[m_i] != '"' && m_s[m_i] != '\\') delimiter += m_s[m_i];
            ++m_i;
        }
        m_heredocs.push_back({delimiter, strip_tabs});
    }

    void skip_heredoc_bodies() {
        for (const auto& [delimiter, strip_tabs] : m_heredocs) {
            while (m_i < m_s.size()) {
                auto eol = m_s.find('\n', m_i);
                std::string_view line = m_s.substr(m_i, eol == std::string_view::npos ? std::string_view::npos : eol - m_i);
                m_i = eol == std::string_view::npos ? m_s.size() : eol + 1;
                if (strip_tabs)
                    while (!line.empty() && line.front() == '\t') line.remove_prefix(1);
                if (line == delimiter) break;
            }
        }
        m_heredocs.clear();
    }

    void single_quoted() {
        auto end = m_s.find('\'', m_i + 1);
        if (end == std::string_view::npos) end = m_s.size();
        append(m_s.substr(m_i + 1, end - m_i - 1));
        m_i = end + 1;
    }

    void double_quoted() {
        m_in_word = true;
        ++m_i;
        while (m_i < m_s.size() && m_s[m_i] != '"') {
            char c = m_s[m_i];
            if (c == '\\' && m_i + 1 < m_s.size()) {
                char n = m_s[m_i + 1];
                if (n == '$' || n == '`' || n == '"' || n == '\\') append(n);
                else if (n != '\n') append(std::string_view(m_s.data() + m_i, 2));
                m_i += 2;
            } else if (c == '$') {
                dollar();
            } else if (c == '`') {
                backquoted();
            } else {
                append(c);
                ++m_i;
            }
        }
        ++m_i;
    }

    void dollar() {
        if (m_i + 2 < m_s.size() && m_s[m_i + 1] == '(' && m_s[m_i + 2] == '(') {
            auto end = closing_paren(m_s, m_i + 2);  // arithmetic $((...)): no commands
            auto stop = end == std::string_view::npos ? m_s.size() : std::min(end + 2, m_s.size());
            append(m_s.substr(m_i, stop - m_i));
            m_i = stop;
        } else if (m_i + 1 < m_s.size() && m_s[m_i + 1] == '(') {
            m_i += 2;
            substitution(m_i);
        } else if (m_i + 1 < m_s.size() && m_s[m_i + 1] == '{') {
            auto end = m_s.find('}', m_i + 2);
            auto stop = end == std::string_view::npos ? m_s.size() : end + 1;
            append(m_s.substr(m_i, stop - m_i));
            m_i = stop;
        } else {
            append('$');
            ++m_i;
        }
    }

    // `$(` or `<(` was read; m_i is at the script inside.
    void substitution(std::size_t start) {
        auto end = closing_paren(m_s, start);
        if (end == std::string_view::npos) end = m_s.size();
        auto inner = m_s.substr(start, end - start);
        append("$(" + std::string(inner) + ")");
        if (m_depth > 0)
            for (auto& cmd : Reader(inner, m_depth - 1).read()) m_subs.push_back(std::move(cmd));
        m_i = end + 1;
    }

    void backquoted() {
        std::string inner;
        std::size_t i = m_i + 1;
        for (; i < m_s.size() && m_s[i] != '`'; ++i) {
            if (m_s[i] == '\\' && i + 1 < m_s.size() && (m_s[i + 1] == '`' || m_s[i + 1] == '\\' || m_s[i + 1] == '$')) ++i;
            inner += m_s[i];
        }
        append("`" + inner + "`");
        if (m_depth > 0)
            for (auto& cmd : Reader(inner, m_depth - 1).read()) m_subs.push_back(std::move(cmd));
        m_i = i + 1;
    }

    std::string_view m_s;
    int m_depth;
    std::size_t m_i = 0;
    std::vector<std::vector<std::string>> m_out, m_subs;
    std::vector<std::string> m_cmd;
    std::string m_word;
    bool m_in_word = false;
    bool m_skip_target = false;   // the next word is a redirection's file
    bool m_case_pattern = false;  // the next words, up to `)`, are a case pattern
    std::vector<std::pair<std::string, bool>> m_heredocs;  // delimiters awaiting their bodies
};

std::string_view basename(std::string_view s) {
    auto slash = s.rfind('/');
    return slash == std::string_view::npos ? s : s.substr(slash + 1);
}

}  // namespace

std::vector<std::vector<std::string>> shell_commands(std::string_view script, int max_depth) {
    return Reader(script, max_depth).read();
}

std::optional<std::string> shell_script(const std::vector<std::string>& argv) {
    std::size_t i = 0;
    if (!argv.empty() && basename(argv[0]) == "busybox") ++i;  // busybox sh -c ...
    if (i >= argv.size()) return std::nullopt;
    auto shell = basename(argv[i]);
    if (shell != "sh" && shell != "bash" && shell != "ash" && shell != "dash" && shell != "ksh" && shell != "zsh" && shell != "mksh")
        return std::nullopt;
    bool command_string = false;
    for (++i; i < argv.size();) {
        const auto& a = argv[i];
        if (a == "--" || a == "-") {
            ++i;
            break;
        }
        if (a.starts_with("--")) {  // bash's long options; two of them take a file
            i += (a == "--rcfile" || a == "--init-file") ? 2 : 1;
            continue;
        }
        if (a.size() < 2 || (a[0] != '-' && a[0] != '+')) break;
        std::size_t operands = 0;  // -o NAME and -O NAME take the next word
        for (char f : a.substr(1)) {
            if (f == 'c') command_string = true;
            if (f == 'o' || f == 'O') ++operands;
        }
        i += 1 + operands;
    }
    if (!command_string || i >= argv.size()) return std::nullopt;
    return argv[i];
}

}  // namespace preflight::analysis
