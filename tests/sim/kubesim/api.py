"""The HTTP side of the simulated API server: discovery, OpenAPI v3, list/get/watch, create,
server-side apply, delete, pod logs. JSON only."""
import copy
import json
import os
import re
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from .store import new_meta


PATH_RE = re.compile(r"^/(?:api/(?P<cv>v1)|apis/(?P<g>[^/]+)/(?P<v>[^/]+))"
                     r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<res>[^/]+)(?:/(?P<name>[^/]+))?(?:/(?P<sub>[^/]+))?$")


def status_obj(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": reason, "code": code, "message": message}


def make_handler(store, cluster, args):
    sc = store.scenario

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def record(self):
            with open(os.path.join(args.state_dir, "requests.log"), "a") as f:
                f.write("%s %s\n" % (self.command, self.path))

        def send_json(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def send_text(self, code, text):
            body = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            if self.headers.get("Transfer-Encoding", "") == "chunked":
                out = b""
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def json_body(self):
            """The request body as JSON, or None after answering 415 (protobuf is not simulated)."""
            raw = self.body()
            ctype = self.headers.get("Content-Type", "")
            if "protobuf" in ctype or "cbor" in ctype:
                self.send_json(415, status_obj(415, "UnsupportedMediaType", "the simulator speaks JSON only, not " + ctype))
                return None
            return json.loads(raw or b"{}")

        def pre(self):
            self.record()
            lat = sc.get("latency_ms", 0)
            if lat:
                time.sleep(lat / 1000.0)

        def do_GET(self):
            self.pre()
            u = urllib.parse.urlparse(self.path)
            q = dict(urllib.parse.parse_qsl(u.query))
            p = u.path.rstrip("/")
            if self.discovery(p):
                return
            m = PATH_RE.match(p)
            if not m:
                return self.send_json(404, status_obj(404, "NotFound", "the server could not find the requested resource"))
            g = "" if m.group("cv") else m.group("g")
            ns, res, name, sub = m.group("ns"), m.group("res"), m.group("name"), m.group("sub")
            if sub == "log":
                return self.pod_log(ns, name, q)
            if name is None:
                if q.get("watch") in ("true", "1"):
                    return self.watch(g, res, ns, q)
                return self.list(g, m.group("v") or "v1", res, ns, q)
            with store.lock:
                obj = store.get(g, res, ns or "", name)
                obj = copy.deepcopy(obj)
            if obj is None:
                return self.send_json(404, status_obj(404, "NotFound", '%s "%s" not found' % (res, name)))
            return self.send_json(200, obj)

        def discovery(self, p):
            """/version, health, /api, /apis, OpenAPI and group-version resource lists: True when `p`
            was one of them (and answered)."""
            if p in ("/healthz", "/readyz"):
                self.send_text(200, "ok")
                return True
            answered = self.discovery_answer(p)
            if answered is None:
                return False
            self.send_json(*answered)
            return True

        def discovery_answer(self, p):
            """(code, body) for a discovery path; None for any other."""
            if p == "/version":
                minor = str(sc.get("server_version", "1.33")).split(".")[1]
                return (200, {"major": "1", "minor": minor, "gitVersion": "v1.%s.0" % minor, "platform": "linux/amd64"})
            if p == "/api":
                return (200, {"kind": "APIVersions", "versions": ["v1"],
                                            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
            if p == "/apis":
                groups = []
                with store.lock:
                    for g, vs in sorted(store.catalogue.group_versions().items()):
                        if g == "":
                            continue
                        gvs = [{"groupVersion": "%s/%s" % (g, v), "version": v} for v in vs]
                        groups.append({"name": g, "versions": gvs, "preferredVersion": gvs[0]})
                return (200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
            if p == "/openapi/v3":
                with store.lock:
                    paths = {}
                    for g, vs in store.catalogue.group_versions().items():
                        for v in vs:
                            key = "api/v1" if g == "" else "apis/%s/%s" % (g, v)
                            paths[key] = {"serverRelativeURL": "/openapi/v3/%s?hash=%d" % (key, store.rv)}
                return (200, {"paths": paths})
            if p.startswith("/openapi/v3/"):
                return (200, self.openapi_doc(p[len("/openapi/v3/"):]))
            if p == "/openapi/v2":
                return (404, status_obj(404, "NotFound", "the server could not find the requested resource"))
            m = re.match(r"^/(?:api/(v1)|apis/([^/]+)/([^/]+))$", p)
            if m:
                g, v = ("", "v1") if m.group(1) else (m.group(2), m.group(3))
                with store.lock:
                    res = [r for (rg, rv, _), r in store.catalogue.resources.items() if rg == g and rv == v]
                if not res:
                    return (404, status_obj(404, "NotFound", "the server could not find the requested resource"))
                res = list(res)
                if g == "" and v == "v1":
                    res.append({"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]})
                return (200, {"kind": "APIResourceList", "apiVersion": "v1",
                                            "groupVersion": v if g == "" else "%s/%s" % (g, v), "resources": res})
            return None

        def openapi_doc(self, key):
            key = key.split("?")[0]
            parts = key.split("/")
            g, v = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
            paths = {}
            with store.lock:
                for (rg, rv, plural), r in store.catalogue.resources.items():
                    if rg != g or rv != v:
                        continue
                    prefix = "/api/v1" if g == "" else "/apis/%s/%s" % (g, v)
                    path = prefix + ("/namespaces/{namespace}" if r["namespaced"] else "") + "/%s/{name}" % plural
                    op = {"x-kubernetes-group-version-kind": {"group": g, "version": v, "kind": r["kind"]},
                          "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                                         {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
                                         {"name": "force", "in": "query", "schema": {"type": "boolean"}}],
                          "responses": {"200": {"description": "OK"}}}
                    paths[path] = {"patch": op}
            return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.%s.0" % str(sc.get("server_version", "1.33")).split(".")[1]},
                    "paths": paths, "components": {"schemas": {}}}

        def matches(self, obj, q):
            sel = q.get("labelSelector")
            if sel:
                labels = obj.get("metadata", {}).get("labels", {}) or {}
                for term in sel.split(","):
                    if "!=" in term:
                        k, v = term.split("!=", 1)
                        if labels.get(k) == v:
                            return False
                    elif "=" in term:
                        k, v = term.replace("==", "=").split("=", 1)
                        if labels.get(k) != v:
                            return False
                    elif labels.get(term) is None:
                        return False
            fsel = q.get("fieldSelector")
            if fsel:
                for term in fsel.split(","):
                    if "=" not in term:
                        continue
                    k, v = term.replace("==", "=").split("=", 1)
                    cur = obj
                    for part in k.split("."):
                        cur = cur.get(part) if isinstance(cur, dict) else None
                    if (cur or "") != v:
                        return False
            return True

        def list(self, g, v, res, ns, q):
            with store.lock:
                items = [copy.deepcopy(o) for o in store.list(g, res, ns) if self.matches(o, q)]
                rv = str(store.rv)
                r = store.catalogue.resources.get((g, v, res))
            if r is None:
                return self.send_json(404, status_obj(404, "NotFound", "the server could not find the requested resource"))
            items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            return self.send_json(200, {"kind": r["kind"] + "List", "apiVersion": v if g == "" else "%s/%s" % (g, v),
                                        "metadata": {"resourceVersion": rv}, "items": items})

        def watch(self, g, res, ns, q):
            since = int(q.get("resourceVersion") or 0)
            timeout = min(float(q.get("timeoutSeconds") or 1800), float(sc.get("watch_close_after_s", 1800)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            deadline = time.time() + timeout
            pos = 0
            try:
                while time.time() < deadline and not store.closed:
                    with store.lock:
                        batch = []
                        while pos < len(store.history):
                            rv, hg, hres, hns, etype, obj = store.history[pos]
                            pos += 1
                            if rv > since and hg == g and hres == res and (ns is None or hns == ns) and self.matches(obj, q):
                                batch.append({"type": etype, "object": obj})
                        if not batch:
                            store.lock.wait(0.5)
                    for ev in batch:
                        data = (json.dumps(ev) + "\n").encode()
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def pod_log(self, ns, name, q):
            with store.lock:
                pod = store.get("", "pods", ns, name)
                text = store.logs.get((ns, name, q.get("container", "")))
            if pod is None:
                return self.send_json(404, status_obj(404, "NotFound", 'pods "%s" not found' % name))
            c = q.get("container", "")
            names = [x["name"] for x in (pod["spec"].get("initContainers", []) or []) + pod["spec"].get("containers", [])]
            if c and c not in names:
                return self.send_json(400, status_obj(400, "BadRequest", 'container %s is not valid for pod %s' % (c, name)))
            restarts = {cs["name"]: cs.get("restartCount", 0)
                        for cs in pod["status"].get("initContainerStatuses", []) + pod["status"].get("containerStatuses", [])}
            if q.get("previous") in ("true", "1"):
                if restarts.get(c, 0) == 0:
                    return self.send_json(400, status_obj(400, "BadRequest",
                                                          'previous terminated container "%s" in pod "%s" not found' % (c, name)))
                # A real kubelet, right after a restart, may answer for the instance being
                # replaced with this text instead of its log (seen on the real test cluster).
                with store.lock:
                    served = store.log_gaps.get((ns, name, c), 0)
                    store.log_gaps[(ns, name, c)] = served + 1
                if served < int(store.scenario.get("kubelet_log_gap", 0)):
                    return self.send_text(200, "unable to retrieve container logs for containerd://%064x" % served)
                return self.send_text(200, text or "")
            if text is None:
                return self.send_json(400, status_obj(400, "BadRequest",
                                                      'container "%s" in pod "%s" is waiting to start: PodInitializing' % (c, name)))
            return self.send_text(200, text)

        def do_POST(self):
            self.pre()
            p = urllib.parse.urlparse(self.path).path.rstrip("/")
            m = PATH_RE.match(p)
            if not m or m.group("name") is not None:
                return self.send_json(405, status_obj(405, "MethodNotAllowed", "not supported"))
            g = "" if m.group("cv") else m.group("g")
            obj = self.json_body()
            if obj is None:
                return
            return self.store_object(g, m.group("res"), m.group("ns"), obj, create_only=True)

        def do_PATCH(self):
            self.pre()
            u = urllib.parse.urlparse(self.path)
            m = PATH_RE.match(u.path)
            if not m or m.group("name") is None:
                return self.send_json(405, status_obj(405, "MethodNotAllowed", "not supported"))
            if "apply-patch" not in self.headers.get("Content-Type", ""):
                self.body()
                return self.send_json(415, status_obj(415, "UnsupportedMediaType", "only server-side apply is simulated"))
            obj = self.json_body()
            if obj is None:
                return
            g = "" if m.group("cv") else m.group("g")
            if obj.get("metadata", {}).get("name") != m.group("name"):
                return self.send_json(400, status_obj(400, "BadRequest", "the name of the object does not match the name on the URL"))
            return self.store_object(g, m.group("res"), m.group("ns"), obj, create_only=False)

        def store_object(self, g, res, ns, obj, create_only):
            with store.lock:
                r = next((r for (rg, _, plural), r in store.catalogue.resources.items() if rg == g and plural == res), None)
                if r is None:
                    return self.send_json(404, status_obj(404, "NotFound", "the server could not find the requested resource"))
                if r["namespaced"]:
                    if ns is None:
                        return self.send_json(400, status_obj(400, "BadRequest", "namespace required"))
                    if store.get("", "namespaces", "", ns) is None:
                        return self.send_json(404, status_obj(404, "NotFound", 'namespaces "%s" not found' % ns))
                md = obj.setdefault("metadata", {})
                name = md.get("name")
                existing = store.get(g, res, ns or "", name)
                if existing is not None and create_only:
                    return self.send_json(409, status_obj(409, "AlreadyExists", '%s "%s" already exists' % (res, name)))
                if existing is None:
                    fresh = new_meta(name, ns if r["namespaced"] else None)
                    for k in ("labels", "annotations"):
                        if k in md:
                            fresh[k] = md[k]
                    obj["metadata"] = fresh
                    if res == "namespaces":
                        obj["status"] = {"phase": "Active"}
                    stored = store.put(g, res, obj, "ADDED")
                    code = 201
                else:
                    # Server-side apply by the only manager of these fields (kubectl): the applied
                    # configuration replaces what it applied before, so a field left out of the new
                    # apply is removed; metadata the server owns and status stay.
                    before = json.dumps(existing.get("spec"), sort_keys=True)
                    merged = {k: copy.deepcopy(v) for k, v in obj.items() if k not in ("status", "metadata")}
                    merged["metadata"] = copy.deepcopy(existing["metadata"])
                    for k in ("labels", "annotations"):
                        if k in md:
                            merged["metadata"][k] = copy.deepcopy(md[k])
                    if "status" in existing:
                        merged["status"] = copy.deepcopy(existing["status"])
                    if json.dumps(merged.get("spec"), sort_keys=True) != before:
                        merged["metadata"]["generation"] = merged["metadata"].get("generation", 1) + 1
                    stored = store.put(g, res, merged, "MODIFIED")
                    code = 200
                if res == "customresourcedefinitions":
                    spec = stored.get("spec", {})
                    for ver in spec.get("versions", []):
                        store.catalogue.add(spec["group"], ver["name"], spec["names"]["plural"], spec["names"]["kind"],
                                            spec.get("scope") == "Namespaced")
                    stored["status"] = {"conditions": [{"type": "Established", "status": "True"}]}
                out = copy.deepcopy(stored)
            return self.send_json(code, out)

        def do_DELETE(self):
            self.pre()
            m = PATH_RE.match(urllib.parse.urlparse(self.path).path)
            self.body()
            if not m or m.group("name") is None:
                return self.send_json(405, status_obj(405, "MethodNotAllowed", "not supported"))
            g = "" if m.group("cv") else m.group("g")
            with store.lock:
                obj = store.remove(g, m.group("res"), m.group("ns") or "", m.group("name"))
            if obj is None:
                return self.send_json(404, status_obj(404, "NotFound", '%s "%s" not found' % (m.group("res"), m.group("name"))))
            return self.send_json(200, obj)

    return Handler
