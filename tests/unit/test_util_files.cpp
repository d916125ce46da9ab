// Writing outputs: all or nothing, never through a planted link, never over a device node.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "preflight/util/files.hpp"

namespace fs = std::filesystem;
using preflight::write_file_atomic;
using preflight::WriteSet;

namespace {
struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "pf-files-XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()));
        path = t;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
    int entries() const { return static_cast<int>(std::distance(fs::directory_iterator(path), fs::directory_iterator())); }
};
std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
void put(const std::string& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}
}  // namespace

TEST_CASE("a new file is written whole, with no temporary file left") {
    TempDir d;
    REQUIRE(write_file_atomic(d.file("a.txt"), "hello\n").has_value());
    CHECK(slurp(d.file("a.txt")) == "hello\n");
    CHECK(d.entries() == 1);
}

TEST_CASE("a planted symlink at any predictable temporary name is never followed") {
    TempDir d;
    put(d.file("victim.txt"), "keep me\n");
    put(d.file("app.yaml"), "old\n");
    for (const char* name : {"app.yaml.tmp", ".app.yaml.tmp", ".app.yaml.XXXXXX"})
        fs::create_symlink(d.file("victim.txt"), d.file(name));
    REQUIRE(write_file_atomic(d.file("app.yaml"), "new\n").has_value());
    CHECK(slurp(d.file("victim.txt")) == "keep me\n");
    CHECK(slurp(d.file("app.yaml")) == "new\n");
}

TEST_CASE("a symlinked target is refused and named, the file it points to untouched") {
    TempDir d;
    put(d.file("real.yaml"), "real\n");
    fs::create_symlink(d.file("real.yaml"), d.file("link.yaml"));
    auto r = write_file_atomic(d.file("link.yaml"), "new\n");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("symbolic link to") != std::string::npos);
    CHECK(r.error().message.find("real.yaml") != std::string::npos);
    CHECK(slurp(d.file("real.yaml")) == "real\n");
    CHECK(fs::is_symlink(d.file("link.yaml")));
}

TEST_CASE("a symlinked directory in the path is refused and named; the file beyond it untouched") {
    TempDir d;
    fs::create_directories(d.file("elsewhere"));
    put(d.file("elsewhere/app.yaml"), "real\n");
    fs::create_directory_symlink(d.file("elsewhere"), d.file("platform"));
    auto r = write_file_atomic(d.file("platform/app.yaml"), "new\n");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("is a symbolic link to") != std::string::npos);
    CHECK(r.error().message.find("platform") != std::string::npos);
    CHECK(slurp(d.file("elsewhere/app.yaml")) == "real\n");
    // The real path is written.
    REQUIRE(write_file_atomic(d.file("elsewhere/app.yaml"), "new\n").has_value());
    CHECK(slurp(d.file("elsewhere/app.yaml")) == "new\n");
}

TEST_CASE("a file with another hard link is refused: replacing it would split them") {
    TempDir d;
    put(d.file("a.yaml"), "a\n");
    fs::create_hard_link(d.file("a.yaml"), d.file("b.yaml"));
    auto r = write_file_atomic(d.file("a.yaml"), "new\n");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("hard links") != std::string::npos);
    CHECK(slurp(d.file("b.yaml")) == "a\n");
}

TEST_CASE("a read-only file is refused, even for root") {
    TempDir d;
    put(d.file("ro.yaml"), "ro\n");
    fs::permissions(d.file("ro.yaml"), fs::perms::owner_read | fs::perms::group_read);
    auto r = write_file_atomic(d.file("ro.yaml"), "new\n");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("read-only") != std::string::npos);
    CHECK(slurp(d.file("ro.yaml")) == "ro\n");
}

