// `resolve`: a ref of an Argo CD git source -> the release tag and the full commit.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "preflight/cli/commands.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/revision/resolve.hpp"

namespace preflight::cli {

int cmd_resolve(const GlobalOptions& g, const ResolveOptions& o, Streams& s) {
    auto error = [&](const Error& e) { return report_error(e, s); };
    if (g.format != "text" && g.format != "json")
        return error(Error{ErrorKind::usage, "resolve prints text or json", {}});
    if (auto r = revision::validate_ref(o.ref); !r) return error(r.error());
    if (auto r = revision::validate_source(o.source); !r) return error(r.error());
    proc::Command cmd;
    cmd.argv = revision::ls_remote_args(o.source);
    cmd.timeout = std::chrono::seconds(o.timeout_s);
    cmd.env = {{"GIT_TERMINAL_PROMPT", "0"}, {"GIT_ASKPASS", "true"}};  // never wait for a password
    spdlog::debug("{}", proc::display(cmd.argv));
    proc::ProcessRunner runner;
    auto out = proc::check(cmd, runner.run(cmd));
    if (!out) return error(out.error().with_context("listing refs of " + o.source));
    auto resolved = revision::resolve(o.ref, o.source, out->out);
    if (!resolved) return error(resolved.error());
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
