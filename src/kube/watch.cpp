// LiveView: watch streams decoded into the latest object per (kind, namespace, name).
#include "preflight/kube/watch.hpp"

#include "preflight/model/manifest.hpp"

namespace preflight::kube {

Result<void> LiveView::start(Kubectl& kubectl, std::string_view ns, const std::vector<std::string>& resources,
                             std::chrono::milliseconds lifetime) {
    for (const auto& r : resources) {
        proc::Command cmd{watch_args(kubectl.target(), r, ns), lifetime};
        auto index = m_streams.size();
        auto s = kubectl.runner().stream(
            cmd, [this](std::string line) { on_line(line); },
            [this, index] {
                std::lock_guard lock(m_mutex);
                if (!m_stopping && !m_broken) {
                    m_broken = "watch of " + (index < m_names.size() ? m_names[index] : std::string("a resource")) + " ended";
                    if (index < m_streams.size() && m_streams[index]) {
                        auto tail = m_streams[index]->err_tail();
                        if (!tail.empty()) *m_broken += ": " + tail;
                    }
                }
                ++m_version;
                m_changed.notify_all();
            });
        if (!s) return std::unexpected(s.error());
        std::lock_guard lock(m_mutex);
        m_names.push_back(r);
        m_streams.push_back(std::move(*s));
        ++m_started;
    }
    return {};
}

void LiveView::on_line(const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    auto docs = model::parse_documents("watch event", line);
    std::lock_guard lock(m_mutex);
    if (!docs || docs->size() != 1 || !(*docs)[0]["object"].is_mapping()) {
        ++m_malformed;
        return;
    }
    auto& ev = (*docs)[0];
    auto type = ev["type"].str();
    const auto& obj = ev["object"];
    std::tuple<std::string, std::string, std::string> key{std::string(obj["kind"].str()), std::string(obj.at_path({"metadata", "namespace"}).str()),
                                                          std::string(obj.at_path({"metadata", "name"}).str())};
    if (type == "DELETED") {
        m_objects.erase(key);
    } else if (type == "ADDED" || type == "MODIFIED") {
        m_objects[key] = obj;
    } else {
        return;  // BOOKMARK, ERROR (kubectl re-lists on its own)
    }
    ++m_version;
    m_changed.notify_all();
}

bool LiveView::wait_change(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    bool changed = m_changed.wait_for(lock, timeout, [&] { return m_version != m_seen; });
    m_seen = m_version;
    return changed;
}

std::vector<model::Value> LiveView::snapshot() const {
    std::lock_guard lock(m_mutex);
    std::vector<model::Value> out;
    out.reserve(m_objects.size());
    for (const auto& [key, v] : m_objects) out.push_back(v);
    return out;
}

std::optional<std::string> LiveView::broken() const {
    std::lock_guard lock(m_mutex);
    return m_broken;
}

int LiveView::malformed_lines() const {
    std::lock_guard lock(m_mutex);
    return m_malformed;
}

void LiveView::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    for (auto& s : m_streams)
        if (s) s->stop();
}

}  // namespace preflight::kube
