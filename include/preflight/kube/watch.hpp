// LiveView: the current state of a namespace, kept up to date by one `kubectl get --watch` per
// resource type (kubectl watches one type per process), so waiting costs O(types) processes.
#pragma once
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "preflight/kube/kubectl.hpp"

namespace preflight::kube {

class LiveView {
public:
    LiveView() = default;
    LiveView(const LiveView&) = delete;
    LiveView& operator=(const LiveView&) = delete;
    ~LiveView() { stop(); }

    // Starts a watch of each of `resources` in `ns`, each living at most `lifetime`.
    // Error::infrastructure when kubectl cannot be started.
    Result<void> start(Kubectl& kubectl, std::string_view ns, const std::vector<std::string>& resources,
                       std::chrono::milliseconds lifetime);
    // Feeds one watch-event line (public so the decoding is unit-testable). Malformed lines are
    // counted and ignored.
    void on_line(const std::string& line);
    // Blocks until an event arrives after the last call, or `timeout` passes. true: changed.
    bool wait_change(std::chrono::milliseconds timeout);
    // Every object currently known, in a stable order (kind, name).
    std::vector<model::Value> snapshot() const;
    // A watch that ended before stop(): "kubectl get pods ... exited 1: <stderr>".
    std::optional<std::string> broken() const;
    void stop();
    int processes_started() const { return m_started; }
    int malformed_lines() const;

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::uint64_t m_version = 0, m_seen = 0;
    std::map<std::tuple<std::string, std::string, std::string>, model::Value> m_objects;
    std::vector<std::unique_ptr<proc::Stream>> m_streams;
    std::vector<std::string> m_names;
    std::optional<std::string> m_broken;
    bool m_stopping = false;
    int m_started = 0, m_malformed = 0;
};

}  // namespace preflight::kube
