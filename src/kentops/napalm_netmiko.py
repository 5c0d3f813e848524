"""Base of kentops' NAPALM drivers that read a device's CLI through Netmiko.

The drivers (``napalm_kentops_fortios``, ``napalm_kentops_routeros``) subclass it through this
module (``napalm_netmiko.NetmikoCliDriver``) rather than importing the class by name: NAPALM
returns the first ``NetworkDriver`` subclass found in a driver module's namespace, in name
order, and must find the driver, not its base.
"""

from __future__ import annotations

from typing import Any, ClassVar

import napalm.base
from napalm.base import models
from napalm.base.netmiko_helpers import netmiko_args


class NetmikoCliDriver(napalm.base.NetworkDriver):  # type: ignore[misc]
    """What CLI drivers with no enable mode and no separate startup configuration share.

    A driver supplies ``_running_config`` and ``_lldp_neighbours``; the NAPALM getters that
    shape their answers are here.
    """

    netmiko_device_type: ClassVar[str]

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        self.force_no_enable = True  # neither FortiOS nor RouterOS has an enable mode
        self.netmiko_optional_args = netmiko_args(optional_args or {})
        self.device: Any = None

    def open(self) -> None:
        self.device = self._netmiko_open(
            self.netmiko_device_type, netmiko_optional_args=self.netmiko_optional_args
        )

    def close(self) -> None:
        self._netmiko_close()

    def is_alive(self) -> models.AliveDict:
        if self.device is None:
            return {"is_alive": False}
        return {"is_alive": bool(self.device.is_alive())}

    def _running_config(self, full: bool, sanitized: bool) -> str:  # pragma: no cover
        """The running configuration as the device prints it."""
        raise NotImplementedError

    def _lldp_neighbours(self) -> dict[str, list[dict[str, str]]]:  # pragma: no cover
        """Neighbours per local interface, each with ``hostname`` and ``port``."""
        raise NotImplementedError

    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,
        sanitized: bool = False,
        format: str = "text",
    ) -> models.ConfigDict:
        """Running configuration; startup is the same text (every change is saved at once)."""
        if format != "text":
            # NAPALM's way to say a getter option is not supported by this platform
            raise NotImplementedError(f"{self.platform} configurations are text only")
        running = (
            self._running_config(full, sanitized)
            if retrieve in ("all", "running", "startup")
            else ""
        )
        return {
            "running": running if retrieve in ("all", "running") else "",
            "startup": running if retrieve in ("all", "startup") else "",
            "candidate": "",
        }

    def get_lldp_neighbors(self) -> dict[str, list[models.LLDPNeighborDict]]:
        return {
            local: [{"hostname": n["hostname"], "port": n["port"]} for n in items]
            for local, items in self._lldp_neighbours().items()
        }
