"""Simulated FortiGates and MikroTik routers against the real clients: Netmiko's ``fortinet``
and ``mikrotik_routeros`` drivers and the ``kentops_fortios`` / ``kentops_routeros`` NAPALM
drivers, on 127.0.0.1.

The pool is started once per module; tests that change a configuration use their own
device so the others see a known state.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)

from kentops.lab.netsim import Fault, SimDevice, SimInterface, SimNeighbor, SimulatorPool
from kentops.lab.netsim.fortios import FortiosState
from kentops.lab.netsim.routeros import RouterosState
from tests.integration.lab.conftest_netsim import (
    USER,
    lab_device,
    napalm_open,
    running_pool,
)
from tests.integration.lab.conftest_netsim import netmiko_args as shared_netmiko_args

pytestmark = pytest.mark.lab

FORTIOS_CONFIG = """\
config system global
    set hostname "{name}"
    set admintimeout 10
end
config system dns
    set primary 10.10.60.11
    set domain "ornek.bel.tr"
end
config system interface
    edit "port3"
        set vdom "root"
        set ip 10.20.10.1 255.255.255.0
        set allowaccess ping https ssh
        set alias "YONETIM"
        set role lan
    next
    edit "port4"
        set vdom "root"
        set status down
        set role lan
    next
    edit "wan1"
        set vdom "root"
        set ip 195.175.20.10 255.255.255.252
        set alias "Turk Telekom"
        set role wan
    next
