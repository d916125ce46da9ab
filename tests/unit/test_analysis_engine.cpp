// NetworkPolicy engine semantics, rule by rule, with hand-written manifests.
#include <algorithm>

#include "helpers.hpp"
#include "preflight/analysis/connectivity.hpp"

using namespace preflight;
using test::deployment;
using test::world;

namespace {
std::string policy(const std::string& name, const std::string& spec, const std::string& ns = "") {
    return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n" +
           (ns.empty() ? "" : "  namespace: " + ns + "\n") + "spec:\n" + spec + "---\n";
}
const std::string A = "argocd/a[Deployment]", B = "argocd/b[Deployment]", C = "argocd/c[Deployment]";
std::string three() { return deployment("a", "{app: a, tier: web}") + deployment("b", "{app: b, tier: db}") + deployment("c", "{app: c}"); }
}  // namespace

TEST_CASE("without policies everything is open") {
    auto w = world(three());
    CHECK(w->conn(A, B) == "All Connections");
    CHECK(w->engine->allowed(w->ep(A), w->api()).is_all());
}

TEST_CASE("an empty ingress rule list denies all ingress to selected pods only") {
    auto w = world(three() + policy("deny", "  podSelector: {matchLabels: {app: b}}\n  policyTypes: [Ingress]\n"));
    CHECK(w->conn(A, B) == "No Connections");
    CHECK(w->conn(A, C) == "All Connections");
    CHECK(w->conn(B, A) == "All Connections");  // egress of b is untouched
}

TEST_CASE("an empty podSelector selects every pod of the policy's namespace, not others") {
    auto w = world(three() + deployment("x", "{app: b}", "other") +
                   policy("deny-all", "  podSelector: {}\n  policyTypes: [Ingress]\n"));
    CHECK(w->conn(A, B) == "No Connections");
    CHECK(w->conn(B, C) == "No Connections");
    CHECK(w->conn(A, "other/x[Deployment]") == "All Connections");
}

TEST_CASE("matchExpressions: In, NotIn, Exists, DoesNotExist") {
    auto sel = [](const std::string& expr) {
        return three() + policy("p", "  podSelector:\n    matchExpressions: [" + expr + "]\n  policyTypes: [Ingress]\n");
    };
    SUBCASE("In") {
        auto w = world(sel("{key: tier, operator: In, values: [db]}"));
        CHECK(w->conn(A, B) == "No Connections");
        CHECK(w->conn(B, A) == "All Connections");
        CHECK(w->conn(A, C) == "All Connections");
    }
    SUBCASE("NotIn also selects pods without the key") {
        auto w = world(sel("{key: tier, operator: NotIn, values: [db]}"));
        CHECK(w->conn(B, A) == "No Connections");
        CHECK(w->conn(A, C) == "No Connections");
        CHECK(w->conn(A, B) == "All Connections");
    }
    SUBCASE("Exists") {
        auto w = world(sel("{key: tier, operator: Exists}"));
        CHECK(w->conn(C, A) == "No Connections");
        CHECK(w->conn(A, C) == "All Connections");
    }
    SUBCASE("DoesNotExist") {
        auto w = world(sel("{key: tier, operator: DoesNotExist}"));
        CHECK(w->conn(A, C) == "No Connections");
        CHECK(w->conn(C, A) == "All Connections");
    }
}

