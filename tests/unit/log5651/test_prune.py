"""Retention: only sealed, verified days older than two years are removed, oldest first,
never one inside the window; the removal is logged for sealing and the chain goes on from the
pruned days' manifest hashes."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from kentops.log5651.archive import Archive, build_day
from kentops.log5651.prune import prune
from kentops.log5651.seal import seal
from kentops.log5651.store import ArchiveError
from kentops.log5651.timestamp import TsaConfig
from kentops.log5651.verify import verify
from tests.unit.log5651.conftest import LATE_OK, add, kea_lines

OLD = [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(3)]
NOW = dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC)  # 730 days back: 2024-01-03


def old_archive(root: Path, config: TsaConfig) -> Archive:
    archive = Archive(root)
    add(archive, "".join(kea_lines(d) for d in OLD), now=NOW)
    for day in OLD:
        assert seal(archive, config, now=NOW, day=day).ok
    return archive


def test_only_days_before_the_window_that_verify_are_pruned(
    tmp_path: Path, tsa_config: TsaConfig
) -> None:
    archive = old_archive(tmp_path / "a", tsa_config)
    dry = prune(archive, tsa_config, now=NOW, max_delay=LATE_OK)
    assert dry.cutoff == OLD[2]  # the first day of the two-year window is kept
    assert [d.day for d in dry.pruned] == OLD[:2]
    assert all(archive.day_dir(d).is_dir() for d in OLD)  # a dry run removes nothing

    done = prune(archive, tsa_config, apply=True, now=NOW, max_delay=LATE_OK)
    assert done.ok and [d.day for d in done.pruned] == OLD[:2]
    assert not archive.day_dir(OLD[0]).exists() and archive.day_dir(OLD[2]).is_dir()
    pruned = json.loads((archive.root / "pruned.json").read_text())
    assert set(pruned) == {d.isoformat() for d in OLD[:2]}
    (event_file,) = archive.open_files(dt.date(2026, 1, 2))
    event = json.loads(event_file.read_text())
    assert event["event"] == "prune" and set(event["days"]) == set(pruned)
    report = verify(archive, tsa_config, OLD[0], OLD[2], now=NOW, max_delay=LATE_OK)
    assert report.ok and [d.status for d in report.days] == ["pruned", "pruned", "verified"]


def test_a_day_that_does_not_verify_stops_pruning(tmp_path: Path, tsa_config: TsaConfig) -> None:
    archive = old_archive(tmp_path / "a", tsa_config)
    raw = archive.day_dir(OLD[0]) / "records.jsonl.gz"
    raw.write_bytes(raw.read_bytes()[:-2])
    later = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
    report = prune(archive, tsa_config, apply=True, now=later, max_delay=LATE_OK)
    assert not report.ok and not report.pruned
    assert [d.day for d in report.kept] == OLD  # kept: the first fails, the rest wait for it
    assert all(archive.day_dir(d).is_dir() for d in OLD)


def test_less_than_two_years_is_refused(tmp_path: Path, tsa_config: TsaConfig) -> None:
    with pytest.raises(ArchiveError, match="shorter than the 730 days"):
        prune(Archive(tmp_path), tsa_config, retention_days=365, now=NOW)


def test_the_prune_event_is_a_file_of_the_day_it_happened_on(
    tmp_path: Path, tsa_config: TsaConfig
) -> None:
    archive = old_archive(tmp_path / "a", tsa_config)
    prune(archive, tsa_config, apply=True, now=NOW, max_delay=LATE_OK)
    content = build_day(archive, dt.date(2026, 1, 2))
    (event,) = [
        json.loads(line) for line in gzip.decompress(content.files["events.jsonl.gz"]).splitlines()
    ]
    assert event["event"] == "prune" and sorted(event["days"]) == [d.isoformat() for d in OLD[:2]]
