// Boost.Process runner: pipes drained asynchronously, timeout kills the process group.
#include "preflight/proc/runner.hpp"

#include <signal.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cstdlib>
#include <filesystem>

#include "preflight/util/redactor.hpp"
#include "preflight/util/text.hpp"

namespace preflight::proc {
namespace bp = boost::process;

std::string display(const std::vector<std::string>& argv) {
    std::vector<std::string> quoted;
    for (const auto& a : argv) quoted.push_back(text::shell_quote(a));
    return Redactor::global().redact(text::join(quoted, " "));
}

std::optional<std::string> find_program(const std::string& program) {
    if (program.find('/') != std::string::npos) {
        if (::access(program.c_str(), X_OK) == 0) return program;
        return std::nullopt;
    }
    const char* path = std::getenv("PATH");
    if (!path) return std::nullopt;
    for (const auto& dir : text::split(path, ':')) {
        if (dir.empty()) continue;
        auto candidate = std::filesystem::path(dir) / program;
        if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate))
            return candidate.string();
    }
    return std::nullopt;
}

namespace {

struct NewProcessGroup : bp::extend::handler {
    template <class Executor>
    void on_exec_setup(Executor&) const {
        ::setpgid(0, 0);
    }
};

void keep_tail(std::string& s, std::size_t max) {
    if (s.size() > max) s.erase(0, s.size() - max);
}

}  // namespace

Result<Outcome> ProcessRunner::run(const Command& cmd) {
    if (cmd.argv.empty()) return fail(ErrorKind::usage, "empty command");
    auto exe = find_program(cmd.argv[0]);
    if (!exe) return fail(ErrorKind::infrastructure, cmd.argv[0] + ": not found on PATH");
    auto started = std::chrono::steady_clock::now();
    boost::asio::io_context io;
    bp::async_pipe out_pipe(io), err_pipe(io), in_pipe(io);
    Outcome result;
    std::vector<std::string> args(cmd.argv.begin() + 1, cmd.argv.end());
    auto env = boost::this_process::environment();
    bp::environment child_env = env;
    for (const auto& [k, v] : cmd.env) child_env[k] = v;
    std::error_code ec;
    bp::child child(bp::exe = *exe, bp::args = args, bp::std_out > out_pipe, bp::std_err > err_pipe,
                    bp::std_in < in_pipe, child_env, NewProcessGroup{}, bp::error(ec));
    if (ec) return fail(ErrorKind::infrastructure, "cannot start " + display(cmd.argv) + ": " + ec.message());
    pid_t pgid = child.id();

    std::array<char, 65536> out_buf{}, err_buf{};
    std::function<void()> read_out, read_err;
    read_out = [&] {
        out_pipe.async_read_some(boost::asio::buffer(out_buf), [&](const boost::system::error_code& e, std::size_t n) {
            result.out.append(out_buf.data(), n);
            keep_tail(result.out, cmd.max_output);
            if (!e) read_out();
        });
    };
    read_err = [&] {
        err_pipe.async_read_some(boost::asio::buffer(err_buf), [&](const boost::system::error_code& e, std::size_t n) {
            result.err.append(err_buf.data(), n);
            keep_tail(result.err, cmd.max_output);
            if (!e) read_err();
        });
    };
    read_out();
    read_err();
    if (!cmd.stdin_data.empty()) {
        boost::asio::async_write(in_pipe, boost::asio::buffer(cmd.stdin_data),
                                 [&](const boost::system::error_code&, std::size_t) { in_pipe.close(); });
    } else {
        in_pipe.close();
    }
    auto deadline = started + cmd.timeout;
    while (!io.stopped()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            result.timed_out = true;
            ::kill(-pgid, SIGTERM);
            io.restart();
            io.run_for(std::chrono::milliseconds(500));  // let it flush what it has
            ::kill(-pgid, SIGKILL);
            break;
        }
        io.run_for(std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(200)));
    }
    child.wait(ec);
    result.exit_code = result.timed_out ? -1 : child.exit_code();
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return result;
}

Result<Outcome> check(const Command& cmd, Result<Outcome> outcome) {
    if (!outcome) return outcome;
    auto tail = [](const std::string& s) {
        constexpr std::size_t k_tail = 2000;
        std::string t = s.size() > k_tail ? "…" + s.substr(s.size() - k_tail) : s;
        while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
        return Redactor::global().redact(t);
    };
    if (outcome->timed_out)
        return fail(ErrorKind::infrastructure, display(cmd.argv) + ": timed out after " +
                                                   std::to_string(cmd.timeout.count()) + " ms" +
                                                   (outcome->err.empty() ? "" : ": " + tail(outcome->err)));
    if (outcome->exit_code != 0)
        return fail(ErrorKind::infrastructure, display(cmd.argv) + ": exit " + std::to_string(outcome->exit_code) +
                                                   (outcome->err.empty() ? "" : ": " + tail(outcome->err)));
    return outcome;
}

}  // namespace preflight::proc
