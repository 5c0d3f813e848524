"""Two hundred simulated devices in one pool: all answer SSH, and stop leaves no listener.

This checks correctness at the lab's size; the timings are measured by
``benchmarks/bench_netsim.py``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kentops.lab.netsim import SimDevice, SimInterface, SimulatorPool
from tests.integration.lab.conftest_netsim import RawShell, ios_device, vrp_device

pytestmark = pytest.mark.lab

COUNT = 200


def _fleet() -> list[SimDevice]:
    fleet: list[SimDevice] = []
    for index in range(COUNT):
        name = f"site{index // 10:02d}-sw-{index % 10:02d}"
        if index % 2:
            ports = [SimInterface(f"GigabitEthernet0/0/{p}") for p in range(1, 25)]
            fleet.append(vrp_device(name, interfaces=ports, neighbors=[]))
        else:
            ports = [SimInterface(f"GigabitEthernet1/0/{p}") for p in range(1, 25)]
            fleet.append(ios_device(name, interfaces=ports, neighbors=[]))
    return fleet


async def _banners(ports: list[int]) -> list[bytes]:
    async def banner(port: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(reader.readline(), timeout=5)
        finally:
            writer.close()

    return await asyncio.gather(*(banner(port) for port in ports))


async def _refused(ports: list[int]) -> list[bool]:
    async def refused(port: int) -> bool:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            return True
        writer.close()
        return False

    return await asyncio.gather(*(refused(port) for port in ports))


def test_two_hundred_devices_answer_and_stop_cleanly(tmp_path: Path) -> None:
    fleet = _fleet()
    pool = SimulatorPool(tmp_path / "host_key")
    try:
        ports = pool.start(fleet)
        assert len(set(ports.values())) == COUNT
        banners = asyncio.run(_banners(list(ports.values())))
        assert all(b.startswith(b"SSH-2.0-Cisco-") for b in banners[0::2])
        assert all(b.startswith(b"SSH-2.0-HUAWEI-") for b in banners[1::2])
        for device in (fleet[0], fleet[-1]):
            shell = RawShell(ports[device.name])
            try:
                assert device.name in shell.prompt(shell.login_text)
            finally:
                shell.close()
    finally:
        pool.stop()
    assert all(asyncio.run(_refused(list(ports.values()))))
