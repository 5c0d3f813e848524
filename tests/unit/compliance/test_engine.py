"""The engine: waivers, attestations, duty statuses, exit codes, references to the catalogs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kentops.compliance.collectors import AttestationCollector, InventoryCollector, PolicyCollector
from kentops.compliance.engine import AuditResult, run_audit
from kentops.compliance.model import Status, aggregate
from kentops.yamlsource import InvalidInput
from tests.helpers import DEMO, REPO
from tests.unit.compliance.conftest import NOW

S = Status


def _static() -> list[object]:
    return [InventoryCollector(), PolicyCollector(), AttestationCollector()]


def _audit(tmp_path: Path, inventory: Path = DEMO, **kw: object) -> AuditResult:
    return run_audit(
        inventory,
        policy_dir=kw.pop("policy_dir", REPO / "policies"),  # type: ignore[arg-type]
        evidence_root=tmp_path / "evidence",
        now=NOW,
        collectors=_static(),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    return _audit(tmp_path_factory.mktemp("audit"))


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([S.COMPLIANT, S.COMPLIANT], S.COMPLIANT),
        ([S.COMPLIANT, S.NONCOMPLIANT], S.PARTIAL),
        ([S.NONCOMPLIANT, S.NONCOMPLIANT], S.NONCOMPLIANT),
        ([S.NOT_ASSESSED, S.NOT_ASSESSED], S.NOT_ASSESSED),
        ([S.NOT_ASSESSED, S.NONCOMPLIANT], S.NONCOMPLIANT),
        ([S.COMPLIANT, S.NOT_ASSESSED], S.PARTIAL),  # not everything shown: not "all pass"
        ([S.COMPLIANT, S.NOT_APPLICABLE], S.COMPLIANT),
        ([S.NOT_APPLICABLE], S.NOT_APPLICABLE),
        ([S.PARTIAL, S.NONCOMPLIANT], S.PARTIAL),
        ([], S.NOT_APPLICABLE),
    ],
)
def test_aggregate(statuses: list[Status], expected: Status) -> None:
    assert aggregate(statuses) is expected


def test_valid_waiver_shown_expired_waiver_fails(demo_result: AuditResult) -> None:
    rows = {r.subject.id: r for r in demo_result.controls["AVL-UPS-01"].rows}
    valid = rows["kutuphane-rt-01"]
    assert valid.status is Status.COMPLIANT
    assert valid.waived
    assert valid.waiver is not None and valid.waiver.waiver.id == "muafiyet-001"
    expired = rows["nikah-rt-01"]
    assert expired.status is Status.NONCOMPLIANT
    assert not expired.waived
    assert any("muafiyet-002 expired on 2026-09-30" in f.en for f in expired.findings)
    states = {w.waiver.id: w.state for w in demo_result.waivers}
    assert states == {"muafiyet-001": "valid", "muafiyet-002": "expired"}
    # a failing asset without a waiver stays failing
    assert rows["garaj-rt-01"].status is Status.NONCOMPLIANT


def test_manual_duties_follow_attestations(demo_result: AuditResult) -> None:
    duties = {d.duty.id: d for d in demo_result.duties}
    assert duties["m7/a"].status is Status.ATTESTED
    assert duties["m10/b"].status is Status.NONCOMPLIANT  # attestation expired
    assert duties["m10/b"].attestation is not None
    assert duties["m10/b"].attestation.state == "expired"
    assert duties["m12/e"].status is Status.NONCOMPLIANT  # never attested
    assert duties["m12/e"].note_en == "No attestation"
    not_applicable = [d for d in demo_result.duties if d.duty.not_applicable]
    assert not_applicable
    assert all(d.status is Status.NOT_APPLICABLE for d in not_applicable)


def test_duty_status_is_the_aggregate_of_its_controls(demo_result: AuditResult) -> None:
    for duty in demo_result.duties:
        if duty.controls:
            assert duty.status is aggregate(demo_result.controls[c].status for c in duty.controls)


def test_without_live_evidence_nothing_live_passes(demo_result: AuditResult) -> None:
    for control in ("SRV-SSH-01", "BAK-FRESH-01", "LOG-SEAL-01", "CAM-CRED-01", "NET-SSH-01"):
        result = demo_result.controls[control]
        assert Status.COMPLIANT not in result.counts(), control
    assert demo_result.exit_code == 1


def test_catalog_findings_reported(tmp_path: Path) -> None:
    result = _audit(tmp_path, regulation="bakirkoy-2026")
    notes = {n.id: n for n in result.catalog_notes}
    assert notes["F1"].origin == "catalog"
    assert "26687" in notes["K-26687"].en
    assert notes["K-26687"].origin == "engine"
    # the demo's own regulation cites nothing repealed
    odunpazari = _audit(tmp_path / "o")
    assert not any(n.id == "K-26687" for n in odunpazari.catalog_notes)


def _copy_demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target)
    return target


def test_attestation_and_waiver_references_checked(tmp_path: Path) -> None:
    inventory = _copy_demo(tmp_path)
    with (inventory / "attestations.yml").open("a", encoding="utf-8") as f:
        f.write(
            "  - id: beyan-900\n"
            '    subject: "odunpazari-2019:m99/z"\n'
            "    by: Test\n"
            '    date: "2026-01-01"\n'
            '    valid_until: "2027-01-01"\n'
            "    document: X\n"
            "  - id: beyan-901\n"
            '    subject: "odunpazari-2019:m11/a"\n'
            "    by: Test\n"
            '    date: "2026-01-01"\n'
            '    valid_until: "2027-01-01"\n'
            "    document: X\n"
        )
    with (inventory / "waivers.yml").open("a", encoding="utf-8") as f:
        f.write(
            "  - id: muafiyet-900\n"
            "    control: NET-XYZ-01\n"
            "    asset: hq-sw-core-01\n"
            "    justification: x\n"
            "    approved_by: x\n"
            '    expires: "2027-01-01"\n'
            "  - id: muafiyet-901\n"
            "    control: CAM-CRED-01\n"
            "    asset: hq-sw-core-01\n"
            "    justification: x\n"
            "    approved_by: x\n"
            '    expires: "2027-01-01"\n'
        )
    lines = (inventory / "attestations.yml").read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines, 1) if "m99/z" in line)
    second = next(i for i, line in enumerate(lines, 1) if "m11/a" in line)
    with pytest.raises(InvalidInput) as exc:
        _audit(tmp_path, inventory)
    problems = [str(p) for p in exc.value.problems]
    assert any(
        f"attestations.yml:{first}: attestation 'beyan-900': duty 'm99/z' is not in the "
        "odunpazari-2019 catalog" in p
        for p in problems
    ), problems
    assert any(
        f"attestations.yml:{second}: attestation 'beyan-901'" in p and "not attested" in p
        for p in problems
    ), problems
    assert any("waiver 'muafiyet-900': unknown control 'NET-XYZ-01'" in p for p in problems)
    assert any(
        "waiver 'muafiyet-901': control CAM-CRED-01 does not apply to 'hq-sw-core-01'" in p
        for p in problems
    )


def test_unknown_regulation(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as exc:
        _audit(tmp_path, regulation="istanbul-1999")
    assert "no duty catalog 'istanbul-1999'" in str(exc.value)
    assert "odunpazari-2019" in str(exc.value)


CONTROLS_YML = """\
controls:
  - id: INV-ASSET-01
    title: {tr: "Varlık", en: "Asset"}
    description: {tr: "Açıklama", en: "Description"}
    area: inventory
    applies_to: [switch, router]
    evidence: [inventory]
    check: inventory.ownership_recorded
    severity: high
    required: true
  - id: NET-FW-01
    title: {tr: "Sürüm", en: "Version"}
    description: {tr: "Açıklama", en: "Description"}
    area: network
    applies_to: [switch]
    evidence: [device_facts, policies]
    check: network.firmware_allowed
    severity: high
    required: REQUIRED
