// Manifest model: positions, lists, JSON, and every bad input the loader must refuse.
#include <doctest/doctest.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "preflight/model/views.hpp"
#include "preflight/util/files.hpp"

using namespace preflight;

TEST_CASE("objects keep file, line and column across documents") {
    auto out = model::parse_manifests("m.yaml",
                                      "# comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\n"
                                      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  namespace: x\n");
    REQUIRE(out);
    REQUIRE(out->objects.size() == 2);
    CHECK(out->objects[0].where.line == 3);
    CHECK(out->objects[0].where.col == 1);
    CHECK(out->objects[1].where.line == 9);
    CHECK(out->objects[1].ns == "x");
    CHECK(out->objects[1].body["metadata"]["name"].mark.line == 12);
    CHECK(out->objects[1].body["metadata"]["name"].mark.col == 9);
}

TEST_CASE("JSON input and kubectl lists: items take kind from the list type") {
    auto out = model::parse_manifests("l.json",
                                      R"({"apiVersion": "v1", "kind": "PodList", "items": [
  {"metadata": {"name": "p1"}, "spec": {"containers": []}},
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p2"}}
]})");
    REQUIRE(out);
    REQUIRE(out->objects.size() == 2);
    CHECK(out->objects[0].kind == "Pod");
    CHECK(out->objects[0].api_version == "v1");
    CHECK(out->objects[0].where.line == 2);
    CHECK(out->objects[1].name == "p2");
}

TEST_CASE("kind: List expands nested objects") {
    auto out = model::parse_manifests("l.yaml",
                                      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n");
    REQUIRE(out);
    REQUIRE(out->objects.size() == 1);
    CHECK(out->objects[0].kind == "Service");
    CHECK(out->objects[0].where.line == 4);
    CHECK(out->objects[0].where.col == 3);
}

TEST_CASE("bad input names file:line:col and shows a caret") {
    SUBCASE("malformed YAML") {
        auto out = model::parse_manifests("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");
        REQUIRE_FALSE(out);
        CHECK(out.error().kind == ErrorKind::input);
        CHECK(out.error().message.find("bad.yaml:") == 0);
        CHECK(out.error().message.find("^") != std::string::npos);
    }
    SUBCASE("a document that is not a mapping") {
        auto out = model::parse_manifests("seq.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- 1\n- 2\n");
        REQUIRE_FALSE(out);
        CHECK(out.error().message.find("seq.yaml:5:1: document is a sequence") == 0);
    }
    SUBCASE("missing apiVersion, kind and name are all reported") {
        auto out = model::parse_manifests("m.yaml", "kind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n---\napiVersion: v1\nkind: Secret\nmetadata: {}\n");
        REQUIRE_FALSE(out);
        const auto& msg = out.error().message;
        CHECK(msg.find("m.yaml:1:1: object has no apiVersion") != std::string::npos);
        CHECK(msg.find("m.yaml:4:1: object has no kind") != std::string::npos);
        CHECK(msg.find("m.yaml:9:11: object Secret has no metadata.name") != std::string::npos);
    }
    SUBCASE("empty input: no objects") {
        std::vector<SourceText> sources = {{"empty.yaml", "# nothing\n---\n"}};
        auto out = model::load_manifests(sources);
        REQUIRE_FALSE(out);
        CHECK(out.error().message == "empty.yaml:1:1: no Kubernetes objects in the input");
    }
}

TEST_CASE("an alias expansion bomb is refused quickly in bounded memory") {
    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'j'; ++c, ++prev) {
        bomb += std::string(1, c) + ": &" + c + " [";
        for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
        bomb += "]\n";
    }
    auto start = std::chrono::steady_clock::now();
    auto out = model::parse_documents("bomb.yaml", bomb);
    auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(out);
    CHECK(out.error().message.find("too many nodes") != std::string::npos);
    CHECK(elapsed < std::chrono::seconds(5));  // generous: the guard, not a speed target
}

TEST_CASE("pathological nesting is refused, not a stack overflow") {
    std::string deep(100000, '[');
    auto out = model::parse_documents("deep.yaml", deep);
    REQUIRE_FALSE(out);
    CHECK(out.error().kind == ErrorKind::input);
    // 300 levels of block mappings exceed the model's depth limit of 200.
    std::string block;
    for (int i = 0; i < 300; ++i) block += std::string(i, ' ') + "k" + ":\n";
    block += std::string(300, ' ') + "v\n";
    auto out2 = model::parse_documents("deep2.yaml", block);
    REQUIRE_FALSE(out2);
    CHECK(out2.error().message.find("nesting deeper than") != std::string::npos);
}

