// KindProvider: an ephemeral kind cluster per run, with its own kubeconfig file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <random>
#include <set>

#include "preflight/cluster/provider.hpp"

#include "preflight/model/refs.hpp"
#include "preflight/util/files.hpp"
#include "preflight/util/text.hpp"

namespace preflight::cluster {

Result<Retain> parse_retain(std::string_view text) {
    if (text == "never") return Retain::never;
    if (text == "on-failure") return Retain::on_failure;
    if (text == "always") return Retain::always;
    return fail(ErrorKind::usage, "--retain: expected never, on-failure or always, got '" + std::string(text) + "'");
}

Result<ProviderKind> parse_provider(std::string_view text) {
    if (text == "kind") return ProviderKind::kind;
    if (text == "existing") return ProviderKind::existing;
    return fail(ErrorKind::usage, "--provider: expected kind or existing, got '" + std::string(text) + "'");
}

std::optional<KindVersion> parse_kind_version(std::string_view text) {
    auto v = text.find(" v");
    if (!text.starts_with("kind ") || v == std::string_view::npos) return std::nullopt;
    KindVersion out;
    int* parts[] = {&out.major, &out.minor, &out.patch};
    std::size_t i = v + 2;
    for (int k = 0; k < 3; ++k) {
        if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return k >= 2 ? std::optional(out) : std::nullopt;
        int n = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) n = n * 10 + (text[i++] - '0');
        *parts[k] = n;
        if (i < text.size() && text[i] == '.') ++i;
        else break;
    }
    return out;
}

NodeImageEnforcement enforcement_for_node_image(std::string_view image) {
    if (image == k_default_node_image) return {true, ""};
    auto ref = model::parse_image_ref(image);
    auto unknown = [&](const std::string& why) {
        return NodeImageEnforcement{false, "node image " + std::string(image) + ": " + why +
                                               "; whether NetworkPolicy is enforced is decided by the enforcement canary"};
    };
    if (ref.repository != "kindest/node" && !ref.repository.ends_with("/kindest/node")) return unknown("not a kindest/node image");
    auto minor = model::parse_kube_minor(ref.tag);
    if (!minor) return unknown("its tag names no Kubernetes version");
    if (*minor >= 31) return {true, ""};
    return unknown("Kubernetes " + ref.tag + " images may predate kindnetd's network policies (kind v0.24)");
}

std::string kind_config(int workers, const std::string& api_address, const std::vector<std::string>& extra_sans) {
    std::string c = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n";
    for (int i = 0; i < workers; ++i) c += "- role: worker\n";
    if (!api_address.empty()) c += "networking:\n  apiServerAddress: \"" + api_address + "\"\n";
    if (!extra_sans.empty()) {
        c += "kubeadmConfigPatches:\n- |\n  kind: ClusterConfiguration\n  apiServer:\n    certSANs:\n";
        for (const auto& san : extra_sans) c += "    - \"" + san + "\"\n";
    }
    return c;
}

std::string with_server_host(std::string_view text, std::string_view host) {
    std::vector<std::string> lines;
    for (auto line : text::split(text, '\n')) {
        std::string l(line);
        auto key = l.find("server: ");
        if (key != std::string::npos) {
            auto scheme = l.find("://", key);
            if (scheme != std::string::npos) {
                auto start = scheme + 3;
                auto end = l.find_first_of(":/", start);
                if (l[start] == '[') end = l.find(']', start) + 1;  // [::1]:port
                if (end != std::string::npos && end > start) l = l.substr(0, start) + std::string(host) + l.substr(end);
            }
        }
        lines.push_back(std::move(l));
    }
    return text::join(lines, "\n");
}

std::string cluster_name(std::uint64_t entropy) {
    static const char* hex = "0123456789abcdef";
    std::string n = "preflight-";
    for (int i = 0; i < 8; ++i) n += hex[(entropy >> (i * 4)) & 0xf];
    return n;
}

std::vector<std::string> images_present(const std::vector<std::string>& wanted, std::string_view docker_images_output) {
    std::set<std::string, std::less<>> local;
    for (const auto& line : text::split(docker_images_output, '\n')) {
        auto l = std::string(line);
        while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
        if (!l.empty() && l.find("<none>") == std::string::npos) local.insert(l);
    }
    std::vector<std::string> out;
    for (const auto& w : wanted) {
        // docker lists repo:tag; an image pinned by digest is compared without it.
        auto plain = w.substr(0, w.find('@'));
        if ((local.contains(w) || local.contains(plain)) && std::find(out.begin(), out.end(), plain) == out.end()) out.push_back(plain);
    }
    return out;
}

namespace {

class KindProvider final : public ClusterProvider {
public:
    explicit KindProvider(proc::Runner& runner) : m_runner(runner) {
        m_info.provider = "kind";
        m_info.can_preload = m_info.owns_kubeconfig = m_info.exports_logs = true;
    }

