// Bounded reading of manifest sources: files, directories (recursive, sorted) and stdin.
#pragma once
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "preflight/util/error.hpp"

namespace preflight {

struct SourceText {
    std::string name;  // path as given (or "<stdin>")
    std::string text;
};

struct ReadLimits {
    std::size_t max_file_bytes = 64u << 20;    // one file
    std::size_t max_total_bytes = 512u << 20;  // everything one command reads
};

// Reads every path in `paths`: a file as is, a directory recursively (only *.yaml, *.yml,
// *.json, in sorted order), "-" as standard input (`stdin_stream`). Error::input (exit 2) for
// a missing or unreadable path, a binary file, a file over the limit (the message names it),
// or when nothing at all was found.
Result<std::vector<SourceText>> read_sources(const std::vector<std::string>& paths,
                                             std::istream& stdin_stream,
                                             const ReadLimits& limits = {});

// Files written all or none. `add` stages one: a private temporary file in the target's
// directory (O_EXCL|O_NOFOLLOW), every write and the close checked, fsync'd, with the replaced
// file's mode and (where allowed) owner. `commit` renames them all into place; if one fails, the
// ones already replaced are put back. Refused at `add`, before anything changes
// (Error::input): a symbolic link to a regular file (the message names where it points) or a
// symbolic link among the path's directories, a
// file with several hard links, a read-only file, a directory. A device, FIFO or socket
// (`/dev/null`, `/dev/stdout`) is written through, never replaced. Error::infrastructure for
// a failed write (a full disk), with the target left as it was. Uncommitted temporary files
// are removed by the destructor.
class WriteSet {
public:
    WriteSet();
    ~WriteSet();
    WriteSet(const WriteSet&) = delete;
    WriteSet& operator=(const WriteSet&) = delete;
    Result<void> add(const std::string& path, std::string_view content);
    Result<void> commit();

private:
    struct Staged;
    std::vector<Staged> m_staged;
};

// An exclusive lock on a directory (flock on `<dir>/.argocd-preflight.lock`), held until
// destroyed: runs that write into the same directory take turns, so a directory always holds
// one run's complete set of files. Error::infrastructure when it cannot be had within
// `wait_ms` (another run holds it) or the lock file cannot be opened (a symlink is refused).
class DirLock {
public:
    static Result<DirLock> acquire(const std::string& dir, int wait_ms);
    DirLock(DirLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    DirLock& operator=(DirLock&&) = delete;
    ~DirLock();

private:
    explicit DirLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

// Appends `content` to `path` (created 0666 & ~umask when missing) with one O_APPEND write
// sequence, every write and the close checked; Error::infrastructure otherwise.
Result<void> append_file(const std::string& path, std::string_view content);

// `file` relative to `root` when it lies under it (both made absolute first), else `file` as given.
std::string path_relative_to(const std::string& file, const std::string& root);

// A WriteSet of one file.
Result<void> write_file_atomic(const std::string& path, std::string_view content);

}  // namespace preflight
