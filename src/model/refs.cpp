// Image references and Kubernetes versions.
#include "preflight/model/refs.hpp"

#include <charconv>

namespace preflight::model {

ImageRef parse_image_ref(std::string_view image) {
    ImageRef out;
    if (auto at = image.find('@'); at != std::string_view::npos) {
        out.digest = std::string(image.substr(at + 1));
        image = image.substr(0, at);
    }
    // A tag's colon comes after the last '/'; an earlier one belongs to a registry's port.
    auto colon = image.rfind(':');
    auto slash = image.rfind('/');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        out.tag = std::string(image.substr(colon + 1));
        image = image.substr(0, colon);
    }
    out.repository = std::string(image);
    return out;
}

std::string ImageRef::name() const {
    auto slash = repository.rfind('/');
    return slash == std::string::npos ? repository : repository.substr(slash + 1);
}

std::optional<int> parse_kube_minor(std::string_view text) {
    if (text.starts_with("v")) text.remove_prefix(1);
    if (!text.starts_with("1.")) return std::nullopt;
    text.remove_prefix(2);
    int minor = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), minor);
    if (ec != std::errc() || ptr == text.data()) return std::nullopt;
    if (ptr != text.data() + text.size() && *ptr != '.' && *ptr != '-' && *ptr != '+') return std::nullopt;
    return minor;
}

}  // namespace preflight::model
