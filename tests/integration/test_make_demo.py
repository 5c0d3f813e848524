"""`make demo`, the README's main job, works end to end: validate, lab, audit, report."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import REPO

pytestmark = [pytest.mark.lab, pytest.mark.xdist_group("lab")]


def test_make_demo_audits_the_demo_against_the_lab(tmp_path: Path) -> None:
    env = {**os.environ, "KENTOPS_LAB_DIR": str(tmp_path / "lab")}
    env.pop("KENTOPS_LAB", None)
    out = subprocess.run(
        ["make", "demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-4000:]
    assert "valid:" in text
    assert re.search(r"network: \d+ up", text)
    assert re.search(r"cameras: \d+ up", text)
    report = re.search(r"Rapor / report: (\S+index\.html)", text)
    assert report, text[-2000:]
    html = (REPO / report.group(1)).read_text(encoding="utf-8")
    assert "Örnek Belediyesi" in html
    # the lab is down again afterwards
    assert not (tmp_path / "lab" / "state.json").exists()
