"""Reports: results.json, junit.xml, OSCAL assessment-results (validated by trestle), HTML."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from trestle.oscal import OSCAL_VERSION
from trestle.oscal.assessment_results import AssessmentResults

from kentops.compliance.collectors import AttestationCollector, InventoryCollector, PolicyCollector
from kentops.compliance.engine import AuditResult, run_audit
from kentops.compliance.model import Status
from kentops.compliance.report import ReportFiles, write_reports
from tests.helpers import DEMO, REPO
from tests.unit.compliance.conftest import NOW

STATUSES = {s.value for s in Status}


def _audit(tmp_path: Path, now: dt.datetime = NOW, regulation: str | None = None) -> AuditResult:
    return run_audit(
        DEMO,
        policy_dir=REPO / "policies",
        regulation=regulation,
        evidence_root=tmp_path / "evidence",
        now=now,
        collectors=[InventoryCollector(), PolicyCollector(), AttestationCollector()],
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, ReportFiles]:
    tmp = tmp_path_factory.mktemp("reports")
    result = _audit(tmp)
    return result, write_reports(result, tmp / "reports")


def test_files_land_in_site_and_run_folder(reports: tuple[AuditResult, ReportFiles]) -> None:
    result, files = reports
    assert files.folder.parts[-2:] == ("ornek", result.run_id)
    assert result.run_id == "20261121T120000Z"
    for path in (files.html, files.results, files.junit, files.oscal):
        assert path.is_file()
        assert path.stat().st_size > 1000


def test_results_json(reports: tuple[AuditResult, ReportFiles]) -> None:
    result, files = reports
    doc = json.loads(files.results.read_text(encoding="utf-8"))
    assert doc["regulation"]["id"] == "odunpazari-2019"
    assert len(doc["duties"]) == len(result.regulation.duties)
    assert {d["status"] for d in doc["duties"]} <= STATUSES
    assert sum(doc["summary"]["duties"].values()) == len(doc["duties"])
    assert doc["exit_code"] == 1
    waivers = {w["id"]: w["state"] for w in doc["waivers"]}
    assert waivers == {"muafiyet-001": "valid", "muafiyet-002": "expired"}
    duty = next(d for d in doc["duties"] if d["id"] == "m10/b")
    assert duty["status"] == "uyumsuz"
    assert duty["attestation"]["state"] == "expired"
    assert doc["evidence"]["items"] > 10


def test_junit_one_case_per_control_and_subject(reports: tuple[AuditResult, ReportFiles]) -> None:
    result, files = reports
    root = ET.parse(files.junit).getroot()
    cases = root.findall(".//testcase")
    rows = result.rows()
    assert len(cases) == len(rows) == int(root.get("tests", "0"))
    failures = root.findall(".//testcase/failure")
    skipped = root.findall(".//testcase/skipped")
    assert len(failures) == sum(1 for r in rows if r.status is Status.NONCOMPLIANT)
    assert len(skipped) == sum(
        1 for r in rows if r.status in {Status.NOT_ASSESSED, Status.NOT_APPLICABLE}
    )
    nikah = next(
        c
        for c in cases
        if c.get("classname") == "AVL-UPS-01.router" and c.get("name") == "nikah-rt-01"
    )
    failure = nikah.find("failure")
    assert failure is not None
    assert "muafiyet-002 expired" in failure.get("message", "")
    library = next(
        c
        for c in cases
        if c.get("classname") == "AVL-UPS-01.router" and c.get("name") == "kutuphane-rt-01"
    )
    out = library.find("system-out")
    assert library.find("failure") is None
    assert out is not None and "waived by muafiyet-001" in (out.text or "")


def test_oscal_accepted_by_trestle(reports: tuple[AuditResult, ReportFiles]) -> None:
    result, files = reports
    parsed = AssessmentResults.oscal_read(files.oscal)
    assert parsed is not None
    assert parsed.metadata.oscal_version.__root__ == OSCAL_VERSION
    [oscal_result] = parsed.results
    assert len(oscal_result.observations or []) == len(result.rows())
    assert len(oscal_result.findings or []) == len(result.controls) + len(result.duties)
    states = {f.target.target_id: f.target.status.state for f in oscal_result.findings or []}
    assert states["INV-VALID-01"].value == "satisfied"
    assert states["odunpazari-2019_m9_ı"].value == "not-satisfied"


def test_html_self_contained_failing_first(reports: tuple[AuditResult, ReportFiles]) -> None:
    result, files = reports
    html = files.html.read_text(encoding="utf-8")
    assert '<html lang="tr">' in html
    assert "Görev tablosu" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html
    assert "<link" not in html
    assert "@media print" in html
    rows = re.findall(r'<tr class="duty" data-status="([^"]+)"', html)
    assert len(rows) == len(result.duties)
    assert rows[0] == Status.NONCOMPLIANT.value
    # the valid waiver is shown, never hidden, and so is the expired one
    assert "muafiyet-001" in html
    assert 'data-state="expired"' in html
    assert "<svg" in html


def test_english_report_and_trend(tmp_path: Path) -> None:
    first = _audit(tmp_path, NOW - dt.timedelta(days=7))
    write_reports(first, tmp_path / "reports")
    other = _audit(tmp_path, NOW - dt.timedelta(days=3), regulation="defne")
    write_reports(other, tmp_path / "reports")
    second = _audit(tmp_path)
    files = write_reports(second, tmp_path / "reports", lang="en")
    html = files.html.read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "Duty table" in html
    assert "non-compliant" in html
    # two audits of this regulation in the folder: two points; the other regulation is left out
    assert len(re.findall(r"<circle ", html)) == 2
    assert first.run_id[:8] in html
    assert "No earlier audit" not in html


def test_trestle_validate_command_accepts_the_oscal_file(
    reports: tuple[AuditResult, ReportFiles], tmp_path: Path
) -> None:
    """The file passes `trestle validate`, the command an auditor's OSCAL tooling runs."""
    import shutil
    import subprocess
    import sys

    trestle = Path(sys.executable).parent / "trestle"
    workspace = tmp_path / "trestle"
    workspace.mkdir()
    init = subprocess.run(
        [str(trestle), "init"], cwd=workspace, capture_output=True, text=True, timeout=120
    )
    assert init.returncode == 0, init.stdout + init.stderr
    target = workspace / "assessment-results" / "kentops" / "assessment-results.json"
    target.parent.mkdir(parents=True)
    shutil.copy(reports[1].oscal, target)
    out = subprocess.run(
        [str(trestle), "validate", "-f", str(target)],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "VALID" in out.stdout + out.stderr
