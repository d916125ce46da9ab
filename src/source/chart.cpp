// helm template as the renderer of chart candidates.
#include "preflight/source/chart.hpp"

#include <filesystem>
#include <regex>

#include "preflight/model/manifest.hpp"
#include "preflight/util/text.hpp"

namespace preflight::source {
namespace fs = std::filesystem;

Result<void> validate(const ChartSpec& spec) {
    if (spec.chart.empty()) return fail(ErrorKind::usage, "--chart: empty");
    if (spec.chart.front() == '-') return fail(ErrorKind::usage, "--chart '" + spec.chart + "': must not start with '-'");
    // helm's own rule for release names (DNS-1123 label, at most 53 characters).
    static const std::regex release_name("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    if (spec.release.size() > 53 || !std::regex_match(spec.release, release_name))
        return fail(ErrorKind::usage, "--release '" + spec.release + "': a release name is lower-case letters, digits and '-', at most 53");
    if (spec.repo.empty()) {
        if (!spec.version.empty()) return fail(ErrorKind::usage, "--chart-version needs --chart-repo (a local chart's version is its Chart.yaml)");
        std::error_code ec;
        if (!fs::exists(spec.chart, ec)) return fail(ErrorKind::usage, "--chart " + spec.chart + ": no such chart directory or archive");
    } else {
        if (spec.version.empty())
            return fail(ErrorKind::usage, "--chart-repo needs --chart-version: the chart version is what a passing run pins");
        if (spec.version.front() == '-' || spec.repo.front() == '-') return fail(ErrorKind::usage, "--chart-repo/--chart-version must not start with '-'");
    }
    for (const auto& f : spec.values) {
        std::error_code ec;
        auto st = fs::status(f, ec);
        if (ec || !fs::is_regular_file(st)) return fail(ErrorKind::usage, "--values " + f + ": not a readable file");
    }
    for (const auto& s : spec.set)
        if (s.find('=') == std::string::npos || s.front() == '=')
            return fail(ErrorKind::usage, "--set '" + s + "': expected KEY=VALUE (as helm --set)");
    return {};
}

std::vector<std::string> secret_set_values(const ChartSpec& spec) {
    static const std::regex credential("(pass|secret|token|key|auth|credential|cert)", std::regex::icase);
    std::vector<std::string> out;
    for (const auto& s : spec.set) {
        auto eq = s.find('=');
        if (eq == std::string::npos || eq + 1 >= s.size()) continue;
        if (std::regex_search(s.substr(0, eq), credential)) out.push_back(s.substr(eq + 1));
    }
    return out;
}

std::vector<std::string> helm_template_args(const ChartSpec& spec) {
    std::vector<std::string> a{"helm", "template", spec.release, spec.chart, "--namespace", spec.ns, "--include-crds"};
    if (!spec.kube_version.empty()) a.insert(a.end(), {"--kube-version", spec.kube_version});
    if (!spec.repo.empty()) a.insert(a.end(), {"--repo", spec.repo, "--version", spec.version});
    for (const auto& f : spec.values) a.insert(a.end(), {"--values", f});
    for (const auto& s : spec.set) a.insert(a.end(), {"--set", s});
    return a;
}

std::vector<std::string> helm_show_chart_args(const ChartSpec& spec) {
    std::vector<std::string> a{"helm", "show", "chart", spec.chart};
    if (!spec.repo.empty()) a.insert(a.end(), {"--repo", spec.repo});
    if (!spec.version.empty()) a.insert(a.end(), {"--version", spec.version});
    return a;
}

Result<ChartMeta> parse_chart_meta(std::string_view label, std::string_view chart_yaml) {
    auto docs = model::parse_documents(label, chart_yaml);
    if (!docs) return std::unexpected(docs.error());
    if (docs->empty() || !(*docs)[0].is_mapping()) return fail(ErrorKind::input, std::string(label) + ": not a Chart.yaml (no mapping)");
    const auto& doc = (*docs)[0];
    ChartMeta m{std::string(doc["name"].str()), std::string(doc["version"].str()), std::string(doc["appVersion"].str()),
                std::string(doc["kubeVersion"].str())};
    if (m.name.empty() || m.version.empty()) return fail(ErrorKind::input, std::string(label) + ": a Chart.yaml names its name and version");
    static const std::regex version("^[0-9A-Za-z][0-9A-Za-z.+-]{0,127}$");
    if (!std::regex_match(m.version, version))
        return fail(ErrorKind::input, std::string(label) + ": chart version '" + m.version.substr(0, 80) + "' is not a version a file can pin");
    static const std::regex name("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,62})$");  // helm refuses path separators; case is free
    if (!std::regex_match(m.name, name)) return fail(ErrorKind::input, std::string(label) + ": chart name '" + m.name.substr(0, 80) + "' is not a chart name");
    return m;
}

namespace {
// Runs helm; a failure to start is this machine's problem (exit 3), a refusal the input's (2).
Result<std::string> run_helm(proc::Runner& runner, proc::Command cmd, const std::string& what) {
    auto ran = runner.run(cmd);
    if (!ran) {
        auto e = ran.error();
        if (!proc::find_program("helm")) e.message += " (helm renders --chart: install helm 3 and put it on PATH)";
        return std::unexpected(e.with_context(what));
    }
    bool refused = !ran->timed_out && ran->exit_code != 0;
    auto r = proc::check(cmd, std::move(ran));
    if (!r) {
        auto e = r.error();
        // helm ran and refused the chart, its version or its values (it names the file).
        if (refused) e.kind = ErrorKind::input;
        return std::unexpected(e.with_context(what));
    }
    return std::move(r->out);
}
}  // namespace

Result<ChartMeta> chart_meta(proc::Runner& runner, const ChartSpec& spec, std::chrono::seconds timeout) {
    if (spec.chart.empty() || spec.chart.front() == '-' || (!spec.repo.empty() && spec.repo.front() == '-') ||
        (!spec.version.empty() && spec.version.front() == '-'))
        return fail(ErrorKind::usage, "--chart, --chart-repo and --chart-version must not be empty or start with '-'");
    std::string what = "reading chart " + spec.chart + (spec.version.empty() ? "" : " " + spec.version);
    auto out = run_helm(runner, proc::Command{helm_show_chart_args(spec), timeout}, what);
    if (!out) return std::unexpected(out.error());
    return parse_chart_meta("Chart.yaml of " + spec.chart, *out);
}

Result<Fetched> from_chart(proc::Runner& runner, const ChartSpec& given, std::chrono::seconds timeout) {
    if (auto v = validate(given); !v) return std::unexpected(v.error());
    auto meta = chart_meta(runner, given, timeout);
    if (!meta) return std::unexpected(meta.error());
    ChartSpec spec = given;
    if (!spec.repo.empty()) spec.version = meta->version;  // render exactly what was resolved
    proc::Command cmd{helm_template_args(spec), timeout};
    cmd.max_output = 256u << 20;
    Fetched out;
    out.label = "chart " + meta->name + " " + meta->version + (spec.repo.empty() ? " (" + spec.chart + ")" : "");
    if (!spec.values.empty()) out.label += " with " + text::join(spec.values, ", ");
    auto rendered = run_helm(runner, cmd, "rendering " + out.label);
    if (!rendered && !spec.kube_version.empty() && !meta->kube_version.empty() &&
        rendered.error().message.find("incompatible with Kubernetes") != std::string::npos) {
        // The chart's kubeVersion excludes the target: a finding for the caller; the rest of the
        // chart is still worth analysing, rendered for helm's default version.
        auto msg = rendered.error().message;
        auto at = msg.find("chart requires kubeVersion");
        auto end = at == std::string::npos ? std::string::npos : msg.find('\n', at);
        out.kube_version_refused = at == std::string::npos ? msg : msg.substr(at, end == std::string::npos ? end : end - at);
        out.chart_kube_version = meta->kube_version;
        ChartSpec fallback = spec;
        fallback.kube_version.clear();
        proc::Command again{helm_template_args(fallback), timeout};
        again.max_output = cmd.max_output;
        rendered = run_helm(runner, again, "rendering " + out.label);
    }
    if (!rendered) return std::unexpected(rendered.error());
    if (text::trim(*rendered).empty()) return fail(ErrorKind::input, out.label + ": helm rendered no objects");
    out.sources.push_back(SourceText{out.label + " (helm template)", std::move(*rendered)});
    // The pin is the chart's version (promote moves it only where a file pins this chart).
    out.pin = meta->version;
    out.pin_chart = meta->name;
    out.pin_repo = spec.repo;
    return out;
}

}  // namespace preflight::source