TEST_CASE("peers: bare podSelector is the policy's namespace; namespaceSelector; both is AND") {
    std::string objs = deployment("db", "{app: db}") + deployment("web", "{app: web}") +
                       deployment("web", "{app: web}", "team") + deployment("other", "{app: other}", "team") +
                       "apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {env: prod}}\n---\n";
    std::string db = "argocd/db[Deployment]", web = "argocd/web[Deployment]", tweb = "team/web[Deployment]", tother = "team/other[Deployment]";
    SUBCASE("podSelector only") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: web}}\n"));
        CHECK(w->conn(web, db) == "All Connections");
        CHECK(w->conn(tweb, db) == "No Connections");
    }
    SUBCASE("namespaceSelector only, by a Namespace object's label") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {env: prod}}\n"));
        CHECK(w->conn(tweb, db) == "All Connections");
        CHECK(w->conn(tother, db) == "All Connections");
        CHECK(w->conn(web, db) == "No Connections");
    }
    SUBCASE("namespaceSelector by kubernetes.io/metadata.name") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team}}\n"));
        CHECK(w->conn(tweb, db) == "All Connections");
        CHECK(w->conn(web, db) == "No Connections");
    }
    SUBCASE("both in one peer: pods matching in matching namespaces") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {env: prod}}\n      podSelector: {matchLabels: {app: web}}\n"));
        CHECK(w->conn(tweb, db) == "All Connections");
        CHECK(w->conn(tother, db) == "No Connections");
        CHECK(w->conn(web, db) == "No Connections");
    }
    SUBCASE("two peers are OR") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {env: prod}}\n    - podSelector: {matchLabels: {app: web}}\n"));
        CHECK(w->conn(tother, db) == "All Connections");
        CHECK(w->conn(web, db) == "All Connections");
    }
    SUBCASE("empty namespaceSelector means every namespace") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {}\n"));
        CHECK(w->conn(tother, db) == "All Connections");
        CHECK(w->conn(web, db) == "All Connections");
    }
}

TEST_CASE("absent from/to means everyone; absent ports means every port") {
    auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: b}}\n  ingress:\n  - ports: [{port: 5432}]\n  - from: [{podSelector: {matchLabels: {app: c}}}]\n"));
    CHECK(w->conn(A, B) == "TCP 5432");
    CHECK(w->conn(C, B) == "All Connections");
}

TEST_CASE("ports: protocols, default TCP, endPort ranges, all ports of one protocol") {
    auto w = world(three() + policy("p",
                                    "  podSelector: {matchLabels: {app: b}}\n  ingress:\n  - ports:\n    - {port: 53, protocol: UDP}\n"
                                    "    - {port: 53}\n    - {port: 8000, endPort: 8100, protocol: TCP}\n    - {protocol: SCTP}\n"));
    CHECK(w->conn(A, B) == "SCTP 1-65535,TCP 53,8000-8100,UDP 53");
    auto conn = w->engine->allowed(w->ep(A), w->ep(B));
    CHECK(conn.allows(analysis::Protocol::tcp, 8050));
    CHECK_FALSE(conn.allows(analysis::Protocol::tcp, 8101));
    CHECK_FALSE(conn.allows(analysis::Protocol::udp, 8050));
}

TEST_CASE("named ports resolve against the destination's containers; unknown names allow nothing") {
    std::string objs = deployment("a", "{app: a}") +
                       deployment("b", "{app: b}", "", "", "        ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 5353, protocol: UDP}]\n");
    SUBCASE("ingress named port") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: b}}\n  ingress:\n  - ports: [{port: http}]\n"));
        CHECK(w->conn(A, B) == "TCP 8080");
    }
    SUBCASE("a name with another protocol does not resolve") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: b}}\n  ingress:\n  - ports: [{port: dns}]\n"));
        CHECK(w->conn(A, B) == "No Connections");
    }
    SUBCASE("egress named port uses the destination's port") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: a}}\n  egress:\n  - ports: [{port: http}]\n"));
        CHECK(w->conn(A, B) == "TCP 8080");
        CHECK(w->engine->allowed(w->ep(A), w->api()).empty());
    }
    SUBCASE("a name nobody declares") {
        auto w = world(objs + policy("p", "  podSelector: {matchLabels: {app: b}}\n  ingress:\n  - ports: [{port: nope}]\n"));
        CHECK(w->conn(A, B) == "No Connections");
    }
}

TEST_CASE("a named port only an init container declares resolves to nothing; a sidecar's resolves") {
    auto with_init = [](const std::string& restart) {
        return deployment("a", "{app: a}") +
               deployment("b", "{app: b}", "",
                          "      initContainers:\n      - name: setup\n        image: x\n" + restart +
                              "        ports: [{name: admin, containerPort: 9000}]\n") +
               policy("p", "  podSelector: {matchLabels: {app: b}}\n  ingress:\n  - ports: [{port: admin}]\n");
    };
    CHECK(world(with_init(""))->conn(A, B) == "No Connections");
    CHECK(world(with_init("        restartPolicy: Always\n"))->conn(A, B) == "TCP 9000");
}

