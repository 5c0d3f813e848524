"""Run every benchmark (benchmarks/bench_*.py, each with run() -> dict) and print the figures.

`make bench` calls this. Results also go to benchmarks/out/results.json; the measured figures
and the command are recorded by hand in benchmarks/README.md.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = sys.argv[1:]
    results = {}
    failed = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            results[name] = module.run()
        except Exception as exc:  # a broken benchmark is reported, the others still run
            failed.append(name)
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        results[name]["bench_wall_s"] = round(time.perf_counter() - start, 2)
        print(json.dumps(results[name], indent=2, ensure_ascii=False), flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    results["_machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
