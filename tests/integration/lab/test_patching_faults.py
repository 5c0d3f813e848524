"""Faults on lab hosts: one host unreachable (its link down), one presenting a host key that
is not the one known. Both are reported with their reason, in bounded time, and the healthy
host is still read (pyinfra facts) and still run in check mode (ansible_drift)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kentops.inventory.loader import load_inventory
from kentops.lab.state import read_state
from tests.helpers import DEMO
from tests.integration.lab.conftest import lab_hosts

pytestmark = [pytest.mark.slow, pytest.mark.lab, pytest.mark.xdist_group("lab-hosts")]

HEALTHY, DOWN, WRONG_KEY = "hq-srv-web-01", "hq-srv-mis-01", "hq-srv-radius-01"


@pytest.fixture(scope="module")
def broken_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    lab_dir = tmp_path_factory.mktemp("faults-lab")
    with lab_hosts(lab_dir, (HEALTHY, DOWN, WRONG_KEY)) as started:
        state = read_state(lab_dir)
        assert state is not None
        # DOWN: its link goes down, so nothing answers at its address
        listed = subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, check=True
        ).stdout.split()
        namespace = next(n for n in listed if n.endswith(f"{state.run_id}_{DOWN}"))
        subprocess.run(
            ["ip", "netns", "exec", namespace, "ip", "link", "set", "eth0", "down"], check=True
        )
        # WRONG_KEY: the known_hosts entry for its address names another key
        known = Path(str(state.endpoints[WRONG_KEY].known_hosts))
        other = lab_dir / "other_key"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True
        )
        address = state.endpoints[WRONG_KEY].address
        public = (other.with_suffix(".pub")).read_text().split()[:2]
        lines = [
            f"{address} {' '.join(public)}" if line.split(" ", 1)[0] == address else line
            for line in known.read_text().splitlines()
        ]
        assert any(line.startswith(f"{address} ") for line in lines), known.read_text()
        known.write_text("\n".join(lines) + "\n")
        yield started


def test_pyinfra_facts_report_both_faults_and_read_the_healthy_host(
    broken_lab: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kentops.servers.facts import collect_facts

    monkeypatch.setenv("KENTOPS_LAB_DIR", str(broken_lab["dir"]))
    started = time.monotonic()
    run = collect_facts(load_inventory(DEMO), lab=True)
    assert time.monotonic() - started < 240
    assert sorted(run.facts) == [HEALTHY]
    reasons = {f.host: f.reason for f in run.failures}
    assert sorted(reasons) == sorted([DOWN, WRONG_KEY])
    assert reasons[WRONG_KEY] and reasons[DOWN]


def test_check_mode_drift_reports_both_faults_and_runs_the_healthy_host(
    broken_lab: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kentops.servers.ansible_drift import run_check

    monkeypatch.setenv("KENTOPS_LAB_DIR", str(broken_lab["dir"]))
    started = time.monotonic()
    run = run_check(load_inventory(DEMO), lab=True)
    assert time.monotonic() - started < 900
    assert run.hosts[HEALTHY].unreachable is False
    assert run.hosts[HEALTHY].failed is False
    assert any(t.changed and "SRV-SSH-01" in t.controls for t in run.hosts[HEALTHY].tasks)
    assert run.hosts[DOWN].unreachable and run.hosts[WRONG_KEY].unreachable
    assert "host key" in run.failures[WRONG_KEY].lower(), run.failures
    assert DOWN in run.failures
