// Splicing one scalar at its source position, so comments, order and formatting stay.
#include "preflight/promote/pin.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <filesystem>
#include <regex>

#include "preflight/model/manifest.hpp"
#include "preflight/util/text.hpp"

namespace preflight::promote {
namespace {

std::string normalize(std::string_view url) {
    std::string u(url);
    for (const char* scheme : {"https://", "http://", "ssh://", "git://", "oci://"})
        if (u.starts_with(scheme)) u = u.substr(std::string_view(scheme).size());
    if (auto at = u.find('@'); at != std::string::npos && at < u.find('/')) u = u.substr(at + 1);  // git@host:org/repo
    if (auto colon = u.find(':'); colon != std::string::npos && colon < u.find('/')) u[colon] = '/';
    while (!u.empty() && u.back() == '/') u.pop_back();
    if (u.ends_with(".git")) u.resize(u.size() - 4);
    auto slash = u.find('/');
    std::transform(u.begin(), u.begin() + static_cast<long>(slash == std::string::npos ? u.size() : slash), u.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return u;
}

// Byte offset of 1-based (line, col) in `text`, or npos.
std::size_t offset_of(std::string_view text, int line, int col) {
    std::size_t pos = 0;
    for (int l = 1; l < line; ++l) {
        pos = text.find('\n', pos);
        if (pos == std::string_view::npos) return pos;
        ++pos;
    }
    return pos + static_cast<std::size_t>(col - 1);
}

struct Splice {
    std::size_t begin = 0, end = 0;  // the scalar's characters, without quotes
    std::string replacement;         // the value as it reads
    std::string written;             // as spliced: quoted when a plain scalar needs it
    Change change;
    int col = 0;                     // the scalar's column (its mark)
};

// The characters of scalar `v` as written: [begin, end) without quotes; Error when it is not
// written on one line as its value reads (block scalars, escapes, folding).
Result<std::pair<std::size_t, std::size_t>> locate(std::string_view file, std::string_view text, const model::Value& v) {
    auto pos = offset_of(text, v.mark.line, v.mark.col);
    auto bad = [&] {
        return fail(ErrorKind::input, std::string(file) + ":" + std::to_string(v.mark.line) + ":" + std::to_string(v.mark.col) +
                                          ": cannot rewrite this value in place (write it as a plain or quoted scalar on one line)");
    };
    if (pos == std::string_view::npos || pos >= text.size()) return bad();
    std::size_t begin = pos;
    if (text[pos] == '"' || text[pos] == '\'') ++begin;
    if (text.substr(begin, v.scalar.size()) != v.scalar) return bad();
    return std::pair{begin, begin + v.scalar.size()};
}

// A kustomization resource URL read against the source: not into it, into it with its revision
// rewritten, or into it with no revision to rewrite (it floats on the default branch).
struct RemoteUrl {
    enum class Into { no, pinned, floating } into = Into::no;
    std::string rewritten;
};

// Kustomize's remote target forms (api/internal/git/repospec.go): `host/org/repo//path`,
// `host/org/repo.git//path`, `host/org/repo.git/path`, or `host/org/repo/path` (GitHub), then
// `?ref=` or its older spelling `?version=` among the query parameters; and raw file URLs
// `raw.githubusercontent.com/org/repo/REV/path`.
RemoteUrl repin_url(std::string_view url, std::string_view source, std::string_view revision) {
    auto repo = normalize(source);  // host/org/repo
    std::string u(url);
    std::string base = u.substr(0, u.find('?'));
    std::string query = base.size() < u.size() ? u.substr(base.size() + 1) : std::string();
    constexpr std::string_view raw = "raw.githubusercontent.com/";
    if (auto r = base.find(raw); r != std::string::npos) {
        auto parts = text::split(base.substr(r + raw.size()), '/');  // org/repo/REV/path
        if (parts.size() < 4 || normalize("github.com/" + std::string(parts[0]) + "/" + std::string(parts[1])) != repo) return {};
        std::string out = u.substr(0, r + raw.size()) + std::string(parts[0]) + "/" + std::string(parts[1]) + "/" + std::string(revision);
        for (std::size_t i = 3; i < parts.size(); ++i) out += "/" + std::string(parts[i]);
        return {RemoteUrl::Into::pinned, out + (query.empty() ? "" : "?" + query)};
    }
    // The repository part: before `//` (past the scheme's), else up to `.git`, else the whole.
    auto scheme = base.find("://");
    auto from = scheme == std::string::npos ? 0 : scheme + 3;
    std::string repo_part = base;
    if (auto dbl = base.find("//", from); dbl != std::string::npos) repo_part = base.substr(0, dbl);
    else if (auto git = base.find(".git/", from); git != std::string::npos) repo_part = base.substr(0, git + 4);
    auto n = normalize(repo_part);
    bool into = n == repo || (repo_part == base && n.starts_with(repo + "/"));
    if (!into) return {};
    // The ref parameter, `ref=` or `version=`; rewritten in place, other parameters kept.
    std::size_t at = 0;
    while (at <= query.size()) {
        auto end = query.find('&', at);
        if (end == std::string::npos) end = query.size();
        auto param = query.substr(at, end - at);
        for (std::string_view key : {"ref=", "version="})
            if (param.starts_with(key)) {
                std::size_t value = base.size() + 1 + at + key.size();
                return {RemoteUrl::Into::pinned, u.substr(0, value) + std::string(revision) + u.substr(base.size() + 1 + end)};
            }
        at = end + 1;
    }
    return {RemoteUrl::Into::floating, ""};
}

// A plain scalar that YAML (1.1 as kubectl and Argo CD read it, or 1.2) would not take as a
// string: it must be quoted when spliced in where a plain scalar stood.
bool plain_would_not_be_string(std::string_view v) {
    if (v.empty()) return true;
    // A version with three numeric parts (6.10.2, 2.11.2-rc.1, 1.0.0+build) is no number in
    // any YAML schema (the float forms allow one dot) and stays plain, as chart versions are
    // usually written.
    static const std::regex three_part("^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.+-]*)?$");
    if (std::regex_match(v.begin(), v.end(), three_part)) return false;
    std::string lower = text::lower(v);
    for (const char* word : {"~", "null", "y", "yes", "n", "no", "true", "false", "on", "off", ".inf", "-.inf", "+.inf", ".nan"})
        if (lower == word) return true;
    // Numbers in any base or form, and anything starting like one, are quoted: `1.10` is a float,
    // `0x1f` and `010` integers, `1_000` and `1:20` YAML 1.1 integers.
    char c0 = v.front();
    if (std::isdigit(static_cast<unsigned char>(c0)) || c0 == '-' || c0 == '+' || c0 == '.') return true;
    return std::string_view("!&*{}[]|>'\"%@`#,?:").find(c0) != std::string_view::npos;
}

bool same_tree(const model::Value& a, const model::Value& b, const std::vector<Splice>& splices, std::string& why) {
    for (const auto& s : splices)
        if (a.mark.line == s.change.line && a.mark.col == s.col) {
            if (!b.is_scalar() || b.scalar != s.replacement) {
                why = "line " + std::to_string(a.mark.line) + " does not read back as " + s.replacement;
                return false;
            }
            if (b.plain && plain_would_not_be_string(b.scalar)) {
                why = "line " + std::to_string(a.mark.line) + " would not read back as a string";
                return false;
            }
            return true;
        }
    if (a.type != b.type || a.scalar != b.scalar || a.plain != b.plain || a.items.size() != b.items.size() ||
        a.entries.size() != b.entries.size()) {
        why = "the value at line " + std::to_string(a.mark.line) + " would change";
        return false;
    }
    for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!same_tree(a.items[i], b.items[i], splices, why)) return false;
    for (std::size_t i = 0; i < a.entries.size(); ++i) {
        if (a.entries[i].first != b.entries[i].first) {
            why = "the key at line " + std::to_string(a.entries[i].second.mark.line) + " would change";
            return false;
        }
        if (!same_tree(a.entries[i].second, b.entries[i].second, splices, why)) return false;
    }
    return true;
}

}  // namespace

bool same_repository(std::string_view a, std::string_view b) { return normalize(a) == normalize(b); }

namespace {
std::vector<Target::HelmRepository> repositories_in(const std::vector<model::Value>& docs) {
    std::vector<Target::HelmRepository> out;
    for (const auto& d : docs)
        if (d["kind"].str() == "HelmRepository" && d["apiVersion"].str().starts_with("source.toolkit.fluxcd.io/"))
            out.push_back({std::string(d.at_path({"metadata", "name"}).str()), std::string(d.at_path({"metadata", "namespace"}).str()),
                           std::string(d.at_path({"spec", "url"}).str())});
    return out;
}
}  // namespace

std::vector<Target::HelmRepository> helm_repositories(std::string_view file, std::string_view text) {
    auto docs = model::parse_documents(file, text);
    return docs ? repositories_in(*docs) : std::vector<Target::HelmRepository>{};
}

Result<void> check_revision(std::string_view r) {
    auto bad = [&](const std::string& why) {
        std::string shown;
        for (char c : r.substr(0, 80)) shown += std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : "\\x" + std::to_string(static_cast<unsigned char>(c));
        return fail(ErrorKind::input, "revision '" + shown + "' cannot be pinned: " + why);
    };
    if (r.empty()) return bad("it is empty");
    if (r.size() > 255) return bad("longer than 255 characters");
    for (char c : r)
        if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("._/+@-").find(c) == std::string_view::npos)
            return bad(std::string("the character ") + (std::isprint(static_cast<unsigned char>(c)) ? "'" + std::string(1, c) + "'" : "code " + std::to_string(static_cast<unsigned char>(c))) +
                       " is not allowed (letters, digits and . _ / + @ - only)");
    if (r.front() == '-' || r.front() == '/' || r.front() == '.') return bad("it starts with '" + std::string(1, r.front()) + "'");
    if (r.back() == '/' || r.back() == '.' || r.ends_with(".lock")) return bad("it ends like no git ref may");
    if (r.find("..") != std::string_view::npos || r.find("//") != std::string_view::npos || r.find("/.") != std::string_view::npos ||
        r.find("@{") != std::string_view::npos || r == "@")
        return bad("it is not a valid git ref (git check-ref-format)");
    return {};
}

