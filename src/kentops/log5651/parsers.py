"""Parsers of the DHCP and NAT logs municipalities run, into :class:`Record`.

Formats (``--format`` names), each documented where the vendor documents it:

* ``isc-syslog``: ISC dhcpd through syslog (``DHCPACK on ... to ... via ...``; ISC DHCP
  ``dhcpd(8)``; messages of ``server/dhcp.c``), RFC 3164 (no year) or RFC 3339 headers.
* ``isc-leases``: ISC ``dhcpd.leases`` (``dhcpd.leases(5)``), times in UTC or ``epoch``.
* ``kea-log``: Kea DHCPv4 log messages (Kea ARM, "Kea Messages Manual":
  ``DHCP4_LEASE_ALLOC``, ``DHCP4_LEASE_REUSE``, ``DHCP4_RELEASE``, ``DHCP4_DECLINE_LEASE``,
  ``ALLOC_ENGINE_V4_LEASE_RECLAIM``, ``DHCP4_PACKET_NAK_0003``...), from Kea's own log file
  or through syslog.
* ``kea-csv``: Kea's memfile lease file ``kea-leases4.csv`` (Kea ARM "Memfile - Basic
  Storage for Leases"; commas inside values are written ``&#x2c``).
* ``windows-dhcp``: Windows Server DHCP audit logs ``DhcpSrvLog-<Day>.log`` (Microsoft
  "Analyze DHCP server log files": preamble, event ids, ``MM/DD/YY`` dates, local time).
* ``mikrotik``: RouterOS ``dhcp,info`` lease lines and ``firewall,info`` lines of a
  ``log=yes`` srcnat rule (RouterOS manual, "Log" and "Firewall/NAT").
* ``netfilter``: Linux kernel ``LOG``/nftables ``log prefix`` lines (``SRC= DST= SPT=``) and
  conntrack events (``conntrack -E -o timestamp``: ``[NEW] tcp ... src= ... [UNREPLIED] src=``).
* ``fortigate``: FortiGate traffic logs (FortiOS "Log Message Reference": ``type="traffic"``,
  ``srcip``, ``srcport``, ``transip``, ``transport``, ``eventtime``, ``tz``).

Line formats are detected per line, file formats (leases, CSV, Windows) per file. A line that
belongs to no format, or to a format but cannot be read, is *unknown*: counted per source,
kept in the raw archive, reported; never fatal. Lines a format knows but that carry no access
record (a DHCPDISCOVER, a FortiGate session without NAT) are *ignored* and counted too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from kentops.log5651.records import ENDING_EVENTS, Record, canonical_mac, offset_text

LINE_FORMATS = ("isc-syslog", "kea-log", "mikrotik", "netfilter", "fortigate")
FILE_FORMATS = ("isc-leases", "kea-csv", "windows-dhcp")
FORMATS = LINE_FORMATS + FILE_FORMATS
DEFAULT_TZ = "Europe/Istanbul"
#: Unknown lines kept as samples for the report, per parse.
UNKNOWN_SAMPLES = 20


class FormatError(ValueError):
    """An unknown ``--format`` name."""


@dataclass
class SourceContext:
    """How to read one input: whose it is, in which time zone, and when it was written.

    ``source`` forces the source id of every line; otherwise a syslog line's host is looked
    up in ``aliases`` (host name or address -> source id) and a line without a host takes
    ``default_source``. ``reference`` is the time the input was last written (a file's
    modification time): RFC 3164 timestamps carry no year, and the last line of the input is
    taken to be no later than it.
    """

    default_source: str
    reference: dt.datetime
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    source: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    zones: dict[str, ZoneInfo] = field(default_factory=dict)

    def source_of(self, host: str | None) -> str:
        if self.source is not None:
            return self.source
        if host is None:
            return self.default_source
        return self.aliases.get(host, host)

    def zone_of(self, source: str) -> ZoneInfo:
        return self.zones.get(source, self.tz)


@dataclass
class SourceCounts:
    lines: int = 0
    records: int = 0
    unknown: int = 0
    ignored: int = 0
    events: dict[str, int] = field(default_factory=dict)
    formats: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "records": self.records,
            "unknown": self.unknown,
            "ignored": self.ignored,
            "events": dict(sorted(self.events.items())),
            "formats": sorted(self.formats),
        }


@dataclass
class ParseResult:
    """Records of an input, and for every input line its source and time (epoch seconds, or
    None when the line gave none), so the raw lines can be kept per source and day."""

    records: list[Record] = field(default_factory=list)
    line_source: list[str] = field(default_factory=list)
    line_time: list[float | None] = field(default_factory=list)
    counts: dict[str, SourceCounts] = field(default_factory=dict)
    unknown_samples: list[tuple[int, str]] = field(default_factory=list)
    #: 1-based numbers of the unknown lines, so the archive counts them per source and day.
    unknown_index: list[int] = field(default_factory=list)

    def unknown(self, counts: SourceCounts, lineno: int, line: str) -> None:
        """Count an unknown line (and keep the first few for the report)."""
        counts.unknown += 1
        self.unknown_index.append(lineno)
        if len(self.unknown_samples) < UNKNOWN_SAMPLES:
            self.unknown_samples.append((lineno, line))

    def add(self, counts: SourceCounts, record: Record) -> None:
        self.records.append(record)
        counts.records += 1
        counts.events[record.event] = counts.events.get(record.event, 0) + 1

    def count(self, source: str) -> SourceCounts:
        found = self.counts.get(source)
        if found is None:
            found = self.counts[source] = SourceCounts()
        return found


class _Ignored:
    """A line a format knows that carries no access record."""


IGNORED = _Ignored()
BodyResult = Record | _Ignored | None

# ---------------------------------------------------------------- syslog headers

_MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}
_RFC3164 = re.compile(
    r"(?:<\d{1,3}>)?(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(?P<day>[ \d]\d) (?P<hms>\d\d:\d\d:\d\d) (?P<host>\S+) (?P<msg>.*)"
)
_RFC3339 = re.compile(
    r"(?:<\d{1,3}>)?(?P<v>1 )?(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    r" (?P<host>\S+) (?P<msg>.*)"
)
_RFC5424_REST = re.compile(
    r"(?P<app>\S+) (?P<pid>\S+) (?P<msgid>\S+) (?:-|(?:\[.*?\])+) ?(?P<m>.*)"
)
_KEA_NATIVE = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) +(?P<sev>[A-Z]+) +\[(?P<logger>[^\]]+)\] "
    r"(?P<msg>.*)"
)
_CONNTRACK_TS = re.compile(r"\[(?P<epoch>\d+(?:\.\d+)?)\]\s+(?P<msg>\[(?:NEW|UPDATE|DESTROY)\].*)")
_TAG = re.compile(r"(?P<tag>[^\s:\[]+)(?:\[\d+\])?: ?(?P<body>.*)")
_TOPICS = re.compile(r"(?P<topics>[a-z0-9-]+(?:,[a-z0-9-]+)+) (?P<body>.*)")
_KEA_PREFIX = re.compile(r"[A-Z]+ +\[[^\]]+\] ")


class _Clock:
    """Turns the source's written times into UTC, caching (a log repeats each second often)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[dt.datetime, str, bool]] = {}

    def iso(self, text: str, tz: ZoneInfo) -> tuple[dt.datetime, str, bool]:
        key = (text, tz.key)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        value = text.replace(" ", "T", 1)
        if value.endswith("Z"):
            value = value[:-1] + "+00:00"
        elif len(value) > 5 and value[-5] in "+-" and value[-3] != ":":
            value = value[:-2] + ":" + value[-2:]  # +0300 -> +03:00
        parsed = dt.datetime.fromisoformat(value)
        given = parsed.tzinfo is not None
        local = parsed if given else parsed.replace(tzinfo=tz)
        result = (local.astimezone(dt.UTC), offset_text(local), given)
        self._cache[key] = result
        return result

    def local(
        self, parts: tuple[int, int, int, int, int, int], tz: ZoneInfo
    ) -> tuple[dt.datetime, str, bool]:
        local = dt.datetime(*parts, tzinfo=tz)
        return local.astimezone(dt.UTC), offset_text(local), False


