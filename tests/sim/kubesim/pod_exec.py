"""Probe and smoke pods run their real command - the tool's own script - under sh, in a mount
namespace with a /tmp/probe.out of their own (as each container has), with fake redis-cli,
getent and argocd on PATH (fakebin/). The simulator decides only what the network and Argo CD do (the scenario's
"network" and "smoke"); the words the script prints are the script's."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading

FAKEBIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fakebin")


def private_probe_out_argv(argv, own_file):
    """`argv` in a mount namespace where /tmp/probe.out (the file a probe script writes) is
    `own_file`: concurrent probe pods do not share it, as they would not in real pods."""
    if not os.path.exists("/tmp/probe.out"):
        open("/tmp/probe.out", "a").close()  # the mount point
    open(own_file, "w").close()
    userns = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    return ["unshare", *userns, "--mount", "--propagation", "private", "--",
            "sh", "-c", 'mount --bind "$0" /tmp/probe.out && exec "$@"', own_file, *argv]


class PodExec:
    def pod_env(self, pod):
        """The container's env with Secret references resolved; None for a pod that is neither a
        probe nor the smoke test."""
        c = (pod["spec"].get("containers") or [{}])[0]
        env = {}
        for e in c.get("env", []) or []:
            if "value" in e:
                env[e["name"]] = e["value"]
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                sec = self.store.get("", "secrets", pod["metadata"].get("namespace", ""), ref.get("name", ""))
                if sec is not None and ref.get("key") in sec.get("data", {}):
                    env[e["name"]] = base64.b64decode(sec["data"][ref["key"]]).decode()
        return env if ("PROBE_KIND" in env or "SMOKE_APP" in env) else None

    def probe_fakes(self, pod, env):
        """What the fake tools do for this probe: the connection's fate from the scenario."""
        kind, host, port = env["PROBE_KIND"], env.get("PROBE_HOST", ""), env.get("PROBE_PORT", "0")
        fate = self.connection(pod, host, port)
        out = {"SIM_DNS": "ok" if fate == "ok" else "fail"}
        if fate == "timeout":
            out["SIM_REDIS_HANG"] = "1"
        elif fate == "refused":
            out.update(SIM_REDIS_REPLY="Could not connect to Redis at %s:%s: Connection refused" % (host, port), SIM_REDIS_EXIT="1")
        elif kind == "redis":
            required = self.redis_password(pod["metadata"].get("namespace", ""), host)
            if fate == "noauth" or (required is not None and env.get("REDISCLI_AUTH") != required):
                out["SIM_REDIS_REPLY"] = ("NOAUTH Authentication required." if not env.get("REDISCLI_AUTH")
                                          else "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.")
            else:
                out["SIM_REDIS_REPLY"] = "PONG"
        else:
            out["SIM_REDIS_REPLY"] = "Error: Server closed the connection"  # a TLS server hangs up on PING
        return out

    def smoke_fakes(self, pod, env):
        """What Argo CD does for the smoke test: its API reachable or not, the scenario's answers."""
        sc = self.sc.get("smoke", {})
        server = env.get("SMOKE_SERVER", "")
        host, _, port = server.rpartition(":")
        fate = self.connection(pod, host, port)
        if fate != "ok" or not self.service_ready(pod["metadata"].get("namespace", ""), host):
            login = "rpc error: code = Unavailable desc = dial tcp %s: connect: connection %s" % (server, "timed out" if fate == "timeout" else "refused")
        else:
            login = sc.get("login", "ok")
        return {"SIM_LOGIN": login, "SIM_CREATE": sc.get("create", "ok"), "SIM_SYNC": sc.get("sync", "Synced"),
                "SIM_HEALTH": sc.get("health", "Healthy")}

    def run_script(self, pod, env, fakes, st):
        """Runs the pod's command (outside the store's lock); its output becomes the container's log."""
        c = pod["spec"]["containers"][0]
        argv = (c.get("command") or []) + (c.get("args") or [])
        work = tempfile.mkdtemp(prefix="kube-sim-exec-", dir=self.state_dir)
        os.makedirs(os.path.join(work, "net"))
        open(os.path.join(work, "net", "tcp"), "w").close()
        full = {"PATH": FAKEBIN + ":/usr/bin:/bin", "PROBE_PROC_NET": os.path.join(work, "net"), "SIM_APPS_DIR": work,
                **env, **fakes,
                # The simulated enforcer knows a pod before it starts: no settle time is needed.
                "PROBE_SETTLE": "0"}
        limit = int(env.get("PROBE_TIMEOUT") or 5) * 2 + int(env.get("SMOKE_TIMEOUT") or 0) + 30
        try:
            done = subprocess.run(private_probe_out_argv(argv, os.path.join(work, "probe.out")), env=full, capture_output=True, text=True, timeout=limit)
            log = done.stdout + done.stderr
        except subprocess.TimeoutExpired as e:
            log = (e.stdout or "") if isinstance(e.stdout, str) else ""
        apps = []
        for name in os.listdir(work):
            if name.endswith(".app.json"):
                with open(os.path.join(work, name)) as f:
                    apps.append(json.load(f))
        shutil.rmtree(work, ignore_errors=True)
        st["exec"].update(log=log, apps=apps, done=True)

    def exec_pod(self, pod, st, t):
        """Probe and smoke pods: started once, Succeeded with the script's output when it ends.
        False for any other pod."""
        if st.get("plain"):
            return False
        env = self.pod_env(pod)
        if env is None:
            st["plain"] = True  # its env is fixed: decided once, not on every pass
            return False
        if pod["status"].get("phase") == "Succeeded" or t - st["start"] < 0.1:
            return True
        c = pod["spec"]["containers"][0]
        if "exec" not in st:
            fakes = self.smoke_fakes(pod, env) if "SMOKE_APP" in env else self.probe_fakes(pod, env)
            st["exec"] = {"done": False}
            threading.Thread(target=self.run_script, args=(pod, env, fakes, st), daemon=True).start()
            pod["status"] = {"phase": "Running", "podIP": st["ip"],
                             "containerStatuses": [self.container_status(c, state={"running": {}}, started=True)],
                             "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}]}
            self.store.put("", "pods", pod)
            return True
        if not st["exec"]["done"]:
            return True
        ns = pod["metadata"].get("namespace", "")
        self.store.logs[(ns, pod["metadata"]["name"], c["name"])] = st["exec"]["log"]
        for app in st["exec"]["apps"]:
            self.create_application(ns, app)
        pod["status"] = {"phase": "Succeeded", "podIP": st["ip"],
                         "containerStatuses": [self.container_status(c, state={"terminated": {"exitCode": 0, "reason": "Completed"}})],
                         "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}]}
        self.store.put("", "pods", pod)
        return True

    def create_application(self, ns, app):
        """The Application `argocd app create` asked for, as Argo CD reports it per the scenario."""
        from .store import new_meta
        sc = self.sc.get("smoke", {})
        self.store.put("argoproj.io", "applications", {
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": new_meta(app["name"], ns),
            "spec": {"source": {"repoURL": app.get("repo"), "path": app.get("path"), "targetRevision": app.get("revision")},
                     "destination": {"server": app.get("dest_server"), "namespace": app.get("dest_namespace")}},
            "status": {"sync": {"status": sc.get("sync", "Synced")}, "health": {"status": sc.get("health", "Healthy")}}})
