"""Verifying the archive day by day: presence, file hashes, the token, its time, the chain.

For each day in range: the day is present (sealed, or pruned by the retention policy); its
manifest is of that day; every file it lists exists with its size and SHA-256 and no other
file lies beside them; the token is a valid RFC 3161 reply of the pinned TSA (signature,
chain to the pinned root) whose imprint is the manifest's SHA-256; its genTime is after the
day's end and within the allowed delay; the manifest's ``previous`` is the SHA-256 of the day
before's manifest. Each fault names the day, the file and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kentops.log5651.archive import (
    MANIFEST,
    MANIFEST_FORMAT,
    TOKEN,
    Archive,
    day_bounds,
    day_of,
    iter_days,
)
from kentops.log5651.store import sha256_bytes, sha256_file
from kentops.log5651.timestamp import TokenInvalid, TsaConfig, check_token

#: The longest a day may wait for its seal when the policy does not say.
DEFAULT_MAX_SEAL_DELAY = dt.timedelta(hours=26)


@dataclass
class DayReport:
    """One day's verification. ``status``: verified, failed, unsealed (lines ingested, not
    sealed), missing, pruned."""

    day: dt.date
    status: str
    problems: list[str] = field(default_factory=list)
    records: int = 0
    sources: list[str] = field(default_factory=list)
    unknown: int = 0
    gen_time: dt.datetime | None = None
    manifest_sha256: str | None = None
    digest_ok: bool | None = None
    seal_ok: bool | None = None
    link_ok: bool | None = None

    @property
    def ok(self) -> bool:
        return self.status in {"verified", "pruned"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "status": self.status,
            "problems": self.problems,
            "records": self.records,
            "sources": self.sources,
            "unknown": self.unknown,
            "gen_time": self.gen_time.isoformat() if self.gen_time else None,
            "manifest_sha256": self.manifest_sha256,
            "digest_ok": self.digest_ok,
            "seal_ok": self.seal_ok,
            "link_ok": self.link_ok,
        }


@dataclass
class VerifyReport:
    first: dt.date | None
    last: dt.date | None
    days: list[DayReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.days) and all(d.ok for d in self.days)

    @property
    def chain_intact(self) -> bool:
        return all(d.link_ok is not False for d in self.days) and all(
            d.status != "missing" for d in self.days
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "ok": self.ok,
            "chain_intact": self.chain_intact,
            "days": [d.as_dict() for d in self.days],
        }


def _files_under(folder: Path) -> list[str]:
    """Paths of the files under a day's folder, relative to it."""
    out: list[str] = []
    for parent, _dirs, names in os.walk(folder):
        rel = os.path.relpath(parent, folder)
        out.extend(name if rel == "." else f"{rel}/{name}" for name in names)
    return out


def _check_files(folder: Path, manifest: dict[str, Any], report: DayReport) -> None:
    day = report.day.isoformat()
    listed = set()
    for entry in manifest.get("files", []):
        rel = str(entry["path"])
        listed.add(rel)
        path = folder / rel
        if not path.is_file():
            report.problems.append(f"{day}: {rel} is missing")
            continue
        size = path.stat().st_size
        if size != entry["size"]:
            what = "truncated" if size < entry["size"] else "longer than sealed"
            report.problems.append(
                f"{day}: {rel} is {what} ({size} bytes, the manifest says {entry['size']})"
            )
            continue
        if sha256_file(path) != entry["sha256"]:
            report.problems.append(
                f"{day}: {rel} was changed after sealing (SHA-256 does not match the manifest)"
            )
    for rel in sorted(_files_under(folder)):
        if rel not in listed and rel not in {MANIFEST, TOKEN}:
            report.problems.append(f"{day}: {rel} is not in the manifest (added after sealing)")
    report.digest_ok = not report.problems


