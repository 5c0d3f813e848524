"""Simulated network devices (Cisco IOS, Huawei VRP) over SSH on loopback, for the lab.

Each device keeps a running and a startup configuration that real clients change:
Netmiko, NAPALM (``ios``, ``huawei_vrp``) and Ansible ``network_cli`` talk to it as to a
switch. Faults (down, auth_fail, hang_after_login, slow, reject_command) are declared per
device. See :class:`SimulatorPool` and ``python -m kentops.lab.netsim serve --help``.
"""

from kentops.lab.netsim.model import (
    Fault,
    SimDevice,
    SimInterface,
    SimNeighbor,
    devices_from_json,
    devices_to_json,
)
from kentops.lab.netsim.server import SimulatorPool

__all__ = [
    "Fault",
    "SimDevice",
    "SimInterface",
    "SimNeighbor",
    "SimulatorPool",
    "devices_from_json",
    "devices_to_json",
]
