// Subprocesses: argv in, captured output out, always under a timeout (house style).
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
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
    // Cleanup commands keep running after the first SIGINT/SIGTERM; only a second one stops them.
    bool survives_first_signal = false;
    // Its stdout is a secret (e.g. a Secret's data): observers must not show it.
    bool secret_output = false;
};

struct Outcome {
    int exit_code = -1;
    bool timed_out = false;
    std::string out, err;
    std::chrono::milliseconds elapsed{0};
};

// The command line shell-quoted and redacted, ready to paste.
std::string display(const std::vector<std::string>& argv);

// A long-running child (a watch) whose stdout arrives line by line on a thread of its own.
class Stream {
public:
    virtual ~Stream() = default;
    // Kills the child's process group (idempotent) and waits for the reader to finish.
    virtual void stop() = 0;
    virtual bool running() const = 0;
    // Exit code once ended (-1 when killed or still running), and the tail of its stderr.
    virtual int exit_code() const = 0;
    virtual std::string err_tail() const = 0;
};

class Runner {
public:
    virtual ~Runner() = default;
    // Runs `cmd`; Error::infrastructure when the program cannot be found or started.
    // A non-zero exit or a timeout is not an error here: callers decide (see `check`).
    // Error::interrupted when a signal arrived (see `interrupt_level`); the child is killed.
    virtual Result<Outcome> run(const Command& cmd) = 0;
    // Starts `cmd` and calls `on_line` (from another thread) for each stdout line, and
    // `on_exit` once when it ends for whatever reason. `cmd.timeout` bounds its whole life.
    virtual Result<std::unique_ptr<Stream>> stream(const Command& cmd, std::function<void(std::string)> on_line,
                                                   std::function<void()> on_exit) = 0;
};

// The real runner: new process group per child, killed as a group on timeout.
class ProcessRunner final : public Runner {
public:
    Result<Outcome> run(const Command& cmd) override;
    Result<std::unique_ptr<Stream>> stream(const Command& cmd, std::function<void(std::string)> on_line,
                                           std::function<void()> on_exit) override;
};

// Called after every finished command and when a stream starts (outcome nullptr), e.g. to log
// it; set once by the CLI, before any command runs. proc itself logs nothing.
using Observer = std::function<void(const Command& cmd, const Outcome* outcome)>;
void set_observer(Observer observer);

// SIGINT/SIGTERM handling for the whole process: the handlers only count signals; runners and
// waits poll the count. 0: none, 1: finish with cleanup, 2+: stop cleanup too.
void install_signal_handlers();
int interrupt_level();
int last_signal();  // the signal number of the last one received (0 if none)

// `outcome` as an Error when it timed out or exited non-zero (quoting the command and the
// tail of stderr), otherwise the outcome itself.
Result<Outcome> check(const Command& cmd, Result<Outcome> outcome);

// Full path of `program` on PATH, or nullopt.
std::optional<std::string> find_program(const std::string& program);

}  // namespace preflight::proc
