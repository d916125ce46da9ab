// Documents -> Kubernetes objects: identity checks, List expansion, positions.
#include "preflight/model/manifest.hpp"
#include "preflight/model/views.hpp"

#include <unordered_map>

#include <algorithm>
#include <atomic>
#include <thread>

#include "preflight/util/text.hpp"

namespace preflight::model {

std::string SourceRef::str() const { return file + ":" + std::to_string(line); }

std::string Object::ref() const {
    return ns.empty() ? kind + "/" + name : kind + "/" + ns + "/" + name;
}

namespace {

void collect(std::string_view file, std::string_view text, const Value& doc,
             std::string_view inherited_kind, ParseOutput& out, std::vector<std::string>& problems) {
    auto problem = [&](const Mark& m, const std::string& msg) {
        problems.push_back(text::caret_excerpt(file, text, m.line ? m.line : 1, m.col ? m.col : 1, msg));
    };
    if (!doc.is_mapping()) {
        problem(doc.mark, doc.is_sequence() ? "document is a sequence, not a Kubernetes object (a mapping)"
                                            : "document is a scalar, not a Kubernetes object (a mapping)");
        return;
    }
    std::string kind(doc["kind"].str());
    if (kind.empty()) kind = inherited_kind;
    std::string api_version(doc["apiVersion"].str());
    bool is_list = kind == "List" || (kind.size() > 4 && kind.ends_with("List") && doc["items"].is_sequence());
    if (is_list && doc["items"].is_sequence()) {
        std::string item_kind = kind == "List" ? std::string() : kind.substr(0, kind.size() - 4);
        for (const auto& item : doc["items"].items) {
            if (!item.is_mapping()) {
                problem(item.mark, "list item is not a Kubernetes object (a mapping)");
                continue;
            }
            // Items printed by `kubectl get -o json` for a typed list may omit kind and apiVersion.
            if (item["apiVersion"].str().empty() && !api_version.empty() && kind != "List") {
                Value copy = item;
                Value av;
                av.type = Value::Type::scalar;
                av.scalar = api_version;
                av.mark = item.mark;
                copy.entries.emplace_back("apiVersion", std::move(av));
                collect(file, text, copy, item_kind, out, problems);
            } else {
                collect(file, text, item, item_kind, out, problems);
            }
        }
        return;
    }
    const Value& meta = doc["metadata"];
    std::string name(meta["name"].str());
    if (name.empty()) name = std::string(meta["generateName"].str());
    bool ok = true;
    if (api_version.empty()) {
        problem(doc.find("apiVersion") ? doc["apiVersion"].mark : doc.mark, "object has no apiVersion");
        ok = false;
    }
    if (kind.empty()) {
        problem(doc.find("kind") ? doc["kind"].mark : doc.mark, "object has no kind");
        ok = false;
    }
    if (name.empty()) {
        problem(meta.is_mapping() ? meta.mark : doc.mark,
                "object " + (kind.empty() ? std::string("?") : kind) + " has no metadata.name");
        ok = false;
    }
    if (!ok) return;
    Object obj;
    obj.api_version = std::move(api_version);
    obj.kind = std::move(kind);
    obj.name = std::move(name);
    obj.ns = std::string(meta["namespace"].str());
    obj.where = {std::string(file), doc.mark.line, doc.mark.col};
    obj.body = doc;
    if (obj.body["kind"].str().empty()) {
        Value k;
        k.type = Value::Type::scalar;
        k.scalar = obj.kind;
        k.mark = doc.mark;
        obj.body.entries.emplace_back("kind", std::move(k));
    }
    out.objects.push_back(std::move(obj));
}

}  // namespace

Result<ParseOutput> parse_manifests(std::string_view file, std::string_view text, const ParseLimits& limits) {
    ParseOutput out;
    auto docs = parse_documents(file, text, &out.warnings, limits);
    if (!docs) return std::unexpected(docs.error());
    std::vector<std::string> problems;
    for (const auto& doc : *docs) {
        if (doc.is_null()) continue;
        collect(file, text, doc, "", out, problems);
    }
    if (!problems.empty()) return fail(ErrorKind::input, text::join(problems, "\n"));
    return out;
}

namespace {

// `kubectl apply` of a stream that names the same object twice leaves the last definition in
// the cluster; so does the analysis, with a warning (never a union of both).
// Identity is the namespace after defaulting: an object once with `namespace: argocd` and once
// without it, applied with `-n argocd`, is one object (cluster-scoped kinds have no namespace).
void drop_redefined(ParseOutput& out, const std::string& default_ns) {
    auto key = [&](const Object& o) {
        auto slash = o.api_version.find('/');
        std::string group = slash == std::string::npos ? "" : o.api_version.substr(0, slash);
        std::string ns = is_cluster_scoped(o.kind) ? "" : o.ns.empty() ? default_ns : o.ns;
        return group + "|" + o.kind + "|" + ns + "|" + o.name;
    };
    std::unordered_map<std::string, std::size_t> last;
    for (std::size_t i = 0; i < out.objects.size(); ++i) last[key(out.objects[i])] = i;
    if (last.size() == out.objects.size()) return;
    std::vector<Object> kept;
    kept.reserve(last.size());
    for (std::size_t i = 0; i < out.objects.size(); ++i) {
        auto& o = out.objects[i];
        auto winner = last[key(o)];
        if (winner != i) {
            out.warnings.push_back(o.where.str() + ": " + o.ref() + " is defined again at " + out.objects[winner].where.str() +
                                   "; kubectl apply keeps the last definition, so this one is ignored");
            continue;
        }
        kept.push_back(std::move(o));
    }
    out.objects = std::move(kept);
}

}  // namespace

Result<ParseOutput> load_manifests(const std::vector<SourceText>& sources, const ParseLimits& limits, const std::string& default_ns) {
    std::vector<Result<ParseOutput>> parts(sources.size(), ParseOutput{});
    // Files are independent: parse them on every core (the largest inputs are single files of
    // many documents, so this helps directories of manifests, not one install.yaml).
    unsigned cores = limits.threads ? limits.threads : std::thread::hardware_concurrency();
    unsigned workers = std::max(1u, std::min<unsigned>(cores,
                                                      static_cast<unsigned>(sources.size())));
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < sources.size();)
            parts[i] = parse_manifests(sources[i].name, sources[i].text, limits);
    };
    std::vector<std::jthread> threads;
    for (unsigned i = 1; i < workers; ++i) threads.emplace_back(work);
    work();
    threads.clear();
    ParseOutput out;
    std::vector<std::string> problems;
    for (auto& part : parts) {
        if (!part) {
            problems.push_back(part.error().message);
            continue;
        }
        for (auto& w : part->warnings) out.warnings.push_back(std::move(w));
        for (auto& o : part->objects) out.objects.push_back(std::move(o));
    }
    if (!problems.empty()) return fail(ErrorKind::input, text::join(problems, "\n"));
    drop_redefined(out, default_ns);
    if (out.objects.empty()) {
        std::string where = sources.size() == 1 ? sources[0].name + ":1:1: " : std::string();
        return fail(ErrorKind::input, where + "no Kubernetes objects in the input");
    }
    return out;
}

}  // namespace preflight::model
