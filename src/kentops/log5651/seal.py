"""Sealing a day: its files, its manifest (with the previous day's manifest hash) and an RFC
3161 time stamp over the manifest, written last.

A day is sealed only once it is over (Europe/Istanbul), in order: day N needs day N-1 sealed
(or pruned, or N the archive's first day), so the chain has no hole. Days with no line at all
are sealed too, with an empty records file: a day that is present and empty is evidence that
nothing arrived; a day that is absent is a gap. When the TSA gives no verifiable token the day
stays unsealed and the error says so; nothing is ever sealed without a token.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes

from kentops.log5651.archive import (
    ARCHIVE_TZ,
    MANIFEST,
    MANIFEST_FORMAT,
    SUMS,
    TOKEN,
    Archive,
    build_day,
    canonical_json,
    day_bounds,
    day_of,
    iter_days,
    manifest_sha256,
    remove_open,
)
from kentops.log5651.store import ArchiveError, crash_point, sha256_bytes, write_atomic
from kentops.log5651.timestamp import TsaConfig, TsaError, check_token, request_token


@dataclass
class SealOutcome:
    day: dt.date
    sealed: bool
    records: int = 0
    manifest_sha256: str | None = None
    gen_time: dt.datetime | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "sealed": self.sealed,
            "records": self.records,
            "manifest_sha256": self.manifest_sha256,
            "gen_time": self.gen_time.isoformat() if self.gen_time else None,
            "error": self.error,
        }


@dataclass
class SealReport:
    outcomes: list[SealOutcome] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.sealed for o in self.outcomes)


def previous_link(archive: Archive, day: dt.date) -> dict[str, str] | None:
    """The chain link to the day before: its manifest's SHA-256 (sealed or pruned)."""
    before = day - dt.timedelta(days=1)
    if archive.is_sealed(before):
        return {"day": before.isoformat(), "manifest_sha256": manifest_sha256(archive, before)}
    pruned = archive.pruned().get(before.isoformat())
    if pruned is not None:
        return {"day": before.isoformat(), "manifest_sha256": pruned}
    return None


def _copy_certs(archive: Archive, config: TsaConfig) -> str:
    """Copies of the certificates the day is sealed against, under tsa/<fingerprint>/."""
    fingerprint = config.signer().fingerprint(hashes.SHA256()).hex()
    folder = archive.root / "tsa" / fingerprint
    if not (folder / "tsa.pem").is_file():
        write_atomic(folder / "root.pem", config.root_cert.read_bytes())
        write_atomic(folder / "tsa.pem", config.tsa_cert.read_bytes())
    return f"tsa/{fingerprint}"


def seal_day(archive: Archive, day: dt.date, config: TsaConfig) -> SealOutcome:
    """Build and seal one day; the caller has checked it may be sealed now."""
    folder = archive.day_dir(day)
    if folder.exists():  # a seal that died before its token: start the day again
        shutil.rmtree(folder)
    content = build_day(archive, day)
    content.files[SUMS] = "".join(
        f"{sha256_bytes(data)}  {path}\n" for path, data in sorted(content.files.items())
    ).encode()
    start, end = day_bounds(day)
    for path, data in sorted(content.files.items()):
        write_atomic(folder / path, data)
        crash_point("seal:after-file")
    certs = _copy_certs(archive, config)
    manifest = {
        "format": MANIFEST_FORMAT,
        "day": day.isoformat(),
        "timezone": str(ARCHIVE_TZ),
        "start": start.isoformat().replace("+00:00", "Z"),
        "end": end.isoformat().replace("+00:00", "Z"),
        "previous": previous_link(archive, day),
        "files": [
            {"path": path, "size": len(data), "sha256": sha256_bytes(data)}
            for path, data in sorted(content.files.items())
        ],
        "sources": content.sources,
        "records": content.records,
        "batches": sorted(content.batches),
        "events": len(content.events),
        "tsa": {**config.describe(), "certificates": certs},
    }
    body = canonical_json(manifest)
    write_atomic(folder / MANIFEST, body)
    crash_point("seal:before-token")
    try:
        reply = request_token(body, config)
    except TsaError as exc:
        return SealOutcome(day, False, content.records, sha256_bytes(body), error=str(exc))
    info = check_token(reply, body, config)
    write_atomic(folder / TOKEN, reply)
    crash_point("seal:after-token")
    remove_open(archive, day)
    return SealOutcome(day, True, content.records, sha256_bytes(body), info.gen_time)


def pending_days(archive: Archive, now: dt.datetime) -> list[dt.date]:
    """Every complete day not sealed yet, from the first the archive covers, in order."""
    first = archive.first_day()
    if first is None:
        return []
    yesterday = day_of(now) - dt.timedelta(days=1)
    sealed = set(archive.sealed_days())
    return [d for d in iter_days(first, yesterday) if d not in sealed]


def clean_leftovers(archive: Archive) -> list[str]:
    """Open lines of days already sealed: left by a seal killed after its token."""
    cleaned = []
    for day in archive._dates("open"):
        if archive.is_sealed(day):
            remove_open(archive, day)
            cleaned.append(day.isoformat())
    return cleaned


def seal(
    archive: Archive,
    config: TsaConfig,
    now: dt.datetime | None = None,
    day: dt.date | None = None,
) -> SealReport:
    """Seal ``day``, or every complete unsealed day. Stops at the first day the TSA does not
    seal (the next days need its manifest hash). The caller holds the archive's lock."""
    now = now or dt.datetime.now(dt.UTC)
    report = SealReport(cleaned=clean_leftovers(archive))
    if day is not None:
        if day_bounds(day)[1] > now:
            raise ArchiveError(
                f"{day.isoformat()} is not over yet (Europe/Istanbul): a day is sealed after "
                "its end; run seal again tomorrow"
            )
        if archive.is_sealed(day):
            raise ArchiveError(f"{day.isoformat()} is sealed already; `verify` checks it")
        first = archive.first_day()
        if (
            first is not None
            and day > first
            and previous_link(archive, day) is None
            and (day - dt.timedelta(days=1)) >= first
        ):
            raise ArchiveError(
                f"{day.isoformat()}: the day before is not sealed; seal days in order "
                "(`kentops log5651 seal` without --day seals every pending day)"
            )
        days = [day]
    else:
        days = pending_days(archive, now)
    for item in days:
        outcome = seal_day(archive, item, config)
        report.outcomes.append(outcome)
        if not outcome.sealed:
            break
    return report
