// Boost.Process (v2 API: present since Boost 1.80, the only one from 1.88) runner: pipes drained
// asynchronously, timeout kills the process group.
#include "preflight/proc/runner.hpp"

#include <linux/close_range.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/version.hpp>
#if BOOST_VERSION < 108800
#define BOOST_PROCESS_V2_SEPARATE_COMPILATION 1
#endif
#if BOOST_VERSION < 108200
// Boost 1.81's Process v2 headers with BOOST_PROCESS_USE_STD_FS name boost::optional and an
// unqualified is_constructible without including or declaring them (fixed in later releases).
#include <boost/optional.hpp>
#include <type_traits>
namespace boost::process::v2 {
using std::is_constructible;
using std::remove_pointer;
}
#endif
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#if BOOST_VERSION < 108800
// Before 1.88 Process v2 is header-only with its out-of-line parts compiled in one translation
// unit: this one. From 1.88 they live in the Boost::process library (see CMakeLists.txt).
#include <boost/process/v2/src.hpp>
#endif
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "preflight/util/redactor.hpp"
#include "preflight/util/text.hpp"

namespace preflight::proc {
namespace bp = boost::process::v2;

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

// In the child, between fork and exec: its own process group, so a timeout or a signal kills
// everything it started (kubectl plugins, git helpers) with one kill(-pgid); and no descriptor but
// its stdio survives exec. Boost 1.81's launcher closes only the descriptors numbered above its
// exec-error pipe (close_all compares each whitelist entry with itself), so a child forked on one
// thread while another thread had a pipe open held that pipe's write end: a `kubectl apply` of the
// early-verdict thread read no EOF until a `kubectl --watch` of the wait, started at that moment,
// exited ~30 s later. Marking 3.. close-on-exec (not closing them) keeps the launcher's own
// exec-error pipe working until exec.
struct NewProcessGroup {
    template <class Launcher>
    bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*&) const {
        if (::setpgid(0, 0) != 0) return bp::error_code(errno, boost::system::system_category());
        if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
            return bp::error_code(errno, boost::system::system_category());
        return {};
    }
};

// Creating a child's pipes, forking and closing the parent's copies of the child's ends happen
// under one lock, so no other thread's child is forked while those ends are open in this process
// (the second guard, for kernels or launchers where the first does not hold).
std::mutex g_spawn_mutex;

// The inherited environment with `overrides` replacing or adding variables, as "K=V" strings.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
    std::vector<std::string> out;
    for (char** e = ::environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string_view::npos && overrides.contains(std::string(kv.substr(0, eq)))) continue;
        out.emplace_back(kv);
    }
    for (const auto& [k, v] : overrides) out.push_back(k + "=" + v);
    return out;
}

// Starts `exe` with `args`, stdio bound to the given pipes (stdin from /dev/null when `in` is
// null), in a new process group.
template <class InBinding>
bp::process start(boost::asio::io_context& io, bp::error_code& ec, const std::string& exe, const std::vector<std::string>& args,
                  InBinding&& in, boost::asio::readable_pipe& out, boost::asio::readable_pipe& err,
                  const std::map<std::string, std::string>& env) {
    std::lock_guard lock(g_spawn_mutex);
    return bp::default_process_launcher()(io.get_executor(), ec, bp::filesystem::path(exe), args,
                                          bp::process_stdio{std::forward<InBinding>(in), out, err},
                                          bp::process_environment(child_environment(env)), NewProcessGroup{});
}

void keep_tail(std::string& s, std::size_t max) {
    if (s.size() > max) s.erase(0, s.size() - max);
}

Observer g_observer;

void observe(const Command& cmd, const Outcome* outcome) {
    if (g_observer) g_observer(cmd, outcome);
}

std::atomic<int> g_signals{0};
std::atomic<int> g_last_signal{0};

extern "C" void on_signal(int sig) {
    g_signals.fetch_add(1);
    g_last_signal.store(sig);
}

bool should_abort(const Command& cmd) { return interrupt_level() >= (cmd.survives_first_signal ? 2 : 1); }

// One child whose stdout is read line by line on its own thread.
class ProcessStream final : public Stream {
public:
    ProcessStream(const Command& cmd, std::function<void(std::string)> on_line, std::function<void()> on_exit)
        : m_out(m_io), m_err(m_io), m_timer(m_io), m_on_line(std::move(on_line)), m_on_exit(std::move(on_exit)) {
        m_max = cmd.max_output;
        auto exe = find_program(cmd.argv[0]);
        std::vector<std::string> args(cmd.argv.begin() + 1, cmd.argv.end());
        bp::error_code ec;
        m_child = start(m_io, ec, *exe, args, nullptr, m_out, m_err, cmd.env);
        if (ec) {
            m_ec = std::error_code(ec.value(), std::generic_category());
            return;
        }
        m_pgid = m_child.id();
        m_timer.expires_after(cmd.timeout);
        m_timer.async_wait([this](const boost::system::error_code& e) {
            if (!e) kill_group();
        });
        read_out();
        read_err();
        m_thread = std::thread([this] {
            m_io.run();
            bp::error_code ec;
            m_child.wait(ec);
            {
                std::lock_guard lock(m_mutex);
                m_code = m_killed ? -1 : m_child.exit_code();
                m_running = false;
            }
            m_on_exit();
        });
    }
    ~ProcessStream() override { stop(); }

