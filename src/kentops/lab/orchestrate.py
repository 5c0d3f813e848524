"""Bring the lab up and down for an inventory: simulated network devices, cameras and voice
on loopback, and real Debian hosts in network namespaces.

Each part runs as its own daemon (network, cameras, voice) or namespace set (hosts); the state
file (see :mod:`kentops.lab.state`) records every endpoint and every process, so ``down``
works from the state alone, from any process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any

import yaml

from kentops.inventory.adapters import LINUX_PLATFORMS
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Inventory, Nvr, Router, Switch, WirelessController
from kentops.lab.cameras import CameraState
from kentops.lab.netsim.model import Fault, SimDevice, SimInterface, SimNeighbor, devices_to_json
from kentops.lab.state import Endpoint, LabState, control_dir, lab_dir, read_state, write_state
from kentops.lab.vault import fill_placeholders
from kentops.render import Artefact, render_site

PARTS = ("network", "cameras", "voice", "hosts", "directory", "tsa")
SIM_PLATFORMS = ("cisco_ios", "huawei_vrp", "fortios", "routeros")
#: The RouterOS port the inside VLAN interfaces ride on (the templates bridge them over it).
ROUTEROS_LAN_PORTS = ("ether2", "ether3", "ether4", "ether5")
#: Uplink ports of a wireless controller (C9800-L: the two 10G ports).
WLC_UPLINKS = ("TenGigabitEthernet0/1/0", "TenGigabitEthernet0/1/1")
DRIFT_FILE = Path(__file__).with_name("drift.yml")
LAB_USER = "kentops-lab"
#: Rendered artefact kinds that are a network device's whole configuration.
CONFIG_ARTEFACTS = frozenset({"ios", "vrp", "fortios", "routeros"})
READY_TIMEOUT_S = 60.0

Progress = Callable[[str], None]


class LabStartError(RuntimeError):
    """A part of the lab did not start; the message says which and why."""


@dataclass
class PartResult:
    part: str
    started: int = 0
    skipped: str | None = None


@dataclass
class UpResult:
    state: LabState
    parts: list[PartResult] = field(default_factory=list)


# ------------------------------------------------------------------ building the specs


def rendered_artefacts(loaded: LoadedInventory) -> list[Artefact]:
    """Everything the renderer makes for the inventory (configs, phone files, ...)."""
    policy_dir = loaded.root.resolve().parent.parent / "policies"
    return render_site(loaded, policy_dir, out=None).artefacts


def _intended_configs(artefacts: list[Artefact]) -> dict[str, str]:
    """The rendered intended configuration of each network device."""
    configs: dict[str, str] = {}
    for artefact in artefacts:
        if artefact.kind in CONFIG_ARTEFACTS:
            configs.setdefault(artefact.device_id, artefact.text)
    return configs


NetworkDevice = Switch | Router | WirelessController


def _minimal_config(device: NetworkDevice, inv: Inventory) -> str:
    """A plain starting configuration when no intended configuration is rendered."""
    if isinstance(device, Router) and device.platform == "fortios":
        return _minimal_fortios(device, inv)
    if isinstance(device, Router) and device.platform == "routeros":
        return _minimal_routeros(device, inv)
    mgmt = inv.vlan(device.vlan) if device.vlan else None
    if device.platform == "huawei_vrp":
        lines = [f"sysname {device.host_name}", "#"]
        if mgmt is not None:
            lines += [
                f"vlan {mgmt.vlan_id}",
                "#",
                f"interface Vlanif{mgmt.vlan_id}",
                f" ip address {device.address} {mgmt.subnet.netmask}",
                "#",
            ]
        lines += [
            "stelnet server enable",
            "user-interface vty 0 4",
            " authentication-mode aaa",
            " protocol inbound ssh",
            "#",
            "return",
        ]
        return "\n".join(lines) + "\n"
    lines = [f"hostname {device.host_name}", "!", "ip ssh version 2", "no ip http server", "!"]
    if mgmt is not None:
        lines += [
            f"vlan {mgmt.vlan_id}",
            f" name {mgmt.name}",
            "!",
            f"interface Vlan{mgmt.vlan_id}",
            f" ip address {device.address} {mgmt.subnet.netmask}",
            "!",
        ]
    lines += ["line vty 0 4", " transport input ssh", "!", "end"]
    return "\n".join(lines) + "\n"


def _minimal_fortios(device: Router, inv: Inventory) -> str:
    # LLDP reception is on so that the lab shows the building switch as a neighbour (FortiOS
    # receives LLDP only on WAN-role ports by default).
    lines = [
        "config system global",
        f'    set hostname "{device.host_name}"',
        "    set lldp-reception enable",
        "end",
        "config system interface",
    ]
    for item in device.interfaces:
        lines += [f'    edit "{item.name}"', '        set vdom "root"']
        if item.vlan:
            vlan = inv.vlan(item.vlan)
            lines.append(f"        set ip {vlan.gateway} {vlan.subnet.netmask}")
            if item.vlan == device.vlan:
                lines.append("        set allowaccess ping https ssh")
                if device.address is not None and device.address != vlan.gateway:
                    lines += [
                        "        set secondary-IP enable",
                        "        config secondaryip",
                        "            edit 1",
                        f"                set ip {device.address} {vlan.subnet.netmask}",
                        "                set allowaccess ping https ssh",
                        "            next",
                        "        end",
                    ]
            lines += [f'        set alias "{vlan.name}"', "        set role lan"]
        else:
            if item.address is not None:
                lines.append(f"        set ip {item.address.ip} {item.address.netmask}")
            else:
                lines.append("        set mode dhcp")
            lines.append("        set role wan")
        lines.append("    next")
    lines.append("end")
    return "\n".join(lines) + "\n"


def _minimal_routeros(device: Router, inv: Inventory) -> str:
    inside = [(item, inv.vlan(item.vlan)) for item in device.interfaces if item.vlan]
    wans = [item for item in device.interfaces if not item.vlan]
    lines = ["/system identity", f"set name={device.host_name}"]
    addresses = [f"add address={i.address} interface={i.name}" for i in wans if i.address]
    if inside:
        lan = ROUTEROS_LAN_PORTS[0]
        lines += ["/interface bridge", "add name=bridge-lan", "/interface bridge port"]
        lines += [f"add bridge=bridge-lan interface={lan}", "/interface vlan"]
        for item, vlan in inside:
            lines.append(f"add interface=bridge-lan name={item.name} vlan-id={vlan.vlan_id}")
            prefix = vlan.subnet.prefixlen
            addresses.append(f"add address={vlan.gateway}/{prefix} interface={item.name}")
            if item.vlan == device.vlan and device.address not in (None, vlan.gateway):
                addresses.append(f"add address={device.address}/{prefix} interface={item.name}")
    if addresses:
        lines += ["/ip address", *addresses]
    dhcp = [item for item in wans if item.address is None]
    if dhcp:
        lines += ["/ip dhcp-client", *(f"add interface={item.name}" for item in dhcp)]
    return "\n".join(lines) + "\n"


def _apply_network_drift(spec: SimDevice, drift: dict[str, Any]) -> None:
    kind = drift.get("kind")
    cisco = spec.platform == "cisco_ios"
    lines = spec.running_config.splitlines()
    if kind == "telnet":
        old, new = (
            (" transport input ssh", " transport input telnet ssh")
            if cisco
            else (" protocol inbound ssh", " protocol inbound all")
        )
        lines = [new if line == old else line for line in lines]
    elif kind == "missing_syslog":
        prefix = "logging host" if cisco else "info-center loghost"
        lines = [line for line in lines if not line.strip().startswith(prefix)]
    elif kind == "local_user":
        user = str(drift.get("user", "yedek"))
        if cisco:
            at = next((i for i, line in enumerate(lines) if line.startswith("username")), 1)
            lines.insert(at, f"username {user} privilege 15 secret 9 $9$labdriftLABDRIFT")
        else:
            aaa = next((i for i, line in enumerate(lines) if line.strip() == "aaa"), None)
            entry = [
                f" local-user {user} password irreversible-cipher $1c$labdrift$",
                f" local-user {user} privilege level 15",
            ]
            if aaa is None:
                lines[-1:-1] = ["aaa", *entry, "#"]
            else:
                lines[aaa + 1 : aaa + 1] = entry
    elif kind == "old_firmware":
        spec.os_version = str(drift.get("version", spec.os_version))
        return
    spec.running_config = "\n".join(lines) + "\n"


def network_specs(
    loaded: LoadedInventory,
    password: str,
    faults: dict[str, list[Fault]],
    drift: list[dict[str, Any]],
    artefacts: list[Artefact],
    secret_values: dict[str, str] | None = None,
) -> list[SimDevice]:
    """The simulated devices; their rendered configurations get the lab's secret values
    (new ones are added to ``secret_values``, which the caller records in the state)."""
    inv = loaded.inventory
    values = {} if secret_values is None else secret_values
    intended = {
        device: fill_placeholders(text, values)
        for device, text in _intended_configs(artefacts).items()
    }
    drift_by_device: dict[str, list[dict[str, Any]]] = {}
    for item in drift:
        drift_by_device.setdefault(str(item.get("device")), []).append(item)
    specs = []
    for device in inv.network_devices():
        if str(device.platform) not in SIM_PLATFORMS:
            continue
        if isinstance(device, Switch):
            interfaces, neighbors = _switch_links(device, inv)
        elif isinstance(device, Router):
            interfaces, neighbors = _router_links(device, inv)
        else:
            interfaces, neighbors = _controller_links(device, inv)
        if not isinstance(device, Router) and device.vlan and device.address is not None:
            mgmt = inv.vlan(device.vlan)
            interfaces.append(
                SimInterface(
                    name=f"Vlan{mgmt.vlan_id}"
                    if device.platform == "cisco_ios"
                    else f"Vlanif{mgmt.vlan_id}",
                    description="management",
                    mode="routed",
                    ipv4=str(IPv4Interface(f"{device.address}/{mgmt.subnet.prefixlen}")),
                )
            )
        spec = SimDevice(
            name=device.id,
            hostname=device.host_name,
            platform=str(device.platform),  # type: ignore[arg-type]
            vendor=device.vendor,
            model=device.model,
            os_version=device.os_version or "",
            serial=device.serial or device.id.upper(),
            interfaces=interfaces,
            neighbors=neighbors,
            running_config=intended.get(device.id) or _minimal_config(device, inv),
            username=LAB_USER,
            password=password,
            enable_secret=password,
            faults=list(faults.get(device.id, [])),
        )
        for item in drift_by_device.get(device.id, []):
            _apply_network_drift(spec, item)
        specs.append(spec)
    return specs


Links = tuple[list[SimInterface], list[SimNeighbor]]


def _switch_links(device: Switch, inv: Inventory) -> Links:
    """A switch's ports, and the neighbours its uplinks name."""
    interfaces = []
    neighbors = []
    for port in device.ports:
        peer = inv.index().get(port.connects or "")
        interfaces.append(
            SimInterface(
                name=port.name,
                description=port.description or (peer.id if peer else ""),
                mode="trunk" if isinstance(peer, Switch) else "access",
            )
        )
        if peer is not None and port.remote_port:
            neighbors.append(SimNeighbor(port.name, peer.host_name, port.remote_port))
    return interfaces, neighbors


