"""The audit report opens in a real browser (headless Chromium) with its duty table filled."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kentops.compliance.collectors import AttestationCollector, InventoryCollector, PolicyCollector
from kentops.compliance.engine import run_audit
from kentops.compliance.report import write_reports
from tests.helpers import DEMO, REPO, lab_prerequisite

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing = "chromium is not installed (scripts/install-system-deps installs it as root)"
        if os.geteuid() == 0:
            pytest.fail(missing)  # root installs it: missing is a failure, not a skip
        lab_prerequisite(missing)
    assert found is not None
    return found


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    result = run_audit(
        DEMO,
        policy_dir=REPO / "policies",
        evidence_root=tmp_path / "evidence",
        collectors=[InventoryCollector(), PolicyCollector(), AttestationCollector()],
    )
    files = write_reports(result, tmp_path / "reports")
    url = files.html.resolve().as_uri()
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    rows = re.findall(r'<tr class="duty" data-status="([^"]+)"', dom.stdout)
    assert len(rows) == len(result.duties) > 50
    assert "manuel beyan" in rows
    assert "Görev tablosu" in dom.stdout
    shot = tmp_path / "report.png"
    png = subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert png.returncode == 0, png.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a rendered page, not a blank one
