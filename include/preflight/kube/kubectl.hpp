// kubectl: pure argv builders, and a thin client that runs them through a proc::Runner.
#pragma once
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/model/value.hpp"
#include "preflight/proc/runner.hpp"

namespace preflight::kube {

// Which cluster kubectl talks to. Every command gets an explicit kubeconfig (never the user's
// ~/.kube/config by accident) and its own discovery cache (no stale answers between runs).
struct Target {
    std::string kubeconfig;
    std::string context;  // empty: the kubeconfig's current context
    std::string cache_dir;
};

using Args = std::vector<std::string>;

Args base_args(const Target& t);
// Server-side apply of the manifests on stdin, taking over conflicting fields (Argo CD >= 3.3).
Args apply_args(const Target& t, std::string_view ns);
Args get_json_args(const Target& t, std::string_view resource, std::string_view ns);
// A cluster-scoped object ("kind/name" or "resource name" as one word) in `output` format;
// nothing at all when it does not exist.
Args get_if_exists_args(const Target& t, std::string_view object, std::string_view output);
// Deletes cluster-scoped `objects` ("kind/name"), not waiting for finalizers.
Args delete_cluster_objects_args(const Target& t, const std::vector<std::string>& objects);
// One object as JSON (a missing one is kubectl's NotFound error).
Args get_object_json_args(const Target& t, std::string_view resource, std::string_view name, std::string_view ns);
// The base64 value of `key` in Secret `secret` (nothing when the Secret does not exist); run it
// with Command::secret_output.
Args secret_field_args(const Target& t, std::string_view ns, std::string_view secret, std::string_view key);
// The API server's own EndpointSlice (default/kubernetes): where pods' traffic to
// kubernetes.default.svc:443 really goes after DNAT.
Args apiserver_endpointslice_args(const Target& t);
// "ADDRESS:PORT" of the first ready endpoint (the `https` port); Error::infrastructure otherwise.
Result<std::string> parse_apiserver_endpointslice(std::string_view json);
// A list then a watch, printed as one {"type","object"} JSON per line.
Args watch_args(const Target& t, std::string_view resource, std::string_view ns);
Args logs_args(const Target& t, std::string_view ns, std::string_view pod, std::string_view container, bool previous);
// Whether `kubectl logs` printed the kubelet's "no log to give" answer instead of a log: the
// container's status could not be read (kubelet GetContainerLogs: "unable to retrieve container
// logs for containerd://ID"), seen on a real kubelet right after a restart replaced the
// container --previous names. Such text is never a container's own line.
bool log_unavailable(std::string_view output);
// Logs of container `container` of every pod labelled `selector`, each line prefixed with
// "[pod/NAME/CONTAINER] ": one process for a whole batch of pods.
Args logs_by_label_args(const Target& t, std::string_view ns, std::string_view selector, std::string_view container, int max_pods);
// Splits the output of logs_by_label_args into pod name -> its lines.
std::map<std::string, std::string> split_prefixed_logs(std::string_view text);
Args describe_args(const Target& t, std::string_view ns, std::string_view resource, std::string_view name);
Args version_args(const Target& t);
Args delete_namespace_args(const Target& t, std::string_view ns);
// The pods labelled `selector` as a JSON List (a hook Job's pods: job-name=NAME).
Args pods_by_selector_args(const Target& t, std::string_view ns, std::string_view selector);
// Deletes one namespaced object and waits until it is gone (a Helm hook's delete policy; a Job
// takes its pods with it: propagation Background).
Args delete_object_args(const Target& t, std::string_view ns, std::string_view kind, std::string_view name);
// Deletes one pod (the forced-rollback step for a StatefulSet stuck on a broken revision).
Args delete_pod_args(const Target& t, std::string_view ns, std::string_view pod);

// A Namespace manifest (JSON) for `apply_args`.
std::string namespace_manifest(std::string_view ns);

struct Versions {
    int client_minor = 0, server_minor = 0;
    std::string client, server;  // gitVersion
};
// Parses `kubectl version -o json`; Error::infrastructure when the server part is missing.
Result<Versions> parse_versions(std::string_view json);

class Kubectl {
public:
    Kubectl(proc::Runner& runner, Target target) : m_runner(runner), m_target(std::move(target)) {}
    const Target& target() const { return m_target; }
    proc::Runner& runner() { return m_runner; }

    Result<Versions> versions(std::chrono::milliseconds timeout);
    // Applies `manifests` (YAML or JSON) into `ns`; returns kubectl's stdout.
    Result<std::string> apply(const std::string& manifests, std::string_view ns, std::chrono::milliseconds timeout);
    Result<model::Value> get_json(std::string_view resource, std::string_view ns, std::chrono::milliseconds timeout);
    // Raw stdout of any read-only command built with the builders above.
    Result<std::string> output(const Args& args, std::chrono::milliseconds timeout, bool survives_first_signal = false);

private:
    proc::Runner& m_runner;
    Target m_target;
};

}  // namespace preflight::kube
