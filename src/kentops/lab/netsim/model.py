"""What a simulated network device is: identity, interfaces, neighbours, configuration, faults.

The model is plain data. It knows nothing of SSH or of the command line; the server and
the platform shells read it. ``devices_to_json`` / ``devices_from_json`` carry a list of
devices to the standalone daemon (``python -m kentops.lab.netsim serve --spec FILE``).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Platform = Literal["cisco_ios", "huawei_vrp", "fortios", "routeros"]
FaultKind = Literal["down", "auth_fail", "hang_after_login", "slow", "reject_command"]
InterfaceMode = Literal["access", "trunk", "routed"]

PLATFORMS: tuple[str, ...] = get_args(Platform)
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
INTERFACE_MODES: tuple[str, ...] = get_args(InterfaceMode)


@dataclass(frozen=True)
class SimInterface:
    """One interface of a simulated device.

    ``mac`` may be empty: the simulator then derives a stable address from the device name.
    ``ipv4`` is an address with prefix length (``"10.0.0.1/24"``).
    """

    name: str
    description: str = ""
    ipv4: str | None = None
    enabled: bool = True
    mac: str = ""
    speed_mbps: int = 1000
    mode: str = "access"


@dataclass(frozen=True)
class SimNeighbor:
    """An LLDP neighbour seen on ``local_interface``."""

    local_interface: str
    remote_hostname: str
    remote_port: str


@dataclass(frozen=True)
class Fault:
    """A failure the device shows on purpose.

    - ``down``: the port does not listen (connection refused).
    - ``auth_fail``: every login is rejected.
    - ``hang_after_login``: login succeeds, then the device never prints a prompt.
    - ``slow``: every response is delayed by ``delay_s`` seconds.
    - ``reject_command``: ``command`` (exact or as a prefix of the line typed) is answered
      with the platform's error and changes nothing.
    """

    kind: FaultKind
    delay_s: float = 0.0
    command: str | None = None


@dataclass
class SimDevice:
    """A simulated switch or router.

    ``running_config`` is the configuration the device boots with (full text, as the
    platform shows it). When it is empty, the simulator writes a small one from the
    hostname and interfaces. Login always uses ``username``/``password`` (and
    ``enable_secret`` for ``enable`` on Cisco), whatever the configuration says.
    """

    name: str
    hostname: str
    platform: Platform
    vendor: str
    model: str
    os_version: str
    serial: str
    uptime_s: int = 86400
    interfaces: list[SimInterface] = field(default_factory=list)
    neighbors: list[SimNeighbor] = field(default_factory=list)
    running_config: str = ""
    username: str = "admin"
    password: str = "admin"  # noqa: S105 - lab default, never a real secret
    enable_secret: str | None = None
    faults: list[Fault] = field(default_factory=list)

    def fault(self, kind: FaultKind) -> Fault | None:
        """The first fault of this kind, if the device has one."""
        for item in self.faults:
            if item.kind == kind:
                return item
        return None


def _check_keys(kind: str, data: dict[str, Any], allowed: set[str], required: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{kind}: unknown field(s) {', '.join(unknown)}")
    missing = sorted(required - set(data))
    if missing:
        raise ValueError(f"{kind}: missing field(s) {', '.join(missing)}")


def _field_names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _required_fields(cls: type) -> set[str]:
    return {
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }


def _interface_from_dict(data: dict[str, Any]) -> SimInterface:
    _check_keys("interface", data, _field_names(SimInterface), _required_fields(SimInterface))
    interface = SimInterface(**data)
    if interface.mode not in INTERFACE_MODES:
        raise ValueError(
            f"interface {interface.name}: mode {interface.mode!r} is not one of {INTERFACE_MODES}"
        )
    return interface


def _neighbor_from_dict(data: dict[str, Any]) -> SimNeighbor:
    _check_keys("neighbor", data, _field_names(SimNeighbor), _required_fields(SimNeighbor))
    return SimNeighbor(**data)


def _fault_from_dict(data: dict[str, Any]) -> Fault:
    _check_keys("fault", data, _field_names(Fault), _required_fields(Fault))
    if data["kind"] not in FAULT_KINDS:
        raise ValueError(f"fault: kind {data['kind']!r} is not one of {FAULT_KINDS}")
    fault = Fault(**data)
    if fault.kind == "reject_command" and not fault.command:
        raise ValueError("fault reject_command needs a command")
    return fault


def device_from_dict(data: dict[str, Any]) -> SimDevice:
    """Build a device from its dictionary form, naming what is wrong when it is invalid."""
    if not isinstance(data, dict):
        raise ValueError(f"device: expected an object, got {type(data).__name__}")
    name = data.get("name", "?")
    try:
        _check_keys("device", data, _field_names(SimDevice), _required_fields(SimDevice))
        if data["platform"] not in PLATFORMS:
            raise ValueError(f"platform {data['platform']!r} is not one of {PLATFORMS}")
        values = dict(data)
        values["interfaces"] = [_interface_from_dict(i) for i in data.get("interfaces", [])]
        values["neighbors"] = [_neighbor_from_dict(n) for n in data.get("neighbors", [])]
        values["faults"] = [_fault_from_dict(f) for f in data.get("faults", [])]
        return SimDevice(**values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"device {name}: {exc}") from exc


def device_to_dict(device: SimDevice) -> dict[str, Any]:
    """The dictionary form of a device (JSON-ready)."""
    return dataclasses.asdict(device)


def devices_to_json(devices: list[SimDevice]) -> str:
    """A JSON list of devices, the spec format of the standalone daemon."""
    return json.dumps([device_to_dict(d) for d in devices], indent=2, ensure_ascii=False) + "\n"


def devices_from_json(text: str) -> list[SimDevice]:
    """Parse a JSON list of devices; raises ``ValueError`` naming the bad device and field."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("device spec: expected a JSON list of devices")
    devices = [device_from_dict(item) for item in data]
    seen: set[str] = set()
    for device in devices:
        if device.name in seen:
            raise ValueError(f"device spec: duplicate device name {device.name!r}")
        seen.add(device.name)
    return devices
