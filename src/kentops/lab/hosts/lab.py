"""Real Debian test hosts, each in its own network namespace, reachable over SSH.

A lab run owns: a bridge in the machine's own network namespace (with an address on a
lab subnet, so this machine reaches every host), and per host a network namespace, a
veth pair into the bridge, an overlayfs over the cached image, and a process tree
(``unshare`` + the host's init, rsyslogd, sshd) in its own PID/mount/UTS/IPC namespaces.
Everything is recorded in ``state_dir/lab.json`` before it is created, so ``down()``
in any process can remove it, and every object carries the run id (netns name, link
alias, overlay source, ``KENTOPS_LAB`` in the process environment) so
:func:`leftovers` can prove nothing remains.

Hosts reach each other and this machine, nothing else: their default route points to
an address on the lab subnet that nobody answers, and their resolver is 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kentops.lab.hosts.image import ensure_image, run_in_root
from kentops.lab.hosts.mounts import mounts, mounts_under, unmount
from kentops.lab.hosts.packages import (
    SOURCE_DIR,
    SOURCE_LIST,
    SOURCE_LIST_PATH,
    write_update_source,
)
from kentops.lab.hosts.system import (
    LAB_ENV,
    NsId,
    ip_batch,
    links,
    netns_id,
    netns_names,
    processes,
)

STATE_FILE = "lab.json"
STATE_VERSION = 1
INIT_PATH = "/usr/local/sbin/kentops-init"
#: Reboots a lab host (its init boots it again); the patching role's reboot command.
REBOOT_PATH = "/usr/local/sbin/kentops-lab-reboot"
#: Capabilities no lab host process may ever hold: the clock, kernel modules,
#: reboot, and the kernel log belong to the machine running the lab.
DROPPED_CAPS = "-sys_time,-sys_module,-sys_boot,-syslog"
#: Host part of the hosts' default gateway: on the lab subnet, answered by nobody.
BLACKHOLE_GATEWAY = 254
MAX_HOSTS = 200
BOOT_TIMEOUT = 60.0
_NO_MIRROR = (
    "# kentops lab host: no internet, so no Debian mirror; the only package source is\n"
    "# the lab's own (sources.list.d/kentops-lab-updates.list).\n"
)

_RUN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")

Progress = Callable[[str], None]


class LabError(RuntimeError):
    """The lab could not be brought up or torn down."""


@dataclass(frozen=True)
class HostSpec:
    """A host to start: ``name`` is its inventory id, ``hostname`` what it calls itself."""

    name: str
    hostname: str


@dataclass(kw_only=True)
class LabHost:
    """A running lab host, as reached from this machine."""

    name: str
    hostname: str
    address: str
    ssh_port: int = 22
    host_key_pub: str
    netns: str
    pid: int  # the host's init (PID 1 inside), as seen from this machine


# ---------------------------------------------------------------------------- helpers


def _normalise_run_id(run_id: str | None) -> str:
    if run_id is None:
        return f"kentops-{secrets.token_hex(4)}"
    if not run_id.startswith("kentops"):
        run_id = f"kentops-{run_id}"
    if not _RUN_ID.match(run_id):
        raise ValueError(f"run id {run_id!r}: use 1-40 characters of a-z, 0-9 and '-'")
    return run_id


def _tag(run_id: str) -> str:
    """Six hex digits naming this run's interfaces (Linux allows 15 characters)."""
    return hashlib.sha256(run_id.encode()).hexdigest()[:6]