end
"""


def fortigate(name: str = "lab-fgt", **changes: object) -> SimDevice:
    """A FortiGate-60F: inside leg port3 towards the building switch, WAN on wan1."""
    values: dict[str, object] = {
        "name": name,
        "hostname": name,
        "platform": "fortios",
        "vendor": "Fortinet",
        "model": "FortiGate-60F",
        "os_version": "7.2.8",
        "serial": "FGT60FTK2209A1B2",
        "uptime_s": 5 * 86400,
        "interfaces": [
            SimInterface("port3"),
            SimInterface("port4"),
            SimInterface("wan1", mac="00:09:0f:aa:bb:01", speed_mbps=100),
        ],
        "neighbors": [
            SimNeighbor("port3", "kultur-sw-01", "GigabitEthernet0/0/1"),
            SimNeighbor("wan1", "isp-ce-01", "GigabitEthernet0/0/7"),
        ],
        "running_config": FORTIOS_CONFIG.format(name=name),
    }
    return lab_device(values, changes)


def mikrotik(name: str = "lab-ros", **changes: object) -> SimDevice:
    """An RB4011 whose starting configuration the simulator writes from the interfaces."""
    values: dict[str, object] = {
        "name": name,
        "hostname": name,
        "platform": "routeros",
        "vendor": "MikroTik",
        "model": "RB4011iGS+",
        "os_version": "7.15.3",
        "serial": "RAH19HMK5K8",
        "uptime_s": 2 * 86400,
        "interfaces": [
            SimInterface("ether1", description="WAN", ipv4="195.175.30.10/30"),
            SimInterface("ether2", mode="trunk"),
            SimInterface("ether3", enabled=False),
            SimInterface("vlan10", description="YONETIM", ipv4="10.30.10.1/24"),
        ],
        "neighbors": [SimNeighbor("ether2", "kutuphane-sw-01", "GigabitEthernet0/0/1")],
    }
    return lab_device(values, changes)


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorPool]:
    base = tmp_path_factory.mktemp("netsim-edge")
    devices = [
        fortigate(),
        fortigate("lab-fgt-config"),
        mikrotik(),
        mikrotik("lab-ros-config"),
        fortigate("lab-fgt-authfail", faults=[Fault("auth_fail")]),
        fortigate("lab-fgt-slow", faults=[Fault("slow", delay_s=0.3)]),
        fortigate(
            "lab-fgt-reject", faults=[Fault("reject_command", command="config system admin")]
        ),
        mikrotik("lab-ros-down", faults=[Fault("down")]),
        mikrotik("lab-ros-hang", faults=[Fault("hang_after_login")]),
        mikrotik("lab-ros-reject", faults=[Fault("reject_command", command="/user add")]),
    ]
    yield from running_pool(base, devices)


def netmiko_args(pool: SimulatorPool, name: str, **extra: object) -> dict[str, object]:
    device_type = "fortinet" if "fgt" in name else "mikrotik_routeros"
    return shared_netmiko_args(pool, name, device_type, **extra)


# -- Netmiko: FortiOS ------------------------------------------------------------------------


def test_fortinet_session_pages_nothing_while_open_and_restores_the_console_mode(
    pool: SimulatorPool,
) -> None:
    with ConnectHandler(**netmiko_args(pool, "lab-fgt")) as conn:
        assert conn.find_prompt() == "lab-fgt #"
        # Netmiko switched the console to standard output; the device keeps that setting.
        assert "set output standard" in pool.running_config("lab-fgt")
        status = conn.send_command("get system status")
        assert "Version: FortiGate-60F v7.2.8,build1639" in status
        assert "Serial-Number: FGT60FTK2209A1B2" in status
        assert conn.send_command("get system status | grep Hostname") == "Hostname: lab-fgt"
    # ...and set it back to the default on the way out: nothing is left in the configuration.
    assert "config system console" not in pool.running_config("lab-fgt")


def test_fortios_changes_persist_across_sessions_and_are_saved_at_once(
    pool: SimulatorPool,
) -> None:
    name = "lab-fgt-config"
    with ConnectHandler(**netmiko_args(pool, name)) as conn:
        output = conn.send_config_set(
            [
                "config system interface",
                "edit port4",
                "set alias PRINTERS",
                "set ip 10.20.80.1 255.255.255.0",
                "unset status",
                "next",
                "end",
                "config system admin",
                "edit yerel-acil",
                "set accprofile super_admin",
                "set password Gizli-2026",
                "end",
            ]
        )
        assert f"{name} (interface) #" in output
        assert f"{name} (port4) #" in output
        assert "new entry 'yerel-acil' added" in output
        # abort leaves the table and drops what was typed in it
        conn.send_config_set(["config system dns", "set primary 192.0.2.53", "abort"])

    with ConnectHandler(**netmiko_args(pool, name)) as conn:
        shown = conn.send_command("show system interface port4")
        admins = conn.send_command("show system admin")
        dns = conn.send_command("get system dns")
    assert shown == (
        "config system interface\n"
        '    edit "port4"\n'
        '        set vdom "root"\n'
        "        set role lan\n"
        '        set alias "PRINTERS"\n'
        "        set ip 10.20.80.1 255.255.255.0\n"
        "    next\n"
        "end"
    )
    assert "set password ENC SH2" in admins
    assert "Gizli-2026" not in admins
    assert "10.10.60.11" in dns
    assert "192.0.2.53" not in dns
    assert pool.startup_config(name) == pool.running_config(name)


def test_fortios_refuses_what_fortios_refuses(pool: SimulatorPool) -> None:
    before = pool.running_config("lab-fgt")
    with ConnectHandler(**netmiko_args(pool, "lab-fgt")) as conn:
        assert "Unknown action 0" in conn.send_command("frobnicate everything")
        parse = conn.send_command("config nonsense table")
        assert "command parse error before 'nonsense'" in parse
        missing = conn.send_command("show system interface port99")
        assert "entry not found in datasource" in missing
    assert pool.running_config("lab-fgt") == before


# -- Netmiko: RouterOS -----------------------------------------------------------------------


def test_mikrotik_login_options_and_prompt(pool: SimulatorPool) -> None:
    with ConnectHandler(**netmiko_args(pool, "lab-ros")) as conn:
        # Netmiko logs in as "netops+ct511w4098h"; the prompt shows the account name only.
        assert conn.username == f"{USER}+ct511w4098h"
        assert conn.find_prompt() == f"[{USER}@lab-ros] >"
        resource = conn.send_command("/system resource print without-paging")
        assert "version: 7.15.3 (stable)" in resource
        assert "board-name: RB4011iGS+" in resource
        assert "serial-number: RAH19HMK5K8" in conn.send_command("/sys routerboard pr")


def test_routeros_configuration_commands_persist_and_show_in_the_export(
    pool: SimulatorPool,
) -> None:
    name = "lab-ros-config"
    with ConnectHandler(**netmiko_args(pool, name)) as conn:
        conn.send_config_set(
            [
                "/interface vlan add name=vlan20 vlan-id=20 interface=ether2 comment=KULLANICI",
                "/ip address add address=10.30.20.1/24 interface=vlan20",
                "/ip service set telnet disabled=yes",
            ]
        )
        refused = conn.send_command("/ip address add address=10.9.9.1/24 interface=ether9")
        assert refused == "input does not match any value of interface"
        assert "bad command name frob" in conn.send_command("/ip frob")
        conn.send_command_timing("/system identity set name=ros-renamed")
        assert conn.find_prompt() == f"[{USER}@ros-renamed] >"

    with ConnectHandler(**netmiko_args(pool, name)) as conn:
        export = conn.send_command("/export")
    vlans = export.split("/interface vlan\n", 1)[1].split("\n/", 1)[0].splitlines()
    assert "add comment=KULLANICI interface=ether2 name=vlan20 vlan-id=20" in vlans
    assert "add address=10.30.20.1/24 interface=vlan20 network=10.30.20.0" in export
    assert "10.9.9.1" not in export
    assert "/ip service\nset telnet disabled=yes" in export
    assert "/system identity\nset name=ros-renamed" in export
    assert export.startswith("# ") and "# serial number = RAH19HMK5K8" in export
    assert pool.startup_config(name) == pool.running_config(name)


def test_state_of_both_platforms_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    devices = [fortigate("lab-fgt-restart"), mikrotik("lab-ros-restart")]
    first = SimulatorPool(tmp_path / "host_key", state_dir=state)
    first.start(devices)
    try:
        with ConnectHandler(**netmiko_args(first, "lab-fgt-restart")) as conn:
            conn.send_config_set(["config system global", "set admintimeout 5", "end"])
        with ConnectHandler(**netmiko_args(first, "lab-ros-restart")) as conn:
            conn.send_config_set(
                [
                    "/user add name=yerel-acil group=full password=Gizli-2026",
                    "/snmp set enabled=yes",
                ]
            )
    finally:
        first.stop()
    second = SimulatorPool(tmp_path / "host_key", state_dir=state)
    second.start(devices, base_port=0)
    try:
        assert "set admintimeout 5" in second.running_config("lab-fgt-restart")
        with ConnectHandler(**netmiko_args(second, "lab-ros-restart")) as conn:
            users = conn.send_command("/user print")
            export = conn.send_command("/export")
        assert "yerel-acil" in users
        assert "/snmp\nset enabled=yes" in export
        assert "yerel-acil" not in export  # RouterOS never exports users
    finally:
        second.stop()


# -- NAPALM ----------------------------------------------------------------------------------


def test_napalm_kentops_fortios_getters_report_the_spec(pool: SimulatorPool) -> None:
    spec = fortigate()
    with napalm_open(pool, "kentops_fortios", spec.name) as driver:
        assert driver.is_alive() == {"is_alive": True}
        facts = driver.get_facts()
        interfaces = driver.get_interfaces()
        lldp = driver.get_lldp_neighbors()
        config = driver.get_config()
    assert facts["hostname"] == spec.hostname
    assert facts["fqdn"] == f"{spec.hostname}.ornek.bel.tr"
    assert (facts["vendor"], facts["model"]) == ("Fortinet", spec.model)
    assert (facts["serial_number"], facts["os_version"]) == (spec.serial, spec.os_version)
    assert spec.uptime_s <= facts["uptime"] <= spec.uptime_s + 600
    assert facts["interface_list"] == ["port3", "port4", "wan1"]

    assert interfaces["port3"]["description"] == "YONETIM"
    assert interfaces["port3"]["is_up"] is True
    assert interfaces["port4"]["is_enabled"] is False
    assert interfaces["port4"]["is_up"] is False
    assert interfaces["wan1"]["mac_address"] == "00:09:0F:AA:BB:01"
    assert interfaces["wan1"]["speed"] == 100.0
    assert interfaces["wan1"]["mtu"] == 1500

    # FortiOS receives LLDP on WAN-role ports only, unless lldp-reception says otherwise.
    assert lldp == {"wan1": [{"hostname": "isp-ce-01", "port": "GigabitEthernet0/0/7"}]}
    assert config["running"].startswith("#config-version=FG60F-7.2.8-FW-build1639")
    assert f'set hostname "{spec.hostname}"' in config["running"]
    assert config["startup"] == config["running"]


def test_napalm_kentops_routeros_getters_report_the_spec(pool: SimulatorPool) -> None:
    spec = mikrotik()
    with napalm_open(pool, "kentops_routeros", spec.name) as driver:
        facts = driver.get_facts()
        interfaces = driver.get_interfaces()
        lldp = driver.get_lldp_neighbors()
        config = driver.get_config()
        sanitized = driver.get_config(retrieve="running", sanitized=True)
    assert facts["hostname"] == facts["fqdn"] == spec.hostname
    assert (facts["vendor"], facts["model"]) == ("MikroTik", spec.model)
    assert (facts["serial_number"], facts["os_version"]) == (spec.serial, spec.os_version)
    assert spec.uptime_s <= facts["uptime"] <= spec.uptime_s + 600
    assert facts["interface_list"] == ["ether1", "ether2", "ether3", "vlan10"]

    assert interfaces["ether1"]["description"] == "WAN"
    assert interfaces["ether1"]["speed"] == 1000.0
    assert interfaces["ether3"]["is_enabled"] is False
    assert interfaces["vlan10"]["is_up"] is True
    assert interfaces["vlan10"]["speed"] == -1.0
    assert interfaces["vlan10"]["mac_address"] == interfaces["ether2"]["mac_address"]

    assert lldp == {"ether2": [{"hostname": "kutuphane-sw-01", "port": "GigabitEthernet0/0/1"}]}
    assert "/ip address\nadd address=195.175.30.10/30 interface=ether1" in config["running"]
    assert config["startup"] == config["running"]
    assert sanitized["startup"] == ""


def test_lldp_neighbours_follow_the_reception_settings(pool: SimulatorPool) -> None:
    with ConnectHandler(**netmiko_args(pool, "lab-fgt-config")) as conn:
        conn.send_config_set(["config system global", "set lldp-reception enable", "end"])
        summary = conn.send_command("diagnose lldprx neighbor summary")
    assert "port 'port3'" in summary and "system 'kultur-sw-01'" in summary
    with ConnectHandler(**netmiko_args(pool, "lab-ros-config")) as conn:
        assert "identity=" in conn.send_command("/ip neighbor print detail without-paging")
        conn.send_command("/ip neighbor discovery-settings set discover-interface-list=none")
        assert conn.send_command("/ip neighbor print detail without-paging") == ""


# -- Faults ----------------------------------------------------------------------------------


def test_fault_auth_fail_on_a_fortigate(pool: SimulatorPool) -> None:
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(**netmiko_args(pool, "lab-fgt-authfail"))


def test_fault_slow_fortigate_delays_every_answer(pool: SimulatorPool) -> None:
    with ConnectHandler(**netmiko_args(pool, "lab-fgt-slow")) as conn:
        started = time.monotonic()
        assert "Hostname: lab-fgt-slow" in conn.send_command("get system status")
        assert time.monotonic() - started >= 0.3


def test_fault_reject_command_on_a_fortigate_changes_nothing(pool: SimulatorPool) -> None:
    before = pool.running_config("lab-fgt-reject")
    with ConnectHandler(**netmiko_args(pool, "lab-fgt-reject")) as conn:
        output = conn.send_command("config system admin")
        assert "command parse error before 'config'" in output
        assert conn.find_prompt() == "lab-fgt-reject #"
    assert pool.running_config("lab-fgt-reject") == before


def test_fault_down_mikrotik_refuses_connections(pool: SimulatorPool) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", pool.ports["lab-ros-down"]), timeout=2).close()
    with pytest.raises(NetmikoTimeoutException):
        ConnectHandler(**netmiko_args(pool, "lab-ros-down"))


def test_fault_hang_after_login_on_a_mikrotik_times_out(pool: SimulatorPool) -> None:
    started = time.monotonic()
    with pytest.raises((ReadTimeout, NetmikoTimeoutException, ValueError)):
        ConnectHandler(**netmiko_args(pool, "lab-ros-hang", read_timeout_override=1.0))
    assert time.monotonic() - started < 10


def test_fault_reject_command_on_a_mikrotik_changes_nothing(pool: SimulatorPool) -> None:
    before = pool.running_config("lab-ros-reject")
    with ConnectHandler(**netmiko_args(pool, "lab-ros-reject")) as conn:
        output = conn.send_command("/user add name=x group=full password=y")
        assert output == "bad command name user (line 1 column 1)"
        assert "x " not in conn.send_command("/user print")
    assert pool.running_config("lab-ros-reject") == before


# -- The demo's routers --------------------------------------------------------------------


def test_demo_routers_start_from_their_configurations_without_errors(demo_loaded: object) -> None:
    from kentops.lab.orchestrate import _minimal_config, network_specs, rendered_artefacts

    artefacts = rendered_artefacts(demo_loaded)  # type: ignore[arg-type]
    specs = {s.name: s for s in network_specs(demo_loaded, "lab", {}, [], artefacts)}  # type: ignore[arg-type]
    inventory = demo_loaded.inventory  # type: ignore[attr-defined]
    for router in inventory.routers:
        spec = specs[router.id]
        for text in (spec.running_config, _minimal_config(router, inventory)):
            cls = FortiosState if spec.platform == "fortios" else RouterosState
            state = cls(SimDevice(**{**spec.__dict__, "running_config": text}))
            assert state.load_errors == [], router.id
            assert state.hostname == router.host_name
    assert specs["kutuphane-rt-01"].neighbors == [
        SimNeighbor("ether2", "kutuphane-sw-01", "GigabitEthernet0/0/1")
    ]
    assert specs["hq-fw-01"].neighbors == [
        SimNeighbor("port3", "hq-sw-core-01", "TenGigabitEthernet1/0/5")
    ]
    assert specs["hq-wlc-01"].neighbors == [
        SimNeighbor("TenGigabitEthernet0/1/0", "hq-sw-core-01", "TenGigabitEthernet1/0/6")
    ]
    wan = next(i for i in specs["hq-fw-01"].interfaces if i.name == "wan1")
    assert wan.ipv4 == "195.175.10.10/30"
