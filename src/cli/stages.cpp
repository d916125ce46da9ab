// CLI plumbing shared by the commands (the stages themselves are in pipeline/).
#include "preflight/cli/stages.hpp"


#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <filesystem>

#include "preflight/model/manifest.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cli {


Result<analysis::ModelConfig> model_config(const GlobalOptions& g, const std::string& apiserver_endpoint) {
    analysis::ModelConfig config;
    config.default_ns = g.ns;
    config.api_server = analysis::kind_default_api_server();
    if (!apiserver_endpoint.empty()) {
        auto ep = analysis::parse_api_server_endpoint(apiserver_endpoint);
        if (!ep) return fail(ErrorKind::usage, "--apiserver-endpoint: expected IP:PORT, got '" + apiserver_endpoint + "'");
        config.api_server = *ep;
    }
    return config;
}

Result<void> load(const std::vector<std::string>& paths, const analysis::ModelConfig& config, unsigned jobs, Streams& s,
                  Loaded& out) {
    auto sources = read_sources(paths, s.in);
    if (!sources) return std::unexpected(sources.error());
    return pipeline::load_sources(std::move(*sources), config, jobs, out);
}

bool colour_wanted(const GlobalOptions& g) {
    return !g.no_color && std::getenv("NO_COLOR") == nullptr && g.output.empty() && ::isatty(STDOUT_FILENO);
}


Result<scenario::Scenario> load_scenario(const std::string& name_or_file, Streams& s) {
    for (const auto& shipped : scenario::shipped_scenarios())
        if (name_or_file == shipped.name) return scenario::parse_scenario(std::string("scenarios/") + shipped.name + ".yaml", shipped.text);
    if (!std::filesystem::exists(name_or_file)) {
        std::string names;
        for (const auto& shipped : scenario::shipped_scenarios()) names += (names.empty() ? "" : ", ") + std::string(shipped.name);
        return fail(ErrorKind::usage, "scenario '" + name_or_file + "' is neither a shipped scenario (" + names + ") nor a file");
    }
    auto sources = read_sources({name_or_file}, s.in);
    if (!sources) return std::unexpected(sources.error());
    return scenario::parse_scenario(sources->front().name, sources->front().text);
}

}  // namespace preflight::cli
