"""The kubelet: moves each pod along - image pulls, init containers in order, then containers;
crash loops with their restarts and logs, a missing Secret (CreateContainerConfigError); writes
the pod's status when it changes. Probe and smoke pods run their real script (pod_exec)."""
import base64
import json

from .store import new_meta, now_iso


def completed():
    return {"terminated": {"exitCode": 0, "reason": "Completed"}}


class Kubelet:
    def fail_cycle(self, pod, st, cs, fail, t, logs_for):
        """A container that runs, fails with the scripted exit code and log, and is restarted
        every `every_s`: terminated once, then CrashLoopBackOff with the last termination."""
        name, pod_name, ns = cs["name"], pod["metadata"]["name"], pod["metadata"].get("namespace", "")
        n = st["restarts"].get(name, -1)
        if t >= st["next"]:
            n += 1
            st["restarts"][name] = n
            st["next"] = t + fail.get("every_s", 0.3)
            logs_for(name, fail.get("log", ""))
            self.event(ns, pod, "BackOff", "Back-off restarting failed container %s in pod %s" % (name, pod_name), "Warning")
        term = {"exitCode": fail.get("exit_code", 1), "reason": "Error"}
        if n >= 0 and not self.failure_seen:
            self.failure_seen = True
            self.milestone("first-failure %s/%s" % (pod_name, name))
        cs["restartCount"] = max(n, 0)
        if n < 1:
            cs["state"] = {"terminated": dict(term)}
            return
        cs["lastState"] = {"terminated": dict(term)}
        cs["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s restarting failed container=%s pod=%s" % (name, pod_name)}}
        if not self.crash_seen:
            self.crash_seen = True
            self.milestone("crash-loop %s/%s" % (pod_name, name))

    @staticmethod
    def container_status(c, **state):
        return {"name": c["name"], "image": c.get("image", ""), "ready": False, "restartCount": 0, "started": False, **state}

    def missing_secret(self, pod, c):
        ns = pod["metadata"].get("namespace", "")
        refs = [(e.get("valueFrom") or {}).get("secretKeyRef") for e in c.get("env", []) or []]
        refs += [e.get("secretRef") for e in c.get("envFrom", []) or []]
        for ref in refs:
            if ref and not ref.get("optional") and self.store.get("", "secrets", ns, ref.get("name", "")) is None:
                return ref["name"]
        return None

    def create_secret(self, ns, sec):
        """A Secret a container writes (the scenario's on_success / on_ready)."""
        if self.store.get("", "secrets", ns, sec["name"]) is None:
            data = {k: base64.b64encode(v.encode()).decode() for k, v in sec.get("data", {}).items()}
            self.store.put("", "secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": new_meta(sec["name"], ns), "type": "Opaque", "data": data})

    def image_pull(self, pod, st, t, pull, inits, containers, init_statuses, statuses):
        """A container whose image cannot be pulled: ErrImagePull, then ImagePullBackOff. True
        when it holds the pod back."""
        target = next((x for x in inits + containers if x["name"] == pull.get("container")), None)
        if target is None:
            return False
        if st["pull_since"] is None:
            st["pull_since"] = t
            self.event(pod["metadata"].get("namespace", ""), pod, "Failed", "Failed to pull image \"%s\": not found" % target.get("image"), "Warning")
        reason = "ErrImagePull" if t - st["pull_since"] < 0.2 else "ImagePullBackOff"
        lst, group = (init_statuses, inits) if target in inits else (statuses, containers)
        lst[group.index(target)]["state"] = {"waiting": {"reason": reason, "message": "Back-off pulling image \"%s\"" % target.get("image")}}
        return True

    def next_init(self, pod, st, t, rule, inits, init_statuses, logs_for):
        """Runs the current init container one step. True while init containers still hold the pod."""
        ready_after = rule.get("ready_after_s", self.sc.get("ready_after_s", 0.3))
        fail = rule.get("fail") or rule.get("crash")
        c = inits[st["init_index"]]
        name = c["name"]
        if fail and fail.get("container") == name:
            self.fail_cycle(pod, st, init_statuses[st["init_index"]], fail, t, logs_for)
            return True
        if t - st["start"] < min(ready_after, 0.05 * (st["init_index"] + 1)):
            init_statuses[st["init_index"]]["state"] = {"running": {"startedAt": now_iso()}}
            return True
        logs_for(name, self.sc.get("logs", {}).get("%s/%s" % (st["workload"], name), ""))
        on_success = rule.get("on_success")
        if on_success and on_success.get("container") == name and "create_secret" in on_success:
            self.create_secret(pod["metadata"].get("namespace", ""), on_success["create_secret"])
        init_statuses[st["init_index"]]["state"] = completed()
        st["init_index"] += 1
        return st["init_index"] < len(inits)

    def run_containers(self, pod, st, t, rule, containers, statuses, logs_for):
        """The regular containers one step; True when every one is Ready."""
        ns = pod["metadata"].get("namespace", "")
        ready_after = rule.get("ready_after_s", self.sc.get("ready_after_s", 0.3))
        fail = rule.get("fail") or rule.get("crash")
        all_ready = True
        for cs, c in zip(statuses, containers):
            name = c["name"]
            missing = self.missing_secret(pod, c)
            if missing:
                cs["state"] = {"waiting": {"reason": "CreateContainerConfigError", "message": "secret \"%s\" not found" % missing}}
                if not st.get("config_event_" + missing):
                    st["config_event_" + missing] = True
                    self.event(ns, pod, "Failed", "Error: secret \"%s\" not found" % missing, "Warning")
                all_ready = False
                continue
            if fail and fail.get("container") == name and t - st["start"] >= fail.get("after_s", 0):
                self.fail_cycle(pod, st, cs, fail, t, logs_for)
                all_ready = False
                continue
            logs_for(name, self.sc.get("logs", {}).get("%s/%s" % (st["workload"], name), "started\n"))
            cs["state"] = {"running": {"startedAt": now_iso()}}
            cs["started"] = True
            if rule.get("never_ready") or t - st["start"] < ready_after:
                all_ready = False
            else:
                cs["ready"] = True
        return all_ready

    def kubelet(self, pod, st, t):
        """Moves one pod along; writes its status on change."""
        if self.exec_pod(pod, st, t):
            return
        ns = pod["metadata"].get("namespace", "")
        rule = self.rule(st["workload"])
        spec = pod["spec"]
        inits, containers = spec.get("initContainers", []) or [], spec.get("containers", []) or []
        old = json.dumps(pod.get("status"), sort_keys=True)
        status = pod.setdefault("status", {})

        def logs_for(cname, text):
            self.store.logs[(ns, pod["metadata"]["name"], cname)] = text

        init_statuses = [self.container_status(c, state=completed() if i < st["init_index"] else {"waiting": {"reason": "PodInitializing"}})
                         for i, c in enumerate(inits)]
        statuses = [self.container_status(c, state={"waiting": {"reason": "PodInitializing" if inits else "ContainerCreating"}}) for c in containers]
        pull = rule.get("image_pull")
        blocked = bool(pull) and st["init_index"] >= 0 and self.image_pull(pod, st, t, pull, inits, containers, init_statuses, statuses)
        if not blocked and st["init_index"] < len(inits):
            blocked = self.next_init(pod, st, t, rule, inits, init_statuses, logs_for)
        all_ready = not blocked and self.run_containers(pod, st, t, rule, containers, statuses, logs_for)
        on_ready = rule.get("on_ready")
        if on_ready and all_ready and statuses and "create_secret" in on_ready:
            self.create_secret(ns, on_ready["create_secret"])
        self.write_status(pod, st, status, old, blocked, all_ready, inits, init_statuses, statuses)

    def write_status(self, pod, st, status, old, blocked, all_ready, inits, init_statuses, statuses):
        is_job = pod["spec"].get("restartPolicy") in ("OnFailure", "Never")
        running = not blocked and all(cs["state"].get("running") or cs["ready"] for cs in statuses) and statuses
        if is_job and all_ready and statuses:
            status["phase"] = "Succeeded"
            for cs in statuses:
                cs["state"] = completed()
        else:
            status["phase"] = "Running" if running else "Pending"
        status["initContainerStatuses"] = init_statuses
        status["containerStatuses"] = statuses
        ready = bool(statuses) and all(cs["ready"] for cs in statuses)
        status["conditions"] = [{"type": "PodScheduled", "status": "True"},
                                {"type": "Initialized", "status": "True" if st["init_index"] >= len(inits) else "False"},
                                {"type": "ContainersReady", "status": "True" if ready else "False"},
                                {"type": "Ready", "status": "True" if ready else "False"}]
        status["podIP"] = st["ip"]
        if json.dumps(status, sort_keys=True) != old:
            self.store.put("", "pods", pod)
