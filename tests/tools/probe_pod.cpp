// The real tier's handle on one probe: `probe_pod manifest IMAGE NS POD KIND HOST PORT EXPECT
// [SECRET KEY] [LABEL=VALUE]` (owner from $PROBE_OWNER_NAME/$PROBE_OWNER_UID) prints the shadow pod the tool would create (probe::pod_manifest),
// `probe_pod read` reads that pod's log on stdin and prints "<observed> <result>" as the tool
// would read it (probe::parse_output). The test applies the pod with kubectl in between, so the
// script, the real clients' error texts and the classifier meet on a real cluster.
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "preflight/probe/plan.hpp"

namespace probe = preflight::probe;

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "read") {
        std::string log(std::istreambuf_iterator<char>(std::cin), {});
        auto r = probe::parse_output(log);
        static const char* k_names[] = {"reachable", "blocked", "auth_failed", "unresolved", "not_run"};
        std::cout << k_names[static_cast<int>(r.observed)] << ' ' << r.result << '\n' << r.detail << '\n';
        return 0;
    }
    if (mode != "manifest" || argc < 9) {
        std::cerr << "usage: probe_pod manifest IMAGE NS POD KIND(tcp|redis|dns) HOST PORT EXPECT(reachable|blocked) [SECRET KEY] [LABEL=VALUE]\n"
                     "       probe_pod read < LOG\n";
        return 2;
    }
    probe::Spec s;
    s.name = argv[5];
    std::string kind = argv[5];
    s.kind = kind == "dns" ? probe::Kind::dns : kind == "redis" ? probe::Kind::redis : probe::Kind::tcp;
    s.ns = argv[3];
    s.host = argv[6];
    s.port = std::stoll(argv[7]);
    s.expect = std::string(argv[8]) == "blocked" ? probe::Expect::blocked : probe::Expect::reachable;
    int i = 9;
    if (argc > i + 1 && std::string(argv[i]).find('=') == std::string::npos) {
        s.auth = preflight::model::SecretKeyRef{argv[i], argv[i + 1]};
        i += 2;
    }
    for (; i < argc; ++i) {
        std::string kv = argv[i];
        auto eq = kv.find('=');
        if (eq != std::string::npos) s.labels[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    // The owner must exist (the garbage collector deletes pods whose owners do not): the test
    // creates a ConfigMap and passes its name and uid.
    const char* owner = std::getenv("PROBE_OWNER_NAME");
    const char* uid = std::getenv("PROBE_OWNER_UID");
    if (!owner || !uid) {
        std::cerr << "probe_pod: set PROBE_OWNER_NAME and PROBE_OWNER_UID (an existing ConfigMap)\n";
        return 2;
    }
    std::cout << probe::pod_manifest(s, argv[4], argv[2], 5, probe::Owner{owner, uid});
    return 0;
}
