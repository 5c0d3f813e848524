"""Helpers shared by the benchmarks: a cached generated inventory and timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def generated(devices: int = 5000, buildings: int = 50, seed: int = 1) -> Path:
    """A generated inventory of that size, written once and reused."""
    from kentops.inventory.generate import generate_inventory

    path = OUT / f"gen-{buildings}b-{devices}d-s{seed}"
    if not (path / "site.yml").is_file():
        path.mkdir(parents=True, exist_ok=True)
        generate_inventory(path, buildings, devices, seed)
    return path


def timed(fn: Callable[[], object], repeat: int = 3) -> dict[str, float]:
    """Median and best wall time of ``repeat`` runs, in seconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(runs), 3), "best_s": round(min(runs), 3)}
