"""`kentops audit --history`: the earlier runs of the site's regulation, read as the trend reads
them (an unreadable or foreign results.json is left out, never fatal), oldest first."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from kentops.compliance import commands
from kentops.compliance.report.document import FORMAT
from tests.helpers import DEMO

app = typer.Typer()
commands.register(app)


def write_run(site_dir: Path, run_id: str, percent: float, regulation: str) -> None:
    run = site_dir / run_id
    run.mkdir(parents=True)
    doc = {
        "format": FORMAT,
        "regulation": {"id": regulation},
        "run_id": run_id,
        "started": f"{run_id[:4]}-12-07T02:30:00+00:00",
        "summary": {"compliance_percent": percent, "duties": {"uyumsuz": 3, "uyumlu": 40}},
    }
    (run / "results.json").write_text(json.dumps(doc), encoding="utf-8")


def test_history_lists_earlier_runs_with_percent(tmp_path: Path) -> None:
    site_dir = tmp_path / "ornek"
    write_run(site_dir, "20261205T023000Z", 61.5, "odunpazari-2019")
    write_run(site_dir, "20261206T023000Z", 63.2, "odunpazari-2019")
    write_run(site_dir, "20261206T040000Z", 99.0, "defne-2020")  # another regulation
    (site_dir / "20261207T023000Z").mkdir()
    (site_dir / "20261207T023000Z" / "results.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["audit", str(DEMO), "--history", "--out", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["site"] == "ornek" and doc["regulation"] == "odunpazari-2019"
    assert [(r["run_id"], r["compliance_percent"]) for r in doc["runs"]] == [
        ("20261205T023000Z", 61.5),
        ("20261206T023000Z", 63.2),
    ]
    assert doc["runs"][1]["duties"] == {"uyumsuz": 3, "uyumlu": 40}
    table = CliRunner().invoke(app, ["audit", str(DEMO), "--history", "--out", str(tmp_path)])
    assert table.exit_code == 0 and "%63.2" in table.stdout


def test_history_without_earlier_runs(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["audit", str(DEMO), "--history", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert "no earlier audit" in result.stdout
