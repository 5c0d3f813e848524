"""The three engines see the same hosts, with the same addresses, from the one model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nornir import InitNornir

from kentops.inventory.adapters.ansible import ansible_inventory
from kentops.inventory.adapters.pyinfra import pyinfra_hosts
from tests.helpers import DEMO, REPO

VENV_BIN = Path(sys.executable).parent


def _ansible_list() -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    env.pop("KENTOPS_LAB", None)
    out = subprocess.run(
        [str(VENV_BIN / "ansible-inventory"), "-i", str(DEMO), "--list"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "WARNING" not in out.stderr, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_three_engines_list_the_same_hosts(demo_loaded) -> None:  # type: ignore[no-untyped-def]
    listed = _ansible_list()
    hostvars = listed["_meta"]["hostvars"]
    inv = demo_loaded.inventory

    nr = InitNornir(
        inventory={"plugin": "KentopsInventory", "options": {"inventory": str(DEMO), "lab": False}},
        logging={"enabled": False},
    )
    network = {a.id: str(a.address) for a in inv.network_devices()}
    assert {h: nr.inventory.hosts[h].hostname for h in nr.inventory.hosts} == network
    assert set(listed["network"]["hosts"]) == set(network)
    assert {h: hostvars[h]["ansible_host"] for h in network} == network

    linux = {s.id: str(s.address) for s in inv.servers if s.platform != "windows"}
    groups = pyinfra_hosts(demo_loaded, lab=False)
    assert {name: data["ssh_hostname"] for name, data in groups["servers"]} == linux
    assert {h: hostvars[h]["ansible_host"] for h in linux} == linux
    # every asset with an address is an Ansible host
    assert set(hostvars) == {a.id for a in inv.assets() if a.address is not None}


def test_groups_by_kind_building_platform_and_unit() -> None:
    listed = _ansible_list()
    assert "hq-sw-core-01" in listed["kind_switch"]["hosts"]
    assert "kultur-sw-01" in listed["platform_huawei_vrp"]["hosts"]
    assert "terfi-plc-01" in listed["building_terfi"]["hosts"]
    assert "hq-srv-log-01" in listed["unit_ag_yonetimi"]["hosts"]
    assert listed["_meta"]["hostvars"]["hq-sw-core-01"]["ansible_network_os"] == "cisco.ios.ios"


def test_ansible_graph_command_works() -> None:
    out = subprocess.run(
        [str(VENV_BIN / "ansible-inventory"), "-i", "inventories/demo", "--graph"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "@building_hq:" in out.stdout and "|--hq-sw-core-01" in out.stdout


def test_nornir_host_carries_platform_and_data(demo_loaded) -> None:  # type: ignore[no-untyped-def]
    nr = InitNornir(
        inventory={"plugin": "KentopsInventory", "options": {"inventory": str(DEMO), "lab": False}},
        logging={"enabled": False},
    )
    host = nr.inventory.hosts["kultur-sw-01"]
    assert host.platform == "huawei_vrp"
    assert host.get_connection_parameters("napalm").platform == "huawei_vrp"
    assert host.get_connection_parameters("netmiko").platform == "huawei"
    assert host.data["building"] == "kultur" and host.data["kind"] == "switch"
    assert "platform_huawei_vrp" in [g.name for g in host.groups]


def test_lab_mode_uses_only_lab_endpoints(demo_loaded, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kentops.lab.state import Endpoint, LabState, write_state

    state = LabState(
        inventory=str(DEMO),
        run_id="t1",
        endpoints={
            "hq-sw-core-01": Endpoint("127.0.0.1", 40022, "lab", "secret"),
            "hq-srv-log-01": Endpoint("127.0.0.1", 40023, "kentops", key_file="/k"),
        },
    )
    write_state(tmp_path, state)
    monkeypatch.setenv("KENTOPS_LAB_DIR", str(tmp_path))
    data = ansible_inventory(demo_loaded, lab=True)
    assert set(data["hosts"]) == {"hq-sw-core-01", "hq-srv-log-01"}
    assert data["hosts"]["hq-sw-core-01"]["ansible_host"] == "127.0.0.1"
    assert data["hosts"]["hq-sw-core-01"]["ansible_port"] == 40022


def test_a_lab_domain_controller_is_read_not_managed(demo_loaded, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The lab's Samba DCs have an LDAPS endpoint for the audit; Ansible gets no winrm host."""
    from kentops.lab.state import Endpoint, LabState, write_state

    state = LabState(
        inventory=str(DEMO),
        run_id="t2",
        endpoints={
            "hq-srv-dc-01": Endpoint("10.9.9.2", 636, "CN=r", "pw", service="ldap", ca_file="/c"),
            "hq-srv-log-01": Endpoint("10.9.9.3", 22, "kentops", key_file="/k"),
        },
    )
    write_state(tmp_path, state)
    monkeypatch.setenv("KENTOPS_LAB_DIR", str(tmp_path))
    data = ansible_inventory(demo_loaded, lab=True)
    assert set(data["hosts"]) == {"hq-srv-log-01"}
    assert "hq-srv-dc-01" not in {h for members in data["groups"].values() for h in members}


def test_no_address_is_written_twice_in_the_repository() -> None:
    """Addresses live only in the inventory's data files, each once."""
    import re

    seen: dict[str, str] = {}
    for path in sorted(DEMO.glob("*.yml")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in re.finditer(r"^\s*(address|gateway):\s*(\d+\.\d+\.\d+\.\d+)\s*$", line):
                where = f"{path.name}:{line_no}"
                assert match.group(2) not in seen, (
                    f"{match.group(2)} at {where} and {seen[match.group(2)]}"
                )
                seen[match.group(2)] = where
    assert len(seen) > 100