Result<Rewrite> pin(std::string_view file, std::string_view text, std::string_view source, std::string_view revision,
                    WhenAbsent absent) {
    return pin(file, text, Target{Target::Kind::git, std::string(source), std::string(revision), {}}, absent);
}

Result<Rewrite> pin(std::string_view file, std::string_view text, const Target& t, WhenAbsent absent) {
    const std::string_view source = t.source, revision = t.revision;
    const bool chart_mode = t.kind == Target::Kind::chart;
    if (auto ok = check_revision(revision); !ok) return std::unexpected(ok.error());
    if (chart_mode && t.chart.empty()) return fail(ErrorKind::input, "a chart pin needs the chart's name");
    auto docs = model::parse_documents(file, text);
    if (!docs) return std::unexpected(docs.error());
    std::vector<Splice> splices;
    std::vector<std::string> problems;
    auto where = [&](const model::Value& v) { return std::string(file) + ":" + std::to_string(v.mark.line); };
    auto add = [&](const model::Value& v, std::string replacement, std::string what) {
        auto span = locate(file, text, v);
        if (!span) {
            problems.push_back(span.error().message);
            return;
        }
        if (v.scalar == replacement) return;  // already pinned there
        std::string written = v.plain && plain_would_not_be_string(replacement) ? "\"" + replacement + "\"" : replacement;
        splices.push_back({span->first, span->second, replacement, written, Change{v.mark.line, std::move(what), v.scalar, replacement},
                           v.mark.col});
    };
    // A chart pin of the source found while moving a git revision: refused, never skipped (the
    // file would claim a chart version no run proved).
    auto refuse_chart_pin = [&](const model::Value& at, std::string_view chart, const std::string& what) {
        problems.push_back(where(at) + ": " + what + " pins chart " + std::string(chart) + " from " + std::string(source) +
                           ": the report validated a git revision of raw manifests, not a chart version (run the pre-flight with --chart)");
    };
    // The version field `key` of a chart pin in `holder` (a mapping): rewritten, or a problem
    // when it is missing (the pin floats) or not a scalar.
    bool pins_source = false;
    auto pin_version = [&](const model::Value& holder, const char* key, const std::string& what) {
        pins_source = true;
        const auto* v = holder.find(key);
        if (!v || !v->is_scalar() || v->scalar.empty()) {
            problems.push_back(where(holder) + ": " + what + " has no " + key + " to rewrite (it floats); add `" + key + ": <current>` first");
            return;
        }
        add(*v, std::string(revision), what + "." + key);
    };
    const bool chart_yaml = std::filesystem::path(std::string(file)).filename() == "Chart.yaml";
    // The HelmRepositories a HelmRelease may name: this file's and the other files' given.
    auto repos = repositories_in(*docs);
    repos.insert(repos.end(), t.helm_repositories.begin(), t.helm_repositories.end());
    for (const auto& doc : *docs) {
        auto kind = doc["kind"].str();
        auto api = doc["apiVersion"].str();
        std::string name(doc.at_path({"metadata", "name"}).str());
        // An Application's source(s), or the Application template of an ApplicationSet (its
        // spec.template.spec): the same fields, the same rules.
        bool app = kind == "Application" && api.starts_with("argoproj.io/");
        bool appset = kind == "ApplicationSet" && api.starts_with("argoproj.io/");
        if (app || appset) {
            const auto& spec = app ? doc["spec"] : doc.at_path({"spec", "template", "spec"});
            std::string prefix = app ? "spec." : "spec.template.spec.";
            auto visit = [&](const model::Value& src, const std::string& path) {
                if (!same_repository(src["repoURL"].str(), source)) return;
                auto chart = src["chart"].str();
                std::string what = std::string(kind) + " " + name + ": " + path;
                if (!chart.empty() && !chart_mode) return refuse_chart_pin(src, chart, what);
                if (chart_mode && chart != t.chart) return;  // another chart of the repository, or a git source
                pins_source = true;
                const auto* rev = src.find("targetRevision");
                if (!rev || !rev->is_scalar()) {
                    problems.push_back(where(src) + ": " + what + " has no targetRevision to rewrite; add `targetRevision: <current>` first");
                    return;
                }
                if (rev->str().find("{{") != std::string::npos) {  // filled in per generated Application
                    problems.push_back(where(*rev) + ": " + what + ".targetRevision is a template (" + std::string(rev->str()) +
                                       "): promote cannot tell what it becomes; pin it in the generator's parameters yourself");
                    return;
                }
                add(*rev, std::string(revision), what + ".targetRevision");
            };
            if (const auto* src = spec.find("source")) visit(*src, prefix + "source");
            const auto& many = spec["sources"];
            for (std::size_t i = 0; i < many.items.size(); ++i) visit(many.items[i], prefix + "sources[" + std::to_string(i) + "]");
            // A git generator reading the source at a revision is a pin too: never left behind silently.
            const auto& generators = doc.at_path({"spec", "generators"});
            for (std::size_t i = 0; appset && i < generators.items.size(); ++i) {
                const auto& git = generators.items[i]["git"];
                if (!same_repository(git["repoURL"].str(), source)) continue;
                pins_source = true;
                problems.push_back(where(git) + ": ApplicationSet " + name + ": spec.generators[" + std::to_string(i) +
                                   "].git reads " + std::string(source) + ": promote does not move a generator's revision; pin it yourself");
            }
            continue;
        }
        if (kind == "HelmRelease" && api.starts_with("helm.toolkit.fluxcd.io/")) {
            if (!chart_mode) continue;  // names a HelmRepository, not a URL: never a git pin of the source
            const auto& spec = doc.at_path({"spec", "chart", "spec"});
            if (spec["chart"].str() != t.chart) continue;
            const auto& ref = spec["sourceRef"];
            if (!ref["kind"].str().empty() && ref["kind"].str() != "HelmRepository") continue;  // a GitRepository or Bucket: no chart version
            // The HelmRepository it names (its namespace defaults to the HelmRelease's), from
            // this file or another one being promoted: the pin moves only when its url is ours.
            std::string ref_ns(ref["namespace"].str().empty() ? doc.at_path({"metadata", "namespace"}).str() : ref["namespace"].str());
            std::optional<bool> ours;
            for (const auto& r : repos)
                if (r.name == ref["name"].str() && (r.ns.empty() || ref_ns.empty() || r.ns == ref_ns))
                    ours = ours.value_or(false) || same_repository(r.url, source);
            if (!ours) {
                problems.push_back(where(spec) + ": HelmRelease " + name + " pulls chart " + t.chart + " from HelmRepository " +
                                   std::string(ref["name"].str()) + ", which none of the given files defines: promote cannot tell whether it is " +
                                   std::string(source) + " (give the file that defines it too)");
                continue;
            }
            if (!*ours) continue;  // another repository's chart of the same name
            pin_version(spec, "version", "HelmRelease " + name + ": spec.chart.spec");
            continue;
        }
        if (chart_yaml && doc.find("dependencies") && !doc.find("kind")) {
            const auto& deps = doc["dependencies"].items;
            for (std::size_t i = 0; i < deps.size(); ++i) {
                auto repo = deps[i]["repository"].str();
                bool alias = repo.starts_with("@") || repo.starts_with("alias:");
                if (chart_mode && deps[i]["name"].str() != t.chart) continue;
                std::string what = "Chart.yaml dependencies[" + std::to_string(i) + "] (" + std::string(deps[i]["name"].str()) + ")";
                if (chart_mode && alias) {  // resolved only by the user's helm configuration: may be a mirror
                    problems.push_back(where(deps[i]) + ": " + what + " names repository " + std::string(repo) +
                                       ", an alias only your helm configuration resolves: promote cannot tell whether it is " +
                                       std::string(source) + " (write the repository URL)");
                    continue;
                }
                if (!same_repository(repo, source)) continue;
                if (!chart_mode) refuse_chart_pin(deps[i], deps[i]["name"].str(), what);
                else pin_version(deps[i], "version", what);
            }
            continue;
        }
        if (kind == "Kustomization" || doc.find("resources") || doc.find("bases") || doc.find("helmCharts")) {
            const auto& charts = doc["helmCharts"].items;
            for (std::size_t i = 0; i < charts.size(); ++i) {
                if (!same_repository(charts[i]["repo"].str(), source)) continue;
                std::string what = "kustomization helmCharts[" + std::to_string(i) + "] (" + std::string(charts[i]["name"].str()) + ")";
                if (!chart_mode) refuse_chart_pin(charts[i], charts[i]["name"].str(), what);
                else if (charts[i]["name"].str() == t.chart) pin_version(charts[i], "version", what);
            }
            if (chart_mode) continue;
            for (const char* key : {"resources", "bases", "components"})
                for (const auto& r : doc[key].items) {
                    if (!r.is_scalar()) continue;
                    auto url = repin_url(r.str(), source, revision);
                    if (url.into == RemoteUrl::Into::no) continue;
                    pins_source = true;
                    if (url.into == RemoteUrl::Into::floating) {
                        problems.push_back(where(r) + ": kustomization " + key + " entry " + std::string(r.str()) +
                                           " takes the source at its default branch (no ?ref=): it floats, so promote cannot pin it; add ?ref=<current> first");
                        continue;
                    }
                    add(r, url.rewritten, std::string("kustomization ") + key + " entry");
                }
        }
    }
    if (!problems.empty()) return fail(ErrorKind::input, text::join(problems, "\n"));
    if (!pins_source && absent == WhenAbsent::unchanged) return Rewrite{std::string(text), {}, false};
    if (!pins_source)
        return fail(ErrorKind::input, std::string(file) + ": nothing here pins " +
                                          (chart_mode ? "chart " + t.chart + " from " + std::string(source) +
                                                            " (an argoproj.io Application with that chart and repoURL, a HelmRelease of it, a Chart.yaml dependency on it, or a kustomization helmCharts entry)"
                                                      : std::string(source) +
                                                            " (an argoproj.io Application whose source repoURL is it, or a kustomization resource from it)"));
    // Splice from the end so earlier offsets stay valid.
    std::sort(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) { return a.begin > b.begin; });
    Rewrite out{std::string(text), {}};
    for (const auto& s : splices) {
        out.text.replace(s.begin, s.end - s.begin, s.written);
        out.changes.push_back(s.change);
    }
    std::reverse(out.changes.begin(), out.changes.end());
    // Proof, not hope: the new text parses to the same documents except the spliced scalars,
    // which read back as the new revision, as strings.
    auto after = model::parse_documents(file, out.text);
    std::string why = "it does not parse";
    bool same = after && after->size() == docs->size();
    for (std::size_t i = 0; same && i < docs->size(); ++i) same = same_tree((*docs)[i], (*after)[i], splices, why);
    if (!same)
        return fail(ErrorKind::input, std::string(file) + ": rewriting the pin to " + std::string(revision) + " would change more than the pin (" +
                                          why + "); nothing was written");
    return out;
}