TEST_CASE("flow nesting is limited while reading the text, before yaml-cpp builds a tree") {
    // 3 MB of `{a: ` cost yaml-cpp 1.4 GB before the tree could be counted; 60 MB ended in bad_alloc.
    for (const std::string open : {"{a: ", "{\"a\":", "[", "- ["}) {
        CAPTURE(open);
        std::string deep;
        for (int i = 0; i < 100000; ++i) deep += open;
        auto out = model::parse_documents("deep.yaml", "x: 1\n" + deep);
        REQUIRE_FALSE(out);
        CHECK(out.error().message.find("deep.yaml:2:") != std::string::npos);
        CHECK(out.error().message.find("nesting deeper than 200 levels") != std::string::npos);
    }
    // Brackets in scalars, comments and quoted strings open nothing.
    std::string brackets(300, '[');
    auto ok = model::parse_documents("ok.yaml", "a: x" + brackets + "\nb: '" + brackets + "'\nc: [\"" + brackets + "\", '" + brackets +
                                                    "']\n# " + brackets + "\nd: |\n  " + "x" + brackets + "\n");
    REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().message));
}

TEST_CASE("duplicate keys are accepted with a warning; the last value wins") {
    auto out = model::parse_manifests("d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n");
    REQUIRE(out);
    CHECK(out->objects[0].name == "b");
    REQUIRE(out->warnings.size() == 1);
    CHECK(out->warnings[0].find("d.yaml:5:3: duplicate key 'name'") == 0);
}

