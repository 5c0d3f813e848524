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
    """Connection handling shared by CLI drivers with no enable mode."""

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
