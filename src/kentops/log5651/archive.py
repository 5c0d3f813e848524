"""The Law 5651 archive: one folder per Europe/Istanbul day, sealed with an RFC 3161 token.

Layout (every folder 0700, every file 0600)::

    ARCHIVE/
      .lock                         one run at a time (flock)
      ledger.json                   inputs already ingested (so a second ingest adds nothing)
      open/YYYY-MM-DD/<batch>.json.gz   lines ingested for a day not sealed yet
      days/YYYY-MM-DD/
        raw/<source>.log.gz         the day's lines of one source, as received (gzip)
        records.jsonl.gz            the normalized records, sorted by time (gzip, JSON lines)
        manifest.json               files with size and SHA-256, counts per source and event,
                                    unknown-line counts, the previous day's manifest SHA-256
        SHA256SUMS                  the same hashes for ``sha256sum -c``
        manifest.tsr                RFC 3161 time-stamp reply over manifest.json (DER)
      tsa/<sha256 of the TSA certificate>/tsa.pem, root.pem   the certificates a day was
                                    sealed against (copies; trust the TSA's published ones)
      pruned.json                   days removed by ``prune``, with their manifest SHA-256

A day is sealed when ``manifest.tsr`` exists; it is written last. ``ingest`` puts each input's
new lines into ``open/`` under a batch name derived from their content, so a run killed
half-way and run again writes the same batches again, never twice. Lines of a day already
sealed go to the day they arrive on, marked ``late_for`` that day.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from kentops.log5651.parsers import (
    DEFAULT_TZ,
    ParseResult,
    SourceContext,
    decode,
    parse,
    split_lines,
)
from kentops.log5651.records import Record
from kentops.log5651.store import (
    ArchiveError,
    crash_point,
    gzip_bytes,
    make_dir,
    sha256_bytes,
    write_atomic,
)

#: Days are Europe/Istanbul calendar days, whatever the sources' own zones.
ARCHIVE_TZ = ZoneInfo(DEFAULT_TZ)
MANIFEST = "manifest.json"
TOKEN = "manifest.tsr"  # noqa: S105 (a file name)
RECORDS = "records.jsonl.gz"
#: The day's files in ``sha256sum -c`` form (listed in the manifest too).
SUMS = "SHA256SUMS"
LEDGER = "ledger.json"
PRUNED = "pruned.json"
MANIFEST_FORMAT = "kentops-log5651-day/1"
#: Where the archive is when neither --archive nor the environment says.
DEFAULT_ROOT = Path("var/log5651")
ARCHIVE_ENV = "KENTOPS_LOG5651_ARCHIVE"

_KIND_RECORD = "r"
_KIND_UNKNOWN = "u"
_KIND_OTHER = "i"


def day_of(when: dt.datetime) -> dt.date:
    """The archive day (Europe/Istanbul) of an aware time."""
    return when.astimezone(ARCHIVE_TZ).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC start and end of an archive day."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=ARCHIVE_TZ)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ARCHIVE_TZ)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArchiveError(f"{text!r} is not a day: write it as YYYY-MM-DD") from None


def source_file(source: str) -> str:
    """The raw file name of a source id (any character outside ``[A-Za-z0-9._-]`` escaped)."""
    name = quote(source, safe="")
    if name.startswith("."):
        name = "%2E" + name[1:]
    return f"raw/{name}.log.gz"


def source_of_file(path: str) -> str:
    return unquote(path.removeprefix("raw/").removesuffix(".log.gz"))


def canonical_json(data: Any) -> bytes:
    """The bytes a manifest is hashed over: sorted keys, UTF-8, one final newline."""
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()


def resolve_root(archive: Path | None, site: str | None = None) -> Path:
    """--archive, else $KENTOPS_LOG5651_ARCHIVE, else var/log5651/<site>/ (site given, or the
    only site there)."""
    if archive is not None:
        return archive
    env = os.environ.get(ARCHIVE_ENV)
    if env:
        return Path(env)
    if site is not None:
        return DEFAULT_ROOT / site
    sites = sorted(p for p in DEFAULT_ROOT.iterdir()) if DEFAULT_ROOT.is_dir() else []
    if len(sites) == 1:
        return sites[0]
    raise ArchiveError(
        "which archive? give --archive DIR (or --site SITE for var/log5651/SITE, or set "
        f"{ARCHIVE_ENV})"
        + (f"; {DEFAULT_ROOT} holds {', '.join(p.name for p in sites)}" if sites else "")
    )


@dataclass
class Archive:
    """An archive folder; nothing is created until something is written."""

    root: Path

    # ------------------------------------------------------------ paths
    def day_dir(self, day: dt.date) -> Path:
        return self.root / "days" / day.isoformat()

    def open_dir(self, day: dt.date) -> Path:
        return self.root / "open" / day.isoformat()

    def is_sealed(self, day: dt.date) -> bool:
        return (self.day_dir(day) / TOKEN).is_file()

    def _dates(self, folder: str) -> list[dt.date]:
        base = self.root / folder
        if not base.is_dir():
            return []
        out = []
        for entry in base.iterdir():
            try:
                out.append(dt.date.fromisoformat(entry.name))
            except ValueError:
                continue
        return sorted(out)

    def day_folders(self) -> list[dt.date]:
        """Days that have a folder under days/ (sealed or half-sealed)."""
        return self._dates("days")

    def sealed_days(self) -> list[dt.date]:
        return [d for d in self.day_folders() if self.is_sealed(d)]

    def open_days(self) -> list[dt.date]:
        """Days with ingested lines not sealed yet."""
        return [d for d in self._dates("open") if self.open_files(d)]

    def open_files(self, day: dt.date) -> list[Path]:
        """A day's open batches and events (temporary files of a killed write left out)."""
        folder = self.open_dir(day)
        if not folder.is_dir():
            return []
        return [p for p in folder.iterdir() if p.suffix in {".gz", ".json"} and p.name[0] != "."]

    def manifest_bytes(self, day: dt.date) -> bytes:
        return (self.day_dir(day) / MANIFEST).read_bytes()

    def manifest(self, day: dt.date) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.manifest_bytes(day))
        return data

    def pruned(self) -> dict[str, str]:
        """Pruned day -> its manifest SHA-256 (the chain continues from it)."""
        path = self.root / PRUNED
        if not path.is_file():
            return {}
        data: dict[str, str] = json.loads(path.read_bytes())
        return data

    def first_day(self) -> dt.date | None:
        """The first day the archive covers: its first pruned, sealed or open day."""
        candidates = [dt.date.fromisoformat(d) for d in self.pruned()]
        candidates += self.day_folders() + self.open_days()
        return min(candidates) if candidates else None

    # ------------------------------------------------------------ reading a sealed day
    def records(self, day: dt.date) -> Iterator[Record]:
        """The records of a sealed day (its records.jsonl.gz), in time order."""
        path = self.day_dir(day) / RECORDS
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                yield Record.from_dict(json.loads(line))

    def raw_lines(self, day: dt.date, raw: str) -> list[str]:
        data = gzip.decompress((self.day_dir(day) / raw).read_bytes())
        return data.decode("utf-8").split("\n")[:-1]

    def open_records(self, day: dt.date) -> Iterator[tuple[Record, str]]:
        """Records of an unsealed day with their raw line, batch by batch."""
        for batch in self.open_batches(day):
            raws: dict[str, list[str]] = {}
            for source, text, _kind in batch["raw"]:
                raws.setdefault(source, []).append(text)
            for data in batch["records"]:
                record = Record.from_dict(data)
                yield record, raws[record.source][record.line - 1]

    def open_batches(self, day: dt.date) -> list[dict[str, Any]]:
        batches = []
        for path in self.open_dir(day).glob("*.json.gz"):
            batches.append(json.loads(gzip.decompress(path.read_bytes())))
        batches.sort(key=lambda b: (b["ingested_at"], b["batch"]))
        return batches