TEST_CASE("policyTypes: defaulted from rules, or explicit") {
    SUBCASE("egress rules present: Egress is implied") {
        auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n"));
        CHECK(w->conn(A, B) == "UDP 53");
        CHECK(w->conn(B, A) == "No Connections");  // Ingress always implied, with no rules
    }
    SUBCASE("explicit Ingress only: egress rules are ignored") {
        auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Ingress]\n  ingress: [{}]\n  egress:\n  - ports: [{port: 53}]\n"));
        CHECK(w->conn(A, B) == "All Connections");
    }
    SUBCASE("explicit Egress only with no rules: deny all egress, ingress open") {
        auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n"));
        CHECK(w->conn(A, B) == "No Connections");
        CHECK(w->conn(B, A) == "All Connections");
    }
}

TEST_CASE("policies selecting one pod are unioned") {
    auto w = world(three() + policy("p1", "  podSelector: {matchLabels: {app: b}}\n  ingress: [{ports: [{port: 1}]}]\n") +
                   policy("p2", "  podSelector: {matchLabels: {tier: db}}\n  ingress: [{ports: [{port: 2}]}]\n"));
    CHECK(w->conn(A, B) == "TCP 1-2");
}

TEST_CASE("a connection needs the source's egress and the destination's ingress") {
    auto w = world(three() + policy("egress-a", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: 80}, {port: 443}]}]\n") +
                   policy("ingress-b", "  podSelector: {matchLabels: {app: b}}\n  ingress: [{ports: [{port: 443}, {port: 8443}]}]\n"));
    CHECK(w->conn(A, B) == "TCP 443");
    CHECK(w->conn(A, C) == "TCP 80,443");
    CHECK(w->conn(C, B) == "TCP 443,8443");
}

TEST_CASE("ipBlock: never matches pods; CIDR with except for addresses outside") {
    auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n"
                                         "    - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}\n"));
    CHECK(w->conn(A, B) == "No Connections");  // pod IPs are never matched by ipBlock
    auto rows = analysis::connectivity(*w->engine);
    auto find = [&](const std::string& src, const std::string& dst) -> std::string {
        for (const auto& r : rows)
            if (r.src == src && r.dst == dst) return r.conn;
        return "";
    };
    CHECK(find(A, "0.0.0.0-9.255.255.255") == "All Connections");
    CHECK(find(A, "11.0.0.0-255.255.255.255") == "All Connections");
    CHECK(find(A, "10.0.0.0-10.255.255.255") == "");
    CHECK(find(B, "10.0.0.0-10.255.255.255") == "All Connections");
}

TEST_CASE("IPv6 ipBlocks split the IPv6 space") {
    auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  ingress:\n  - from: [{ipBlock: {cidr: 'fd00::/8'}}]\n"));
    auto rows = analysis::connectivity(*w->engine);
    bool found = false;
    for (const auto& r : rows)
        if (r.src == "fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" && r.dst == A) found = true;
    CHECK(found);
    for (const auto& r : rows) CHECK_FALSE((r.src == "fe00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" && r.dst == A));
}

TEST_CASE("the API server: only an ipBlock with its address or a rule without `to`, on the endpoint port") {
    auto egress = [](const std::string& rules) {
        return world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n" + rules));
    };
    auto reaches = [](const test::World& w) { return w.engine->allowed(w.ep(A), w.api()).allows(analysis::Protocol::tcp, 6443); };
    CHECK(reaches(*egress("  - ports: [{port: 6443}]\n")));
    CHECK_FALSE(reaches(*egress("  - ports: [{port: 443}]\n")));  // Service port, not the endpoint's
    CHECK_FALSE(reaches(*egress("  - to: [{namespaceSelector: {}}]\n")));
    CHECK_FALSE(reaches(*egress("  - to: [{podSelector: {}}]\n")));
    CHECK(reaches(*egress("  - to: [{ipBlock: {cidr: 172.18.0.0/16}}]\n    ports: [{port: 6443}]\n")));
    CHECK_FALSE(reaches(*egress("  - to: [{ipBlock: {cidr: 172.18.0.0/16, except: [172.18.0.0/24]}}]\n")));
    CHECK_FALSE(reaches(*egress("  - to: [{ipBlock: {cidr: 10.96.0.1/32}}]\n")));  // the Service IP is DNATed away
}

