// helm template as the renderer of chart candidates.
#include "preflight/source/chart.hpp"

#include <filesystem>
#include <regex>

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

Result<Fetched> from_chart(proc::Runner& runner, const ChartSpec& spec, std::chrono::seconds timeout) {
    if (auto v = validate(spec); !v) return std::unexpected(v.error());
    proc::Command cmd{helm_template_args(spec), timeout};
    cmd.max_output = 256u << 20;
    Fetched out;
    out.label = "chart " + spec.chart + (spec.version.empty() ? "" : " " + spec.version);
    if (!spec.values.empty()) out.label += " with " + text::join(spec.values, ", ");
    auto ran = runner.run(cmd);
    if (!ran) {  // helm missing or not startable: this machine's problem (exit 3)
        auto e = ran.error();
        if (!proc::find_program("helm")) e.message += " (helm renders --chart: install helm 3 and put it on PATH)";
        return std::unexpected(e.with_context("rendering " + out.label));
    }
    bool refused = !ran->timed_out && ran->exit_code != 0;
    auto r = proc::check(cmd, std::move(ran));
    if (!r) {
        auto e = r.error();
        // helm ran and refused the chart or its values (it names the file): the input's problem.
        if (refused) e.kind = ErrorKind::input;
        return std::unexpected(e.with_context("rendering " + out.label));
    }
    if (text::trim(r->out).empty()) return fail(ErrorKind::input, out.label + ": helm rendered no objects");
    out.sources.push_back(SourceText{out.label + " (helm template)", std::move(r->out)});
    // No pin: `promote` moves git revisions, and a chart version is not one (it never offers
    // a chart version as a targetRevision).
    return out;
}

}  // namespace preflight::source
