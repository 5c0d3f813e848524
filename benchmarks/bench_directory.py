"""Benchmark: the lab's domain controllers (Samba AD DCs) up, read over LDAPS, down.

Times the commands a user runs: `kentops lab up inventories/demo --only directory` (whole
command, interpreter start included; the output says whether the provisioned directory came
from the lab cache or was provisioned in this run, and how long the provision took), one
LDAPS read of each DC's directory (what the directory_state collector does), and
`kentops lab down`. Run standalone as root: `uv run --frozen python benchmarks/bench_directory.py`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KENTOPS = str(Path(sys.executable).parent / "kentops")


def _kentops(env: dict[str, str], *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [KENTOPS, *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"kentops {' '.join(args)}: {done.stdout}{done.stderr}")
    return wall, done.stdout


def run() -> dict[str, object]:
    from kentops.lab.hosts.lab import prerequisites
    from kentops.lab.state import read_state
    from kentops.servers import directory

    problems = prerequisites()
    if problems:
        return {"name": "lab_directory", "skipped": "; ".join(problems)}
    with tempfile.TemporaryDirectory(prefix="kentops-bench-dir-") as lab_dir:
        env = {**os.environ, "KENTOPS_LAB_DIR": lab_dir}
        up_s, out = _kentops(env, "lab", "up", "inventories/demo", "--only", "directory")
        try:
            state = read_state(Path(lab_dir))
            assert state is not None
            dcs = sorted(k for k, e in state.endpoints.items() if e.service == "ldap")
            start = time.perf_counter()
            accounts = 0
            for dc in dcs:
                ep = state.endpoints[dc]
                connection = directory.connect(
                    ep.address, ep.port, ep.username, ep.password or "", ca_file=ep.ca_file
                )
                accounts += len(directory.read(connection, "DC=ornek,DC=bel,DC=tr")["users"])
                connection.unbind()
            read_s = time.perf_counter() - start
        finally:
            down_s, _ = _kentops(env, "lab", "down")
    provisioned = [float(s) for s in re.findall(r"provisioned in ([\d.]+) s", out)]
    with open("/proc/loadavg", encoding="ascii") as handle:
        load = float(handle.read().split()[0])
    return {
        "name": "lab_directory",
        "dcs": len(dcs),
        "directory_from_cache": not provisioned,
        "provision_seconds_per_dc": provisioned or None,
        "lab_up_wall_s": round(up_s, 2),
        "ldaps_read_all_dcs_s": round(read_s, 3),
        "accounts_read": accounts,
        "lab_down_wall_s": round(down_s, 2),
        "load_average": load,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
