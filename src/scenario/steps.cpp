// The step runner: try until an action fails, catch on failure, finally always; cleanup actions
// of every started step last in, first out after the last step (house style, "Scenarios").
#include "preflight/scenario/actions.hpp"

namespace preflight::scenario {
using namespace std::chrono_literals;

namespace {

// One action of `step`; its cases are named "<step>: ...".
Verdict run_action(ActionContext& ctx, const Action& a, const Step& step, const Release& candidate, const Release* baseline) {
    const auto* current = ctx.state().current;
    switch (a.kind) {
        case ActionKind::install: {
            const Release& r = a.revision == Revision::candidate ? candidate : *baseline;
            auto v = install(ctx, r, a.timeout.value_or(ctx.options().wait_timeout), a.forced_rollback);
            if (&r == &candidate && v.outcome == report::Outcome::passed && !ctx.interrupted()) ctx.state().candidate_proven = true;
            return v;
        }
        case ActionKind::wait: {
            if (!current) return ctx.skip("wait", "nothing installed yet");
            auto v = wait(ctx, *current, a.timeout.value_or(ctx.options().wait_timeout), a.forced_rollback);
            if (current == &candidate && v.outcome == report::Outcome::passed && !ctx.interrupted()) ctx.state().candidate_proven = true;
            return v;
        }
        case ActionKind::probes:
            if (!current) return ctx.skip("probes", "nothing installed yet");
            return probes(ctx, *current, a.timeout.value_or(120s));
        case ActionKind::smoke:
            if (!current) return ctx.skip("smoke", "nothing installed yet");
            return a.smoke == SmokeMode::create ? smoke_create(ctx, *current, a.timeout) : smoke_verify(ctx);
        case ActionKind::diagnostics:
            return diagnostics(ctx, step.name);
    }
    return {};
}

// The try actions until one fails; the rest are skipped, saying so.
Verdict run_try(ActionContext& ctx, const Step& step, const Release& candidate, const Release* baseline) {
    Verdict verdict;
    std::size_t index = 0;
    for (; index < step.try_.size(); ++index) {
        auto v = run_action(ctx, step.try_[index], step, candidate, baseline);
        if (!v.failure.empty()) verdict.failure = v.failure;
        if (v.failed() || ctx.interrupted()) {
            verdict.outcome = ctx.interrupted() ? report::Outcome::skipped : v.outcome;
            ++index;
            break;
        }
    }
    for (; index < step.try_.size(); ++index) ctx.skip(step.try_[index].describe(), "an earlier action of the step failed");
    return verdict;
}

// One step: try, catch when it failed, finally always. A catch action's failure never replaces
// the failure that made the step fail; a finally action's failure fails a step that passed.
Verdict run_step(ActionContext& ctx, const Step& step, const Release& candidate, const Release* baseline) {
    auto verdict = run_try(ctx, step, candidate, baseline);
    if (failed(verdict.outcome) && !ctx.interrupted())
        for (const auto& a : step.catch_) run_action(ctx, a, step, candidate, baseline);
    if (!ctx.interrupted())
        for (const auto& a : step.finally_) {
            auto v = run_action(ctx, a, step, candidate, baseline);
            if (v.failed() && !failed(verdict.outcome)) verdict = {report::Outcome::failed, v.failure};
        }
    return verdict;
}

}  // namespace

void run_steps(ActionContext& ctx, const Scenario& scenario, const Release& candidate, const Release* baseline, bool ready) {
    auto& run = ctx.run();
    const std::string suite_name = "scenario " + scenario.name;
    run.suite(suite_name).start_ms = ctx.options().now_ms();
    std::vector<std::pair<const Step*, const Action*>> cleanups;  // last in, first out, after every step
    bool stopped = !ready;
    for (const auto& step : scenario.steps) {
        ctx.enter(suite_name, step.name, scenario.name + "/" + step.name);
        auto step_case = ctx.start_case(step.name, scenario.name + "/" + step.name);
        step_case.step = true;
        if (stopped || ctx.interrupted()) {
            step_case.outcome = report::Outcome::skipped;
            step_case.message = ctx.interrupted() ? "interrupted" : ready ? "an earlier step failed" : "the cluster could not be set up";
            ctx.finish(std::move(step_case));
            continue;
        }
        ctx.set_step_deadline(step.timeout);
        for (const auto& a : step.cleanup) cleanups.emplace_back(&step, &a);
        auto verdict = run_step(ctx, step, candidate, baseline);
        bool interrupted = ctx.interrupted();
        step_case.outcome = interrupted ? report::Outcome::skipped : failed(verdict.outcome) ? report::Outcome::failed : report::Outcome::passed;
        step_case.message = interrupted ? "interrupted by signal " + std::to_string(proc::last_signal()) : verdict.failure;
        if (failed(step_case.outcome) && run.root_cause.empty()) run.root_cause = step.name + ": " + verdict.failure;
        ctx.finish(std::move(step_case));
        if (failed(verdict.outcome) && step.on_failure == OnFailure::stop) stopped = true;
        if (interrupted) run.interrupted = true;
    }
    ctx.set_step_deadline(std::nullopt);
    for (auto it = cleanups.rbegin(); it != cleanups.rend() && !ctx.interrupted(); ++it) {
        ctx.enter(suite_name, it->first->name, scenario.name + "/" + it->first->name);
        run_action(ctx, *it->second, *it->first, candidate, baseline);
    }
    auto& suite = run.suite(suite_name);
    suite.duration_ms = ctx.options().now_ms() - suite.start_ms;
}

}  // namespace preflight::scenario
