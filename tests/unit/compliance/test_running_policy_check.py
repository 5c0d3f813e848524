"""Segmentation is proven on what the devices run: the policy check over the running
configurations decides, the one over kentops' rendered configurations is the design."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kentops.compliance.catalog import Catalogs
from kentops.compliance.checks import CONFIG_ARTEFACTS, CheckContext
from kentops.compliance.collectors import (
    InventoryCollector,
    PolicyCheckCollector,
    PolicyCollector,
    RenderedConfigCollector,
    RunningPolicyCheck,
    RunningPolicyCheckCollector,
)
from kentops.compliance.engine import judge_subject
from kentops.compliance.evidence import (
    CollectContext,
    EvidenceItem,
    EvidenceSet,
    EvidenceStore,
    run_collectors,
)
from kentops.compliance.model import Outcome
from kentops.inventory.loader import LoadedInventory
from kentops.policycheck import PolicyCheckResult
from tests.helpers import REPO
from tests.unit.compliance.conftest import NOW, running_item

CORE = "hq-sw-core-01"
CAMERA_ACL = "ip access-list extended KENTOPS-KAMERA-IN\n"


class Running:
    """Plays the backup collector: the running configurations given, as read from devices."""

    name = "running_config"
    kinds: tuple[str, ...] = ("running_config",)

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        return [running_item(device, text) for device, text in self.texts.items()]


def _audit_evidence(
    loaded: LoadedInventory, tmp_path: Path, change: Any = None, leave_out: str | None = None
) -> EvidenceSet:
    """Collect as an audit would, with every enforcement point's running configuration equal
    to its intended one except where the test changes or leaves one out."""
    store = EvidenceStore(tmp_path, "ornek", "run", write=False)
    ctx = CollectContext(loaded, REPO / "policies", "run", NOW, tmp_path, store.evidence)
    static = [InventoryCollector(), PolicyCollector(), RenderedConfigCollector()]
    run_collectors(static, ctx, store)
    texts = {
        s.subject: s.text
        for s in store.evidence.of_kind("rendered_config")
        if s.subject and getattr(s.data, "kind", None) in CONFIG_ARTEFACTS
    }
    if change is not None:
        texts = change(texts)
    if leave_out is not None:
        texts.pop(leave_out)
    # registered out of order on purpose: the running check declares what it reads
    later = [RunningPolicyCheckCollector(), Running(texts), PolicyCheckCollector()]
    runs = run_collectors(later, ctx, store)
    assert {r.name: r.state for r in runs}["running_policy_check"] == "collected", runs
    return store.evidence


def _judge(
    catalogs: Catalogs, loaded: LoadedInventory, evidence: EvidenceSet, control: str, asset: str
) -> Any:
    ctx = CheckContext(loaded=loaded, evidence=evidence, now=NOW)
    return judge_subject(catalogs.controls[control], ctx, loaded.inventory.asset(asset))


@pytest.fixture(scope="module")
def intact(demo_loaded: LoadedInventory, tmp_path_factory: pytest.TempPathFactory) -> EvidenceSet:
    return _audit_evidence(demo_loaded, tmp_path_factory.mktemp("intact"))


def test_running_configurations_equal_to_the_intended_ones_pass(
    intact: EvidenceSet, demo_loaded: LoadedInventory, catalogs: Catalogs
) -> None:
    for control, asset in (("SEG-POLICY-01", CORE), ("SEG-CAM-01", "hq-cam-01")):
        decision = _judge(catalogs, demo_loaded, intact, control, asset)
        assert decision.outcome is Outcome.PASS, [f.en for f in decision.findings]
        assert decision.design  # the design verdict is kept, apart


def test_a_camera_acl_opened_on_the_device_fails_though_the_design_passes(
    demo_loaded: LoadedInventory, catalogs: Catalogs, tmp_path: Path
) -> None:
    def open_cameras(texts: dict[str, str]) -> dict[str, str]:
        assert CAMERA_ACL in texts[CORE]
        texts[CORE] = texts[CORE].replace(CAMERA_ACL, CAMERA_ACL + " permit ip any any\n", 1)
        return texts

    evidence = _audit_evidence(demo_loaded, tmp_path, change=open_cameras)
    for control, asset in (("SEG-POLICY-01", CORE), ("SEG-CAM-01", "hq-cam-01")):
        decision = _judge(catalogs, demo_loaded, evidence, control, asset)
        assert decision.outcome is Outcome.FAIL, (control, [f.en for f in decision.findings])
        assert all(f.outcome is not Outcome.FAIL for f in decision.design)


def test_an_enforcement_point_not_read_leaves_the_zone_unproven(
    demo_loaded: LoadedInventory, catalogs: Catalogs, tmp_path: Path
) -> None:
    evidence = _audit_evidence(demo_loaded, tmp_path, leave_out=CORE)
    decision = _judge(catalogs, demo_loaded, evidence, "SEG-CAM-01", "hq-cam-01")
    assert decision.outcome is Outcome.NOT_ASSESSED
    assert any(CORE in f.en for f in decision.findings)


def test_a_zone_the_check_never_probed_is_not_assessed_not_a_pass(
    make_ctx: Any, catalogs: Catalogs
) -> None:
    """A proof with no violation but that never sent a packet to or from the camera zone
    says nothing about that zone."""
    empty = PolicyCheckResult(matrix={}, violations=[], devices=[CORE], packets=0)
    item = EvidenceItem(
        kind="running_policy_check",
        name="policy_check/running.json",
        content="{}",
        source="test",
        data=RunningPolicyCheck(empty, {CORE: "running_config/x.cfg"}, []),
    )
    ctx = make_ctx([item])
    decision = judge_subject(catalogs.controls["SEG-CAM-01"], ctx, ctx.inventory.asset("hq-cam-01"))
    assert decision.outcome is Outcome.NOT_ASSESSED
    assert any("never probed" in f.en for f in decision.findings)
