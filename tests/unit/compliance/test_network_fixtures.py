"""Network judges read real device configurations: one fixture file per configuration.

Each file in fixtures/network/ holds a configuration of one dialect, the demo device it
belongs to, and what every network control must conclude about it (``pass`` for all, or a
mapping control -> pass|fail, with an optional substring the failure must name). Adding a
dialect or a tricky configuration means adding a file, not a test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kentops.compliance.catalog import Catalogs
from kentops.compliance.engine import judge_subject
from kentops.compliance.evidence import EvidenceItem
from kentops.compliance.model import Outcome, combine
from tests.unit.compliance.conftest import ContextFactory, rendered_item, running_item

FIXTURES = Path(__file__).parent / "fixtures" / "network"
KIND = {"cisco_ios": "ios", "huawei_vrp": "vrp", "fortios": "fortios", "routeros": "routeros"}
ALL = (
    "NET-SSH-01",
    "NET-HTTP-01",
    "NET-AAA-01",
    "NET-NTP-01",
    "NET-LOG-01",
    "NET-SNMP-01",
    "NET-MGMT-01",
    "NET-BANNER-01",
    "NET-USERS-01",
    "SEC-ENC-01",
)
SWITCH_ONLY = ("NET-DHCPSNOOP-01", "NET-PORTSEC-01")


def _cases() -> list[Any]:
    cases = []
    for file in sorted(FIXTURES.glob("*.yml")):
        spec = yaml.safe_load(file.read_text(encoding="utf-8"))
        expect = spec["expect"]
        if expect == "pass":
            controls = ALL + (
                SWITCH_ONLY if spec["platform"] in {"cisco_ios", "huawei_vrp"} else ()
            )
            expect = dict.fromkeys(controls, "pass")
        for control, outcome in expect.items():
            cases.append(
                pytest.param(file.stem, spec, control, outcome, id=f"{file.stem}-{control}")
            )
    return cases


def _running(spec: dict[str, Any]) -> EvidenceItem:
    """The fixture as a running configuration read from the device in this run."""
    return running_item(spec["device"], spec["config"])


def _rendered(spec: dict[str, Any]) -> EvidenceItem:
    """The same text as kentops' own rendered output."""
    return rendered_item(spec["device"], spec["config"], KIND[spec["platform"]])


@pytest.mark.parametrize(("name", "spec", "control", "outcome"), _cases())
def test_judge_reads_configuration(
    name: str,
    spec: dict[str, Any],
    control: str,
    outcome: str,
    make_ctx: ContextFactory,
    catalogs: Catalogs,
) -> None:
    ctx = make_ctx([_running(spec)])
    device = ctx.inventory.asset(spec["device"])
    decision = judge_subject(catalogs.controls[control], ctx, device)
    got, findings, design = decision.outcome, decision.findings, decision.design
    texts = " | ".join(f.en for f in findings)
    assert got is Outcome(outcome), f"{name} {control}: {texts}"
    why = (spec.get("why") or {}).get(control)
    if why is not None:
        assert why in texts, f"{name} {control}: {texts}"
    # every finding cites the configuration it read
    judged = [f for f in findings if f.outcome in {Outcome.PASS, Outcome.FAIL}]
    assert judged
    assert all(f.evidence == (f"running_config/{spec['device']}.cfg",) for f in judged)
    assert not design


@pytest.mark.parametrize(("name", "spec", "control", "outcome"), _cases())
def test_intended_configuration_alone_never_decides(
    name: str,
    spec: dict[str, Any],
    control: str,
    outcome: str,
    make_ctx: ContextFactory,
    catalogs: Catalogs,
) -> None:
    """The same configuration as kentops' own rendered output, with no running configuration
    read: the device is not assessed; the verdict is kept as a result about the design."""
    ctx = make_ctx([_rendered(spec)], collected={"rendered_config", "running_config"})
    device = ctx.inventory.asset(spec["device"])
    decision = judge_subject(catalogs.controls[control], ctx, device)
    got, findings, design = decision.outcome, decision.findings, decision.design
    assert got is Outcome.NOT_ASSESSED, " | ".join(f.en for f in findings)
    assert combine(design) is Outcome(outcome)
    assert all(f.evidence == (f"rendered_config/{spec['device']}/intended.cfg",) for f in design)


def test_running_configuration_is_judged_too(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    """When a backup of the running configuration exists, it is judged beside the intended."""
    good = yaml.safe_load((FIXTURES / "cisco-access-good.yml").read_text(encoding="utf-8"))
    bad = yaml.safe_load((FIXTURES / "cisco-legacy-bad.yml").read_text(encoding="utf-8"))
    running = EvidenceItem(
        kind="running_config",
        name="running_config/hq-sw-k1-01.cfg",
        content=bad["config"],
        source="backup",
        subject="hq-sw-k1-01",
    )
    ctx = make_ctx([_rendered(good), running])
    device = ctx.inventory.asset("hq-sw-k1-01")
    findings = catalogs.controls.checks["NET-SSH-01"](ctx, device)
    by_ref = {f.evidence[0]: f.outcome for f in findings}
    assert by_ref == {
        "rendered_config/hq-sw-k1-01/intended.cfg": Outcome.PASS,
        "running_config/hq-sw-k1-01.cfg": Outcome.FAIL,
    }
    assert combine(findings) is Outcome.FAIL


def test_without_rendered_configs_nothing_passes(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    ctx = make_ctx(collected=[])
    device = ctx.inventory.asset("hq-sw-k1-01")
    for control in (*ALL, *SWITCH_ONLY):
        assert combine(catalogs.controls.checks[control](ctx, device)) is Outcome.NOT_ASSESSED, (
            control
        )


def test_drift_lists_remediation(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    good = yaml.safe_load((FIXTURES / "cisco-access-good.yml").read_text(encoding="utf-8"))
    changed = good["config"].replace("ntp server 10.10.60.12\n", "ntp server 10.99.0.1\n")
    running = EvidenceItem(
        kind="running_config",
        name="running_config/hq-sw-k1-01.cfg",
        content=changed,
        source="backup",
        subject="hq-sw-k1-01",
    )
    ctx = make_ctx([_rendered(good), running])
    device = ctx.inventory.asset("hq-sw-k1-01")
    drift = catalogs.controls.checks["NET-DRIFT-01"](ctx, device)
    assert combine(drift) is Outcome.FAIL
    assert "no ntp server 10.99.0.1" in drift[0].en
    assert "ntp server 10.10.60.12" in drift[0].en
    same = EvidenceItem(
        kind="running_config",
        name="running_config/hq-sw-k1-01.cfg",
        content=good["config"],
        source="backup",
        subject="hq-sw-k1-01",
    )
    ctx = make_ctx([_rendered(good), same])
    assert combine(catalogs.controls.checks["NET-DRIFT-01"](ctx, device)) is Outcome.PASS
