"""The kentops NAPALM drivers over a recorded Netmiko connection: which commands they send
and how they combine what comes back (VDOM context, RouterOS 6 export flags).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import napalm
import pytest

from napalm_kentops_fortios import FortiOSDriver
from napalm_kentops_routeros import RouterOSDriver

FIXTURES = Path(__file__).parent / "fixtures"


class RecordedConnection:
    """Stands in for a Netmiko connection: answers each command with a fixed text."""

    def __init__(self, answers: dict[str, str], prompt: str = "FGVM-DC-A ") -> None:
        self.answers = answers
        self.base_prompt = prompt
        self.sent: list[str] = []

    def send_command(self, command: str, **_kwargs: Any) -> str:
        self.sent.append(command)
        if command not in self.answers:
            raise AssertionError(f"unexpected command {command!r}")
        return self.answers[command]

    def is_alive(self) -> bool:
        return True


def fixture(driver: str, name: str) -> str:
    return (FIXTURES / driver / name).read_text(encoding="utf-8")


def test_napalm_finds_both_drivers_by_name() -> None:
    assert napalm.get_network_driver("kentops_fortios") is FortiOSDriver
    assert napalm.get_network_driver("kentops_routeros") is RouterOSDriver


def test_fortios_facts_run_global_commands_inside_config_global_when_vdoms_are_on() -> None:
    connection = RecordedConnection(
        {
            "get system status": fixture("kentops_fortios", "get_system_status.vdom_ha_6_4.txt"),
            "config global": "",
            "end": "",
            "get system performance status": fixture(
                "kentops_fortios", "get_system_performance_status.txt"
            ),
            "get system interface": fixture("kentops_fortios", "get_system_interface.txt"),
            "show system dns": 'config system dns\n    set domain "dc.example.org"\nend\n',
        }
    )
    driver = FortiOSDriver("192.0.2.1", "admin", "secret")
    driver.device = connection
    facts = driver.get_facts()
    assert facts == {
        "hostname": "FGVM-DC-A",
        "fqdn": "FGVM-DC-A.dc.example.org",
        "vendor": "Fortinet",
        "model": "FortiGate-VM64",
        "serial_number": "FGVM04TM22000123",
        "os_version": "6.4.11",
        "uptime": 3568140.0,
        "interface_list": ["port1", "port2", "ssl.root", "vlan20"],
    }
    assert connection.sent == [
        "get system status",
        "config global",
        "get system performance status",
        "end",
        "get system interface",
        "config global",
        "show system dns",
        "end",
    ]


def test_fortios_interfaces_combine_configuration_link_and_netlink() -> None:
    connection = RecordedConnection(
        {
            "get system status": fixture("kentops_fortios", "get_system_status.txt"),
            "show system interface": fixture("kentops_fortios", "show_system_interface.txt"),
            "get system interface physical": (
                "== [onboard]\n\t==[port1]\n\t\tmode: static\n\t\tstatus: up\n"
                "\t\tspeed: 1000Mbps (Duplex: full)\n\t==[port2]\n\t\tmode: static\n"
                "\t\tstatus: down\n\t\tspeed: n/a\n"
            ),
            "diagnose netlink interface list": fixture(
                "kentops_fortios", "diagnose_netlink_interface_list.txt"
            ),
        }
    )
    driver = FortiOSDriver("192.0.2.1", "admin", "secret")
    driver.device = connection
    interfaces = driver.get_interfaces()
    assert list(interfaces) == ["port1", "port2", "vlan20"]
    assert interfaces["port1"] == {
        "is_up": True,
        "is_enabled": True,
        "description": "LAN",
        "last_flapped": -1.0,
        "mtu": 1500,
        "speed": 1000.0,
        "mac_address": "70:4C:A5:12:34:56",
    }
    assert interfaces["port2"]["is_enabled"] is False
    assert interfaces["port2"]["description"] == 'Spare, do not "use"'
    assert interfaces["vlan20"]["mtu"] == 9000
    assert interfaces["vlan20"]["speed"] == -1.0


def test_fortios_sanitized_config_hides_encrypted_values_and_startup_is_running() -> None:
    shown = (
        'config system admin\n    edit "admin"\n        set password ENC SH2abc==\n    next\nend\n'
    )
    driver = FortiOSDriver("192.0.2.1", "admin", "secret")
    driver.device = RecordedConnection({"show": shown})
    config = driver.get_config(sanitized=True)
    assert "set password ENC <removed>" in config["running"]
    assert "SH2abc" not in config["running"]
    assert config["startup"] == config["running"]
    assert config["candidate"] == ""
    assert driver.get_config(retrieve="running")["startup"] == ""


@pytest.mark.parametrize(
    ("resource", "sanitized", "command"),
    [
        ("system_resource_print.txt", False, "/export show-sensitive"),
        ("system_resource_print.txt", True, "/export"),
        ("system_resource_print.v6.txt", False, "/export"),
        ("system_resource_print.v6.txt", True, "/export hide-sensitive"),
    ],
)
def test_routeros_export_flags_follow_the_major_version(
    resource: str, sanitized: bool, command: str
) -> None:
    connection = RecordedConnection(
        {
            "/system resource print without-paging": fixture("kentops_routeros", resource),
            command: "/system identity\nset name=r1\n",
            "/user print terse without-paging": "",
        },
        prompt="[admin@r1] >",
    )
    driver = RouterOSDriver("192.0.2.1", "admin", "secret")
    driver.device = connection
    config = driver.get_config(sanitized=sanitized)
    assert command in connection.sent
    assert config["running"] == config["startup"] == "/system identity\nset name=r1\n"


def test_routeros_backup_appends_the_local_users_the_export_leaves_out() -> None:
    terse = (
        ' 0   ;;; system default user\n     name=admin group=full address=""\n'
        ' 1   name="yerel acil" group=full last-logged-in=2026-12-07 10:00:00\n'
    )
    connection = RecordedConnection(
        {
            "/system resource print without-paging": fixture(
                "kentops_routeros", "system_resource_print.txt"
            ),
            "/export show-sensitive": "/system identity\nset name=r1\n",
            "/user print terse without-paging": terse,
        },
        prompt="[admin@r1] >",
    )
    driver = RouterOSDriver("192.0.2.1", "admin", "secret")
    driver.device = connection
    running = driver.get_config()["running"]
    assert running.endswith(
        '/user\nadd group=full name=admin\nadd group=full name="yerel acil"\n'
    ), running


def test_routeros_facts_of_a_cloud_router_have_no_serial_and_the_board_as_model() -> None:
    connection = RecordedConnection(
        {
            "/system resource print without-paging": fixture(
                "kentops_routeros", "system_resource_print.txt"
            ).replace("RB4011iGS+", "CHR"),
            "/system identity print without-paging": "  name: chr-edge\n",
            "/system routerboard print without-paging": fixture(
                "kentops_routeros", "system_routerboard_print.chr.txt"
            ),
            "/interface print terse without-paging": fixture(
                "kentops_routeros", "interface_print_terse.txt"
            ),
        },
        prompt="[admin@chr-edge] >",
    )
    driver = RouterOSDriver("192.0.2.1", "admin", "secret")
    driver.device = connection
    facts = driver.get_facts()
    assert facts["serial_number"] == ""
    assert facts["model"] == "CHR"
    assert facts["hostname"] == facts["fqdn"] == "chr-edge"
    assert facts["uptime"] == 3119828.0
    assert facts["interface_list"][:2] == ["ether1", "ether2"]
