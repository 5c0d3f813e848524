"""The access and baseline roles on a real lab host: converge, no change on a second run,
a truthful check mode, and the account running the play is never locked out."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kentops.lab.state import read_state
from tests.helpers import DEMO, REPO, lab_prerequisite
from tests.integration.lab.conftest import VENV_BIN, hosts_prerequisite, kentops

pytestmark = [pytest.mark.slow, pytest.mark.lab, pytest.mark.xdist_group("lab-hosts")]

HOST = "hq-srv-web-01"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    lab_prerequisite(hosts_prerequisite())
    lab_dir = tmp_path_factory.mktemp("roles-lab")
    env = {**os.environ, "KENTOPS_LAB_DIR": str(lab_dir), "KENTOPS_LAB": "1"}
    started = kentops("lab", "up", str(DEMO), "--only", "hosts", env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield {"env": env, "dir": lab_dir}
    finally:
        if read_state(lab_dir) is not None:
            kentops("lab", "down", env=env)


def _play(lab: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(DEMO), "-l", HOST, *args],
        cwd=REPO,
        env=lab["env"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _recap(output: str) -> dict[str, int]:
    match = re.search(rf"{HOST}\s*:\s*(.*)", output.rsplit("PLAY RECAP", maxsplit=1)[-1])
    assert match, output
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def _ssh(lab: dict[str, Any], *command: str) -> subprocess.CompletedProcess[str]:
    state = read_state(lab["dir"])
    assert state is not None
    ep = state.endpoints[HOST]
    argv = ["ssh", "-i", str(ep.key_file), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"]
    argv += ["-o", f"UserKnownHostsFile={ep.known_hosts}", "-o", "StrictHostKeyChecking=yes"]
    argv += [f"{ep.username}@{ep.address}", *command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_site_converges_then_changes_nothing_and_check_mode_tells_the_truth(
    lab: dict[str, Any],
) -> None:
    check = _play(lab, "playbooks/site.yml", "--check", "--diff")
    assert _recap(check.stdout)["failed"] == 0, check.stdout + check.stderr
    assert _recap(check.stdout)["changed"] > 0  # a fresh host drifts from the policy
    assert _ssh(lab, "test", "!", "-e", "/etc/ssh/sshd_config.d/00-kentops.conf").returncode == 0

    first = _play(lab, "playbooks/site.yml")
    assert _recap(first.stdout)["failed"] == 0, first.stdout + first.stderr
    second = _play(lab, "playbooks/site.yml")
    assert _recap(second.stdout)["changed"] == 0, second.stdout
    after = _play(lab, "playbooks/site.yml", "--check")
    assert _recap(after.stdout)["changed"] == 0, after.stdout

    sshd = _ssh(lab, "sudo", "-n", "sshd", "-T").stdout
    assert "passwordauthentication no" in sshd
    assert "permitrootlogin no" in sshd
    assert _ssh(lab, "id", "ahmet.yilmaz").returncode == 0


def test_the_running_account_is_never_locked_out(lab: dict[str, Any]) -> None:
    state = read_state(lab["dir"])
    assert state is not None
    runner = state.endpoints[HOST].username
    # make the running account look like a managed admin that the policy no longer lists
    made = _ssh(
        lab,
        "sudo",
        "-n",
        "sh",
        "-c",
        f"'groupadd -f kentops-admins; usermod -aG kentops-admins {runner}'",
    )
    assert made.returncode == 0, made.stderr
    run = _play(lab, "playbooks/access.yml")
    assert _recap(run.stdout)["failed"] == 0, run.stdout + run.stderr
    assert _ssh(lab, "true").returncode == 0
    shadow = _ssh(lab, "sudo", "-n", "getent", "shadow", runner).stdout
    assert not shadow.split(":")[1].startswith("!")
    facts = Path(lab["dir"])  # the fact file on the host names no locked runner
    assert facts.exists()
    locked = _ssh(lab, "cat", "/etc/ansible/facts.d/kentops_access.fact").stdout
    assert f'"{runner}"' not in locked.split('"locked"')[1].split("]")[0]
