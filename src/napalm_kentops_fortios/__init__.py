"""A NAPALM driver for FortiGate firewalls (FortiOS 6.4 and later), over Netmiko's SSH.

``napalm.get_network_driver("kentops_fortios")`` finds it (NAPALM looks for a module named
``napalm_<driver>``). Read-only getters: ``get_facts``, ``get_config``, ``get_interfaces``,
``get_lldp_neighbors``. Optional arguments are Netmiko's (``port``, ``conn_timeout``, ...).

What each getter reads:

- facts: ``get system status``, ``get system performance status`` (uptime), ``get system
  interface`` (interface list) and ``show system dns`` (the domain of the FQDN).
- interfaces: ``show system interface`` (alias or description, admin status),
  ``get system interface physical`` (link, speed) and ``diagnose netlink interface list``
  (MTU, MAC, link of the other interfaces). Speed is ``-1.0`` where FortiOS reports none.
- LLDP neighbours: ``diagnose lldprx neighbor summary`` (FortiOS lists neighbours only on
  ports that receive LLDP: ``set lldp-reception``, by default WAN-role ports).
- config: ``show`` (``show full-configuration`` with ``full=True``). FortiOS writes every
  change to flash when it is made, so the startup configuration is the running one.

With VDOMs enabled, the global commands run inside ``config global``.
"""

from __future__ import annotations

import re
from typing import Any

from napalm.base import models
from napalm.base.helpers import mac as normal_mac

from kentops import napalm_netmiko
from napalm_kentops_fortios.parsers import (
    parse_config,
    parse_interface_names,
    parse_interface_physical,
    parse_lldp_neighbors,
    parse_netlink_interfaces,
    parse_performance_status,
    parse_system_status,
)

__all__ = ["FortiOSDriver"]

_SECRET_RE = re.compile(r"^(\s*set \S+ ENC )\S+", re.M)


# NAPALM returns the first NetworkDriver subclass of this module's namespace, in name order:
# the base class is reached through its module so that it is not one of them.
class FortiOSDriver(napalm_netmiko.NetmikoCliDriver):
    """FortiOS over SSH (Netmiko device type ``fortinet``)."""

    platform = "fortios"
    netmiko_device_type = "fortinet"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._vdom_mode: bool | None = None

    def _send(self, command: str) -> str:
        if self.device is None:
            raise RuntimeError("not connected: call open() first")
        prompt = re.escape(self.device.base_prompt.strip())
        return str(
            self.device.send_command(
                command,
                expect_string=prompt + r"\s*(?:\([^)]*\)\s*)?[#$]\s*$",
                read_timeout=max(self.timeout, 10),
            )
        )

    def _global(self, command: str) -> str:
        """A command of the global context (``config global`` first when VDOMs are on)."""
        if self._vdom_mode is None:
            self._vdom_mode = parse_system_status(self._send("get system status"))["vdom_mode"]
        if not self._vdom_mode:
            return self._send(command)
        self._send("config global")
        try:
            return self._send(command)
        finally:
            self._send("end")

    # -- getters ---------------------------------------------------------------------------

    def get_facts(self) -> models.FactsDict:
        status = parse_system_status(self._send("get system status"))
        self._vdom_mode = bool(status["vdom_mode"])
        uptime = parse_performance_status(self._global("get system performance status"))
        names = parse_interface_names(self._send("get system interface"))
        dns = parse_config(self._global("show system dns")).get("system dns", {})
        domain = dns.get("settings", {}).get("domain", "")
        hostname = str(status["hostname"])
        return {
            "hostname": hostname,
            "fqdn": f"{hostname}.{domain}" if domain else hostname,
            "vendor": "Fortinet",
            "model": str(status["model"]),
            "serial_number": str(status["serial_number"]),
            "os_version": str(status["version"]),
            "uptime": float(uptime["uptime"]),
            "interface_list": names,
        }

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        config = parse_config(self._send("show system interface")).get("system interface", {})
        entries: dict[str, dict[str, str]] = config.get("entries", {})
        physical = parse_interface_physical(self._global("get system interface physical"))
        netlink = parse_netlink_interfaces(self._global("diagnose netlink interface list"))
        names = list(entries) + [n for n in physical if n not in entries]
        interfaces: dict[str, models.InterfaceDict] = {}
        for name in names:
            settings = entries.get(name, {})
            port = physical.get(name)
            link = netlink.get(name, {})
            enabled = settings.get("status", "up") != "down"
            if port is not None:
                up = enabled and port["status"] == "up"
                speed = float(port["speed"])
            else:
                up = enabled and bool(link.get("running", False))
                speed = -1.0
            raw_mac = str(link.get("mac", ""))
            interfaces[name] = {
                "is_up": up,
                "is_enabled": enabled,
                "description": settings.get("description") or settings.get("alias", ""),
                "last_flapped": -1.0,
                "mtu": int(link.get("mtu", settings.get("mtu", 1500))),
                "speed": speed,
                "mac_address": normal_mac(raw_mac) if raw_mac else "",
            }
        return interfaces

    def _lldp_neighbours(self) -> dict[str, list[dict[str, str]]]:
        return parse_lldp_neighbors(self._global("diagnose lldprx neighbor summary"))

    def _running_config(self, full: bool, sanitized: bool) -> str:
        running = self._send("show full-configuration" if full else "show")
        return _SECRET_RE.sub(r"\1<removed>", running) if sanitized else running
