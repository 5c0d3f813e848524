"""Small views of the machine's network namespaces, links and processes (Linux /proc, /sys)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

NETNS_DIR = Path("/run/netns")
SYS_NET = Path("/sys/class/net")
LAB_ENV = "KENTOPS_LAB"

NsId = tuple[int, int]  # (st_dev, st_ino) of an nsfs file


class IpError(RuntimeError):
    """An `ip` command failed."""


def netns_names() -> list[str]:
    """Named network namespaces (those `ip netns` knows)."""
    try:
        return sorted(p.name for p in NETNS_DIR.iterdir())
    except FileNotFoundError:
        return []


def netns_id(name: str) -> NsId | None:
    """Identity of a named network namespace, comparable with a process's /proc/PID/ns/net."""
    try:
        st = (NETNS_DIR / name).stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def links() -> list[tuple[str, str]]:
    """(name, alias) of every network interface of this network namespace."""
    result: list[tuple[str, str]] = []
    try:
        names = sorted(p.name for p in SYS_NET.iterdir())
    except FileNotFoundError:
        return result
    for name in names:
        try:
            alias = (SYS_NET / name / "ifalias").read_text().strip()
        except OSError:
            alias = ""
        result.append((name, alias))
    return result


@dataclass(frozen=True)
class Process:
    """What the lab needs to know of one process."""

    pid: int
    ppid: int
    comm: str
    netns: NsId | None
    lab: str | None  # value of KENTOPS_LAB in its initial environment


def _read_bytes(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def processes(with_env: bool = True) -> Iterator[Process]:
    """Every live (non-zombie) process, with its network namespace and lab marker."""
    for path in Path("/proc").iterdir():
        entry = path.name
        if not entry.isdigit():
            continue
        stat = _read_bytes(f"/proc/{entry}/stat")
        if stat is None:
            continue
        # pid (comm) state ppid ... ; comm may hold spaces and parentheses.
        head, _, tail = stat.rpartition(b")")
        comm = head.partition(b"(")[2].decode(errors="replace")
        fields = tail.split()
        if len(fields) < 2 or fields[0] in (b"Z", b"X"):
            continue
        try:
            st = (path / "ns/net").stat()
            netns: NsId | None = (st.st_dev, st.st_ino)
        except OSError:
            netns = None
        lab: str | None = None
        if with_env:
            environ = _read_bytes(f"/proc/{entry}/environ") or b""
            marker = LAB_ENV.encode() + b"="
            for item in environ.split(b"\0"):
                if item.startswith(marker):
                    lab = item[len(marker) :].decode(errors="replace")
                    break
        yield Process(int(entry), int(fields[1]), comm, netns, lab)


def ip_batch(commands: Iterable[str], netns: str | None = None, force: bool = False) -> None:
    """Run `ip` commands in one `ip -batch` call (in ``netns`` when given)."""
    script = "".join(f"{c}\n" for c in commands)
    if not script:
        return
    argv = ["ip"]
    if netns is not None:
        argv += ["-n", netns]
    if force:
        argv.append("-force")
    argv += ["-batch", "-"]
    result = subprocess.run(argv, input=script, capture_output=True, text=True, check=False)
    if result.returncode != 0 and not force:
        raise IpError(f"{' '.join(argv)} failed: {result.stderr.strip()}\n{script}")
