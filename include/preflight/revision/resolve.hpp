// Revisions of an Argo CD git source: ref validation, `git ls-remote` argv and its parsing.
// Pure functions; the CLI runs the command.
#pragma once
#include <optional>
#include <map>
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
// Also refuses git's `transport::address` form (ext::, fd::) and schemes other than https, http,
// ssh, git and file (Error::usage).
Result<void> validate_source(const std::string& source);

// The credentials written into `source` (https://user:token@host/...): the userinfo and the
// password alone, for the Redactor. Empty when there are none.
std::vector<std::string> source_secrets(const std::string& source);

// Environment for every git command: no prompt, and GIT_ALLOW_PROTOCOL limited to https, http,
// ssh, git and file (never ext:: or fd::, whatever the git configuration says).
std::map<std::string, std::string> git_env();

// Whether `s` is a full 40-hex commit id.
bool is_commit_id(const std::string& s);

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

// argv that fetches `refspec` (a tag ref, a branch or a commit) of `source` into the bare
// repository `git_dir`, shallow and without tags; `--` ends the options.
std::vector<std::string> fetch_args(const std::string& git_dir, const std::string& source, const std::string& refspec);
// argv that prints `path` as it is at `commit`.
std::vector<std::string> show_args(const std::string& git_dir, const std::string& commit, const std::string& path);
// The refspec to fetch for `r`: the tag when known (annotated tags resolve to their commit), else
// the ref itself.
std::string fetch_refspec(const Resolved& r);

// Path of the install manifests of `flavour` in the Argo CD repository (install, ha,
// namespace-install, ha-namespace-install, core-install); Error::usage for anything else.
Result<std::string> flavour_path(const std::string& flavour);

// namespace-install and ha-namespace-install: no CRDs and no ClusterRoles of their own; the
// release's CRDs live in k_crds_dir.
bool namespace_scoped_flavour(const std::string& flavour);
inline constexpr const char* k_crds_dir = "manifests/crds";
// The file names in `dir` at `commit`.
std::vector<std::string> ls_tree_args(const std::string& git_dir, const std::string& commit, const std::string& dir);

}  // namespace preflight::revision
