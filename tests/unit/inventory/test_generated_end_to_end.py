"""A generated inventory is not only valid: it renders and its rendered rules hold the policy."""

from __future__ import annotations

from pathlib import Path

from kentops.inventory import load_inventory
from kentops.inventory.generate import generate_inventory
from kentops.policy import load_policies
from kentops.policycheck import check_policy
from kentops.render import render_site
from tests.helpers import REPO


def test_generated_inventory_renders_and_passes_the_policy_check(tmp_path: Path) -> None:
    generate_inventory(tmp_path, buildings=4, devices=300, seed=7)
    loaded = load_inventory(tmp_path)
    policies = load_policies(REPO / "policies", loaded)
    report = render_site(loaded, REPO / "policies", out=None, jobs=1)
    assert report.ok, [str(p) for p in report.problems]
    assert len({a.device_id for a in report.artefacts}) > 100
    result = check_policy(loaded, report, policies)
    assert result.ok, [str(v) for v in result.violations[:5]]
