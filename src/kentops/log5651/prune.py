"""Retention: remove days older than the policy's window, only sealed and verified ones,
oldest first, never inside the window; the removal is logged and sealed with the day it
happens on.

Law 5651's regulation asks for two years; a shorter retention is refused. Days are removed
from the oldest on, and pruning stops at the first day that does not verify (it is kept and
reported), so what remains is one unbroken chain that starts from a pruned day's manifest
hash (``pruned.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from typing import Any

from kentops.log5651.archive import PRUNED, Archive, day_of, log_event
from kentops.log5651.store import ArchiveError, crash_point, write_atomic
from kentops.log5651.timestamp import TsaConfig
from kentops.log5651.verify import DEFAULT_MAX_SEAL_DELAY, DayReport, verify

#: Days the law asks to keep.
MIN_RETENTION_DAYS = 730


@dataclass
class PruneReport:
    retention_days: int
    cutoff: dt.date
    applied: bool
    pruned: list[DayReport] = field(default_factory=list)
    kept: list[DayReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.kept

    def as_dict(self) -> dict[str, Any]:
        return {
            "retention_days": self.retention_days,
            "cutoff": self.cutoff.isoformat(),
            "applied": self.applied,
            "pruned" if self.applied else "would_prune": [d.day.isoformat() for d in self.pruned],
            "kept_not_verified": [d.as_dict() for d in self.kept],
        }


def prune(
    archive: Archive,
    config: TsaConfig,
    retention_days: int = MIN_RETENTION_DAYS,
    apply: bool = False,
    now: dt.datetime | None = None,
    max_delay: dt.timedelta = DEFAULT_MAX_SEAL_DELAY,
) -> PruneReport:
    """Days before ``today - retention_days`` that verify, oldest first. The caller holds the
    archive's lock when ``apply``."""
    if retention_days < MIN_RETENTION_DAYS:
        raise ArchiveError(
            f"retention of {retention_days} days is shorter than the {MIN_RETENTION_DAYS} days "
            "Law 5651 asks for; give --retention-days 730 or more"
        )
    now = now or dt.datetime.now(dt.UTC)
    cutoff = day_of(now) - dt.timedelta(days=retention_days)
    report = PruneReport(retention_days, cutoff, apply)
    candidates = [d for d in archive.day_folders() if d < cutoff]
    if not candidates:
        return report
    checked = verify(archive, config, candidates[0], candidates[-1], now, max_delay)
    for day in checked.days:
        if day.status == "pruned" and not archive.day_dir(day.day).exists():
            continue
        if day.status != "verified" or report.kept:
            report.kept.append(day)
            continue
        report.pruned.append(day)
    if not apply or not report.pruned:
        return report
    log_event(
        archive,
        now,
        {
            "event": "prune",
            "retention_days": retention_days,
            "days": {d.day.isoformat(): d.manifest_sha256 for d in report.pruned},
        },
    )
    crash_point("prune:after-event")
    pruned = archive.pruned()
    for day in report.pruned:
        pruned[day.day.isoformat()] = day.manifest_sha256 or ""
    write_atomic(archive.root / PRUNED, json.dumps(pruned, sort_keys=True, indent=1).encode())
    crash_point("prune:after-list")
    for day in report.pruned:
        shutil.rmtree(archive.day_dir(day.day))
    return report
