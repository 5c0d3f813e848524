"""kill -9 at many points of ingest and seal (KENTOPS_LOG5651_CRASH_AT): a re-run completes
the days and the sealed archive holds every line exactly once, and verifies."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kentops.log5651.archive import Archive
from kentops.log5651.store import CRASH_ENV
from kentops.log5651.timestamp import TsaConfig
from kentops.log5651.verify import verify
from tests.unit.log5651.conftest import (  # noqa: F401 (fixtures)
    LATE_OK,
    kea_lines,
    tsa_config,
    tsa_pki,
)

pytestmark = pytest.mark.slow

FIRST = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 10, 4, 9, 0, tzinfo=dt.UTC)
DRIVER = """
import datetime as dt, sys
from pathlib import Path
from kentops.log5651.archive import Archive, ingest
from kentops.log5651.parsers import SourceContext
from kentops.log5651.seal import seal
from kentops.log5651.store import archive_lock
from kentops.log5651.timestamp import TsaConfig
action, root, log, url, ca, cert = sys.argv[1:7]
now = dt.datetime(2026, 10, 4, 9, 0, tzinfo=dt.UTC)
archive = Archive(Path(root))
with archive_lock(archive.root):
    if action == "ingest":
        ctx = SourceContext("hq-srv-dhcp-01", now, source="hq-srv-dhcp-01")
        ingest(archive, Path(log).read_bytes(), log, ctx, now=now)
    elif action == "prune":
        from kentops.log5651.prune import prune
        config = TsaConfig(url, Path(ca), Path(cert))
        later = now + dt.timedelta(days=730 + 5)
        report = prune(archive, config, apply=True, now=later, max_delay=dt.timedelta(days=9999))
        sys.exit(0 if report.ok else 1)
    else:
        report = seal(archive, TsaConfig(url, Path(ca), Path(cert)), now=now)
        sys.exit(0 if report.ok else 1)
"""

INGEST_POINTS = [
    "write:before-rename@1",
    "write:before-rename@2",
    "write:before-rename@3",
    "write:before-rename@4",
    "ingest:after-batch@1",
    "ingest:after-batch@2",
    "ingest:after-batch@3",
    "ingest:before-ledger",
]
SEAL_POINTS = [
    "write:before-rename@1",
    "write:before-rename@2",
    "write:before-rename@5",
    "write:before-rename@9",
    "seal:after-file@1",
    "seal:after-file@3",
    "seal:after-file@7",
    "seal:before-token@1",
    "seal:before-token@2",
    "seal:after-token@1",
    "seal:after-token@3",
]


def run(action: str, root: Path, log: Path, config: TsaConfig, crash: str | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash:
        env[CRASH_ENV] = crash
    args = [action, str(root), str(log), config.url, str(config.root_cert), str(config.tsa_cert)]
    return subprocess.run(
        [sys.executable, "-c", DRIVER, *args], env=env, check=False, timeout=120
    ).returncode


def check_complete(root: Path, config: TsaConfig) -> None:
    archive = Archive(root)
    report = verify(archive, config, now=NOW, max_delay=LATE_OK)
    assert report.ok, [d.problems for d in report.days]
    assert [d.day for d in report.days] == [FIRST + dt.timedelta(days=n) for n in range(3)]
    for day in report.days:
        manifest = archive.manifest(day.day)
        source = manifest["sources"]["hq-srv-dhcp-01"]
        assert (manifest["records"], source["lines"]) == (4, 4), day.day
        assert len(list(archive.records(day.day))) == 4
    assert not archive.open_days()
    assert not list((root / "days").rglob(".*.tmp"))  # no half-written file in a sealed day


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "kea.log"
    path.write_text("".join(kea_lines(FIRST + dt.timedelta(days=n)) for n in range(3)))
    return path


@pytest.mark.parametrize("point", INGEST_POINTS)
def test_kill_during_ingest(
    point: str,
    log: Path,
    tmp_path: Path,
    tsa_config: TsaConfig,  # noqa: F811
) -> None:
    root = tmp_path / "archive"
    assert run("ingest", root, log, tsa_config, crash=point) == -9
    assert run("ingest", root, log, tsa_config) == 0
    assert run("ingest", root, log, tsa_config) == 0  # a third run adds nothing
    assert run("seal", root, log, tsa_config) == 0
    check_complete(root, tsa_config)


@pytest.mark.parametrize("point", SEAL_POINTS)
def test_kill_during_seal(
    point: str,
    log: Path,
    tmp_path: Path,
    tsa_config: TsaConfig,  # noqa: F811
) -> None:
    root = tmp_path / "archive"
    assert run("ingest", root, log, tsa_config) == 0
    assert run("seal", root, log, tsa_config, crash=point) == -9
    assert run("ingest", root, log, tsa_config) == 0  # re-ingesting after the kill adds nothing
    assert run("seal", root, log, tsa_config) == 0
    check_complete(root, tsa_config)


PRUNE_POINTS = [
    "write:before-rename@1",
    "prune:after-event",
    "write:before-rename@2",
    "prune:after-list",
]


@pytest.mark.parametrize("point", PRUNE_POINTS)
def test_kill_during_prune(
    point: str,
    log: Path,
    tmp_path: Path,
    tsa_config: TsaConfig,  # noqa: F811
) -> None:
    root = tmp_path / "archive"
    assert run("ingest", root, log, tsa_config) == 0
    assert run("seal", root, log, tsa_config) == 0
    assert run("prune", root, log, tsa_config, crash=point) == -9
    assert run("prune", root, log, tsa_config) == 0
    archive = Archive(root)
    days = [FIRST + dt.timedelta(days=n) for n in range(3)]
    assert not any(archive.day_dir(d).exists() for d in days)
    assert sorted(archive.pruned()) == [d.isoformat() for d in days]
    report = verify(archive, tsa_config, days[0], days[2], now=NOW, max_delay=LATE_OK)
    assert report.ok and {d.status for d in report.days} == {"pruned"}
    events = [p for d in archive.open_days() for p in archive.open_files(d)]
    assert events  # the removal is logged, to be sealed with the day it happened on


def test_kill_before_the_ledger_then_seal_then_ingest_again(
    log: Path,
    tmp_path: Path,
    tsa_config: TsaConfig,  # noqa: F811
) -> None:
    """The batch was written, its ledger entry was not, and the days were sealed with it: the
    next ingest of the same file finds the batch in the sealed manifests and adds nothing
    (not even as late lines)."""
    root = tmp_path / "archive"
    assert run("ingest", root, log, tsa_config, crash="ingest:before-ledger") == -9
    assert run("seal", root, log, tsa_config) == 0
    assert run("ingest", root, log, tsa_config) == 0
    assert not Archive(root).open_days()
    check_complete(root, tsa_config)
