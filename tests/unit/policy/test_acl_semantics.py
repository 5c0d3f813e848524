"""What an IOS ACL entry lets through, entry by entry: port operators at their edges and
the `established` keyword, which never matches the first packet of a connection."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from kentops.policycheck.parsers import parse_ios_ace
from kentops.policycheck.rules import Packet, first_match

SRC, DST = IPv4Address("10.10.20.5"), IPv4Address("10.10.60.12")


def _tcp(port: int) -> Packet:
    return Packet(SRC, DST, "tcp", dport=port, sport=40000)


# entry, destination port, whether the entry matches a new connection to it
CASES = [
    ("permit tcp any any gt 1023", 1023, False),
    ("permit tcp any any gt 1023", 1024, True),
    ("permit tcp any any gt 1023", 65535, True),
    ("permit tcp any any lt 1024", 1023, True),
    ("permit tcp any any lt 1024", 1024, False),
    ("permit tcp any any neq 22", 22, False),
    ("permit tcp any any neq 22", 21, True),
    ("permit tcp any any neq 22", 23, True),
    ("permit tcp any any range 20 22", 19, False),
    ("permit tcp any any range 20 22", 20, True),
    ("permit tcp any any range 20 22", 22, True),
    ("permit tcp any any range 20 22", 23, False),
    ("permit tcp any any eq 22 443", 443, True),
    ("permit tcp any any eq 22 443", 80, False),
    ("permit tcp any any established", 443, False),
    ("permit tcp any any", 443, True),
]


@pytest.mark.parametrize(("entry", "port", "matches"), CASES, ids=[f"{c[0]}@{c[1]}" for c in CASES])
def test_entry_matches_a_new_connection(entry: str, port: int, matches: bool) -> None:
    rule = parse_ios_ace(entry, 1, "TEST")
    assert rule.matches_service(_tcp(port)) is matches


def test_established_entry_does_not_open_a_denied_flow() -> None:
    """`permit tcp any any established` before the deny: a new connection still hits the deny."""
    rules = [
        parse_ios_ace("10 permit tcp any any established", 1, "TEST"),
        parse_ios_ace("20 deny ip any any", 2, "TEST"),
    ]
    decision = first_match(rules, _tcp(445), default_permit=False, default_reason="implicit")
    assert decision.permit is False
    assert decision.rule is rules[1]
