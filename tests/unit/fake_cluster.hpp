// A recording Runner and a provider that creates nothing, for testing actions without
// processes (ninja's FakeCommandRunner is the model): every command is recorded, and answered
// by the first rule whose words all appear in its argv.
#pragma once
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "preflight/cluster/provider.hpp"
#include "preflight/proc/runner.hpp"

namespace test {

class RecordingRunner final : public preflight::proc::Runner {
public:
    struct Rule {
        std::vector<std::string> words;
        int exit_code = 0;
        std::string out, err;
    };
    // Commands whose argv holds every one of `words` exit with `exit_code` and print `out`/`err`.
    void on(std::vector<std::string> words, int exit_code, std::string out, std::string err = "") {
        m_rules.push_back({std::move(words), exit_code, std::move(out), std::move(err)});
    }
    preflight::Result<preflight::proc::Outcome> run(const preflight::proc::Command& cmd) override {
        commands.push_back(cmd);
        for (const auto& r : m_rules) {
            bool all = true;
            for (const auto& w : r.words)
                if (std::find(cmd.argv.begin(), cmd.argv.end(), w) == cmd.argv.end()) all = false;
            if (all) return preflight::proc::Outcome{r.exit_code, false, r.out, r.err, {}};
        }
        return preflight::proc::Outcome{1, false, "", "no rule for this command", {}};
    }
    // Streams (watches) whose argv holds every one of `words` print `lines`, then stay open
    // until stopped, as a watch does.
    void on_stream(std::vector<std::string> words, std::vector<std::string> lines) {
        m_streams.push_back({std::move(words), std::move(lines)});
    }
    preflight::Result<std::unique_ptr<preflight::proc::Stream>> stream(const preflight::proc::Command& cmd, std::function<void(std::string)> on_line,
                                                                      std::function<void()> on_exit) override {
        commands.push_back(cmd);
        for (const auto& r : m_streams) {
            bool all = true;
            for (const auto& w : r.first)
                if (std::find(cmd.argv.begin(), cmd.argv.end(), w) == cmd.argv.end()) all = false;
            if (all) return std::unique_ptr<preflight::proc::Stream>(new FakeStream(r.second, std::move(on_line), std::move(on_exit)));
        }
        return std::unexpected(preflight::Error{preflight::ErrorKind::infrastructure, "no stream rule for this command", {}});
    }
    // The commands whose argv holds `word`.
    int count(const std::string& word) const {
        int n = 0;
        for (const auto& c : commands) n += std::find(c.argv.begin(), c.argv.end(), word) != c.argv.end();
        return n;
    }
    std::vector<preflight::proc::Command> commands;

private:
    class FakeStream final : public preflight::proc::Stream {
    public:
        FakeStream(std::vector<std::string> lines, std::function<void(std::string)> on_line, std::function<void()> on_exit)
            : m_thread([this, lines = std::move(lines), on_line = std::move(on_line), on_exit = std::move(on_exit)] {
                  for (const auto& l : lines) on_line(l);
                  while (!m_stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                  on_exit();
              }) {}
        ~FakeStream() override { stop(); }
        void stop() override {
            m_stop = true;
            if (m_thread.joinable()) m_thread.join();
        }
        bool running() const override { return !m_stop; }
        int exit_code() const override { return -1; }
        std::string err_tail() const override { return ""; }

    private:
        std::atomic<bool> m_stop{false};
        std::thread m_thread;
    };
    std::vector<Rule> m_rules;
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> m_streams;
};

class FakeProvider final : public preflight::cluster::ClusterProvider {
public:
    FakeProvider() {
        m_info.provider = "fake";
        m_info.name = "fake-1";
        m_info.kubeconfig = "/nonexistent/kubeconfig";
    }
    preflight::Result<void> check_tools() override { return {}; }
    preflight::Result<void> create(const preflight::cluster::ClusterSpec&) override { return {}; }
    preflight::Result<void> destroy() override {
        ++destroyed;
        return {};
    }
    preflight::Result<void> collect_logs(const std::string&) override { return {}; }
    preflight::Result<std::vector<std::string>> preload(const std::vector<std::string>& images) override {
        preloaded.insert(preloaded.end(), images.begin(), images.end());
        return images;
    }
    std::string leftover_hint() const override { return ""; }
    const preflight::cluster::ClusterInfo& info() const override { return m_info; }
    preflight::cluster::ClusterInfo m_info;
    int destroyed = 0;
    std::vector<std::string> preloaded;
};

}  // namespace test