def _stamp(record: Record, when: tuple[dt.datetime, str, bool]) -> Record:
    record.time, record.offset, record.offset_given = when
    return record


# ---------------------------------------------------------------- ISC dhcpd (syslog)

_ISC = re.compile(
    r"(?P<verb>DHCPACK|DHCPNAK|DHCPRELEASE|DHCPDECLINE) (?:on|of) (?P<ip>\d+\.\d+\.\d+\.\d+) "
    r"(?:to|from) (?P<mac>[0-9a-fA-F:]+)(?: \((?P<host>[^)]*)\))? via \S+"
)
_ISC_EVENTS = {
    "DHCPACK": "assign",
    "DHCPNAK": "nak",
    "DHCPRELEASE": "release",
    "DHCPDECLINE": "decline",
}
_ISC_PASSIVE = (
    "DHCPDISCOVER",
    "DHCPOFFER",
    "DHCPREQUEST",
    "DHCPINFORM",
    "DHCPACK to",
    "DHCPLEASEQUERY",
)


def _isc_body(body: str, source: str, lineno: int) -> BodyResult:
    m = _ISC.match(body)
    if m is None:
        if body.startswith(_ISC_PASSIVE) or not body.startswith(
            ("DHCPACK", "DHCPNAK", "DHCPRELEASE", "DHCPDECLINE")
        ):
            return IGNORED
        return None
    mac = canonical_mac(m["mac"])
    if mac is None:
        return None
    return Record(
        time=_EPOCH,
        event=_ISC_EVENTS[m["verb"]],
        source=source,
        format="isc-syslog",
        line=lineno,
        ip=m["ip"],
        mac=mac,
        hostname=m["host"] or None,
    )


