// The command-line entry: parses argv, runs a subcommand, maps the result to an exit code.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace preflight::cli {

struct Streams {
    std::istream& in;
    std::ostream& out;  // only the requested output
    std::ostream& err;  // logs and errors
};

// Runs the CLI on `args` (without argv[0]); returns the process exit code:
// 0 passed, 1 a check failed, 2 usage or input error, 3 infrastructure error, 130 interrupted.
int run(const std::vector<std::string>& args, Streams streams);

}  // namespace preflight::cli
