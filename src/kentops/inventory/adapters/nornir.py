"""A Nornir inventory plugin: the network devices of a kentops inventory.

Use it with ``InitNornir(inventory={"plugin": "KentopsInventory", "options":
{"inventory": "inventories/demo"}})`` (registered by the package's entry point).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    Inventory,
)

from kentops.inventory.adapters import NAPALM_DRIVER, NETMIKO_PLATFORM, endpoints, group_names
from kentops.inventory.loader import LoadedInventory, load_inventory
from kentops.inventory.model import Router, Switch, WirelessController


def nornir_hosts(loaded: LoadedInventory, lab: bool | None = None) -> Inventory:
    hosts = Hosts()
    groups = Groups()
    for asset_id, target in sorted(endpoints(loaded, lab).items()):
        asset, ep = target.asset, target.endpoint
        if not isinstance(asset, Switch | Router | WirelessController):
            continue
        platform = str(getattr(asset, "platform", "cisco_ios"))
        netmiko_extras: dict[str, Any] = {
            "conn_timeout": 10,
            "auth_timeout": 10,
            "banner_timeout": 10,
        }
        napalm_args: dict[str, Any] = {"port": ep.port}
        if ep.enable_secret is not None:
            netmiko_extras["secret"] = ep.enable_secret
            napalm_args["secret"] = ep.enable_secret
        options = {
            "netmiko": ConnectionOptions(
                platform=NETMIKO_PLATFORM.get(platform, platform), extras=netmiko_extras
            ),
        }
        if platform in NAPALM_DRIVER:
            options["napalm"] = ConnectionOptions(
                platform=NAPALM_DRIVER[platform],
                extras={"timeout": 15, "optional_args": napalm_args},
            )
        member_of = []
        for name in group_names(asset):
            if name not in groups:
                groups[name] = Group(name=name)
            member_of.append(groups[name])
        data: dict[str, Any] = asset.model_dump(mode="json")
        data["kind"] = asset.kind
        hosts[asset_id] = Host(
            name=asset_id,
            hostname=ep.address,
            port=ep.port,
            username=ep.username,
            password=ep.password,
            platform=platform,
            groups=member_of,  # type: ignore[arg-type]
            data=data,
            connection_options=options,
        )
    return Inventory(hosts=hosts, groups=groups, defaults=Defaults())


class KentopsInventory:
    """Nornir inventory plugin reading a kentops inventory folder."""

    def __init__(self, inventory: str = "inventories/demo", lab: bool | None = None) -> None:
        self.root = Path(inventory)
        self.lab = lab

    def load(self) -> Inventory:
        return nornir_hosts(load_inventory(self.root), self.lab)
