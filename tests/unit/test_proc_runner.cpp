// The real runner against real programs (sh, sleep): output, exit codes, timeouts, and what a
// child may hold of this process.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "preflight/proc/runner.hpp"

using namespace preflight;
using namespace std::chrono_literals;

namespace {
proc::Command cmd(std::vector<std::string> argv, std::chrono::milliseconds timeout = 20'000ms) {
    proc::Command c;
    c.argv = std::move(argv);
    c.timeout = timeout;
    return c;
}

// A pipe this process holds open without close-on-exec, as another thread's child-to-be pipe is
// between its creation and its launch.
struct OpenPipe {
    int fds[2] = {-1, -1};
    OpenPipe() { REQUIRE(::pipe(fds) == 0); }
    ~OpenPipe() {
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
    }
    // After our write end is closed: true when no process holds a write end any more (EOF), false
    // when some process still does (the read would block).
    bool writers_gone() {
        ::close(fds[1]);
        fds[1] = -1;
        REQUIRE(::fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
        char c;
        auto n = ::read(fds[0], &c, 1);
        if (n == 0) return true;
        REQUIRE(n < 0);
        REQUIRE(errno == EAGAIN);
        return false;
    }
};
}  // namespace

TEST_CASE("a command's stdout, stderr, stdin and exit code come back") {
    proc::ProcessRunner runner;
    auto c = cmd({"sh", "-c", "cat; echo err >&2; exit 3"});
    c.stdin_data = "in\n";
    auto r = runner.run(c);
    REQUIRE(r);
    CHECK(r->out == "in\n");
    CHECK(r->err == "err\n");
    CHECK(r->exit_code == 3);
    CHECK_FALSE(r->timed_out);
}

TEST_CASE("a command past its timeout is killed with its whole process group") {
    proc::ProcessRunner runner;
    // The grandchild (sleep) would keep stdout open; only a group kill ends the read.
    auto r = runner.run(cmd({"sh", "-c", "sleep 60 & sleep 60"}, 300ms));
    REQUIRE(r);
    CHECK(r->timed_out);
    CHECK(r->exit_code == -1);
    CHECK_FALSE(proc::check(cmd({"sh"}), r));
}

TEST_CASE("a program not on PATH is an infrastructure error, not a failed command") {
    proc::ProcessRunner runner;
    auto r = runner.run(cmd({"no-such-program-preflight"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::infrastructure);
}

TEST_CASE("a child holds no descriptor of this process but its stdio") {
    // The defect: a long-lived child (a watch) forked while another command's pipe was open kept
    // that pipe's write end, so the other command's output never reached EOF until the watch
    // ended. Here the open pipe stands for that other command's.
    proc::ProcessRunner runner;
    OpenPipe other;
    std::atomic<bool> ended{false};
    auto watch = runner.stream(cmd({"sleep", "30"}), [](std::string) {}, [&] { ended = true; });
    REQUIRE(watch);
    CHECK((*watch)->running());
    CHECK(other.writers_gone());
    (*watch)->stop();
    CHECK_FALSE((*watch)->running());
}

TEST_CASE("run's child does not hold another pipe either") {
    proc::ProcessRunner runner;
    OpenPipe other;
    // The child reports which of its descriptors point at our pipe.
    auto target = "pipe:[" + std::to_string([&] {
        struct stat st {};
        REQUIRE(::fstat(other.fds[1], &st) == 0);
        return static_cast<unsigned long>(st.st_ino);
    }()) + "]";
    auto r = runner.run(cmd({"sh", "-c", "for f in /proc/self/fd/*; do readlink \"$f\" || true; done"}));
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->out.find(target) == std::string::npos);
}
