"""The roles' variables come from the inventory and the policies, through one adapter."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kentops.inventory.adapters.roles import LAB_REBOOT_COMMAND, LabView, RoleVars
from kentops.inventory.loader import LoadedInventory, load_inventory
from kentops.policy import load_policies
from kentops.render.filters import load_filters
from tests.helpers import DEMO, REPO

LAB_ADDRESSES = {
    "hq-srv-log-01": "10.99.0.4",
    "hq-srv-backup-01": "10.99.0.5",
    "hq-srv-ebys-db-01": "10.99.0.6",
    "hq-srv-ebys-app-01": "10.99.0.7",
    "hq-srv-web-01": "10.99.0.8",
}


@pytest.fixture(scope="module")
def loaded() -> LoadedInventory:
    return load_inventory(DEMO)


def _vars(loaded: LoadedInventory, lab: LabView | None) -> RoleVars:
    policies = load_policies(REPO / "policies", loaded)
    return RoleVars(loaded, policies, load_filters(REPO)["secret"], lab)


def _server(loaded: LoadedInventory, server_id: str) -> Any:
    return next(s for s in loaded.inventory.servers if s.id == server_id)


def test_admins_of_servers_come_from_the_access_policy(loaded: LoadedInventory) -> None:
    out = _vars(loaded, None).for_server(_server(loaded, "hq-srv-ebys-db-01"))
    names = [a["name"] for a in out["access_admins"]]
    # sistem-yoneticileri and yazilim-operatorleri log in to servers; network admins do not
    assert names == ["ahmet.yilmaz", "ibrahim.kilic", "mehmet.kaya"]
    by_name = {a["name"]: a for a in out["access_admins"]}
    assert by_name["ahmet.yilmaz"]["sudo"] is True
    assert by_name["mehmet.kaya"]["sudo"] is False
    # a reference, never a key
    assert by_name["ahmet.yilmaz"]["ssh_public_key"] == "{{ vault_ssh_pubkey_ahmet_yilmaz }}"
    assert out["access_sudo_groups"] == ["sistem-yoneticileri"]
    assert "Örnek Belediyesi" in out["access_banner"]
    assert "YETKİSİZ" in out["access_banner"]


def test_pbx_host_also_admits_the_network_admins(loaded: LoadedInventory) -> None:
    out = _vars(loaded, None).for_server(_server(loaded, "hq-srv-pbx-01"))
    assert "ayse.demir" in [a["name"] for a in out["access_admins"]]


def test_real_addresses_without_the_lab(loaded: LoadedInventory) -> None:
    out = _vars(loaded, None).for_server(_server(loaded, "hq-srv-ebys-db-01"))
    assert out["baseline_ntp_servers"] == ["10.10.60.11", "10.10.60.12"]
    assert out["baseline_syslog_server"] == "10.10.60.14"
    assert out["backup_repository"] == "rest:http://10.10.60.30:8000/hq-srv-ebys-db-01/"
    assert out["backup_password"] == "{{ vault_backup_repository_password }}"
    assert out["backup_postgresql_dump"] is True
    assert out["backup_keep"]["hourly"] == 24
    assert "patching_reboot_command" not in out


def test_in_the_lab_every_service_address_is_the_labs(loaded: LoadedInventory) -> None:
    lab = LabView(addresses=LAB_ADDRESSES, control_node="10.99.0.1")
    out = _vars(loaded, lab).for_server(_server(loaded, "hq-srv-ebys-db-01"))
    # the domain controllers (NTP) are not run by this lab: left out, never their real address
    assert out["baseline_ntp_servers"] == []
    assert out["baseline_syslog_server"] == "10.99.0.4"
    assert out["backup_repository"] == "rest:http://10.99.0.5:8000/hq-srv-ebys-db-01/"
    assert out["patching_reboot_command"] == LAB_REBOOT_COMMAND
    ssh = [r for r in out["baseline_firewall_rules"] if r["ports"] == ["22"]]
    assert ssh and all("10.99.0.1/32" in r["sources"] for r in ssh)
    text = json.dumps({k: v for k, v in out.items() if k != "baseline_firewall_rules"})
    for server in loaded.inventory.servers:
        assert str(server.address) not in text, server.id


def test_host_firewall_admits_exactly_the_flows_ending_on_the_host(
    loaded: LoadedInventory,
) -> None:
    rules = _vars(loaded, None).firewall(_server(loaded, "hq-srv-backup-01"))
    flows = {r["flow"] for r in rules}
    assert {"mgmt-servers", "servers-backup", "dmz-backup"} <= flows
    assert "servers-syslog" not in flows  # the backup server is no syslog collector
    backup = next(r for r in rules if r["flow"] == "dmz-backup")
    assert backup["protocol"] == "tcp"
    assert backup["ports"] == ["8000"]
    assert "10.10.70.0/24" in backup["sources"]


def test_backup_server_runs_the_rest_server_and_keeps_each_repository_by_its_class(
    loaded: LoadedInventory,
) -> None:
    out = _vars(loaded, None).for_server(_server(loaded, "hq-srv-backup-01"))
    assert out["restic_server_enabled"] is True
    assert out["restic_server_port"] == 8000
    assert out["restic_server_append_only"] is True
    assert "10.10.60.22/32" in out["restic_server_clients"]
    repos = {r["name"]: r for r in out["restic_server_repositories"]}
    assert repos["hq-srv-ebys-db-01"]["class"] == "database"
    assert repos["hq-srv-ebys-db-01"]["keep"] == {
        "hourly": 24,
        "daily": 14,
        "weekly": 8,
        "monthly": 12,
        "yearly": 0,
    }
    assert out["restic_server_password"] == "{{ vault_backup_repository_password }}"
    # its own system goes to its own REST server like any client's (class monthly)
    assert out["backup_enabled"] is True
    assert out["backup_repository"] == "rest:http://10.10.60.30:8000/hq-srv-backup-01/"
    assert "hq-srv-backup-01" in repos