# ---------------------------------------------------------------- Kea DHCPv4 (log)

_KEA_CLIENT = r"\[hwtype=\d+ (?P<mac>[0-9a-fA-F:]+)\](?:, cid=\[[^\]]*\])?(?:, tid=0x[0-9a-fA-F]+)?"
_KEA = {
    "DHCP4_LEASE_ALLOC": (
        re.compile(
            _KEA_CLIENT + r": lease (?P<ip>[\d.]+) has been allocated for (?P<s>\d+) seconds"
        ),
        "assign",
    ),
    "DHCP4_LEASE_REUSE": (
        re.compile(_KEA_CLIENT + r": lease (?P<ip>[\d.]+) has been reused for (?P<s>\d+) seconds"),
        "renew",
    ),
    "DHCP4_RELEASE": (
        re.compile(_KEA_CLIENT + r": address (?P<ip>[\d.]+) was released properly"),
        "release",
    ),
    "DHCP4_RELEASE_EXPIRED": (
        re.compile(_KEA_CLIENT + r": address (?P<ip>[\d.]+) expired on release"),
        "release",
    ),
    "DHCP4_DECLINE_LEASE": (
        re.compile(r"Received DHCPDECLINE for addr (?P<ip>[\d.]+) from client " + _KEA_CLIENT),
        "decline",
    ),
    "ALLOC_ENGINE_V4_LEASE_RECLAIM": (
        re.compile(_KEA_CLIENT + r": reclaiming expired lease for address (?P<ip>[\d.]+)"),
        "expire",
    ),
    "DHCP4_PACKET_NAK_0003": (
        re.compile(
            _KEA_CLIENT + r": failed to advertise a lease, client sent ciaddr [\d.]+, "
            r"requested-ip-address (?P<ip>[\d.]+)"
        ),
        "nak",
    ),
    "DHCP4_PACKET_NAK_0004": (
        re.compile(
            _KEA_CLIENT + r": failed to grant a lease, client sent ciaddr [\d.]+, "
            r"requested-ip-address (?P<ip>[\d.]+)"
        ),
        "nak",
    ),
}
_KEA_ID = re.compile(
    r"(?P<id>(?:DHCP4|ALLOC_ENGINE_V4|DHCPSRV|DCTL|HOOKS|HA|LEASE_CMDS|COMMAND|DHCP)[A-Z0-9_]*)"
    r" (?P<rest>.*)"
)


def _kea_body(body: str, source: str, lineno: int) -> BodyResult:
    if not body[:1].isupper():
        return None
    prefix = _KEA_PREFIX.match(body)
    if prefix is not None:
        body = body[prefix.end() :]
    m = _KEA_ID.match(body)
    if m is None:
        return None
    spec = _KEA.get(m["id"])
    if spec is None:
        return IGNORED
    pattern, event = spec
    found = pattern.match(m["rest"])
    if found is None:
        return None
    mac = canonical_mac(found["mac"])
    if mac is None:
        return None
    groups = found.groupdict()
    return Record(
        time=_EPOCH,
        event=event,
        source=source,
        format="kea-log",
        line=lineno,
        ip=found["ip"],
        mac=mac,
        lease_s=int(groups["s"]) if groups.get("s") else None,
    )


# ---------------------------------------------------------------- MikroTik RouterOS

_ROS_DHCP = re.compile(
    r"(?P<server>\S+) (?P<verb>assigned|deassigned) (?P<ip>[\d.]+) (?:to|for|from) "
    r"(?P<mac>[0-9A-Fa-f:]{17})(?: (?P<host>\S.*))?$"
)
_ROS_NAT = re.compile(
    r".*?(?:src-mac (?P<mac>[0-9a-fA-F:]{17}), )?proto (?P<proto>\w+)(?: \([^)]*\))?, "
    r"(?P<src>[\d.]+(?::\d+)?)->(?P<dst>[\d.]+(?::\d+)?), "
    r"NAT \((?P<in>[\d.]+(?::\d+)?)->(?P<out>[\d.]+(?::\d+)?)\)->(?P<ndst>[\d.]+(?::\d+)?)"
)


