"""The lab's own Debian package source: a newer version of a package the image carries.

Patching needs something to patch. The image installs :data:`CANARY` at
:data:`CANARY_INSTALLED`; :func:`write_update_source` writes a flat apt repository
(``Packages``, ``Release``) holding :data:`CANARY_UPDATE`, whose ``Release`` names a
``-security`` suite, so ``apt-get -s dist-upgrade`` on a lab host lists one pending
security update, e.g.::

    Inst kentops-lab-canary [1.0-1] (1.0-2 kentops-lab-security:12/bookworm-security [all])

and a real upgrade changes the installed version. Like a Debian kernel update, the
newer version's ``postinst`` asks for a reboot (``/run/reboot-required`` and
``/run/reboot-required.pkgs``), so the reboot path of the patching role runs too.
The packages are built with ``dpkg-deb`` from files written here: nothing is
downloaded.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import time
from pathlib import Path

CANARY = "kentops-lab-canary"
CANARY_INSTALLED = "1.0-1"
CANARY_UPDATE = "1.0-2"
#: Where a lab host finds the source (inside the host) and the apt line that names it.
SOURCE_DIR = "/srv/kentops-lab-updates"
SOURCE_LIST = f"deb [trusted=yes] file:{SOURCE_DIR} ./\n"
SOURCE_LIST_PATH = "/etc/apt/sources.list.d/kentops-lab-updates.list"
#: The Release fields: an origin of our own whose suite is a security suite.
RELEASE_FIELDS = {
    "Origin": "kentops-lab",
    "Label": "kentops-lab-security",
    "Suite": "bookworm-security",
    "Codename": "bookworm-security",
    "Version": "12",
    "Architectures": "all amd64",
    "Components": "main",
    "Description": "kentops lab: security updates for the lab hosts",
}
# Fixed timestamps keep the built files (and so the image key inputs) reproducible.
_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z

_REBOOT_POSTINST = """#!/bin/sh
# Like a kernel update: ask for a reboot once the new version is configured.
set -e
if [ "$1" = configure ]; then
    touch /run/reboot-required
    grep -qx kentops-lab-canary /run/reboot-required.pkgs 2>/dev/null ||
        echo kentops-lab-canary >>/run/reboot-required.pkgs
fi
exit 0
"""


def _control(version: str) -> str:
    return (
        f"Package: {CANARY}\n"
        f"Version: {version}\n"
        "Architecture: all\n"
        "Maintainer: kentops <bilgiislem@ornek.bel.tr>\n"
        "Section: admin\n"
        "Priority: optional\n"
        "Description: kentops lab: a package the lab's package source updates\n"
        " Installed in every lab host image; the lab's local package source carries a\n"
        " newer version as a security update, so patching has real work to do.\n"
    )


def build_canary(version: str, out_dir: Path, *, asks_reboot: bool) -> Path:
    """Build ``kentops-lab-canary_<version>_all.deb`` into ``out_dir`` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{CANARY}_{version}_all.deb"
    with tempfile.TemporaryDirectory(prefix="kentops-canary-") as tmp:
        root = Path(tmp) / "root"
        (root / "DEBIAN").mkdir(parents=True)
        (root / "DEBIAN/control").write_text(_control(version))
        if asks_reboot:
            postinst = root / "DEBIAN/postinst"
            postinst.write_text(_REBOOT_POSTINST)
            postinst.chmod(0o755)
        share = root / "usr/share" / CANARY
        share.mkdir(parents=True)
        (share / "VERSION").write_text(version + "\n")
        for path in root.rglob("*"):
            os.utime(path, (_EPOCH, _EPOCH), follow_symlinks=False)
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(_EPOCH)}
        result = subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"dpkg-deb --build {deb.name}: {result.stderr.strip()}")
    return deb


def _packages_stanza(deb: Path, version: str) -> str:
    data = deb.read_bytes()
    return (
        _control(version)
        + f"Filename: ./{deb.name}\n"
        + f"Size: {len(data)}\n"
        + f"MD5sum: {hashlib.md5(data, usedforsecurity=False).hexdigest()}\n"
        + f"SHA256: {hashlib.sha256(data).hexdigest()}\n"
    )


def write_update_source(repo_dir: Path) -> Path:
    """Write the flat repository (the update's .deb, ``Packages``, ``Release``) into ``repo_dir``.

    ``repo_dir`` is the host's :data:`SOURCE_DIR` seen from outside (in its overlay).
    """
    deb = build_canary(CANARY_UPDATE, repo_dir, asks_reboot=True)
    packages = _packages_stanza(deb, CANARY_UPDATE)
    (repo_dir / "Packages").write_text(packages)
    raw = packages.encode()
    date = time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(_EPOCH))
    release = "".join(f"{k}: {v}\n" for k, v in RELEASE_FIELDS.items())
    release += f"Date: {date}\n"
    release += (
        f"MD5Sum:\n {hashlib.md5(raw, usedforsecurity=False).hexdigest()} {len(raw)} Packages\n"
    )
    release += f"SHA256:\n {hashlib.sha256(raw).hexdigest()} {len(raw)} Packages\n"
    (repo_dir / "Release").write_text(release)
    return repo_dir
