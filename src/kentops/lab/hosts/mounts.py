"""Reading and removing mounts of this process's mount namespace."""

from __future__ import annotations

import ctypes
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

_MNT_DETACH = 2
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Mount:
    """One line of /proc/self/mountinfo."""

    mount_id: int
    mountpoint: Path
    fstype: str
    source: str


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mounts() -> list[Mount]:
    """The mounts of this process's mount namespace, in mount order."""
    result: list[Mount] = []
    with Path("/proc/self/mountinfo").open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            left, _, right = line.partition(" - ")
            fields = left.split()
            rest = right.split()
            if len(fields) < 5 or len(rest) < 2:
                continue
            result.append(
                Mount(
                    mount_id=int(fields[0]),
                    mountpoint=Path(_unescape(fields[4])),
                    fstype=rest[0],
                    source=_unescape(rest[1]),
                )
            )
    return result


def mounts_under(path: Path) -> list[Mount]:
    """Mounts at ``path`` or below it, deepest (latest) first."""
    root = Path(path).absolute()
    found = [m for m in mounts() if m.mountpoint == root or root in m.mountpoint.parents]
    return sorted(found, key=lambda m: (len(m.mountpoint.parts), m.mount_id), reverse=True)


def unmount(path: Path, attempts: int = 20) -> None:
    """Unmount ``path``; retry while busy, then detach it lazily."""
    raw = os.fsencode(str(path))
    for _ in range(attempts):
        if _libc.umount2(raw, 0) == 0:
            return
        err = ctypes.get_errno()
        if err in (22, 2):  # EINVAL: not a mount point (any more); ENOENT: gone
            return
        if err != 16:  # EBUSY
            raise OSError(err, os.strerror(err), str(path))
        time.sleep(0.05)
    if _libc.umount2(raw, _MNT_DETACH) != 0:
        err = ctypes.get_errno()
        if err not in (22, 2):
            raise OSError(err, os.strerror(err), str(path))


def unmount_under(path: Path) -> None:
    """Unmount everything mounted at or below ``path``."""
    for mount in mounts_under(path):
        unmount(mount.mountpoint)
