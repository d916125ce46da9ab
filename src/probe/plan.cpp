// Probe plans from the static analysis, shadow-pod manifests, and the probe script's output.
#include "preflight/probe/plan.hpp"

#include "preflight/model/refs.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

namespace preflight::probe {
namespace json = boost::json;

const char* to_string(Kind k) {
    switch (k) {
        case Kind::tcp: return "tcp";
        case Kind::redis: return "redis";
        case Kind::dns: return "dns";
    }
    return "tcp";
}

const char* to_string(Observed o) {
    switch (o) {
        case Observed::reachable: return "reachable";
        case Observed::blocked: return "blocked";
        case Observed::auth_failed: return "reachable, authentication failed";
        case Observed::not_run: return "not run";
        case Observed::unresolved: return "name not resolved";
    }
    return "not run";
}

namespace {

model::WorkloadId workload_of(const analysis::Endpoint& e) { return {e.owner_kind.empty() ? "Pod" : e.owner_kind, e.ns, e.name}; }
std::string identity_of(const analysis::Endpoint& e) { return workload_of(e).text(); }

Spec from_endpoint(const analysis::Endpoint& src) {
    Spec s;
    s.identity = identity_of(src);
    s.source = workload_of(src);
    s.ns = src.ns;
    s.labels = src.labels;
    if (src.workload) s.service_account = src.workload->pod.service_account;
    return s;
}

}  // namespace

std::vector<Spec> plan(const analysis::Engine& engine, const analysis::Analysis& analysis) {
    const auto& eps = engine.endpoints();
    std::vector<Spec> out;
    std::set<std::string> seen;
    auto add = [&](Spec s) {
        auto key = std::string(to_string(s.kind)) + "|" + s.identity + "|" + s.host + "|" + std::to_string(s.port);
        if (seen.insert(key).second) out.push_back(std::move(s));
    };
    for (const auto& need : analysis.requirements) {
        const auto& src = eps.all[need.src];
        if (!src.is_pod() || src.synthetic_dns) continue;
        auto s = from_endpoint(src);
        s.check = need.check;
        s.predicted_allowed = need.allowed;
        if (need.dst == eps.api_server) {
            s.kind = Kind::tcp;
            s.host = "kubernetes.default.svc";
            s.port = need.service_port ? need.service_port : 443;
            s.name = "api-server: " + s.identity + " -> " + s.host + ":" + std::to_string(s.port);
        } else if (need.dst == eps.dns) {
            s.kind = Kind::dns;
            s.host = "kubernetes.default.svc.cluster.local";
            s.name = "dns: " + s.identity + " resolves " + s.host;
        } else if (need.check == analysis::CheckId::redis_reachable && !need.service_name.empty()) {
            s.kind = Kind::redis;
            s.host = need.service_name + "." + need.service_ns + ".svc";
            s.port = need.service_port;
            s.auth = need.auth;
            s.backend = workload_of(eps.all[need.dst]);
            s.name = "redis: " + s.identity + " -> " + s.host + ":" + std::to_string(s.port);
        } else {
            continue;
        }
        add(std::move(s));
    }
    // Isolation: an identity no policy admits must not reach Redis.
    for (const auto& need : analysis.requirements) {
        if (need.check != analysis::CheckId::redis_reachable || need.service_name.empty()) continue;
        const auto& dst = eps.all[need.dst];
        analysis::Endpoint outsider;
        outsider.kind = analysis::EndpointKind::pod;
        outsider.ns = need.service_ns;
        outsider.name = "outsider";
        outsider.owner_kind = "Pod";
        outsider.labels = {{k_probe_label, "outsider"}};
        if (dst.ns == outsider.ns) outsider.ns_labels = dst.ns_labels;
        bool admitted = engine.allowed(outsider, dst).allows(need.protocol, need.port);
        if (admitted) continue;  // no policy isolates this Redis: nothing to prove blocked
        Spec s;
        s.identity = "Pod/outsider";
        s.ns = outsider.ns;
        s.labels = outsider.labels;
        s.check = analysis::CheckId::redis_isolation;
        s.backend = workload_of(dst);
        s.kind = Kind::tcp;
        s.expect = Expect::blocked;
        s.predicted_allowed = false;
        s.host = need.service_name + "." + need.service_ns + ".svc";
        s.port = need.service_port;
        s.name = "redis isolation: an identity no policy admits -> " + s.host + ":" + std::to_string(s.port);
        add(std::move(s));
    }
    return out;
}

std::string default_image(const analysis::Engine& engine, const analysis::Analysis& analysis) {
    const auto& eps = engine.endpoints();
    for (const auto& need : analysis.requirements) {
        if (need.check != analysis::CheckId::redis_reachable) continue;
        const auto* w = eps.all[need.dst].workload;
        if (!w) continue;
        // Only an image that is Redis (its repository's last path segment is `redis`) is known
        // to carry redis-cli; the container on the Redis port may be HAProxy (the HA flavour).
        for (const auto& c : w->pod.containers)
            if (!c.init && model::parse_image_ref(c.image).name() == "redis") return c.image;
    }
    return k_default_probe_image;
}

namespace {

json::object owner_ref(const Owner& owner) {
    return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", owner.name}, {"uid", owner.uid}, {"controller", true},
            {"blockOwnerDeletion", false}};
}

json::object labels_json(const model::Labels& labels) {
    json::object l;
    for (const auto& [k, v] : labels) l[k] = v;
    return l;
}

}  // namespace

