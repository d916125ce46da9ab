// ActionContext: the session's shared state and the helpers every action uses.
#include "preflight/scenario/action_context.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "preflight/probe/live.hpp"

namespace preflight::scenario {
using namespace std::chrono_literals;

Result<proc::Outcome> CountingRunner::run(const proc::Command& cmd) {
    ++m_count;
    return m_inner.run(cmd);
}

Result<std::unique_ptr<proc::Stream>> CountingRunner::stream(const proc::Command& cmd, std::function<void(std::string)> on_line,
                                                             std::function<void()> on_exit) {
    ++m_count;
    return m_inner.stream(cmd, std::move(on_line), std::move(on_exit));
}

ActionContext::ActionContext(proc::Runner& runner, cluster::ClusterProvider& provider, const SessionOptions& options, report::Run& run,
                             Redactor& redactor)
    : m_counting(runner),
      m_provider(provider),
      m_o(options),
      m_run(run),
      m_redactor(redactor),
      m_deadline(std::chrono::steady_clock::now() + options.timeout),
      m_step_deadline(m_deadline) {}

kube::Kubectl ActionContext::kubectl() {
    const auto& info = m_provider.info();
    return kube::Kubectl(m_counting, kube::Target{info.kubeconfig, info.context, m_work_dir.empty() ? "" : m_work_dir + "/cache"});
}

std::chrono::milliseconds ActionContext::left(std::chrono::milliseconds step) const {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(m_step_deadline - std::chrono::steady_clock::now());
    return std::max(0ms, std::min(step, remaining));
}

void ActionContext::set_step_deadline(std::optional<std::chrono::milliseconds> step_timeout) {
    m_step_deadline = step_timeout ? std::min(m_deadline, std::chrono::steady_clock::now() + *step_timeout) : m_deadline;
}

bool ActionContext::interrupted() const { return m_run.interrupted || proc::interrupt_level() > 0; }

void ActionContext::enter(const std::string& suite, const std::string& step, const std::string& classname) {
    m_suite = suite;
    m_prefix = step.empty() ? "" : step + ": ";
    m_classname = classname;
}

report::Case ActionContext::start_case(const std::string& name) const { return start_case(m_prefix + name, m_classname); }

report::Case ActionContext::start_case(const std::string& name, const std::string& classname) const {
    report::Case c{name, classname};
    c.start_ms = m_o.now_ms();
    return c;
}

void ActionContext::finish(report::Suite& suite, report::Case c) const {
    c.duration_ms = m_o.now_ms() - c.start_ms;
    spdlog::info("{} {} ({} ms){}", report::symbol(c.outcome), c.name,
                 c.duration_ms, c.message.empty() ? "" : ": " + c.message);
    suite.add(std::move(c));
}

// The suite is found by name each time: adding a suite may move the others (a vector).
void ActionContext::finish(report::Case c) { finish(m_run.suite(m_suite), std::move(c)); }

void ActionContext::add(report::Case c) { m_run.suite(m_suite).add(std::move(c)); }

Verdict ActionContext::skip(const std::string& name, const std::string& why) {
    auto c = start_case(name);
    c.outcome = report::Outcome::skipped;
    c.message = why;
    finish(std::move(c));
    return {report::Outcome::skipped, ""};
}

void ActionContext::count(const std::string& phase) {
    auto& n = m_phase_processes[phase];
    n += m_counting.take();
    m_run.set_property("kubectl.processes." + phase, std::to_string(n));
}

Result<probe::Owner> ActionContext::owner(kube::Kubectl& k) {
    if (!m_owner) m_owner = probe::ensure_owner(k, m_o.ns, left(60s));
    return *m_owner;
}

void ActionContext::release_owner(kube::Kubectl& k) {
    if (m_owner && *m_owner)
        if (auto r = probe::remove_owner(k, m_o.ns, left(60s)); !r) spdlog::warn("removing probe pods: {}", r.error().describe());
    m_owner.reset();
}

}  // namespace preflight::scenario
