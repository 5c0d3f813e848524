"""playbooks/patch.yml on real lab hosts whose local package source holds a newer version of
an installed package (a pending security update that asks for a reboot): check mode reports
it and changes nothing, outside the window nothing is patched, a real run patches, reboots
with its checks and records the state, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from kentops.lab.hosts.packages import CANARY, CANARY_INSTALLED, CANARY_UPDATE
from tests.helpers import DEMO, REPO
from tests.integration.lab.conftest import VENV_BIN, kentops, lab_hosts

pytestmark = [pytest.mark.slow, pytest.mark.lab, pytest.mark.xdist_group("lab-hosts")]

HOSTS = ("hq-srv-web-01", "hq-srv-mis-01")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with lab_hosts(tmp_path_factory.mktemp("patching-lab"), HOSTS) as started:
        yield started


def _play(lab: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(DEMO), "playbooks/patch.yml", *args],
        cwd=REPO,
        env=lab["env"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _recap(output: str, host: str) -> dict[str, int]:
    match = re.search(rf"{host}\s*:\s*(.*)", output.rsplit("PLAY RECAP", maxsplit=1)[-1])
    assert match, output
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def _ssh(lab: dict[str, Any], host: str, *command: str) -> subprocess.CompletedProcess[str]:
    return kentops("lab", "ssh", host, "--", *command, env=lab["env"], timeout=120)


def _version(lab: dict[str, Any], host: str) -> str:
    return _ssh(lab, host, "dpkg-query", "-W", "-f=${Version}", CANARY).stdout.strip()


def _fact(lab: dict[str, Any], host: str) -> dict[str, Any] | None:
    read = _ssh(lab, host, "cat", "/etc/ansible/facts.d/patching.fact")
    return json.loads(read.stdout) if read.returncode == 0 else None


def _boot_id(lab: dict[str, Any], host: str) -> str:
    return _ssh(lab, host, "cat", "/run/kentops-lab/boot-id").stdout.strip()


def test_check_mode_reports_the_pending_update_and_changes_nothing(lab: dict[str, Any]) -> None:
    run = _play(lab, "--check", "-e", "patching_force=true")
    assert run.returncode == 0, run.stdout + run.stderr
    for host in HOSTS:
        assert _recap(run.stdout, host)["changed"] > 0
        assert _version(lab, host) == CANARY_INSTALLED
        assert _fact(lab, host) is None  # nothing written
    assert f"pending security update(s) {CANARY}" in run.stdout
    assert re.search(r"Install the pending security updates\.\] \*+\nchanged: \[hq-srv", run.stdout)


def test_outside_the_window_nothing_is_patched_and_the_pending_update_is_recorded(
    lab: dict[str, Any],
) -> None:
    # a window three days from now is neither today nor yesterday in any time zone
    closed = DAYS[(dt.datetime.now(dt.UTC).weekday() + 3) % 7]
    run = _play(lab, "-e", json.dumps({"patching_window_days": [closed]}))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "outside the maintenance window" in run.stdout
    for host in HOSTS:
        assert _version(lab, host) == CANARY_INSTALLED
        fact = _fact(lab, host)
        assert fact is not None
        assert fact["pending_security"] == [CANARY]
        assert CANARY in fact["pending_since"]
        assert fact["last_patched"] is None


def test_a_real_run_patches_reboots_and_a_second_run_changes_nothing(
    lab: dict[str, Any],
) -> None:
    booted = {host: _boot_id(lab, host) for host in HOSTS}
    run = _play(lab, "-e", "patching_force=true", "-e", "patching_serial=1")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PLAY [Apply security updates") == len(HOSTS)  # one batch per host
    for host in HOSTS:
        assert _version(lab, host) == CANARY_UPDATE
        assert _boot_id(lab, host) != booted[host]  # it rebooted
        assert _ssh(lab, host, "test", "-e", "/run/reboot-required").returncode == 1
        fact = _fact(lab, host)
        assert fact is not None
        assert fact["pending_security"] == []
        assert fact["reboot_required"] is False
        assert fact["last_patched"]["packages"] == [CANARY]
        assert fact["last_reboot"] is not None
    again = _play(lab, "-e", "patching_force=true")
    for host in HOSTS:
        assert _recap(again.stdout, host)["changed"] == 0, again.stdout
