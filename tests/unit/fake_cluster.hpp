// A recording Runner and a provider that creates nothing, for testing actions without
// processes (ninja's FakeCommandRunner is the model): every command is recorded, and answered
// by the first rule whose words all appear in its argv.
#pragma once
#include <doctest/doctest.h>

#include <string>
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
    preflight::Result<std::unique_ptr<preflight::proc::Stream>> stream(const preflight::proc::Command& cmd, std::function<void(std::string)>,
                                                                      std::function<void()>) override {
        commands.push_back(cmd);
        return std::unexpected(preflight::Error{preflight::ErrorKind::infrastructure, "streams are not faked", {}});
    }
    // The commands whose argv holds `word`.
    int count(const std::string& word) const {
        int n = 0;
        for (const auto& c : commands) n += std::find(c.argv.begin(), c.argv.end(), word) != c.argv.end();
        return n;
    }
    std::vector<preflight::proc::Command> commands;

private:
    std::vector<Rule> m_rules;
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
