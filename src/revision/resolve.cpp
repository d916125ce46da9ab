// Ref validation (git check-ref-format rules) and ref -> tag/commit resolution.
#include "preflight/revision/resolve.hpp"
#include "preflight/util/text.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace preflight::revision {
namespace {


// Version-aware comparison so v3.10.0 sorts after v3.9.1.
std::vector<long> version_key(const std::string& tag) {
    std::vector<long> key;
    long cur = -1;
    for (char c : tag) {
        if (c >= '0' && c <= '9') cur = (cur < 0 ? 0 : cur * 10) + (c - '0');
        else if (cur >= 0) {
            key.push_back(cur);
            cur = -1;
        }
    }
    if (cur >= 0) key.push_back(cur);
    return key;
}

bool is_version_tag(const std::string& t) {
    return t.size() > 1 && t[0] == 'v' && t[1] >= '0' && t[1] <= '9' && t.find('-') == std::string::npos;
}

}  // namespace

bool is_commit_id(const std::string& s) {
    return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

Result<void> validate_ref(const std::string& ref) {
    auto bad = [&](const std::string& why) { return fail(ErrorKind::usage, "invalid ref '" + ref + "': " + why); };
    if (ref.empty()) return bad("empty");
    if (ref[0] == '-') return bad("starts with '-' and could be read as an option");
    if (is_commit_id(ref)) return {};
    if (ref == "@") return bad("'@' alone is not a ref");
    if (ref.find("..") != std::string::npos) return bad("contains '..'");
    if (ref.find("@{") != std::string::npos) return bad("contains '@{'");
    if (ref.find("//") != std::string::npos) return bad("contains '//'");
    if (ref.front() == '/' || ref.back() == '/') return bad("starts or ends with '/'");
    if (ref.back() == '.') return bad("ends with '.'");
    for (unsigned char c : ref)
        if (c < 0x20 || c == 0x7f || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' ||
            c == '\\')
            return bad("contains a character git forbids in ref names");
    std::stringstream parts(ref);
    std::string part;
    while (std::getline(parts, part, '/')) {
        if (!part.empty() && part[0] == '.') return bad("a component starts with '.'");
        if (part.ends_with(".lock")) return bad("a component ends with '.lock'");
    }
    return {};
}

std::vector<std::string> source_secrets(const std::string& source) {
    std::vector<std::string> out;
    auto scheme = source.find("://");
    if (scheme == std::string::npos) return out;  // scp-like git@host:path has a user, no secret
    auto rest = source.substr(scheme + 3);
    auto at = rest.find('@');
    auto slash = rest.find('/');
    if (at == std::string::npos || (slash != std::string::npos && at > slash)) return out;
    std::string userinfo = rest.substr(0, at);
    out.push_back(userinfo);  // https://TOKEN@host: the token is the user name
    if (auto colon = userinfo.find(':'); colon != std::string::npos) out.push_back(userinfo.substr(colon + 1));
    return out;
}

std::map<std::string, std::string> git_env() {
    // Never prompt; and only network transports and local paths, never ext:: or fd:: (which run
    // commands), whatever the user's git configuration allows.
    return {{"GIT_TERMINAL_PROMPT", "0"}, {"GIT_ASKPASS", "true"}, {"GIT_ALLOW_PROTOCOL", "https:http:ssh:git:file"},
            {"GIT_CONFIG_NOSYSTEM", "1"}};
}

Result<void> validate_source(const std::string& source) {
    if (source.empty()) return fail(ErrorKind::usage, "--source is empty");
    if (source[0] == '-') return fail(ErrorKind::usage, "--source '" + source + "' could be read as an option");
    if (source.find_first_of("\n\r") != std::string::npos) return fail(ErrorKind::usage, "--source contains a newline");
    // git's <transport>::<address> form (ext::, fd::, remote helpers) is refused outright.
    if (auto dc = source.find("::"); dc != std::string::npos && source.find("://") == std::string::npos) {
        return fail(ErrorKind::usage, "--source uses the transport '" + source.substr(0, dc) +
                                          "::', which is not allowed (https, http, ssh, git or a local path)");
    }
    auto scheme = source.find("://");
    if (scheme != std::string::npos) {
        std::string s = text::lower(source.substr(0, scheme));
        if (s != "https" && s != "http" && s != "ssh" && s != "git" && s != "file")
            return fail(ErrorKind::usage, "--source uses the scheme '" + s + "://', which is not allowed (https, http, ssh, git, file)");
    }
    return {};
}

std::vector<std::string> ls_remote_args(const std::string& source) {
    return {"git", "ls-remote", "--", source};
}

Result<Resolved> resolve(const std::string& ref, const std::string& source, const std::string& out) {
    std::map<std::string, std::string> refs;  // refname -> commit (peeled for annotated tags)
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        auto tab = line.find('\t');
        if (tab == std::string::npos) continue;
        std::string sha = line.substr(0, tab), name = line.substr(tab + 1);
        if (name.ends_with("^{}")) {
            refs[name.substr(0, name.size() - 3)] = sha;  // the peeled commit wins
        } else if (!refs.count(name)) {
            refs[name] = sha;
        }
    }
    Resolved r{ref, "", source, std::nullopt};
    if (is_commit_id(ref)) {
        r.commit = ref;
    } else {
        for (const char* prefix : {"refs/tags/", "refs/heads/", ""}) {
            auto it = refs.find(prefix + ref);
            if (it != refs.end()) {
                r.commit = it->second;
                break;
            }
        }
        if (r.commit.empty()) return fail(ErrorKind::input, "ref '" + ref + "' not found in " + source);
    }
    std::vector<std::string> tags;
    for (const auto& [name, sha] : refs)
        if (sha == r.commit && name.starts_with("refs/tags/")) tags.push_back(name.substr(10));
    auto better = [](const std::string& a, const std::string& b) { return version_key(a) > version_key(b); };
    std::vector<std::string> versions;
    for (const auto& t : tags)
        if (is_version_tag(t)) versions.push_back(t);
    std::sort(versions.begin(), versions.end(), better);
    if (!versions.empty()) r.tag = versions.front();
    else if (std::find(tags.begin(), tags.end(), ref) != tags.end()) r.tag = ref;
    else if (!tags.empty()) r.tag = tags.front();
    return r;
}

