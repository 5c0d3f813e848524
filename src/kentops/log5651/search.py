"""Who held an address at a moment, which addresses a MAC held, who was behind a NAT address
and port: answered from the archive's records, with the raw lines they rest on and the
verification status of every day they come from.

A lease runs from an ``assign`` (or the first ``renew`` seen) to the first ``release``,
``expire``, ``decline`` or ``nak`` of that address, or else to the end of its lease time
counted from its last assign or renew; a lease whose length the log does not give runs to the
next event of that address. A moment inside no lease is answered "nobody held it".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kentops.log5651.archive import Archive, day_of, iter_days
from kentops.log5651.records import ENDING_EVENTS, HOLDING_EVENTS, Record, canonical_mac, iso_utc
from kentops.log5651.verify import DayReport

#: Days before the moment searched for the lease that covers it (leases rarely run longer).
LOOKBACK_DAYS = 8
#: A NAT log line is written at a session's start or end; it answers for a moment within its
#: duration, or within this much when the log gives no (or a shorter) duration.
NAT_WINDOW = dt.timedelta(minutes=5)


@dataclass
class Evidence:
    """A record and the raw line it rests on."""

    day: dt.date
    record: Record
    raw_file: str
    line: int
    text: str
    sealed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "time": iso_utc(self.record.time),
            "event": self.record.event,
            "source": self.record.source,
            "file": f"days/{self.day.isoformat()}/{self.raw_file}" if self.sealed else "open",
            "line": self.line,
            "text": self.text,
        }


@dataclass
class Lease:
    ip: str
    mac: str | None
    start: dt.datetime
    end: dt.datetime | None
    end_reason: str
    hostname: str | None = None
    user: str | None = None
    source: str | None = None
    evidence: list[Evidence] = field(default_factory=list)

    def covers(self, at: dt.datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ip": self.ip,
            "mac": self.mac,
            "hostname": self.hostname,
            "user": self.user,
            "source": self.source,
            "start": iso_utc(self.start),
            "end": iso_utc(self.end) if self.end else None,
            "end_reason": self.end_reason,
            "evidence": [e.as_dict() for e in self.evidence],
        }


@dataclass
class Answer:
    """The answer to one query; ``days`` maps each day the evidence comes from to its
    verification (None when no TSA was given to verify against)."""

    query: dict[str, str]
    holder: Lease | None = None
    leases: list[Lease] = field(default_factory=list)
    nat: Evidence | None = None
    days: dict[dt.date, DayReport | None] = field(default_factory=dict)
    searched: tuple[dt.date, dt.date] | None = None

    @property
    def evidence_days(self) -> list[dt.date]:
        days = {e.day for lease in self._leases() for e in lease.evidence}
        if self.nat is not None:
            days.add(self.nat.day)
        return sorted(days)

    def _leases(self) -> list[Lease]:
        return ([self.holder] if self.holder else []) + self.leases

    @property
    def verified(self) -> bool:
        """Every day the answer rests on verified (False also when not checked)."""
        reports = [self.days.get(d) for d in self.evidence_days]
        return bool(reports) and all(r is not None and r.ok for r in reports)

    @property
    def failed(self) -> bool:
        return any(r is not None and r.status == "failed" for r in self.days.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "found": self.holder is not None or bool(self.leases),
            "holder": self.holder.as_dict() if self.holder else None,
            "leases": [lease.as_dict() for lease in self.leases],
            "nat": self.nat.as_dict() if self.nat else None,
            "searched": [d.isoformat() for d in self.searched] if self.searched else None,
            "verification": {
                d.isoformat(): (r.as_dict() if r is not None else None)
                for d, r in sorted(self.days.items())
            },
            "verified": self.verified,
        }


def day_records(archive: Archive, day: dt.date) -> Iterator[Evidence]:
    """The records of a day, sealed or still open, each with its raw line."""
    if archive.is_sealed(day):
        cache: dict[str, list[str]] = {}
        for record in archive.records(day):
            raw = record.raw or ""
            if raw not in cache:
                cache[raw] = archive.raw_lines(day, raw)
            lines = cache[raw]
            text = lines[record.line - 1] if 0 < record.line <= len(lines) else ""
            yield Evidence(day, record, raw, record.line, text, True)
    else:
        for record, text in archive.open_records(day):
            yield Evidence(day, record, "", record.line, text, False)


def _collect(
    archive: Archive, first: dt.date, last: dt.date, keep: Callable[[Record], bool]
) -> list[Evidence]:
    found: list[Evidence] = []
    for day in iter_days(first, last):
        found.extend(e for e in day_records(archive, day) if keep(e.record))
    found.sort(key=lambda e: (e.record.time, e.record.source, e.line))
    return found


def leases_of(events: list[Evidence]) -> list[Lease]:
    """Lease intervals from the lease events of one address (or one MAC), in time order."""
    leases: list[Lease] = []
    open_by_ip: dict[str, tuple[Lease, dt.datetime | None]] = {}
    for item in events:
        record = item.record
        ip = record.ip
        if ip is None or record.event == "nat":
            continue
        current = open_by_ip.get(ip)
        if current is not None:
            lease, expires = current
            if expires is not None and record.time >= expires:
                lease.end, lease.end_reason = expires, "lease time"
                del open_by_ip[ip]
                current = None
            elif record.event in HOLDING_EVENTS and record.mac != lease.mac:
                lease.end, lease.end_reason = record.time, "next event"
                del open_by_ip[ip]
                current = None
        if record.event in HOLDING_EVENTS:
            if current is None:
                lease = Lease(ip, record.mac, record.time, None, "open", source=record.source)
                leases.append(lease)
            else:
                lease = current[0]
            lease.hostname = record.hostname or lease.hostname
            lease.user = record.user or lease.user
            lease.evidence.append(item)
            expires = record.time + dt.timedelta(seconds=record.lease_s) if record.lease_s else None
            open_by_ip[ip] = (lease, expires)
        elif record.event in ENDING_EVENTS and current is not None:
            lease = current[0]
            lease.end, lease.end_reason = record.time, record.event
            lease.evidence.append(item)
            del open_by_ip[ip]
    for lease, expires in open_by_ip.values():
        if expires is not None:
            lease.end, lease.end_reason = expires, "lease time"
    return leases


def search_ip(
    archive: Archive, ip: str, at: dt.datetime, lookback_days: int = LOOKBACK_DAYS
) -> Answer:
    """Who held ``ip`` at ``at``."""
    day = day_of(at)
    first = day - dt.timedelta(days=lookback_days)
    last = day + dt.timedelta(days=1)
    events = _collect(archive, first, last, lambda r: r.ip == ip and r.event != "nat")
    answer = Answer({"ip": ip, "at": iso_utc(at)}, searched=(first, last))
    for lease in leases_of(events):
        if lease.covers(at):
            answer.holder = lease
    return answer


def search_mac(archive: Archive, mac: str, first: dt.date, last: dt.date) -> Answer:
    """Every lease of ``mac`` between two days."""
    wanted = canonical_mac(mac)
    if wanted is None:
        raise ValueError(f"{mac!r} is not a MAC address (write it as aa:bb:cc:dd:ee:ff)")
    events = _collect(archive, first, last, lambda r: r.mac == wanted and r.event != "nat")
    answer = Answer({"mac": wanted, "from": first.isoformat(), "to": last.isoformat()})
    answer.leases = leases_of(events)
    answer.searched = (first, last)
    return answer


def search_nat(
    archive: Archive, outside: str, at: dt.datetime, lookback_days: int = LOOKBACK_DAYS
) -> Answer:
    """Who was behind the public ``ip:port`` at ``at``: the NAT translation, then the
    holder of its inside address at the translation's time."""
    day = day_of(at)
    window = [day - dt.timedelta(days=1), day]
    nats = _collect(
        archive, window[0], window[1], lambda r: r.event == "nat" and r.nat_outside == outside
    )
    best: Evidence | None = None
    for item in nats:
        record = item.record
        # vendors log a session at its start or at its end: accept either side
        length = max(dt.timedelta(seconds=record.duration_s or 0), NAT_WINDOW)
        distance = abs(record.time - at)
        if distance <= length and (best is None or distance < abs(best.record.time - at)):
            best = item
    if best is None or best.record.nat_inside is None:
        answer = Answer({"nat": outside, "at": iso_utc(at)}, searched=(window[0], window[1]))
        answer.nat = best
        return answer
    inside_ip = best.record.nat_inside.rsplit(":", 1)[0]
    answer = search_ip(archive, inside_ip, best.record.time, lookback_days)
    answer.query = {"nat": outside, "at": iso_utc(at), "inside": best.record.nat_inside}
    answer.nat = best
    return answer