def _ipv4_networks_in_use() -> list[ipaddress.IPv4Network]:
    """Routes, local addresses, resolvers and current peers this machine relies on."""
    used: list[ipaddress.IPv4Network] = []

    def add(text: str | None) -> None:
        if not text or text == "default":
            return
        with contextlib.suppress(ValueError):
            net = ipaddress.ip_network(text, strict=False)
            if isinstance(net, ipaddress.IPv4Network) and net.prefixlen > 0:
                used.append(net)

    routes = subprocess.run(
        ["ip", "-j", "-4", "route", "show", "table", "all"],
        capture_output=True,
        text=True,
        check=False,
    )
    for route in json.loads(routes.stdout or "[]"):
        add(route.get("dst"))
        add(route.get("gateway"))
        add(route.get("prefsrc"))
    addrs = subprocess.run(["ip", "-j", "-4", "addr"], capture_output=True, text=True, check=False)
    for link in json.loads(addrs.stdout or "[]"):
        for info in link.get("addr_info", []):
            add(f"{info.get('local')}/{info.get('prefixlen', 32)}")
    with contextlib.suppress(OSError):
        for line in Path("/etc/resolv.conf").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                add(parts[1])
    for table in ("/proc/net/tcp", "/proc/net/udp"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 2:
                    remote = fields[2].split(":")[0]
                    add(str(ipaddress.IPv4Address(int(remote, 16).to_bytes(4, "little"))))
    return used


def choose_subnet(run_id: str) -> ipaddress.IPv4Network:
    """A 10.x.y.0/24 derived from the run id that overlaps nothing this machine uses."""
    used = _ipv4_networks_in_use()
    seed = int(hashlib.sha256(run_id.encode()).hexdigest()[:8], 16)
    space = 254 * 256  # 10.1.0.0 .. 10.254.255.0
    for attempt in range(512):
        n = (seed + attempt * 7919) % space
        net = ipaddress.IPv4Network(f"10.{1 + n // 256}.{n % 256}.0/24")
        if not any(net.overlaps(u) for u in used):
            return net
    raise LabError("no free 10.x.y.0/24 subnet for the lab")


def ed25519_pair(comment: str) -> tuple[bytes, str]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return private, f"{public.decode()} {comment}"


def _write(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
    path.chmod(mode)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ssh_banner(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5) as conn:
            conn.settimeout(2.0)
            return conn.recv(8).startswith(b"SSH-")
    except OSError:
        return False


# ------------------------------------------------------------------------------ the lab


class HostLab:
    """Debian test hosts of one lab run; its state lives in ``state_dir``.

    A new ``HostLab(state_dir, cache_dir)`` over an existing state directory adopts
    that run (its run id comes from the state file), so ``down()`` works from another
    process. ``run_id`` (normalised to start with ``kentops``) names every object of
    the run; :attr:`run_id` is the prefix to give :func:`leftovers` for this run only.
    """

    def __init__(
        self,
        state_dir: Path,
        cache_dir: Path,
        run_id: str | None = None,
        *,
        progress: Progress | None = None,
    ) -> None:
        self.state_dir = Path(state_dir).absolute()
        self.cache_dir = Path(cache_dir).absolute()
        self.progress = progress
        recorded = self._load()
        if run_id is None and recorded is not None:
            self.run_id: str = str(recorded["run_id"])
        else:
            self.run_id = _normalise_run_id(run_id)
        if recorded is not None and recorded["run_id"] != self.run_id:
            raise LabError(
                f"{self.state_dir} holds lab run {recorded['run_id']}, not {self.run_id}; "
                "open it without a run id (and call down()) or use another state directory"
            )

    # -- paths and names

    @property
    def state_path(self) -> Path:
        return self.state_dir / STATE_FILE

    @property
    def key_path(self) -> Path:
        """Private ed25519 key of this run, authorised for the admin user and root."""
        return self.state_dir / "id_ed25519"

    @property
    def known_hosts_path(self) -> Path:
        return self.state_dir / "known_hosts"

    @property
    def hosts_dir(self) -> Path:
        return self.state_dir / "hosts"

    @property
    def bridge(self) -> str:
        return f"kt{_tag(self.run_id)}br"

    def _netns(self, name: str) -> str:
        return f"{self.run_id}_{name}"

    def _veth(self, index: int) -> str:
        return f"kt{_tag(self.run_id)}h{index}"

    def ssh_options(self) -> list[str]:
        """OpenSSH client options for this run: its key, its known_hosts, strict checking."""
        return [
            "-i",
            str(self.key_path),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts_path}",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=10",
        ]

    def ssh_command(self, host: LabHost, *command: str, user: str | None = None) -> list[str]:
        """An ``ssh`` argv running ``command`` on ``host`` (as the admin user by default)."""
        login = user or self.admin_user
        target = f"{login}@{host.address}"
        return ["ssh", *self.ssh_options(), "-p", str(host.ssh_port), target, *command]

    @property
    def admin_user(self) -> str:
        state = self._load()
        return str(state["admin_user"]) if state else "kentops"

    @property
    def subnet(self) -> ipaddress.IPv4Network | None:
        state = self._load()
        return ipaddress.IPv4Network(state["subnet"]) if state else None

    # -- state file

    def _load(self) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise LabError(f"unreadable lab state {self.state_path}: {exc}") from exc
        return data

    def _save(self, state: dict[str, Any]) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        _write(tmp, json.dumps(state, indent=2) + "\n", 0o600)
        tmp.rename(self.state_path)

    def _say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    # -- up

    def up(self, specs: list[HostSpec], admin_user: str = "kentops") -> list[LabHost]:
        """Start ``specs`` as hosts; return them once every sshd answers."""
        problems = prerequisites()
        if problems:
            raise LabError("the host lab cannot run here: " + "; ".join(problems))
        _validate(specs, admin_user)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.state_dir / ".lock"):
            existing = self._load()
            if existing is not None and existing.get("hosts"):
                raise LabError(
                    f"a lab ({existing['run_id']}) is already recorded in {self.state_dir}; "
                    "call down() first"
                )
            image = ensure_image(self.cache_dir, self.progress)
            try:
                return self._up(specs, admin_user, image)
            except BaseException as failure:
                try:
                    self._down()
                except (LabError, OSError, subprocess.SubprocessError) as cleanup:
                    failure.add_note(f"cleaning up after the failure also failed: {cleanup}")
                raise

    def _up(self, specs: list[HostSpec], admin_user: str, image: Path) -> list[LabHost]:
        started = time.monotonic()
        subnet = choose_subnet(self.run_id)
        addresses = list(subnet.hosts())
        bridge_address = addresses[0]
        gateway = subnet.network_address + BLACKHOLE_GATEWAY
        hosts: list[dict[str, Any]] = [
            {
                "name": spec.name,
                "hostname": spec.hostname,
                "address": str(addresses[i + 1]),
                "ssh_port": 22,
                "netns": self._netns(spec.name),
                "veth": self._veth(i),
                "host_key_pub": "",
                "pid": 0,
                "launcher_pid": 0,
            }
            for i, spec in enumerate(specs)
        ]
        state: dict[str, Any] = {
            "version": STATE_VERSION,
            "run_id": self.run_id,
            "bridge": self.bridge,
            "subnet": str(subnet),
            "bridge_address": str(bridge_address),
            "gateway": str(gateway),
            "image": str(image),
            "admin_user": admin_user,
            "hosts": hosts,
        }
        # Recorded before anything exists, so a crash at any point leaves a state
        # that down() can follow.
        self._save(state)

        private, public = ed25519_pair(f"{admin_user}@{self.run_id}")
        _write(self.key_path, private, 0o600)
        _write(self.key_path.with_suffix(".pub"), public + "\n", 0o644)

        self._say(f"network {subnet} on bridge {self.bridge}")
        root_cmds = [
            f"link add name {self.bridge} type bridge",
            f"link set dev {self.bridge} alias {self.run_id}",
            f"addr add {bridge_address}/{subnet.prefixlen} dev {self.bridge}",
            f"link set dev {self.bridge} up",
        ]
        for h in hosts:
            root_cmds += [
                f"netns add {h['netns']}",
                f"link add name {h['veth']} type veth peer name eth0 netns {h['netns']}",
                f"link set dev {h['veth']} alias {h['netns']}",
                f"link set dev {h['veth']} master {self.bridge} up",
            ]
        ip_batch(root_cmds)
        for h in hosts:
            ip_batch(
                [
                    "link set dev lo up",
                    f"addr add {h['address']}/{subnet.prefixlen} dev eth0",
                    "link set dev eth0 up",
                    f"route add default via {gateway} dev eth0",
                ],
                netns=h["netns"],
            )

        etc_hosts = _etc_hosts(hosts)
        init_text = resources.files("kentops.lab.hosts").joinpath("files", "kentops-init")
        init_script = init_text.read_text("utf-8")
        reboot_text = resources.files("kentops.lab.hosts").joinpath("files", "kentops-lab-reboot")
        reboot_script = reboot_text.read_text("utf-8")
        # The local package source with a security update for every host (see packages.py).
        updates = write_update_source(self.state_dir / "updates")
        known: list[str] = []
        for h in hosts:
            merged = self._mount_overlay(image, h["name"])
            host_private, host_public = ed25519_pair(f"root@{h['hostname']}")
            h["host_key_pub"] = host_public
            known.append(f"{h['address']} {' '.join(host_public.split()[:2])}\n")
            _write(merged / "etc/ssh/ssh_host_ed25519_key", host_private, 0o600)
            _write(merged / "etc/ssh/ssh_host_ed25519_key.pub", host_public + "\n")
            _write(merged / "etc/hostname", h["hostname"] + "\n")
            _write(merged / "etc/hosts", etc_hosts)
            _write(merged / "etc/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1\n")
            _write(merged / "etc/kentops-lab/admin-user", admin_user + "\n")
            _write(merged / "etc/kentops-lab/authorized_keys", public + "\n")
            _write(merged / "etc/sudoers.d/kentops-lab", _sudoers(admin_user), 0o440)
            (merged / "root/.ssh").mkdir(mode=0o700, exist_ok=True)
            _write(merged / "root/.ssh/authorized_keys", public + "\n", 0o600)
            _write(merged / INIT_PATH.lstrip("/"), init_script, 0o755)
            _write(merged / REBOOT_PATH.lstrip("/"), reboot_script, 0o755)
            for item in updates.iterdir():
                _write(merged / SOURCE_DIR.lstrip("/") / item.name, item.read_bytes())
            _write(merged / SOURCE_LIST_PATH.lstrip("/"), SOURCE_LIST)
            # No internet: the Debian mirror the image was built from is out of reach.
            _write(merged / "etc/apt/sources.list", _NO_MIRROR)
        self._apt_lists([self.hosts_dir / h["name"] / "merged" for h in hosts])
        _write(self.known_hosts_path, "".join(known), 0o644)
        self._save(state)

        self._say(f"starting {len(hosts)} hosts")
        launchers: dict[str, subprocess.Popen[bytes]] = {}
        for h in hosts:
            launchers[h["name"]] = self._launch(h)
            h["launcher_pid"] = launchers[h["name"]].pid
        self._save(state)
        self._find_inits(hosts)
        self._save(state)
        self._wait_ready(hosts, launchers)
        self._say(f"{len(hosts)} hosts up in {time.monotonic() - started:.1f} s")
        return [_lab_host(h) for h in hosts]

    def _apt_lists(self, roots: list[Path]) -> None:
        """Give every host the package lists of its sources, as after ``apt-get update``.

        One ``apt-get update`` (in the first host's tree, reading only the local file
        source) and a copy of its lists to the others, instead of one run per host.
        """
        if not roots:
            return
        first = roots[0]
        run_in_root(first, "apt-get", "update", "-qq", "-o", "Acquire::Languages=none")
        lists = first / "var/lib/apt/lists"
        # file: sources are kept as symbolic links into the host's own /srv
        fresh = {
            p.name for p in lists.iterdir() if (p.is_file() or p.is_symlink()) and p.name != "lock"
        }
        for root in roots[1:]:
            target = root / "var/lib/apt/lists"
            for old in target.iterdir():
                if (old.is_file() or old.is_symlink()) and old.name not in fresh | {"lock"}:
                    old.unlink()
            for name in fresh:
                (target / name).unlink(missing_ok=True)
                shutil.copy2(lists / name, target / name, follow_symlinks=False)

    def _mount_overlay(self, image: Path, name: str) -> Path:
        base = self.hosts_dir / name
        upper, work, merged = base / "upper", base / "work", base / "merged"
        for d in (upper, work, merged):
            d.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "mount",
                "-t",
                "overlay",
                self._netns(name),
                "-o",
                f"lowerdir={image},upperdir={upper},workdir={work}",
                str(merged),
            ],
            check=True,
            capture_output=True,
        )
        return merged

    def _launch(self, h: dict[str, Any]) -> subprocess.Popen[bytes]:
        merged = self.hosts_dir / h["name"] / "merged"
        console = (self.hosts_dir / h["name"] / "console.log").open("ab")
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            LAB_ENV: self.run_id,
            "KENTOPS_LAB_HOST": h["name"],
        }
        argv = [
            "ip",
            "netns",
            "exec",
            h["netns"],
            "setpriv",
            "--bounding-set",
            DROPPED_CAPS,
            "unshare",
            "--mount",
            "--uts",
            "--ipc",
            "--pid",
            "--fork",
            "--kill-child",
            "--propagation",
            "slave",
            "chroot",
            str(merged),
            INIT_PATH,
        ]
        with console:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                close_fds=True,
            )

    def _find_inits(self, hosts: list[dict[str, Any]]) -> None:
        """Record each host's init: the child of its `unshare` launcher."""
        waiting = {h["launcher_pid"]: h for h in hosts}
        deadline = time.monotonic() + BOOT_TIMEOUT
        while waiting:
            for proc in processes(with_env=False):
                if proc.ppid in waiting:
                    waiting.pop(proc.ppid)["pid"] = proc.pid
            if not waiting:
                break
            if time.monotonic() > deadline:
                names = ", ".join(h["name"] for h in waiting.values())
                raise LabError(f"hosts did not start: {names}")
            time.sleep(0.01)

    def _wait_ready(
        self, hosts: list[dict[str, Any]], launchers: dict[str, subprocess.Popen[bytes]]
    ) -> None:
        pending = list(hosts)
        deadline = time.monotonic() + BOOT_TIMEOUT
        while pending:
            for h in list(pending):
                launcher = launchers[h["name"]]
                if launcher.poll() is not None:
                    raise LabError(
                        f"host {h['name']} stopped during boot (exit {launcher.returncode}):\n"
                        + self._console_tail(h["name"])
                    )
                if _ssh_banner(h["address"], h["ssh_port"]):
                    pending.remove(h)
            if not pending:
                break
            if time.monotonic() > deadline:
                h = pending[0]
                raise LabError(
                    f"sshd of {h['name']} ({h['address']}) did not answer in "
                    f"{BOOT_TIMEOUT:.0f} s:\n" + self._console_tail(h["name"])
                )
            time.sleep(0.02)

    def _console_tail(self, name: str, lines: int = 20) -> str:
        try:
            text = (self.hosts_dir / name / "console.log").read_text(errors="replace")
        except OSError:
            return "(no console log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- down

    def down(self) -> None:
        """Remove every process, mount, link, namespace and directory of this run."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.state_dir / ".lock"):
            self._down()

    def _down(self) -> None:
        state = self._load() or {}
        recorded: list[dict[str, Any]] = list(state.get("hosts", []))
        mine = f"{self.run_id}_"
        namespaces = {h["netns"] for h in recorded} | {
            n for n in netns_names() if n.startswith(mine)
        }
        veths = {h["veth"] for h in recorded} | {
            name for name, alias in links() if alias.startswith(mine)
        }
        bridges = {state["bridge"]} if state.get("bridge") else set()
        bridges |= {name for name, alias in links() if alias == self.run_id}
        launcher_pids = {int(h.get("launcher_pid") or 0) for h in recorded} - {0}

        self._kill_all(namespaces, launcher_pids)

        overlays = [m.mountpoint for m in mounts() if m.source.startswith(mine)]
        for point in overlays + [m.mountpoint for m in mounts_under(self.hosts_dir)]:
            unmount(point)

        present = {name for name, _ in links()}
        ip_batch([f"link del dev {v}" for v in sorted(veths) if v in present], force=True)
        known_ns = set(netns_names())
        ip_batch([f"netns del {n}" for n in sorted(namespaces) if n in known_ns], force=True)
        ip_batch([f"link del dev {b}" for b in sorted(bridges) if b in present], force=True)

        remaining = run_leftovers(self.run_id) + [
            f"link {name}" for name, _ in links() if name in veths | bridges
        ]
        remaining += [f"mount {m.mountpoint}" for m in mounts_under(self.hosts_dir)]
        if remaining:
            raise LabError("could not remove: " + ", ".join(remaining))
        shutil.rmtree(self.hosts_dir, ignore_errors=True)
        for path in (
            self.known_hosts_path,
            self.key_path,
            self.key_path.with_suffix(".pub"),
            self.state_path,
        ):
            path.unlink(missing_ok=True)

    def _kill_all(self, namespaces: set[str], launcher_pids: set[int]) -> None:
        """SIGKILL every process in the run's namespaces (`unshare --fork` ignores TERM)."""
        ids: set[NsId] = {i for i in (netns_id(n) for n in namespaces) if i is not None}
        deadline = time.monotonic() + 10.0
        while True:
            victims = [
                p.pid
                for p in processes()
                if (p.netns in ids or p.lab == self.run_id) and p.pid != os.getpid()
            ]
            for pid in launcher_pids:  # our own children: collect them, no zombies
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)
            if not victims:
                return
            if time.monotonic() > deadline:
                raise LabError(f"processes survived SIGKILL: {victims}")
            for pid in victims:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

    # -- status

    def status(self) -> list[LabHost]:
        """The recorded hosts whose init is still running in their namespace."""
        state = self._load()
        if not state:
            return []
        alive: list[LabHost] = []
        for h in state.get("hosts", []):
            ns = netns_id(h["netns"])
            if not h.get("pid") or ns is None:
                continue
            try:
                st = Path(f"/proc/{h['pid']}/ns/net").stat()
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == ns:
                alive.append(_lab_host(h))
        return alive