TEST_CASE("--apiserver-endpoint moves the address and port the policies must allow") {
    auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.5/32}}]\n    ports: [{port: 443}]\n"));
    CHECK_FALSE(w->engine->allowed(w->ep(A), w->api()).allows(analysis::Protocol::tcp, 6443));
    auto ep = analysis::parse_api_server_endpoint("10.0.0.5:443");
    REQUIRE(ep);
    CHECK(ep->port == 443);
    CHECK_FALSE(analysis::parse_api_server_endpoint("10.0.0.5").has_value());
    CHECK_FALSE(analysis::parse_api_server_endpoint("10.0.0.5:70000").has_value());
    CHECK(analysis::parse_api_server_endpoint("[fd00::1]:6443").has_value());
}

TEST_CASE("cluster DNS is a pod in kube-system: selectors can match it") {
    auto egress = [](const std::string& rules) {
        return world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n" + rules));
    };
    auto dns = [](const test::World& w) { return w.engine->allowed(w.ep(A), w.dns()).str(); };
    CHECK(dns(*egress("  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n")) == "TCP 53,UDP 53");
    CHECK(dns(*egress("  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]\n")) == "All Connections");
    CHECK(dns(*egress("  - to: [{podSelector: {matchLabels: {k8s-app: kube-dns}}}]\n")) == "No Connections");  // wrong namespace
}

TEST_CASE("a Pod owned by a controller is named by its owner and merged with it") {
    auto w = world(deployment("a", "{app: a}") +
                   "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a-123\n  labels: {app: a}\n  ownerReferences: [{kind: Deployment, name: a, controller: true}]\nspec: {containers: [{name: c, image: x}]}\n---\n"
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: lone, labels: {app: lone}}\nspec: {containers: [{name: c, image: x}]}\n");
    int pods = 0;
    for (const auto& e : w->engine->endpoints().all)
        if (e.is_pod() && !e.synthetic_dns) ++pods;
    CHECK(pods == 2);
    CHECK(w->ep("argocd/lone[Pod]").is_pod());
}

TEST_CASE("a stale Pod listed before its StatefulSet does not lend it its labels") {
    std::string pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-0\n  labels: {app: old}\n"
                      "  ownerReferences: [{kind: StatefulSet, name: db, controller: true}]\nspec: {containers: [{name: c, image: x}]}\n---\n";
    std::string sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  template:\n    metadata: {labels: {app: db}}\n"
                      "    spec: {containers: [{name: c, image: x}]}\n---\n";
    for (const auto& yaml : {pod + sts, sts + pod}) {
        auto w = world(yaml);
        const auto& e = w->ep("argocd/db[StatefulSet]");
        REQUIRE(e.labels.count("app"));
        CHECK(e.labels.at("app") == "db");
        CHECK(e.workload->kind == "StatefulSet");
    }
}

