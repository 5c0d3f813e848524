"""The inventory as Ansible sees it: hosts with connection variables, grouped four ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kentops.inventory.adapters import (
    ANSIBLE_NETWORK_OS,
    LINUX_PLATFORMS,
    Target,
    endpoints,
    group_names,
)
from kentops.inventory.adapters.roles import LabView, RoleVars
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Router, Server, Switch, WirelessController
from kentops.labstate import control_dir, lab_dir, lab_requested, read_state
from kentops.policy import load_policies
from kentops.render.filters import load_filters


def _role_vars(
    loaded: LoadedInventory, targets: dict[str, Target], lab: bool, policy_dir: Path | None
) -> tuple[RoleVars, dict[str, Any]]:
    """The roles' variables and, in the lab, the lab's vault values (``vault_NAME``)."""
    root = loaded.root.resolve().parent.parent
    policies = load_policies(policy_dir or root / "policies", loaded)
    secret = load_filters(root)["secret"]
    if not lab:
        return RoleVars(loaded, policies, secret), {}
    state = read_state(lab_dir(loaded.root))
    extra = state.extra if state is not None else {}
    view = LabView(
        addresses={
            k: t.endpoint.address
            for k, t in targets.items()
            if isinstance(t.asset, Server) and t.endpoint.service == "ssh"
        },
        control_node=extra.get("hosts_control_node"),
    )
    vault = {f"vault_{k}": v for k, v in dict(extra.get("vault", {})).items()}
    return RoleVars(loaded, policies, secret, view), vault


def ansible_inventory(
    loaded: LoadedInventory, lab: bool | None = None, policy_dir: Path | None = None
) -> dict[str, Any]:
    """``{"hosts": {name: vars}, "groups": {group: [hosts]}}`` for the Ansible plugin.

    Linux servers also carry the roles' variables (:mod:`kentops.inventory.adapters.roles`).
    """
    hosts: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[str]] = {}
    site = loaded.inventory.site
    use_lab = lab_requested() if lab is None else lab
    targets = endpoints(loaded, use_lab)
    role_vars: RoleVars | None = None
    vault: dict[str, Any] = {}
    if any(
        isinstance(t.asset, Server) and t.asset.platform in LINUX_PLATFORMS
        for t in targets.values()
    ):
        role_vars, vault = _role_vars(loaded, targets, use_lab, policy_dir)
    for asset_id, target in sorted(targets.items()):
        asset, ep = target.asset, target.endpoint
        if ep.service == "ldap":
            # a lab domain controller: a directory the audit reads over LDAPS, not a host
            # Ansible manages (the inventory says Windows, the lab runs Samba in its place)
            continue
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
                if role_vars is not None:
                    host_vars.update(role_vars.for_server(asset))
                    host_vars.update(vault)
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
        if isinstance(asset, Server) and asset.platform in LINUX_PLATFORMS:
            groups.setdefault("linux", []).append(asset_id)  # what the roles converge
    return {"hosts": hosts, "groups": groups}
