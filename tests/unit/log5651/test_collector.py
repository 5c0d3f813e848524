"""The audit collector verifies the archive in this run: a day sealed against the lab TSA
gives the LOG-* checks a verdict; a tampered day fails them; without an archive or without
pinned certificates the kind stays not collected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kentops.compliance.checks import CheckContext
from kentops.compliance.checks.logs import chain_intact, days_sealed, sources_reporting
from kentops.compliance.collectors import load_policies
from kentops.compliance.evidence import (
    CollectContext,
    EvidenceItem,
    EvidenceSet,
    EvidenceStore,
    NotCollected,
    json_text,
)
from kentops.compliance.model import Outcome
from kentops.compliance.payloads import Log5651Archive
from kentops.inventory.loader import LoadedInventory
from kentops.log5651.archive import Archive, day_of, ingest
from kentops.log5651.collectors import Log5651ArchiveCollector
from kentops.log5651.config import CERT_ENV, ROOT_ENV
from kentops.log5651.parsers import SourceContext
from kentops.log5651.seal import seal
from kentops.log5651.timestamp import TsaConfig
from tests.helpers import REPO
from tests.unit.log5651.conftest import add, kea_lines


def collect(loaded: LoadedInventory, root: Path, tmp_path: Path) -> list[EvidenceItem]:
    ctx = CollectContext(
        loaded=loaded,
        policy_dir=REPO / "policies",
        run_id="run",
        started=dt.datetime.now(dt.UTC),
        run_dir=tmp_path / "run",
        evidence=EvidenceSet(),
        options={"log5651_archive": root},
    )
    return Log5651ArchiveCollector().collect(ctx)


def check_context(loaded: LoadedInventory, items: list[EvidenceItem]) -> CheckContext:
    policies: dict[str, Any] = load_policies(REPO / "policies", loaded)
    store = EvidenceStore(REPO / "var" / "unused", "test", "run", write=False)
    store.store(
        "test",
        [
            *items,
            EvidenceItem(
                "policies", "policies/loaded.json", json_text(policies), "t", None, policies
            ),
        ],
    )
    store.evidence.mark_collected({"inventory", "policies", "log5651_archive"})
    return CheckContext(loaded=loaded, evidence=store.evidence, now=dt.datetime.now(dt.UTC))


@pytest.fixture
def sealed_yesterday(
    tmp_path: Path, tsa_config: TsaConfig, monkeypatch: pytest.MonkeyPatch
) -> Archive:
    monkeypatch.setenv(ROOT_ENV, str(tsa_config.root_cert))
    monkeypatch.setenv(CERT_ENV, str(tsa_config.tsa_cert))
    monkeypatch.delenv("KENTOPS_LAB", raising=False)
    archive = Archive(tmp_path / "archive")
    yesterday = day_of(dt.datetime.now(dt.UTC)) - dt.timedelta(days=1)
    add(archive, kea_lines(yesterday))
    assert seal(archive, tsa_config).ok
    return archive


def test_a_sealed_day_is_judged(
    demo_loaded: LoadedInventory, sealed_yesterday: Archive, tmp_path: Path
) -> None:
    items = collect(demo_loaded, sealed_yesterday.root, tmp_path)
    payload = items[0].data
    assert isinstance(payload, Log5651Archive)
    (day,) = payload.days
    assert day.sealed and day.seal_verified and day.digest_ok and day.link_ok
    assert day.sources == ["hq-srv-dhcp-01"] and payload.chain_intact
    assert {lease.ip for lease in payload.leases} == {"10.10.20.101", "10.10.20.102"}
    assert b'"status": "verified"' in items[0].raw  # the verify report is the evidence
    ctx = check_context(demo_loaded, items)
    site = demo_loaded.inventory.site
    dhcp = demo_loaded.inventory.asset("hq-srv-dhcp-01")
    assert [f.outcome for f in days_sealed(ctx, site)] == [Outcome.PASS]
    assert [f.outcome for f in chain_intact(ctx, site)] == [Outcome.PASS]
    assert [f.outcome for f in sources_reporting(ctx, dhcp)] == [Outcome.PASS, Outcome.PASS]
    firewall = demo_loaded.inventory.asset("hq-fw-01")
    assert sources_reporting(ctx, firewall)[-1].outcome == Outcome.FAIL  # sent nothing


def test_a_tampered_day_fails_the_checks(
    demo_loaded: LoadedInventory, sealed_yesterday: Archive, tmp_path: Path
) -> None:
    (day,) = sealed_yesterday.sealed_days()
    records = sealed_yesterday.day_dir(day) / "records.jsonl.gz"
    records.write_bytes(records.read_bytes()[:-3])
    items = collect(demo_loaded, sealed_yesterday.root, tmp_path)
    ctx = check_context(demo_loaded, items)
    findings = chain_intact(ctx, demo_loaded.inventory.site)
    assert [f.outcome for f in findings] == [Outcome.FAIL]
    assert day.isoformat() in findings[0].en


def test_nothing_read_is_not_collected(
    demo_loaded: LoadedInventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NotCollected, match="no Law 5651 archive"):
        collect(demo_loaded, tmp_path / "none", tmp_path)
    (tmp_path / "a" / "days").mkdir(parents=True)
    for name in (ROOT_ENV, CERT_ENV, "KENTOPS_LAB", "KENTOPS_TSA_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(NotCollected, match="cannot be verified"):
        collect(demo_loaded, tmp_path / "a", tmp_path)


def test_guest_sessions_with_and_without_a_user(
    demo_loaded: LoadedInventory,
    tmp_path: Path,
    tsa_config: TsaConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ROOT_ENV, str(tsa_config.root_cert))
    monkeypatch.setenv(CERT_ENV, str(tsa_config.tsa_cert))
    archive = Archive(tmp_path / "archive")
    yesterday = day_of(dt.datetime.now(dt.UTC)) - dt.timedelta(days=1)
    lines = []
    for n, (src, user) in enumerate((("172.16.10.5", ' user="ali"'), ("172.16.20.7", ""))):
        lines.append(
            f'date={yesterday} time=10:1{n}:14 devname="FGT-HQ-01" tz="+0300" '
            f'logid="0000000013" type="traffic" subtype="forward" srcip={src} srcport=5151{n} '
            f'dstip=93.184.216.34 dstport=443 proto=6 action="close" trandisp="snat" '
            f"transip=203.0.113.10 transport=4000{n} duration=12{user}"
        )
    ctx = SourceContext("hq-fw-01", dt.datetime.now(dt.UTC), source="hq-fw-01")
    report = ingest(archive, ("\n".join(lines) + "\n").encode(), "fgt.log", ctx)
    assert report.records == 2, report.as_dict()
    assert seal(archive, tsa_config).ok
    payload = collect(demo_loaded, archive.root, tmp_path)[0].data
    assert payload.identified_sessions == {
        "hq-guest": True,
        "kultur-guest": False,
        "misafir": False,
    }
