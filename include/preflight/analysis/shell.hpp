// POSIX shell command lines, read far enough to know which programs a script runs.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace preflight::analysis {

// The simple commands `script` runs, each as its words after quote removal, in order of
// appearance; the commands of `$(...)` and backquoted substitutions follow the command that
// holds them. Separators (; & && || | newlines), subshells and groups ( ) { }, compound
// commands (if/then/elif/else/fi, while/until/do/done, `!`) put the next word at a command
// position; `for`/`case` headers and case patterns, redirections and their targets, comments
// and here-document bodies are not commands. Parameter expansions are kept as written.
// Substitutions nest at most `max_depth` deep (a hostile script cannot recurse without end).
std::vector<std::vector<std::string>> shell_commands(std::string_view script, int max_depth = 8);

// The script of a shell invocation `argv` (sh, bash, ash, dash, ksh, zsh, busybox sh) that runs
// a command string: `sh -c S`, `sh -ec S`, `bash -euo pipefail -c S`, `bash --noprofile -c S`.
// nullopt when `argv` is not a shell or runs no command string.
std::optional<std::string> shell_script(const std::vector<std::string>& argv);

}  // namespace preflight::analysis
