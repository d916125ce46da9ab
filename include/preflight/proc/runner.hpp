// Subprocesses: argv in, captured output out, always under a timeout (house style).
#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "preflight/util/error.hpp"

namespace preflight::proc {

struct Command {
    std::vector<std::string> argv;  // argv[0] is looked up on PATH
    std::chrono::milliseconds timeout{60'000};
    std::string stdin_data;
    std::map<std::string, std::string> env;  // added to (or replacing in) the inherited environment
    std::size_t max_output = 4u << 20;       // per stream; the tail is kept
};

struct Outcome {
    int exit_code = -1;
    bool timed_out = false;
    std::string out, err;
    std::chrono::milliseconds elapsed{0};
};

// The command line shell-quoted and redacted, ready to paste.
std::string display(const std::vector<std::string>& argv);

class Runner {
public:
    virtual ~Runner() = default;
    // Runs `cmd`; Error::infrastructure when the program cannot be found or started.
    // A non-zero exit or a timeout is not an error here: callers decide (see `check`).
    virtual Result<Outcome> run(const Command& cmd) = 0;
};

// The real runner: new process group per child, killed as a group on timeout.
class ProcessRunner final : public Runner {
public:
    Result<Outcome> run(const Command& cmd) override;
};

// `outcome` as an Error when it timed out or exited non-zero (quoting the command and the
// tail of stderr), otherwise the outcome itself.
Result<Outcome> check(const Command& cmd, Result<Outcome> outcome);

// Full path of `program` on PATH, or nullopt.
std::optional<std::string> find_program(const std::string& program);

}  // namespace preflight::proc
