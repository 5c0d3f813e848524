"""The evidence rule: "uyumlu" only for what was read from the subject in this run.

Each test here failed on the engine and checks before the rule existed: a pass from kentops'
own rendered configuration, from an empty loop, from payload defaults, or from evidence read
from some other device.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kentops.compliance.catalog import (
    DECLARED_KINDS,
    DESIGN_KINDS,
    EVIDENCE_KINDS,
    OBSERVED_KINDS,
    Catalogs,
)
from kentops.compliance.engine import Decision, evaluate, judge_subject
from kentops.compliance.evidence import EvidenceItem, EvidenceStore, json_text
from kentops.compliance.model import Outcome, Status, combine, passed
from kentops.compliance.payloads import (
    ArchiveDay,
    DeviceFacts,
    Log5651Archive,
    ServerFacts,
    UpdateState,
)
from kentops.render import render_site
from tests.helpers import REPO
from tests.unit.compliance.conftest import NOW, ContextFactory, rendered_item, running_item

TODAY = NOW.date()


def _item(kind: str, subject: str | None, data: Any, content: str | None = None) -> EvidenceItem:
    return EvidenceItem(
        kind=kind,
        name=f"{kind}/{subject or 'site'}.json",
        content=json_text(data) if content is None else content,
        source="test",
        subject=subject,
        data=data,
    )


def _judge(catalogs: Catalogs, control: str, ctx: Any, subject_id: str) -> Decision:
    inv = ctx.inventory
    subject: Any = inv.site if subject_id == inv.site.id else inv.asset(subject_id)
    return judge_subject(catalogs.controls[control], ctx, subject)


def _demo_render(loaded: Any, device: str) -> str:
    """The intended configuration kentops renders for a demo switch."""
    report = render_site(loaded, REPO / "policies", out=None, hosts=[device])
    return next(a.text for a in report.artefacts if a.device_id == device and a.kind == "ios")


# ---------------------------------------------------------------- the kinds


def test_every_evidence_kind_is_classified() -> None:
    assert set(EVIDENCE_KINDS) <= OBSERVED_KINDS | DECLARED_KINDS
    assert not OBSERVED_KINDS & DECLARED_KINDS
    assert DESIGN_KINDS <= DECLARED_KINDS


def test_combine_of_nothing_is_never_a_pass() -> None:
    assert combine([]) is Outcome.NOT_ASSESSED


# ---------------------------------------------------------------- rendered never stands in


def test_rendered_configuration_alone_leaves_the_device_not_assessed(
    make_ctx: ContextFactory, catalogs: Catalogs, demo_loaded: Any
) -> None:
    text = _demo_render(demo_loaded, "hq-sw-k2-01")
    ctx = make_ctx([rendered_item("hq-sw-k2-01", text)], collected={"rendered_config"})
    decision = _judge(catalogs, "NET-SSH-01", ctx, "hq-sw-k2-01")
    assert decision.outcome is Outcome.NOT_ASSESSED
    assert decision.status is Status.NOT_ASSESSED
    # the verdict on the intended configuration is kept, labelled, apart
    assert combine(decision.design) is Outcome.PASS
    assert all("Intended configuration" in f.en for f in decision.design)


def test_running_configuration_with_telnet_fails_although_the_intended_one_passes(
    make_ctx: ContextFactory, catalogs: Catalogs, demo_loaded: Any
) -> None:
    text = _demo_render(demo_loaded, "hq-sw-k2-01")
    drifted = text.replace("transport input ssh", "transport input telnet ssh")
    assert drifted != text
    ctx = make_ctx([rendered_item("hq-sw-k2-01", text), running_item("hq-sw-k2-01", drifted)])
    decision = _judge(catalogs, "NET-SSH-01", ctx, "hq-sw-k2-01")
    assert decision.outcome is Outcome.FAIL
    assert combine(decision.design) is Outcome.PASS


def test_evidence_read_from_another_device_does_not_decide(
    make_ctx: ContextFactory, catalogs: Catalogs, demo_loaded: Any
) -> None:
    text = _demo_render(demo_loaded, "hq-sw-k2-01")
    # a running configuration stored under another subject, cited by nobody for this device
    ctx = make_ctx([running_item("hq-sw-k1-01", text)])
    decision = _judge(catalogs, "NET-SSH-01", ctx, "hq-sw-k2-01")
    assert decision.outcome is Outcome.NOT_ASSESSED


def test_a_pass_citing_only_records_in_an_observed_control_is_not_assessed(
    make_ctx: ContextFactory, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a check says, the engine enforces the rule (written once, not per check)."""
    from kentops.compliance import engine

    ctx = make_ctx([])
    monkeypatch.setattr(
        engine,
        "resolve_check",
        lambda _name: lambda _ctx, _subject: [passed("kayıt", "record", "policies/loaded.json")],
    )
    decision = _judge(catalogs, "SRV-SSH-01", ctx, "hq-srv-web-01")
    assert decision.outcome is Outcome.NOT_ASSESSED
    assert "No evidence was read from the subject itself" in decision.findings[-1].en