std::string pod_manifest(const Spec& spec, const std::string& pod_name, const std::string& image, int timeout_s, const Owner& owner,
                         const std::string& batch) {
    auto labels = labels_json(spec.labels);
    if (!labels.contains(k_probe_label)) labels[k_probe_label] = "shadow";
    if (!batch.empty()) labels[k_batch_label] = batch;
    json::array env{json::object{{"name", "PROBE_KIND"}, {"value", to_string(spec.kind)}},
                    json::object{{"name", "PROBE_HOST"}, {"value", spec.host}},
                    json::object{{"name", "PROBE_PORT"}, {"value", std::to_string(spec.port)}},
                    json::object{{"name", "PROBE_TIMEOUT"}, {"value", std::to_string(timeout_s)}},
                    json::object{{"name", "PROBE_EXPECT"}, {"value", spec.expect == Expect::blocked ? "blocked" : "reachable"}}};
    if (spec.auth)
        // Optional: when the Secret does not exist (yet), the probe still runs and reports NOAUTH.
        env.push_back(json::object{{"name", "REDISCLI_AUTH"},
                                   {"valueFrom", json::object{{"secretKeyRef", json::object{{"name", spec.auth->name}, {"key", spec.auth->key}, {"optional", true}}}}}});
    json::object container{{"name", "probe"},
                           {"image", image},
                           {"imagePullPolicy", "IfNotPresent"},
                           {"command", json::array{"sh", "-c", script()}},
                           {"env", env},
                           {"resources", json::object{{"requests", json::object{{"cpu", "10m"}, {"memory", "16Mi"}}}}}};
    json::object pod{
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", json::object{{"name", pod_name}, {"namespace", spec.ns}, {"labels", labels}, {"ownerReferences", json::array{owner_ref(owner)}}}},
        {"spec", json::object{{"restartPolicy", "Never"},
                              {"serviceAccountName", spec.service_account},
                              {"automountServiceAccountToken", false},
                              // Never Ready: a shadow pod must not join the Services of the identity it borrows.
                              {"readinessGates", json::array{json::object{{"conditionType", "argocd-preflight.io/never-ready"}}}},
                              {"terminationGracePeriodSeconds", 0},
                              {"containers", json::array{container}}}}};
    return json::serialize(pod) + "\n";
}

const std::string& script() {
    // Runs in the probe image (POSIX sh, busybox or coreutils). A dropped SYN and a silent
    // server both leave redis-cli waiting; /proc/net/tcp tells them apart (SYN_SENT vs
    // ESTABLISHED towards the port).
    static const std::string s = R"SH(t="${PROBE_TIMEOUT:-5}"; net="${PROBE_PROC_NET:-/proc/net}"
say() { printf 'PREFLIGHT-PROBE result=%s detail=%s\n' "$1" "$(printf '%s' "$2" | tr '\n' ' ' | cut -c1-300)"; exit 0; }
# The policy enforcer learns this pod's IP from the API server after the pod starts; a SYN sent
# before that may pass a policy that should drop it. Wait before the first dial.
sleep "${PROBE_SETTLE:-2}"
dial() {
  hexport=$(printf '%04X' "$PROBE_PORT"); est=0
  redis-cli -h "$PROBE_HOST" -p "$PROBE_PORT" --no-auth-warning PING >/tmp/probe.out 2>&1 &
  pid=$!; i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt $((t * 10)) ]; do
    if cat "$net/tcp" "$net/tcp6" 2>/dev/null | grep -q ":$hexport 01 "; then est=1; fi
    sleep 0.1; i=$((i + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    if [ "$est" = 1 ]; then res=connected; det="connected; no Redis reply within ${t}s"
    else res=timeout; det="no connection within ${t}s"; fi
    return
  fi
  det=$(cat /tmp/probe.out)
  case "$det" in
  *PONG*) res=pong ;;
  *"Could not connect"*|*"Connection reset"*|*NOAUTH*|*WRONGPASS*|*"invalid password"*|*"invalid username-password"*) res=failed ;;
  *) res=connected ;;
  esac
}
lookup() {
  if command -v getent >/dev/null 2>&1; then out=$(timeout "$t" getent hosts "$PROBE_HOST" 2>&1)
  else out=$(timeout "$t" nslookup "$PROBE_HOST" 2>&1); fi
}
# The enforcer may not know this pod yet when it first dials: a policy's chain for a new pod is
# programmed after the pod starts (seen on the real test cluster: kube-router let a blocked init
# container's first API call through). So every probe tries twice, a settle apart, and the
# second try decides, whatever it was expected to see; the first is kept as evidence.
case "$PROBE_KIND" in
dns)
  if lookup; then first=resolved; else first=failed; fi
  sleep "${PROBE_SETTLE:-2}"
  lookup && say resolved "second lookup (first: $first): $out"
  say dns-failed "${out:-no answer (exit status only)}" ;;
