// IP addresses and CIDR blocks (IPv4 and IPv6) as inclusive ranges.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace preflight::analysis {

using u128 = unsigned __int128;

struct IpRange {
    bool v6 = false;
    u128 lo = 0, hi = 0;  // inclusive

    bool contains(const IpRange& other) const { return v6 == other.v6 && lo <= other.lo && other.hi <= hi; }
    bool overlaps(const IpRange& other) const { return v6 == other.v6 && lo <= other.hi && other.lo <= hi; }
    // "a.b.c.d-e.f.g.h" as netpol-analyzer prints ranges.
    std::string str() const;
    bool operator==(const IpRange&) const = default;
};

// "10.0.0.0/8", "fd00::/8"; nullopt when malformed (bad address, prefix out of range).
std::optional<IpRange> parse_cidr(std::string_view text);
// A single address "10.96.0.1" or "::1".
std::optional<IpRange> parse_ip(std::string_view text);
std::string format_ip(bool v6, u128 addr);

// `whole` minus every range in `holes`, as sorted disjoint ranges.
std::vector<IpRange> subtract(const IpRange& whole, const std::vector<IpRange>& holes);

}  // namespace preflight::analysis
