// Parsing and formatting of IPv4/IPv6 addresses and CIDRs, and range subtraction.
#include "preflight/analysis/cidr.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace preflight::analysis {

std::optional<IpRange> parse_ip(std::string_view text) {
    std::string s(text);
    if (s.find(':') != std::string::npos) {
        in6_addr a{};
        if (inet_pton(AF_INET6, s.c_str(), &a) != 1) return std::nullopt;
        u128 v = 0;
        for (unsigned char b : a.s6_addr) v = (v << 8) | b;
        return IpRange{true, v, v};
    }
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
    u128 v = ntohl(a.s_addr);
    return IpRange{false, v, v};
}

std::optional<IpRange> parse_cidr(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = parse_ip(text.substr(0, slash));
    if (!addr) return std::nullopt;
    auto digits = text.substr(slash + 1);
    int prefix = -1;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    int bits = addr->v6 ? 128 : 32;
    if (ec != std::errc() || p != digits.data() + digits.size() || prefix < 0 || prefix > bits) return std::nullopt;
    u128 host_mask = prefix == bits ? 0 : ((u128(1) << (bits - prefix)) - 1);
    IpRange r{addr->v6, addr->lo & ~host_mask, 0};
    if (!addr->v6) r.lo &= 0xffffffffu;
    r.hi = r.lo | host_mask;
    return r;
}

std::string format_ip(bool v6, u128 addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (!v6) {
        in_addr a{};
        a.s_addr = htonl(static_cast<uint32_t>(addr));
        inet_ntop(AF_INET, &a, buf, sizeof buf);
    } else {
        in6_addr a{};
        for (int i = 15; i >= 0; --i) {
            a.s6_addr[i] = static_cast<unsigned char>(addr & 0xff);
            addr >>= 8;
        }
        inet_ntop(AF_INET6, &a, buf, sizeof buf);
    }
    return buf;
}

std::string IpRange::str() const { return format_ip(v6, lo) + "-" + format_ip(v6, hi); }

std::vector<IpRange> subtract(const IpRange& whole, const std::vector<IpRange>& holes) {
    std::vector<IpRange> sorted;
    for (const auto& h : holes)
        if (h.overlaps(whole)) sorted.push_back(h);
    std::sort(sorted.begin(), sorted.end(), [](const IpRange& a, const IpRange& b) { return a.lo < b.lo; });
    std::vector<IpRange> out;
    u128 cursor = whole.lo;
    bool done = false;
    for (const auto& h : sorted) {
        if (done) break;
        if (h.lo > cursor) out.push_back({whole.v6, cursor, h.lo - 1});
        if (h.hi >= whole.hi) {
            done = true;
        } else if (h.hi + 1 > cursor) {
            cursor = h.hi + 1;
        }
    }
    if (!done && cursor <= whole.hi) out.push_back({whole.v6, cursor, whole.hi});
    return out;
}

}  // namespace preflight::analysis
