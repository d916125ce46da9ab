#!/usr/bin/env python3
"""Packs a root filesystem directory into a one-layer OCI image archive that
`ctr images import` accepts, named by its full reference (docker.io/library/redis:7.0.15-alpine).

usage: mkimage.py ROOTFS REF OUT.tar [--entrypoint JSON] [--cmd JSON] [--user UID[:GID]] [--env K=V ...]
                  [--workdir DIR]

The layer is deterministic (sorted names, owner 0, mtime 0), so the same rootfs gives the same
digest on every machine.
"""
import argparse, hashlib, io, json, os, tarfile


def layer_bytes(root):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            names = sorted(dirnames + filenames)
            for name in names:
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                info = tar.gettarinfo(full, arcname=rel)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0
                if info.isfile():
                    with open(full, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)
    return buf.getvalue()


def blob(tar, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + digest[7:])
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
    return digest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rootfs")
    ap.add_argument("ref")
    ap.add_argument("out")
    ap.add_argument("--entrypoint")
    ap.add_argument("--cmd")
    ap.add_argument("--user", default="0:0")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--workdir", default="/")
    a = ap.parse_args()
    layer = layer_bytes(a.rootfs)
    layer_digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    cfg = {"User": a.user, "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + a.env,
           "WorkingDir": a.workdir}
    if a.entrypoint:
        cfg["Entrypoint"] = json.loads(a.entrypoint)
    if a.cmd:
        cfg["Cmd"] = json.loads(a.cmd)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": cfg,
                         "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
                         "created": "1970-01-01T00:00:00Z"}, sort_keys=True).encode()
    tmp = a.out + ".tmp"
    with tarfile.open(tmp, "w") as tar:
        blob(tar, layer)
        config_digest = blob(tar, config)
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": config_digest, "size": len(config)},
                               "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                           "digest": layer_digest, "size": len(layer)}]}, sort_keys=True).encode()
        manifest_digest = blob(tar, manifest)
        index = json.dumps({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
            "size": len(manifest), "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": a.ref, "org.opencontainers.image.ref.name": a.ref}}]}).encode()
        for name, data in (("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
