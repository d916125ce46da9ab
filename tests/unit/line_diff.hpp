// How many lines two texts differ in, line by line (for "only the pin changed" checks).
#pragma once
#include <string>

namespace test {

inline int lines_differing(const std::string& a, const std::string& b) {
    int n = 0;
    std::size_t i = 0, j = 0;
    while (true) {
        auto ei = a.find('\n', i), ej = b.find('\n', j);
        if (a.substr(i, ei - i) != b.substr(j, ej - j)) ++n;
        if (ei == std::string::npos || ej == std::string::npos) break;
        i = ei + 1;
        j = ej + 1;
    }
    return n;
}

}  // namespace test
