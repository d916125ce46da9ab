// The shell reader: which simple commands a script runs, rule by rule (POSIX XCU 2.3, 2.9).
#include <doctest/doctest.h>

#include "preflight/analysis/shell.hpp"

using preflight::analysis::shell_commands;
using preflight::analysis::shell_script;
using Cmds = std::vector<std::vector<std::string>>;

TEST_CASE("lists and pipelines split into simple commands") {
    CHECK(shell_commands("a x; b y && c || d | e & f") == Cmds{{"a", "x"}, {"b", "y"}, {"c"}, {"d"}, {"e"}, {"f"}});
    CHECK(shell_commands("a\nb\n\n  c  ") == Cmds{{"a"}, {"b"}, {"c"}});
}

TEST_CASE("quotes are removed and protect operators") {
    CHECK(shell_commands(R"(echo 'a; b' "c && d" e\;f)") == Cmds{{"echo", "a; b", "c && d", "e;f"}});
    CHECK(shell_commands(R"("kube"ctl get)") == Cmds{{"kubectl", "get"}});
    CHECK(shell_commands("echo \"a\\\"b\"") == Cmds{{"echo", "a\"b"}});
}

TEST_CASE("compound commands put the next word at a command position") {
    CHECK(shell_commands("if kubectl get x; then echo y; elif b; else c; fi") ==
          Cmds{{"kubectl", "get", "x"}, {"echo", "y"}, {"b"}, {"c"}});
    CHECK(shell_commands("until kubectl get cm; do sleep 1; done") == Cmds{{"kubectl", "get", "cm"}, {"sleep", "1"}});
    CHECK(shell_commands("while ! kubectl get cm; do :; done") == Cmds{{"kubectl", "get", "cm"}, {":"}});
    CHECK(shell_commands("(kubectl get cm)") == Cmds{{"kubectl", "get", "cm"}});
    CHECK(shell_commands("{ kubectl get cm; }") == Cmds{{"kubectl", "get", "cm"}});
}

TEST_CASE("for and case headers and case patterns are not commands") {
    CHECK(shell_commands("for kubectl in a b; do echo $kubectl; done") == Cmds{{"echo", "$kubectl"}});
    CHECK(shell_commands("case $x in\n kubectl|b) run ;;\n (c) other;;\nesac") == Cmds{{"run"}, {"other"}});
    CHECK(shell_commands("case $x in kubectl) run;; esac") == Cmds{{"run"}});
}

TEST_CASE("command substitutions are read as scripts of their own") {
    CHECK(shell_commands("TOKEN=$(kubectl get secret x -o name) && echo ok") ==
          Cmds{{"TOKEN=$(kubectl get secret x -o name)"}, {"kubectl", "get", "secret", "x", "-o", "name"}, {"echo", "ok"}});
    CHECK(shell_commands("echo \"`kubectl version`\"") == Cmds{{"echo", "`kubectl version`"}, {"kubectl", "version"}});
    CHECK(shell_commands("echo $(( 1 + (2) ))") == Cmds{{"echo", "$(( 1 + (2) ))"}});
    CHECK(shell_commands("diff <(kubectl get a) b") == Cmds{{"diff", "$(kubectl get a)", "b"}, {"kubectl", "get", "a"}});
}

TEST_CASE("redirections, comments and here-documents are not commands") {
    CHECK(shell_commands("run > kubectl 2>&1 < in") == Cmds{{"run"}});
    CHECK(shell_commands("# kubectl get\nrun # kubectl") == Cmds{{"run"}});
    CHECK(shell_commands("cat <<EOF > f\nkubectl get x\nEOF\nrun") == Cmds{{"cat"}, {"run"}});
    CHECK(shell_commands("cat <<-'END'\n\tkubectl\n\tEND\nrun") == Cmds{{"cat"}, {"run"}});
}

TEST_CASE("hostile nesting is bounded and unterminated input ends quietly") {
    std::string deep;
    for (int i = 0; i < 10000; ++i) deep += "$(";
    CHECK_NOTHROW(shell_commands(deep));
    CHECK(shell_commands("echo 'unterminated") == Cmds{{"echo", "unterminated"}});
    CHECK(shell_commands("echo \"$(kubectl get") == Cmds{{"echo", "$(kubectl get)"}, {"kubectl", "get"}});
}

TEST_CASE("the command string of a shell invocation, past its options") {
    using V = std::vector<std::string>;
    CHECK(shell_script(V{"sh", "-c", "s"}) == "s");
    CHECK(shell_script(V{"/bin/sh", "-ec", "s"}) == "s");
    CHECK(shell_script(V{"bash", "-euo", "pipefail", "-c", "s", "name"}) == "s");
    CHECK(shell_script(V{"bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", "s"}) == "s");
    CHECK(shell_script(V{"busybox", "sh", "-c", "s"}) == "s");
    CHECK_FALSE(shell_script(V{"sh", "script.sh"}));
    CHECK_FALSE(shell_script(V{"sh", "-e"}));
    CHECK_FALSE(shell_script(V{"python3", "-c", "s"}));
}
