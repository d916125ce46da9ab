// CLI plumbing shared by the commands (the stages themselves are in pipeline/).
#include "preflight/cli/stages.hpp"


#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <filesystem>
#include <sstream>

#include "preflight/analysis/api_versions.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/model/refs.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/redactor.hpp"
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

Result<source::Fetched> render_chart(const ChartOptions& c, const GlobalOptions& g, const std::string& kube_version,
                                     const std::string& keep_dir) {
    source::ChartSpec spec;
    spec.chart = c.chart;
    spec.repo = c.repo;
    spec.version = c.version;
    spec.values = c.values;
    spec.set = c.set;
    spec.release = c.release;
    spec.ns = g.ns;
    if (!kube_version.empty()) {
        auto minor = pipeline::kube_minor_text(kube_version);
        if (!minor) return fail(ErrorKind::usage, "--kube-version: expected MAJOR.MINOR, got '" + kube_version + "'");
        spec.kube_version = *minor;
    }
    // Credentials given with --set or in the repository URL are masked before helm's command
    // line reaches any log.
    for (const auto& v : source::secret_set_values(spec)) Redactor::global().add(v);
    for (const auto& v : revision::source_secrets(spec.repo)) Redactor::global().add(v);
    proc::ProcessRunner runner;
    auto rendered = source::from_chart(runner, spec, std::chrono::seconds(120));
    if (!rendered) return rendered;
    // The rendered Secrets' values are secrets from here on (logs, reports, the kept copy).
    // Parsed only (no policy engine): the caller loads the rendering for the analysis itself.
    if (auto parsed = model::load_manifests(rendered->sources))
        for (const auto& v : pipeline::secret_values(parsed->objects)) Redactor::global().add(v);
    if (!keep_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(keep_dir, ec);
        auto path = keep_dir + "/rendered-chart.yaml";
        if (auto w = write_file_atomic(path, Redactor::global().redact(rendered->sources.front().text)); !w)
            return std::unexpected(w.error().with_context("keeping the rendered chart"));
        spdlog::info("rendered chart kept in {}", path);
    }
    return rendered;
}

std::optional<analysis::CheckResult> chart_kube_version_finding(const source::Fetched& rendered, const ChartOptions& c,
                                                                const std::string& kube_version) {
    if (rendered.kube_version_refused.empty()) return std::nullopt;
    auto minor = model::parse_kube_minor(kube_version);
    if (!minor) return std::nullopt;
    model::SourceRef site;
    std::error_code ec;
    if (std::filesystem::is_directory(c.chart, ec)) {
        auto path = (std::filesystem::path(c.chart) / "Chart.yaml").string();
        std::istringstream none;
        if (auto read = read_sources({path}, none); read && !read->empty()) {
            auto lines = text::split(read->front().text, '\n');
            for (std::size_t i = 0; i < lines.size(); ++i)
                if (lines[i].starts_with("kubeVersion:")) {
                    auto value = lines[i].find_first_not_of(' ', 12);
                    site = {path, static_cast<int>(i + 1), static_cast<int>(value == std::string_view::npos ? 1 : value + 1)};
                    break;
                }
        }
    }
    return analysis::chart_kube_version_result(rendered.pin_chart + " " + rendered.pin, rendered.chart_kube_version, *minor,
                                               rendered.kube_version_refused, site);
}

}  // namespace preflight::cli