TEST_CASE("invalid policies are reported with file:line:col, every problem at once") {
    auto w = world(three() + policy("bad",
                                    "  podSelector:\n    matchExpressions: [{key: app, operator: Maybe}]\n  ingress:\n  - from:\n"
                                    "    - ipBlock: {cidr: 10.0.0.0/33}\n    - ipBlock: {cidr: not-an-ip}\n    ports:\n"
                                    "    - {port: 70000}\n    - {port: 80, protocol: ICMP}\n    - {port: 90, endPort: 80}\n    - {port: Bad_Name}\n"
                                    "  - from: [{}]\n"));
    auto has = [&](const std::string& needle) {
        return std::any_of(w->problems.begin(), w->problems.end(), [&](const analysis::Problem& p) { return p.message.find(needle) != std::string::npos; });
    };
    CHECK(has("invalid selector operator 'Maybe'"));
    CHECK(has("invalid CIDR '10.0.0.0/33'"));
    CHECK(has("invalid CIDR 'not-an-ip'"));
    CHECK(has("port 70000 out of range"));
    CHECK(has("unknown protocol 'ICMP'"));
    CHECK(has("endPort 80 is below port 90"));
    CHECK(has("neither a number nor a valid port name"));
    CHECK(has("peer needs podSelector, namespaceSelector or ipBlock"));
    for (const auto& p : w->problems) {
        CHECK(p.file == "test.yaml");
        CHECK(p.mark.line > 0);
    }
}

TEST_CASE("connectivity output formats match netpol-analyzer's") {
    auto w = world(deployment("a", "{app: a}") + deployment("b", "{app: b}") +
                   policy("p", "  podSelector: {matchLabels: {app: b}}\n  ingress: [{ports: [{port: 6379}]}]\n"));
    auto rows = analysis::connectivity(*w->engine);
    auto json = analysis::connectivity_json(rows);
    CHECK(json.find("{\n    \"src\": \"argocd/a[Deployment]\",\n    \"dst\": \"argocd/b[Deployment]\",\n    \"conn\": \"TCP 6379\"\n  }") != std::string::npos);
    auto csv = analysis::connectivity_csv(rows);
    CHECK(csv.starts_with("src,dst,conn,origin\n"));  // the default rows include peers not in the input
    CHECK(csv.find("argocd/a[Deployment],argocd/b[Deployment],TCP 6379,\n") != std::string::npos);
    CHECK(analysis::connectivity_text(rows).find("argocd/a[Deployment] => argocd/b[Deployment] : TCP 6379\n") != std::string::npos);
    for (const auto& r : rows) CHECK(r.src != r.dst);
    // netpol-analyzer's view: its three columns, nothing it would not print.
    auto npa = analysis::connectivity(*w->engine, analysis::Peers::manifests);
    CHECK(analysis::connectivity_csv(npa).starts_with("src,dst,conn\n"));
    CHECK(analysis::connectivity_json(npa).find("origin") == std::string::npos);
}

TEST_CASE("default rows name the origin of peers the input does not contain; netpol-analyzer's view drops them") {
    auto w = world(deployment("a", "{app: a}"));
    auto rows = analysis::connectivity(*w->engine);
    int api = 0, dns = 0;
    for (const auto& r : rows) {
        bool is_api = r.src.starts_with("kube-apiserver[") || r.dst.starts_with("kube-apiserver[");
        bool is_dns = r.src == "kube-system/kube-dns[Deployment]" || r.dst == "kube-system/kube-dns[Deployment]";
        api += is_api;
        dns += is_dns && !is_api;
        CHECK_MESSAGE(r.origin.empty() == !(is_api || is_dns), r.src << " -> " << r.dst << ": origin '" << r.origin << "'");
    }
    CHECK(api > 0);
    CHECK(dns > 0);
    CHECK(analysis::connectivity_text(rows).find("=> kube-system/kube-dns[Deployment] : All Connections  (dst: cluster DNS as kind deploys it") !=
          std::string::npos);
    for (const auto& r : analysis::connectivity(*w->engine, analysis::Peers::manifests)) {
        CHECK(r.origin.empty());
        CHECK(r.src.find("kube-") == std::string::npos);
        CHECK(r.dst.find("kube-") == std::string::npos);
    }
}