tcp|redis)
  command -v redis-cli >/dev/null 2>&1 || say error "redis-cli not found in the probe image (--probe-image)"
  dial
  sleep "${PROBE_SETTLE:-2}"; first=$res; dial; det="second attempt (first: $first): $det"
  say "$res" "$det" ;;
*) say error "unknown PROBE_KIND '$PROBE_KIND'" ;;
esac
)SH";
    return s;
}

Failure classify_failure(std::string_view text) {
    // Longest, most specific phrases first. Sources: glibc gai_strerror and strerror, musl
    // gai_strerror and strerror, busybox nslookup, hiredis (redis-cli) connect errors.
    struct Row {
        std::string_view phrase;
        Failure failure;
    };
    static const Row k_rows[] = {
        {"Temporary failure in name resolution", Failure::resolver_unreachable},  // glibc EAI_AGAIN
        {"no servers could be reached", Failure::resolver_unreachable},           // busybox nslookup, bind tools
        {"Try again", Failure::resolver_unreachable},                             // musl EAI_AGAIN
        {"Name or service not known", Failure::name_unknown},                     // glibc EAI_NONAME
        {"No address associated with hostname", Failure::name_unknown},           // glibc EAI_NODATA
        {"Name does not resolve", Failure::name_unknown},                         // musl EAI_NONAME
        {"Name has no usable address", Failure::name_unknown},                    // musl EAI_NODATA
        {"NXDOMAIN", Failure::name_unknown},                                      // busybox nslookup
        {"can't resolve", Failure::name_unknown},                                 // older busybox nslookup
        {"Can't find", Failure::name_unknown},                                    // busybox nslookup "*** Can't find x: No answer"
        {"servname not supported", Failure::name_unknown},                        // glibc EAI_SERVICE
        {"Connection refused", Failure::refused},                                 // ECONNREFUSED (glibc and musl)
        {"Connection timed out", Failure::timed_out},                             // ETIMEDOUT glibc
        {"Operation timed out", Failure::timed_out},                              // ETIMEDOUT musl
        {"timed out", Failure::timed_out},
        {"No route to host", Failure::unreachable},                               // EHOSTUNREACH
        {"Host is unreachable", Failure::unreachable},                            // EHOSTUNREACH musl
        {"Network is unreachable", Failure::unreachable},                         // ENETUNREACH
        {"Network unreachable", Failure::unreachable},                            // ENETUNREACH musl
        {"Connection reset by peer", Failure::reset},                             // ECONNRESET
        {"Connection reset", Failure::reset},
        {"NOAUTH", Failure::auth},
        {"WRONGPASS", Failure::auth},
        {"invalid password", Failure::auth},
        {"invalid username-password", Failure::auth},
    };
    for (const auto& row : k_rows)
        if (text.find(row.phrase) != std::string_view::npos) return row.failure;
    return Failure::unknown;
}