std::vector<std::string> fetch_args(const std::string& git_dir, const std::string& source, const std::string& refspec) {
    return {"git", "--git-dir", git_dir, "fetch", "--quiet", "--depth", "1", "--no-tags", "--", source, refspec};
}

std::vector<std::string> show_args(const std::string& git_dir, const std::string& commit, const std::string& path) {
    return {"git", "--git-dir", git_dir, "show", commit + ":" + path};
}

std::string fetch_refspec(const Resolved& r) {
    if (r.tag) return "refs/tags/" + *r.tag;
    return r.ref;
}

bool namespace_scoped_flavour(const std::string& flavour) {
    return flavour == "namespace-install" || flavour == "ha-namespace-install";
}

std::vector<std::string> ls_tree_args(const std::string& git_dir, const std::string& commit, const std::string& dir) {
    return {"git", "--git-dir", git_dir, "ls-tree", "--name-only", commit + ":" + dir};
}

Result<std::string> flavour_path(const std::string& flavour) {
    if (flavour == "install") return std::string("manifests/install.yaml");
    if (flavour == "ha") return std::string("manifests/ha/install.yaml");
    if (flavour == "namespace-install") return std::string("manifests/namespace-install.yaml");
    if (flavour == "ha-namespace-install") return std::string("manifests/ha/namespace-install.yaml");
    if (flavour == "core-install") return std::string("manifests/core-install.yaml");
    return fail(ErrorKind::usage, "--flavour: expected install, ha, namespace-install, ha-namespace-install or core-install, got '" + flavour + "'");
}

}  // namespace preflight::revision