def test_observed_evidence_without_raw_output_is_refused_by_the_store() -> None:
    store = EvidenceStore(REPO / "var" / "unused", "test", "run", write=False)
    rejected: list[str] = []
    stored = store.store(
        "test",
        [
            _item("device_facts", "hq-sw-k1-01", DeviceFacts(device_id="hq-sw-k1-01"), ""),
            _item("inventory", None, {"valid": True}, ""),
        ],
        rejected,
    )
    assert [s.kind for s in stored] == ["inventory"]
    assert rejected
    assert "hq-sw-k1-01" in rejected[0]


# ---------------------------------------------------------------- the vacuous passes


def test_inventory_facts_with_every_field_empty_are_not_a_match(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    ctx = make_ctx([_item("device_facts", "hq-sw-k1-01", DeviceFacts(device_id="hq-sw-k1-01"))])
    decision = _judge(catalogs, "INV-FACTS-01", ctx, "hq-sw-k1-01")
    assert decision.outcome is Outcome.NOT_ASSESSED


def test_unreadable_facts_are_not_a_match(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    ctx = make_ctx([_item("device_facts", "hq-sw-k1-01", {"serial": ["a", "b"]})])
    decision = _judge(catalogs, "INV-FACTS-01", ctx, "hq-sw-k1-01")
    assert decision.outcome is Outcome.NOT_ASSESSED


def test_facts_that_contradict_the_inventory_fail(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    facts = DeviceFacts(device_id="hq-sw-k4-01", os_version="16.12.4")
    ctx = make_ctx([_item("device_facts", "hq-sw-k4-01", facts)])
    decision = _judge(catalogs, "INV-FACTS-01", ctx, "hq-sw-k4-01")
    assert decision.outcome is Outcome.FAIL


def test_discovery_with_no_item_read_is_not_assessed(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    ctx = make_ctx([], collected={"device_facts", "log5651_archive"})
    decision = _judge(catalogs, "INV-DISC-01", ctx, ctx.inventory.site.id)
    assert decision.outcome is Outcome.NOT_ASSESSED


def test_archive_without_first_day_and_an_unsealed_day_fails(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    day = TODAY - dt.timedelta(days=1)
    archive = Log5651Archive(verified_at=NOW, days=[ArchiveDay(day=day, records=10, sealed=False)])
    ctx = make_ctx([_item("log5651_archive", None, archive)])
    decision = _judge(catalogs, "LOG-SEAL-01", ctx, ctx.inventory.site.id)
    assert decision.outcome is Outcome.FAIL, [f.en for f in decision.findings]


def test_port_security_without_any_access_port_is_not_applicable_not_a_pass(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    config = "hostname hq-sw-k1-01\ninterface GigabitEthernet1/0/1\n switchport mode trunk\nend\n"
    ctx = make_ctx([running_item("hq-sw-k1-01", config)])
    decision = _judge(catalogs, "NET-PORTSEC-01", ctx, "hq-sw-k1-01")
    assert decision.outcome is Outcome.NOT_APPLICABLE
    unread = make_ctx([], collected={"running_config"})
    assert _judge(catalogs, "NET-PORTSEC-01", unread, "hq-sw-k1-01").outcome is (
        Outcome.NOT_ASSESSED
    )


def test_controller_without_the_guest_wlan_does_not_show_client_isolation(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    config = "hostname hq-wlc-01\nip ssh version 2\nend\n"
    ctx = make_ctx([running_item("hq-wlc-01", config)])
    decision = _judge(catalogs, "SEC-WIFI-01", ctx, "hq-wlc-01")
    assert decision.outcome is Outcome.FAIL, [f.en for f in decision.findings]
    assert any("no WLAN" in f.en for f in decision.findings)


@pytest.mark.parametrize("control", ["SRV-PATCH-01", "SRV-REBOOT-01"])
def test_update_state_not_read_is_not_a_pass(
    control: str, make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    facts = ServerFacts(server_id="hq-srv-web-01", updates=UpdateState())
    ctx = make_ctx([_item("server_facts", "hq-srv-web-01", facts)])
    assert _judge(catalogs, control, ctx, "hq-srv-web-01").outcome is Outcome.NOT_ASSESSED


# ---------------------------------------------------------------- the whole audit


def test_an_audit_on_rendered_configurations_alone_passes_no_network_device(
    demo_loaded: Any, catalogs: Catalogs, make_ctx: ContextFactory
) -> None:
    report = render_site(demo_loaded, REPO / "policies", out=None)
    items = [
        EvidenceItem(
            "rendered_config",
            f"rendered_config/{a.device_id}/{a.kind}",
            a.text,
            "test",
            a.device_id,
            a,
        )
        for a in report.artefacts
    ]
    ctx = make_ctx(items, collected={"rendered_config"})
    result = evaluate(demo_loaded, catalogs, ctx.evidence, "odunpazari-2019", NOW)
    network = [
        row
        for cid, res in result.controls.items()
        if cid.startswith("NET-")
        for row in res.rows
        if row.subject.kind in {"switch", "router", "firewall", "wireless_controller"}
    ]
    assert network
    assert not [r for r in network if r.status is Status.COMPLIANT]
    # and the design verdicts are there to read
    assert any(r.design for r in network)
