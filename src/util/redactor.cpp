// Secret masking shared by logs, reports and error messages.
#include "preflight/util/redactor.hpp"

#include <algorithm>

namespace preflight {

void Redactor::add(std::string_view secret) {
    if (secret.size() < 4) return;
    std::lock_guard lock(m_mutex);
    if (std::find(m_secrets.begin(), m_secrets.end(), secret) != m_secrets.end()) return;
    m_secrets.emplace_back(secret);
    std::stable_sort(m_secrets.begin(), m_secrets.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::redact(std::string_view text) const {
    std::lock_guard lock(m_mutex);
    std::string out(text);
    for (const auto& secret : m_secrets) {
        std::size_t pos = 0;
        while ((pos = out.find(secret, pos)) != std::string::npos) {
            out.replace(pos, secret.size(), k_mask);
            pos += k_mask.size();
        }
    }
    return out;
}

bool Redactor::empty() const {
    std::lock_guard lock(m_mutex);
    return m_secrets.empty();
}

Redactor& Redactor::global() {
    static Redactor instance;
    return instance;
}

}  // namespace preflight
