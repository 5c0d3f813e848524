"""The normalized Law 5651 record: one lease event or one NAT translation, whatever the source.

Every parser turns its vendor's lines into these. Times are UTC; ``offset`` keeps the offset
the source wrote (or the source's configured time zone when it wrote none, then
``offset_given`` is False). MAC addresses have one canonical form (``aa:bb:cc:dd:ee:ff``).
``line`` is the 1-based line of the raw input the record rests on; once a day is sealed it
is the line of that day's raw file (``raw``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

#: Lease events and the NAT translation, as the archive names them.
EVENTS = ("assign", "renew", "release", "expire", "decline", "nak", "nat")
#: Events that start or extend a lease; the others end it.
HOLDING_EVENTS = frozenset({"assign", "renew"})
ENDING_EVENTS = frozenset({"release", "expire", "decline", "nak"})

_HEX = re.compile(r"[0-9a-fA-F]+")
_CANONICAL = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}")


def canonical_mac(text: str | None) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` from the forms vendors write: ``00:11:22:33:44:55``,
    ``0:c:29:1a:2b:3c`` (ISC dhcpd drops leading zeros), ``00-11-22-33-44-55``,
    ``0011.2233.4455``, ``001122334455``. None when it is not a 48-bit MAC."""
    if not text:
        return None
    if len(text) == 17 and _CANONICAL.fullmatch(text):  # the common case, cheaply
        return text.lower()
    value = text.strip()
    parts = re.split(r"[:\-.]", value)
    if len(parts) == 6 and all(0 < len(p) <= 2 and _HEX.fullmatch(p) for p in parts):
        return ":".join(p.lower().zfill(2) for p in parts)
    compact = "".join(parts)
    if len(compact) == 12 and _HEX.fullmatch(compact) and len(parts) in {1, 3}:
        low = compact.lower()
        return ":".join(low[i : i + 2] for i in range(0, 12, 2))
    return None


def iso_utc(when: dt.datetime) -> str:
    """``2026-12-03T07:15:02Z`` (microseconds kept when there are any)."""
    if when.tzinfo is dt.UTC:  # the records' own times: no conversion needed
        return when.isoformat()[:-6] + "Z"
    text = when.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def parse_iso_utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def offset_text(when: dt.datetime) -> str:
    """``+03:00`` of an aware datetime."""
    delta = when.utcoffset() or dt.timedelta(0)
    return _offset_of_minutes(int(delta.total_seconds() // 60))


@functools.lru_cache(maxsize=64)
def _offset_of_minutes(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(slots=True)
class Record:
    """One normalized access record."""

    time: dt.datetime
    event: str
    source: str
    format: str
    line: int
    offset: str = "+00:00"
    offset_given: bool = True
    ip: str | None = None
    mac: str | None = None
    hostname: str | None = None
    user: str | None = None
    lease_s: int | None = None
    nat_inside: str | None = None
    nat_outside: str | None = None
    nat_destination: str | None = None
    protocol: str | None = None
    duration_s: int | None = None
    raw: str | None = None
    late_for: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: fields without a value left out, keys in a fixed order."""
        out: dict[str, Any] = {"time": iso_utc(self.time), "offset": self.offset}
        if not self.offset_given:
            out["offset_given"] = False
        out["event"] = self.event
        # written out field by field: this runs once per record of every ingest
        if self.ip is not None:
            out["ip"] = self.ip
        if self.mac is not None:
            out["mac"] = self.mac
        if self.hostname is not None:
            out["hostname"] = self.hostname
        if self.user is not None:
            out["user"] = self.user
        if self.lease_s is not None:
            out["lease_s"] = self.lease_s
        if self.nat_inside is not None:
            out["nat_inside"] = self.nat_inside
        if self.nat_outside is not None:
            out["nat_outside"] = self.nat_outside
        if self.nat_destination is not None:
            out["nat_destination"] = self.nat_destination
        if self.protocol is not None:
            out["protocol"] = self.protocol
        if self.duration_s is not None:
            out["duration_s"] = self.duration_s
        out["source"] = self.source
        out["format"] = self.format
        if self.raw is not None:
            out["raw"] = self.raw
        out["line"] = self.line
        if self.late_for is not None:
            out["late_for"] = self.late_for
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        return cls(
            time=parse_iso_utc(data["time"]),
            event=data["event"],
            source=data["source"],
            format=data["format"],
            line=int(data["line"]),
            offset=data.get("offset", "+00:00"),
            offset_given=bool(data.get("offset_given", True)),
            ip=data.get("ip"),
            mac=data.get("mac"),
            hostname=data.get("hostname"),
            user=data.get("user"),
            lease_s=data.get("lease_s"),
            nat_inside=data.get("nat_inside"),
            nat_outside=data.get("nat_outside"),
            nat_destination=data.get("nat_destination"),
            protocol=data.get("protocol"),
            duration_s=data.get("duration_s"),
            raw=data.get("raw"),
            late_for=data.get("late_for"),
        )

    def sort_key(self) -> tuple[dt.datetime, str, str, int]:
        return (self.time, self.source, self.raw or "", self.line)
