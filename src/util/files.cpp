// Reading manifest sources with size limits and binary detection; atomic writes of outputs.
#include "preflight/util/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <sstream>

namespace preflight {
namespace fs = std::filesystem;

namespace {

std::string human_bytes(std::size_t n) {
    if (n >= (1u << 20)) return std::to_string(n >> 20) + " MiB";
    if (n >= (1u << 10)) return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " bytes";
}

bool looks_binary(std::string_view text) {
    auto head = text.substr(0, 8192);
    return head.find('\0') != std::string_view::npos;
}

Result<std::string> read_stream(std::istream& in, const std::string& name, std::size_t limit) {
    std::string out;
    char buf[65536];
    while (in) {
        in.read(buf, sizeof buf);
        out.append(buf, static_cast<std::size_t>(in.gcount()));
        if (out.size() > limit)
            return fail(ErrorKind::input, name + ": larger than the limit of " + human_bytes(limit) +
                                              " per file; split the input or pre-filter it");
    }
    if (in.bad()) return fail(ErrorKind::input, name + ": read error");
    return out;
}

Result<SourceText> read_one(const fs::path& path, const ReadLimits& limits) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (!ec && size > limits.max_file_bytes)
        return fail(ErrorKind::input, path.string() + ": " + human_bytes(size) +
                                          " is larger than the limit of " +
                                          human_bytes(limits.max_file_bytes) + " per file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(ErrorKind::input, path.string() + ": cannot read: " + std::strerror(errno));
    auto text = read_stream(in, path.string(), limits.max_file_bytes);
    if (!text) return std::unexpected(text.error());
    if (looks_binary(*text))
        return fail(ErrorKind::input, path.string() + ":1:1: binary file (contains NUL bytes), not YAML or JSON");
    return SourceText{path.string(), std::move(*text)};
}

bool is_manifest_name(const fs::path& p) {
    auto ext = p.extension().string();
    return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

Result<std::vector<SourceText>> read_sources(const std::vector<std::string>& paths,
                                             std::istream& stdin_stream, const ReadLimits& limits) {
    std::vector<SourceText> out;
    std::size_t total = 0;
    auto add = [&](SourceText s) -> Result<void> {
        total += s.text.size();
        if (total > limits.max_total_bytes)
            return fail(ErrorKind::input, "inputs exceed the total limit of " +
                                              human_bytes(limits.max_total_bytes));
        out.push_back(std::move(s));
        return {};
    };
    if (paths.empty()) return fail(ErrorKind::usage, "no input given (a FILE, a DIR or - for stdin)");
    for (const auto& arg : paths) {
        if (arg == "-") {
            auto text = read_stream(stdin_stream, "<stdin>", limits.max_file_bytes);
            if (!text) return std::unexpected(text.error());
            if (looks_binary(*text))
                return fail(ErrorKind::input, "<stdin>:1:1: binary input (contains NUL bytes)");
            if (auto r = add({"<stdin>", std::move(*text)}); !r) return std::unexpected(r.error());
            continue;
        }
        fs::path p(arg);
        std::error_code ec;
        auto st = fs::status(p, ec);
        if (ec || !fs::exists(st))
            return fail(ErrorKind::input, arg + ": no such file or directory");
        if (fs::is_directory(st)) {
            std::vector<fs::path> files;
            fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
            if (ec) return fail(ErrorKind::input, arg + ": cannot list directory: " + ec.message());
            for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (ec) return fail(ErrorKind::input, arg + ": cannot list directory: " + ec.message());
                if (it->is_regular_file() && is_manifest_name(it->path())) files.push_back(it->path());
            }
            std::sort(files.begin(), files.end());
            if (files.empty())
                return fail(ErrorKind::input, arg + ": directory holds no *.yaml, *.yml or *.json file");
            for (const auto& f : files) {
                auto s = read_one(f, limits);
                if (!s) return std::unexpected(s.error());
                if (auto r = add(std::move(*s)); !r) return std::unexpected(r.error());
            }
        } else {
            auto s = read_one(p, limits);
            if (!s) return std::unexpected(s.error());
            if (auto r = add(std::move(*s)); !r) return std::unexpected(r.error());
        }
    }
    return out;
}

Result<void> write_file_atomic(const std::string& path, std::string_view content) {
    fs::path target(path);
    fs::path tmp = target;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return fail(ErrorKind::infrastructure, path + ": cannot write: " + std::strerror(errno));
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!out) return fail(ErrorKind::infrastructure, path + ": write failed");
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return fail(ErrorKind::infrastructure, path + ": cannot rename into place");
    }
    return {};
}

}  // namespace preflight