Reading parse_output(std::string_view log) {
    Reading r;
    constexpr std::string_view marker = "PREFLIGHT-PROBE result=";
    auto pos = log.rfind(marker);
    if (pos == std::string_view::npos) {
        auto tail = log.substr(log.size() > 300 ? log.size() - 300 : 0);
        r.detail = std::string(tail);
        while (!r.detail.empty() && (r.detail.back() == '\n' || r.detail.back() == ' ')) r.detail.pop_back();
        return r;
    }
    auto line = log.substr(pos + marker.size());
    line = line.substr(0, line.find('\n'));
    auto sp = line.find(" detail=");
    r.result = std::string(line.substr(0, sp));
    if (sp != std::string_view::npos) r.detail = std::string(line.substr(sp + 8));
    if (r.result == "failed" || r.result == "dns-failed") {
        // The client's own words: classified here, from a table of real glibc, musl and
        // busybox texts (classify_failure), not by guesswork in the pod.
        bool dns = r.result == "dns-failed";
        auto c = classify_failure(r.detail);
        switch (c) {
            case Failure::refused: r.result = "refused"; break;
            case Failure::timed_out: r.result = "timeout"; break;
            case Failure::unreachable: r.result = "unreachable"; break;
            case Failure::reset: r.result = "reset"; break;
            case Failure::auth: r.result = "auth-failed"; break;
            case Failure::name_unknown: r.result = "name-unknown"; break;
            case Failure::resolver_unreachable: r.result = dns ? "timeout" : "dns-unreachable"; break;
            case Failure::unknown: r.result = dns ? "dns-failed" : "unclassified"; break;
        }
    }
    if (r.result == "pong" || r.result == "connected" || r.result == "resolved") r.observed = Observed::reachable;
    else if (r.result == "auth-failed") r.observed = Observed::auth_failed;
    else if (r.result == "timeout" || r.result == "refused" || r.result == "unreachable" || r.result == "reset") r.observed = Observed::blocked;
    else if (r.result == "name-unknown" || r.result == "dns-unreachable") r.observed = Observed::unresolved;
    // A DNS lookup that failed without words: getent's exit status 2 is all glibc's getent says,
    // for a name that does not exist as for a resolver it cannot reach (seen on the real test
    // cluster: NXDOMAIN read as a block). No verdict on reachability, so never a proven block.
    else if (r.result == "dns-failed") r.observed = Observed::unresolved;
    else r.observed = Observed::not_run;  // "error", "unclassified": the probe itself could not do its job
    return r;
}

std::string canary_server_manifest(const std::string& ns, const std::string& image, const Owner& owner) {
    auto port = std::to_string(k_canary_port);
    json::object container{{"name", "listener"},
                           {"image", image},
                           {"imagePullPolicy", "IfNotPresent"},
                           {"command", json::array{"sh", "-c",
                                                   "command -v redis-server >/dev/null 2>&1 && exec redis-server --port " + port +
                                                       " --save '' --appendonly no --protected-mode no; exec nc -lk -p " + port}},
                           {"ports", json::array{json::object{{"containerPort", k_canary_port}}}}};
    json::object pod{{"apiVersion", "v1"},
                     {"kind", "Pod"},
                     {"metadata", json::object{{"name", "preflight-canary-server"},
                                               {"namespace", ns},
                                               {"labels", json::object{{k_probe_label, "canary-server"}}},
                                               {"ownerReferences", json::array{owner_ref(owner)}}}},
                     {"spec", json::object{{"automountServiceAccountToken", false}, {"terminationGracePeriodSeconds", 0},
                                           {"containers", json::array{container}}}}};
    return json::serialize(pod) + "\n";
}

std::string canary_policy_manifest(const std::string& ns, const Owner& owner) {
    json::object policy{{"apiVersion", "networking.k8s.io/v1"},
                        {"kind", "NetworkPolicy"},
                        {"metadata", json::object{{"name", "preflight-canary-deny"},
                                                  {"namespace", ns},
                                                  {"labels", json::object{{k_probe_label, "canary"}}},
                                                  {"ownerReferences", json::array{owner_ref(owner)}}}},
                        {"spec", json::object{{"podSelector", json::object{{"matchLabels", json::object{{k_probe_label, "canary-server"}}}}},
                                              {"policyTypes", json::array{"Ingress"}}}}};
    return json::serialize(policy) + "\n";
}

Spec canary_client(const std::string& ns, const std::string& server_ip, Expect expect) {
    Spec s;
    s.identity = "Pod/canary-client";
    s.ns = ns;
    s.labels = {{k_probe_label, "canary-client"}};
    s.check = analysis::CheckId::enforcement_canary;
    s.kind = Kind::tcp;
    s.expect = expect;
    s.predicted_allowed = expect == Expect::reachable;
    s.host = server_ip;
    s.port = k_canary_port;
    s.name = std::string("canary: ") + (expect == Expect::reachable ? "reachable without a policy" : "blocked by a deny-all policy");
    return s;
}

}  // namespace preflight::probe
