"""Start and stop 200 simulated network devices in one pool (one loop, one host key).

Target on 2 cores: start <= 10 s, stop <= 5 s. Also reported: the time for every port to
answer an SSH banner, and one full login + ``show version`` while all 200 run.
Standalone: ``uv run --frozen python benchmarks/bench_netsim.py`` prints JSON.
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kentops.lab.netsim import SimDevice

DEVICES = 200
REPEAT = 3


def _devices(count: int) -> list[SimDevice]:
    from kentops.lab.netsim import SimDevice, SimInterface, SimNeighbor

    devices: list[SimDevice] = []
    for index in range(count):
        vrp = index % 2 == 1
        name = f"bench-sw-{index:03d}"
        prefix = "GigabitEthernet0/0/" if vrp else "GigabitEthernet1/0/"
        devices.append(
            SimDevice(
                name=name,
                hostname=name,
                platform="huawei_vrp" if vrp else "cisco_ios",
                vendor="Huawei" if vrp else "Cisco",
                model="S5735-L48T4S-A" if vrp else "WS-C2960X-48FPD-L",
                os_version="V200R019C00SPC500" if vrp else "15.2(7)E4",
                serial=f"SN{index:08d}",
                interfaces=[SimInterface(f"{prefix}{port}") for port in range(1, 29)],
                neighbors=[SimNeighbor(f"{prefix}1", f"bench-sw-{(index + 1) % count:03d}", "x")],
                username="bench",
                password="bench-only",
            )
        )
    return devices


def _banner(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        return sock.recv(64)


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _login(port: int) -> float:
    import paramiko

    started = time.perf_counter()
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        "127.0.0.1",
        port=port,
        username="bench",
        password="bench-only",
        look_for_keys=False,
        allow_agent=False,
    )
    _stdin, stdout, _stderr = client.exec_command("show version")
    assert b"Processor board ID" in stdout.read()
    client.close()
    return time.perf_counter() - started


def run() -> dict[str, object]:
    from kentops.lab.netsim import SimulatorPool
    from kentops.lab.netsim.server import load_host_key

    devices = _devices(DEVICES)
    starts: list[float] = []
    stops: list[float] = []
    banners: list[float] = []
    logins: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "host_key"
        load_host_key(key)  # create the key outside the measurement
        for _ in range(REPEAT):
            pool = SimulatorPool(key)
            started = time.perf_counter()
            ports = pool.start(devices)
            starts.append(time.perf_counter() - started)
            started = time.perf_counter()
            answered = sum(_banner(port).startswith(b"SSH-2.0-") for port in ports.values())
            banners.append(time.perf_counter() - started)
            logins.append(_login(ports[devices[0].name]))
            started = time.perf_counter()
            pool.stop()
            stops.append(time.perf_counter() - started)
            if answered != DEVICES or not all(_refused(p) for p in ports.values()):
                raise RuntimeError("a device did not answer, or still listens after stop")
        state_dir = Path(tmp) / "state"
        persistent: dict[str, float] = {}
        for round_name in ("first", "restart"):
            pool = SimulatorPool(key, state_dir=state_dir)
            started = time.perf_counter()
            pool.start(devices)
            persistent[f"start_{round_name}_s"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            pool.stop()
            persistent[f"stop_{round_name}_s"] = round(time.perf_counter() - started, 3)
    return {
        "devices": DEVICES,
        "start_median_s": round(statistics.median(starts), 3),
        "start_max_s": round(max(starts), 3),
        "stop_median_s": round(statistics.median(stops), 3),
        "stop_max_s": round(max(stops), 3),
        "all_banners_s": round(statistics.median(banners), 3),
        "login_show_version_s": round(statistics.median(logins), 3),
        "with_state_dir": persistent,
        "target": "start <= 10 s, stop <= 5 s (2 cores)",
    }


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=2)
    sys.stdout.write("\n")
