// `health`: Argo CD's health verdict for every object read (files, a directory, or stdin).
#include <boost/json.hpp>

#include <algorithm>

#include "preflight/cli/commands.hpp"
#include "preflight/health/health.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/util/files.hpp"

namespace preflight::cli {

Result<int> cmd_health(const GlobalOptions& g, const HealthOptions& o, Streams& s) {
    if (g.format != "text" && g.format != "json")
        return std::unexpected(Error{ErrorKind::usage, "health prints text or json", {}});
    auto sources = read_sources(o.inputs, s.in);
    if (!sources) return std::unexpected(sources.error());
    model::ParseLimits limits;
    limits.threads = g.jobs;
    auto parsed = model::load_manifests(*sources, limits);
    if (!parsed) return std::unexpected(parsed.error());
    boost::json::array rows;
    std::string text;
    bool all_healthy = true;
    for (const auto& obj : parsed->objects) {
        auto h = health::assess(obj.body);
        std::string status = h ? health::to_string(h->status) : "";
        std::string message = h ? h->message : "no health rule for " + obj.kind + " (Argo CD ignores it for health)";
        if (h && h->status != health::Status::healthy) all_healthy = false;
        boost::json::object row;
        row["kind"] = obj.kind;
        row["namespace"] = obj.ns;
        row["name"] = obj.name;
        row["status"] = h ? boost::json::value(status) : boost::json::value(nullptr);
        row["message"] = message;
        rows.push_back(std::move(row));
        std::string shown = h ? status : "-";
        shown.resize(std::max<std::size_t>(shown.size() + 1, 12), ' ');
        text += shown + obj.ref() + (message.empty() ? "" : "  " + message) + "\n";
    }
    std::string out = g.format == "json" ? boost::json::serialize(rows) + "\n" : text;
    if (auto r = emit(g, out, s); !r) return std::unexpected(r.error());
    return all_healthy ? 0 : 1;
}

}  // namespace preflight::cli
