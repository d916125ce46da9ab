// References written in manifests and options: container images and Kubernetes versions. Pure.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace preflight::model {

// "registry:5000/org/name:tag@sha256:…" split as a container runtime reads it.
struct ImageRef {
    std::string repository;  // "registry:5000/org/name" (a port's colon is not a tag)
    std::string tag;         // "" when none
    std::string digest;      // "sha256:…", "" when none
    // The last path segment of the repository: "name".
    std::string name() const;
};
ImageRef parse_image_ref(std::string_view image);

// "1.33", "v1.33.4", "1.33.0-rc.1" -> 33; nullopt for anything that is not Kubernetes 1.x.
std::optional<int> parse_kube_minor(std::string_view text);

}  // namespace preflight::model
