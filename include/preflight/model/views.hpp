// Typed views of the objects later checks need, built once from parsed objects.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "preflight/model/manifest.hpp"

namespace preflight::model {

using Labels = std::map<std::string, std::string>;

struct SecretKeyRef {
    std::string name;
    std::string key;
    bool optional = false;
};

struct EnvVar {
    std::string name;
    std::string value;                       // literal value, if any
    std::optional<SecretKeyRef> secret_ref;  // valueFrom.secretKeyRef
    std::optional<SecretKeyRef> config_map_ref;
};

struct ContainerPort {
    std::string name;
    std::int64_t port = 0;
    std::string protocol = "TCP";
};

struct Container {
    std::string name;
    std::string image;
    bool init = false;
    bool sidecar = false;  // an init container with restartPolicy: Always: runs beside the others
    std::vector<std::string> command;
    std::vector<std::string> args;
    std::vector<EnvVar> env;
    std::vector<std::string> env_from_secrets;
    std::vector<std::string> env_from_config_maps;
    std::vector<ContainerPort> ports;
    std::vector<std::pair<std::string, Mark>> volume_mounts;  // volumeMounts[].name, where written
    std::vector<std::pair<std::string, Mark>> port_names;     // ports[].name (non-empty), where written
    Mark mark;
};

struct PodSpecView {
    Labels labels;  // pod (template) labels
    std::vector<Container> containers;  // init containers first, in order, then containers
    std::string service_account = "default";
    std::optional<bool> automount_token;  // pod-level automountServiceAccountToken
    bool host_network = false;
    std::vector<std::string> secret_volumes;  // secret volumes and projected secrets
    bool projected_token_volume = false;  // a projected serviceAccountToken volume
    std::string dns_policy;
    std::vector<std::pair<std::string, Mark>> volumes;  // volumes[].name, where written
};

// A workload: anything that creates pods from a template, or a Pod itself.
struct Workload {
    const Object* object = nullptr;
    std::string kind, name, ns;
    PodSpecView pod;
    std::int64_t replicas = 1;
    // For a Pod with a controller owner: that owner's kind and name ("" otherwise).
    std::string owner_kind, owner_name;
};

struct ServicePort {
    std::string name;
    std::int64_t port = 0;
    std::string target_port;  // number as text, or a port name; empty = same as port
    std::string protocol = "TCP";
};

struct Service {
    const Object* object = nullptr;
    std::string name, ns, type = "ClusterIP";
    Labels selector;
    std::vector<ServicePort> ports;
    bool headless = false;
};

struct PolicyRule {
    std::vector<std::string> api_groups, resources, verbs, resource_names;
};

struct Role {
    const Object* object = nullptr;
    std::string name, ns;  // ns empty for a ClusterRole
    bool cluster = false;
    std::vector<PolicyRule> rules;
};

struct Subject {
    std::string kind, name, ns;
};

struct RoleBinding {
    const Object* object = nullptr;
    std::string name, ns;
    bool cluster = false;
    std::string role_kind, role_name;
    std::vector<Subject> subjects;
};

struct ServiceAccount {
    const Object* object = nullptr;
    std::string name, ns;
    std::optional<bool> automount_token;
};

struct NamedData {
    const Object* object = nullptr;  // Secret or ConfigMap
    std::string name, ns;
    std::vector<std::string> keys;
};

struct NamespaceView {
    const Object* object = nullptr;
    std::string name;
    Labels labels;
};

struct Crd {
    const Object* object = nullptr;
    std::string name, group, kind;
};

// Everything the checks read, with namespaces already defaulted to `default_ns` for
// namespaced objects that have none. Views point into `objects`, which must outlive them.
struct Inventory {
    std::string default_ns;
    std::vector<Workload> workloads;
    std::vector<Service> services;
    std::vector<const Object*> network_policies;  // parsed with validation by analysis
    // Policy objects of other APIs (AdminNetworkPolicy, BaselineAdminNetworkPolicy, Cilium's,
    // Calico's) that the analysis does not model: reported, never silently dropped.
    std::vector<const Object*> unmodelled_policies;
    std::vector<ServiceAccount> service_accounts;
    std::vector<Role> roles;
    std::vector<RoleBinding> bindings;
    std::vector<NamedData> secrets, config_maps;
    std::vector<NamespaceView> namespaces;
    std::vector<Crd> crds;

    const ServiceAccount* service_account(const std::string& ns, const std::string& name) const;
    const NamedData* secret(const std::string& ns, const std::string& name) const;
};

// Builds the typed views. Never fails: a field of the wrong type reads as absent.
Inventory build_inventory(const std::vector<Object>& objects, const std::string& default_ns);

// Whether `kind` names a cluster-scoped kind (Namespace, ClusterRole, CRD, ...).
bool is_cluster_scoped(const std::string& kind);

}  // namespace preflight::model