    const std::error_code& start_error() const { return m_ec; }

    void stop() override {
        kill_group();
        if (m_thread.joinable()) m_thread.join();
    }
    bool running() const override {
        std::lock_guard lock(m_mutex);
        return m_running;
    }
    int exit_code() const override {
        std::lock_guard lock(m_mutex);
        return m_code;
    }
    std::string err_tail() const override {
        std::lock_guard lock(m_mutex);
        return m_err_text;
    }

private:
    void kill_group() {
        std::lock_guard lock(m_mutex);
        if (m_running && m_pgid > 0 && !m_killed) {
            m_killed = true;
            ::kill(-m_pgid, SIGKILL);
        }
    }
    void read_out() {
        m_out.async_read_some(boost::asio::buffer(m_buf), [this](const boost::system::error_code& e, std::size_t n) {
            m_pending.append(m_buf.data(), n);
            std::size_t start = 0, nl;
            while ((nl = m_pending.find('\n', start)) != std::string::npos) {
                m_on_line(m_pending.substr(start, nl - start));
                start = nl + 1;
            }
            m_pending.erase(0, start);
            if (m_pending.size() > m_max) m_pending.clear();  // a line beyond the cap is dropped, not buffered forever
            if (!e) {
                read_out();
            } else {
                if (!m_pending.empty()) m_on_line(std::move(m_pending));
                m_timer.cancel();
            }
        });
    }
    void read_err() {
        m_err.async_read_some(boost::asio::buffer(m_ebuf), [this](const boost::system::error_code& e, std::size_t n) {
            {
                std::lock_guard lock(m_mutex);
                m_err_text.append(m_ebuf.data(), n);
                keep_tail(m_err_text, 16384);
            }
            if (!e) read_err();
        });
    }

    boost::asio::io_context m_io;
    boost::asio::readable_pipe m_out, m_err;
    boost::asio::steady_timer m_timer;
    bp::process m_child{m_io};
    std::error_code m_ec;
    std::function<void(std::string)> m_on_line;
    std::function<void()> m_on_exit;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    pid_t m_pgid = -1;
    bool m_running = true, m_killed = false;
    int m_code = -1;
    std::size_t m_max = 0;
    std::string m_pending, m_err_text;
    std::array<char, 65536> m_buf{};
    std::array<char, 4096> m_ebuf{};
};

}  // namespace

void set_observer(Observer observer) { g_observer = std::move(observer); }

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}
int interrupt_level() { return g_signals.load(); }
int last_signal() { return g_last_signal.load(); }

Result<std::unique_ptr<Stream>> ProcessRunner::stream(const Command& cmd, std::function<void(std::string)> on_line,
                                                      std::function<void()> on_exit) {
    if (cmd.argv.empty()) return fail(ErrorKind::usage, "empty command");
    if (should_abort(cmd)) return fail(ErrorKind::interrupted, display(cmd.argv) + ": not started (a signal arrived)");
    if (!find_program(cmd.argv[0])) return fail(ErrorKind::infrastructure, cmd.argv[0] + ": not found on PATH");
    auto s = std::make_unique<ProcessStream>(cmd, std::move(on_line), std::move(on_exit));
    if (s->start_error())
        return fail(ErrorKind::infrastructure, "cannot start " + display(cmd.argv) + ": " + s->start_error().message());
    observe(cmd, nullptr);
    return std::unique_ptr<Stream>(std::move(s));
}

Result<Outcome> ProcessRunner::run(const Command& cmd) {
    if (cmd.argv.empty()) return fail(ErrorKind::usage, "empty command");
    if (should_abort(cmd)) return fail(ErrorKind::interrupted, display(cmd.argv) + ": not started (a signal arrived)");
    auto exe = find_program(cmd.argv[0]);
    if (!exe) return fail(ErrorKind::infrastructure, cmd.argv[0] + ": not found on PATH");
    auto started = std::chrono::steady_clock::now();
    boost::asio::io_context io;
    boost::asio::readable_pipe out_pipe(io), err_pipe(io);
    boost::asio::writable_pipe in_pipe(io);
    Outcome result;
    std::vector<std::string> args(cmd.argv.begin() + 1, cmd.argv.end());
    bp::error_code ec;
    auto child = start(io, ec, *exe, args, in_pipe, out_pipe, err_pipe, cmd.env);
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
    bool aborted = false;
    while (!io.stopped()) {
        auto now = std::chrono::steady_clock::now();
        if (should_abort(cmd)) {
            aborted = true;
            ::kill(-pgid, SIGKILL);
            io.restart();
            io.run_for(std::chrono::milliseconds(200));
            break;
        }
        if (now >= deadline) {
            result.timed_out = true;
            ::kill(-pgid, SIGTERM);
            io.restart();
            io.run_for(std::chrono::milliseconds(500));  // let it flush what it has
            ::kill(-pgid, SIGKILL);
            break;
        }
        io.run_for(std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50)));
    }
    child.wait(ec);
    result.exit_code = result.timed_out || aborted ? -1 : child.exit_code();
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    observe(cmd, &result);
    if (aborted) return fail(ErrorKind::interrupted, display(cmd.argv) + ": stopped by signal");
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
