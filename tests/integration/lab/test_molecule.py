"""Every role's Molecule scenarios on real lab hosts: create, converge, idempotence, verify,
destroy (the shared setup is .config/molecule/config.yml and molecule/shared/)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import REPO, lab_prerequisite
from tests.integration.lab.conftest import VENV_BIN, hosts_prerequisite

ROLES = REPO / "roles"
SCENARIOS = sorted(ROLES.glob("*/molecule/*/molecule.yml"))


def _scenario_id(path: Path) -> str:
    return f"{path.parents[2].name}:{path.parent.name}"


def test_every_role_has_a_molecule_scenario() -> None:
    roles = sorted(p.parents[1].name for p in ROLES.glob("*/tasks/main.yml"))
    assert roles, "no role found"
    without = [r for r in roles if not list((ROLES / r / "molecule").glob("*/molecule.yml"))]
    assert without == [], f"roles without a Molecule scenario: {without}"


@pytest.mark.slow
@pytest.mark.lab
@pytest.mark.xdist_group("lab-hosts")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_scenario_id)
def test_molecule_scenario(scenario: Path) -> None:
    lab_prerequisite(hosts_prerequisite())
    role_dir = scenario.parents[2]
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("KENTOPS_LAB_DIR", None)  # the scenario has its own lab directory
    run = subprocess.run(
        [str(VENV_BIN / "molecule"), "test", "-s", scenario.parent.name],
        cwd=role_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    for step in ("create", "converge", "idempotence", "verify", "destroy"):
        assert f"{step}: Executed: Successful" in _plain(output), (
            f"{step} did not run:\n{output[-4000:]}"
        )


def _plain(text: str) -> str:
    """Molecule's output without its colour codes and step arrows."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text).replace(" ➜ ", ": ")