std::string unified_diff(std::string_view file, std::string_view before, std::string_view after) {
    if (before == after) return "";
    auto a = text::split(before, '\n');
    auto b = text::split(after, '\n');
    if (before.ends_with('\n') && !a.empty()) a.pop_back();  // no phantom line after the last newline
    if (after.ends_with('\n') && !b.empty()) b.pop_back();
    // Only in-place rewrites happen here: same number of lines, some of them changed.
    std::string out = "--- a/" + std::string(file) + "\n+++ b/" + std::string(file) + "\n";
    if (a.size() != b.size()) {
        out += "@@ -1," + std::to_string(a.size()) + " +1," + std::to_string(b.size()) + " @@\n";
        for (auto l : a) out += "-" + std::string(l) + "\n";
        for (auto l : b) out += "+" + std::string(l) + "\n";
        return out;
    }
    constexpr std::size_t k_context = 3;
    std::vector<std::size_t> changed;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) changed.push_back(i);
    // Hunks: changes closer than 2 * context lines share one.
    for (std::size_t h = 0; h < changed.size();) {
        std::size_t last = h;
        while (last + 1 < changed.size() && changed[last + 1] - changed[last] <= 2 * k_context) ++last;
        std::size_t start = changed[h] >= k_context ? changed[h] - k_context : 0;
        std::size_t stop = std::min(a.size(), changed[last] + k_context + 1);
        out += "@@ -" + std::to_string(start + 1) + "," + std::to_string(stop - start) + " +" + std::to_string(start + 1) + "," +
               std::to_string(stop - start) + " @@\n";
        for (std::size_t k = start; k < stop; ++k) {
            if (a[k] == b[k]) out += " " + std::string(a[k]) + "\n";
            else out += "-" + std::string(a[k]) + "\n+" + std::string(b[k]) + "\n";
        }
        h = last + 1;
    }
    return out;
}

}  // namespace preflight::promote
