// probes: the enforcement canary once per session, then every planned probe in one batch, each
// judged against what the static analysis predicted.
#include <algorithm>

#include "preflight/health/health.hpp"
#include "preflight/scenario/actions.hpp"

namespace preflight::scenario {
using namespace std::chrono_literals;

namespace {

bool reached(const probe::Reading& r) { return r.observed == probe::Observed::reachable || r.observed == probe::Observed::auth_failed; }

}  // namespace

std::string observed_text(const probe::Reading& r) {
    std::string out = probe::to_string(r.observed);
    if (!r.result.empty()) out += " (" + r.result + (r.detail.empty() ? "" : ": " + r.detail) + ")";
    else if (!r.detail.empty()) out += " (" + r.detail + ")";
    return out;
}

bool workload_ready(const std::vector<model::Value>& snapshot, const model::WorkloadId& w) {
    for (const auto& o : snapshot)
        if (o["kind"].str() == w.kind && o.at_path({"metadata", "name"}).str() == w.name) {
            auto h = health::assess(o);
            return !h || h->status == health::Status::healthy;
        }
    return true;
}

namespace {

// A refusal proves a block only where the enforcer is known to reject (the canary's blocked
// connection was refused) and another probe of this batch reached the same host and port:
// then something listens there, and the refusal was the policy's. That other probe, or null.
const probe::Attempt* refusal_witness(const probe::Attempt& out, const std::vector<probe::Attempt>& batch, const Enforcement& e) {
    if (!out.reading.refused() || !e.rejects) return nullptr;
    const probe::Attempt* witness = nullptr;
    for (const auto& other : batch)
        if (&other != &out && other.spec.host == out.spec.host && other.spec.port == out.spec.port && reached(other.reading)) witness = &other;
    return witness;
}

const probe::Attempt* witness_for(const probe::Attempt& out, const std::vector<probe::Attempt>& batch, const Enforcement& e) {
    return out.spec.expect == probe::Expect::reachable ? nullptr : refusal_witness(out, batch, e);
}

// The probe's own outcome and the reason appended to its message.
void judge_outcome(report::Case& c, const probe::Attempt& out, const Enforcement& e, bool backend_down, const probe::Attempt* witness) {
    const auto& spec = out.spec;
    bool expect_reach = spec.expect == probe::Expect::reachable;
    auto obs = out.reading.observed;
    bool refused = out.reading.refused();
    auto target = spec.host + ":" + std::to_string(spec.port);
    if (obs == probe::Observed::not_run) {
        c.outcome = report::Outcome::error;
        c.message += "; the probe did not run to a verdict";
    } else if (backend_down) {
        // Nothing answers behind a Service whose workload is not Ready: a failed connection
        // there is no policy verdict either way (and a "block" proves no isolation).
        c.outcome = expect_reach ? report::Outcome::failed : report::Outcome::skipped;
        c.message += "; its backend " + spec.backend->text() + " is not Ready, so nothing answers there: this says nothing about the policies";
    } else if (obs == probe::Observed::unresolved) {
        // No verdict on the connection: fails an expected reach, never proves a block.
        c.outcome = expect_reach ? report::Outcome::failed : report::Outcome::error;
        c.message += expect_reach ? "; the name it needs does not resolve from this identity" : "; not proven: the name did not resolve";
    } else if (!expect_reach && !e.enforced) {
        c.outcome = report::Outcome::skipped;
        c.message += "; not proven: " + e.why_unproven;
    } else if (!expect_reach && refused && !witness) {
        c.outcome = report::Outcome::skipped;
        c.message += e.rejects ? "; not proven: this cluster's enforcer blocks by refusing, but nothing else reached " + target +
                                     " in this batch to show that something listens there"
                               : "; not proven: refused means nothing listens behind it, not that a policy drops the connection";
    } else if (expect_reach) {
        c.outcome = obs == probe::Observed::reachable ? report::Outcome::passed : report::Outcome::failed;
        if (obs == probe::Observed::auth_failed) c.message += " (connected, but PING was not answered with PONG)";
        if (refused)
            c.message += e.rejects ? " — refused: nothing listens behind it, or this cluster's enforcer (which blocks by refusing) rejected it"
                                   : " — refused means nothing listens behind it (no Ready pods?), not a NetworkPolicy drop";
    } else {
        // Expected blocked and not reached. A refusal counts only with a witness (above).
        if (refused)
            c.message += "; a block: this cluster's enforcer refuses what it blocks (the canary's blocked connection was refused "
                         "while its listener ran), and " + witness->spec.name + " reached " + target + " in the same batch";
        c.outcome = reached(out.reading) ? report::Outcome::failed : report::Outcome::passed;
    }
}

// Static and live disagree: the model or the cluster is surprising; say which way. A refused
// connection is no policy verdict (policies drop), so it is no disagreement.
std::optional<report::Case> disagreement(const probe::Attempt& out, const Enforcement& e, bool backend_down, const probe::Attempt* witness) {
    auto obs = out.reading.observed;
    bool got = reached(out.reading);
    bool refused = out.reading.refused();
    if (obs == probe::Observed::not_run || obs == probe::Observed::unresolved || got == out.spec.predicted_allowed || (refused && !witness) ||
        backend_down)
        return std::nullopt;
    report::Case d;
    if (got && !e.enforced) {
        d.outcome = report::Outcome::skipped;
        d.message = "static analysis predicted blocked, the cluster allowed it; explained: " + e.why_unproven;
    } else if (got) {
        d.outcome = report::Outcome::failed;
        d.message = "static analysis predicted blocked, but the cluster (which enforces NetworkPolicy) allowed it: the policies on the "
                    "cluster differ from the manifests, or the model is wrong about this path";
    } else {
        d.outcome = report::Outcome::failed;
        d.message = "static analysis predicted allowed, but the cluster blocked it (" + out.reading.result +
                    "): something besides these NetworkPolicies stops it (another policy, the target not listening, a node "
                    "firewall), or the model is wrong about this path";
    }
    return d;
}

// Probes the plan requires that could not run are errors, never skips: a gate whose probes
// silently did nothing must not pass. Only --no-probes (asked for) skips them.
Verdict error_all(ActionContext& ctx, const Release& r, const std::string& why) {
    for (const auto& spec : r.probes) {
        auto c = ctx.start_case(spec.name);
        c.outcome = report::Outcome::error;
        c.message = "did not run: " + why;
        ctx.finish(std::move(c));
    }
    return {report::Outcome::error, "the probes did not run: " + why};
}

void run_canary(ActionContext& ctx, kube::Kubectl& k, const probe::LiveOptions& lo, const probe::Owner& own) {
    auto started = ctx.options().now_ms();
    record_canary(ctx, probe::run_canary(k, lo, own), started);
}

}  // namespace

// Enforced: passed. Proven not enforced: skipped (a property of the cluster, with a notice).
// Could not tell (the canary itself did not run): an error.
void record_canary(ActionContext& ctx, const Result<probe::Canary>& canary, std::int64_t started) {
    auto& e = ctx.state().enforcement;
    e.checked = true;
    auto c = ctx.start_case("enforcement canary");
    c.start_ms = started;
    e.enforced = canary && canary->verdict == probe::Canary::Verdict::enforced;
    e.rejects = e.enforced && canary->blocked_as == "refused";
    e.why_unproven = canary ? canary->message : canary.error().describe();
    if (!canary) {
        c.outcome = report::Outcome::error;
        c.message = canary.error().describe();
    } else {
        c.outcome = e.enforced ? report::Outcome::passed
                    : canary->verdict == probe::Canary::Verdict::not_enforced ? report::Outcome::skipped
                                                                                : report::Outcome::error;
        c.message = canary->message;
        for (const auto& p : canary->probes)
            c.evidence.push_back({p.spec.name, std::string("expected ") + (p.spec.expect == probe::Expect::reachable ? "reachable" : "blocked") +
                                                   ", observed " + observed_text(p.reading)});
        if (!e.enforced) ctx.run().notices.insert(ctx.run().notices.begin(), canary->message + ": expected-blocked probes are skipped, not passed");
    }
    ctx.finish(std::move(c));
}

std::vector<probe::Spec> early_probes(const std::vector<probe::Spec>& planned) {
    std::vector<probe::Spec> out;
    auto blocked_need = [](const probe::Spec& s) { return s.expect == probe::Expect::reachable && !s.predicted_allowed; };
    for (const auto& s : planned)
        if (blocked_need(s)) out.push_back(s);
    auto targets = out;
    for (const auto& t : targets) {
        auto has_witness = std::any_of(out.begin(), out.end(), [&](const probe::Spec& s) {
            return s.predicted_allowed && s.host == t.host && s.port == t.port;
        });
        if (has_witness) continue;
        auto w = std::find_if(planned.begin(), planned.end(), [&](const probe::Spec& s) {
            return s.expect == probe::Expect::reachable && s.predicted_allowed && s.host == t.host && s.port == t.port;
        });
        if (w != planned.end()) out.push_back(*w);
    }
    return out;
}

bool agrees_blocked(const probe::Attempt& a, const std::vector<probe::Attempt>& batch, const Enforcement& enforcement, bool backend_ready) {
    const auto& spec = a.spec;
    if (spec.expect != probe::Expect::reachable || spec.predicted_allowed || !enforcement.enforced) return false;
    if (a.reading.observed != probe::Observed::blocked) return false;  // not run, unresolved, reached: no agreement
    if (spec.backend && !backend_ready) return false;                 // nothing answers there: no policy verdict
    if (!a.reading.refused()) return true;                             // dropped: the policy's signature
    return refusal_witness(a, batch, enforcement) != nullptr;          // refused: only by a rejecting enforcer, before a listener
}

ProbeJudgement judge_probe(const probe::Attempt& out, const std::vector<probe::Attempt>& batch, const Enforcement& enforcement,
                           bool backend_ready) {
    const auto& spec = out.spec;
    bool expect_reach = spec.expect == probe::Expect::reachable;
    bool backend_down = spec.backend && !reached(out.reading) && !backend_ready;
    const auto* witness = witness_for(out, batch, enforcement);
    ProbeJudgement j;
    auto& c = j.probe;
    c.message = "expected " + std::string(expect_reach ? "reachable" : "blocked") + ", observed " + observed_text(out.reading) +
                "; static analysis: " + (spec.predicted_allowed ? "allowed" : "blocked");
    c.facts = {{"expected", expect_reach ? "reachable" : "blocked"},
               {"observed", observed_text(out.reading)},
               {"static", spec.predicted_allowed ? "allowed" : "blocked"}};
    judge_outcome(c, out, enforcement, backend_down, witness);
    c.evidence.push_back({"probe pod " + out.pod, "identity " + spec.identity + " (service account " + spec.service_account + "), " +
                                                      probe::to_string(spec.kind) + " " + spec.host + ":" + std::to_string(spec.port)});
    j.disagreement = disagreement(out, enforcement, backend_down, witness);
    return j;
}

Verdict probes(ActionContext& ctx, const Release& r, std::chrono::milliseconds deadline) {
    if (!ctx.options().probes_enabled) {
        for (const auto& spec : r.probes) ctx.skip(spec.name, "--no-probes");
        return {report::Outcome::skipped, ""};
    }
    if (r.probes.empty()) return {};
    if (r.probe_image.empty()) return error_all(ctx, r, "no probe image: pass --probe-image");
    auto k = ctx.kubectl();
    auto own = ctx.owner(k);
    if (!own) return error_all(ctx, r, "cannot create the probe owner: " + own.error().describe());
    probe::LiveOptions lo{ctx.ns(), r.probe_image, ctx.options().probe_timeout_s, ctx.left(deadline)};
    if (!ctx.state().enforcement.checked) run_canary(ctx, k, lo, *own);
    auto outcomes = probe::run_batch(k, r.probes, lo, "probe-" + std::to_string(++ctx.state().batches), *own);
    ctx.release_owner(k);
    ctx.count("probes");
    if (!outcomes) return error_all(ctx, r, "probes could not be created: " + outcomes.error().describe());
    Verdict v;
    for (const auto& out : *outcomes) {
        bool ready = !out.spec.backend || workload_ready(ctx.state().snapshot, *out.spec.backend);
        auto j = judge_probe(out, *outcomes, ctx.state().enforcement, ready);
        auto c = ctx.start_case(out.spec.name);
        c.outcome = j.probe.outcome;
        c.message = j.probe.message;
        c.facts = std::move(j.probe.facts);
        c.evidence = std::move(j.probe.evidence);
        if (c.outcome == report::Outcome::failed || c.outcome == report::Outcome::error) {
            v.outcome = report::Outcome::failed;
            if (v.failure.empty()) v.failure = c.name + ": " + c.message;
        }
        ctx.finish(std::move(c));
        if (j.disagreement) {
            auto d = ctx.start_case("static vs live: " + out.spec.name);
            d.outcome = j.disagreement->outcome;
            d.message = j.disagreement->message;
            if (d.outcome == report::Outcome::failed) {
                v.outcome = report::Outcome::failed;
                if (v.failure.empty()) v.failure = d.name + ": " + d.message;
            }
            ctx.finish(std::move(d));
        }
    }
    return v;
}

}  // namespace preflight::scenario
