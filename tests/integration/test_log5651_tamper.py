"""Tampering with a generated two-year (730-day) archive, sealed day by day against the lab
TSA: a flipped byte in a raw file, in the normalized records and in a manifest, a deleted day,
two days swapped, a truncated file, a replaced token and a token of another TSA. One
verification of all 730 days names each fault at its day and file, and every other day
verifies."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kentops.lab.tsa import LabTsa, make_pki
from kentops.log5651.archive import MANIFEST, TOKEN, Archive
from kentops.log5651.seal import seal
from kentops.log5651.timestamp import TsaConfig, request_token
from kentops.log5651.verify import verify
from tests.unit.log5651.conftest import (  # noqa: F401 (fixtures)
    LATE_OK,
    add,
    kea_lines,
    tsa_config,
    tsa_pki,
)

pytestmark = pytest.mark.slow

FIRST = dt.date(2024, 12, 1)
DAYS = 730
NOW = dt.datetime.combine(FIRST + dt.timedelta(days=DAYS), dt.time(9), tzinfo=dt.UTC)
RAW = "raw/hq-srv-dhcp-01.log.gz"


def day(n: int) -> dt.date:
    return FIRST + dt.timedelta(days=n)


def generate(root: Path, config: TsaConfig) -> Archive:
    """730 small days (three allocations and a release each), every one sealed."""
    archive = Archive(root)
    add(archive, "".join(kea_lines(day(n)) for n in range(DAYS)), now=NOW)
    report = seal(archive, config, now=NOW)
    assert report.ok and len(report.outcomes) == DAYS
    return archive


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory, tsa_config: TsaConfig) -> Iterator[Path]:  # noqa: F811
    shm = Path("/dev/shm")
    base = Path(os.environ.get("KENTOPS_TEST_FAST_DIR", shm if shm.is_dir() else "/tmp"))
    folder = Path(tmp_path_factory.mktemp("unused").name)
    root = base / f"kentops-log5651-{os.getpid()}-{folder}"
    generate(root, tsa_config)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def flip(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_every_tampering_is_named_at_its_day_and_file(
    sealed: Path,
    tsa_config: TsaConfig,  # noqa: F811
    tsa_pki: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    archive = Archive(sealed)
    clean = verify(archive, tsa_config, now=NOW, max_delay=LATE_OK)
    assert clean.ok and len(clean.days) == DAYS, [d.problems for d in clean.days if d.problems]

    d = archive.day_dir
    flip(d(day(100)) / RAW)
    flip(d(day(200)) / "records.jsonl.gz")
    manifest = d(day(300)) / MANIFEST
    text = manifest.read_text()
    manifest.write_text(text.replace('"records": 4', '"records": 5', 1))
    shutil.rmtree(d(day(400)))
    swap = sealed / "swap"
    d(day(500)).rename(swap)
    d(day(501)).rename(d(day(500)))
    swap.rename(d(day(501)))
    raw = d(day(600)) / RAW
    raw.write_bytes(raw.read_bytes()[:-7])
    shutil.copy(d(day(649)) / TOKEN, d(day(650)) / TOKEN)
    rogue_pki = make_pki(tmp_path / "rogue", "rogue TSA")
    with LabTsa(rogue_pki) as rogue:
        rogue_config = TsaConfig(rogue.url, rogue_pki / "root.pem", rogue_pki / "tsa.pem")
        body = (d(day(700)) / MANIFEST).read_bytes()
        (d(day(700)) / TOKEN).write_bytes(request_token(body, rogue_config))

    report = verify(archive, tsa_config, now=NOW, max_delay=LATE_OK)
    assert not report.ok and len(report.days) == DAYS
    faults = {r.day: " | ".join(r.problems) for r in report.days if r.problems}
    expected = {
        100: f"{RAW} was changed after sealing",
        200: "records.jsonl.gz was changed after sealing",
        300: "the token's imprint is not the SHA-256 of manifest.json",
        301: f"the SHA-256 of {day(300)}/manifest.json is not the one this day recorded",
        400: "the day is missing from the archive",
        401: f"the previous day {day(400)} is missing",
        500: f"manifest.json is the manifest of {day(501)}",
        501: f"manifest.json is the manifest of {day(500)}",
        502: f"the SHA-256 of {day(501)}/manifest.json is not the one this day recorded",
        600: f"{RAW} is truncated",
        650: "the token's imprint is not the SHA-256 of manifest.json",
        700: "signed by another TSA (CN=rogue TSA",
    }
    for n, fault in expected.items():
        assert fault in faults.get(day(n), ""), (day(n), faults.get(day(n)))
        assert faults[day(n)].startswith(f"{day(n)}: ")
    assert set(faults) == {day(n) for n in expected}, sorted(
        set(faults) - {day(n) for n in expected}
    )
    assert not report.chain_intact
