#!/usr/bin/env python3
"""Writes a one-layer OCI image-layout tarball from a root filesystem, without any registry.

usage: mkimage.py OUT.tar IMAGE_NAME ROOTFS_DIR ENTRYPOINT_JSON CMD_JSON

The layer is reproducible (sorted entries, uid/gid 0, mtime 0), so the same rootfs gives the same
digest. `ctr images import` reads the name from the index's io.containerd.image.name annotation.
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def layer_bytes(root):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(dirnames) + sorted(filenames):
                path = os.path.join(dirpath, name)
                info = tar.gettarinfo(path, arcname=os.path.relpath(path, root))
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                info.mtime = 0
                if info.isfile():
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)
    return buf.getvalue()


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob(tar, data):
    info = tarfile.TarInfo("blobs/sha256/" + digest(data)[7:])
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def main():
    out, name, rootfs = sys.argv[1:4]
    entrypoint, cmd = json.loads(sys.argv[4]), json.loads(sys.argv[5])
    layer = layer_bytes(rootfs)
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Entrypoint": entrypoint or None, "Cmd": cmd or None, "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [digest(layer)]},
        "history": [{"created": "1970-01-01T00:00:00Z",
                     "created_by": "tests/controlplane/realnode/mkimage.py"}],
    }, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": digest(layer), "size": len(layer)}],
    }, sort_keys=True).encode()
    index = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": digest(manifest), "size": len(manifest),
                       "platform": {"architecture": "amd64", "os": "linux"},
                       "annotations": {"io.containerd.image.name": name,
                                       "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]}}],
    }, sort_keys=True).encode()
    with tarfile.open(out, "w") as tar:
        for arc, data in (("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)):
            info = tarfile.TarInfo(arc)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for data in (layer, config, manifest):
            blob(tar, data)
    print(f"{name} {digest(manifest)} ({len(layer) // 1024} KiB)")


if __name__ == "__main__":
    main()
