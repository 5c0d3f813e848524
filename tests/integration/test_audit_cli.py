"""`kentops audit` and `kentops duties coverage` as users run them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kentops.compliance import commands
from kentops.compliance.evidence import MANIFEST, verify_run
from tests.helpers import DEMO, REPO

REGULATIONS = ("odunpazari-2019", "defne", "korfez-2026", "bakirkoy-2026", "caycuma-2021")

app = typer.Typer()
commands.register(app)
runner = CliRunner()


def _audit(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "audit",
            str(DEMO),
            "--policies",
            str(REPO / "policies"),
            "--out",
            str(tmp_path / "reports"),
            "--evidence",
            str(tmp_path / "evidence"),
            *args,
        ],
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("regulation", REGULATIONS)
def test_audit_each_regulation(tmp_path: Path, regulation: str) -> None:
    code, output = _audit(tmp_path, "--regulation", regulation, "--json")
    assert code == 1, output  # the demo estate has failures (an expired waiver among them)
    summary = json.loads(output)
    assert summary["regulation"] == regulation
    for path in summary["reports"].values():
        assert Path(path).is_file()
    doc = json.loads(Path(summary["reports"]["results"]).read_text(encoding="utf-8"))
    assert doc["regulation"]["id"] == regulation
    assert len(doc["duties"]) == sum(doc["summary"]["duties"].values()) > 0
    # static evidence was collected and hashed: intended configurations and the policy check
    collectors = {c["name"]: c["state"] for c in doc["collectors"]}
    assert collectors["rendered_config"] == "collected"
    assert collectors["policy_check"] == "collected"
    run_dir = Path(summary["evidence"]["dir"])
    assert (run_dir / MANIFEST).is_file()
    assert verify_run(run_dir) == []
    net = next(c for c in doc["controls"] if c["id"] == "NET-SSH-01")
    # without the lab nothing was read from a device: the rendered configurations are judged
    # as the design, and no device is called compliant on them
    assert net["counts"].get("uyumlu", 0) == 0
    assert net["counts"]["değerlendirilmedi"] == len(net["results"])
    assert all(r["design"]["outcome"] == "pass" for r in net["results"])


def test_audit_prints_the_report_path_in_english(tmp_path: Path) -> None:
    code, output = _audit(tmp_path, "--lang", "en", "--lab")
    assert code == 1
    line = next(x for x in output.splitlines() if x.startswith("Rapor / report: "))
    html = Path(line.removeprefix("Rapor / report: ")).read_text(encoding="utf-8")
    assert '<html lang="en">' in html


def test_invalid_inventory_exits_2_naming_the_line(tmp_path: Path) -> None:
    inventory = tmp_path / "demo"
    shutil.copytree(DEMO, inventory)
    waivers = inventory / "waivers.yml"
    waivers.write_text(
        waivers.read_text(encoding="utf-8").replace(
            "control: AVL-UPS-01", "control: AVL-UPS-99", 1
        ),
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "audit",
            str(inventory),
            "--policies",
            str(REPO / "policies"),
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 2
    assert "waivers.yml:8: waiver 'muafiyet-001': unknown control 'AVL-UPS-99'" in result.output
    assert not (tmp_path / "r").exists()
    assert runner.invoke(app, ["audit", str(DEMO), "--lang", "de"]).exit_code == 2


def test_duties_coverage(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["duties", "coverage", "--policies", str(REPO / "policies"), "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["regulation"]: r for r in json.loads(result.output)["regulations"]}
    assert set(REGULATIONS) <= set(rows)
    for row in rows.values():
        assert row["automated"] + row["manual"] + row["not_applicable"] == row["duties"]
        assert row["technical_not_automated"] == []
    # a technical duty proven only by paperwork is listed and fails the command
    policies = tmp_path / "policies"
    shutil.copytree(REPO / "policies", policies)
    catalog = policies / "regulations" / "odunpazari-2019.yml"
    text = catalog.read_text(encoding="utf-8")
    marker = "    controls: [NET-BACKUP-01"
    head, _, tail = text.partition(marker)
    assert tail, "the catalog maps a duty to NET-BACKUP-01"
    rest = tail.split("\n", 1)[1]
    catalog.write_text(head + '    manual: "Yedekleme tutanağı"\n' + rest, encoding="utf-8")
    result = runner.invoke(
        app, ["duties", "coverage", "--policies", str(policies), "--regulation", "odunpazari-2019"]
    )
    assert result.exit_code == 1
    assert "technical duty not automated" in result.output.replace("\n", " ")


def test_the_kentops_command_runs_the_audit(tmp_path: Path) -> None:
    """The real entry point, as `uv run --frozen kentops audit` runs it."""
    env = {**os.environ, "COLUMNS": "200"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "kentops.cli",
            "audit",
            str(DEMO),
            "--out",
            str(tmp_path / "reports"),
            "--evidence",
            str(tmp_path / "evidence"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "manuel beyan / manual attestation" in out.stdout
    assert "Rapor / report: " in out.stdout
