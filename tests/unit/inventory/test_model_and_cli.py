"""The inventory commands, the JSON Schema, and generated inventories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kentops.cli import _register_features, app
from kentops.inventory import load_inventory
from kentops.inventory.generate import generate_inventory
from kentops.inventory.schema import inventory_schema
from tests.helpers import DEMO, REPO

_register_features()
runner = CliRunner()


def test_demo_meets_the_size_the_directorate_expects(demo_loaded) -> None:  # type: ignore[no-untyped-def]
    inv = demo_loaded.inventory
    assert len(inv.buildings) >= 6
    assert len({u.type for b in inv.buildings for u in b.uplinks}) >= 3
    assert sum(s.role == "core" for s in inv.switches) >= 2
    assert sum(s.role == "access" for s in inv.switches) >= 10
    assert {"cisco_ios", "huawei_vrp"} <= {str(s.platform) for s in inv.switches}
    assert len(inv.servers) >= 10 and len(inv.cameras) >= 24 and len(inv.nvrs) >= 2
    assert len(inv.pbxs[0].extensions) >= 30 and len(inv.phones) >= 30
    for kind in ("access_points", "upses", "kiosks", "scada", "printers", "routers"):
        assert getattr(inv, kind), kind
    kinds = {str(sv.kind) for s in inv.servers for sv in s.services}
    assert {
        "directory",
        "dhcp",
        "dns",
        "ebys",
        "database",
        "web",
        "mail",
        "backup",
        "log5651",
        "pbx",
        "cbs",
    } <= kinds
    zones = {(v.building, str(v.zone)) for v in inv.vlans}
    for building in inv.buildings:
        assert (building.id, "management") in zones
    assert ("hq", "servers") in zones and ("terfi", "scada") in zones


def test_validate_prints_counts_and_exits_zero() -> None:
    result = runner.invoke(app, ["validate", str(DEMO), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["by_kind"]["camera"] == 28
    assert data["by_building"]["terfi"]["scada"] == 2


def test_validate_invalid_inventory_exits_two_with_every_problem(tmp_path: Path) -> None:
    root = tmp_path / "inv"
    root.mkdir()
    for f in DEMO.glob("*.yml"):
        (root / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    cams = root / "cameras.yml"
    text = cams.read_text(encoding="utf-8")
    text = text.replace("address: 10.10.40.100", "address: 10.10.50.100", 1)
    text = text.replace("nvr: spor-nvr-01", "nvr: spor-nvr-09", 1)
    cams.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(root), "--json"])
    assert result.exit_code == 2
    problems = json.loads(result.output)["problems"]
    messages = [p["message"] for p in problems]
    assert any("10.10.50.100 is outside VLAN 'hq-cctv'" in m for m in messages)
    assert any("unknown NVR 'spor-nvr-09'" in m for m in messages)
    assert all(p["line"] > 1 and p["file"].endswith("cameras.yml") for p in problems)


def test_inventory_list_filters() -> None:
    result = runner.invoke(
        app, ["inventory", "list", str(DEMO), "--kind", "camera", "--building", "terfi", "--json"]
    )
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == ["terfi-cam-01", "terfi-cam-02"]
    bad = runner.invoke(app, ["inventory", "list", str(DEMO), "--kind", "kamera"])
    assert bad.exit_code == 2


def test_every_inventory_file_declares_and_matches_the_schema() -> None:
    schema = inventory_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    committed = json.loads((REPO / "inventories/schema/inventory.schema.json").read_text())
    assert committed == schema, "run 'kentops schema' and commit inventories/schema/"
    for path in sorted(DEMO.glob("*.yml")):
        if path.name == "kentops.yml":
            continue
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/inventory.schema.json", path
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(data, default=str)))


def test_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(inventory_schema())
    bad = {"cameras": [{"id": "Cam 1", "building": "hq"}]}
    assert list(validator.iter_errors(bad))


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(buildings=st.integers(1, 12), per_building=st.integers(30, 60), seed=st.integers(0, 10**6))
def test_generated_inventories_validate(
    tmp_path_factory: pytest.TempPathFactory, buildings: int, per_building: int, seed: int
) -> None:
    out = tmp_path_factory.mktemp("gen")
    generate_inventory(out, buildings, buildings * per_building, seed)
    inv = load_inventory(out).inventory
    assert len(inv.buildings) == buildings
    kinds = {a.kind for a in inv.assets()}
    assert {"switch", "router", "server", "camera", "nvr", "phone", "pbx", "ups"} <= kinds
    # about the size asked for
    assert abs(len(inv.assets()) - buildings * per_building) <= max(
        40, buildings * per_building // 5
    )


def test_lab_generate_command(tmp_path: Path) -> None:
    out = tmp_path / "big"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kentops.cli",
            "lab",
            "generate",
            str(out),
            "--buildings",
            "3",
            "--devices",
            "200",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert len(load_inventory(out).inventory.buildings) == 3
    again = subprocess.run(
        [sys.executable, "-m", "kentops.cli", "lab", "generate", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert again.returncode == 2


def test_every_command_is_mapped_to_its_module() -> None:
    """A command runs with only its own module loaded; each must be in COMMAND_MODULES."""
    import kentops.cli as cli

    names = {c.name for c in cli.app.registered_commands} | {
        g.name for g in cli.app.registered_groups
    }
    assert names == set(cli.COMMAND_MODULES)
    for command in ("render", "validate", "policy"):
        out = subprocess.run(
            [sys.executable, "-m", "kentops.cli", command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert out.returncode == 0, out.stderr
        assert f"kentops {command}" in out.stdout or "Usage" in out.stdout
