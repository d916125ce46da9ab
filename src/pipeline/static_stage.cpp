// The static stage: loading manifests into the model and engine, the checks, the report cases.
#include "preflight/pipeline/static_stage.hpp"
#include "preflight/revision/resolve.hpp"
#include "preflight/util/redactor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>

#include "preflight/analysis/api_versions.hpp"
#include "preflight/model/refs.hpp"
#include "preflight/util/text.hpp"

namespace preflight::pipeline {

namespace {

std::vector<analysis::Policy> parse_policies(const Loaded& l, const analysis::ModelConfig& config, std::vector<analysis::Problem>& problems) {
    std::vector<analysis::Policy> policies;
    for (const auto* obj : l.inventory.network_policies) policies.push_back(analysis::parse_policy(*obj, config.default_ns, problems));
    return policies;
}

}  // namespace

Result<void> load_sources(std::vector<SourceText> sources, const analysis::ModelConfig& config, unsigned jobs, Loaded& out) {
    model::ParseLimits limits;
    limits.threads = jobs;
    auto parsed = model::load_manifests(sources, limits, config.default_ns);
    if (!parsed) return std::unexpected(parsed.error());
    for (const auto& w : parsed->warnings) spdlog::warn("{}", w);
    out.objects = std::move(parsed->objects);
    out.inventory = model::build_inventory(out.objects, config.default_ns);
    // What the input marks as secret never reaches a report, a log or an artifact.
    for (const auto& v : secret_values(out.objects, out.inventory)) Redactor::global().add(v);
    std::vector<analysis::Problem> problems;
    auto policies = parse_policies(out, config, problems);
    if (!problems.empty()) {
        // Show each problem with its source line.
        std::vector<std::string> shown;
        for (const auto& p : problems) {
            auto src = std::find_if(sources.begin(), sources.end(), [&](const SourceText& t) { return t.name == p.file; });
            shown.push_back(src == sources.end() ? p.str()
                                                  : text::caret_excerpt(p.file, src->text, p.mark.line, p.mark.col,
                                                                        "invalid NetworkPolicy: " + p.message));
        }
        return fail(ErrorKind::input, text::join(shown, "\n"));
    }
    spdlog::debug("{} objects, {} workloads, {} network policies", out.objects.size(), out.inventory.workloads.size(), policies.size());
    auto endpoints = analysis::build_endpoints(out.inventory, policies, config);
    out.engine = std::make_unique<analysis::Engine>(std::move(policies), std::move(endpoints));
    return {};
}

void rebuild_engine(Loaded& l, const analysis::ModelConfig& config) {
    std::vector<analysis::Problem> problems;  // the same policies parsed cleanly before
    auto policies = parse_policies(l, config, problems);
    auto endpoints = analysis::build_endpoints(l.inventory, policies, config);
    l.engine = std::make_unique<analysis::Engine>(std::move(policies), std::move(endpoints));
}

std::optional<std::string> kube_minor_text(const std::string& kube_version) {
    auto minor = model::parse_kube_minor(kube_version);
    if (!minor) return std::nullopt;
    return "1." + std::to_string(*minor);
}

Result<analysis::Analysis> analyze(const Loaded& candidate, const Loaded* baseline, const analysis::ModelConfig& config,
                                   const std::string& kube_version) {
    auto result = analysis::analyze(candidate.inventory, *candidate.engine, config, baseline ? &baseline->inventory : nullptr,
                                    baseline ? baseline->engine.get() : nullptr);
    result.results.insert(result.results.end(), candidate.source_results.begin(), candidate.source_results.end());
    if (kube_version.empty()) return result;
    auto minor = model::parse_kube_minor(kube_version);
    if (!minor) return fail(ErrorKind::usage, "--kube-version: expected a Kubernetes version such as 1.33, got '" + kube_version + "'");
    auto extra = analysis::check_api_versions(candidate.objects, *minor);
    result.results.insert(result.results.end(), extra.begin(), extra.end());
    return result;
}

std::string finding_detail(const analysis::Finding& f) {
    std::string out = "[" + f.id + (f.severity == analysis::Severity::error ? " error" : " warning") + "] " + f.title + "\n" +
                      f.explanation;
    if (!f.remediation.empty()) out += "\nFix: " + f.remediation;
    if (!f.locations.empty()) {
        out += "\nObjects:";
        for (const auto& l : f.locations) out += "\n  " + l;
    }
    return out;
}

void add_static_cases(const analysis::Analysis& result, report::Suite& suite, std::int64_t started) {
    for (const auto& r : result.results) {
        report::Case c;
        c.name = std::string(analysis::to_string(r.check)) + ": " + r.subject;
        c.classname = r.check == analysis::CheckId::baseline_regression ? "baseline" : "static." + std::string(analysis::to_string(r.check));
        c.outcome = r.passed ? report::Outcome::passed : report::Outcome::failed;
        c.message = r.message;
        c.start_ms = started;
        if (r.finding) {
            if (!r.finding->sites.empty()) {
                const auto& site = r.finding->sites.front();
                c.location = report::Location{site.file, site.line, site.col};
            }
            c.detail = finding_detail(*r.finding);
            c.evidence.push_back({"finding " + r.finding->id, c.detail});
            if (r.passed) {
                c.message = "warning: " + r.message;
                spdlog::warn("{}", r.finding->title);
            }
        }
        suite.add(std::move(c));
    }
    if (result.results.empty()) {
        report::Case c{"no checks applied", "static"};
        c.message = "no workload in the input calls the API server, uses Redis or needs DNS under a policy";
        suite.add(std::move(c));
    }
}

namespace {

// A literal value worth masking: long enough to be a credential and not an ordinary word
// (masking "false" or a path everywhere would shred the reports without hiding anything).
bool worth_masking(std::string_view v) {
    if (v.size() < 6 || v.front() == '/') return false;
    auto lower = text::lower(v);
    if (lower == "false" || lower == "true" || lower == "enabled" || lower == "disabled") return false;
    return !std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool credential_name(std::string_view name) {
    static const std::regex k_credential("(pass|secret|token|credential|apikey|api_key|private)", std::regex::icase);
    return std::regex_search(name.begin(), name.end(), k_credential);
}

// Credentials written into containers: env values under a credential-like name, `--password=x`
// and `--token x` arguments, and the userinfo of URLs in env values, args and commands.
void container_secrets(const model::Container& c, std::vector<std::string>& out) {
    auto urls = [&](const std::string& s) {
        for (auto at = s.find("://"); at != std::string::npos; at = s.find("://", at + 3)) {
            auto end = s.find_first_of(" \t\"'", at);
            for (auto& secret : revision::source_secrets(s.substr(0, end == std::string::npos ? std::string::npos : end)))
                out.push_back(std::move(secret));
        }
    };
    for (const auto& e : c.env) {
        if (credential_name(e.name) && worth_masking(e.value)) out.push_back(e.value);
        urls(e.value);
    }
    std::vector<std::string> argv = c.command;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const auto& a = argv[i];
        urls(a);
        if (!a.starts_with("-")) continue;
        auto eq = a.find('=');
        if (!credential_name(a.substr(0, eq))) continue;
        std::string value = eq != std::string::npos ? a.substr(eq + 1) : i + 1 < argv.size() ? argv[i + 1] : std::string();
        if (worth_masking(value) && !value.starts_with("-")) out.push_back(value);
    }
}

}  // namespace

std::vector<std::string> secret_values(const std::vector<model::Object>& objects, const model::Inventory& inventory) {
    std::vector<std::string> out;
    for (const auto& w : inventory.workloads)
        for (const auto& c : w.pod.containers) container_secrets(c, out);
    for (const auto& o : objects) {
        if (o.kind != "Secret") continue;
        for (const char* field : {"data", "stringData"}) {
            const auto& m = o.body[field];
            if (!m.is_mapping()) continue;
            for (const auto& [key, v] : m.entries) {
                if (!v.is_scalar()) continue;
                std::string value(v.str());
                if (value.empty()) continue;
                if (std::string_view(field) == "data")
                    if (auto decoded = text::base64_decode(value)) out.push_back(*decoded);
                out.push_back(std::move(value));
            }
        }
    }
    return out;
}

std::vector<std::string> secret_values(const std::vector<model::Object>& objects) {
    return secret_values(objects, model::build_inventory(objects, ""));
}

}  // namespace preflight::pipeline