def _lab_host(h: dict[str, Any]) -> LabHost:
    return LabHost(
        name=h["name"],
        hostname=h["hostname"],
        address=h["address"],
        ssh_port=int(h.get("ssh_port", 22)),
        host_key_pub=h["host_key_pub"],
        netns=h["netns"],
        pid=int(h["pid"]),
    )


def _validate(specs: Sequence[HostSpec], admin_user: str) -> None:
    if not specs:
        raise ValueError("no hosts to start")
    if len(specs) > MAX_HOSTS:
        raise ValueError(f"{len(specs)} hosts: the lab starts at most {MAX_HOSTS}")
    if not _USER.match(admin_user) or admin_user == "root":
        raise ValueError(f"admin user {admin_user!r} is not a valid non-root user name")
    seen: set[str] = set()
    for spec in specs:
        if not _HOST_NAME.match(spec.name):
            raise ValueError(f"host name {spec.name!r}: use letters, digits, '.' and '-'")
        if not _HOSTNAME.match(spec.hostname):
            raise ValueError(f"hostname {spec.hostname!r} of {spec.name} is not a valid hostname")
        if spec.name in seen:
            raise ValueError(f"host {spec.name!r} given twice")
        seen.add(spec.name)


def _etc_hosts(hosts: list[dict[str, Any]]) -> str:
    lines = [
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "ff02::1\tip6-allnodes",
        "ff02::2\tip6-allrouters",
        "# kentops lab hosts",
    ]
    for h in hosts:
        names = [h["hostname"]]
        short = h["hostname"].split(".")[0]
        if short != h["hostname"]:
            names.append(short)
        lines.append(f"{h['address']}\t{' '.join(names)}")
    return "\n".join(lines) + "\n"


