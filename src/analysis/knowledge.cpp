// The table of known Kubernetes API clients and how a container's argv is matched to it.
#include "preflight/analysis/knowledge.hpp"

#include <array>

namespace preflight::analysis {
namespace {

struct Entry {
    std::string_view program;     // basename of argv[0]
    std::string_view subcommand;  // required argv[1], or empty for any
    std::string_view reason;
};

// Argo CD's own binaries (every one but the repo server and the commit server watches or
// writes cluster objects) and general-purpose clients.
constexpr std::array k_api_clients = {
    Entry{"argocd", "admin", "`argocd admin` commands read and write cluster objects (Secrets, ConfigMaps) directly"},
    Entry{"argocd-server", "", "the Argo CD API server watches Applications, Secrets and ConfigMaps"},
    Entry{"argocd-application-controller", "", "the application controller watches and applies cluster state"},
    Entry{"argocd-applicationset-controller", "", "the ApplicationSet controller watches and writes Applications"},
    Entry{"argocd-notifications", "", "the notifications controller watches Applications and reads its Secret"},
    Entry{"argocd-notifications-controller", "", "the notifications controller watches Applications and reads its Secret"},
    Entry{"argocd-dex", "rundex", "argocd-dex reads argocd-cm and argocd-secret to configure Dex"},
    Entry{"argocd-k8s-auth", "", "argocd-k8s-auth requests tokens from the API server"},
    Entry{"kubectl", "", "kubectl talks to the API server"},
};

std::string_view basename(std::string_view s) {
    auto slash = s.rfind('/');
    return slash == std::string_view::npos ? s : s.substr(slash + 1);
}

// The program a simple command runs, past the words that only run another program: `exec`,
// `command`, `nohup`, `time`, `env [-i] [NAME=value]...`, `timeout [-s SIG] [-k T] DURATION`,
// `nice [-n N]` and leading NAME=value assignments (`exec kubectl get ...` runs kubectl).
std::size_t program_index(const std::vector<std::string>& argv) {
    std::size_t i = 0;
    auto assignment = [](const std::string& w) {
        auto eq = w.find('=');
        return eq != std::string::npos && eq > 0 && w.find('/') > eq;
    };
    while (i < argv.size()) {
        const auto& w = argv[i];
        auto name = basename(w);
        if (assignment(w) || name == "exec" || name == "command" || name == "nohup" || name == "time") {
            ++i;
        } else if (name == "env") {
            ++i;
            while (i < argv.size() && (argv[i].starts_with("-") || assignment(argv[i]))) ++i;
        } else if (name == "timeout") {
            ++i;
            while (i < argv.size() && argv[i].starts_with("-")) i += (argv[i] == "-s" || argv[i] == "-k") ? 2 : 1;
            ++i;  // the duration
        } else if (name == "nice") {
            ++i;
            while (i < argv.size() && argv[i].starts_with("-")) i += argv[i] == "-n" ? 2 : 1;
        } else {
            break;
        }
    }
    return i;
}

std::optional<ApiClientMatch> match_argv(const std::vector<std::string>& full, const std::string& invocation) {
    auto start = program_index(full);
    if (start >= full.size()) return std::nullopt;
    std::vector<std::string> argv(full.begin() + static_cast<std::ptrdiff_t>(start), full.end());
    auto program = basename(argv[0]);
    for (const auto& e : k_api_clients) {
        if (program != e.program) continue;
        if (!e.subcommand.empty() && (argv.size() < 2 || argv[1] != e.subcommand)) continue;
        std::string name(e.program);
        if (!e.subcommand.empty()) name += " " + std::string(e.subcommand);
        return ApiClientMatch{name, e.reason, invocation};
    }
    return std::nullopt;
}

// Splits a shell script into simple commands at ;, &&, || and |, then into words.
std::vector<std::vector<std::string>> script_commands(std::string_view script) {
    std::vector<std::vector<std::string>> out(1);
    std::string word;
    auto flush = [&] {
        if (!word.empty()) out.back().push_back(word);
        word.clear();
    };
    for (std::size_t i = 0; i < script.size(); ++i) {
        char c = script[i];
        if (c == ';' || c == '|' || c == '&' || c == '\n') {
            flush();
            if (!out.back().empty()) out.emplace_back();
        } else if (c == ' ' || c == '\t' || c == '"' || c == '\'') {
            flush();
        } else {
            word += c;
        }
    }
    flush();
    return out;
}

}  // namespace

std::string invocation_of(const model::Container& c) {
    std::string out;
    for (const auto* list : {&c.command, &c.args})
        for (const auto& w : *list) out += (out.empty() ? "" : " ") + w;
    return out;
}

std::optional<ApiClientMatch> known_api_client(const model::Container& c) {
    std::vector<std::string> argv = c.command;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    if (argv.empty()) return std::nullopt;  // image entrypoint unknown without pulling it
    auto invocation = invocation_of(c);
    if (auto m = match_argv(argv, invocation)) return m;
    auto shell = basename(argv[0]);
    if ((shell == "sh" || shell == "bash" || shell == "ash") && argv.size() >= 3 && argv[1] == "-c") {
        for (const auto& cmd : script_commands(argv[2]))
            if (auto m = match_argv(cmd, invocation)) return m;
    }
    return std::nullopt;
}

}  // namespace preflight::analysis
