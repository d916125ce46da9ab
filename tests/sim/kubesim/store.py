"""Objects by (group, plural, namespace, name), the watch history, pod logs; garbage collection
of owned objects and of a deleted namespace's contents."""
import copy
import random
import threading
import time

from .catalogue import Catalogue


class Store:
    def __init__(self, scenario, log):
        self.scenario = scenario
        self.log = log
        self.lock = threading.Condition()
        self.rv = 100
        self.objects = {}  # (group, plural, ns, name) -> object
        self.history = []  # (rv, group, plural, ns, type, object)
        self.catalogue = Catalogue()
        self.logs = {}  # (ns, pod, container) -> {"current": str, "previous": str}
        self.log_gaps = {}  # (ns, pod, container) -> --previous requests answered so far
        self.closed = False

    def next_rv(self):
        self.rv += 1
        return str(self.rv)

    def put(self, group, plural, obj, event=None):
        """Stores `obj` (caller holds the lock), records the watch event."""
        md = obj.setdefault("metadata", {})
        ns = md.get("namespace", "")
        key = (group, plural, ns, md["name"])
        etype = event or ("MODIFIED" if key in self.objects else "ADDED")
        md["resourceVersion"] = self.next_rv()
        self.objects[key] = obj
        self.history.append((int(md["resourceVersion"]), group, plural, ns, etype, copy.deepcopy(obj)))
        self.lock.notify_all()
        return obj

    def remove(self, group, plural, ns, name):
        obj = self.objects.pop((group, plural, ns, name), None)
        if obj is None:
            return None
        obj["metadata"]["resourceVersion"] = self.next_rv()
        self.history.append((int(obj["metadata"]["resourceVersion"]), group, plural, ns, "DELETED", copy.deepcopy(obj)))
        self.lock.notify_all()
        # Garbage collection: objects owned by this one go too.
        uid = obj["metadata"].get("uid")
        for k, o in list(self.objects.items()):
            if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences", [])):
                self.remove(*k)
        if plural == "namespaces":
            for k in [k for k in self.objects if k[2] == name]:
                self.remove(*k)
        return obj

    def get(self, group, plural, ns, name):
        return self.objects.get((group, plural, ns, name))

    def list(self, group, plural, ns):
        return [o for (g, p, n, _), o in self.objects.items() if g == group and p == plural and (ns is None or n == ns)]


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_meta(name, ns, labels=None, owner=None):
    md = {"name": name, "uid": "%032x" % random.getrandbits(128), "creationTimestamp": now_iso(), "generation": 1}
    if ns:
        md["namespace"] = ns
    if labels:
        md["labels"] = dict(labels)
    if owner:
        md["ownerReferences"] = [{"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
                                  "uid": owner["metadata"]["uid"], "controller": True}]
    return md