def verify_day(
    archive: Archive,
    day: dt.date,
    config: TsaConfig,
    max_delay: dt.timedelta = DEFAULT_MAX_SEAL_DELAY,
    previous_sha: str | None = None,
    previous_known: bool = False,
) -> DayReport:
    """Verify one day. ``previous_sha``: the day before's manifest SHA-256 when the caller
    has it (``previous_known``); otherwise it is read here."""
    label = day.isoformat()
    folder = archive.day_dir(day)
    pruned = archive.pruned()
    if label in pruned and not folder.exists():
        return DayReport(day, "pruned", manifest_sha256=pruned[label])
    if not (folder / MANIFEST).is_file():
        if archive.open_files(day):
            return DayReport(day, "unsealed", [f"{label}: not sealed yet"])
        return DayReport(day, "missing", [f"{label}: the day is missing from the archive"])
    report = DayReport(day, "failed")
    body = (folder / MANIFEST).read_bytes()
    report.manifest_sha256 = sha256_bytes(body)
    try:
        manifest = json.loads(body)
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            raise ValueError("not a kentops day manifest")
    except ValueError as exc:
        report.problems.append(f"{label}: {MANIFEST} cannot be read ({exc})")
        report.digest_ok = False
        manifest = {}
    if manifest and manifest.get("day") != label:
        report.problems.append(
            f"{label}: {MANIFEST} is the manifest of {manifest.get('day')} (days swapped or moved)"
        )
    if manifest:
        report.records = int(manifest.get("records", 0))
        sources = manifest.get("sources", {})
        report.sources = sorted(sources)
        report.unknown = sum(int(s.get("unknown", 0)) for s in sources.values())
        _check_files(folder, manifest, report)
    token = folder / TOKEN
    if not token.is_file():
        report.problems.append(f"{label}: {TOKEN} is missing: the day is not sealed")
        report.seal_ok = False
        if manifest:
            report.status = "unsealed"
    else:
        try:
            info = check_token(token.read_bytes(), body, config)
        except TokenInvalid as exc:
            report.problems.append(f"{label}: {TOKEN}: {exc}")
            report.seal_ok = False
        else:
            report.gen_time = info.gen_time
            end = day_bounds(day)[1]
            if info.gen_time < end:
                report.problems.append(
                    f"{label}: {TOKEN}: time-stamped at {info.gen_time.isoformat()}, before the "
                    f"day ended ({end.isoformat()})"
                )
                report.seal_ok = False
            elif info.gen_time - end > max_delay:
                hours = (info.gen_time - end).total_seconds() / 3600
                report.problems.append(
                    f"{label}: {TOKEN}: sealed {hours:.1f} h after the day's end (allowed "
                    f"{max_delay.total_seconds() / 3600:.0f} h)"
                )
                report.seal_ok = False
            else:
                report.seal_ok = True
    if manifest:
        _check_link(archive, day, manifest, report, previous_sha, previous_known)
    if not report.problems:
        report.status = "verified"
    return report


def _check_link(
    archive: Archive,
    day: dt.date,
    manifest: dict[str, Any],
    report: DayReport,
    previous_sha: str | None,
    previous_known: bool,
) -> None:
    label = day.isoformat()
    before = day - dt.timedelta(days=1)
    link = manifest.get("previous")
    if not previous_known:
        path = archive.day_dir(before) / MANIFEST
        previous_sha = (
            sha256_file(path) if path.is_file() else archive.pruned().get(before.isoformat())
        )
    if link is None:
        first = archive.first_day()
        if previous_sha is not None or (first is not None and day > first):
            report.problems.append(
                f"{label}: {MANIFEST} links to no previous day, but {before.isoformat()} "
                "is in the archive's range (chain broken)"
            )
            report.link_ok = False
        else:
            report.link_ok = True
        return
    if link.get("day") != before.isoformat():
        report.problems.append(
            f"{label}: {MANIFEST} links to {link.get('day')}, not to {before.isoformat()} "
            "(chain broken)"
        )
        report.link_ok = False
    elif previous_sha is None:
        report.problems.append(
            f"{label}: the previous day {before.isoformat()} is missing, the chain cannot be "
            "followed"
        )
        report.link_ok = False
    elif previous_sha != link.get("manifest_sha256"):
        report.problems.append(
            f"{label}: the SHA-256 of {before.isoformat()}/{MANIFEST} is not the one this day "
            "recorded (chain broken: that manifest was changed or replaced)"
        )
        report.link_ok = False
    else:
        report.link_ok = True


def verify(
    archive: Archive,
    config: TsaConfig,
    first: dt.date | None = None,
    last: dt.date | None = None,
    now: dt.datetime | None = None,
    max_delay: dt.timedelta = DEFAULT_MAX_SEAL_DELAY,
) -> VerifyReport:
    """Verify every day from ``first`` (default: the archive's first) to ``last`` (default:
    yesterday, Europe/Istanbul)."""
    now = now or dt.datetime.now(dt.UTC)
    first = first or archive.first_day()
    last = last or (day_of(now) - dt.timedelta(days=1))
    report = VerifyReport(first, last)
    if first is None or first > last:
        return report
    previous: DayReport | None = None
    for day in iter_days(first, last):
        known = previous is not None
        sha = previous.manifest_sha256 if previous is not None else None
        if previous is not None and previous.status == "missing":
            sha = None
        current = verify_day(archive, day, config, max_delay, sha, known)
        report.days.append(current)
        previous = current
    return report
