// Revisions of an Argo CD git source: ref validation, `git ls-remote` argv and its parsing.
// Pure functions; the CLI runs the command.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "preflight/util/error.hpp"

namespace preflight::revision {

inline constexpr const char* k_default_source = "https://github.com/argoproj/argo-cd";

// Error::usage unless `ref` is a valid git ref name (git check-ref-format rules, as a
// one-level name is allowed) or a full commit id; anything that could be read as an option
// ("-x", "--upload-pack=...") is refused.
Result<void> validate_ref(const std::string& ref);
// Error::usage for a source that could be read as an option or is empty.
Result<void> validate_source(const std::string& source);

// argv for listing every ref of `source`; `--` keeps git from reading it as an option.
std::vector<std::string> ls_remote_args(const std::string& source);

struct Resolved {
    std::string ref, commit, source;
    std::optional<std::string> tag;  // the release tag that points at `commit`, if any
};

// Resolves `ref` against `ls_remote_output` ("<sha>\t<refname>" lines, with "^{}" peeled
// annotated tags). Prefers a version tag (v1.2.3) other than `ref` itself for floating refs
// such as `stable`. Error::input when the ref does not exist.
Result<Resolved> resolve(const std::string& ref, const std::string& source, const std::string& ls_remote_output);

}  // namespace preflight::revision
