#!/usr/bin/env python3
"""A simulated Kubernetes API server on loopback, for the integration tests (see kubesim/ for
what it does, by concept, and kubesim/scenario.py for the scenario format). Nothing in here
knows what argocd-preflight is expected to conclude."""
import argparse
import os
import signal
import threading
import time
from http.server import ThreadingHTTPServer

from kubesim import scenario as scenario_file
from kubesim.api import make_handler
from kubesim.controllers import Controllers
from kubesim.kubelet import Kubelet
from kubesim.network import Network
from kubesim.pod_exec import PodExec
from kubesim.store import Store


class Cluster(Controllers, Kubelet, Network, PodExec):
    """Workload controllers and a kubelet over the store, driven by the scenario."""

    def __init__(self, store, state_dir):
        self.store = store
        self.sc = store.scenario
        self.state_dir = state_dir
        self.pods = {}  # (ns, name) -> runtime state
        self.all_ready = False
        self.crash_seen = False
        self.failure_seen = False
        self.ip_counter = 10


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="")
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    scenario = scenario_file.load(args.scenario)
    store = Store(scenario, None)
    cluster = Cluster(store, args.state_dir)
    scenario_file.seed(store, scenario)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(store, cluster, args))
    server.daemon_threads = True

    def controllers():
        while not store.closed:
            with store.lock:
                cluster.reconcile()
            time.sleep(0.02)

    threading.Thread(target=controllers, daemon=True).start()

    def stop(*_):
        # A deleted node goes at once: watches are cut, nothing is flushed.
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = os.path.join(args.state_dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, os.path.join(args.state_dir, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
