"""Benchmark: bring 10 Debian lab hosts up (until every sshd answers) and down again.

The image is built first if the cache lacks it (reported separately, not timed as up).
Run standalone as root: `uv run --frozen python benchmarks/bench_hosts.py` prints JSON.
Cache directory: $KENTOPS_LAB_CACHE, default ~/.cache/kentops/lab.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from kentops.lab.hosts import HostLab, HostSpec, ensure_image, prerequisites, run_leftovers
from kentops.lab.hosts.image import image_info
from kentops.lab.hosts.system import netns_id, processes

HOSTS = 10


def _pss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total


def run(hosts: int = HOSTS) -> dict[str, object]:
    problems = prerequisites()
    if problems:
        return {"name": "lab_hosts_up_down", "skipped": "; ".join(problems)}
    cache = Path(os.environ.get("KENTOPS_LAB_CACHE", "~/.cache/kentops/lab")).expanduser()
    started = time.monotonic()
    ensure_image(cache)
    ensure_seconds = time.monotonic() - started
    info = image_info(cache) or {}

    with tempfile.TemporaryDirectory(prefix="kentops-bench-") as state:
        lab = HostLab(Path(state), cache)
        specs = [HostSpec(f"bench-{i:02d}", f"bench{i:02d}") for i in range(hosts)]
        t0 = time.monotonic()
        try:
            lab.up(specs)
            up_seconds = time.monotonic() - t0
            ids = {i for h in lab.status() if (i := netns_id(h.netns)) is not None}
            pids = [p.pid for p in processes(with_env=False) if p.netns in ids]
            pss_kib = _pss_kib(pids)
            uppers = list((Path(state) / "hosts").glob("*/upper"))
            upper_kib = sum(
                f.lstat().st_size for u in uppers for f in u.rglob("*") if f.is_file()
            ) // (1024 * hosts)
        finally:
            t1 = time.monotonic()
            lab.down()
            down_seconds = time.monotonic() - t1
        left = run_leftovers(lab.run_id)

    return {
        "name": "lab_hosts_up_down",
        "hosts": hosts,
        "up_seconds": round(up_seconds, 2),
        "down_seconds": round(down_seconds, 2),
        "pss_mib_per_host": round(pss_kib / 1024 / hosts, 1),
        "overlay_kib_per_host_after_boot": upper_kib,
        "processes_per_host": round(len(pids) / hosts, 1),
        "leftovers": len(left),
        "image_key": info.get("key"),
        "image_build_seconds": info.get("build_seconds"),
        "image_ready_seconds": round(ensure_seconds, 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