TEST_CASE("the replaced file keeps its mode") {
    TempDir d;
    put(d.file("x.sh"), "old\n");
    ::chmod(d.file("x.sh").c_str(), 0750);
    REQUIRE(write_file_atomic(d.file("x.sh"), "new\n").has_value());
    struct stat st {};
    REQUIRE(::stat(d.file("x.sh").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0750);
}

TEST_CASE("a device node is written through, never replaced by a regular file") {
    REQUIRE(write_file_atomic("/dev/null", "discarded\n").has_value());
    struct stat st {};
    REQUIRE(::stat("/dev/null", &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    if (::access("/dev/full", W_OK) == 0) {
        auto r = write_file_atomic("/dev/full", "x");
        REQUIRE_FALSE(r.has_value());  // ENOSPC reported, not swallowed
        REQUIRE(::stat("/dev/full", &st) == 0);
        CHECK(S_ISCHR(st.st_mode));
    }
}

TEST_CASE("a write that fails half-way (file size limit, as on a full disk) leaves the target as it was") {
    TempDir d;
    std::string old(4096, 'o');
    put(d.file("app.yaml"), old);
    // In a child: RLIMIT_FSIZE makes write() fail with EFBIG past 1 KiB, like ENOSPC would.
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit lim{1024, 1024};
        ::setrlimit(RLIMIT_FSIZE, &lim);
        auto r = write_file_atomic(d.file("app.yaml"), std::string(8192, 'n'));
        std::_Exit(r.has_value() ? 0 : 42);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 42);
    CHECK(slurp(d.file("app.yaml")) == old);
    CHECK(d.entries() == 1);  // no temporary file left behind
}

TEST_CASE("a set of files changes all or none: a refused member stops the whole set before anything changes") {
    TempDir d;
    put(d.file("a.yaml"), "a\n");
    put(d.file("b.yaml"), "b\n");
    fs::create_directory(d.file("dir.yaml"));
    {
        WriteSet set;
        REQUIRE(set.add(d.file("a.yaml"), "A\n").has_value());
        REQUIRE(set.add(d.file("b.yaml"), "B\n").has_value());
        CHECK_FALSE(set.add(d.file("dir.yaml"), "x").has_value());
        // The caller stops here; the destructor removes the staged files.
    }
    {
        WriteSet abandoned;
        REQUIRE(abandoned.add(d.file("a.yaml"), "A\n").has_value());
    }
    CHECK(slurp(d.file("a.yaml")) == "a\n");
    CHECK(d.entries() == 3);
}

TEST_CASE("a set whose commit fails half-way puts back the files it already replaced") {
    TempDir d;
    put(d.file("a.yaml"), "a\n");
    put(d.file("b.yaml"), "b\n");
    {
        WriteSet set;
        REQUIRE(set.add(d.file("a.yaml"), "A\n").has_value());
        REQUIRE(set.add(d.file("b.yaml"), "B\n").has_value());
        // Between staging and commit the second staged file disappears: its rename fails
        // after the first file was already replaced.
        for (const auto& e : fs::directory_iterator(d.path))
            if (e.path().filename().string().starts_with(".b.yaml.")) fs::remove(e.path());
        auto r = set.commit();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message.find("put back") != std::string::npos);
    }
    CHECK(slurp(d.file("a.yaml")) == "a\n");
    CHECK(slurp(d.file("b.yaml")) == "b\n");
    CHECK(d.entries() == 2);
}

TEST_CASE("a directory lock is exclusive: a second writer waits, then gives up with a clear message") {
    TempDir d;
    {
        auto first = preflight::DirLock::acquire(d.path.string(), 0);
        REQUIRE(first.has_value());
        auto second = preflight::DirLock::acquire(d.path.string(), 100);
        REQUIRE_FALSE(second.has_value());
        CHECK(second.error().message.find("another argocd-preflight is writing there") != std::string::npos);
    }
    CHECK(preflight::DirLock::acquire(d.path.string(), 0).has_value());  // released with the first
}

TEST_CASE("a planted symlink as the lock file is refused, not followed") {
    TempDir d;
    put(d.file("victim"), "keep\n");
    fs::create_symlink(d.file("victim"), d.file(".argocd-preflight.lock"));
    CHECK_FALSE(preflight::DirLock::acquire(d.path.string(), 0).has_value());
    CHECK(slurp(d.file("victim")) == "keep\n");
}

#include "preflight/util/sha256.hpp"

TEST_CASE("sha256 matches the FIPS 180-4 and NIST test vectors, across block boundaries") {
    using preflight::sha256_hex;
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // Lengths around the padding boundaries (expected values from coreutils sha256sum).
    CHECK(sha256_hex(std::string(55, 'a')) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK(sha256_hex(std::string(56, 'a')) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    CHECK(sha256_hex(std::string(63, 'a')) == "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
    CHECK(sha256_hex(std::string(64, 'a')) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    CHECK(sha256_hex(std::string(119, 'a')) == "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb");
    CHECK(sha256_hex(std::string(120, 'a')) == "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c");
}

#include "preflight/util/text.hpp"

TEST_CASE("safe_for_runner: no control character, no XML-forbidden code point, no workflow command at a line start") {
    using preflight::text::safe_for_runner;
    CHECK(safe_for_runner("plain\ttext\nnext") == "plain\ttext\nnext");
    CHECK(safe_for_runner("a\x1b[31mred\x07") == "a\\x1b[31mred\\x07");
    CHECK(safe_for_runner("crlf\r\nbare\rcr") == "crlf\nbare\\x0dcr");
    CHECK(safe_for_runner("x\n::error file=a::pwned") == "x\n| ::error file=a::pwned");
    CHECK(safe_for_runner("  ::warning::w") == "|   ::warning::w");
    CHECK(safe_for_runner("a::b") == "a::b");  // not at a line start
    CHECK(safe_for_runner("\xEF\xBF\xBE and \xEF\xBF\xBF") == "\xEF\xBF\xBD and \xEF\xBF\xBD");
    CHECK(safe_for_runner("csi \xC2\x9B" "31m") == "csi \\u009b31m");
    CHECK(safe_for_runner("caf\xC3\xA9 \xE2\x9C\x93") == "caf\xC3\xA9 \xE2\x9C\x93");  // ordinary UTF-8 untouched
}