TEST_CASE("merge keys are honoured with kubectl's precedence (sigs.k8s.io/yaml v1.4.0, go-yaml v2)") {
    // Each expected JSON below is what sigs.k8s.io/yaml.YAMLToJSON printed for the same text.
    auto json_of = [](const std::string& yaml) {
        auto out = model::parse_documents("m.yaml", yaml);
        REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
        const auto& b = (*out)[0]["b"];
        std::string s;
        for (const auto& [k, v] : b.entries) s += k + "=" + std::string(v.str()) + " ";
        return s;
    };
    // Keys before `<<` are replaced by the merge; keys after it win.
    CHECK(json_of("a: &x {p: 1, q: 1}\nb:\n  q: 2\n  <<: *x\n  r: 3\n") == "q=1 p=1 r=3 ");
    CHECK(json_of("b:\n  <<: {q: 1}\n  q: 2\n") == "q=2 ");
    // In a sequence, the earlier mapping wins.
    CHECK(json_of("a: &x {p: 1, q: 1}\nc: &y {q: 5, s: 5}\nb:\n  <<: [*x, *y]\n  r: 3\n") == "q=1 s=5 p=1 r=3 ");
    // A quoted "<<" is an ordinary key.
    CHECK(json_of("b:\n  '<<': {q: 1}\n") == "<<= ");
    // Only mappings merge.
    auto bad = model::parse_documents("m.yaml", "b:\n  <<: [1]\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("map merge requires map or sequence of maps") != std::string::npos);
}

TEST_CASE("merge keys in manifests: pod labels and policy rules written with << are read") {
    auto out = model::parse_manifests("m.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    metadata:
      labels:
        <<: &common {app: web, tier: cache}
    spec:
      containers: [{name: c, image: x}]
)");
    REQUIRE(out);
    const auto& labels = out->objects[0].body.at_path({"spec", "template", "metadata", "labels"});
    REQUIRE(labels.find("app"));
    CHECK(labels.find("app")->str() == "web");
    CHECK(labels.find("tier")->str() == "cache");
    CHECK_FALSE(labels.find("<<"));
}

TEST_CASE("CRD schema bodies are skipped but positions after them stay exact") {
    std::string crd =
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.example.com\n"
        "spec:\n  group: example.com\n  names:\n    kind: Thing\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n"
        "        type: object\n  scope: Namespaced\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after\n";
    auto out = model::parse_manifests("crd.yaml", crd);
    REQUIRE(out);
    REQUIRE(out->objects.size() == 2);
    CHECK(out->objects[0].spec()["group"].str() == "example.com");
    CHECK(out->objects[0].spec()["scope"].str() == "Namespaced");
    CHECK(out->objects[0].spec()["scope"].mark.line == 14);
    CHECK(out->objects[0].spec()["versions"].items.empty());
    CHECK(out->objects[1].where.line == 16);
    auto inv = model::build_inventory(out->objects, "argocd");
    REQUIRE(inv.crds.size() == 1);
    CHECK(inv.crds[0].kind == "Thing");
}

TEST_CASE("quoted numbers stay strings; plain ones are integers") {
    auto out = model::parse_documents("q.yaml", "a: 80\nb: \"80\"\nc: true\nd: 'true'\n");
    REQUIRE(out);
    const auto& v = (*out)[0];
    CHECK(v["a"].as_int() == 80);
    CHECK_FALSE(v["b"].as_int().has_value());
    CHECK(v["c"].as_bool() == true);
    CHECK_FALSE(v["d"].as_bool().has_value());
}

TEST_CASE("typed views: workloads, services, RBAC, secrets, namespaces") {
    auto out = model::parse_manifests("v.yaml", R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: db}}
    spec:
      serviceAccountName: db-sa
      automountServiceAccountToken: false
      initContainers:
      - {name: init, image: busybox, command: [sh, -c, "echo hi"]}
      containers:
      - name: main
        image: postgres
        ports: [{name: pg, containerPort: 5432}]
        env:
        - {name: A, value: "1"}
        - name: PASS
          valueFrom: {secretKeyRef: {name: db-secret, key: pass}}
        envFrom: [{secretRef: {name: extra}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: ops}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {job: backup}}
        spec: {containers: [{name: b, image: x}]}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  selector: {app: db}
  ports: [{port: 5432, targetPort: pg}]
---
apiVersion: v1
kind: Pod
metadata:
  name: db-0
  ownerReferences: [{kind: StatefulSet, name: db, controller: true}]
  labels: {app: db}
spec: {containers: [{name: main, image: postgres}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: db-sa}]
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
)");
    REQUIRE(out);
    auto inv = model::build_inventory(out->objects, "argocd");
    REQUIRE(inv.workloads.size() == 3);
    const auto& sts = inv.workloads[0];
    CHECK(sts.ns == "argocd");
    CHECK(sts.replicas == 3);
    CHECK(sts.pod.service_account == "db-sa");
    CHECK(sts.pod.automount_token == false);
    REQUIRE(sts.pod.containers.size() == 2);
    CHECK(sts.pod.containers[0].init);
    CHECK(sts.pod.containers[1].ports[0].name == "pg");
    CHECK(sts.pod.containers[1].env[1].secret_ref->name == "db-secret");
    CHECK(sts.pod.containers[1].env_from_secrets == std::vector<std::string>{"extra"});
    CHECK(inv.workloads[1].kind == "CronJob");
    CHECK(inv.workloads[1].ns == "ops");
    CHECK(inv.workloads[1].pod.labels.at("job") == "backup");
    CHECK(inv.workloads[2].owner_kind == "StatefulSet");
    CHECK(inv.services[0].ports[0].target_port == "pg");
    CHECK(inv.bindings[0].subjects[0].ns == "argocd");
    CHECK(inv.namespaces[0].labels.at("team") == "ops");
}

TEST_CASE("read_sources: directories sorted and recursive, binary and missing files refused") {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() / "preflight-test-sources";
    fs::remove_all(dir);
    fs::create_directories(dir / "sub");
    auto write = [](const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; };
    write(dir / "b.yaml", "b");
    write(dir / "sub" / "a.yml", "a");
    write(dir / "README.md", "not read");
    std::istringstream in("from stdin");
    auto out = read_sources({dir.string(), "-"}, in);
    REQUIRE(out);
    REQUIRE(out->size() == 3);
    CHECK((*out)[0].name.ends_with("b.yaml"));
    CHECK((*out)[1].name.ends_with("a.yml"));
    CHECK((*out)[2].text == "from stdin");
    write(dir / "bin.yaml", std::string("ab\0cd", 5));
    auto bin = read_sources({(dir / "bin.yaml").string()}, in);
    REQUIRE_FALSE(bin);
    CHECK(bin.error().message.find("binary") != std::string::npos);
    auto missing = read_sources({(dir / "nope.yaml").string()}, in);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::input);
    ReadLimits small{4, 100};
    auto big = read_sources({(dir / "b.yaml").string(), (dir / "bin.yaml").string()}, in, small);
    REQUIRE_FALSE(big);
    CHECK(big.error().message.find("limit of 4 bytes") != std::string::npos);
    fs::remove_all(dir);
}

