"""Adapters: the one inventory model seen by Nornir, Ansible and pyinfra.

All three resolve addresses through :func:`endpoints`, so the lab mapping and the real
addresses are decided in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Asset, Router, Server, Switch, WirelessController
from kentops.labstate import Endpoint, lab_dir, lab_requested, read_state


class LabNotRunning(RuntimeError):
    """The lab was requested but its state file is missing."""


@dataclass(frozen=True)
class Target:
    """An asset and how to reach it."""

    asset: Asset
    endpoint: Endpoint


NETMIKO_PLATFORM = {
    "cisco_ios": "cisco_ios",
    "huawei_vrp": "huawei",
    "aruba_aoscx": "aruba_aoscx",
    "arista_eos": "arista_eos",
    "fortios": "fortinet",
    "routeros": "mikrotik_routeros",
}
NAPALM_DRIVER = {
    "cisco_ios": "ios",
    "huawei_vrp": "huawei_vrp",
    "arista_eos": "eos",
    "fortios": "kentops_fortios",
    "routeros": "kentops_routeros",
}
ANSIBLE_NETWORK_OS = {
    "cisco_ios": "cisco.ios.ios",
    "arista_eos": "arista.eos.eos",
    "aruba_aoscx": "arubanetworks.aoscx.aoscx",
    "fortios": "fortinet.fortios.fortios",
    "routeros": "community.routeros.routeros",
    "huawei_vrp": "community.network.ce",
}
LINUX_PLATFORMS = frozenset({"debian", "ubuntu", "rhel", "proxmox"})


def endpoints(loaded: LoadedInventory, lab: bool | None = None) -> dict[str, Target]:
    """Every reachable asset: in the lab, only those the lab maps; otherwise real addresses."""
    use_lab = lab_requested() if lab is None else lab
    assets = loaded.inventory.assets()
    if use_lab:
        state = read_state(lab_dir(loaded.root))
        if state is None:
            raise LabNotRunning(
                f"no lab state in {lab_dir(loaded.root)}: start it with "
                f"'kentops lab up {loaded.root}' or unset KENTOPS_LAB"
            )
        return {a.id: Target(a, state.endpoints[a.id]) for a in assets if a.id in state.endpoints}
    user = os.environ.get("KENTOPS_NET_USERNAME", "kentops")
    password = os.environ.get("KENTOPS_NET_PASSWORD")
    secret = os.environ.get("KENTOPS_NET_ENABLE_SECRET")
    ssh_user = os.environ.get("KENTOPS_SSH_USER", "kentops")
    out: dict[str, Target] = {}
    for asset in assets:
        if asset.address is None:
            continue
        if isinstance(asset, Server):
            out[asset.id] = Target(asset, Endpoint(str(asset.address), 22, ssh_user))
        elif isinstance(asset, Switch | Router | WirelessController):
            out[asset.id] = Target(
                asset, Endpoint(str(asset.address), 22, user, password, enable_secret=secret)
            )
        else:
            out[asset.id] = Target(
                asset, Endpoint(str(asset.address), 443, user, password, service="http")
            )
    return out


def group_names(asset: Asset) -> list[str]:
    """Groups an asset belongs to, in every engine: by kind, building, platform and unit."""
    groups = [
        f"kind_{asset.kind}",
        f"building_{_safe(asset.building)}",
        f"unit_{_safe(asset.unit)}",
    ]
    platform = getattr(asset, "platform", None)
    if platform is not None:
        groups.append(f"platform_{_safe(str(platform))}")
    if isinstance(asset, Switch | Router | WirelessController):
        groups.append("network")
    if isinstance(asset, Server):
        groups.append("servers")
    return groups


def _safe(name: str) -> str:
    return name.replace("-", "_").replace(".", "_")


def inventory_root_from(path: Path) -> Path:
    """The inventory folder for a plugin file or a folder."""
    return path if path.is_dir() else path.parent
