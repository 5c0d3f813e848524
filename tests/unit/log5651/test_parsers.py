"""Every Law 5651 log format against its fixture files.

A fixture is ``fixtures/<format>/<name>.log``, text as the vendor's software writes it, next
to ``<name>.json``: how to read it (source, time zone, the file's modification time) and the
records, per-source counts and unknown lines expected. The format is never given: detecting
it is part of what is tested. A new vendor format or variant is a new pair of files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kentops.log5651.parsers import FORMATS, FormatError, SourceContext, parse_bytes
from kentops.log5651.records import canonical_mac

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(FIXTURES.glob("*/*.log"))


def context(spec: dict[str, Any]) -> SourceContext:
    return SourceContext(
        default_source=spec["default_source"],
        reference=dt.datetime.fromisoformat(spec["reference"]),
        tz=ZoneInfo(spec.get("tz", "Europe/Istanbul")),
        source=spec.get("source"),
        aliases=spec.get("aliases", {}),
    )


@pytest.mark.parametrize("raw", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_parses_to_the_expected_records(raw: Path) -> None:
    expected = json.loads(raw.with_suffix(".json").read_text(encoding="utf-8"))
    result = parse_bytes(raw.read_bytes(), context(expected["context"]))
    assert [r.to_dict() for r in result.records] == expected["records"]
    assert {k: v.as_dict() for k, v in result.counts.items()} == expected["counts"]
    assert [n for n, _ in result.unknown_samples] == expected["unknown_lines"]
    # the format was detected, not given, and every input line is accounted for
    assert {r.format for r in result.records} == {raw.parent.name}
    lines = len(raw.read_bytes().splitlines())
    assert sum(c.lines for c in result.counts.values()) == lines == len(result.line_source)


def test_every_format_has_a_fixture() -> None:
    assert {p.parent.name for p in CASES} == set(FORMATS)


def test_rfc3164_year_comes_from_the_file_time_not_the_clock() -> None:
    lines = b"Dec 31 23:59:00 dhcp01 dhcpd[1]: DHCPACK on 10.0.0.5 to 0:1:2:3:4:5 via eth0\n"
    for reference, year in (
        ("2027-01-03T10:00:00+03:00", 2026),
        ("2031-12-31T23:59:30+03:00", 2031),
    ):
        ctx = context({"default_source": "s", "reference": reference})
        (record,) = parse_bytes(lines, ctx).records
        assert record.time.astimezone(ZoneInfo("Europe/Istanbul")).year == year


def test_rfc3164_new_year_is_the_sources_own_new_year() -> None:
    """A line of 1 January 01:30 Istanbul time, read at 02:00 Istanbul (still 31 December in
    UTC), belongs to the new year."""
    lines = b"Jan  1 01:30:00 dhcp01 dhcpd[1]: DHCPACK on 10.0.0.5 to 0:1:2:3:4:5 via eth0\n"
    ctx = context({"default_source": "s", "reference": "2026-12-31T23:00:00+00:00"})
    (record,) = parse_bytes(lines, ctx).records
    local = record.time.astimezone(ZoneInfo("Europe/Istanbul"))
    assert (local.year, local.month, local.day, local.hour) == (2027, 1, 1, 1)


def test_time_without_offset_is_the_sources_own_zone() -> None:
    line = b"2026-07-01T12:00:00 dhcp01 dhcpd[1]: DHCPACK on 10.0.0.5 to 0:1:2:3:4:5 via eth0\n"
    ctx = context({"default_source": "s", "reference": "2026-07-02T00:00:00+00:00"})
    ctx.zones = {"dhcp01": ZoneInfo("Europe/Berlin")}
    (record,) = parse_bytes(line, ctx).records
    assert (record.time.hour, record.offset, record.offset_given) == (10, "+02:00", False)


@pytest.mark.parametrize(
    ("text", "mac"),
    [
        ("0:c:29:1a:2b:3c", "00:0c:29:1a:2b:3c"),
        ("00-0C-29-1A-2B-3C", "00:0c:29:1a:2b:3c"),
        ("000c.291a.2b3c", "00:0c:29:1a:2b:3c"),
        ("000C291A2B3C", "00:0c:29:1a:2b:3c"),
        ("00:0c:29:1a:2b", None),
        ("zz:zz:zz:zz:zz:zz", None),
    ],
)
def test_mac_addresses_have_one_form(text: str, mac: str | None) -> None:
    assert canonical_mac(text) == mac


def test_an_unknown_format_name_is_refused() -> None:
    ctx = context({"default_source": "s", "reference": "2026-07-02T00:00:00+00:00"})
    with pytest.raises(FormatError, match="unknown format 'syslog-ng'"):
        parse_bytes(b"x\n", ctx, "syslog-ng")
