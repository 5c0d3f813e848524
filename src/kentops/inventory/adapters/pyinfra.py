"""The Linux servers of a kentops inventory as pyinfra host groups.

An inventory folder's ``pyinfra.py`` does ``globals().update(pyinfra_groups(__file__))``, so
``pyinfra inventories/demo/pyinfra.py fact server.Os`` works without repeating any address.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kentops.inventory.adapters import LINUX_PLATFORMS, endpoints, group_names, inventory_root_from
from kentops.inventory.loader import LoadedInventory, load_inventory
from kentops.inventory.model import Server

HostEntry = tuple[str, dict[str, Any]]


def pyinfra_hosts(loaded: LoadedInventory, lab: bool | None = None) -> dict[str, list[HostEntry]]:
    """``{group: [(name, data), ...]}`` with pyinfra's ssh_* connection data."""
    groups: dict[str, list[HostEntry]] = {}
    for asset_id, target in sorted(endpoints(loaded, lab).items()):
        asset, ep = target.asset, target.endpoint
        if not isinstance(asset, Server) or asset.platform not in LINUX_PLATFORMS:
            continue
        data: dict[str, Any] = {
            "ssh_hostname": ep.address,
            "ssh_port": ep.port,
            "ssh_user": ep.username,
            "kentops_kind": asset.kind,
            "kentops_building": asset.building,
        }
        if ep.key_file:
            data["ssh_key"] = ep.key_file
        if ep.known_hosts:
            data["ssh_known_hosts_file"] = ep.known_hosts
            data["ssh_strict_host_key_checking"] = "yes"
        for group in group_names(asset):
            groups.setdefault(group, []).append((asset_id, data))
    return groups


def pyinfra_groups(plugin_file: str | Path) -> dict[str, list[HostEntry]]:
    """The groups for the inventory folder holding ``plugin_file``."""
    return pyinfra_hosts(load_inventory(inventory_root_from(Path(plugin_file).resolve())))
