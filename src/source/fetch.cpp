// Resolving a ref and reading a release's manifests at its commit, through git in a scratch
// repository (never the user's checkout).
#include "preflight/source/fetch.hpp"

#include <unistd.h>

#include <filesystem>

#include "preflight/util/text.hpp"

namespace preflight::source {
namespace fs = std::filesystem;

namespace {

// A bare repository of its own under the temporary directory, removed with it.
class Scratch {
public:
    static Result<std::unique_ptr<Scratch>> create(proc::Runner& runner) {
        std::string tmpl = (fs::temp_directory_path() / "argocd-preflight-git-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) return fail(ErrorKind::infrastructure, "cannot create a temporary directory");
        auto s = std::unique_ptr<Scratch>(new Scratch(runner, tmpl));
        proc::Command init{{"git", "init", "--quiet", "--bare", tmpl}, std::chrono::seconds(30)};
        if (auto r = proc::check(init, runner.run(init)); !r) return std::unexpected(r.error());
        return s;
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    Result<void> fetch(const std::string& source, const std::string& refspec, std::chrono::seconds timeout) {
        proc::Command cmd{revision::fetch_args(m_dir, source, refspec), timeout};
        cmd.env = revision::git_env();
        auto r = proc::check(cmd, m_runner.run(cmd));
        if (!r) return std::unexpected(r.error());
        return {};
    }
    Result<std::string> show(const std::string& commit, const std::string& path, std::size_t max_output) {
        proc::Command cmd{revision::show_args(m_dir, commit, path), std::chrono::seconds(30)};
        cmd.max_output = max_output;
        auto r = proc::check(cmd, m_runner.run(cmd));
        if (!r) return std::unexpected(r.error().with_context(path + " at " + commit));
        return std::move(r->out);
    }
    Result<std::string> ls_tree(const std::string& commit, const std::string& dir) {
        proc::Command cmd{revision::ls_tree_args(m_dir, commit, dir), std::chrono::seconds(30)};
        auto r = proc::check(cmd, m_runner.run(cmd));
        if (!r) return std::unexpected(r.error());
        return std::move(r->out);
    }

private:
    Scratch(proc::Runner& runner, std::string dir) : m_runner(runner), m_dir(std::move(dir)) {}
    proc::Runner& m_runner;
    std::string m_dir;
};

std::string short_label(const revision::Resolved& r, const std::string& path) {
    return (r.tag ? *r.tag : r.ref) + " " + path + " @ " + r.commit.substr(0, 12);
}

// The release's own CRDs at the same commit, for a namespace-scoped flavour.
Result<void> add_crds(Scratch& repo, const revision::Resolved& resolved, const std::string& flavour, Fetched& out) {
    auto listed = repo.ls_tree(resolved.commit, revision::k_crds_dir);
    if (!listed) return std::unexpected(listed.error().with_context(std::string("the release's CRDs in ") + revision::k_crds_dir));
    std::string crds;
    for (auto name : text::split(*listed, '\n')) {
        if (!name.ends_with("-crd.yaml")) continue;
        auto crd = repo.show(resolved.commit, std::string(revision::k_crds_dir) + "/" + std::string(name), 64u << 20);
        if (!crd) return std::unexpected(crd.error());
        crds += *crd + (crd->ends_with("\n") ? "" : "\n") + "---\n";
    }
    if (crds.empty())
        return fail(ErrorKind::input, std::string("no *-crd.yaml in ") + revision::k_crds_dir + " at " + resolved.commit + ": the " + flavour +
                                          " flavour needs the release's CRDs");
    out.crds = std::move(crds);
    out.crds_label = short_label(resolved, revision::k_crds_dir);
    return {};
}

}  // namespace

Result<revision::Resolved> resolve(proc::Runner& runner, const std::string& source, const std::string& ref, std::chrono::seconds timeout,
                                   Redactor& redactor, bool verify_unlisted_commit) {
    if (auto r = revision::validate_ref(ref); !r) return std::unexpected(r.error());
    if (auto r = revision::validate_source(source); !r) return std::unexpected(r.error());
    for (const auto& secret : revision::source_secrets(source)) redactor.add(secret);
    proc::Command ls{revision::ls_remote_args(source), timeout};
    ls.env = revision::git_env();
    auto listed = proc::check(ls, runner.run(ls));
    if (!listed) return std::unexpected(listed.error().with_context("listing refs of " + source));
    auto resolved = revision::resolve(ref, source, listed->out);
    if (!resolved) return std::unexpected(resolved.error());
    // A commit id that no ref points at is not proof it exists: fetch it to find out.
    if (verify_unlisted_commit && revision::is_commit_id(ref) && listed->out.find(ref) == std::string::npos) {
        auto repo = Scratch::create(runner);
        if (!repo) return std::unexpected(repo.error());
        if (auto r = (*repo)->fetch(source, ref, timeout); !r)
            return fail(ErrorKind::input, "commit " + ref + " not found in " + source + " (" + r.error().message + ")");
    }
    return resolved;
}

Result<Fetched> at_commit(proc::Runner& runner, const revision::Resolved& resolved, const std::string& flavour, std::chrono::seconds timeout) {
    auto path = revision::flavour_path(flavour);
    if (!path) return std::unexpected(path.error());
    auto repo = Scratch::create(runner);
    if (!repo) return std::unexpected(repo.error());
    if (auto r = (*repo)->fetch(resolved.source, revision::fetch_refspec(resolved), timeout); !r)
        return std::unexpected(r.error().with_context("fetching " + resolved.commit));
    auto shown = (*repo)->show(resolved.commit, *path, 256u << 20);
    if (!shown) return std::unexpected(shown.error());
    Fetched out;
    out.label = short_label(resolved, *path);
    out.sources.push_back(SourceText{out.label, std::move(*shown)});
    out.pin = resolved.tag ? *resolved.tag : resolved.commit;
    if (revision::namespace_scoped_flavour(flavour))
        if (auto r = add_crds(**repo, resolved, flavour, out); !r) return std::unexpected(r.error());
    return out;
}

Result<Fetched> from_path(proc::Runner& runner, const std::string& path, std::istream& in, std::chrono::seconds timeout) {
    for (const char* k : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
        if (!fs::is_directory(path) || !fs::exists(fs::path(path) / k)) continue;
        proc::Command cmd{{"kubectl", "kustomize", path}, timeout};
        cmd.max_output = 256u << 20;
        auto r = proc::check(cmd, runner.run(cmd));
        if (!r) return std::unexpected(r.error().with_context("rendering the kustomization " + path));
        Fetched out;
        out.label = path + " (kustomize)";
        out.sources.push_back(SourceText{out.label, std::move(r->out)});
        return out;
    }
    auto sources = read_sources({path}, in);
    if (!sources) return std::unexpected(sources.error());
    return Fetched{std::move(*sources), path, "", "", ""};
}

}  // namespace preflight::source