"""
REGULATION_YML = """\
id: odunpazari-2019
title: {tr: "Deneme", en: "Trial"}
units: [{id: ag-yonetimi, name: "Ağ Yönetimi Birimi"}]
duties:
  - id: m11/a
    article: "MADDE 11"
    unit: ag-yonetimi
    area: network
    technical: true
    summary: {tr: "Envanter", en: "Inventory"}
    controls: [INV-ASSET-01]
  - id: m11/b
    article: "MADDE 11"
    unit: ag-yonetimi
    area: network
    technical: true
    summary: {tr: "Sürüm", en: "Version"}
    controls: [NET-FW-01]
"""


def _policies(tmp_path: Path, fw_required: bool) -> Path:
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir(parents=True)
    for name in ("access.yml", "backup.yml", "patching.yml"):
        shutil.copy(REPO / "policies" / name, policy_dir / name)
    (policy_dir / "controls").mkdir()
    (policy_dir / "controls" / "c.yml").write_text(
        CONTROLS_YML.replace("REQUIRED", "true" if fw_required else "false"), encoding="utf-8"
    )
    (policy_dir / "regulations").mkdir()
    (policy_dir / "regulations" / "odunpazari-2019.yml").write_text(
        REGULATION_YML, encoding="utf-8"
    )
    inventory = _copy_demo(tmp_path)
    (inventory / "attestations.yml").unlink()  # they name duties and controls not in this catalog
    (inventory / "waivers.yml").unlink()
    return policy_dir


def test_exit_code_follows_required_controls(tmp_path: Path) -> None:
    # NET-FW-01 needs device facts, not collected here: not assessed
    advisory = _policies(tmp_path / "a", fw_required=False)
    result = _audit(tmp_path / "a", tmp_path / "a" / "demo", policy_dir=advisory)
    assert result.controls["INV-ASSET-01"].status is Status.COMPLIANT
    assert result.controls["NET-FW-01"].status is Status.NOT_ASSESSED
    assert result.exit_code == 0
    duties = {d.duty.id: d.status for d in result.duties}
    assert duties == {"m11/a": Status.COMPLIANT, "m11/b": Status.NOT_ASSESSED}
    # the same, with NET-FW-01 required: not assessed is not a pass
    required = _policies(tmp_path / "b", fw_required=True)
    result = _audit(tmp_path / "b", tmp_path / "b" / "demo", policy_dir=required)
    assert result.exit_code == 1
    assert {r.control for r in result.required_failures()} == {"NET-FW-01"}


def test_two_audits_in_the_same_second_keep_their_own_evidence(tmp_path: Path) -> None:
    first = _audit(tmp_path)
    second = _audit(tmp_path)
    assert first.run_id == "20261121T120000Z"
    assert second.run_id == "20261121T120000Z-2"
    assert first.evidence_dir != second.evidence_dir
