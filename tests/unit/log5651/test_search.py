"""Search answers from a sealed day: across a renewal, after a release (nobody), through a NAT
translation, by MAC; with the day's verification; and writes the Turkish statement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kentops.log5651.archive import Archive, ingest
from kentops.log5651.parsers import SourceContext
from kentops.log5651.seal import seal
from kentops.log5651.search import search_ip, search_mac, search_nat
from kentops.log5651.statement import render_statement
from kentops.log5651.timestamp import TsaConfig
from kentops.log5651.verify import verify_day
from tests.unit.log5651.conftest import LATE_OK

FIXTURES = Path(__file__).parent / "fixtures"
DAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
MAC = "52:54:00:12:34:56"


def at(hms: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2026-12-03T{hms}+03:00")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, tsa_config: TsaConfig) -> Archive:
    store = Archive(tmp_path_factory.mktemp("search") / "a")
    for name, source in (
        ("kea-log/kea-dhcp4.log", "hq-srv-dhcp-01"),
        ("fortigate/traffic.log", "hq-fw-01"),
    ):
        path = FIXTURES / name
        ctx = SourceContext(default_source=source, reference=NOW, source=source)
        ingest(store, path.read_bytes(), str(path), ctx, now=NOW)
    assert seal(store, tsa_config, now=NOW).ok
    return store


def test_the_holder_across_a_renewal(archive: Archive) -> None:
    before = search_ip(archive, "10.10.20.100", at("10:20:00"))
    after_renewal = search_ip(archive, "10.10.20.100", at("10:50:00"))
    assert before.holder is not None and after_renewal.holder is not None
    assert before.holder.mac == after_renewal.holder.mac == MAC
    lease = after_renewal.holder
    assert [e.record.event for e in lease.evidence] == ["assign", "renew", "release"]
    assert lease.end_reason == "release"
    assert lease.evidence[0].text.startswith("2026-12-03 10:15:02.118 INFO")
    assert lease.evidence[0].sealed and lease.evidence[0].raw_file.startswith("raw/")


def test_nobody_after_the_release_nor_before_the_assignment(archive: Archive) -> None:
    assert search_ip(archive, "10.10.20.100", at("11:03:00")).holder is None
    assert search_ip(archive, "10.10.20.100", at("10:15:00")).holder is None


def test_the_device_behind_a_nat_address_and_port(archive: Archive) -> None:
    answer = search_nat(archive, "203.0.113.10:51514", at("10:15:10"))
    assert answer.nat is not None and answer.nat.record.nat_inside == "10.10.20.100:51514"
    assert answer.holder is not None and answer.holder.mac == MAC
    assert search_nat(archive, "203.0.113.10:51515", at("10:15:10")).nat is None


def test_a_mac_s_leases(archive: Archive) -> None:
    answer = search_mac(archive, "52-54-00-12-34-56", DAY, DAY)
    assert [(lease.ip, lease.end_reason) for lease in answer.leases] == [
        ("10.10.20.100", "release")
    ]


def test_the_statement_names_the_day_s_hashes_and_verification(
    archive: Archive, tsa_config: TsaConfig
) -> None:
    answer = search_ip(archive, "10.10.20.100", at("10:20:00"))
    for day in answer.evidence_days:
        answer.days[day] = verify_day(archive, day, tsa_config, LATE_OK)
    assert answer.verified
    html = render_statement(archive, answer)
    manifest_sha = answer.days[DAY].manifest_sha256  # type: ignore[union-attr]
    assert manifest_sha is not None and manifest_sha in html
    assert MAC in html and "doğrulandı / verified" in html
    assert "openssl ts -verify" in html and "DHCP4_LEASE_ALLOC" in html