// --- Malformed input never silently drops an object.
TEST_CASE("an unterminated quote that would swallow the next object is refused with its position") {
    std::string text =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    note: \"unterminated\ndata:\n  x: 'y'\n"
        "spec: \"\n";
    auto r = preflight::model::parse_manifests("m.yaml", text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("m.yaml:6:11") != std::string::npos);
    CHECK(r.error().message.find("unterminated quote") != std::string::npos);
}

TEST_CASE("a multi-line quoted value indented under its key is fine") {
    auto r = preflight::model::parse_manifests("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  x: \"a\n    b\"\n");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    CHECK(r->objects.front().body.at_path({"data", "x"}).str() == "a b");
}

TEST_CASE("a file with only CR line breaks that starts with a comment is read, not skipped") {
    auto r = preflight::model::parse_manifests("m.yaml", "# old editor\rapiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: cm\r");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->objects.size() == 1);
    CHECK(r->objects.front().where.line == 2);
}

TEST_CASE("NUL bytes far into the text and invalid UTF-8 are refused with their position") {
    std::string text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n";
    for (int i = 0; i < 1000; ++i) text += "  k" + std::to_string(i) + ": value\n";
    auto with_nul = text + "  z: a\0b\n";
    with_nul.insert(with_nul.size() - 3, 1, '\0');
    auto r = preflight::model::parse_manifests("m.yaml", with_nul);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("NUL") != std::string::npos);
    auto bad_utf8 = text + "  z: caf\xc3\n";
    r = preflight::model::parse_manifests("m.yaml", bad_utf8);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("m.yaml:1006:9: invalid UTF-8") != std::string::npos);
    for (const char* overlong : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
        CAPTURE(overlong);
        CHECK_FALSE(preflight::model::parse_manifests("m.yaml", text + "  z: " + overlong + "\n").has_value());
    }
    CHECK(preflight::model::parse_manifests("m.yaml", text + "  z: café ✓\n").has_value());
}

TEST_CASE("the same object defined twice: kubectl apply keeps the last, so does the model, with a warning") {
    std::vector<preflight::SourceText> src{
        {"a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: first}\n---\n"
                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n"},
        {"b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: last}\n"}};
    auto r = preflight::model::load_manifests(src);
    REQUIRE(r.has_value());
    REQUIRE(r->objects.size() == 2);
    CHECK(r->objects[0].name == "other");
    CHECK(r->objects[1].body.at_path({"data", "v"}).str() == "last");
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0].find("a.yaml:1") != std::string::npos);
    CHECK(r->warnings[0].find("keeps the last definition") != std::string::npos);
}

TEST_CASE("identity is the namespace after defaulting: with and without `namespace:` is one object") {
    std::vector<preflight::SourceText> src{
        {"a.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: argocd}\nspec: {v: first}\n---\n"
                   "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: x}\n"},
        {"b.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {v: last}\n---\n"
                   "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n"}};
    auto r = preflight::model::load_manifests(src, {}, "argocd");
    REQUIRE(r.has_value());
    REQUIRE(r->objects.size() == 2);
    CHECK(r->objects[0].body.at_path({"spec", "v"}).str() == "last");
    CHECK(r->warnings.size() == 2);
    // In another namespace it is another object.
    auto other = preflight::model::load_manifests(src, {}, "elsewhere");
    REQUIRE(other.has_value());
    CHECK(other->objects.size() == 3);
}

TEST_CASE("a Pod is named by its controller only: a non-controller owner or a Node (static pod) leaves it a Pod") {
    auto pod = [](const std::string& name, const std::string& refs) {
        return "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: x\n  ownerReferences: " + refs +
               "\nspec: {containers: [{name: c, image: i}]}\n";
    };
    auto out = model::parse_manifests("p.yaml", pod("rs-pod", "[{kind: ConfigMap, name: cm}, {kind: ReplicaSet, name: rs, controller: true}]") +
                                                    pod("helper", "[{kind: ConfigMap, name: settings}]") +
                                                    pod("etcd-node-1", "[{kind: Node, name: node-1, controller: true}]") +
                                                    pod("bare", "[]"));
    REQUIRE(out);
    auto inv = model::build_inventory(out->objects, "argocd");
    REQUIRE(inv.workloads.size() == 4);
    CHECK(inv.workloads[0].owner_kind == "ReplicaSet");  // the controller, not the first reference
    CHECK(inv.workloads[0].owner_name == "rs");
    CHECK(inv.workloads[1].owner_kind.empty());  // no controller: a Pod of its own
    CHECK(inv.workloads[2].owner_kind.empty());  // a static pod is not grouped under its Node
    CHECK(inv.workloads[3].owner_kind.empty());
}