def _facing_ports(device_id: str, inv: Inventory) -> list[tuple[Switch, str]]:
    """The switch ports cabled to a device: (switch, port name)."""
    return [
        (sw, port.name) for sw in inv.switches for port in sw.ports if port.connects == device_id
    ]


def _router_links(device: Router, inv: Inventory) -> Links:
    """A router's interfaces (inside ones carry their VLAN's gateway address, WAN ones their
    own address) and, as LLDP neighbours, the switch ports cabled to it. Those land on the
    LAN trunk: the RouterOS bridge port, or a FortiGate's inside interfaces in turn."""
    interfaces = []
    for item in device.interfaces:
        if item.vlan:
            vlan = inv.vlan(item.vlan)
            address: str | None = f"{vlan.gateway}/{vlan.subnet.prefixlen}"
            description = vlan.name
        else:
            address = str(item.address) if item.address is not None else None
            description = ""
        interfaces.append(SimInterface(item.name, description, ipv4=address, mode="routed"))
    names = {i.name for i in interfaces}
    if device.platform == "routeros":
        locals_ = list(ROUTEROS_LAN_PORTS)
        interfaces += [SimInterface(n, mode="trunk") for n in locals_ if n not in names]
    else:
        locals_ = [item.name for item in device.interfaces if item.vlan] or [interfaces[0].name]
    neighbors = [
        SimNeighbor(locals_[min(n, len(locals_) - 1)], switch.host_name, port)
        for n, (switch, port) in enumerate(_facing_ports(device.id, inv))
    ]
    return interfaces, neighbors