def _mikrotik_body(body: str, source: str, lineno: int) -> BodyResult:
    m = _TOPICS.match(body)
    if m is None:
        return None
    topics = m["topics"].split(",")
    rest = m["body"]
    if "dhcp" in topics:
        found = _ROS_DHCP.match(rest)
        if found is None:
            return IGNORED if " assigned " not in rest and " deassigned " not in rest else None
        return Record(
            time=_EPOCH,
            event="assign" if found["verb"] == "assigned" else "release",
            source=source,
            format="mikrotik",
            line=lineno,
            ip=found["ip"],
            mac=canonical_mac(found["mac"]),
            hostname=found["host"] or None,
        )
    if "firewall" in topics:
        if "NAT (" not in rest:
            return IGNORED
        found = _ROS_NAT.match(rest)
        if found is None:
            return None
        inside = found["in"]
        if found["out"] == inside:
            return IGNORED  # a destination NAT or an untranslated packet
        return Record(
            time=_EPOCH,
            event="nat",
            source=source,
            format="mikrotik",
            line=lineno,
            ip=inside.split(":")[0],
            mac=canonical_mac(found["mac"]),
            nat_inside=inside,
            nat_outside=found["out"],
            nat_destination=found["ndst"],
            protocol=found["proto"].lower(),
        )
    return IGNORED


# ---------------------------------------------------------------- Linux netfilter

_NF_FIELD = re.compile(r"\b(SRC|DST|PROTO|SPT|DPT|MAC)=(\S*)")
_CT = re.compile(
    r"\[(?P<kind>NEW|UPDATE|DESTROY)\]\s+(?P<proto>\w+)\s+\d+\s+(?:\d+\s+)?(?:[A-Z_]+\s+)?"
    r"src=(?P<src>[\d.]+) dst=(?P<dst>[\d.]+)(?: sport=(?P<sport>\d+) dport=(?P<dport>\d+))?.*?"
    r"src=(?P<rsrc>[\d.]+) dst=(?P<rdst>[\d.]+)(?: sport=(?P<rsport>\d+) dport=(?P<rdport>\d+))?"
)


def _endpoint(ip: str, port: str | None) -> str:
    return f"{ip}:{port}" if port else ip


def _netfilter_body(body: str, source: str, lineno: int) -> BodyResult:
    if body.startswith(("[NEW]", "[UPDATE]", "[DESTROY]")):
        if body.startswith(("[UPDATE]", "[DESTROY]")):
            return IGNORED
        ct = _CT.match(body)
        if ct is None:
            return None
        if ct["rdst"] == ct["src"]:
            return IGNORED  # no source translation
        return Record(
            time=_EPOCH,
            event="nat",
            source=source,
            format="netfilter",
            line=lineno,
            ip=ct["src"],
            nat_inside=_endpoint(ct["src"], ct["sport"]),
            nat_outside=_endpoint(ct["rdst"], ct["rdport"]),
            nat_destination=_endpoint(ct["dst"], ct["dport"]),
            protocol=ct["proto"].lower(),
        )
    if "SRC=" not in body:
        return IGNORED
    fields = dict(_NF_FIELD.findall(body))
    src = fields.get("SRC")
    if not src:
        return None
    mac = None
    layer2 = fields.get("MAC", "")
    if len(layer2) >= 35:  # destination:source:ethertype, 14 bytes
        mac = canonical_mac(layer2[18:35])
    return Record(
        time=_EPOCH,
        event="nat",
        source=source,
        format="netfilter",
        line=lineno,
        ip=src,
        mac=mac,
        nat_inside=_endpoint(src, fields.get("SPT")),
        nat_destination=_endpoint(fields.get("DST", ""), fields.get("DPT")),
        protocol=(fields.get("PROTO") or "").lower() or None,
    )


# ---------------------------------------------------------------- FortiGate

_KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def fortigate_fields(text: str) -> dict[str, str]:
    return {k: v[1:-1] if v.startswith('"') else v for k, v in _KV.findall(text)}


