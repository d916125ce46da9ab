// The table of known Kubernetes API clients and how a container's argv is matched to it.
#include "preflight/analysis/knowledge.hpp"

#include <array>

#include "preflight/analysis/shell.hpp"
#include "preflight/model/refs.hpp"

namespace preflight::analysis {
namespace {

struct Entry {
    std::string_view program;     // basename of argv[0]
    std::string_view subcommand;  // required argv[1], or empty for any
    std::string_view reason;
    bool api_argument = false;    // a client only when an argument names the API server
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
    Entry{"oc", "", "oc (the OpenShift client) talks to the API server"},
    Entry{"helm", "", "helm reads and writes releases and their objects through the API server"},
    Entry{"curl", "", "it sends HTTP requests to the API server (an argument names it)", true},
    Entry{"wget", "", "it sends HTTP requests to the API server (an argument names it)", true},
};

// Words by which a script or an argument addresses the API server from inside a pod: the
// in-cluster Service name and the variables the kubelet injects into every container.
constexpr std::array k_api_server_words = {"kubernetes.default", "KUBERNETES_SERVICE_HOST", "KUBERNETES_PORT"};

// Images whose entrypoint is an API client, for containers that give only `args:` (the
// entrypoint is not in the manifest). Sources: each image's published Dockerfile.
struct ImageEntrypoint {
    std::string_view repository;  // without registry (docker.io, library/) and tag
    std::string_view program;
};
constexpr std::array k_image_entrypoints = {
    ImageEntrypoint{"bitnami/kubectl", "kubectl"},             // bitnami/containers: ENTRYPOINT [ "kubectl" ]
    ImageEntrypoint{"kubectl", "kubectl"},                     // registry.k8s.io/kubectl: ENTRYPOINT ["/bin/kubectl"]
    ImageEntrypoint{"rancher/kubectl", "kubectl"},             // rancher/kubectl: ENTRYPOINT ["kubectl"]
    ImageEntrypoint{"lachlanevenson/k8s-kubectl", "kubectl"},  // ENTRYPOINT ["kubectl"]
    ImageEntrypoint{"alpine/helm", "helm"},                    // alpine/helm: ENTRYPOINT ["helm"]
    ImageEntrypoint{"curlimages/curl", "curl"},                // curl-container: entrypoint.sh runs curl "$@"
};

std::string_view basename(std::string_view s) {
    auto slash = s.rfind('/');
    return slash == std::string_view::npos ? s : s.substr(slash + 1);
}

// "registry.k8s.io/kubectl:v1.33@sha256:..." -> "kubectl"; "docker.io/library/x" -> "x": the
// repository as model::parse_image_ref reads it, without its registry host.
std::string repository_of(std::string_view image) {
    std::string repo = model::parse_image_ref(image).repository;
    if (auto slash = repo.find('/'); slash != std::string::npos) {
        auto host = repo.substr(0, slash);  // a registry host has a dot, a port or is localhost
        if (host.find('.') != std::string::npos || host.find(':') != std::string::npos || host == "localhost") repo.erase(0, slash + 1);
    }
    if (repo.starts_with("library/")) repo.erase(0, 8);
    return repo;
}

// The program a simple command runs, past the words that only run another program: `exec`,
// `command`, `nohup`, `time`, `sudo`, `env [-i] [NAME=value]...`, `timeout [-s SIG] [-k T]
// DURATION`, `nice [-n N]`, `tini [-s] [--]`, `dumb-init [--]` and leading NAME=value
// assignments (`exec kubectl get ...` runs kubectl).
std::size_t program_index(const std::vector<std::string>& argv) {
    std::size_t i = 0;
    auto assignment = [](const std::string& w) {
        auto eq = w.find('=');
        return eq != std::string::npos && eq > 0 && w.find('/') > eq && w[0] != '-';
    };
    while (i < argv.size()) {
        const auto& w = argv[i];
        auto name = basename(w);
        if (assignment(w) || name == "exec" || name == "command" || name == "nohup" || name == "time" || name == "sudo") {
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
        } else if (name == "tini" || name == "dumb-init") {
            ++i;
            while (i < argv.size() && argv[i].starts_with("-")) {
                bool end = argv[i] == "--";
                ++i;
                if (end) break;
            }
        } else {
            break;
        }
    }
    return i;
}

bool names_api_server(const std::vector<std::string>& argv) {
    for (std::size_t i = 1; i < argv.size(); ++i)
        for (const char* word : k_api_server_words)
            if (argv[i].find(word) != std::string::npos) return true;
    return false;
}

std::optional<ApiClientMatch> match_table(const std::vector<std::string>& argv, const std::string& invocation) {
    auto program = basename(argv[0]);
    for (const auto& e : k_api_clients) {
        if (program != e.program) continue;
        if (!e.subcommand.empty() && (argv.size() < 2 || argv[1] != e.subcommand)) continue;
        if (e.api_argument && !names_api_server(argv)) continue;
        std::string name(e.program);
        if (!e.subcommand.empty()) name += " " + std::string(e.subcommand);
        return ApiClientMatch{name, e.reason, invocation};
    }
    return std::nullopt;
}

// `full` as one simple command: the program it runs (past wrappers) in the table, or a shell
// running a command string whose commands (read by shell_commands) hold one. `depth` bounds
// shells within shells.
std::optional<ApiClientMatch> match_command(const std::vector<std::string>& full, const std::string& invocation, int depth) {
    auto start = program_index(full);
    if (start >= full.size()) return std::nullopt;
    std::vector<std::string> argv(full.begin() + static_cast<std::ptrdiff_t>(start), full.end());
    if (auto m = match_table(argv, invocation)) return m;
    if (depth <= 0) return std::nullopt;
    if (auto script = shell_script(argv))
        for (const auto& cmd : shell_commands(*script))
            if (auto m = match_command(cmd, invocation, depth - 1)) return m;
    return std::nullopt;
}

}  // namespace

std::string invocation_of(const model::Container& c) {
    std::string out;
    for (const auto* list : {&c.command, &c.args})
        for (const auto& w : *list) out += (out.empty() ? "" : " ") + w;
    return out;
}

std::optional<ApiClientMatch> known_api_client(const model::Container& c) {
    constexpr int k_shell_depth = 4;
    std::vector<std::string> argv = c.command;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto invocation = invocation_of(c);
    if (!argv.empty())
        if (auto m = match_command(argv, invocation, k_shell_depth)) return m;
    // Without `command:` the image's entrypoint runs `args:`; known for the images in the table
    // (others would need the image pulled). Args that themselves start with a program were
    // matched above.
    if (!c.command.empty()) return std::nullopt;
    auto repository = repository_of(c.image);
    for (const auto& e : k_image_entrypoints) {
        if (repository != e.repository) continue;
        std::vector<std::string> with_entrypoint{std::string(e.program)};
        with_entrypoint.insert(with_entrypoint.end(), c.args.begin(), c.args.end());
        if (invocation.empty()) invocation = std::string(e.program) + " (the image's entrypoint)";
        else invocation = std::string(e.program) + " (the image's entrypoint) " + invocation;
        return match_command(with_entrypoint, invocation, k_shell_depth);
    }
    return std::nullopt;
}

}  // namespace preflight::analysis