def _controller_links(device: WirelessController, inv: Inventory) -> Links:
    """A wireless controller's uplinks and the switch ports cabled to them."""
    facing = _facing_ports(device.id, inv)
    uplinks = list(WLC_UPLINKS[: max(1, len(facing))])
    interfaces = [SimInterface(name, mode="trunk") for name in uplinks]
    neighbors = [
        SimNeighbor(uplinks[min(n, len(uplinks) - 1)], switch.host_name, port)
        for n, (switch, port) in enumerate(facing)
    ]
    return interfaces, neighbors


#: The vault references the cameras and recorders are provisioned with (policies/access.yml
#: ``endpoints``); the lab makes up one value for each, as the directorate's vault holds one.
CAMERA_SECRETS = (
    "vault:camera_admin_password",
    "vault:camera_operator_password",
    "vault:camera_onvif_password",
)


def camera_secrets() -> dict[str, str]:
    """One lab value per camera secret reference."""
    return {reference: _camera_password() for reference in CAMERA_SECRETS}


def camera_specs(
    loaded: LoadedInventory,
    drift: list[dict[str, Any]],
    vault: dict[str, str] | None = None,
) -> tuple[list[CameraState], dict[str, str]]:
    """Cameras and recorders as provisioned (intended settings), except the deliberate drift.

    A provisioned device has the vault's admin password, the operator and ONVIF accounts of
    ``policies/access.yml`` (``endpoints``) and every risky service off; a device with the
    ``default_password`` drift is still as it left the factory: the vendor's password and no
    other account. Returns the specs and each device's admin password.
    """
    inv = loaded.inventory
    values = vault or camera_secrets()
    creds = _camera_accounts(loaded)
    ntp = inv.server_addresses(inv.site.services.ntp[:1])
    drift_by_camera: dict[str, set[str]] = {}
    for item in drift:
        drift_by_camera.setdefault(str(item.get("camera")), set()).add(str(item.get("kind")))
    channels: dict[str, list[dict[str, Any]]] = {}
    for cam in inv.cameras:
        numbers = channels.setdefault(cam.nvr, [])
        numbers.append(
            {"id": len(numbers) + 1, "ip": str(cam.address), "online": True, "recording": True}
        )
    cameras: list[CameraState] = []
    passwords: dict[str, str] = {}
    for device in [*inv.nvrs, *inv.cameras]:
        kinds = drift_by_camera.get(device.id, set())
        factory = "default_password" in kinds
        password = "12345" if factory else values["vault:camera_admin_password"]
        vlan = inv.vlan(device.vlan) if device.vlan else None
        is_nvr = isinstance(device, Nvr)
        users: list[dict[str, Any]] = [{"id": 1, "userName": "admin", "userLevel": "Administrator"}]
        user_passwords: dict[str, str] = {}
        onvif_users: list[dict[str, Any]] = []
        onvif_passwords: dict[str, str] = {}
        if not factory and creds is not None:
            operator, onvif = creds
            users.append({"id": 2, "userName": operator, "userLevel": "Operator"})
            user_passwords[operator] = values["vault:camera_operator_password"]
            if not is_nvr:
                onvif_users.append({"id": 1, "userName": onvif, "userType": "mediaUser"})
                onvif_passwords[onvif] = values["vault:camera_onvif_password"]
        cameras.append(
            CameraState(
                name=device.id,
                model=device.model,
                firmware=device.os_version or "",
                serial=device.serial or "",
                mac=device.mac or "",
                admin_password=password,
                users=users,
                user_passwords=user_passwords,
                onvif_users=onvif_users,
                onvif_user_passwords=onvif_passwords,
                ntp_server=None if "no_ntp" in kinds else (ntp[0] if ntp else None),
                ntp_interval_min=60,  # as templates/hikvision_isapi/ntpServers.xml.j2
                time_mode="manual" if "no_ntp" in kinds else "NTP",
                timezone="CST-3:00:00",
                ipv4=str(device.address),
                netmask=str(vlan.subnet.netmask) if vlan else "255.255.255.0",
                gateway=str(vlan.gateway) if vlan else "0.0.0.0",
                upnp_enabled="upnp" in kinds,
                ezviz_enabled="upnp" in kinds,
                telnet_enabled=False,
                ssh_enabled=False,
                onvif_enabled=not is_nvr,
                recording_nvr=None if is_nvr else getattr(device, "nvr", None),
                device_type="NVR" if is_nvr else "IPCamera",
                channels=channels.get(device.id, []) if is_nvr else [],
            )
        )
        passwords[device.id] = password
    return cameras, passwords


