// Where the candidate is installed: an ephemeral kind cluster, or a cluster the team already has.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "preflight/proc/runner.hpp"

namespace preflight::cluster {

enum class Retain { never, on_failure, always };
Result<Retain> parse_retain(std::string_view text);

// What only the kind provider reads.
struct KindSpec {
    std::string node_image;  // pinned by digest
    int workers = 0;         // worker nodes besides the control plane
    // kind in docker-in-docker (GitLab's docker:dind): publish the API server on this address
    // (e.g. 0.0.0.0) and reach it through this host (e.g. docker), which the certificate then
    // names too. Empty: kind's defaults (127.0.0.1).
    std::string api_address, kubeconfig_host;
};

// What only the existing provider reads: where to go.
struct ExistingSpec {
    std::string kubeconfig, context;
};

struct ClusterSpec {
    std::string work_dir;  // private directory for kubeconfig and config files
    std::string ns;        // the namespace the run will own (existing: must not exist yet)
    std::chrono::milliseconds create_timeout{300'000};
    KindSpec kind;
    ExistingSpec existing;
};

enum class ProviderKind { kind, existing };
// "kind" or "existing"; Error::usage otherwise.
Result<ProviderKind> parse_provider(std::string_view text);

struct ClusterInfo {
    std::string provider;  // "kind", "existing"
    std::string name;
    std::string kubeconfig, context;
    std::string node_image;
    std::string tool_version;  // "kind v0.32.0"
    // Whether the cluster's network plugin is known to enforce NetworkPolicy, and why not.
    bool enforces_network_policy = true;
    std::string enforcement_note;
    std::vector<std::string> notices;  // other things the run should say first
    // What the provider can do; callers read these, never its name.
    bool can_preload = false;      // locally present images can be loaded into the nodes
    bool owns_kubeconfig = false;  // the kubeconfig is the run's own (kept with --retain); else the user's file and credentials
    bool exports_logs = false;     // collect_logs writes node and runtime logs into its directory
};

class ClusterProvider {
public:
    virtual ~ClusterProvider() = default;
    // Checks the tools the provider needs; Error::infrastructure saying what to do.
    virtual Result<void> check_tools() = 0;
    virtual Result<void> create(const ClusterSpec& spec) = 0;
    // Removes what create made (idempotent). Runs after a first signal too.
    virtual Result<void> destroy() = 0;
    // Node and runtime logs into `dir` (kind export logs); empty Result when not applicable.
    virtual Result<void> collect_logs(const std::string& dir) = 0;
    // Makes locally present images available to the nodes; returns the images loaded.
    virtual Result<std::vector<std::string>> preload(const std::vector<std::string>& images) = 0;
    // What to tell the user to remove by hand when destroy could not finish.
    virtual std::string leftover_hint() const = 0;
    virtual const ClusterInfo& info() const = 0;
};

// Pure helpers (unit-tested).
struct KindVersion {
    int major = 0, minor = 0, patch = 0;
};
// Parses `kind version` output ("kind v0.32.0 go1.24.4 linux/amd64"); nullopt when unreadable.
std::optional<KindVersion> parse_kind_version(std::string_view text);

// What a kind node image says about NetworkPolicy enforcement, which comes from the kindnetd it
// ships (with network policies since the images of kind v0.24, Kubernetes 1.31 and later), not
// from the kind binary: `known` false means only the enforcement canary can tell.
struct NodeImageEnforcement {
    bool known = false;
    std::string note;  // empty when known
};
NodeImageEnforcement enforcement_for_node_image(std::string_view image);
// A kind.x-k8s.io/v1alpha4 Cluster config: one control plane and `workers` workers; the default
// CNI (kindnet) is kept because it is what enforces NetworkPolicy (kind >= v0.24).
// `api_address` sets networking.apiServerAddress; `extra_sans` are added to the API server
// certificate (a kubeadm ClusterConfiguration patch kind translates to the node's version).
std::string kind_config(int workers, const std::string& api_address = "", const std::vector<std::string>& extra_sans = {});
// The kubeconfig `text` with the server host of every cluster replaced by `host`.
std::string with_server_host(std::string_view text, std::string_view host);
// "preflight-" + 8 hex characters from `entropy`: valid for kind (^[a-z0-9.-]+$), short enough
// for node hostnames.
std::string cluster_name(std::uint64_t entropy);
// Images to preload: those the manifests use that `docker images` lists (repo:tag lines).
std::vector<std::string> images_present(const std::vector<std::string>& wanted, std::string_view docker_images_output);

// The node image used when none is given: built for kind v0.32.0, within one minor of kubectl 1.32/1.33.
inline constexpr const char* k_default_node_image =
    "kindest/node:v1.33.12@sha256:3f5c8443c620245e4d355cfe09e96a91ead32ceaa569d3f1ca9edf0cb2fe2ff4";

std::unique_ptr<ClusterProvider> make_kind_provider(proc::Runner& runner);
std::unique_ptr<ClusterProvider> make_existing_provider(proc::Runner& runner);

}  // namespace preflight::cluster