def _fortigate_record(
    body: str, source: str, lineno: int, clock: _Clock, tz: ZoneInfo
) -> BodyResult:
    fields = fortigate_fields(body)
    if "date" not in fields or "time" not in fields:
        return None
    if fields.get("type") != "traffic":
        return IGNORED
    transip = fields.get("transip")
    srcip = fields.get("srcip")
    if not transip or not srcip:
        return IGNORED
    record = Record(
        time=_EPOCH,
        event="nat",
        source=source,
        format="fortigate",
        line=lineno,
        ip=srcip,
        mac=canonical_mac(fields.get("srcmac")),
        user=fields.get("user") or fields.get("unauthuser") or None,
        nat_inside=_endpoint(srcip, fields.get("srcport")),
        nat_outside=_endpoint(transip, fields.get("transport")),
        nat_destination=_endpoint(fields.get("dstip", ""), fields.get("dstport")),
        protocol={"6": "tcp", "17": "udp", "1": "icmp"}.get(
            fields.get("proto", ""), fields.get("proto")
        ),
        duration_s=int(fields["duration"]) if fields.get("duration", "").isdigit() else None,
    )
    zone = fields.get("tz")
    written = f"{fields['date']} {fields['time']}"
    if zone and re.fullmatch(r"[+-]\d{4}", zone):
        return _stamp(record, clock.iso(written + zone, tz))
    return _stamp(record, clock.iso(written, tz))


# ---------------------------------------------------------------- line dispatch

BodyParser = Callable[[str, str, int], BodyResult]
_BODY_PARSERS: dict[str, BodyParser] = {
    "isc-syslog": _isc_body,
    "kea-log": _kea_body,
    "mikrotik": _mikrotik_body,
    "netfilter": _netfilter_body,
}


def _detect_body(tag: str | None, body: str) -> str | None:
    """Which line format a syslog message is, from its tag and first words."""
    if tag is not None:
        if tag == "dhcpd":
            return "isc-syslog"
        if tag.startswith("kea-dhcp4") or tag == "kea":
            return "kea-log"
        if tag in {"kernel", "ulogd", "conntrack"}:
            return "netfilter"
    if "logid=" in body and "date=" in body:
        return "fortigate"
    if body.startswith(("DHCP4_", "ALLOC_ENGINE_V4_")) or _KEA_PREFIX.match(body):
        return "kea-log"
    if body.startswith("[NEW]") or body.startswith(("[UPDATE]", "[DESTROY]")):
        return "netfilter"
    if _TOPICS.match(body):
        return "mikrotik"
    return None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class _Pending:
    """An RFC 3164 line whose year is decided once the whole input is read."""

    index: int
    record: Record | None
    rollovers: int
    month: int
    day: int
    hms: str
    zone: ZoneInfo


def _year_of_last(reference: dt.datetime, month: int, day: int, zone: ZoneInfo) -> int:
    """The year of the input's last RFC 3164 line: the reference's year, unless that date is
    after the reference (then the line was written the year before). Both are dates of the
    source's own clock: 1 January 01:30 in Istanbul is still 31 December in UTC."""
    ref = reference.astimezone(zone).date() if reference.tzinfo else reference.date()
    try:
        candidate = dt.date(ref.year, month, day)
    except ValueError:  # 29 February outside a leap year
        return ref.year - 1
    return ref.year if candidate <= ref + dt.timedelta(days=1) else ref.year - 1


