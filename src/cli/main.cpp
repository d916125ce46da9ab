// Process entry point: the only place that turns the CLI's result into the exit status.
#include <csignal>
#include <iostream>

#include "preflight/cli/app.hpp"

int main(int argc, char** argv) {
    std::ios::sync_with_stdio(false);
    // A file-size limit (ulimit -f) must fail a write with EFBIG, which the writers report and
    // recover from, rather than kill the process half-way through a file.
    std::signal(SIGXFSZ, SIG_IGN);
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return preflight::cli::run(args, {std::cin, std::cout, std::cerr});
    } catch (const std::exception& e) {
        // A bug, not a verdict: say so, and never exit 0 or 1 for it.
        std::cerr << "argocd-preflight: internal error: " << e.what() << "\n";
        return 3;
    }
}
