// Error and Result: how every fallible function reports failure (house style, "Errors").
#pragma once
#include <expected>
#include <string>
#include <vector>

namespace preflight {

enum class ErrorKind { usage, input, infrastructure, check_failed, interrupted };

// Exit code for an error of `kind`, as documented in README and --help.
int exit_code_for(ErrorKind kind);
const char* to_string(ErrorKind kind);

struct Error {
    ErrorKind kind = ErrorKind::input;
    std::string message;
    std::vector<std::string> context;  // outermost last, added by each layer on the way up

    // Adds "what we were doing" to the chain and returns *this for chaining.
    Error& with_context(std::string what) {
        context.push_back(std::move(what));
        return *this;
    }
    // "outer: inner: message".
    std::string describe() const;
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
    return std::unexpected<Error>(Error{kind, std::move(message), {}});
}

}  // namespace preflight