TEST_CASE("netpol-analyzer's IP partition: sources by the ingress ipBlocks only, destinations by the egress ipBlocks only") {
    auto w = world(three() +
                   policy("in", "  podSelector: {matchLabels: {app: a}}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]\n") +
                   policy("out", "  podSelector: {matchLabels: {app: b}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 192.168.0.0/16}}]\n"));
    auto rows = analysis::connectivity(*w->engine, analysis::Peers::manifests);
    auto conn = [&](const std::string& src, const std::string& dst) -> std::string {
        for (const auto& r : rows)
            if (r.src == src && r.dst == dst) return r.conn;
        return "";
    };
    // c has no policy: from every source block of the ingress partition, to every destination
    // block of the egress partition, and none of the other direction's cuts.
    CHECK(conn("0.0.0.0-9.255.255.255", C) == "All Connections");
    CHECK(conn("10.0.0.0-10.0.255.255", C) == "All Connections");
    CHECK(conn("10.1.0.0-10.1.255.255", C) == "All Connections");
    CHECK(conn("11.0.0.0-255.255.255.255", C) == "All Connections");  // not cut at 192.168.0.0 (an egress boundary)
    CHECK(conn(C, "0.0.0.0-192.167.255.255") == "All Connections");   // not cut at 10.0.0.0 (an ingress boundary)
    CHECK(conn(C, "192.168.0.0-192.168.255.255") == "All Connections");
    CHECK(conn(C, "192.169.0.0-255.255.255.255") == "All Connections");
    // a admits only 10/8 minus 10.1/16; b sends only to 192.168/16.
    CHECK(conn("10.0.0.0-10.0.255.255", A) == "All Connections");
    CHECK(conn("10.1.0.0-10.1.255.255", A) == "");
    CHECK(conn("0.0.0.0-9.255.255.255", A) == "");
    CHECK(conn(B, "192.168.0.0-192.168.255.255") == "All Connections");
    CHECK(conn(B, "0.0.0.0-192.167.255.255") == "");
    // The default view splits at every boundary of both directions.
    bool finer = false;
    for (const auto& r : analysis::connectivity(*w->engine))
        if (r.src == "11.0.0.0-192.167.255.255" && r.dst == C) finer = true;
    CHECK(finer);
}

// --- Shapes the API server refuses are refused, never widened into "allow everything".
TEST_CASE("invalid shapes are problems with a position, each one") {
    struct Shape {
        const char* what;
        std::string spec;
        const char* needle;
    };
    std::vector<Shape> shapes{
        {"egress `to` as a mapping", "  podSelector: {}\n  egress:\n  - to: {podSelector: {}}\n", "to must be a list"},
        {"ingress `from` as a scalar", "  podSelector: {}\n  ingress:\n  - from: everyone\n", "from must be a list"},
        {"ports as a mapping", "  podSelector: {}\n  egress:\n  - ports: {port: 53}\n", "ports must be a list"},
        {"port as a mapping", "  podSelector: {}\n  egress:\n  - ports:\n    - port: {number: 53}\n", "port must be a number or a port name"},
        {"port as a list", "  podSelector: {}\n  egress:\n  - ports:\n    - port: [53]\n", "port must be a number or a port name"},
        {"policyTypes as a scalar", "  podSelector: {}\n  policyTypes: Egress\n", "policyTypes must be a list"},
        {"matchLabels as a list", "  podSelector: {matchLabels: [app, a]}\n", "matchLabels must be a mapping"},
        {"matchExpressions as a mapping", "  podSelector: {matchExpressions: {key: app, operator: Exists}}\n", "matchExpressions must be a list"},
        {"a number as a label value", "  podSelector: {matchLabels: {tier: 1}}\n", "must be a string"},
        {"a bool as a label value", "  podSelector: {matchLabels: {web: yes}}\n", "must be a string"},
        {"except equal to cidr", "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}\n", "strict subset"},
        {"except outside cidr", "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}\n", "not inside"},
        {"empty protocol", "  podSelector: {}\n  egress:\n  - ports:\n    - {protocol: \"\", port: 53}\n", "protocol is empty"},
        {"a peer as a scalar", "  podSelector: {}\n  egress:\n  - to: [everyone]\n", "entry must be a mapping"},
        // kubectl sends `!!str 6443` as the string "6443", which is no port name (it needs a letter).
        {"a number tagged !!str", "  podSelector: {}\n  egress:\n  - ports:\n    - port: !!str 6443\n", "neither a number nor a valid port name"},
        {"a port name with a double hyphen", "  podSelector: {}\n  egress:\n  - ports:\n    - port: web--ui\n", "neither a number nor a valid port name"},
    };
    for (const auto& s : shapes) {
        CAPTURE(s.what);
        auto w = world(three() + policy("bad", s.spec));
        bool found = std::any_of(w->problems.begin(), w->problems.end(),
                                 [&](const analysis::Problem& p) { return p.message.find(s.needle) != std::string::npos && p.mark.line > 0; });
        CHECK_MESSAGE(found, (w->problems.empty() ? std::string("no problem at all") : w->problems.front().message));
    }
}

