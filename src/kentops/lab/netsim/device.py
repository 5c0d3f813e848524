"""The live state of one simulated device: running and startup configuration, clock, faults.

State is shared by every session of the device (one asyncio loop, no locks needed). With a
state directory, the running and startup configurations are written to
``<name>.running.cfg`` and ``<name>.startup.cfg`` on every change, and read back when the
device starts again.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kentops.lab.netsim.config import (
    ConfigNode,
    Configurator,
    Dialect,
    parse_config,
    render_body,
)
from kentops.lab.netsim.dialects import dialect_for
from kentops.lab.netsim.ifnames import (
    canonical_interface,
    derived_mac,
    interface_type,
    mac_digits,
)
from kentops.lab.netsim.model import SimDevice, SimInterface


@dataclass(frozen=True)
class InterfaceView:
    """What show/display commands report about one interface."""

    name: str
    description: str
    enabled: bool
    up: bool
    ipv4: ipaddress.IPv4Interface | None
    mac: str  # 12 hex digits, "" for interfaces without one (loopbacks)
    speed_mbps: int
    mode: str
    physical: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _interface_stanza(name: str, interface: SimInterface, mode: str | None) -> list[str]:
    """An IOS- or VRP-style ``interface`` block: description, ``mode`` (the platform's
    switchport line, if any), address and shutdown state."""
    lines = [f"interface {name}"]
    if interface.description:
        lines.append(f" description {interface.description}")
    if mode is not None:
        lines.append(mode)
    if interface.ipv4:
        address = ipaddress.IPv4Interface(interface.ipv4)
        lines.append(f" ip address {address.ip} {address.netmask}")
    if not interface.enabled:
        lines.append(" shutdown")
    return lines


class DeviceState:
    """Configuration and clock of one device, shared by all its sessions."""

    #: Whether every change is also the startup configuration at once (FortiOS, RouterOS);
    #: Cisco and Huawei keep a change in the running configuration until it is saved.
    saves_every_change = False

    def __init__(
        self,
        spec: SimDevice,
        state_dir: Path | None = None,
        peers: Callable[[str], DeviceState | None] | None = None,
    ) -> None:
        self.spec = spec
        self.dialect: Dialect = dialect_for(spec.platform)
        self.state_dir = state_dir
        self._peers = peers
        self.started = time.monotonic()
        self.last_change: tuple[dt.datetime, str] | None = None
        self.last_save: tuple[dt.datetime, str] | None = None
        self.interfaces_spec: dict[str, SimInterface] = {}
        for interface in spec.interfaces:
            name = canonical_interface(interface.name, spec.platform) or interface.name
            self.interfaces_spec[name] = interface
            if interface.mac:
                mac_digits(interface.mac)  # fail early on a malformed address
        running_text = self._starting_text(spec, state_dir)
        self.root: ConfigNode = parse_config(running_text, self.dialect)
        self._ensure_hostname()
        self.startup_text: str = self._load("startup") or self.running_text()
        self.configurator = Configurator(self.dialect, self.root, set(self.interfaces_spec))

    # -- identity and clock ------------------------------------------------------------

    @property
    def hostname(self) -> str:
        command = self.dialect.hostname_command + " "
        for node in self.root.children:
            if node.text.startswith(command):
                return node.text[len(command) :].strip()
        return self.spec.hostname

    def uptime_seconds(self) -> int:
        return self.spec.uptime_s + int(time.monotonic() - self.started)

    def base_mac(self) -> str:
        return derived_mac(self.spec.name, 0)

    def system_description(self) -> str:
        """The one-line system description this device advertises by LLDP."""
        spec = self.spec
        if spec.platform == "huawei_vrp":
            return f"Huawei Versatile Routing Platform Software VRP (R) software, {spec.os_version}"
        return f"Cisco IOS Software, {spec.model}, Version {spec.os_version}, RELEASE SOFTWARE"

    def peer(self, hostname: str) -> DeviceState | None:
        """Another device of the same pool, by hostname (for LLDP details)."""
        return self._peers(hostname) if self._peers else None

    # -- configuration -----------------------------------------------------------------

    def running_text(self) -> str:
        return render_body(self.root, self.dialect)

    def changed(self, user: str) -> None:
        self.last_change = (_now(), user)
        self._store("running", self.running_text())
        if self.saves_every_change:
            self.startup_text = self.running_text()
            self.last_save = self.last_change
            self._store("startup", self.startup_text)

    def save(self, user: str) -> None:
        self.startup_text = self.running_text()
        self.last_save = (_now(), user)
        self._store("startup", self.startup_text)
        self._store("running", self.startup_text)

    def persist(self) -> None:
        self._store("running", self.running_text())
        self._store("startup", self.startup_text)

    def _path(self, which: str) -> Path | None:
        if self.state_dir is None:
            return None
        return self.state_dir / f"{self.spec.name}.{which}.cfg"

    def _load(self, which: str) -> str:
        path = self._path(which)
        if path is None or not path.is_file():
            return ""
        return path.read_text(encoding="utf-8")

    def _store(self, which: str, text: str) -> None:
        path = self._path(which)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)

    def _ensure_hostname(self) -> None:
        command = self.dialect.hostname_command + " "
        if any(node.text.startswith(command) for node in self.root.children):
            return
        position = 0
        for index, node in enumerate(self.root.children):
            if node.text.split()[0] in ("version", "service", "no"):
                position = index + 1
            else:
                break
        self.root.children.insert(position, ConfigNode(command + self.spec.hostname))

    def _starting_text(self, spec: SimDevice, state_dir: Path | None) -> str:
        """The running configuration the device starts from: the one saved in ``state_dir``,
        else the spec's, else one generated from the spec. Subclasses whose own model must
        exist before this class starts call it first, before ``super().__init__``."""
        self.spec = spec
        self.state_dir = state_dir
        return self._load("running") or spec.running_config or self._generated_config()

    def _generated_config(self) -> str:
        if self.spec.platform == "huawei_vrp":
            return self._generated_vrp()
        return self._generated_ios()

    def _generated_ios(self) -> str:
        train = re.match(r"^\d+\.\d+", self.spec.os_version)
        lines = [
            "version " + (train.group(0) if train else self.spec.os_version),
            "no service pad",
            "service timestamps debug datetime msec",
            "service timestamps log datetime msec",
            "service password-encryption",
            f"hostname {self.spec.hostname}",
            "no ip domain lookup",
        ]
        for name, interface in self.interfaces_spec.items():
            mode = None
            if interface.mode == "trunk":
                mode = " switchport mode trunk"
            elif interface.mode == "routed" and not name.startswith(("Vlan", "Loopback")):
                mode = " no switchport"
            elif interface.mode == "access" and not name.startswith(("Vlan", "Loopback")):
                mode = " switchport mode access"
            lines += _interface_stanza(name, interface, mode)
        lines += [
            "ip ssh version 2",
            "lldp run",
            "line con 0",
            "line vty 0 4",
            " login local",
            " transport input ssh",
        ]
        return "\n".join(lines) + "\n"

    def _generated_vrp(self) -> str:
        lines = [f"sysname {self.spec.hostname}"]
        for name, interface in self.interfaces_spec.items():
            mode = None
            if interface.mode == "trunk":
                mode = " port link-type trunk"
            elif interface.mode == "access" and not name.startswith(("Vlanif", "LoopBack")):
                mode = " port link-type access"
            lines += _interface_stanza(name, interface, mode)
        lines += [
            "stelnet server enable",
            "aaa",
            f" local-user {self.spec.username} privilege level 15",
            f" local-user {self.spec.username} service-type ssh",
            "user-interface con 0",
            " authentication-mode aaa",
            "user-interface vty 0 4",
            " authentication-mode aaa",
            " protocol inbound ssh",
        ]
        return "\n".join(lines) + "\n"

    # -- interfaces --------------------------------------------------------------------

    def interfaces(self) -> list[InterfaceView]:
        """Physical interfaces in spec order, then the configured virtual ones."""
        sections: dict[str, ConfigNode] = {}
        for node in self.root.children:
            if node.text.startswith("interface "):
                sections[node.text[len("interface ") :]] = node
        views: list[InterfaceView] = []
        for index, (name, interface) in enumerate(self.interfaces_spec.items(), start=1):
            mac = mac_digits(interface.mac) if interface.mac else derived_mac(self.spec.name, index)
            views.append(self._view(name, sections.get(name), interface, mac))
        for name, node in sections.items():
            if name not in self.interfaces_spec:
                mac = "" if name.lower().startswith(("loopback", "null")) else self.base_mac()
                views.append(self._view(name, node, None, mac))
        return views

    def interface(self, name: str) -> InterfaceView | None:
        wanted = canonical_interface(name, self.spec.platform) or name
        for view in self.interfaces():
            if view.name == wanted:
                return view
        return None

    def _view(
        self, name: str, node: ConfigNode | None, spec: SimInterface | None, mac: str
    ) -> InterfaceView:
        neg = self.dialect.negation
        if node is None and spec is not None:
            description, enabled = spec.description, spec.enabled
            ipv4 = ipaddress.IPv4Interface(spec.ipv4) if spec.ipv4 else None
            mode = spec.mode
        else:
            children = [c.text for c in node.children] if node else []
            description = next(
                (c[len("description ") :] for c in children if c.startswith("description ")), ""
            )
            enabled = "shutdown" not in children
            ipv4 = None
            for child in children:
                match = re.match(r"^ip address (\S+) (\S+)$", child)
                if match:
                    try:
                        ipv4 = ipaddress.IPv4Interface(f"{match.group(1)}/{match.group(2)}")
                    except ValueError:
                        ipv4 = None
            mode = spec.mode if spec else "routed"
            if f"{neg} switchport" in children or f"{neg} portswitch" in children:
                mode = "routed"
            elif "switchport mode trunk" in children or "port link-type trunk" in children:
                mode = "trunk"
            elif "switchport mode access" in children or "port link-type access" in children:
                mode = "access"
        speed = spec.speed_mbps if spec else _virtual_speed(name)
        return InterfaceView(
            name=name,
            description=description,
            enabled=enabled,
            up=enabled,
            ipv4=ipv4,
            mac=mac,
            speed_mbps=speed,
            mode=mode,
            physical=spec is not None
            and interface_type(name, self.spec.platform) not in self.dialect.virtual_types,
        )

    def lldp_enabled(self) -> bool:
        disabled = "no lldp run" if self.spec.platform == "cisco_ios" else "undo lldp enable"
        return self.root.child(disabled) is None


def _virtual_speed(name: str) -> int:
    lowered = name.lower()
    if lowered.startswith("loopback"):
        return 8000
    return 1000
