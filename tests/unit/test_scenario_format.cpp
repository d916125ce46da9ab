// The scenario format: shipped scenarios parse; every problem is reported at once, located.
#include <doctest/doctest.h>

#include "preflight/scenario/scenario.hpp"

using namespace preflight::scenario;
using namespace std::chrono_literals;

TEST_CASE("durations need a unit") {
    CHECK(parse_duration("90s") == 90s);
    CHECK(parse_duration("5m") == 5min);
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("250ms") == 250ms);
    CHECK(parse_duration("2m30s") == 150s);
    CHECK_FALSE(parse_duration("90"));
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("5 m"));
    CHECK_FALSE(parse_duration("-5s"));
    CHECK_FALSE(parse_duration("1d"));
}

TEST_CASE("every shipped scenario parses, and the drills use the baseline") {
    REQUIRE(shipped_scenarios().size() == 4);
    for (const auto& s : shipped_scenarios()) {
        CAPTURE(s.name);
        auto parsed = parse_scenario(std::string(s.name) + ".yaml", s.text);
        REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
        CHECK(parsed->name == s.name);
        bool drill = std::string(s.name) == "upgrade" || std::string(s.name) == "rollback";
        CHECK(parsed->needs_baseline() == drill);
    }
}

TEST_CASE("a scenario's structure: steps, lists, modes, on_failure") {
    auto s = parse_scenario("s.yaml", R"(apiVersion: argocd-preflight.io/v1
kind: Scenario
name: drill
flavour: ha
cluster: {workers: 2}
timeout: 20m
steps:
- name: first
  timeout: 5m
  on_failure: continue
  try:
  - install: {revision: baseline, timeout: 4m}
  - smoke: {mode: verify}
  - wait:
  catch: [diagnostics: {}]
  finally: [probes: {timeout: 1m}]
  cleanup: [diagnostics: {}]
)");
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
    CHECK(s->flavour == "ha");
    CHECK(s->workers == 2);
    CHECK(s->timeout == 20min);
    REQUIRE(s->steps.size() == 1);
    const auto& st = s->steps[0];
    CHECK(st.on_failure == OnFailure::continue_);
    REQUIRE(st.try_.size() == 3);
    CHECK(st.try_[0].describe() == "install baseline");
    CHECK(st.try_[0].timeout == 4min);
    CHECK(st.try_[1].describe() == "smoke verify");
    CHECK(st.try_[2].kind == ActionKind::wait);
    CHECK(st.catch_.size() == 1);
    CHECK(st.finally_[0].timeout == 1min);
    CHECK(st.cleanup.size() == 1);
}

TEST_CASE("forced_rollback: off unless asked, a boolean, and the shipped rollback asks for it on its way back only") {
    auto parse = [](const std::string& install) {
        return parse_scenario("s.yaml", "apiVersion: argocd-preflight.io/v1\nkind: Scenario\nname: d\nsteps:\n- name: a\n  try:\n  - install: " +
                                            install + "\n");
    };
    auto off = parse("{revision: baseline}");
    REQUIRE(off.has_value());
    CHECK_FALSE(off->steps[0].try_[0].forced_rollback);
    auto on = parse("{revision: baseline, forced_rollback: true}");
    REQUIRE(on.has_value());
    CHECK(on->steps[0].try_[0].forced_rollback);
    auto bad = parse("{revision: baseline, forced_rollback: sometimes}");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("forced_rollback must be true or false") != std::string::npos);
    for (const auto& sc : shipped_scenarios()) {
        auto parsed = parse_scenario(std::string(sc.name) + ".yaml", sc.text);
        REQUIRE(parsed.has_value());
        for (const auto& st : parsed->steps)
            for (const auto& a : st.try_) {
                CAPTURE(st.name);
                CHECK(a.forced_rollback == (a.kind == ActionKind::install && std::string(sc.name) == "rollback" && st.name == "roll back to baseline"));
            }
    }
}

TEST_CASE("every problem at once, each with file:line:col") {
    auto s = parse_scenario("bad.yaml", R"(apiVersion: argocd-preflight.io/v0
kind: Scenario
name: Bad_Name
colour: blue
steps:
- name: one
  timeout: 10
  try:
  - install: {}
  - reboot: {}
  - smoke: {mode: later}
- name: one
  try: []
- name: two
)");
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().kind == preflight::ErrorKind::input);
    const auto& m = s.error().message;
    CAPTURE(m);
    CHECK(m.find("bad.yaml:1:13: apiVersion must be argocd-preflight.io/v1") != std::string::npos);
    CHECK(m.find("bad.yaml:3:7: name must be lowercase") != std::string::npos);
    CHECK(m.find("unknown key 'colour' in the scenario") != std::string::npos);
    CHECK(m.find("bad.yaml:7:12: 'timeout' must be a duration") != std::string::npos);
    CHECK(m.find("install: 'revision' is required") != std::string::npos);
    CHECK(m.find("unknown action 'reboot'") != std::string::npos);
    CHECK(m.find("smoke: mode must be create or verify, got 'later'") != std::string::npos);
    CHECK(m.find("step name 'one' is used twice") != std::string::npos);
    CHECK(m.find("'try' needs at least one action") != std::string::npos);
    CHECK(m.find("a step needs 'try'") != std::string::npos);
    CHECK(m.find("^") != std::string::npos);  // caret under the offending value
}

TEST_CASE("malformed YAML and several documents are input errors") {
    CHECK_FALSE(parse_scenario("x.yaml", "steps: [").has_value());
    auto two = parse_scenario("x.yaml", "a: 1\n---\nb: 2\n");
    REQUIRE_FALSE(two.has_value());
    CHECK(two.error().message.find("exactly one document") != std::string::npos);
}
