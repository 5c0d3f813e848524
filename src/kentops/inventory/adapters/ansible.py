"""The inventory as Ansible sees it: hosts with connection variables, grouped four ways."""

from __future__ import annotations

from typing import Any

from kentops.inventory.adapters import (
    ANSIBLE_NETWORK_OS,
    LINUX_PLATFORMS,
    endpoints,
    group_names,
)
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Router, Server, Switch, WirelessController
from kentops.lab.state import control_dir


def ansible_inventory(loaded: LoadedInventory, lab: bool | None = None) -> dict[str, Any]:
    """``{"hosts": {name: vars}, "groups": {group: [hosts]}}`` for the Ansible plugin."""
    hosts: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[str]] = {}
    site = loaded.inventory.site
    for asset_id, target in sorted(endpoints(loaded, lab).items()):
        asset, ep = target.asset, target.endpoint
        host_vars: dict[str, Any] = {
            "ansible_host": ep.address,
            "ansible_port": ep.port,
            "kentops_kind": asset.kind,
            "kentops_building": asset.building,
            "kentops_unit": asset.unit,
            "kentops_criticality": str(asset.criticality),
            "kentops_site": site.id,
        }
        if isinstance(asset, Server):
            if asset.platform in LINUX_PLATFORMS:
                host_vars["ansible_user"] = ep.username
                if ep.key_file:
                    host_vars["ansible_ssh_private_key_file"] = ep.key_file
                if ep.known_hosts:
                    host_vars["ansible_ssh_common_args"] = (
                        f"-o UserKnownHostsFile={ep.known_hosts} -o StrictHostKeyChecking=yes"
                    )
                    # the lab's own SSH multiplexing sockets, removed with the lab
                    host_vars["ansible_control_path_dir"] = str(control_dir(ep.known_hosts))
            else:
                host_vars["ansible_connection"] = "winrm"
        elif isinstance(asset, Switch | Router | WirelessController):
            platform = str(getattr(asset, "platform", "cisco_ios"))
            host_vars["ansible_connection"] = "ansible.netcommon.network_cli"
            host_vars["ansible_network_os"] = ANSIBLE_NETWORK_OS.get(platform, platform)
            host_vars["ansible_user"] = ep.username
            if ep.password is not None:
                host_vars["ansible_password"] = ep.password
            if ep.enable_secret is not None:
                host_vars["ansible_become"] = True
                host_vars["ansible_become_method"] = "ansible.netcommon.enable"
                host_vars["ansible_become_password"] = ep.enable_secret
        else:
            # Cameras, phones and other appliances are driven through their HTTP APIs from
            # the control node.
            host_vars["ansible_connection"] = "local"
        hosts[asset_id] = host_vars
        for group in group_names(asset):
            groups.setdefault(group, []).append(asset_id)
    return {"hosts": hosts, "groups": groups}
