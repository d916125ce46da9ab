// SHA-256 (FIPS 180-4) of bytes, as lowercase hex: the digest a report records of the manifests
// it proved, so reports of one candidate can be told from reports of another.
#pragma once
#include <string>
#include <string_view>

namespace preflight {

// The SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace preflight
