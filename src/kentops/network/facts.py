"""Facts and neighbours of network devices: what each says about itself, checked against the
inventory and the patching policy.

``normalise_facts`` turns what a NAPALM driver returned into ``DeviceFacts`` (the payload the
audit's checks read) in one place; the third-party ``huawei_vrp`` driver answers off NAPALM's
model (``serial_number`` a list, ``uptime`` an int, "Unknown" for what it could not parse),
and that is repaired here, not in every reader.

``neighbour_findings`` checks every LLDP neighbour: it must be an inventory device (else an
*unregistered-device* finding) plugged into the port the inventory says, on both sides (else a
*cabling* finding). ``version_findings`` checks the OS each device reports against
``policies/patching.yml``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core.inventory import Host

from kentops.compliance.payloads import DeviceFacts, InterfaceState, LldpNeighbor
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Asset, Inventory
from kentops.lab.netsim.ifnames import canonical_interface
from kentops.network.connect import Timeouts
from kentops.network.runner import ProgressHook, read_devices
from kentops.policy.patching import PatchingPolicy

_UNKNOWN = {"", "unknown", "none", "n/a"}


def _text(value: Any) -> str | None:
    """A scalar fact as text; a list (VRP: one serial per stack member) joined; None if
    the driver did not know it."""
    if isinstance(value, list | tuple):
        parts = [str(v).strip() for v in value if str(v).strip().lower() not in _UNKNOWN]
        return ",".join(parts) if parts else None
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in _UNKNOWN else text


_IOS_VERSION = re.compile(r"\bVersion ([^\s,]+)")


def os_version(reported: str | None) -> str | None:
    """The version number alone: NAPALM's ``ios`` driver returns the whole banner line
    ("C9200L Software (C9200L-UNIVERSALK9-M), Version 17.9.4a, RELEASE SOFTWARE (fc1)")."""
    if reported is None:
        return None
    match = _IOS_VERSION.search(reported)
    return match.group(1) if match else reported


def normalise_facts(
    device_id: str,
    facts: Mapping[str, Any],
    interfaces: Mapping[str, Mapping[str, Any]] | None = None,
    lldp: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> DeviceFacts:
    """NAPALM ``get_facts`` / ``get_interfaces`` / ``get_lldp_neighbors`` as ``DeviceFacts``."""
    state = {
        name: InterfaceState(
            up=bool(data.get("is_up")) and bool(data.get("is_enabled", True)),
            description=_text(data.get("description")),
        )
        for name, data in (interfaces or {}).items()
    }
    neighbours = [
        LldpNeighbor(
            local_port=str(local),
            remote_name=_text(entry.get("hostname")),
            remote_port=_text(entry.get("port")),
        )
        for local, entries in sorted((lldp or {}).items())
        for entry in entries
    ]
    return DeviceFacts(
        device_id=device_id,
        vendor=_text(facts.get("vendor")),
        model=_text(facts.get("model")),
        serial=_text(facts.get("serial_number")),
        os_version=os_version(_text(facts.get("os_version"))),
        interfaces=state,
        lldp_neighbors=neighbours,
        lldp_read=lldp is not None,
    )


def read_facts(host: Host, configuration: Any) -> tuple[DeviceFacts, dict[str, Any]]:
    """One device's facts, and the raw getter answers (kept as evidence)."""
    device = host.get_connection("napalm", configuration)
    raw = {
        "get_facts": device.get_facts(),
        "get_interfaces": device.get_interfaces(),
        "get_lldp_neighbors": device.get_lldp_neighbors(),
    }
    facts = normalise_facts(
        host.name, raw["get_facts"], raw["get_interfaces"], raw["get_lldp_neighbors"]
    )
    return facts, raw


# ---------------------------------------------------------------- checks


@dataclass(frozen=True)
class FactFinding:
    """Something the facts show that the inventory or the policy does not expect."""

    kind: str  # unregistered-device | cabling | os-version | inventory-mismatch
    device: str
    message: str
    tr: str = ""  # the same in Turkish, for the audit report (neighbour findings)

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "device": self.device, "message": self.message}