# ---------------------------------------------------------------- the ledger of inputs


def _ledger_key(data: bytes, options: str) -> str:
    end = data.find(b"\n", 0, 4096)
    first = data[: end if end >= 0 else 4096]
    return sha256_bytes(options.encode() + b"\0" + first)


def already_ingested(ledger: dict[str, list[list[Any]]], key: str, data: bytes) -> int:
    """How many leading bytes of ``data`` an earlier ingest took (0 when none)."""
    for length, digest in sorted(ledger.get(key, []), reverse=True):
        if length <= len(data) and sha256_bytes(data[:length]) == digest:
            return int(length)
    return 0


# ---------------------------------------------------------------- ingest


@dataclass
class IngestReport:
    """What one input added: lines and records per source and day, unknown lines, skips."""

    input: str
    format: str | None
    bytes_total: int
    bytes_skipped: int = 0
    lines: int = 0
    records: int = 0
    unknown: int = 0
    late: int = 0
    days: dict[str, int] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown_samples: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "format": self.format,
            "bytes": self.bytes_total,
            "bytes_already_ingested": self.bytes_skipped,
            "lines": self.lines,
            "records": self.records,
            "unknown": self.unknown,
            "late": self.late,
            "days": dict(sorted(self.days.items())),
            "sources": self.sources,
            "unknown_samples": [{"line": n, "text": t} for n, t in self.unknown_samples],
        }


