// `resolve`: a ref of an Argo CD git source -> the release tag and the full commit.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "preflight/cli/commands.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/revision/resolve.hpp"
#include "preflight/util/redactor.hpp"

#include <unistd.h>

#include <filesystem>

namespace preflight::cli {

int cmd_resolve(const GlobalOptions& g, const ResolveOptions& o, Streams& s) {
    auto error = [&](const Error& e) { return report_error(e, s); };
    if (g.format != "text" && g.format != "json")
        return error(Error{ErrorKind::usage, "resolve prints text or json", {}});
    if (auto r = revision::validate_ref(o.ref); !r) return error(r.error());
    if (auto r = revision::validate_source(o.source); !r) return error(r.error());
    for (const auto& secret : revision::source_secrets(o.source)) Redactor::global().add(secret);
    proc::Command cmd;
    cmd.argv = revision::ls_remote_args(o.source);
    cmd.timeout = std::chrono::seconds(o.timeout_s);
    cmd.env = revision::git_env();
    proc::ProcessRunner runner;
    auto out = proc::check(cmd, runner.run(cmd));
    if (!out) return error(out.error().with_context("listing refs of " + o.source));
    auto resolved = revision::resolve(o.ref, o.source, out->out);
    if (!resolved) return error(resolved.error());
    // A commit id that no ref points at is not proof it exists: fetch it to find out.
    if (revision::is_commit_id(o.ref) && out->out.find(o.ref) == std::string::npos) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "argocd-preflight-git-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) return error(Error{ErrorKind::infrastructure, "cannot create a temporary directory", {}});
        struct Remove {
            std::string dir;
            ~Remove() {
                std::error_code ec;
                std::filesystem::remove_all(dir, ec);
            }
        } remove{tmpl};
        proc::Command init{{"git", "init", "--quiet", "--bare", tmpl}, std::chrono::seconds(30)};
        if (auto r = proc::check(init, runner.run(init)); !r) return error(r.error());
        proc::Command fetch{revision::fetch_args(tmpl, o.source, o.ref), std::chrono::seconds(o.timeout_s)};
        fetch.env = revision::git_env();
        if (auto r = proc::check(fetch, runner.run(fetch)); !r)
            return error(Error{ErrorKind::input, "commit " + o.ref + " not found in " + o.source + " (" + r.error().message + ")", {}});
    }
    std::string text;
    if (g.format == "json") {
        boost::json::object j{{"ref", resolved->ref}, {"commit", resolved->commit}, {"source", resolved->source}};
        j["tag"] = resolved->tag ? boost::json::value(*resolved->tag) : boost::json::value(nullptr);
        text = boost::json::serialize(j) + "\n";
    } else {
        text = resolved->ref + " -> " + (resolved->tag ? "tag " + *resolved->tag : std::string("no tag")) + ", commit " +
               resolved->commit + " (" + resolved->source + ")\n";
    }
    if (auto r = emit(g, text, s); !r) return error(r.error());
    return 0;
}

}  // namespace preflight::cli
