// Bounded reading of manifest sources: files, directories (recursive, sorted) and stdin.
#pragma once
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "preflight/util/error.hpp"

namespace preflight {

struct SourceText {
    std::string name;  // path as given (or "<stdin>")
    std::string text;
};

struct ReadLimits {
    std::size_t max_file_bytes = 64u << 20;    // one file
    std::size_t max_total_bytes = 512u << 20;  // everything one command reads
};

// Reads every path in `paths`: a file as is, a directory recursively (only *.yaml, *.yml,
// *.json, in sorted order), "-" as standard input (`stdin_stream`). Error::input (exit 2) for
// a missing or unreadable path, a binary file, a file over the limit (the message names it),
// or when nothing at all was found.
Result<std::vector<SourceText>> read_sources(const std::vector<std::string>& paths,
                                             std::istream& stdin_stream,
                                             const ReadLimits& limits = {});

// Writes `content` to `path` atomically (temporary file + rename); Error::infrastructure.
Result<void> write_file_atomic(const std::string& path, std::string_view content);

}  // namespace preflight
