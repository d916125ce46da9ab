// Redactor: masks every registered secret in text that leaves the process.
#pragma once
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace preflight {

class Redactor {
public:
    static constexpr std::string_view k_mask = "***REDACTED***";

    // Registers `secret`; values shorter than 4 characters are ignored because masking them
    // would shred ordinary text (and they are not credentials worth the name).
    void add(std::string_view secret);
    // `text` with every occurrence of every registered secret replaced by k_mask.
    std::string redact(std::string_view text) const;
    bool empty() const;

    // The process-wide instance every writer and logger goes through.
    static Redactor& global();

private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_secrets;  // longest first, so a secret containing another wins
};

}  // namespace preflight
