// Scenarios: a documented YAML format of steps (try / catch / finally / cleanup) over actions,
// validated with every problem at file:line:col. Pure: text in, Scenario or Error out.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/util/error.hpp"

namespace preflight::scenario {

inline constexpr const char* k_api_version = "argocd-preflight.io/v1";

enum class ActionKind { install, wait, probes, smoke, diagnostics };
const char* to_string(ActionKind k);
enum class Revision { candidate, baseline };
enum class SmokeMode { create, verify };

struct Action {
    ActionKind kind = ActionKind::install;
    Revision revision = Revision::candidate;  // install
    // install: delete StatefulSet pods left on a broken revision (not Ready) so the rollout can
    // proceed, as Kubernetes' StatefulSet documentation says a rollback needs; reported.
    bool forced_rollback = false;
    SmokeMode smoke = SmokeMode::create;      // smoke
    std::optional<std::chrono::milliseconds> timeout;
    int line = 0;  // where it is written, for messages
    std::string describe() const;  // "install candidate", "smoke verify", ...
};

enum class OnFailure { stop, continue_ };

struct Step {
    std::string name;
    std::optional<std::chrono::milliseconds> timeout;
    OnFailure on_failure = OnFailure::stop;
    std::vector<Action> try_, catch_, finally_, cleanup;
};

struct Scenario {
    std::string name, description, file;
    std::optional<std::string> flavour;  // overrides --flavour for --candidate/--baseline refs
    std::optional<int> workers;           // kind workers
    std::optional<std::chrono::milliseconds> timeout;
    std::vector<Step> steps;
    bool needs_baseline() const;
};

// Parses and validates `text` (from `file`). Error::input listing every problem, each as
// file:line:col with the line and a caret.
Result<Scenario> parse_scenario(std::string_view file, std::string_view text);

// "90s", "5m", "1h30m", "250ms"; nullopt for anything else (a bare number has no unit).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The scenarios shipped in scenarios/*.yaml, compiled in: name -> YAML text.
struct Shipped {
    const char* name;
    const char* text;
};
const std::vector<Shipped>& shipped_scenarios();

}  // namespace preflight::scenario
