"""Law 5651 archive: ingest rate (ISC dhcpd syslog and Kea logs), seal hashing against
``sha256sum``, and verify of a two-year (730-day) sealed archive.

* Ingest: the whole command a user runs, ``kentops log5651 ingest FILE --archive DIR`` (a
  fresh archive each time), on generated logs of ``LINES`` lines; lines per second of wall
  time. The library's parse alone and the ``re.finditer`` match-only floor on the same text
  are given beside it, to show where the time goes.
* Seal hashing: the SHA-256 kentops computes over a day's files (``store.sha256_file``, read in
  1 MiB chunks, and ``sha256_bytes`` over bytes in memory as ``seal`` does) against
  ``sha256sum`` on the same files in the same run; ratio = sha256sum time / kentops time.
* Verify: ``kentops log5651 verify --archive DIR`` (whole command) over 100, 365 and 730 days of
  a generated archive sealed day by day against a local lab TSA (generated once, kept in
  ``benchmarks/out/log5651-730``; sealing it takes a few minutes).

Standalone: ``uv run --frozen python benchmarks/bench_log5651.py`` prints JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT

REPO = Path(__file__).resolve().parent.parent
LINES = int(os.environ.get("KENTOPS_BENCH_LOG5651_LINES", "200000"))
DAYS = 730
FIRST = dt.date(2024, 12, 1)


def isc_log(lines: int) -> bytes:
    out = []
    for n in range(lines):
        s = n % 86400
        out.append(
            f"2026-12-03T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+03:00 dhcp01 "
            f"dhcpd[812]: DHCPACK on 10.10.{n // 250 % 250}.{n % 250 + 1} to "
            f"00:1e:67:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x} (pc-{n % 977}) via eth0"
        )
    return ("\n".join(out) + "\n").encode()


def kea_log(lines: int) -> bytes:
    out = []
    for n in range(lines):
        s = n % 86400
        out.append(
            f"2026-12-03 {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{n % 1000:03d} INFO  "
            f"[kea-dhcp4.leases/2101.1] DHCP4_LEASE_ALLOC [hwtype=1 52:54:00:{n >> 16 & 255:02x}:"
            f"{n >> 8 & 255:02x}:{n & 255:02x}], cid=[no info], tid=0x{n:x}: lease "
            f"10.10.{n // 250 % 250}.{n % 250 + 1} has been allocated for 3600 seconds"
        )
    return ("\n".join(out) + "\n").encode()


FLOOR = {
    "isc": re.compile(rb"^(\S+) (\S+) dhcpd\[\d+\]: DHCPACK on (\S+) to (\S+)", re.M),
    "kea": re.compile(rb"^(\S+ \S+) INFO  \[\S+\] DHCP4_LEASE_ALLOC \[hwtype=1 (\S+)\]", re.M),
}


def kentops(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kentops.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    return time.perf_counter() - start, done


def bench_ingest(name: str, data: bytes, work: Path) -> dict[str, Any]:
    from kentops.log5651.parsers import SourceContext, parse_bytes

    path = work / f"{name}.log"
    path.write_bytes(data)
    lines = data.count(b"\n")
    start = time.perf_counter()
    matched = sum(1 for _ in FLOOR[name].finditer(data))
    floor = time.perf_counter() - start
    ctx = SourceContext("bench", dt.datetime(2026, 12, 4, tzinfo=dt.UTC), source="bench")
    start = time.perf_counter()
    parsed = parse_bytes(data, ctx)
    parse_s = time.perf_counter() - start
    archive = work / f"archive-{name}"
    wall, done = kentops("log5651", "ingest", str(path), "--archive", str(archive), "--json")
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    report = json.loads(done.stdout)["inputs"][0]
    assert report["records"] == lines, report
    shutil.rmtree(archive)
    return {
        "lines": lines,
        "command_wall_s": round(wall, 2),
        "command_lines_per_s": round(lines / wall),
        "parse_only_lines_per_s": round(lines / parse_s),
        "parsed_records": len(parsed.records),
        "finditer_floor_lines_per_s": round(matched / floor),
    }


def bench_hashing(work: Path) -> dict[str, Any]:
    from kentops.log5651.store import sha256_bytes, sha256_file

    files = []
    for n in range(4):
        path = work / f"day-{n}.bin"
        path.write_bytes(os.urandom(64 << 20))
        files.append(path)
    size = sum(p.stat().st_size for p in files)
    subprocess.run(["sha256sum", *map(str, files)], capture_output=True, check=True)  # warm
    rows = {}
    for _attempt in range(3):
        start = time.perf_counter()
        ours = [sha256_file(p) for p in files]
        rows.setdefault("kentops_file", []).append(time.perf_counter() - start)
        start = time.perf_counter()
        for p in files:
            sha256_bytes(p.read_bytes())
        rows.setdefault("kentops_bytes", []).append(time.perf_counter() - start)
        start = time.perf_counter()
        done = subprocess.run(
            ["sha256sum", *map(str, files)], capture_output=True, text=True, check=True
        )
        rows.setdefault("sha256sum", []).append(time.perf_counter() - start)
        assert [line.split()[0] for line in done.stdout.splitlines()] == ours
    best = {k: min(v) for k, v in rows.items()}
    mib = size / (1 << 20)
    return {
        "bytes": size,
        "kentops_file_mib_s": round(mib / best["kentops_file"]),
        "kentops_bytes_mib_s": round(mib / best["kentops_bytes"]),
        "sha256sum_mib_s": round(mib / best["sha256sum"]),
        "ratio_file": round(best["sha256sum"] / best["kentops_file"], 3),
        "ratio_bytes": round(best["sha256sum"] / best["kentops_bytes"], 3),
    }


def sealed_archive() -> tuple[Path, Path]:
    """The generated 730-day archive (made once) and its TSA's PKI."""
    from kentops.lab.tsa import LabTsa, ensure_pki
    from kentops.log5651.archive import Archive, ingest
    from kentops.log5651.parsers import SourceContext
    from kentops.log5651.seal import seal
    from kentops.log5651.timestamp import TsaConfig

    root = OUT / "log5651-730"
    pki = ensure_pki(OUT / "log5651-pki")
    archive = Archive(root / "archive")
    if len(archive.sealed_days()) == DAYS:
        return archive.root, pki
    shutil.rmtree(root, ignore_errors=True)
    now = dt.datetime.combine(FIRST + dt.timedelta(days=DAYS), dt.time(9), tzinfo=dt.UTC)
    text = kea_log_days(DAYS)
    ctx = SourceContext("hq-srv-dhcp-01", now, source="hq-srv-dhcp-01")
    ingest(archive, text, "generated", ctx, now=now)
    with LabTsa(pki) as tsa:
        report = seal(archive, TsaConfig(tsa.url, pki / "root.pem", pki / "tsa.pem"), now=now)
    assert report.ok and len(report.outcomes) == DAYS
    return archive.root, pki