def _sudoers(admin_user: str) -> str:
    return (
        "# kentops lab host: the admin account logs in with the lab key only.\n"
        f"{admin_user} ALL=(ALL:ALL) NOPASSWD: ALL\n"
    )


# ----------------------------------------------------------------- checks for callers


def prerequisites() -> list[str]:
    """What this machine lacks to run lab hosts, in words; empty when nothing."""
    missing: list[str] = []
    if os.geteuid() != 0:
        missing.append("not root (network namespaces and mounts need root)")
    tools = {
        "debootstrap": "debootstrap",
        "ip": "iproute2",
        "unshare": "util-linux",
        "setpriv": "util-linux",
        "chroot": "coreutils",
        "mount": "mount",
    }
    for tool, package in tools.items():
        if shutil.which(tool) is None:
            missing.append(f"no {tool} (Debian package {package})")
    try:
        filesystems = Path("/proc/filesystems").read_text()
    except OSError:
        filesystems = ""
    if (
        not re.search(r"\boverlay$", filesystems, re.MULTILINE)
        and not Path("/sys/module/overlay").exists()
    ):
        missing.append("no overlayfs in the kernel (modprobe overlay)")
    for ns in ("net", "pid", "mnt", "uts", "ipc"):
        if not Path(f"/proc/self/ns/{ns}").exists():
            missing.append(f"kernel without {ns} namespaces")
    if shutil.which("unshare") is not None:
        usage = subprocess.run(["unshare", "--help"], capture_output=True, text=True, check=False)
        if "--kill-child" not in usage.stdout:
            missing.append("unshare without --kill-child (util-linux 2.32 or later)")
    return missing