def _line_kinds(result: ParseResult, count: int) -> list[str]:
    kinds = [_KIND_OTHER] * count
    for index in result.unknown_index:
        if 0 < index <= count:
            kinds[index - 1] = _KIND_UNKNOWN
    for record in result.records:
        kinds[record.line - 1] = _KIND_RECORD
    return kinds


def _line_days(result: ParseResult, count: int, arrival: dt.date) -> list[dt.date]:
    """The day of each line: its own time, else the nearest earlier timed line's, else the
    nearest later one's, else the arrival day. A record's line takes the record's day."""
    days: list[dt.date | None] = []
    last: dt.date | None = None
    cache: dict[int, dt.date] = {}
    for stamp in result.line_time[:count]:
        if stamp is None:
            days.append(None)
            continue
        key = int(stamp) // 60
        found = cache.get(key)
        if found is None:
            found = cache[key] = day_of(dt.datetime.fromtimestamp(stamp, dt.UTC))
        days.append(found)
    out: list[dt.date] = [arrival] * count
    for index, value in enumerate(days):
        if value is not None:
            last = value
        out[index] = value or last or arrival
    following: dt.date | None = None
    for index in range(count - 1, -1, -1):
        if days[index] is not None:
            following = days[index]
            break
    if following is not None:
        for index in range(count):
            if days[index] is not None:
                break
            out[index] = following
    for record in result.records:
        out[record.line - 1] = day_of(record.time)
    return out


def ingest(
    archive: Archive,
    data: bytes,
    name: str,
    ctx: SourceContext,
    fmt: str | None = None,
    now: dt.datetime | None = None,
) -> IngestReport:
    """Add an input's lines not ingested before to the open days of the archive.

    The caller holds the archive's lock. Returns what was added; a second call with the same
    bytes adds nothing, and a grown file adds only its new lines.
    """
    now = now or dt.datetime.now(dt.UTC)
    arrival = day_of(now)
    options = json.dumps([fmt, ctx.source, ctx.default_source, str(ctx.tz)])
    ledger_path = archive.root / LEDGER
    ledger: dict[str, list[list[Any]]] = (
        json.loads(ledger_path.read_bytes()) if ledger_path.is_file() else {}
    )
    key = _ledger_key(data, options)
    skip = already_ingested(ledger, key, data)
    report = IngestReport(input=name, format=fmt, bytes_total=len(data), bytes_skipped=skip)
    if skip >= len(data):
        return report
    lines = split_lines(decode(data))
    skipped_lines = len(split_lines(decode(data[:skip]))) if skip else 0
    if skip and not data[:skip].endswith(b"\n"):
        skipped_lines -= 1  # the last line was cut; take it again, whole
    result = parse(lines, ctx, fmt)
    count = len(lines)
    kinds = _line_kinds(result, count)
    days = _line_days(result, count, arrival)
    content_id = sha256_bytes(options.encode() + b"\0" + data[skip:])[:32]
    batch_id = f"{content_id}-{skip}"
    sealed_cache: dict[dt.date, dt.date | None] = {}

    def target(day: dt.date) -> dt.date | None:
        """Where a line of ``day`` goes: that day while it is open; the arrival day once it
        is sealed; nowhere when it was sealed with this very batch (an ingest that died
        before its ledger entry, then a seal, then this run)."""
        if day not in sealed_cache:
            if not archive.is_sealed(day):
                sealed_cache[day] = day
            elif batch_id in archive.manifest(day).get("batches", []):
                sealed_cache[day] = None
            else:
                sealed_cache[day] = arrival
        return sealed_cache[day]

    # raw lines per (target day, source) in input order; a record's line number is its
    # position among its source's lines in this batch
    batches: dict[dt.date, dict[str, Any]] = {}
    position: list[int] = [0] * count
    per_source: dict[tuple[dt.date, str], int] = {}
    for index in range(skipped_lines, count):
        day = target(days[index])
        if day is None:
            continue
        source = result.line_source[index]
        batch = batches.get(day)
        if batch is None:
            batch = batches[day] = {"raw": [], "records": [], "late_for": {}}
        batch["raw"].append((source, lines[index], kinds[index]))
        n = per_source.get((day, source), 0) + 1
        per_source[(day, source)] = n
        position[index] = n
        if day != days[index]:
            report.late += 1
        report.lines += 1
        if kinds[index] == _KIND_UNKNOWN:
            report.unknown += 1
            if len(report.unknown_samples) < 20:
                report.unknown_samples.append((index + 1, lines[index]))
    for record in result.records:
        index = record.line - 1
        if index < skipped_lines:
            continue
        own = days[index]
        day = target(own)
        if day is None:
            continue
        record.line = position[index]
        if day != own:
            record.late_for = own.isoformat()
        batches[day]["records"].append(record.to_dict())
        report.records += 1
        stats = report.sources.setdefault(record.source, {"records": 0, "events": {}})
        stats["records"] += 1
        stats["events"][record.event] = stats["events"].get(record.event, 0) + 1
    stamp = now.isoformat()
    for day, batch in sorted(batches.items()):
        doc = {
            "batch": batch_id,
            "input": name,
            "ingested_at": stamp,
            "day": day.isoformat(),
            "raw": batch["raw"],
            "records": batch["records"],
        }
        report.days[day.isoformat()] = len(batch["raw"])
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        # open batches live until the seal: fast compression (the sealed files use level 6)
        write_atomic(archive.open_dir(day) / f"{batch_id}.json.gz", gzip_bytes(body, level=1))
        crash_point("ingest:after-batch")
    crash_point("ingest:before-ledger")
    entries = ledger.setdefault(key, [])
    entries.append([len(data), sha256_bytes(data)])
    write_atomic(ledger_path, json.dumps(ledger, sort_keys=True).encode())
    return report


