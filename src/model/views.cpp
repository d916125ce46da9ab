// Typed views: decoding pod templates, services, RBAC and friends from Values.
#include "preflight/model/views.hpp"

namespace preflight::model {
namespace {

Labels labels_of(const Value& v) {
    Labels out;
    for (auto& [k, val] : v.string_map()) out[k] = val;
    return out;
}

std::optional<SecretKeyRef> key_ref(const Value& v) {
    if (!v.is_mapping()) return std::nullopt;
    SecretKeyRef r{std::string(v["name"].str()), std::string(v["key"].str()), v["optional"].as_bool().value_or(false)};
    return r;
}

Container container_of(const Value& c, bool init) {
    Container out;
    out.name = c["name"].str();
    out.image = c["image"].str();
    out.init = init;
    out.sidecar = init && c["restartPolicy"].str() == "Always";
    out.mark = c.mark;
    out.command = c["command"].string_list();
    out.args = c["args"].string_list();
    for (const auto& e : c["env"].items) {
        EnvVar ev;
        ev.name = e["name"].str();
        ev.value = e["value"].str();
        ev.secret_ref = key_ref(e.at_path({"valueFrom", "secretKeyRef"}));
        ev.config_map_ref = key_ref(e.at_path({"valueFrom", "configMapKeyRef"}));
        out.env.push_back(std::move(ev));
    }
    for (const auto& e : c["envFrom"].items) {
        if (auto n = e.at_path({"secretRef", "name"}).str(); !n.empty()) out.env_from_secrets.emplace_back(n);
        if (auto n = e.at_path({"configMapRef", "name"}).str(); !n.empty()) out.env_from_config_maps.emplace_back(n);
    }
    for (const auto& m : c["volumeMounts"].items) out.volume_mounts.emplace_back(std::string(m["name"].str()), m["name"].mark);
    for (const auto& p : c["ports"].items) {
        if (!p["name"].str().empty()) out.port_names.emplace_back(std::string(p["name"].str()), p["name"].mark);
        ContainerPort cp;
        cp.name = p["name"].str();
        cp.port = p["containerPort"].as_int().value_or(0);
        if (auto proto = p["protocol"].str(); !proto.empty()) cp.protocol = proto;
        out.ports.push_back(std::move(cp));
    }
    return out;
}

PodSpecView pod_spec_of(const Value& template_meta, const Value& spec) {
    PodSpecView out;
    out.labels = labels_of(template_meta["labels"]);
    for (const auto& c : spec["initContainers"].items) out.containers.push_back(container_of(c, true));
    for (const auto& c : spec["containers"].items) out.containers.push_back(container_of(c, false));
    if (auto sa = spec["serviceAccountName"].str(); !sa.empty()) out.service_account = sa;
    else if (auto legacy = spec["serviceAccount"].str(); !legacy.empty()) out.service_account = legacy;
    out.automount_token = spec["automountServiceAccountToken"].as_bool();
    out.host_network = spec["hostNetwork"].as_bool().value_or(false);
    out.dns_policy = spec["dnsPolicy"].str();
    for (const auto& vol : spec["volumes"].items) {
        out.volumes.emplace_back(std::string(vol["name"].str()), vol["name"].mark);
        if (auto n = vol.at_path({"secret", "secretName"}).str(); !n.empty()) out.secret_volumes.emplace_back(n);
        for (const auto& src : vol.at_path({"projected", "sources"}).items) {
            if (auto n = src.at_path({"secret", "name"}).str(); !n.empty()) out.secret_volumes.emplace_back(n);
            if (src.find("serviceAccountToken")) out.projected_token_volume = true;
        }
    }
    return out;
}

std::vector<PolicyRule> rules_of(const Value& v) {
    std::vector<PolicyRule> out;
    for (const auto& r : v.items)
        out.push_back({r["apiGroups"].string_list(), r["resources"].string_list(), r["verbs"].string_list(),
                       r["resourceNames"].string_list()});
    return out;
}

}  // namespace

bool is_cluster_scoped(const std::string& kind) {
    static const char* const k_kinds[] = {
        "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Node",
        "PersistentVolume", "StorageClass", "APIService", "PriorityClass", "IngressClass",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "CSIDriver",
        "RuntimeClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy", "CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy"};
    for (const char* k : k_kinds)
        if (kind == k) return true;
    return false;
}

const ServiceAccount* Inventory::service_account(const std::string& ns, const std::string& name) const {
    for (const auto& sa : service_accounts)
        if (sa.ns == ns && sa.name == name) return &sa;
    return nullptr;
}

const NamedData* Inventory::secret(const std::string& ns, const std::string& name) const {
    for (const auto& s : secrets)
        if (s.ns == ns && s.name == name) return &s;
    return nullptr;
}

Inventory build_inventory(const std::vector<Object>& objects, const std::string& default_ns) {
    Inventory inv;
    inv.default_ns = default_ns;
    for (const auto& obj : objects) {
        std::string ns = obj.ns.empty() && !is_cluster_scoped(obj.kind) ? default_ns : obj.ns;
        const std::string& k = obj.kind;
        const Value& spec = obj.spec();
        if (k == "Deployment" || k == "StatefulSet" || k == "DaemonSet" || k == "ReplicaSet" || k == "Job" ||
            k == "Pod" || k == "CronJob") {
            Workload w{&obj, k, obj.name, ns, {}, 1, {}, {}};
            if (k == "Pod") {
                w.pod = pod_spec_of(obj.metadata(), spec);
                // Named by its controller (as netpol-analyzer names it): only the owner reference
                // with controller: true counts, and a static pod (its controller is the Node) is
                // a Pod of its own.
                for (const auto& owner : obj.metadata()["ownerReferences"].items)
                    if (owner["controller"].as_bool().value_or(false)) {
                        if (owner["kind"].str() != "Node" && !owner["kind"].str().empty()) {
                            w.owner_kind = owner["kind"].str();
                            w.owner_name = owner["name"].str();
                        }
                        break;
                    }
            } else if (k == "CronJob") {
                const Value& tmpl = spec.at_path({"jobTemplate", "spec", "template"});
                w.pod = pod_spec_of(tmpl["metadata"], tmpl["spec"]);
            } else {
                w.pod = pod_spec_of(spec.at_path({"template", "metadata"}), spec.at_path({"template", "spec"}));
                w.replicas = spec["replicas"].as_int().value_or(1);
            }
            inv.workloads.push_back(std::move(w));
        } else if (k == "Service") {
            Service s{&obj, obj.name, ns};
            if (auto t = spec["type"].str(); !t.empty()) s.type = t;
            s.selector = labels_of(spec["selector"]);
            s.headless = spec["clusterIP"].str() == "None";
            for (const auto& p : spec["ports"].items) {
                ServicePort sp;
                sp.name = p["name"].str();
                sp.port = p["port"].as_int().value_or(0);
                sp.target_port = p["targetPort"].str();
                if (auto proto = p["protocol"].str(); !proto.empty()) sp.protocol = proto;
                s.ports.push_back(std::move(sp));
            }
            inv.services.push_back(std::move(s));
        } else if (k == "NetworkPolicy" && (obj.api_version.starts_with("networking.k8s.io/") || obj.api_version == "extensions/v1beta1")) {
            inv.network_policies.push_back(&obj);
        } else if (k == "NetworkPolicy" || k == "AdminNetworkPolicy" || k == "BaselineAdminNetworkPolicy" || k == "CiliumNetworkPolicy" ||
                   k == "CiliumClusterwideNetworkPolicy" || k == "GlobalNetworkPolicy" || k == "ClusterNetworkPolicy") {
            inv.unmodelled_policies.push_back(&obj);
        } else if (k == "ServiceAccount") {
            inv.service_accounts.push_back({&obj, obj.name, ns, obj.body["automountServiceAccountToken"].as_bool()});
        } else if (k == "Role" || k == "ClusterRole") {
            inv.roles.push_back({&obj, obj.name, k == "Role" ? ns : "", k == "ClusterRole", rules_of(obj.body["rules"])});
        } else if (k == "RoleBinding" || k == "ClusterRoleBinding") {
            RoleBinding b{&obj, obj.name, k == "RoleBinding" ? ns : "", k == "ClusterRoleBinding"};
            b.role_kind = obj.body.at_path({"roleRef", "kind"}).str();
            b.role_name = obj.body.at_path({"roleRef", "name"}).str();
            for (const auto& s : obj.body["subjects"].items) {
                Subject sub{std::string(s["kind"].str()), std::string(s["name"].str()), std::string(s["namespace"].str())};
                if (sub.kind == "ServiceAccount" && sub.ns.empty()) sub.ns = ns.empty() ? default_ns : ns;
                b.subjects.push_back(std::move(sub));
            }
            inv.bindings.push_back(std::move(b));
        } else if (k == "Secret" || k == "ConfigMap") {
            NamedData d{&obj, obj.name, ns};
            for (const char* field : {"data", "stringData", "binaryData"})
                for (const auto& [key, _] : obj.body[field].entries) d.keys.push_back(key);
            (k == "Secret" ? inv.secrets : inv.config_maps).push_back(std::move(d));
        } else if (k == "Namespace") {
            inv.namespaces.push_back({&obj, obj.name, labels_of(obj.metadata()["labels"])});
        } else if (k == "CustomResourceDefinition") {
            inv.crds.push_back({&obj, obj.name, std::string(spec["group"].str()),
                                std::string(spec.at_path({"names", "kind"}).str())});
        }
    }
    return inv;
}

}  // namespace preflight::model
