// LiveView: watch streams decoded into the latest object per (kind, namespace, name).
#include "preflight/kube/watch.hpp"

#include "preflight/model/manifest.hpp"

namespace preflight::kube {

Result<std::unique_ptr<proc::Stream>> LiveView::open(std::size_t index) {
    proc::Command cmd{watch_args(m_kubectl->target(), m_names[index], m_ns), m_lifetime};
    return m_kubectl->runner().stream(
        cmd, [this](std::string line) { on_line(line); },
        [this, index] {
            std::lock_guard lock(m_mutex);
            if (!m_stopping) m_ended.push_back(index);
            ++m_version;
            m_changed.notify_all();
        });
}

Result<void> LiveView::start(Kubectl& kubectl, std::string_view ns, const std::vector<std::string>& resources,
                             std::chrono::milliseconds lifetime) {
    m_kubectl = &kubectl;
    m_ns = ns;
    m_lifetime = lifetime;
    for (const auto& r : resources) {
        std::size_t index;
        {
            std::lock_guard lock(m_mutex);
            index = m_names.size();
            m_names.push_back(r);
            m_streams.emplace_back();
        }
        auto s = open(index);
        if (!s) return std::unexpected(s.error());
        std::lock_guard lock(m_mutex);
        m_streams[index] = std::move(*s);
        ++m_started;
    }
    return {};
}

int LiveView::revive(int max_restarts) {
    std::vector<std::size_t> ended;
    {
        std::lock_guard lock(m_mutex);
        ended.swap(m_ended);
    }
    int revived = 0;
    for (auto index : ended) {
        std::string why;
        {
            std::lock_guard lock(m_mutex);
            why = m_streams[index] ? m_streams[index]->err_tail() : "";
        }
        if (m_streams[index]) m_streams[index]->stop();  // its thread has finished; join it
        if (m_restarts[index] >= max_restarts) {
            std::lock_guard lock(m_mutex);
            if (!m_broken)
                m_broken = "watch of " + m_names[index] + " ended " + std::to_string(m_restarts[index] + 1) + " times" + (why.empty() ? "" : ": " + why);
            continue;
        }
        ++m_restarts[index];
        auto s = open(index);
        std::lock_guard lock(m_mutex);
        if (!s) {
            if (!m_broken) m_broken = "restarting the watch of " + m_names[index] + ": " + s.error().describe();
            continue;
        }
        m_streams[index] = std::move(*s);
        ++m_started;
        ++revived;
    }
    return revived;
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