def _objects(belongs: Callable[[str], bool]) -> list[str]:
    found: list[str] = []
    namespaces = [n for n in netns_names() if belongs(n)]
    found += [f"netns {n}" for n in namespaces]
    found += [f"link {name} ({alias})" for name, alias in links() if alias and belongs(alias)]
    found += [
        f"mount {m.mountpoint} ({m.fstype} {m.source})" for m in mounts() if belongs(m.source)
    ]
    ids = {i: n for n in namespaces if (i := netns_id(n)) is not None}
    for p in processes():
        if p.pid == os.getpid():
            continue
        if p.netns in ids:
            found.append(f"process {p.pid} {p.comm} (netns {ids[p.netns]})")
        elif p.lab is not None and belongs(p.lab):
            found.append(f"process {p.pid} {p.comm} (lab {p.lab})")
    return found


def leftovers(run_id_prefix: str = "kentops") -> list[str]:
    """Network namespaces, links, mounts and processes of lab runs whose id starts so.

    Empty means every lab run matching the prefix was removed completely. Pass a
    :attr:`HostLab.run_id` to look at one run (and runs whose id extends it).
    """
    return _objects(lambda name: name.startswith(run_id_prefix))


def run_leftovers(run_id: str) -> list[str]:
    """Like :func:`leftovers`, for exactly one run id."""
    return _objects(lambda name: name == run_id or name.startswith(f"{run_id}_"))
