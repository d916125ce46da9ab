// Manifest objects: Kubernetes objects parsed from text, each with its source position.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "preflight/model/value.hpp"
#include "preflight/util/error.hpp"
#include "preflight/util/files.hpp"

namespace preflight::model {

struct SourceRef {
    std::string file;
    int line = 0;
    int col = 0;
    std::string str() const;  // "file:line" (col omitted: findings name lines)
};

struct Object {
    std::string api_version;
    std::string kind;
    std::string name;
    std::string ns;  // metadata.namespace as written; empty when absent
    Value body;      // the whole object
    SourceRef where;

    const Value& metadata() const { return body["metadata"]; }
    const Value& spec() const { return body["spec"]; }
    // "Kind/name" or "Kind/ns/name", for messages.
    std::string ref() const;
};

struct ParseLimits {
    int max_depth = 200;                 // nesting of mappings/sequences
    std::size_t base_node_budget = 2'000'000;  // plus one node per input byte
    unsigned threads = 0;  // load_manifests: files parsed in parallel; 0 = one per core
    // CRDs in the usual layout: spec.versions read as [] (no check reads schemas; 95% of an
    // install). false: parsed in full, for reading a CRD's versions.
    bool elide_crd_schemas = true;
};

struct ParseOutput {
    std::vector<Object> objects;
    std::vector<std::string> warnings;  // "file:line:col: duplicate key ..." and similar
};

// Parses multi-document YAML or JSON `text` named `file`. `List`/`*List` objects are expanded
// (items without `kind` take it from the list type). Returns Error::input naming file:line:col
// with a caret for malformed YAML, a document that is not a mapping, missing apiVersion/kind/
// metadata.name, alias expansion or nesting beyond `limits`; every problem in the text is
// reported, not only the first. Text without objects gives an empty output.
Result<ParseOutput> parse_manifests(std::string_view file, std::string_view text,
                                    const ParseLimits& limits = {});

// Parses every source (in parallel) and concatenates the objects in input order. An object
// defined again (same group, kind, name and namespace, `default_ns` for namespaced objects that
// name none) keeps its last definition, as kubectl apply does, with a warning.
// Error::input with all problems of all sources, or when no source holds any object.
Result<ParseOutput> load_manifests(const std::vector<SourceText>& sources, const ParseLimits& limits = {},
                                   const std::string& default_ns = {});

// Parses one YAML/JSON document into a Value without Kubernetes checks (scenario files,
// kind configs). Same error reporting and limits as parse_manifests.
Result<std::vector<Value>> parse_documents(std::string_view file, std::string_view text,
                                           std::vector<std::string>* warnings = nullptr,
                                           const ParseLimits& limits = {});

}  // namespace preflight::model
