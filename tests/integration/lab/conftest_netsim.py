"""Shared pieces of the network simulator tests: device specs, the running pool, client
arguments for Netmiko and NAPALM, and a raw terminal client.

Imported explicitly by the ``test_netsim*`` modules (not a pytest conftest).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import napalm
import paramiko

from kentops.lab.netsim import Fault, SimDevice, SimInterface, SimNeighbor, SimulatorPool

USER = "netops"
PASSWORD = "Lab-Sifre-2026"  # lab-only credential
SECRET = "Lab-Enable-2026"  # lab-only enable secret

PROMPT_RE = re.compile(r"(?:[\w.\-]+(?:\([\w\-+]+\))?[>#]|<[\w.\-]+>|\[[\w.\-/]+\])\s*$")


def lab_device(values: dict[str, object], changes: dict[str, object]) -> SimDevice:
    """A device from ``values`` that logs in with the lab credentials, ``changes`` on top."""
    merged: dict[str, object] = {"username": USER, "password": PASSWORD, **values, **changes}
    return SimDevice(**merged)  # type: ignore[arg-type]


def ios_device(name: str = "hq-sw-core-01", **changes: object) -> SimDevice:
    """A Catalyst core switch with an uplink towards a Huawei access switch."""
    values: dict[str, object] = {
        "name": name,
        "hostname": name,
        "platform": "cisco_ios",
        "vendor": "Cisco",
        "model": "WS-C2960X-48FPD-L",
        "os_version": "15.2(7)E4",
        "serial": "FOC2101X0AB",
        "uptime_s": 3 * 86400 + 7200,
        "interfaces": [
            SimInterface("GigabitEthernet1/0/1", description="uplink hq-sw-acc-01", mode="trunk"),
            SimInterface("GigabitEthernet1/0/2", description="printer", enabled=False),
            SimInterface("GigabitEthernet1/0/3", mac="0011.2233.4455", speed_mbps=100),
            SimInterface("Vlan10", ipv4="10.10.0.2/24", mode="routed"),
        ],
        "neighbors": [SimNeighbor("GigabitEthernet1/0/1", "hq-sw-acc-01", "GE0/0/24")],
        "enable_secret": SECRET,
    }
    return lab_device(values, changes)


def vrp_device(name: str = "hq-sw-acc-01", **changes: object) -> SimDevice:
    """A Huawei S5735 access switch whose uplink faces the core."""
    values: dict[str, object] = {
        "name": name,
        "hostname": name,
        "platform": "huawei_vrp",
        "vendor": "Huawei",
        "model": "S5735-L48T4S-A",
        "os_version": "V200R019C00SPC500",
        "serial": "2102351931P0J3000020",
        "uptime_s": 86400 * 10,
        "interfaces": [
            SimInterface("GigabitEthernet0/0/1", description="office 101"),
            SimInterface("GigabitEthernet0/0/2", enabled=False),
            SimInterface("GigabitEthernet0/0/24", description="uplink hq-sw-core-01", mode="trunk"),
            SimInterface("Vlanif10", ipv4="10.10.0.3/24", mode="routed"),
        ],
        "neighbors": [SimNeighbor("GigabitEthernet0/0/24", "hq-sw-core-01", "Gi1/0/1")],
    }
    return lab_device(values, changes)


def faulty_devices() -> list[SimDevice]:
    """One device per fault kind (names say which)."""
    return [
        ios_device("lab-down", faults=[Fault("down")]),
        ios_device("lab-authfail", faults=[Fault("auth_fail")]),
        ios_device("lab-hang", faults=[Fault("hang_after_login")]),
        ios_device("lab-slow", faults=[Fault("slow", delay_s=0.5)]),
        ios_device("lab-reject", faults=[Fault("reject_command", command="snmp-server community")]),
        vrp_device("lab-reject-vrp", faults=[Fault("reject_command", command="snmp-agent")]),
    ]


def running_pool(base: Path, devices: list[SimDevice]) -> Iterator[SimulatorPool]:
    """A module fixture's body: ``devices`` served from ``base`` (host key, saved state)
    until the module is done."""
    simulator = SimulatorPool(base / "host_key", state_dir=base / "state")
    simulator.start(devices)
    yield simulator
    simulator.stop()


def netmiko_args(
    pool: SimulatorPool, name: str, device_type: str, **extra: object
) -> dict[str, object]:
    """ConnectHandler arguments for the lab user on device ``name`` (``extra`` on top)."""
    args: dict[str, object] = {
        "device_type": device_type,
        "host": "127.0.0.1",
        "port": pool.ports[name],
        "username": USER,
        "password": PASSWORD,
        "conn_timeout": 5,
        "auth_timeout": 5,
        "banner_timeout": 5,
    }
    args.update(extra)
    return args


@contextmanager
def napalm_open(
    pool: SimulatorPool, driver: str, name: str, **optional_args: object
) -> Iterator[Any]:
    """The NAPALM ``driver`` opened on device ``name`` as the lab user; closed afterwards."""
    device = napalm.get_network_driver(driver)(
        "127.0.0.1",
        USER,
        PASSWORD,
        timeout=10,
        optional_args={"port": pool.ports[name], **optional_args},
    )
    device.open()
    try:
        yield device
    finally:
        device.close()


class RawShell:
    """An interactive SSH terminal (paramiko) that reads up to the next prompt."""

    def __init__(self, port: int, username: str = USER, password: str = PASSWORD) -> None:
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(
            "127.0.0.1",
            port=port,
            username=username,
            password=password,
            look_for_keys=False,
            allow_agent=False,
            timeout=5,
        )
        self.channel = self.client.invoke_shell(width=512)
        self.channel.settimeout(5)
        self.login_text = self.read_until(PROMPT_RE)

    def read_until(self, pattern: re.Pattern[str], timeout: float = 5.0) -> str:
        data = ""
        deadline = time.monotonic() + timeout
        while not pattern.search(data):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {pattern.pattern!r} in {data!r}")
            try:
                chunk = self.channel.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            data += chunk.decode()
        return data

    def send(self, line: str, expect: re.Pattern[str] = PROMPT_RE) -> str:
        """Type ``line`` and Enter; return everything shown up to the next prompt."""
        self.channel.send(line + "\r")
        return self.read_until(expect).replace("\r\n", "\n")

    @staticmethod
    def prompt(output: str) -> str:
        return output.rstrip().rsplit("\n", 1)[-1]

    def close(self) -> None:
        self.client.close()


def wait_for_file(path: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.05)