    Result<void> check_tools() override {
        for (const char* tool : {"docker", "kind", "kubectl"})
            if (!proc::find_program(tool))
                return fail(ErrorKind::infrastructure,
                            std::string(tool) + " not found on PATH: install it (kind >= v0.24 for NetworkPolicy enforcement), or use "
                                                "--provider existing --kubeconfig FILE for a cluster you already have");
        proc::Command info{{"docker", "info", "--format", "{{.ServerVersion}}"}, std::chrono::seconds(20)};
        if (auto r = proc::check(info, m_runner.run(info)); !r)
            return fail(ErrorKind::infrastructure, "the docker daemon does not answer (is it running? is DOCKER_HOST right?): " + r.error().message);
        proc::Command version{{"kind", "version"}, std::chrono::seconds(20)};
        auto r = proc::check(version, m_runner.run(version));
        if (!r) return std::unexpected(r.error());
        auto line = std::string(text::split(r->out, '\n').front());
        m_info.tool_version = line;
        auto v = parse_kind_version(line);
        m_version = v;
        return {};
    }

    Result<void> create(const ClusterSpec& spec) override {
        m_info.name = cluster_name(std::random_device{}() ^ (std::uint64_t(std::random_device{}()) << 32));
        m_info.kubeconfig = (std::filesystem::path(spec.work_dir) / "kubeconfig").string();
        m_info.context = "kind-" + m_info.name;
        m_info.node_image = spec.kind.node_image.empty() ? k_default_node_image : spec.kind.node_image;
        auto enforcement = enforcement_for_node_image(m_info.node_image);
        m_info.enforces_network_policy = enforcement.known;
        m_info.enforcement_note = enforcement.note;
        if (spec.kind.node_image.empty() && m_version && m_version->major == 0 && m_version->minor < 32)
            m_info.notices.push_back("the default node image was built for kind v0.32.0 and kind supports only images built for its "
                                     "release; this is " + m_info.tool_version + ": upgrade kind or pass --node-image built for it");
        auto config = (std::filesystem::path(spec.work_dir) / "kind-config.yaml").string();
        std::vector<std::string> sans;
        if (!spec.kind.kubeconfig_host.empty()) sans.push_back(spec.kind.kubeconfig_host);
        if (auto w = write_file_atomic(config, kind_config(spec.kind.workers, spec.kind.api_address, sans)); !w) return std::unexpected(w.error());
        proc::Command cmd{{"kind", "create", "cluster", "--name", m_info.name, "--config", config, "--image", m_info.node_image,
                           "--kubeconfig", m_info.kubeconfig, "--wait", "120s"},
                          spec.create_timeout};
        m_created = true;  // a failed create may leave nodes behind (--retain is not passed, but be safe)
        auto r = proc::check(cmd, m_runner.run(cmd));
        if (!r) return std::unexpected(r.error().with_context("creating kind cluster " + m_info.name));
        if (!spec.kind.kubeconfig_host.empty()) {
            // kind wrote the address it published on; reach it through the given host instead.
            std::ifstream in(m_info.kubeconfig);
            std::stringstream text;
            text << in.rdbuf();
            if (!in) return fail(ErrorKind::infrastructure, "cannot read " + m_info.kubeconfig);
            if (auto w = write_file_atomic(m_info.kubeconfig, with_server_host(text.str(), spec.kind.kubeconfig_host)); !w) return std::unexpected(w.error());
        }
        return {};
    }

    Result<void> destroy() override {
        if (!m_created) return {};
        proc::Command cmd{{"kind", "delete", "cluster", "--name", m_info.name, "--kubeconfig", m_info.kubeconfig}, std::chrono::seconds(120)};
        cmd.survives_first_signal = true;
        auto r = proc::check(cmd, m_runner.run(cmd));
        if (!r) return std::unexpected(r.error().with_context("deleting kind cluster " + m_info.name));
        m_created = false;
        return {};
    }

    Result<void> collect_logs(const std::string& dir) override {
        if (!m_created) return {};
        proc::Command cmd{{"kind", "export", "logs", dir, "--name", m_info.name}, std::chrono::seconds(120)};
        cmd.survives_first_signal = true;
        auto r = proc::check(cmd, m_runner.run(cmd));
        if (!r) return std::unexpected(r.error());
        return {};
    }

    Result<std::vector<std::string>> preload(const std::vector<std::string>& images) override {
        proc::Command list{{"docker", "images", "--format", "{{.Repository}}:{{.Tag}}"}, std::chrono::seconds(30)};
        auto listed = proc::check(list, m_runner.run(list));
        if (!listed) return std::unexpected(listed.error());
        auto present = images_present(images, listed->out);
        if (present.empty()) return present;
        proc::Command load{{"kind", "load", "docker-image"}, std::chrono::seconds(600)};
        load.argv.insert(load.argv.end(), present.begin(), present.end());
        load.argv.insert(load.argv.end(), {"--name", m_info.name});
        if (auto r = proc::check(load, m_runner.run(load)); !r) return std::unexpected(r.error());
        return present;
    }

    std::string leftover_hint() const override {
        return m_created ? "kind cluster " + m_info.name + " (remove it with: kind delete cluster --name " + m_info.name + ")" : "";
    }
    const ClusterInfo& info() const override { return m_info; }

private:
    proc::Runner& m_runner;
    ClusterInfo m_info;
    std::optional<KindVersion> m_version;
    bool m_created = false;
};

}  // namespace

std::unique_ptr<ClusterProvider> make_kind_provider(proc::Runner& runner) { return std::make_unique<KindProvider>(runner); }

}  // namespace preflight::cluster