def parse_lines(lines: list[str], ctx: SourceContext, fmt: str | None = None) -> ParseResult:
    """Parse syslog-carried lines (and Kea's own log file) one line at a time."""
    if fmt is not None and fmt not in LINE_FORMATS:
        raise FormatError(f"{fmt!r} is not a line format ({', '.join(LINE_FORMATS)})")
    result = ParseResult()
    clock = _Clock()
    pending: list[_Pending] = []
    rollovers = 0
    last_month = 0
    line_source = result.line_source
    line_time = result.line_time
    records = result.records
    for index, line in enumerate(lines):
        lineno = index + 1
        when: tuple[dt.datetime, str, bool] | None = None
        host: str | None = None
        msg = line
        three164: tuple[int, int, str] | None = None
        m = _RFC3339.match(line)
        if m is not None:
            host, msg = m["host"], m["msg"]
            if "=" in host:  # a FortiGate message without a syslog header of its own
                host, msg = None, f"{host} {msg}"
            zone = ctx.zone_of(ctx.source_of(host))
            when = clock.iso(m["ts"], zone)
            if m["v"]:
                rest = _RFC5424_REST.match(msg)
                if rest is not None:
                    msg = f"{rest['app']}: {rest['m']}"
        else:
            m = _RFC3164.match(line)
            if m is not None:
                host, msg = m["host"], m["msg"]
                three164 = (_MONTHS[m["mon"]], int(m["day"]), m["hms"])
            else:
                m = _KEA_NATIVE.match(line)
                if m is not None:
                    zone = ctx.zone_of(ctx.source_of(None))
                    when = clock.iso(m["ts"], zone)
                    msg = "kea-dhcp4: " + m["msg"]
                else:
                    m = _CONNTRACK_TS.match(line)
                    if m is not None:
                        utc = dt.datetime.fromtimestamp(float(m["epoch"]), dt.UTC)
                        zone = ctx.zone_of(ctx.source_of(None))
                        when = (utc, offset_text(utc.astimezone(zone)), False)
                        msg = "conntrack: " + m["msg"]
        source = ctx.source_of(host)
        tagged = _TAG.match(msg)
        tag, body = (tagged["tag"], tagged["body"]) if tagged is not None else (None, msg)
        if tagged is not None and "," in tagged["tag"]:
            tag, body = None, msg  # RouterOS topics, not a program name
        kind = fmt or _detect_body(tag, body)
        outcome: BodyResult
        if kind is None:
            outcome = None
        elif kind == "fortigate":
            outcome = _fortigate_record(body, source, lineno, clock, ctx.zone_of(source))
            if isinstance(outcome, Record):  # its own date, time and tz win over syslog's
                when = (outcome.time, outcome.offset, outcome.offset_given)
                three164 = None
        else:
            outcome = _BODY_PARSERS[kind](body, source, lineno)
        counts = result.count(source)
        counts.lines += 1
        if kind is not None:
            counts.formats.add(kind)
        if three164 is not None:
            month = three164[0]
            k = rollovers
            if last_month and month < last_month and last_month - month >= 6:
                rollovers += 1
                k = rollovers
            elif last_month and month > last_month and month - last_month >= 6:
                k = rollovers - 1  # a late line from before the turn of the year
            else:
                last_month = month
            if k == rollovers:
                last_month = month
            pending.append(
                _Pending(
                    len(line_time),
                    outcome if isinstance(outcome, Record) else None,
                    k,
                    month,
                    three164[1],
                    three164[2],
                    ctx.zone_of(source),
                )
            )
            line_time.append(None)
        else:
            line_time.append(when[0].timestamp() if when is not None else None)
        line_source.append(source)
        if isinstance(outcome, Record):
            if when is None and three164 is None:
                outcome = None
            else:
                if when is not None and outcome.format != "fortigate":
                    _stamp(outcome, when)
                result.add(counts, outcome)
        if outcome is None:
            result.unknown(counts, lineno, line)
        elif outcome is IGNORED:
            counts.ignored += 1
    if pending:
        last = pending[-1]
        base = _year_of_last(ctx.reference, last.month, last.day, last.zone) - last.rollovers
        for item in pending:
            h, mi, s = (int(x) for x in item.hms.split(":"))
            try:
                when = clock.local(
                    (base + item.rollovers, item.month, item.day, h, mi, s), item.zone
                )
            except ValueError:
                when = None
            if when is None:
                continue
            line_time[item.index] = when[0].timestamp()
            if item.record is not None:
                _stamp(item.record, when)
    mark_renewals(records)
    return result


def mark_renewals(records: list[Record]) -> None:
    """An assignment of the address to the MAC that already holds it, before the lease ended,
    is a renewal (ISC, Kea and RouterOS log both the same way)."""
    holders: dict[str, tuple[str | None, dt.datetime | None]] = {}
    for record in sorted((r for r in records if r.event != "nat"), key=lambda r: r.time):
        ip = record.ip
        if ip is None:
            continue
        if record.event in {"assign", "renew"}:
            held = holders.get(ip)
            if (
                record.event == "assign"
                and record.format != "windows-dhcp"
                and held is not None
                and held[0] == record.mac
                and (held[1] is None or record.time <= held[1])
            ):
                record.event = "renew"
            end = record.time + dt.timedelta(seconds=record.lease_s) if record.lease_s else None
            holders[ip] = (record.mac, end)
        elif record.event in ENDING_EVENTS:
            holders.pop(ip, None)


# ---------------------------------------------------------------- ISC dhcpd.leases

_LEASE_START = re.compile(r"lease (?P<ip>\d+\.\d+\.\d+\.\d+) \{")
_LEASE_TIME = re.compile(
    r"(?P<key>starts|ends|cltt|tstp) "
    r"(?:\d (?P<date>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)|epoch (?P<epoch>\d+)|never);"
)
_OCTAL = re.compile(rb"\\([0-7]{3})")


def _leases_text(value: str) -> str:
    """A dhcpd.leases string (octal escapes of UTF-8 bytes) as text."""
    raw = _OCTAL.sub(lambda m: bytes([int(m[1], 8)]), value.encode("utf-8", "surrogateescape"))
    return raw.decode("utf-8", "replace")


