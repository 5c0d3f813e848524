"""A small model of packet filters read back from rendered configurations.

Each parser turns rendered text into ordered :class:`Rule` lists (first match wins, with the
platform's default when nothing matches). Addresses are integer ranges so that tens of
thousands of probe packets are cheap to evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

Range = tuple[int, int]
ANY_RANGE: Range = (0, 2**32 - 1)
ALL_PORTS: Range = (0, 65535)


def net_range(net: IPv4Network) -> Range:
    return int(net.network_address), int(net.broadcast_address)


@dataclass(frozen=True)
class Packet:
    """One probe: a new connection (TCP SYN) or a first datagram, or an ICMP echo request."""

    src: IPv4Address
    dst: IPv4Address
    protocol: str  # tcp | udp | icmp
    dport: int | None = None
    sport: int | None = None

    def describe(self) -> str:
        port = f":{self.dport}" if self.dport is not None else ""
        kind = "echo" if self.protocol == "icmp" else self.protocol
        return f"{kind} {self.src} -> {self.dst}{port}"


@dataclass
class Rule:
    """One entry of an ordered filter, with where it was written."""

    action: str  # permit | deny
    protocols: frozenset[str] | None  # None: any protocol
    src: list[Range]
    dst: list[Range]
    dports: list[Range] | None = None  # None: any
    sports: list[Range] | None = None
    established: bool = False  # matches only packets of an established TCP connection
    icmp_types: frozenset[str] | None = None  # echo, echo-reply; None: any
    src_negate: bool = False
    dst_negate: bool = False
    state_only: bool = False  # matches only established/related/invalid state: never a probe
    line: int = 0
    text: str = ""
    name: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def touches(self, src: int, dst: int) -> bool:
        """True when the rule can match some packet from src to dst (addresses only)."""
        if self.state_only:
            return False
        inside = False
        for low, high in self.src:
            if low <= src <= high:
                inside = True
                break
        if inside == self.src_negate:
            return False
        inside = False
        for low, high in self.dst:
            if low <= dst <= high:
                inside = True
                break
        return inside != self.dst_negate

    def matches_service(self, packet: Packet) -> bool:
        """Protocol, ports and flags of a new connection (addresses already matched)."""
        if self.protocols is not None and packet.protocol not in self.protocols:
            return False
        if self.established:
            return False  # a new connection is not established
        if packet.protocol == "icmp":
            return self.icmp_types is None or "echo" in self.icmp_types
        if self.dports is not None and (
            packet.dport is None or not _inside(packet.dport, self.dports)
        ):
            return False
        return not (
            self.sports is not None
            and (packet.sport is None or not _inside(packet.sport, self.sports))
        )

    def where(self) -> str:
        label = f"{self.name}: " if self.name else ""
        return f"line {self.line}: {label}{self.text}".strip()


def _inside(value: int, ranges: list[Range]) -> bool:
    return any(low <= value <= high for low, high in ranges)


@dataclass(frozen=True)
class Decision:
    permit: bool
    rule: Rule | None  # None: the platform's default (implicit deny, or no filter at all)
    reason: str = ""

    def where(self) -> str:
        if self.rule is not None:
            return self.rule.where()
        return self.reason


def first_match(
    rules: list[Rule], packet: Packet, default_permit: bool, default_reason: str
) -> Decision:
    src, dst = int(packet.src), int(packet.dst)
    for rule in rules:
        if rule.action not in ("permit", "deny"):
            continue  # log, passthrough, jump: not a verdict
        if rule.touches(src, dst) and rule.matches_service(packet):
            return Decision(rule.action == "permit", rule)
    return Decision(default_permit, None, default_reason)