#: Long names NAPALM writes for what IOS itself calls otherwise.
_LONG_NAMES = (
    ("HundredGigabitEthernet", "HundredGigE"),
    ("TwentyFiveGigabitEthernet", "TwentyFiveGigE"),
)


def same_port(a: str | None, b: str | None, platform: str) -> bool:
    """Two spellings of one interface (``Gi1/0/1`` and ``GigabitEthernet1/0/1``)."""
    if a is None or b is None:
        return False
    for long, short in _LONG_NAMES:
        a, b = a.replace(long, short), b.replace(long, short)
    if a.strip().lower() == b.strip().lower():
        return True
    for dialect in (platform, "cisco_ios", "huawei_vrp"):
        ca, cb = canonical_interface(a, dialect), canonical_interface(b, dialect)
        if ca is not None and ca == cb:
            return True
    return False


def _asset_named(inventory: Inventory, name: str | None) -> Asset | None:
    if not name:
        return None
    short = name.split(".")[0].lower()
    for asset in inventory.assets():
        if asset.id.lower() == short or asset.host_name.split(".")[0].lower() == short:
            return asset
    return None


def _platform(asset: Asset) -> str:
    return str(getattr(asset, "platform", "cisco_ios"))


def expected_links(inventory: Inventory) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(device, local port) → (the asset plugged in, its port if known), both directions:
    a switch port names what it connects; the far side sees the switch on its own port."""
    links: dict[tuple[str, str], tuple[str, str | None]] = {}
    for switch in inventory.switches:
        for port in switch.ports:
            if port.connects is None:
                continue
            links[(switch.id, port.name)] = (port.connects, port.remote_port)
            far_port = port.remote_port or ANY_PORT + switch.id
            links.setdefault((port.connects, far_port), (switch.id, port.name))
    return links


#: The far side's port when the switch port does not say which (a firewall's inside leg):
#: "*<switch id>", any local port of the far side may see that switch.
ANY_PORT = "*"


def neighbour_findings(inventory: Inventory, facts: Mapping[str, DeviceFacts]) -> list[FactFinding]:
    """Every LLDP neighbour must be an inventory device on the port the inventory says."""
    links = expected_links(inventory)
    index = inventory.index()
    findings: list[FactFinding] = []
    for device_id, seen in sorted(facts.items()):
        asset = index.get(device_id)
        if asset is None:
            continue
        platform = _platform(asset)
        for n in seen.lldp_neighbors:
            remote = _asset_named(inventory, n.remote_name)
            where = f"{n.local_port}"
            if remote is None:
                findings.append(
                    FactFinding(
                        "unregistered-device",
                        device_id,
                        f"{where}: neighbour {n.remote_name or '?'} ({n.remote_port or '?'}) is "
                        "not in the inventory — register it or unplug it",
                        f"{where}: komşu {n.remote_name or '?'} ({n.remote_port or '?'}) "
                        "envanterde yok — kaydedin ya da sökün",
                    )
                )
                continue
            expected = _expected_at(links, device_id, n.local_port, platform, remote.id)
            if expected is None:
                findings.append(
                    FactFinding(
                        "cabling",
                        device_id,
                        f"{where}: {remote.id} is plugged in here, the inventory records nothing "
                        f"on this port — fix the cable or the inventory",
                        f"{where}: buraya {remote.id} takılı, envanter bu portta bir şey "
                        "kaydetmiyor — kabloyu ya da envanteri düzeltin",
                    )
                )
                continue
            want, want_port = expected
            if want != remote.id:
                findings.append(
                    FactFinding(
                        "cabling",
                        device_id,
                        f"{where}: {remote.id} is plugged in here, the inventory says {want} — "
                        "fix the cable or the inventory",
                        f"{where}: buraya {remote.id} takılı, envantere göre {want} — kabloyu "
                        "ya da envanteri düzeltin",
                    )
                )
            elif want_port is not None and not same_port(
                n.remote_port, want_port, _platform(remote)
            ):
                findings.append(
                    FactFinding(
                        "cabling",
                        device_id,
                        f"{where}: {remote.id} answers from its port {n.remote_port}, the "
                        f"inventory says {want_port} — fix the cable or the inventory",
                        f"{where}: {remote.id} {n.remote_port} portundan yanıtlıyor, envantere "
                        f"göre {want_port} — kabloyu ya da envanteri düzeltin",
                    )
                )
    return findings


def _expected_at(
    links: Mapping[tuple[str, str], tuple[str, str | None]],
    device_id: str,
    local_port: str,
    platform: str,
    remote_id: str,
) -> tuple[str, str | None] | None:
    direct = links.get((device_id, local_port))
    if direct is not None:
        return direct
    for (dev, port), target in links.items():
        if (
            dev == device_id
            and not port.startswith(ANY_PORT)
            and same_port(port, local_port, platform)
        ):
            return target
    return links.get((device_id, ANY_PORT + remote_id))


def version_findings(
    inventory: Inventory, facts: Mapping[str, DeviceFacts], patching: PatchingPolicy | None
) -> list[FactFinding]:
    """The OS each device reports against the patching policy and the inventory."""
    findings: list[FactFinding] = []
    index = inventory.index()
    for device_id, seen in sorted(facts.items()):
        asset = index.get(device_id)
        if asset is None:
            continue
        if seen.os_version is None:
            findings.append(FactFinding("os-version", device_id, "the device reported no version"))
            continue
        rule = patching.rule_for(asset) if patching is not None else None
        if rule is None:
            findings.append(
                FactFinding(
                    "os-version",
                    device_id,
                    f"no patching-policy rule for {_platform(asset)} {asset.model}: add one",
                )
            )
        elif not rule.allows(seen.os_version):
            allowed = ", ".join([*rule.versions, *([f">= {rule.minimum}"] if rule.minimum else [])])
            findings.append(
                FactFinding(
                    "os-version",
                    device_id,
                    f"runs {seen.os_version}, the patching policy allows {allowed}: upgrade it",
                )
            )
        if asset.os_version and asset.os_version != seen.os_version:
            findings.append(
                FactFinding(
                    "inventory-mismatch",
                    device_id,
                    f"the inventory records {asset.os_version}, the device runs {seen.os_version}",
                )
            )
    return findings


# ---------------------------------------------------------------- a facts run


@dataclass
class FactsRun:
    facts: dict[str, DeviceFacts]
    raw: dict[str, dict[str, Any]]
    failed: dict[str, str]
    findings: list[FactFinding] = field(default_factory=list)
    elapsed_s: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "devices": {k: v.model_dump(mode="json") for k, v in sorted(self.facts.items())},
            "failed": dict(sorted(self.failed.items())),
            "findings": [f.as_dict() for f in self.findings],
            "elapsed_s": round(self.elapsed_s, 3),
        }


def gather_facts(
    loaded: LoadedInventory,
    *,
    lab: bool,
    hosts: Sequence[str] | None = None,
    workers: int | None = None,
    timeouts: Timeouts | None = None,
    progress: ProgressHook | None = None,
) -> FactsRun:
    """Read facts from every (selected) device; no judgement (see ``check_facts``)."""
    started = time.perf_counter()
    outcomes = read_devices(
        loaded,
        read_facts,
        lab=lab,
        hosts=hosts,
        workers=workers,
        timeouts=timeouts,
        progress=progress,
        name="facts",
    )
    facts = {h: o.value[0] for h, o in outcomes.items() if o.value is not None}
    raw = {h: o.value[1] for h, o in outcomes.items() if o.value is not None}
    failed = {h: o.error or "failed" for h, o in outcomes.items() if o.value is None}
    return FactsRun(facts, raw, failed, elapsed_s=time.perf_counter() - started)


def check_facts(loaded: LoadedInventory, run: FactsRun, policy_dir: Path | None = None) -> None:
    """Fill ``run.findings``: neighbours against the inventory, OS against the patching
    policy (raises InvalidInput when that policy is invalid)."""
    from kentops.policy.patching import load_patching_policy

    folder = policy_dir or loaded.root.resolve().parent.parent / "policies"
    patching = load_patching_policy(folder / "patching.yml")
    inventory = loaded.inventory
    run.findings = [
        *version_findings(inventory, run.facts, patching),
        *neighbour_findings(inventory, run.facts),
    ]
