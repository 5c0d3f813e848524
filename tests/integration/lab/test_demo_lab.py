"""The demo municipality's lab, end to end, through the same adapters engineers use.

One lab (network devices, cameras, voice and, as root, the Debian hosts) is brought up for
this module and always taken down, even when a test fails.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from requests.auth import HTTPDigestAuth

from kentops.inventory import load_inventory
from kentops.lab.orchestrate import DRIFT_FILE
from kentops.lab.state import control_dir, read_state
from tests.helpers import DEMO, REPO, lab_prerequisite
from tests.integration.lab.conftest import hosts_prerequisite, kentops

pytestmark = [pytest.mark.lab, pytest.mark.xdist_group("lab")]
VENV_BIN = Path(sys.executable).parent


_kentops = kentops
_hosts_prerequisite = hosts_prerequisite


@pytest.fixture
def lab(demo_lab: dict[str, Any]) -> dict[str, Any]:
    return demo_lab


def test_napalm_facts_from_every_simulated_network_device(lab: dict[str, Any], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from nornir import InitNornir
    from nornir_napalm.plugins.tasks import napalm_get

    monkeypatch.setenv("KENTOPS_LAB_DIR", str(lab["dir"]))
    nr = InitNornir(
        inventory={"plugin": "KentopsInventory", "options": {"inventory": str(DEMO), "lab": True}},
        runner={"plugin": "threaded", "options": {"num_workers": 20}},
        logging={"enabled": False},
    )
    inv = load_inventory(DEMO).inventory
    assert set(nr.inventory.hosts) == {d.id for d in inv.network_devices()}
    result = nr.run(task=napalm_get, getters=["facts", "interfaces", "lldp_neighbors"])
    failed = {h: str(r[0].exception) for h, r in result.items() if r.failed}
    assert not failed, failed
    for device in inv.network_devices():
        facts = result[device.id][0].result["facts"]
        assert facts["hostname"] == device.host_name
        assert facts["model"] == device.model
        serial = facts["serial_number"]  # the VRP driver answers a list (one per chassis)
        assert device.serial in (serial if isinstance(serial, list) else [serial])
    # LLDP neighbours follow the cabling of the inventory
    core = result["hq-sw-core-01"][0].result["lldp_neighbors"]
    # NAPALM names interfaces canonically (HundredGigE -> HundredGigabitEthernet)
    assert core["HundredGigabitEthernet1/0/25"][0]["hostname"] == "hq-sw-core-02"


def test_drifted_devices_show_their_drift(lab: dict[str, Any]) -> None:
    from netmiko import ConnectHandler

    state = lab["state"]
    ep = state.endpoints["hq-sw-k2-01"]
    with ConnectHandler(
        device_type="cisco_ios",
        host=ep.address,
        port=ep.port,
        username=ep.username,
        password=ep.password,
        secret=ep.enable_secret,
        conn_timeout=10,
    ) as conn:
        conn.enable()
        running = conn.send_command("show running-config")
        version = conn.send_command("show version")
    assert "transport input telnet ssh" in running
    assert "17.9.4a" in version
    old = state.endpoints["hq-sw-k4-01"]
    with ConnectHandler(
        device_type="cisco_ios",
        host=old.address,
        port=old.port,
        username=old.username,
        password=old.password,
        secret=old.enable_secret,
        conn_timeout=10,
    ) as conn:
        assert "16.12.4" in conn.send_command("show version")


def test_every_camera_api_answers(lab: dict[str, Any]) -> None:
    state = lab["state"]
    inv = load_inventory(DEMO).inventory
    ca_file = state.extra.get("cameras", {}).get("ca_file")
    drift = yaml.safe_load(DRIFT_FILE.read_text(encoding="utf-8"))
    factory = {e["camera"] for e in drift["cameras"] if e["kind"] == "default_password"}
    assert "garaj-cam-01" in factory
    for cam in inv.cameras:
        ep = state.endpoints[cam.id]
        assert ep.address == "127.0.0.1"
        scheme = "http" if ep.service == "http" else "https"
        reply = requests.get(
            f"{scheme}://{ep.address}:{ep.port}/ISAPI/System/deviceInfo",
            # the drifted cameras are still on the vendor's default password
            auth=HTTPDigestAuth("admin", "12345")
            if cam.id in factory
            else HTTPDigestAuth(ep.username, ep.password or ""),
            timeout=5,
            verify=ca_file if scheme == "https" else True,
        )
        assert reply.status_code == 200, cam.id
        assert f"<model>{cam.model}</model>" in reply.text


def test_phones_fetch_their_rendered_provisioning_file(lab: dict[str, Any]) -> None:
    inv = load_inventory(DEMO).inventory
    phone = inv.phones[0]
    ep = lab["state"].endpoints[phone.id]
    assert ep.service == "provisioning"
    name = (phone.mac or "").replace(":", "") + ".cfg"
    reply = requests.get(f"http://{ep.address}:{ep.port}/{name}", timeout=5)
    assert reply.status_code == 200
    assert f"account.1.user_name = {phone.extension}" in reply.text
    missing = requests.get(f"http://{ep.address}:{ep.port}/000000000000.cfg", timeout=5)
    assert missing.status_code == 404


def test_pbx_answers_sip_options(lab: dict[str, Any]) -> None:
    from kentops.lab.voice import sip_options_ping

    ep = lab["state"].endpoints["hq-pbx-01"]
    answer = sip_options_ping(ep.address, ep.port, timeout=3)
    assert answer["status"] == 200


def test_ansible_pings_every_linux_server_through_the_plugin(lab: dict[str, Any]) -> None:
    lab_prerequisite(_hosts_prerequisite())
    out = subprocess.run(
        [
            str(VENV_BIN / "ansible"),
            "servers",
            "-i",
            "inventories/demo",
            "-m",
            "ansible.builtin.ping",
        ],
        cwd=REPO,
        env=lab["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    inv = load_inventory(DEMO).inventory
    linux = [s.id for s in inv.servers if s.platform != "windows"]
    for server in linux:
        assert f"{server} | SUCCESS" in out.stdout
    assert out.stdout.count("SUCCESS") == len(linux)


def test_pyinfra_collects_facts_from_the_lab_hosts(lab: dict[str, Any]) -> None:
    lab_prerequisite(_hosts_prerequisite())
    out = subprocess.run(
        [
            str(VENV_BIN / "pyinfra"),
            "inventories/demo/pyinfra.py",
            "--limit",
            "hq-srv-log-01",
            "fact",
            "server.Hostname",
            "-y",
        ],
        cwd=REPO,
        env=lab["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert '"hq-srv-log-01": "hq-srv-log-01"' in out.stdout + out.stderr


def test_lab_status_reports_running_daemons(lab: dict[str, Any]) -> None:
    out = _kentops("lab", "status", "--json", env=lab["env"])
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert all(data["daemons"].values())
    assert data["by_service"]["https"] == 30  # 28 cameras and 2 recorders


def test_nothing_reaches_the_inventorys_own_addresses(lab: dict[str, Any]) -> None:
    inv = load_inventory(DEMO).inventory
    real = {str(a.address) for a in inv.assets() if a.address is not None}
    for name, ep in lab["state"].endpoints.items():
        assert ep.address not in real, name


def test_faults_file_errors_name_file_and_line(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yml"
    faults.write_text(
        "faults:\n  - device: hq-sw-k1-01\n    kind: down\n  - device: hq-sw-99\n    kind: melt\n",
        encoding="utf-8",
    )
    env = {**os.environ, "KENTOPS_LAB_DIR": str(tmp_path / "lab")}
    out = _kentops("lab", "up", str(DEMO), "--only", "network", "--faults", str(faults), env=env)
    assert out.returncode == 2
    text = " ".join(out.stdout.split())
    assert "faults.yml:4: fault 2: 'hq-sw-99' is not a network device" in text
    assert "unknown fault kind 'melt'" in out.stdout
    assert read_state(tmp_path / "lab") is None


def test_faults_behave_as_specified(tmp_path: Path) -> None:
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException

    faults = tmp_path / "faults.yml"
    faults.write_text(
        "faults:\n"
        "  - {device: hq-sw-k1-01, kind: down}\n"
        "  - {device: hq-sw-k2-01, kind: auth_fail}\n"
        "  - {device: kultur-sw-01, kind: reject_command, command: display version}\n",
        encoding="utf-8",
    )
    lab_dir = tmp_path / "lab"
    env = {**os.environ, "KENTOPS_LAB_DIR": str(lab_dir)}
    out = _kentops("lab", "up", str(DEMO), "--only", "network", "--faults", str(faults), env=env)
    try:
        assert out.returncode == 0, out.stdout + out.stderr
        state = read_state(lab_dir)
        assert state is not None
        down_ep = state.endpoints["hq-sw-k1-01"]
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection((down_ep.address, down_ep.port), 2),
        ):
            pass
        auth = state.endpoints["hq-sw-k2-01"]
        with pytest.raises(NetmikoAuthenticationException):
            ConnectHandler(
                device_type="cisco_ios",
                host=auth.address,
                port=auth.port,
                username=auth.username,
                password=auth.password,
                conn_timeout=5,
                auth_timeout=5,
            )
        rej = state.endpoints["kultur-sw-01"]
        with ConnectHandler(
            device_type="huawei",
            host=rej.address,
            port=rej.port,
            username=rej.username,
            password=rej.password,
            conn_timeout=10,
        ) as c:
            assert "Error: Unrecognized command" in c.send_command("display version")
            assert "sysname" in c.send_command("display current-configuration")
    finally:
        _kentops("lab", "down", env=env)


def test_down_leaves_nothing_behind(tmp_path: Path) -> None:
    from kentops.lab.hosts.lab import run_leftovers

    lab_dir = tmp_path / "lab"
    env = {**os.environ, "KENTOPS_LAB_DIR": str(lab_dir), "KENTOPS_LAB": "1"}
    parts = "network,cameras,voice" + ("" if _hosts_prerequisite() else ",hosts")
    out = _kentops("lab", "up", str(DEMO), "--only", parts, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    state = read_state(lab_dir)
    assert state is not None
    pids = [int(p) for p in state.extra["pids"].values()]
    ports = [ep.port for ep in state.endpoints.values() if ep.address == "127.0.0.1"]
    try:
        if "hosts" in parts:  # leave an SSH multiplexing master behind, as Ansible does
            ping = subprocess.run(
                [
                    str(VENV_BIN / "ansible"),
                    "hq-srv-log-01",
                    "-i",
                    "inventories/demo",
                    "-m",
                    "ansible.builtin.ping",
                ],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert ping.returncode == 0, ping.stdout + ping.stderr
            assert any(control_dir(lab_dir / "hosts" / "known_hosts").iterdir())
    finally:
        down = _kentops("lab", "down", env=env)
    assert down.returncode == 0, down.stderr
    assert read_state(lab_dir) is None
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z"
    for port in set(ports):
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection(("127.0.0.1", port), 1),
        ):
            pass
    if "hosts" in parts:
        assert run_leftovers(f"kentops-{state.run_id}") == []
    sockets = control_dir(lab_dir / "hosts" / "known_hosts")
    for needle in (str(lab_dir), str(sockets)):
        masters = subprocess.run(["pgrep", "-af", needle], capture_output=True, text=True)
        assert masters.stdout.strip() == ""
    assert not sockets.exists()
    assert not any(lab_dir.rglob("*.sock"))