def _camera_accounts(loaded: LoadedInventory) -> tuple[str, str] | None:
    """The operator and ONVIF account names of policies/access.yml, if it loads."""
    from kentops.policy import load_policies

    try:
        policies = load_policies(loaded.root.resolve().parent.parent / "policies", loaded)
    except Exception:  # noqa: BLE001 - the lab still starts; cameras get the admin account only
        return None
    endpoints = policies.access.endpoints
    return endpoints.camera_operator_user, endpoints.camera_onvif_user


def _camera_password() -> str:
    # 8-16 characters with at least two kinds, as the camera demands
    return "Lab" + secrets.token_hex(5) + "7"


def camera_tls(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the lab cameras' HTTPS (127.0.0.1); (cert, key) files."""
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kentops lab cameras")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / "cameras-cert.pem", directory / "cameras-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


def host_specs(inv: Inventory) -> list[Any]:
    from kentops.lab.hosts.lab import HostSpec

    return [
        HostSpec(name=s.id, hostname=s.host_name)
        for s in inv.servers
        if s.platform in LINUX_PLATFORMS
    ]


# ------------------------------------------------------------------ daemons


def _spawn(name: str, args: list[str], run_dir: Path) -> int:
    log = (run_dir / f"{name}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        cwd=run_dir,
    )
    return proc.pid


def _wait_for(path: Path, pid: int, name: str, run_dir: Path) -> dict[str, Any]:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if path.is_file():
            with contextlib.suppress(json.JSONDecodeError):
                data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
                return data
        if not _alive(pid):
            log = (run_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")
            raise LabStartError(f"the {name} daemon exited at start:\n{log[-2000:]}")
        time.sleep(0.05)
    raise LabStartError(f"the {name} daemon was not ready within {READY_TIMEOUT_S:.0f} s")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours is not alive
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done == 0


def _stop_pids(pids: list[int], grace_s: float = 5.0) -> None:
    """SIGTERM every daemon's process group at once, then SIGKILL what is left."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


# ------------------------------------------------------------------ up / down / status


def up(
    loaded: LoadedInventory,
    only: tuple[str, ...] = PARTS,
    faults: dict[str, list[Fault]] | None = None,
    progress: Progress | None = None,
    directory: Path | None = None,
    host_ids: tuple[str, ...] | None = None,
) -> UpResult:
    """Start the parts of the lab; on any failure, stop what was started and raise.

    ``host_ids`` limits the hosts part to these Linux servers (all of them when None).
    """
    say = progress or (lambda _msg: None)
    root = directory or lab_dir(loaded.root)
    if read_state(root) is not None:
        raise LabStartError(f"a lab is already running ({root}); stop it with 'kentops lab down'")
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    run_dir = root / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    drift = yaml.safe_load(DRIFT_FILE.read_text(encoding="utf-8"))
    state = LabState(
        inventory=str(loaded.root.resolve()),
        run_id=run_id,
        extra={"pids": {}, "run_dir": str(run_dir), "parts": list(only)},
    )
    result = UpResult(state=state)
    write_state(root, state)
    try:
        # rendered once: network devices start from it, phones fetch their files from it
        artefacts = rendered_artefacts(loaded) if {"network", "voice"} & set(only) else []
        if "network" in only:
            result.parts.append(
                _up_network(
                    loaded, state, run_dir, faults or {}, drift.get("network", []), artefacts, say
                )
            )
            write_state(root, state)
        if "cameras" in only:
            result.parts.append(_up_cameras(loaded, state, run_dir, drift.get("cameras", []), say))
            write_state(root, state)
        if "voice" in only:
            result.parts.append(_up_voice(loaded, state, run_dir, artefacts, say))
            write_state(root, state)
        if "hosts" in only:
            result.parts.append(_up_hosts(loaded, state, root, say, host_ids))
            write_state(root, state)
        if "directory" in only:
            result.parts.append(_up_directory(loaded, state, root, drift, say))
            write_state(root, state)
        if "tsa" in only:
            result.parts.append(_up_tsa(state, run_dir, say))
            write_state(root, state)
    except BaseException:
        down(root)
        raise
    return result


def _up_network(
    loaded: LoadedInventory,
    state: LabState,
    run_dir: Path,
    faults: dict[str, list[Fault]],
    drift: list[dict[str, Any]],
    artefacts: list[Artefact],
    say: Progress,
) -> PartResult:
    password = secrets.token_urlsafe(12)
    values: dict[str, str] = dict(state.extra.get("secrets", {}))
    specs = network_specs(loaded, password, faults, drift, artefacts, values)
    state.extra["secrets"] = values
    say(f"network: {len(specs)} simulated devices")
    spec_file = run_dir / "network-spec.json"
    spec_file.write_text(devices_to_json(specs), encoding="utf-8")
    spec_file.chmod(0o600)
    ports_file = run_dir / "network-ports.json"
    pid = _spawn(
        "network",
        [
            "kentops.lab.netsim",
            "serve",
            "--spec",
            str(spec_file),
            "--state-dir",
            str(run_dir / "network"),
            "--ports-out",
            str(ports_file),
        ],
        run_dir,
    )
    state.extra["pids"]["network"] = pid
    ports = _wait_for(ports_file, pid, "network", run_dir)
    for name, port in ports.items():
        state.endpoints[name] = Endpoint(
            "127.0.0.1", int(port), LAB_USER, password, enable_secret=password
        )
    return PartResult("network", started=len(ports))


def _up_cameras(
    loaded: LoadedInventory,
    state: LabState,
    run_dir: Path,
    drift: list[dict[str, Any]],
    say: Progress,
) -> PartResult:
    vault = camera_secrets()
    cameras, _passwords = camera_specs(loaded, drift, vault)
    cert, key = camera_tls(run_dir)
    say(f"cameras: {len(cameras)} simulated Hikvision cameras and recorders (ISAPI over HTTPS)")
    spec_file = run_dir / "cameras-spec.json"
    spec_file.write_text(json.dumps({"cameras": [c.to_dict() for c in cameras]}), encoding="utf-8")
    spec_file.chmod(0o600)
    ports_file = run_dir / "cameras-ports.json"
    pid = _spawn(
        "cameras",
        [
            "kentops.lab.cameras",
            "serve",
            "--spec",
            str(spec_file),
            "--state-dir",
            str(run_dir / "cameras"),
            "--fresh",
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
            "--ports-out",
            str(ports_file),
        ],
        run_dir,
    )
    state.extra["pids"]["cameras"] = pid
    ports = _wait_for(ports_file, pid, "cameras", run_dir)["cameras"]
    # The vault's values: what an engineer's vault holds (a device on its factory password
    # does not know them yet). The endpoints carry the vault's admin password, not the
    # device's, as a real credential store would.
    state.extra.setdefault("secrets", {}).update(vault)
    state.extra["cameras"] = {"ca_file": str(cert)}
    for name, port in ports.items():
        state.endpoints[name] = Endpoint(
            "127.0.0.1",
            int(port),
            "admin",
            vault["vault:camera_admin_password"],
            service="https",
        )
    return PartResult("cameras", started=len(ports))


def _provisioning_files(loaded: LoadedInventory, artefacts: list[Artefact], target: Path) -> int:
    count = 0
    phones = {p.id for p in loaded.inventory.phones}
    for artefact in artefacts:
        if artefact.device_id in phones:
            (target / Path(str(artefact.path)).name).write_text(artefact.text, encoding="utf-8")
            count += 1
    return count


def _up_voice(
    loaded: LoadedInventory,
    state: LabState,
    run_dir: Path,
    artefacts: list[Artefact],
    say: Progress,
) -> PartResult:
    inv = loaded.inventory
    if not inv.pbxs:
        return PartResult("voice", skipped="the inventory has no PBX")
    root = run_dir / "provisioning"
    root.mkdir()
    files = _provisioning_files(loaded, artefacts, root)
    pbx_dir = run_dir / "pbx"  # the configuration the lab PBX runs: its rendered files
    pbx_dir.mkdir()
    for artefact in artefacts:
        if artefact.device_id == inv.pbxs[0].id and str(artefact.path).endswith(".conf"):
            (pbx_dir / Path(str(artefact.path)).name).write_text(artefact.text, encoding="utf-8")
    say(f"voice: SIP OPTIONS responder for {inv.pbxs[0].id}, provisioning of {files} files")
    ports_file = run_dir / "voice-ports.json"
    pid = _spawn(
        "voice",
        [
            "kentops.lab.voice",
            "serve",
            "--provisioning-root",
            str(root),
            "--requests-log",
            str(run_dir / "provisioning-requests.jsonl"),
            "--pbx-config",
            str(pbx_dir),
            "--ports-out",
            str(ports_file),
        ],
        run_dir,
    )
    state.extra["pids"]["voice"] = pid
    ports = _wait_for(ports_file, pid, "voice", run_dir)
    for pbx in inv.pbxs:
        state.endpoints[pbx.id] = Endpoint("127.0.0.1", int(ports["sip"]), "", service="sip")
    state.extra["voice"] = {"pbx_api": f"http://127.0.0.1:{int(ports['pbx'])}"}
    for phone in inv.phones:
        state.endpoints[phone.id] = Endpoint(
            "127.0.0.1", int(ports["provisioning"]), "", service="provisioning"
        )
    return PartResult("voice", started=len(inv.pbxs) + len(inv.phones))


def _up_directory(
    loaded: LoadedInventory, state: LabState, root: Path, drift: dict[str, Any], say: Progress
) -> PartResult:
    """The inventory's domain controllers as Samba AD DCs (see :mod:`kentops.lab.directory`)."""
    from kentops.lab import directory
    from kentops.lab.hosts.lab import prerequisites

    missing = prerequisites()
    if missing:
        return PartResult("directory", skipped="; ".join(missing))
    try:
        started = directory.up(
            loaded, state, root, drift.get("directory", []), lambda: write_state(root, state), say
        )
    except directory.DirectoryLabError as exc:
        raise LabStartError(str(exc)) from exc
    if not started:
        return PartResult("directory", skipped="the inventory has no domain controller")
    return PartResult("directory", started=started)


def _up_tsa(state: LabState, run_dir: Path, say: Progress) -> PartResult:
    """The RFC 3161 TSA (openssl ts behind HTTP); its PKI is kept in the lab cache so days
    sealed in one lab run still verify in the next."""
    cache = Path(os.environ.get("KENTOPS_LAB_CACHE", Path.home() / ".cache" / "kentops" / "lab"))
    say("tsa: RFC 3161 time-stamp authority (openssl ts)")
    ports_file = run_dir / "tsa-ports.json"
    pid = _spawn(
        "tsa",
        ["kentops.lab.tsa", "serve", "--pki", str(cache / "tsa"), "--ports-out", str(ports_file)],
        run_dir,
    )
    state.extra["pids"]["tsa"] = pid
    state.extra["tsa"] = _wait_for(ports_file, pid, "tsa", run_dir)
    return PartResult("tsa", started=1)


def _up_hosts(
    loaded: LoadedInventory,
    state: LabState,
    root: Path,
    say: Progress,
    host_ids: tuple[str, ...] | None = None,
) -> PartResult:
    from kentops.lab.hosts.image import ImageError, ensure_image
    from kentops.lab.hosts.lab import HostLab, LabError, prerequisites

    missing = prerequisites()
    if missing:
        return PartResult("hosts", skipped="; ".join(missing))
    specs = host_specs(loaded.inventory)
    if host_ids is not None:
        specs = [s for s in specs if s.name in host_ids]
    cache = Path(os.environ.get("KENTOPS_LAB_CACHE", Path.home() / ".cache" / "kentops" / "lab"))
    say(f"hosts: Debian image (built once, cached in {cache})")
    try:
        ensure_image(cache, progress=say)
    except ImageError as exc:
        raise LabStartError(f"hosts: {exc}") from exc
    say(f"hosts: {len(specs)} Debian hosts in network namespaces")
    lab = HostLab(root / "hosts", cache, run_id=state.run_id)
    state.extra["hosts_dir"] = str(root / "hosts")
    try:
        hosts = lab.up(specs)
    except (LabError, ImageError, OSError, subprocess.SubprocessError) as exc:
        raise LabStartError(f"hosts: {exc}") from exc
    for host in hosts:
        state.endpoints[host.name] = Endpoint(
            host.address,
            host.ssh_port,
            lab.admin_user,
            key_file=str(lab.key_path),
            known_hosts=str(lab.known_hosts_path),
        )
    subnet = lab.subnet
    if subnet is not None:
        # the machine running the lab stands in the admin zone (it holds the bridge's .1)
        state.extra["hosts_control_node"] = str(next(subnet.hosts()))
    state.extra["vault"] = lab_vault(loaded, root / "hosts" / "admins", state)
    return PartResult("hosts", started=len(hosts))


def lab_vault(loaded: LoadedInventory, key_dir: Path, state: LabState) -> dict[str, str]:
    """The vault values the roles need in this lab run, made up for it (never in git).

    Every named administrator gets an SSH key pair (private key in ``key_dir/<account>``),
    the repositories a random password; the off-site repository is a second repository on
    the lab's backup server (a real site points it at its off-site copy).
    """
    from kentops.lab.hosts.lab import ed25519_pair
    from kentops.policy import load_policies

    policies = load_policies(loaded.root.resolve().parent.parent / "policies", loaded)
    vault: dict[str, str] = {}
    key_dir.mkdir(parents=True, exist_ok=True)
    for account in policies.access.accounts:
        private, public = ed25519_pair(f"{account.id}@{state.run_id}")
        key = key_dir / account.id
        key.write_bytes(private)
        key.chmod(0o600)
        vault[_vault_name(account.ssh_public_key)] = public
    backup = policies.backup
    vault[_vault_name(backup.repository_password)] = secrets.token_urlsafe(24)
    vault[_vault_name(backup.offsite.password)] = secrets.token_urlsafe(24)
    rest = [
        s
        for s in loaded.inventory.servers
        if any(v.kind == "backup" for v in s.services) and s.id in state.endpoints
    ]
    if rest:
        port = next((v.port for v in rest[0].services if v.kind == "backup" and v.port), 8000)
        address = state.endpoints[rest[0].id].address
        vault[_vault_name(backup.offsite.repository)] = f"rest:http://{address}:{port}/offsite/"
    return vault


def _vault_name(reference: str) -> str:
    """``vault:NAME`` -> ``NAME`` (the lab fills vault references only)."""
    kind, _, name = reference.partition(":")
    if kind != "vault":
        raise LabStartError(f"the lab fills vault references only, not {reference!r}")
    return name


def down(directory: Path) -> list[str]:
    """Stop everything a lab started, from its state file; safe to call twice."""
    state = read_state(directory)
    stopped: list[str] = []
    if state is None:
        return stopped
    pids = {name: int(pid) for name, pid in state.extra.get("pids", {}).items()}
    _stop_pids(list(pids.values()))
    stopped.extend(pids)
    hosts_dir = state.extra.get("hosts_dir")
    if hosts_dir:
        sockets = control_dir(Path(hosts_dir) / "known_hosts")
        stopped += _stop_ssh_masters(sockets)
        shutil.rmtree(sockets, ignore_errors=True)
    if hosts_dir and Path(hosts_dir).exists():
        from kentops.lab.hosts.lab import HostLab

        cache = Path(
            os.environ.get("KENTOPS_LAB_CACHE", Path.home() / ".cache" / "kentops" / "lab")
        )
        HostLab(Path(hosts_dir), cache, run_id=state.run_id).down()
        stopped.append("hosts")
    from kentops.lab import directory as directory_part

    if directory_part.down(state):
        stopped.append("directory")
    (directory / "state.json").unlink(missing_ok=True)
    run_dir = state.extra.get("run_dir")
    if run_dir:
        shutil.rmtree(run_dir, ignore_errors=True)
    return stopped


def _stop_ssh_masters(sockets: Path) -> list[str]:
    """End SSH multiplexing masters (Ansible's ControlPersist) whose sockets are the lab's."""
    needle = str(sockets)
    stopped = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        is_ssh = bool(args) and args[0].split(b"/")[-1].startswith(b"ssh")
        if is_ssh and any(needle.encode() in a for a in args):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(proc.name), signal.SIGTERM)
                stopped.append(f"ssh master {proc.name}")
    return stopped


def status(directory: Path) -> dict[str, Any] | None:
    state = read_state(directory)
    if state is None:
        return None
    pids = state.extra.get("pids", {})
    return {
        "run_id": state.run_id,
        "inventory": state.inventory,
        "daemons": {name: _alive(int(pid)) for name, pid in pids.items()},
        "endpoints": {
            k: {"address": v.address, "port": v.port, "service": v.service}
            for k, v in sorted(state.endpoints.items())
        },
        "by_service": _count(state),
    }


def ssh_argv(state: LabState, host_id: str, command: list[str]) -> list[str]:
    """``ssh`` running ``command`` on a lab host of this run (a Linux server or a domain
    controller) as the lab's admin user, with the run's key and known_hosts."""
    from kentops.lab.hosts.lab import HostLab

    cache = Path(os.environ.get("KENTOPS_LAB_CACHE", Path.home() / ".cache" / "kentops" / "lab"))
    dirs = [state.extra.get("hosts_dir"), (state.extra.get("directory") or {}).get("hosts_dir")]
    for hosts_dir in dirs:
        if not hosts_dir or not Path(hosts_dir).exists():
            continue
        lab = HostLab(Path(hosts_dir), cache)
        for host in lab.status():
            if host.name == host_id:
                return lab.ssh_command(host, *command)
    raise LabStartError(f"{host_id}: not a running lab host of run {state.run_id}")


def _count(state: LabState) -> dict[str, int]:
    out: dict[str, int] = {}
    for endpoint in state.endpoints.values():
        out[endpoint.service] = out.get(endpoint.service, 0) + 1
    return out
