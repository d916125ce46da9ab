// Error formatting and the error-kind -> exit-code table.
#include "preflight/util/error.hpp"

namespace preflight {

int exit_code_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::check_failed: return 1;
        case ErrorKind::usage: return 2;
        case ErrorKind::input: return 2;
        case ErrorKind::infrastructure: return 3;
        case ErrorKind::interrupted: return 130;
    }
    return 3;
}

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::usage: return "usage error";
        case ErrorKind::input: return "input error";
        case ErrorKind::infrastructure: return "infrastructure error";
        case ErrorKind::check_failed: return "check failed";
        case ErrorKind::interrupted: return "interrupted";
    }
    return "error";
}

std::string Error::describe() const {
    std::string out;
    for (auto it = context.rbegin(); it != context.rend(); ++it) {
        out += *it;
        out += ": ";
    }
    out += message;
    return out;
}

}  // namespace preflight
