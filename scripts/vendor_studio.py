"""Fetches the third-party files that served GX Data Docs pages load (config/studio.yaml `vendor`) from the
npm registry into nex_assets/studio/static/vendor, each package tarball checked against the sha512 the
registry publishes for it. Run by a maintainer when the list changes; the result is committed, so Studio
needs no network at run time.

    .venv/bin/python scripts/vendor_studio.py
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nex_assets.core import settings  # noqa: E402
from nex_assets.studio.settings import StudioSettings  # noqa: E402

REGISTRY = "https://registry.npmjs.org"
OUT = ROOT / "nex_assets" / "studio" / "static" / "vendor"


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def _tarball(package: str, version: str) -> tarfile.TarFile:
    meta = json.loads(_get(f"{REGISTRY}/{package.replace('/', '%2F')}/{version}"))
    data = _get(meta["dist"]["tarball"])
    algo, expected = meta["dist"]["integrity"].split("-", 1)
    if algo != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
        raise SystemExit(f"{package}@{version}: the tarball does not match the registry's {algo}")
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")


def main() -> int:
    studio = settings.load(StudioSettings, ROOT / "config" / "studio.yaml")
    if OUT.exists():
        shutil.rmtree(OUT)
    manifest = {}
    tarballs: dict[str, tarfile.TarFile] = {}
    for item in studio.vendor:
        tar = tarballs.get(item.npm) or _tarball(item.package, item.version)
        tarballs[item.npm] = tar
        for name in [item.file, *item.with_]:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{item.npm} has no file {name}")
            data = member.read()
            target = OUT / item.local(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            manifest[item.local(name)] = {"npm": item.npm, "sha256": hashlib.sha256(data).hexdigest()}
    (OUT / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"vendored {len(manifest)} files into {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