def parse_isc_leases(lines: list[str], ctx: SourceContext) -> ParseResult:
    result = ParseResult()
    source = ctx.source_of(None)
    counts = result.count(source)
    counts.formats.add("isc-leases")
    block: dict[str, str] | None = None
    times: dict[str, dt.datetime] = {}
    start_line = 0
    for index, line in enumerate(lines):
        counts.lines += 1
        result.line_source.append(source)
        result.line_time.append(None)
        text = line.strip()
        if block is None:
            m = _LEASE_START.match(text)
            if m is not None:
                block, times, start_line = {"ip": m["ip"]}, {}, index
            elif text and not text.startswith(
                ("#", "server-duid", "authoring-byte-order", "failover", "}")
            ):
                if not text.startswith(
                    ("host ", "group ", "subclass ", "class ", "  ", "option ", "set ", "ia-")
                ):
                    result.unknown(counts, index + 1, line)
                else:
                    counts.ignored += 1
            else:
                counts.ignored += 1
            continue
        if text == "}":
            record = _lease_block_record(block, times, source, start_line + 1)
            stamp = record.time if record else times.get("cltt") or times.get("starts")
            for i in range(start_line, index + 1):
                result.line_time[i] = stamp.timestamp() if stamp else None
            if record is None:
                result.unknown(counts, start_line + 1, lines[start_line])
            else:
                result.add(counts, record)
            block = None
            continue
        m = _LEASE_TIME.match(text)
        if m is not None:
            if m["date"]:
                times[m["key"]] = dt.datetime.strptime(m["date"], "%Y/%m/%d %H:%M:%S").replace(
                    tzinfo=dt.UTC
                )
            elif m["epoch"]:
                times[m["key"]] = dt.datetime.fromtimestamp(int(m["epoch"]), dt.UTC)
        elif text.startswith("binding state "):
            block["state"] = text.removeprefix("binding state ").rstrip(";")
        elif text.startswith("hardware ethernet "):
            block["mac"] = text.removeprefix("hardware ethernet ").rstrip(";")
        elif text.startswith("client-hostname "):
            block["host"] = _leases_text(
                text.removeprefix("client-hostname ").rstrip(";").strip('"')
            )
    mark_renewals(result.records)
    return result


def _lease_block_record(
    block: dict[str, str], times: dict[str, dt.datetime], source: str, lineno: int
) -> Record | None:
    state = block.get("state", "active")
    mac = canonical_mac(block.get("mac"))
    starts, ends = times.get("starts"), times.get("ends")
    if starts is None:
        return None
    if state == "active":
        event, when = "assign", starts
    elif state == "released":
        event, when = "release", ends or starts
    elif state in {"free", "expired"}:
        event, when = "expire", ends or starts
    elif state == "abandoned":
        event, when = "decline", starts
    elif state == "backup":
        return None
    else:
        return None
    lease_s = int((ends - starts).total_seconds()) if ends and event == "assign" else None
    return Record(
        time=when,
        event=event,
        source=source,
        format="isc-leases",
        line=lineno,
        offset="+00:00",
        ip=block["ip"],
        mac=mac,
        hostname=block.get("host"),
        lease_s=lease_s,
    )


# ---------------------------------------------------------------- Kea memfile CSV

_KEA_STATES = {"0": "assign", "1": "decline", "2": "expire", "3": "release"}


def parse_kea_csv(lines: list[str], ctx: SourceContext) -> ParseResult:
    result = ParseResult()
    source = ctx.source_of(None)
    counts = result.count(source)
    counts.formats.add("kea-csv")
    columns: list[str] | None = None
    for index, line in enumerate(lines):
        counts.lines += 1
        result.line_source.append(source)
        result.line_time.append(None)
        if line.startswith("address,"):
            columns = line.strip().split(",")
            counts.ignored += 1
            continue
        record = None
        if columns is not None:
            values = [v.replace("&#x2c", ",") for v in line.rstrip("\r\n").split(",")]
            if len(values) == len(columns):
                row = dict(zip(columns, values, strict=True))
                record = _kea_row(row, source, index + 1)
        if record is None:
            result.unknown(counts, index + 1, line)
            continue
        result.line_time[index] = record.time.timestamp()
        result.add(counts, record)
    mark_renewals(result.records)
    return result


