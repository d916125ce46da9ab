// Moving the pin: rewrite the one value that names the Argo CD revision (an Application's
// targetRevision, or the ?ref= of a kustomization's remote resource) or the chart version (an
// Application's chart targetRevision, a Flux HelmRelease, a Chart.yaml dependency, a
// kustomization's helmCharts entry), leaving every other byte of the file as it was. Pure:
// text in, text out.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "preflight/util/error.hpp"

namespace preflight::promote {

struct Change {
    int line = 0;          // 1-based
    std::string what;      // "Application argocd: spec.source.targetRevision"
    std::string from, to;  // the old and new value
};

struct Rewrite {
    std::string text;  // the new content (== input when nothing changed)
    std::vector<Change> changes;
    bool pins_source = true;  // false: nothing in the file pins the source (WhenAbsent::unchanged)
};

// In `text` (file `file`): every Application (argoproj.io) source whose repoURL is `source`
// gets targetRevision `revision`; every kustomization resource URL into `source` gets its
// ?ref= (or, for raw.githubusercontent.com URLs, its revision path segment) set to `revision`.
// A plain scalar whose new value YAML would not read as a string (`1.10`, `yes`, `null`) is
// written double-quoted. The result is parsed again and must equal the input except for the
// rewritten scalars. Error::input when the revision fails check_revision, the file has
// nothing that pins `source`, a value cannot be rewritten in place (a multi-line scalar, an
// alias), or the re-parse shows any other change.
// `absent`: whether a file with nothing that pins `source` is an error (a file the user named)
// or an unchanged Rewrite (one of a directory's files, which may be anything).
enum class WhenAbsent { error, unchanged };
Result<Rewrite> pin(std::string_view file, std::string_view text, std::string_view source, std::string_view revision,
                    WhenAbsent absent = WhenAbsent::error);

// What a passing run proved, as the pin to move.
struct Target {
    enum class Kind { git, chart } kind = Kind::git;
    std::string source;    // git: the repository; chart: the chart repository URL
    std::string revision;  // git: the tag or commit; chart: the chart's exact version
    std::string chart;     // chart: the chart's name
    // chart: the Flux HelmRepositories defined in all the files being promoted (name, namespace,
    // url), so a HelmRelease in one file can be traced to a repository defined in another.
    struct HelmRepository {
        std::string name, ns, url;
    };
    std::vector<HelmRepository> helm_repositories;
};

// The Flux HelmRepositories (source.toolkit.fluxcd.io) `text` defines; none when it does not
// parse (pin reports that).
std::vector<Target::HelmRepository> helm_repositories(std::string_view file, std::string_view text);

// Chart pins of `t.chart` from repository `t.source` (Kind::chart):
//  - an argoproj.io Application source with `chart: <name>` and that repoURL: targetRevision;
//  - a helm.toolkit.fluxcd.io HelmRelease with spec.chart.spec.chart <name> whose sourceRef names a
//    HelmRepository with that url (defined in this file or in `t.helm_repositories`): its version.
//    One whose HelmRepository is defined nowhere given is an error (promote cannot tell where it
//    pulls the chart from), never moved on its name alone;
//  - a Chart.yaml (file named Chart.yaml) dependency <name> from that repository: version (one
//    from a repository alias, `@name` / `alias:name`, which only helm's configuration resolves,
//    is an error);
//  - a kustomization helmCharts entry <name> from that repository: version.
// A pin with no version field (it floats) is an error: add the current version first.
// Kind::git refuses every chart pin from `t.source` (a raw-manifest run proves no chart version),
// and Kind::chart leaves git pins alone.
Result<Rewrite> pin(std::string_view file, std::string_view text, const Target& t, WhenAbsent absent);

// Error::input unless `revision` can be pinned: a git ref (git check-ref-format rules), a
// commit or a chart version made of letters, digits and `._/+@-` only, at most 255 long. No
// whitespace, quote, `#`, `&`, `?` or control character ever reaches a file.
Result<void> check_revision(std::string_view revision);

// Whether two git URLs name the same repository (scheme, .git suffix, trailing slash and case
// of the host ignored).
bool same_repository(std::string_view a, std::string_view b);

// A unified diff of `before` -> `after` for `file` (3 lines of context), "" when equal.
std::string unified_diff(std::string_view file, std::string_view before, std::string_view after);

}  // namespace preflight::promote
