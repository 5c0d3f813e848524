"""The lab TSA for the archive tests, and small generated logs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kentops.lab.tsa import LabTsa, make_pki
from kentops.log5651.archive import Archive, ingest
from kentops.log5651.parsers import SourceContext
from kentops.log5651.timestamp import TsaConfig

#: Sealing generated past days happens long after they ended; tests that are not about the
#: seal delay allow it.
LATE_OK = dt.timedelta(days=100_000)


@pytest.fixture(scope="session")
def tsa_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pki(tmp_path_factory.mktemp("tsa-pki"))


@pytest.fixture(scope="session")
def tsa_config(tsa_pki: Path) -> Iterator[TsaConfig]:
    with LabTsa(tsa_pki) as server:
        yield TsaConfig(server.url, tsa_pki / "root.pem", tsa_pki / "tsa.pem")


def kea_lines(day: dt.date, count: int = 3, net: int = 20) -> str:
    """Kea DHCPv4 log lines of one day (local time): an allocation per client, then one
    release."""
    out = []
    for n in range(count):
        out.append(
            f"{day.isoformat()} 10:{n % 60:02d}:00.000 INFO  [kea-dhcp4.leases/1.1] "
            f"DHCP4_LEASE_ALLOC [hwtype=1 52:54:00:00:{net:02x}:{n:02x}], cid=[no info], "
            f"tid=0x1: lease 10.10.{net}.{100 + n} has been allocated for 3600 seconds"
        )
    out.append(
        f"{day.isoformat()} 10:30:00.000 INFO  [kea-dhcp4.leases/1.1] DHCP4_RELEASE "
        f"[hwtype=1 52:54:00:00:{net:02x}:00], cid=[no info], tid=0x2: address "
        f"10.10.{net}.100 was released properly."
    )
    return "\n".join(out) + "\n"


def add(archive: Archive, text: str, name: str = "kea.log", now: dt.datetime | None = None):  # type: ignore[no-untyped-def]
    ctx = SourceContext(
        default_source="hq-srv-dhcp-01",
        reference=now or dt.datetime.now(dt.UTC),
        source="hq-srv-dhcp-01",
    )
    return ingest(archive, text.encode(), name, ctx, now=now)
