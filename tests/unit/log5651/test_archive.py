"""Ingest, seal and verify against the lab TSA: days per Europe/Istanbul day, a chain, an
idempotent ingest, late lines, and a TSA failure that leaves the day unsealed."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

from kentops.log5651.archive import Archive
from kentops.log5651.seal import seal
from kentops.log5651.timestamp import TsaConfig
from kentops.log5651.verify import verify
from tests.unit.log5651.conftest import LATE_OK, add, kea_lines

D1 = dt.date(2026, 11, 2)
NOW = dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC)


def test_a_second_ingest_adds_nothing_and_a_grown_file_adds_its_new_lines(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a")
    text = kea_lines(D1)
    first = add(archive, text, now=NOW)
    assert (first.lines, first.records) == (4, 4)
    again = add(archive, text, now=NOW)
    assert (again.lines, again.records, again.bytes_skipped) == (0, 0, len(text))
    grown = add(archive, text + kea_lines(D1, 1, net=30), now=NOW)
    assert (grown.lines, grown.records) == (2, 2)
    records = [r for r, _ in archive.open_records(D1)]
    assert len(records) == 6


def test_sealed_days_verify_and_form_a_chain(tmp_path: Path, tsa_config: TsaConfig) -> None:
    archive = Archive(tmp_path / "a")
    add(archive, kea_lines(D1) + kea_lines(D1 + dt.timedelta(days=2)), now=NOW)
    report = seal(archive, tsa_config, now=NOW)
    assert [o.day for o in report.outcomes] == [
        D1,
        D1 + dt.timedelta(days=1),
        D1 + dt.timedelta(days=2),
    ]
    assert report.ok
    empty = archive.manifest(D1 + dt.timedelta(days=1))
    assert empty["records"] == 0 and empty["previous"]["day"] == D1.isoformat()
    result = verify(archive, tsa_config, now=NOW, max_delay=LATE_OK)
    assert result.ok and result.chain_intact, result.as_dict()
    assert [d.status for d in result.days] == ["verified"] * 3
    day = archive.day_dir(D1)
    assert oct(day.stat().st_mode & 0o777) == "0o700"
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in day.rglob("*") if p.is_file())
    records = [
        json.loads(x) for x in gzip.decompress((day / "records.jsonl.gz").read_bytes()).splitlines()
    ]
    assert [r["event"] for r in records] == ["assign", "assign", "assign", "release"]
    raw = archive.raw_lines(D1, records[0]["raw"])
    assert "10.10.20.100" in raw[records[0]["line"] - 1]
    assert not archive.open_days()


def test_lines_of_a_sealed_day_arrive_late_into_today(
    tmp_path: Path, tsa_config: TsaConfig
) -> None:
    archive = Archive(tmp_path / "a")
    add(archive, kea_lines(D1), now=NOW)
    seal(archive, tsa_config, now=NOW)
    late = add(archive, kea_lines(D1, 2, net=40), now=NOW)
    assert late.late == 3 and late.days == {"2026-11-05": 3}
    records = [r for r, _ in archive.open_records(dt.date(2026, 11, 5))]
    assert {r.late_for for r in records} == {D1.isoformat()}


def test_a_failing_tsa_leaves_the_day_unsealed(tmp_path: Path, tsa_pki: Path) -> None:
    archive = Archive(tmp_path / "a")
    add(archive, kea_lines(D1), now=NOW)
    dead = TsaConfig(
        "http://127.0.0.1:9/tsa",
        tsa_pki / "root.pem",
        tsa_pki / "tsa.pem",
        attempts=2,
        backoff_s=0.01,
        timeout_s=2,
    )
    report = seal(archive, dead, now=NOW)
    assert not report.ok and len(report.outcomes) == 1
    assert "no verifiable time stamp" in (report.outcomes[0].error or "")
    assert not archive.is_sealed(D1)
    assert archive.open_days() == [D1]  # nothing lost: the lines wait for the next seal