# ---------------------------------------------------------------- building a day


@dataclass
class DayContent:
    """A day's files as they will be sealed, and its counts."""

    files: dict[str, bytes]
    sources: dict[str, dict[str, Any]]
    records: int
    batches: list[str]
    events: list[dict[str, Any]]


def build_day(archive: Archive, day: dt.date) -> DayContent:
    """Merge a day's open batches into its raw files and its sorted records."""
    raw: dict[str, list[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    records: list[Record] = []
    batch_ids: list[str] = []
    for batch in archive.open_batches(day):
        batch_ids.append(batch["batch"])
        offsets = {source: len(lines) for source, lines in raw.items()}
        for source, text, kind in batch["raw"]:
            raw.setdefault(source, []).append(text)
            kinds.setdefault(source, Counter())[kind] += 1
        for data in batch["records"]:
            record = Record.from_dict(data)
            record.line += offsets.get(record.source, 0)
            record.raw = source_file(record.source)
            records.append(record)
    records.sort(key=Record.sort_key)
    events = _events_of(archive, day)
    files: dict[str, bytes] = {}
    sources: dict[str, dict[str, Any]] = {}
    for source in sorted(raw):
        path = source_file(source)
        files[path] = gzip_bytes(("\n".join(raw[source]) + "\n").encode("utf-8"))
        sources[source] = {
            "file": path,
            "lines": len(raw[source]),
            "records": kinds[source][_KIND_RECORD],
            "unknown": kinds[source][_KIND_UNKNOWN],
            "ignored": kinds[source][_KIND_OTHER],
            "events": {},
            "late": 0,
        }
    for record in records:
        stats = sources[record.source]["events"]
        stats[record.event] = stats.get(record.event, 0) + 1
        if record.late_for:
            sources[record.source]["late"] += 1
    body = "".join(
        json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n" for r in records
    )
    files[RECORDS] = gzip_bytes(body.encode("utf-8"))
    if events:
        files["events.jsonl.gz"] = gzip_bytes(
            "".join(json.dumps(e, sort_keys=True) + "\n" for e in events).encode()
        )
    return DayContent(files, sources, len(records), batch_ids, events)


def _events_of(archive: Archive, day: dt.date) -> list[dict[str, Any]]:
    """Archive events (prunes) logged on a day, sealed with it."""
    folder = archive.open_dir(day)
    out = []
    for path in sorted(folder.glob("event-*.json")):
        out.append(json.loads(path.read_bytes()))
    return out


def log_event(archive: Archive, when: dt.datetime, event: dict[str, Any]) -> Path:
    """Record an archive event (a prune) in the open day it happens on; sealed with that day."""
    day = day_of(when)
    body = json.dumps({"time": when.isoformat(), **event}, sort_keys=True).encode()
    path = archive.open_dir(day) / f"event-{sha256_bytes(body)[:24]}.json"
    write_atomic(path, body)
    return path


def remove_open(archive: Archive, day: dt.date) -> None:
    folder = archive.open_dir(day)
    if folder.is_dir():
        shutil.rmtree(folder)


def iter_days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def manifest_sha256(archive: Archive, day: dt.date) -> str:
    return hashlib.sha256(archive.manifest_bytes(day)).hexdigest()


def make_root(root: Path) -> Path:
    return make_dir(root)
