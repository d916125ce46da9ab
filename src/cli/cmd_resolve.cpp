// `resolve`: a ref of an Argo CD git source -> the release tag and the full commit.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "preflight/cli/commands.hpp"
#include "preflight/source/fetch.hpp"
#include "preflight/proc/runner.hpp"
#include "preflight/revision/resolve.hpp"
#include "preflight/util/redactor.hpp"

#include <unistd.h>

#include <filesystem>

namespace preflight::cli {

Result<int> cmd_resolve(const GlobalOptions& g, const ResolveOptions& o, Streams& s) {
    auto error = [&](const Error& e) { return std::unexpected(e); };
    if (g.format != "text" && g.format != "json")
        return error(Error{ErrorKind::usage, "resolve prints text or json", {}});
    proc::ProcessRunner runner;
    auto resolved = source::resolve(runner, o.source, o.ref, std::chrono::seconds(o.timeout_s), Redactor::global());
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