def kea_log_days(days: int, per_day: int = 20) -> bytes:
    out = []
    for d in range(days):
        day = FIRST + dt.timedelta(days=d)
        for n in range(per_day):
            out.append(
                f"{day.isoformat()} 10:{n:02d}:00.000 INFO  [kea-dhcp4.leases/1.1] "
                f"DHCP4_LEASE_ALLOC [hwtype=1 52:54:00:00:00:{n:02x}], cid=[no info], tid=0x1: "
                f"lease 10.10.20.{100 + n} has been allocated for 3600 seconds"
            )
    return ("\n".join(out) + "\n").encode()


def bench_verify() -> dict[str, Any]:
    root, pki = sealed_archive()
    out: dict[str, Any] = {}
    last = FIRST + dt.timedelta(days=DAYS - 1)
    for days in (100, 365, 730):
        first = last - dt.timedelta(days=days - 1)
        wall, done = kentops(
            "log5651", "verify", "--archive", str(root), "--from", first.isoformat(),
            "--to", last.isoformat(), "--tsa-root", str(pki / "root.pem"),
            "--tsa-cert", str(pki / "tsa.pem"), "--max-seal-delay", "100000", "--json",
        )  # fmt: skip
        report = json.loads(done.stdout)
        assert done.returncode == 0 and report["ok"] and len(report["days"]) == days
        out[f"verify_{days}_days_s"] = round(wall, 2)
    out["per_day_ms"] = round(1000 * (out["verify_730_days_s"] - out["verify_100_days_s"]) / 630, 2)
    return out


def run() -> dict[str, Any]:
    result: dict[str, Any] = {"load_avg": round(os.getloadavg()[0], 1)}
    with tempfile.TemporaryDirectory(prefix="bench-log5651-") as tmp:
        work = Path(tmp)
        result["ingest_isc"] = bench_ingest("isc", isc_log(LINES), work)
        result["ingest_kea"] = bench_ingest("kea", kea_log(LINES), work)
        result["seal_hashing"] = bench_hashing(work)
    result["verify"] = bench_verify()
    result["load_avg_end"] = round(os.getloadavg()[0], 1)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
