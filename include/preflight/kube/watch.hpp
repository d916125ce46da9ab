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
    // Restarts watches that ended on their own (an API server closes watches after a while),
    // each relisting what exists; after `max_restarts` of one watch, its next end is broken().
    // Returns how many were restarted.
    int revive(int max_restarts = 5);
    // A watch that ended and could not be revived: "watch of pods ended: <stderr>".
    std::optional<std::string> broken() const;
    void stop();
    int processes_started() const { return m_started; }

private:
    Result<std::unique_ptr<proc::Stream>> open(std::size_t index);

public:
    int malformed_lines() const;

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::uint64_t m_version = 0, m_seen = 0;
    std::map<std::tuple<std::string, std::string, std::string>, model::Value> m_objects;
    std::vector<std::unique_ptr<proc::Stream>> m_streams;
    std::vector<std::string> m_names;
    std::vector<std::size_t> m_ended;  // streams that ended before stop(), not yet revived
    Kubectl* m_kubectl = nullptr;
    std::string m_ns;
    std::chrono::milliseconds m_lifetime{0};
    std::map<std::size_t, int> m_restarts;
    std::optional<std::string> m_broken;
    bool m_stopping = false;
    int m_started = 0, m_malformed = 0;
};

}  // namespace preflight::kube
