"""A NAPALM driver for MikroTik RouterOS (6.x and 7.x) routers, over Netmiko's SSH.

``napalm.get_network_driver("kentops_routeros")`` finds it (NAPALM looks for a module named
``napalm_<driver>``). Read-only getters: ``get_facts``, ``get_config``, ``get_interfaces``,
``get_lldp_neighbors``. Optional arguments are Netmiko's (``port``, ``conn_timeout``, ...).

What each getter reads:

- facts: ``/system resource print`` (version, uptime, board), ``/system identity print``,
  ``/system routerboard print`` (serial and model; a CHR has neither) and ``/interface
  print terse`` (interface list). RouterOS has no domain name: the FQDN is the identity.
- interfaces: ``/interface print terse`` (flags, comment, MTU, MAC) and ``/interface
  ethernet print terse`` (the configured speed; RouterOS shows the negotiated rate only in
  ``monitor``). Speed is ``-1.0`` for interfaces that are not ethernet ports.
- LLDP neighbours: ``/ip neighbor print detail`` (entries found by LLDP; RouterOS lists
  none when ``/ip neighbor discovery-settings`` has ``discover-interface-list=none``).
- config: ``/export show-sensitive`` on RouterOS 7, ``/export`` on 6 (secrets left out when
  ``sanitized``; ``verbose`` with ``full=True``). RouterOS applies every command at once,
  so the startup configuration is the running one.
"""

from __future__ import annotations

from typing import Any

from napalm.base import models
from napalm.base.helpers import mac as normal_mac

from kentops import napalm_netmiko
from napalm_kentops_routeros.parsers import (
    parse_ethernet_speeds,
    parse_interfaces,
    parse_key_values,
    parse_neighbors,
    parse_print_items,
    parse_system_resource,
)

__all__ = ["RouterOSDriver"]


# NAPALM returns the first NetworkDriver subclass of this module's namespace, in name order:
# the base class is reached through its module so that it is not one of them.
class RouterOSDriver(napalm_netmiko.NetmikoCliDriver):
    """RouterOS over SSH (Netmiko device type ``mikrotik_routeros``)."""

    platform = "routeros"
    netmiko_device_type = "mikrotik_routeros"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._version: str | None = None

    def _send(self, command: str) -> str:
        if self.device is None:
            raise RuntimeError("not connected: call open() first")
        return str(self.device.send_command(command, read_timeout=max(self.timeout, 10)))

    def _major_version(self) -> int:
        """6 or 7: the two export flags for secrets differ between them."""
        if self._version is None:
            resource = parse_system_resource(self._send("/system resource print without-paging"))
            self._version = str(resource["version"])
        major = self._version.split(".", 1)[0]
        return int(major) if major.isdigit() else 7

    # -- getters ---------------------------------------------------------------------------

    def get_facts(self) -> models.FactsDict:
        resource = parse_system_resource(self._send("/system resource print without-paging"))
        identity = parse_key_values(self._send("/system identity print without-paging"))
        board = parse_key_values(self._send("/system routerboard print without-paging"))
        interfaces = parse_interfaces(self._send("/interface print terse without-paging"))
        self._version = str(resource["version"])
        is_board = board.get("routerboard") == "yes"
        hostname = identity.get("name", "")
        return {
            "hostname": hostname,
            "fqdn": hostname,
            "vendor": "MikroTik",
            "model": (board.get("model") if is_board else "") or str(resource["board_name"]),
            "serial_number": board.get("serial-number", "") if is_board else "",
            "os_version": str(resource["version"]),
            "uptime": float(resource["uptime"]),
            "interface_list": list(interfaces),
        }

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        interfaces = parse_interfaces(self._send("/interface print terse without-paging"))
        speeds = parse_ethernet_speeds(self._send("/interface ethernet print terse without-paging"))
        out: dict[str, models.InterfaceDict] = {}
        for name, item in interfaces.items():
            raw_mac = str(item["mac_address"])
            out[name] = {
                "is_up": bool(item["running"]),
                "is_enabled": bool(item["enabled"]),
                "description": str(item["comment"]),
                "last_flapped": -1.0,
                "mtu": int(item["mtu"]),
                "speed": speeds.get(name, -1.0),
                "mac_address": normal_mac(raw_mac) if raw_mac else "",
            }
        return out

    def _lldp_neighbours(self) -> dict[str, list[dict[str, str]]]:
        return parse_neighbors(self._send("/ip neighbor print detail without-paging"))

    def _running_config(self, full: bool, sanitized: bool) -> str:
        command = "/export" + (" verbose" if full else "")
        if self._major_version() >= 7:
            command += "" if sanitized else " show-sensitive"
        else:
            command += " hide-sensitive" if sanitized else ""
        export = self._send(command)
        users = parse_print_items(self._send("/user print terse without-paging"))
        names = [(u.get("group", ""), u["name"]) for u in users if u.get("name")]
        if not names:
            return export
        section = ["/user"] + [f"add group={_quoted(g)} name={_quoted(n)}" for g, n in names]
        return export.rstrip("\n") + "\n" + "\n".join(section) + "\n"


def _quoted(value: str) -> str:
    """A value as an export writes it: bare when it has no space, quote or backslash."""
    if value and not any(c in value for c in ' "\\;=[]'):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
