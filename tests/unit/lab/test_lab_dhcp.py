"""The lab DHCP chain's pure parts: the firewalls' NAT lines read back by the Law 5651
parsers as the translations they stand for, and the lab's Kea configuration differs from the
rendered one only in the DNS and NTP server addresses."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from kentops.lab.dhcp import lab_kea_config, nat_line
from kentops.log5651.parsers import SourceContext, parse

WHEN = dt.datetime(2026, 6, 15, 21, 30, 15, tzinfo=dt.UTC)  # 00:30:15 on 16 June in Istanbul


def _as_filed(line: str) -> str:
    """The message as rsyslog files it: the priority is not part of the stored line."""
    return re.sub(r"^<\d+>", "", line)


@pytest.mark.parametrize("platform", ["fortios", "routeros"])
def test_nat_lines_parse_back_into_the_translation(platform: str) -> None:
    line = nat_line(
        platform,
        "edge-01",
        WHEN,
        ("10.10.20.10", 51514),
        ("198.51.100.10", 61514),
        ("203.0.113.80", 443),
        "02:aa:bb:cc:dd:ee",
        4242,
    )
    ctx = SourceContext(default_source="x", reference=WHEN + dt.timedelta(minutes=1))
    result = parse([_as_filed(line)], ctx)
    assert len(result.records) == 1, result.unknown_samples
    record = result.records[0]
    assert record.event == "nat"
    assert record.source == "edge-01"
    assert record.ip == "10.10.20.10"
    assert record.mac == "02:aa:bb:cc:dd:ee"
    assert record.nat_inside == "10.10.20.10:51514"
    assert record.nat_outside == "198.51.100.10:61514"
    assert record.nat_destination == "203.0.113.80:443"
    assert record.time == WHEN  # written in the site's time zone, read back to the instant


def test_nat_line_of_an_unknown_platform_is_refused() -> None:
    from kentops.lab.dhcp import DhcpLabError

    with pytest.raises(DhcpLabError, match="no NAT log format"):
        nat_line("cisco_ios", "sw", WHEN, ("a", 1), ("b", 2), ("c", 3), "m", 1)


RENDERED = {
    "Dhcp4": {
        "interfaces-config": {"interfaces": ["*"], "dhcp-socket-type": "udp"},
        "option-data": [
            {"name": "domain-name", "data": "ornek.bel.tr"},
            {"name": "domain-name-servers", "data": "10.10.60.11, 10.10.60.12"},
            {"name": "ntp-servers", "data": "10.10.60.11, 10.10.60.12"},
        ],
        "subnet4": [
            {"id": 1, "subnet": "10.10.20.0/24", "pools": [{"pool": "10.10.20.10 - 10.10.20.249"}]}
        ],
    }
}


def test_lab_kea_config_changes_only_the_dns_and_ntp_addresses() -> None:
    text = json.dumps(RENDERED)
    lab = json.loads(lab_kea_config(text, ["10.1.2.3"], []))
    options = {o["name"]: o["data"] for o in lab["Dhcp4"]["option-data"]}
    assert options == {"domain-name": "ornek.bel.tr", "domain-name-servers": "10.1.2.3"}
    rest = {k: v for k, v in lab["Dhcp4"].items() if k != "option-data"}
    assert rest == {k: v for k, v in RENDERED["Dhcp4"].items() if k != "option-data"}