TEST_CASE("a rule with an invalid part is dropped, so a valid sibling rule is all that allows") {
    auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n"
                                         "  - to: {podSelector: {}}\n"));
    CHECK_FALSE(w->problems.empty());
    CHECK(w->conn(A, B) == "No Connections");
}

TEST_CASE("YAML 1.1 integers are read as kubectl reads them") {
    auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n"
                                         "  - ports:\n    - port: 06443\n    - port: 0x192b\n"));
    CHECK(w->problems.empty());
    // 06443 is octal 3363, 0x192b is 6443: not 6443 twice.
    CHECK(w->conn(A, B) == "TCP 3363,6443");
}

TEST_CASE("a named port in an egress rule never matches the API server, which is not a pod") {
    auto w = world(three() + policy("p", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n"
                                         "  - ports:\n    - port: https\n"));
    REQUIRE(w->problems.empty());
    CHECK(w->engine->allowed(w->ep(A), w->api()).empty());
}

// --- Port sets are sorted, disjoint interval lists; every operation keeps them so.
TEST_CASE("port sets: add merges touching and overlapping ranges, in any order") {
    analysis::PortSet s;
    s.add(10, 20);
    s.add(30, 40);
    s.add(21, 29);  // touches both: one range
    REQUIRE(s.ranges().size() == 1);
    CHECK(s.ranges()[0] == std::pair<std::int64_t, std::int64_t>{10, 40});
    s.add(5, 5);
    s.add(50, 60);
    s.add(45, 55);
    CHECK(s.ranges() == std::vector<std::pair<std::int64_t, std::int64_t>>{{5, 5}, {10, 40}, {45, 60}});
    s.add(0, 70000);  // clipped to 1..65535
    CHECK(s.full());
}

TEST_CASE("port sets: unite, intersect and contains agree with a brute-force model") {
    auto model = [](const analysis::PortSet& s) {
        std::vector<bool> in(65536, false);
        for (const auto& [lo, hi] : s.ranges())
            for (auto p = lo; p <= hi; ++p) in[static_cast<std::size_t>(p)] = true;
        return in;
    };
    std::uint32_t seed = 12345;
    auto next = [&] { return seed = seed * 1103515245u + 12345u, static_cast<std::int64_t>((seed >> 8) % 300); };
    for (int round = 0; round < 50; ++round) {
        analysis::PortSet a, b;
        std::vector<std::pair<std::int64_t, std::int64_t>> raw;
        for (int k = 0; k < 20; ++k) {
            auto lo = next() + 1, len = next() % 7;
            a.add(lo, lo + len);
            raw.emplace_back(lo, lo + len);
            auto lo2 = next() + 1;
            b.add(lo2, lo2 + next() % 5);
        }
        CHECK(model(analysis::PortSet::from_ranges(raw)) == model(a));
        auto ma = model(a), mb = model(b);
        auto u = a;
        u.unite(b);
        auto i = a.intersect(b);
        auto mu = model(u), mi = model(i);
        for (std::size_t p = 1; p < 400; ++p) {
            CHECK(mu[p] == (ma[p] || mb[p]));
            CHECK(mi[p] == (ma[p] && mb[p]));
            CHECK(a.contains(static_cast<std::int64_t>(p)) == ma[p]);
        }
        for (std::size_t k = 1; k < u.ranges().size(); ++k) CHECK(u.ranges()[k - 1].second + 1 < u.ranges()[k].first);
    }
}
