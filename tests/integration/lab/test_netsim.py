"""Simulated network devices against the real clients: Netmiko, NAPALM, paramiko, asyncssh.

Everything listens on 127.0.0.1. The pool is started once per module; tests that change a
device's configuration use their own device so the others see a known state.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)

from kentops.lab.netsim import (
    Fault,
    SimInterface,
    SimulatorPool,
    devices_from_json,
    devices_to_json,
)
from tests.integration.lab.conftest_netsim import (
    PASSWORD,
    PROMPT_RE,
    SECRET,
    USER,
    RawShell,
    faulty_devices,
    ios_device,
    napalm_open,
    running_pool,
    vrp_device,
    wait_for_file,
)
from tests.integration.lab.conftest_netsim import netmiko_args as shared_netmiko_args

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorPool]:
    base = tmp_path_factory.mktemp("netsim")
    devices = [
        ios_device(),
        vrp_device(),
        ios_device("lab-ios-netmiko"),
        vrp_device("lab-vrp-netmiko"),
        ios_device("lab-ios-cli"),
        vrp_device("lab-vrp-cli"),
        *faulty_devices(),
    ]
    yield from running_pool(base, devices)


def netmiko_args(pool: SimulatorPool, name: str, **extra: object) -> dict[str, object]:
    if "vrp" in name or "acc" in name:
        return shared_netmiko_args(pool, name, "huawei", **extra)
    return shared_netmiko_args(pool, name, "cisco_ios", **{"secret": SECRET, **extra})


# -- Netmiko ------------------------------------------------------------------------------


def test_ios_netmiko_config_survives_sessions_and_saves_only_on_write(pool: SimulatorPool) -> None:
    name = "lab-ios-netmiko"
    with ConnectHandler(**netmiko_args(pool, name)) as conn:
        conn.enable()
        assert conn.find_prompt() == f"{name}#"
        output = conn.send_config_set(
            [
                "interface GigabitEthernet1/0/3",
                "description printer room 2",
                "switchport access vlan 20",
                "vlan 20",
                "name PRINTERS",
                "snmp-server location Ornek Belediyesi HQ",
            ]
        )
        assert "Invalid" not in output
        assert f"{name}(config-if)#" in output
        assert f"{name}(config-vlan)#" in output

    with ConnectHandler(**netmiko_args(pool, name)) as conn:
        conn.enable()
        running = conn.send_command("show running-config")
        assert running.startswith("Building configuration...")
        assert re.search(r"^Current configuration : \d+ bytes$", running, re.M)
        assert "interface GigabitEthernet1/0/3\n description printer room 2\n" in running
        assert "vlan 20\n name PRINTERS\n" in running
        assert "snmp-server location Ornek Belediyesi HQ" not in conn.send_command(
            "show startup-config"
        )
        assert "[OK]" in conn.save_config()
        startup = conn.send_command("show startup-config")
        assert "snmp-server location Ornek Belediyesi HQ" in startup
        assert conn.send_command("show running-config | include ^hostname") == f"hostname {name}"

    assert "switchport access vlan 20" in pool.running_config(name)
    assert "name PRINTERS" in pool.startup_config(name)


def test_vrp_netmiko_config_survives_sessions_and_save_answers_the_question(
    pool: SimulatorPool,
) -> None:
    name = "lab-vrp-netmiko"
    with ConnectHandler(**netmiko_args(pool, name)) as conn:
        assert conn.find_prompt() == f"<{name}>"
        output = conn.send_config_set(
            [
                "interface GigabitEthernet0/0/1",
                "description office 102",
                "port link-type access",
                "port default vlan 30",
                "vlan batch 30 40",
                "undo interface GigabitEthernet0/0/9",
            ]
        )
        assert f"[{name}-GigabitEthernet0/0/1]" in output
        assert "Error: Unrecognized command" in output  # GE0/0/9 does not exist on this switch
        saved = conn.save_config()
        assert "Continue? [Y/N]" in saved
        assert "Save the configuration successfully" in saved

    with ConnectHandler(**netmiko_args(pool, name)) as conn:
        current = conn.send_command("display current-configuration")
        assert current.startswith("!Software Version V200R019C00SPC500")
        assert "interface GigabitEthernet0/0/1\n description office 102\n" in current
        assert " port default vlan 30" in current
        assert "vlan batch 30 40" in current
        assert "vlan batch 30 40" in conn.send_command("display saved-configuration")
        assert conn.send_command("display current-configuration | include sysname") == (
            f"sysname {name}"
        )


# -- Command line semantics (raw terminal) ---------------------------------------------------


def test_ios_prompts_modes_and_structural_config_edits(pool: SimulatorPool) -> None:
    name = "lab-ios-cli"
    shell = RawShell(pool.ports[name])
    try:
        assert shell.prompt(shell.login_text) == f"{name}>"
        refused = shell.send("show running-config")
        assert "% Invalid input detected at '^' marker." in refused
        marker = refused.split("\n")[1]
        assert marker.index("^") == len(f"{name}>show ")  # under the word it refused

        assert shell.send("enable", re.compile(r"Password: $")).endswith("Password: ")
        assert "Password: " in shell.send("wrong-secret", re.compile(r"Password: $"))
        assert shell.prompt(shell.send(SECRET)) == f"{name}#"
        assert "wrong-secret" not in shell.send("show privilege")  # passwords are not echoed
        assert "Current privilege level is 15" in shell.send("show privilege")
        for command in ("terminal length 0", "terminal width 512", "terminal no monitor"):
            assert "%" not in shell.send(command)
        assert "% Invalid input" in shell.send("terminal width 513")

        steps = [
            ("conf t", "config"),
            ("interface gi1/0/3", "config-if"),
            ("line vty 0 4", "config-line"),
            ("vlan 30", "config-vlan"),
            ("ip access-list extended MGMT", "config-ext-nacl"),
            ("router ospf 1", "config-router"),
            ("address-family ipv4", "config-router-af"),
            ("exit", "config-router"),
            ("exit", "config"),
        ]
        for command, mode in steps:
            assert shell.prompt(shell.send(command)) == f"{name}({mode})#", command

        config = [
            "interface GigabitEthernet1/0/3",
            "description first",
            "description second",
            "switchport mode access",
            "shutdown",
            "no shutdown",
            "no cdp enable",
            "ip access-list extended MGMT",
            "permit tcp 10.0.0.0 0.0.0.255 any eq 22",
            "deny ip any any",
            "15 permit icmp any any",
            "line vty 0 4",
            "transport input ssh",
            "exec-timeout 10 0",
            "exec-timeout 5 0",
            "username audit privilege 1 secret 0 x",
            "no username audit",
            "ntp server 10.0.0.5",
        ]
        for line in config:
            assert "%" not in shell.send(line), line
        assert shell.prompt(shell.send("\x1a")) == f"{name}#"

        running = shell.send("show running-config")
        section = running.split("interface GigabitEthernet1/0/3\n", 1)[1].split("!", 1)[0]
        assert section.splitlines() == [
            " description second",
            " switchport mode access",
            " no cdp enable",
        ]
        acl = running.split("ip access-list extended MGMT\n", 1)[1].split("!", 1)[0]
        assert acl.splitlines() == [
            " permit tcp 10.0.0.0 0.0.0.255 any eq 22",
            " permit icmp any any",
            " deny ip any any",
        ]
        vty = running.split("line vty 0 4\n", 1)[1].split("!", 1)[0]
        assert " exec-timeout 5 0" in vty
        assert "exec-timeout 10 0" not in vty
        assert "username audit" not in running
        assert "\n!\nend\n" in running

        section_only = shell.send("show running-config | section line vty")
        assert section_only.splitlines()[1:-1] == [
            "line vty 0 4",
            " login local",
            " transport input ssh",
            " exec-timeout 5 0",
        ]
        assert shell.send("sh run | i ^ntp").splitlines()[1:-1] == ["ntp server 10.0.0.5"]
        assert "Default domain is" in shell.send("show hosts | inc Default")
        brief = shell.send("sh ip int br")
        assert re.search(r"^Vlan10\s+10\.10\.0\.2\s+YES NVRAM\s+up\s+up", brief, re.M)
        assert re.search(r"^GigabitEthernet1/0/2\s+unassigned.*administratively down", brief, re.M)

        assert shell.prompt(shell.send("configure terminal")) == f"{name}(config)#"
        assert shell.prompt(shell.send("hostname lab-ios-renamed")) == "lab-ios-renamed(config)#"
        assert shell.prompt(shell.send("no interface Vlan10")) == "lab-ios-renamed(config)#"
        assert "% Removal of physical" in shell.send("no interface GigabitEthernet1/0/1")
        assert shell.prompt(shell.send("end")) == "lab-ios-renamed#"
        assert "interface Vlan10" not in shell.send("show running-config")
        assert "% Ambiguous command" in shell.send("sh v")
        assert "% Incomplete command." in shell.send("show ip")
    finally:
        shell.close()

    again = RawShell(pool.ports[name])
    try:
        assert again.prompt(again.login_text) == "lab-ios-renamed>"
    finally:
        again.close()


def test_vrp_views_undo_and_display_filters(pool: SimulatorPool) -> None:
    name = "lab-vrp-cli"
    shell = RawShell(pool.ports[name])
    try:
        assert "Info: The max number of VTY users" in shell.login_text
        assert shell.prompt(shell.login_text) == f"<{name}>"
        assert "Info:" in shell.send("screen-length 0 temporary-mode")
        steps = [
            ("sys", f"[{name}]"),
            ("int g0/0/1", f"[{name}-GigabitEthernet0/0/1]"),
            ("vlan 10", f"[{name}-vlan10]"),
            ("user-interface vty 0 4", f"[{name}-ui-vty0-4]"),
            ("aaa", f"[{name}-aaa]"),
            ("ospf 1 router-id 10.10.0.3", f"[{name}-ospf-1]"),
            ("area 0", f"[{name}-ospf-1-area-0.0.0.0]"),
            ("quit", f"[{name}-ospf-1]"),
            ("quit", f"[{name}]"),
        ]
        for command, prompt in steps:
            assert shell.prompt(shell.send(command)) == prompt, command
        for line in [
            "interface GigabitEthernet0/0/1",
            "description first",
            "description second",
            "port link-type trunk",
            "port trunk allow-pass vlan 10 20",
            "port trunk allow-pass vlan 30",
            "undo port trunk allow-pass vlan 20",
            "shutdown",
            "undo shutdown",
            "acl number 3000",
            "rule permit tcp destination-port eq 22",
            "rule deny ip",
            "undo lldp enable",
        ]:
            assert "Error" not in shell.send(line), line
        assert shell.prompt(shell.send("return")) == f"<{name}>"

        current = shell.send("display current-configuration")
        section = current.split("interface GigabitEthernet0/0/1\n", 1)[1].split("#", 1)[0]
        assert section.splitlines() == [
            " description second",
            " port link-type trunk",
            " port trunk allow-pass vlan 10 30",
        ]
        assert " rule 5 permit tcp destination-port eq 22\n rule 10 deny ip" in current
        assert "undo lldp enable" in current
        assert "Info: Global LLDP is not enabled." in shell.send("display lldp neighbor brief")
        assert shell.send("dis cur | inc sysname").splitlines()[1:-1] == [f"sysname {name}"]
        bad = shell.send("display nothing")
        assert "Error: Unrecognized command found at '^' position." in bad
        assert bad.split("\n")[1].index("^") == len(f"<{name}>display ")
        shell.channel.send("quit\r")
        shell.read_until(re.compile(r"quit"))
        assert shell.channel.recv(1024) == b""  # quit in the user view logs out
    finally:
        shell.close()


def test_exec_request_and_keyboard_interactive_login(pool: SimulatorPool) -> None:
    async def run() -> tuple[str, str]:
        async with asyncssh.connect(
            "127.0.0.1",
            pool.ports["hq-sw-core-01"],
            username=USER,
            password=PASSWORD,
            preferred_auth="keyboard-interactive",
            known_hosts=None,
        ) as conn:
            result = await conn.run("show version", check=True)
            auth = conn.get_extra_info("server_version")
            return str(result.stdout), str(auth)

    output, version = asyncio.run(run())
    assert "Processor board ID FOC2101X0AB" in output
    assert version == "SSH-2.0-Cisco-1.25"


# -- NAPALM ------------------------------------------------------------------------------------


def test_napalm_ios_getters_report_the_spec(pool: SimulatorPool) -> None:
    spec = ios_device()
    with napalm_open(pool, "ios", spec.name, secret=SECRET) as driver:
        facts = driver.get_facts()
        interfaces = driver.get_interfaces()
        lldp = driver.get_lldp_neighbors()
        config = driver.get_config()
        addresses = driver.get_interfaces_ip()
    assert addresses == {"Vlan10": {"ipv4": {"10.10.0.2": {"prefix_length": 24}}}}
    assert facts["vendor"] == "Cisco"
    assert facts["model"] == spec.model
    assert spec.os_version in facts["os_version"]
    assert facts["serial_number"] == spec.serial
    assert facts["hostname"] == spec.hostname
    assert spec.uptime_s <= facts["uptime"] <= spec.uptime_s + 600
    assert facts["interface_list"] == [i.name for i in spec.interfaces]

    assert interfaces["GigabitEthernet1/0/1"]["description"] == "uplink hq-sw-acc-01"
    assert interfaces["GigabitEthernet1/0/1"]["is_up"] is True
    assert interfaces["GigabitEthernet1/0/2"]["is_enabled"] is False
    assert interfaces["GigabitEthernet1/0/2"]["is_up"] is False
    assert interfaces["GigabitEthernet1/0/3"]["mac_address"] == "00:11:22:33:44:55"
    assert interfaces["GigabitEthernet1/0/3"]["speed"] == 100.0
    assert interfaces["GigabitEthernet1/0/3"]["mtu"] == 1500

    assert lldp == {"GigabitEthernet1/0/1": [{"hostname": "hq-sw-acc-01", "port": "GE0/0/24"}]}
    assert config["running"].startswith("!")
    assert "hostname hq-sw-core-01" in config["running"]
    assert "Building configuration" not in config["running"]
    assert "hostname hq-sw-core-01" in config["startup"]


def test_napalm_huawei_vrp_getters_report_the_spec(pool: SimulatorPool) -> None:
    spec = vrp_device()
    with napalm_open(pool, "huawei_vrp", spec.name) as driver:
        facts = driver.get_facts()
        interfaces = driver.get_interfaces()
        lldp = driver.get_lldp_neighbors()
        config = driver.get_config()
        addresses = driver.get_interfaces_ip()
        users = driver.get_users()
    assert addresses == {"Vlanif10": {"ipv4": {"10.10.0.3": {"prefix_length": 24}}}}
    assert [u["username"] for u in users] == [USER]
    assert facts["vendor"] == "Huawei"
    assert facts["model"] == spec.model
    assert facts["os_version"] == spec.os_version
    assert facts["serial_number"] == [spec.serial]
    assert facts["hostname"] == spec.hostname
    assert spec.uptime_s <= facts["uptime"] <= spec.uptime_s + 600
    assert facts["interface_list"] == [i.name for i in spec.interfaces]

    assert interfaces["GigabitEthernet0/0/1"]["description"] == "office 101"
    assert interfaces["GigabitEthernet0/0/2"]["is_enabled"] is False
    assert interfaces["GigabitEthernet0/0/24"]["speed"] == 1000.0
    assert interfaces["Vlanif10"]["mtu"] == 1500
    assert re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", interfaces["Vlanif10"]["mac_address"])

    assert lldp == {"GE0/0/24": [{"hostname": "hq-sw-core-01", "port": "Gi1/0/1"}]}
    assert "sysname hq-sw-acc-01" in config["running"]


# -- Faults ------------------------------------------------------------------------------------


def test_fault_down_refuses_connections(pool: SimulatorPool) -> None:
    port = pool.ports["lab-down"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    started = time.monotonic()
    with pytest.raises(NetmikoTimeoutException):
        ConnectHandler(**netmiko_args(pool, "lab-down"))
    assert time.monotonic() - started < 5


def test_fault_auth_fail_rejects_the_right_password(pool: SimulatorPool) -> None:
    started = time.monotonic()
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(**netmiko_args(pool, "lab-authfail"))
    assert time.monotonic() - started < 8


def test_fault_hang_after_login_times_out(pool: SimulatorPool) -> None:
    started = time.monotonic()
    with pytest.raises((ReadTimeout, NetmikoTimeoutException)):
        ConnectHandler(**netmiko_args(pool, "lab-hang", read_timeout_override=1.0))
    assert time.monotonic() - started < 10


def test_fault_slow_delays_every_response(pool: SimulatorPool) -> None:
    with ConnectHandler(**netmiko_args(pool, "lab-slow")) as conn:
        started = time.monotonic()
        output = conn.send_command("show version", expect_string="lab-slow>", read_timeout=10)
        assert "Processor board ID" in output
        assert time.monotonic() - started >= 0.5
        with pytest.raises(ReadTimeout):
            conn.send_command("show clock", expect_string="lab-slow>", read_timeout=0.2)


def test_fault_reject_command_answers_the_platform_error_and_changes_nothing(
    pool: SimulatorPool,
) -> None:
    before = pool.running_config("lab-reject")
    with ConnectHandler(**netmiko_args(pool, "lab-reject")) as conn:
        conn.enable()
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set(
                ["snmp-server community public RO"], error_pattern=r"% Invalid input"
            )
        conn.exit_config_mode()
        assert "Processor board ID" in conn.send_command("show version")
    assert pool.running_config("lab-reject") == before

    before = pool.running_config("lab-reject-vrp")
    with ConnectHandler(**netmiko_args(pool, "lab-reject-vrp")) as conn:
        # Netmiko's huawei driver spends ~2 s per config-mode check; enter the view once.
        conn.send_command("system-view", expect_string=r"\[lab-reject-vrp\]")
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set(
                ["snmp-agent sys-info location HQ"],
                enter_config_mode=False,
                exit_config_mode=False,
                error_pattern=r"Error: Unrecognized",
            )
        conn.send_command("return", expect_string=r"<lab-reject-vrp>")
    assert pool.running_config("lab-reject-vrp") == before


# -- Daemon, persistence, spec format --------------------------------------------------------


def _serve(spec: Path, state: Path, ports: Path) -> subprocess.Popen[bytes]:
    path = os.pathsep.join(p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=path)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kentops.lab.netsim",
            "serve",
            "--spec",
            str(spec),
            "--state-dir",
            str(state),
            "--ports-out",
            str(ports),
        ],
        env=env,
        stderr=subprocess.PIPE,
    )


def _stop(process: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return time.monotonic() - started


def test_daemon_runs_until_sigterm_and_state_survives_a_restart(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(devices_to_json([ios_device(), vrp_device()]), encoding="utf-8")
    state, ports_file = tmp_path / "state", tmp_path / "ports.json"
    process = _serve(spec, state, ports_file)
    try:
        wait_for_file(ports_file)
        ports = json.loads(ports_file.read_text(encoding="utf-8"))
        assert set(ports) == {"hq-sw-core-01", "hq-sw-acc-01"}
        with ConnectHandler(
            device_type="cisco_ios",
            host="127.0.0.1",
            port=ports["hq-sw-core-01"],
            username=USER,
            password=PASSWORD,
            secret=SECRET,
        ) as conn:
            conn.enable()
            conn.send_config_set(["ntp server 10.0.0.5"])
            conn.save_config()
            conn.send_config_set(["logging host 10.0.0.6"])
    finally:
        elapsed = _stop(process)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert elapsed < 2.0
    assert not ports_file.exists()
    assert "logging host 10.0.0.6" in (state / "hq-sw-core-01.running.cfg").read_text()
    assert "logging host 10.0.0.6" not in (state / "hq-sw-core-01.startup.cfg").read_text()
    assert "ntp server 10.0.0.5" in (state / "hq-sw-core-01.startup.cfg").read_text()

    again = _serve(spec, state, ports_file)
    try:
        wait_for_file(ports_file)
        ports = json.loads(ports_file.read_text(encoding="utf-8"))
        shell = RawShell(ports["hq-sw-core-01"])
        try:
            shell.send("enable", re.compile(r"Password: $"))
            shell.send(SECRET)
            running = shell.send("show running-config")
            startup = shell.send("show startup-config")
        finally:
            shell.close()
    finally:
        _stop(again)
    assert "logging host 10.0.0.6" in running
    assert "ntp server 10.0.0.5" in running
    assert "logging host 10.0.0.6" not in startup
    assert "ntp server 10.0.0.5" in startup


def test_daemon_refuses_an_invalid_spec_with_exit_code_2(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text('[{"name": "x", "platform": "junos"}]', encoding="utf-8")
    process = _serve(spec, tmp_path / "state", tmp_path / "ports.json")
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert b"device x:" in err
    assert not (tmp_path / "ports.json").exists()


def test_spec_json_round_trip_and_errors() -> None:
    devices = [ios_device(faults=[Fault("slow", delay_s=0.2)]), vrp_device()]
    text = devices_to_json(devices)
    assert devices_from_json(text) == devices
    broken = json.loads(text)
    broken[0]["platform"] = "junos"
    with pytest.raises(ValueError, match="hq-sw-core-01: platform 'junos'"):
        devices_from_json(json.dumps(broken))
    broken = json.loads(text)
    broken[1]["interfaces"][0]["colour"] = "blue"
    with pytest.raises(ValueError, match="unknown field"):
        devices_from_json(json.dumps(broken))
    with pytest.raises(ValueError, match="duplicate device name"):
        devices_from_json(devices_to_json([devices[0], devices[0]]))


def test_pool_refuses_a_non_loopback_bind(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        SimulatorPool(tmp_path / "key", bind="0.0.0.0")


def test_generated_config_follows_the_interfaces(tmp_path: Path) -> None:
    device = ios_device(
        "lab-generated",
        interfaces=[SimInterface("Gi1/0/7", description="kiosk", enabled=False)],
        neighbors=[],
    )
    with SimulatorPool(tmp_path / "key") as simulator:
        simulator.start([device])
        running = simulator.running_config("lab-generated")
    assert "interface GigabitEthernet1/0/7\n description kiosk\n" in running
    assert " shutdown" in running
    assert PROMPT_RE.search("lab-generated#")


def test_clear_text_passwords_are_stored_as_the_platforms_store_them(tmp_path: Path) -> None:
    with SimulatorPool(tmp_path / "key") as simulator:
        ports = simulator.start([ios_device("lab-secrets"), vrp_device("lab-secrets-vrp")])
        shell = RawShell(ports["lab-secrets"])
        try:
            shell.send("enable", re.compile(r"Password: $"))
            shell.send(SECRET)
            for line in (
                "configure terminal",
                "enable secret Yonetici-2026",
                "username ops privilege 15 secret 0 Operator-2026",
                "username legacy password Legacy-2026",
                "service password-encryption",
                "end",
            ):
                assert "%" not in shell.send(line), line
        finally:
            shell.close()
        vrp = RawShell(ports["lab-secrets-vrp"])
        try:
            for line in (
                "system-view",
                "aaa",
                "local-user ops password irreversible-cipher Op-2026",
            ):
                assert "Error" not in vrp.send(line), line
        finally:
            vrp.close()
        ios_running = simulator.running_config("lab-secrets")
        vrp_running = simulator.running_config("lab-secrets-vrp")
    assert re.search(r"^enable secret 9 \$9\$[./\w]{14}\$[./\w]{43}$", ios_running, re.M)
    assert re.search(r"^username ops privilege 15 secret 9 \$9\$", ios_running, re.M)
    assert re.search(r"^username legacy password 7 [0-9]{2}[0-9A-F]+$", ios_running, re.M)
    assert re.search(r"^ local-user ops password irreversible-cipher \$1a\$", vrp_running, re.M)
    for clear in ("Yonetici-2026", "Operator-2026", "Legacy-2026"):
        assert clear not in ios_running
    assert "Op-2026" not in vrp_running


def test_pool_restart_with_state_dir_keeps_running_and_startup_apart(tmp_path: Path) -> None:
    simulator = SimulatorPool(tmp_path / "key", state_dir=tmp_path / "state")
    device = vrp_device("lab-restart")
    ports = simulator.start([device])
    try:
        shell = RawShell(ports[device.name])
        try:
            for line in ("system-view", "snmp-agent sys-info location HQ", "return"):
                shell.send(line)
        finally:
            shell.close()
    finally:
        simulator.stop()
    assert (tmp_path / "state" / "lab-restart.running.cfg").is_file()
    simulator.start([device])
    try:
        running = simulator.running_config(device.name)
        startup = simulator.startup_config(device.name)
    finally:
        simulator.stop()
    assert "snmp-agent sys-info location HQ" in running
    assert "snmp-agent sys-info location HQ" not in startup
