// Reading manifest sources with size limits and binary detection; atomic writes of outputs.
#include "preflight/util/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace preflight {
namespace fs = std::filesystem;

namespace {

std::string human_bytes(std::size_t n) {
    if (n >= (1u << 20)) return std::to_string(n >> 20) + " MiB";
    if (n >= (1u << 10)) return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " bytes";
}

bool looks_binary(std::string_view text) {
    return text.find('\0') != std::string_view::npos;  // anywhere, not only near the start
}

// "line:col" of the first NUL byte.
std::string nul_position(std::string_view text) {
    auto at = text.find('\0');
    auto before = text.substr(0, at);
    auto line = std::count(before.begin(), before.end(), '\n') + 1;
    auto nl = before.rfind('\n');
    auto col = nl == std::string_view::npos ? at + 1 : at - nl;
    return std::to_string(line) + ":" + std::to_string(col);
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
        return fail(ErrorKind::input, path.string() + ":" + nul_position(*text) + ": binary file (a NUL byte), not YAML or JSON");
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
                return fail(ErrorKind::input, "<stdin>:" + nul_position(*text) + ": binary input (a NUL byte), not YAML or JSON");
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

namespace {

std::string errno_text(int e) { return std::strerror(e); }

// Writes all of `content` to `fd`, retrying short writes and EINTR; false with errno set.
bool write_all(int fd, std::string_view content) {
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (n == 0) {
            errno = EIO;
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

// Opens `path` with `flags` and writes all of `content`, the close checked too.
Result<void> open_and_write(const std::string& path, int flags, std::string_view content) {
    int fd = ::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd < 0) return fail(ErrorKind::infrastructure, path + ": cannot open for writing: " + errno_text(errno));
    bool ok = write_all(fd, content);
    int e = errno;
    if (::close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok) return fail(ErrorKind::infrastructure, path + ": write failed: " + errno_text(e));
    return {};
}

// A device, FIFO or socket named as the target (`-o /dev/null`, `/dev/stdout`): written
// through, never replaced by a regular file.
Result<void> write_through(const std::string& path, std::string_view content) { return open_and_write(path, 0, content); }

}  // namespace

struct WriteSet::Staged {
    std::string path;
    std::string tmp;     // empty for a write-through target
    std::string backup;  // a hard link to the replaced file while the set commits
    std::string content; // only for write-through targets
    bool through = false;
    bool existed = false;
};

WriteSet::WriteSet() = default;
WriteSet::~WriteSet() {
    for (const auto& s : m_staged)
        if (!s.tmp.empty()) ::unlink(s.tmp.c_str());
}

Result<void> WriteSet::add(const std::string& path, std::string_view content) {
    if (path.empty()) return fail(ErrorKind::usage, "an empty path to write to");
    for (const auto& s : m_staged)
        if (s.path == path) return fail(ErrorKind::usage, path + ": named twice");
    fs::path target(path);
    // A symbolic link among the directories of the path (a checkout's `platform -> /etc`) would
    // carry the write somewhere the user did not name: refused like a symlinked file.
    // Directories directly under `/` are the system's layout, not content (macOS links /tmp and
    // /var into /private): they are not checked.
    fs::path prefix;
    for (const auto& part : target.parent_path()) {
        prefix /= part;
        if (part == "/" || part == "." || part == ".." || prefix.parent_path() == prefix.root_path()) continue;
        struct stat dst {};
        if (::lstat(prefix.c_str(), &dst) == 0 && S_ISLNK(dst.st_mode)) {
            std::error_code ec;
            auto real = fs::canonical(prefix, ec);
            return fail(ErrorKind::input, path + ": directory " + prefix.string() + " is a symbolic link to " +
                                              (ec ? std::string("somewhere else") : real.string()) +
                                              "; refusing to write through it (name the real path if that is what you mean)");
        }
    }
    struct stat lst {};
    bool exists = ::lstat(path.c_str(), &lst) == 0;
    if (!exists && errno != ENOENT)
        return fail(ErrorKind::infrastructure, path + ": cannot inspect: " + errno_text(errno));
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    if (exists) {
        struct stat st = lst;
        if (S_ISLNK(lst.st_mode)) {
            if (::stat(path.c_str(), &st) != 0)
                return fail(ErrorKind::input, path + ": a symbolic link to nothing (" + errno_text(errno) +
                                                  "); refusing to write through it");
            if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
                std::error_code ec;
                auto real = fs::canonical(target, ec);
                return fail(ErrorKind::input, path + ": a symbolic link to " + (ec ? std::string("another file") : real.string()) +
                                                  "; refusing to replace it (name the real file if that is what you mean)");
            }
        }
        if (S_ISDIR(st.st_mode)) return fail(ErrorKind::input, path + ": a directory, not a file");
        if (!S_ISREG(st.st_mode)) {
            m_staged.push_back({path, "", "", std::string(content), true, true});
            return {};
        }
        if (st.st_nlink > 1)
            return fail(ErrorKind::input, path + ": has " + std::to_string(st.st_nlink) +
                                              " hard links; replacing it would leave the other names with the old content, so it is left as it is");
        if ((st.st_mode & 0222) == 0 || ::access(path.c_str(), W_OK) != 0)
            return fail(ErrorKind::input, path + ": read-only; refusing to replace it");
        mode = st.st_mode & 07777;
        uid = st.st_uid;
        gid = st.st_gid;
    }
    fs::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = ::mkostemp(name.data(), O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return fail(ErrorKind::infrastructure, path + ": cannot create a temporary file in " + dir.string() + ": " + errno_text(errno));
    std::string tmp(name.data());
    auto abandon = [&](const std::string& what, int e) -> Result<void> {
        if (fd >= 0) ::close(fd);
        ::unlink(tmp.c_str());
        return fail(ErrorKind::infrastructure, path + ": " + what + ": " + errno_text(e) + " (the file is unchanged)");
    };
    if (!write_all(fd, content)) return abandon("write failed", errno);
    if (exists) {
        if (::fchmod(fd, mode) != 0) return abandon("cannot keep its mode", errno);
        if (::fchown(fd, uid, gid) != 0 && errno != EPERM) return abandon("cannot keep its owner", errno);
    } else {
        mode_t mask = ::umask(0);
        ::umask(mask);
        if (::fchmod(fd, 0666 & ~mask) != 0) return abandon("cannot set its mode", errno);
    }
    if (::fsync(fd) != 0) return abandon("cannot flush to disk", errno);
    int c = ::close(fd);
    fd = -1;
    if (c != 0) return abandon("write failed on close", errno);
    m_staged.push_back({path, tmp, "", "", false, exists});
    return {};
}

Result<void> WriteSet::commit() {
    // Keep a hard link to each file about to be replaced, so a failure half-way can put every
    // file back: the set changes all of its files or none.
    auto drop_backups = [&] {
        for (auto& s : m_staged)
            if (!s.backup.empty()) {
                ::unlink(s.backup.c_str());
                s.backup.clear();
            }
    };
    // One file needs no backup: its rename either happens or not. Several do, so that a rename
    // failing half-way can put the earlier ones back.
    for (auto& s : m_staged) {
        if (s.through || !s.existed || m_staged.size() == 1) continue;
        for (int attempt = 0; attempt < 100 && s.backup.empty(); ++attempt) {
            std::string b = s.tmp + ".old" + std::to_string(attempt);
            if (::link(s.path.c_str(), b.c_str()) == 0) s.backup = b;
            else if (errno != EEXIST) {
                int e = errno;
                drop_backups();
                return fail(ErrorKind::infrastructure, s.path + ": cannot keep a copy while replacing it: " + errno_text(e) +
                                                           " (no file was changed)");
            }
        }
    }
    std::size_t done = 0;
    Error failure;
    bool failed = false;
    for (; done < m_staged.size(); ++done) {
        auto& s = m_staged[done];
        if (s.through) {
            if (auto r = write_through(s.path, s.content); !r) {
                failure = r.error();
                failed = true;
                break;
            }
            continue;
        }
        if (::rename(s.tmp.c_str(), s.path.c_str()) != 0) {
            failure = Error{ErrorKind::infrastructure, s.path + ": cannot rename into place: " + errno_text(errno), {}};
            failed = true;
            break;
        }
        s.tmp.clear();
        fs::path dir = fs::path(s.path).parent_path();
        int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }
    if (failed) {
        std::vector<std::string> lost;
        for (std::size_t i = 0; i < done; ++i) {
            auto& s = m_staged[i];
            if (s.through) lost.push_back(s.path + " (written through, cannot be taken back)");
            else if (!s.existed) ::unlink(s.path.c_str());  // a file this set created
            else if (::rename(s.backup.c_str(), s.path.c_str()) == 0) s.backup.clear();
            else lost.push_back(s.path);
        }
        drop_backups();
        if (lost.empty()) failure.message += " (every file of the set was put back as it was)";
        else {
            failure.message += "; could not put back: ";
            for (std::size_t i = 0; i < lost.size(); ++i) failure.message += (i ? ", " : "") + lost[i];
        }
        return std::unexpected(failure);
    }
    drop_backups();
    m_staged.clear();
    return {};
}

Result<DirLock> DirLock::acquire(const std::string& dir, int wait_ms) {
    std::string path = (fs::path(dir) / ".argocd-preflight.lock").string();
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return fail(ErrorKind::infrastructure, path + ": cannot open the lock file: " + errno_text(errno));
    for (int waited = 0;; waited += 50) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return DirLock(fd);
        if (errno != EWOULDBLOCK && errno != EINTR) break;
        if (waited >= wait_ms) {
            ::close(fd);
            return fail(ErrorKind::infrastructure, dir + ": another argocd-preflight is writing there (" + path +
                                                       " is locked); use another --report-dir");
        }
        ::usleep(50'000);
    }
    int e = errno;
    ::close(fd);
    return fail(ErrorKind::infrastructure, path + ": cannot lock: " + errno_text(e));
}

DirLock::~DirLock() {
    if (m_fd >= 0) ::close(m_fd);  // closing releases the flock
}

Result<void> append_file(const std::string& path, std::string_view content) {
    return open_and_write(path, O_APPEND | O_CREAT, content);
}

std::string path_relative_to(const std::string& file, const std::string& root) {
    if (root.empty()) return file;
    std::error_code ec;
    auto abs = fs::weakly_canonical(fs::absolute(file, ec), ec);
    auto base = fs::weakly_canonical(fs::absolute(root, ec), ec);
    auto rel = abs.lexically_relative(base);
    if (rel.empty() || rel.native().starts_with("..")) return file;
    return rel.string();
}

Result<void> write_file_atomic(const std::string& path, std::string_view content) {
    WriteSet set;
    if (auto r = set.add(path, content); !r) return r;
    return set.commit();
}

}  // namespace preflight