def _kea_row(row: dict[str, str], source: str, lineno: int) -> Record | None:
    try:
        expire = int(row["expire"])
        lifetime = int(row["valid_lifetime"])
    except (KeyError, ValueError):
        return None
    event = _KEA_STATES.get(row.get("state", "0") or "0")
    if event is None or not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", row.get("address", "")):
        return None
    start = dt.datetime.fromtimestamp(expire - lifetime, dt.UTC)
    when = dt.datetime.fromtimestamp(expire, dt.UTC) if event == "expire" else start
    return Record(
        time=when,
        event=event,
        source=source,
        format="kea-csv",
        line=lineno,
        ip=row["address"],
        mac=canonical_mac(row.get("hwaddr")),
        hostname=row.get("hostname") or None,
        lease_s=lifetime if event == "assign" else None,
    )


# ---------------------------------------------------------------- Windows DHCP audit log

_WIN_EVENTS = {
    "10": "assign",
    "11": "renew",
    "12": "release",
    "13": "decline",
    "15": "nak",
    "16": "expire",
    "17": "expire",
    "18": "expire",
    "20": "assign",
    "21": "assign",
}
_WIN_ROW = re.compile(r"(?P<id>\d{2}),(?P<date>\d\d/\d\d/\d\d),(?P<time>\d\d:\d\d:\d\d),")


def parse_windows_dhcp(lines: list[str], ctx: SourceContext) -> ParseResult:
    result = ParseResult()
    source = ctx.source_of(None)
    counts = result.count(source)
    counts.formats.add("windows-dhcp")
    zone = ctx.zone_of(source)
    clock = _Clock()
    in_preamble = True
    for index, line in enumerate(lines):
        counts.lines += 1
        result.line_source.append(source)
        result.line_time.append(None)
        text = line.rstrip("\r\n")
        m = _WIN_ROW.match(text)
        if m is None:
            if in_preamble or not text.strip():
                counts.ignored += 1
                if text.startswith("ID,Date,Time"):
                    in_preamble = False
                continue
            result.unknown(counts, index + 1, line)
            continue
        in_preamble = False
        fields = text.split(",")
        month, day, year = m["date"].split("/")
        try:
            when = clock.iso(f"20{year}-{month}-{day} {m['time']}", zone)
        except ValueError:
            result.unknown(counts, index + 1, line)
            continue
        result.line_time[index] = when[0].timestamp()
        event = _WIN_EVENTS.get(m["id"])
        ip = fields[4] if len(fields) > 4 else ""
        if event is None or not ip:
            counts.ignored += 1
            continue
        record = Record(
            time=_EPOCH,
            event=event,
            source=source,
            format="windows-dhcp",
            line=index + 1,
            ip=ip,
            hostname=(fields[5] or None) if len(fields) > 5 else None,
            mac=canonical_mac(fields[6]) if len(fields) > 6 else None,
            user=(fields[7] or None) if len(fields) > 7 else None,
        )
        _stamp(record, when)
        result.records.append(record)
        counts.records += 1
        counts.events[event] = counts.events.get(event, 0) + 1
    return result


# ---------------------------------------------------------------- detection and entry point

FILE_PARSERS: dict[str, Callable[[list[str], SourceContext], ParseResult]] = {
    "isc-leases": parse_isc_leases,
    "kea-csv": parse_kea_csv,
    "windows-dhcp": parse_windows_dhcp,
}


def detect_file_format(lines: list[str]) -> str | None:
    """A file format from the first lines, or None (then formats are found per line)."""
    head = [line.strip() for line in lines[:40]]
    if any("Microsoft DHCP Service Activity Log" in line for line in head) or any(
        line.startswith("ID,Date,Time,Description") for line in head
    ):
        return "windows-dhcp"
    if head and head[0].startswith("address,hwaddr,client_id"):
        return "kea-csv"
    if any(
        line.startswith("# The format of this file is documented in the dhcpd.leases")
        for line in head
    ) or any(_LEASE_START.match(line) for line in head):
        return "isc-leases"
    return None


def decode(data: bytes) -> str:
    """Text of an input: UTF-8 (with a BOM or without), UTF-16 when it says so, else the
    Turkish Windows code page (Windows DHCP logs are written in the system's ANSI code page)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1254", "replace")


def split_lines(text: str) -> list[str]:
    """Lines of a text, without their ends (LF or CRLF); a final line end adds no line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [line.removesuffix("\r") for line in lines]
    return lines


def parse_bytes(data: bytes, ctx: SourceContext, fmt: str | None = None) -> ParseResult:
    return parse(split_lines(decode(data)), ctx, fmt)


def parse(lines: list[str], ctx: SourceContext, fmt: str | None = None) -> ParseResult:
    """Parse an input's lines (line ends removed) in the given or the detected format."""
    if fmt is not None and fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    chosen = fmt or detect_file_format(lines)
    if chosen in FILE_PARSERS:
        return FILE_PARSERS[chosen](lines, ctx)
    return parse_lines(lines, ctx, chosen)
