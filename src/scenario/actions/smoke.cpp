// smoke: Argo CD doing its job — log in to its API, create an Application from a git source,
// see it Synced and Healthy; later steps check that it still is.
#include <algorithm>
#include <thread>

#include "preflight/health/health.hpp"
#include "preflight/model/manifest.hpp"
#include "preflight/probe/smoke.hpp"
#include "preflight/scenario/actions.hpp"
#include "preflight/util/text.hpp"

namespace preflight::scenario {
using namespace std::chrono_literals;

namespace {

struct SmokeStepName {
    const char* step;  // the smoke pod's word
    const char* name;  // the case
};
constexpr SmokeStepName k_steps[] = {{"login", "smoke: log in to the Argo CD API"},
                                     {"create", "smoke: create Application"},
                                     {"wait", "smoke: Application Synced and Healthy"}};

Verdict skip_from(ActionContext& ctx, std::size_t from, const std::string& why) {
    for (std::size_t i = from; i < std::size(k_steps); ++i) ctx.skip(k_steps[i].name, why);
    return {report::Outcome::skipped, ""};
}

// The initial admin password, registered with the run's redactor so that nothing written out
// can show it (neither base64 nor plain).
void register_admin_password(ActionContext& ctx, kube::Kubectl& k) {
    proc::Command get{kube::secret_field_args(k.target(), ctx.ns(), ctx.options().smoke.admin_secret, "password"), ctx.left(30s)};
    get.secret_output = true;
    if (auto pw = proc::check(get, k.runner().run(get)); pw && !pw->out.empty()) {
        ctx.redactor().add(pw->out);
        if (auto plain = text::base64_decode(pw->out)) ctx.redactor().add(*plain);
    }
}

// The smoke Application as Argo CD reports it: its health, and whether it is Synced.
struct AppState {
    health::Health health;
    bool synced = false;
    std::string text() const { return std::string(health::to_string(health.status)) + ": " + health.message; }
    bool good() const { return synced && health.status == health::Status::healthy; }
};

std::optional<AppState> application_state(ActionContext& ctx, kube::Kubectl& k) {
    auto app = k.output(kube::get_object_json_args(k.target(), "applications.argoproj.io", ctx.options().smoke.app, ctx.ns()), ctx.left(30s));
    if (!app) return std::nullopt;
    auto docs = model::parse_documents("application", *app);
    if (!docs || docs->empty()) return std::nullopt;
    auto h = health::assess((*docs)[0]);
    if (!h) return std::nullopt;
    return AppState{*h, (*docs)[0].at_path({"status", "sync", "status"}).str() == "Synced"};
}

// One case per step the smoke pod reported, in order; the first failed one ends it.
Verdict report_steps(ActionContext& ctx, kube::Kubectl& k, const std::vector<probe::SmokeStep>& parsed, std::int64_t started) {
    for (std::size_t i = 0; i < std::size(k_steps); ++i) {
        auto it = std::find_if(parsed.begin(), parsed.end(), [&](const probe::SmokeStep& s) { return s.step == k_steps[i].step; });
        if (it == parsed.end()) {
            skip_from(ctx, i, i == 0 ? "no output from the smoke pod" : "an earlier step failed");
            return i == 0 ? Verdict{report::Outcome::error, "no output from the smoke pod"} : Verdict{report::Outcome::failed, ""};
        }
        auto c = ctx.start_case(k_steps[i].name);
        c.start_ms = started;
        c.outcome = it->ok ? report::Outcome::passed : report::Outcome::failed;
        c.message = it->detail;
        if (i == 2 && it->ok) {
            ctx.state().smoke_created = true;
            if (auto app = application_state(ctx, k)) c.evidence.push_back({"Application " + ctx.options().smoke.app, app->text()});
        }
        Verdict v{c.outcome, it->ok ? "" : c.name + ": " + c.message};
        ctx.finish(std::move(c));
        if (!it->ok) {
            skip_from(ctx, i + 1, "an earlier step failed");
            return v;
        }
    }
    return {};
}

}  // namespace

Verdict smoke_create(ActionContext& ctx, const Release& r, std::optional<std::chrono::milliseconds> timeout) {
    if (!ctx.options().smoke_enabled) return skip_from(ctx, 0, "--no-smoke");
    if (!r.smoke_target)
        return skip_from(ctx, 0, !r.smoke_skip_reason.empty() ? r.smoke_skip_reason
                                                              : "the manifests run no Argo CD API server (argocd-server), e.g. core-install");
    if (!ctx.state().install.healthy) return skip_from(ctx, 0, "Argo CD did not become Healthy");
    auto k = ctx.kubectl();
    auto own = ctx.owner(k);
    if (!own) return skip_from(ctx, 0, "cannot create the probe owner: " + own.error().describe());
    register_admin_password(ctx, k);
    auto options = ctx.options().smoke;
    if (timeout) options.timeout_s = static_cast<int>(timeout->count() / 1000);
    auto started = ctx.options().now_ms();
    auto pod = "preflight-smoke-" + std::to_string(++ctx.state().batches);
    auto log = probe::run_to_completion(k, ctx.ns(), probe::smoke_pod_manifest(*r.smoke_target, options, pod, *own), pod, "smoke",
                                        ctx.left(std::chrono::seconds(options.timeout_s + 60)));
    ctx.release_owner(k);
    ctx.count("smoke");
    if (!log) {
        auto c = ctx.start_case(k_steps[0].name);
        c.outcome = report::Outcome::error;
        c.message = log.error().describe();
        Verdict v{c.outcome, c.message};
        ctx.finish(std::move(c));
        skip_from(ctx, 1, "the smoke pod did not run");
        return v;
    }
    return report_steps(ctx, k, probe::parse_smoke(*log), started);
}

Verdict smoke_verify(ActionContext& ctx) {
    if (!ctx.state().smoke_created) return ctx.skip("smoke: Application still Synced and Healthy", "no smoke Application was created earlier");
    auto k = ctx.kubectl();
    auto c = ctx.start_case("smoke: Application still Synced and Healthy");
    // Argo CD needs a moment after an upgrade: poll its status through one watch-free loop of
    // gets, bounded by the smoke timeout.
    auto until = std::chrono::steady_clock::now() + ctx.left(std::chrono::seconds(ctx.options().smoke.timeout_s));
    std::optional<AppState> app;
    while (true) {
        app = application_state(ctx, k);
        if ((app && app->good()) || std::chrono::steady_clock::now() >= until || proc::interrupt_level() > 0) break;
        std::this_thread::sleep_for(1s);
    }
    ctx.count("smoke");
    bool ok = app && app->good();
    c.outcome = ok ? report::Outcome::passed : report::Outcome::failed;
    c.message = "Application " + ctx.options().smoke.app + (app ? ": " + app->text() : " not found");
    Verdict v{c.outcome, ok ? "" : c.message};
    ctx.finish(std::move(c));
    return v;
}

}  // namespace preflight::scenario
