"""The demo's domain controllers as Samba AD DCs in the lab: the audit reads them over LDAPS,
the directory drift of drift.yml shows red, the samba-tool fix turns every DIR-* control
green.

The lab part ``directory`` alone: each DC is a Debian lab host running ``samba`` as an AD DC
of ornek.bel.tr, filled from policies/access.yml, then drifted (a stale account, an unknown
member of Domain Admins, a leaver's account enabled again, a weak password policy).
"""

from __future__ import annotations

import json
import os
import shlex
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ldap3
import pytest
import yaml

from kentops.inventory.loader import load_inventory
from kentops.lab import directory as lab_directory
from kentops.lab.hosts.lab import run_leftovers
from kentops.lab.orchestrate import DRIFT_FILE, ssh_argv
from kentops.lab.state import read_state
from kentops.policy import load_policies
from kentops.servers import directory
from tests.helpers import DEMO, REPO, lab_prerequisite
from tests.integration.lab.conftest import hosts_prerequisite, kentops, lab_audit_results

pytestmark = [pytest.mark.slow, pytest.mark.lab, pytest.mark.xdist_group("lab-directory")]

DCS = ("hq-srv-dc-01", "hq-srv-dc-02")
CONTROLS = ("DIR-STALE-01", "DIR-PRIV-01", "DIR-PWD-01", "DIR-LEAVER-01")
#: What the audit must say about each control on a drifted DC (Turkish first).
RED_BECAUSE = {
    "DIR-STALE-01": "gecici.personel",
    "DIR-PRIV-01": "destek.hesabi",
    "DIR-PWD-01": "en kısa parola 7",
    "DIR-LEAVER-01": "zeynep.arslan",
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    lab_prerequisite(hosts_prerequisite())
    lab_dir = tmp_path_factory.mktemp("directory-lab")
    env = {**os.environ, "KENTOPS_LAB_DIR": str(lab_dir), "KENTOPS_LAB": "1"}
    started = kentops("lab", "up", str(DEMO), "--only", "directory", env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        state = read_state(lab_dir)
        assert state is not None
        yield {"env": env, "dir": lab_dir, "state": state, "up": started.stdout}
    finally:
        state = read_state(lab_dir)
        if state is not None:
            stopped = kentops("lab", "down", env=env)
            assert stopped.returncode == 0, stopped.stdout + stopped.stderr
            # namespaces, veths, bridge, mounts and processes of the DCs' hosts: all gone
            assert run_leftovers(f"kentops-{state.run_id}-dc") == []


def _audit(lab: dict[str, Any], out: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """control id -> DC -> its result row, from `kentops audit --lab`."""
    results = lab_audit_results(lab["env"], out)
    return {
        c["id"]: {r["subject"]: r for r in c["results"] if r["subject"] in DCS}
        for c in results["controls"]
        if c["id"] in CONTROLS
    }


def _on_dc(lab: dict[str, Any], dc: str, command: str) -> subprocess.CompletedProcess[str]:
    argv = ssh_argv(lab["state"], dc, ["sudo", "sh", "-c", shlex.quote(command)])
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_each_dc_has_an_ldaps_endpoint_verified_by_the_run_ca(lab: dict[str, Any]) -> None:
    state = lab["state"]
    for dc in DCS:
        endpoint = state.endpoints[dc]
        assert endpoint.service == "ldap"
        assert endpoint.port == lab_directory.LDAPS_PORT
        assert endpoint.ca_file is not None
        assert endpoint.password == state.extra["secrets"]["vault:directory_reader_password"]
        connection = directory.connect(
            endpoint.address,
            endpoint.port,
            endpoint.username,
            endpoint.password or "",
            ca_file=endpoint.ca_file,
        )
        raw = directory.read(connection, "DC=ornek,DC=bel,DC=tr")
        connection.unbind()
        names = {u["attributes"]["sAMAccountName"][0] for u in raw["users"]}
        # every named person of the access policy, the reader, and the drift's accounts
        assert {"ahmet.yilmaz", "ibrahim.kilic", "zeynep.arslan", "kentops-okuyucu"} <= names
        assert {"gecici.personel", "destek.hesabi"} <= names


def test_a_certificate_from_another_ca_is_refused(lab: dict[str, Any], tmp_path: Path) -> None:
    _key, _cert, other_ca = lab_directory.make_ca(tmp_path)
    endpoint = lab["state"].endpoints[DCS[0]]
    with pytest.raises(ldap3.core.exceptions.LDAPSocketOpenError) as caught:
        directory.connect(
            endpoint.address,
            endpoint.port,
            endpoint.username,
            endpoint.password or "",
            ca_file=str(other_ca),
        )
    assert "certificate verify failed" in str(caught.value) or isinstance(
        caught.value.__context__, ssl.SSLError
    )


def test_plain_ldap_simple_bind_is_refused(lab: dict[str, Any]) -> None:
    endpoint = lab["state"].endpoints[DCS[0]]
    with pytest.raises(PermissionError, match="strongerAuthRequired"):
        directory.connect(endpoint.address, 389, endpoint.username, endpoint.password or "")


def test_drift_is_red_then_the_samba_tool_fix_turns_it_green(
    lab: dict[str, Any], tmp_path: Path
) -> None:
    before = _audit(lab, tmp_path / "before")
    for control in CONTROLS:
        for dc in DCS:
            row = before[control][dc]
            assert row["status"] == "uyumsuz", (control, row)
            assert RED_BECAUSE[control] in json.dumps(row, ensure_ascii=False), (control, row)

    drift = yaml.safe_load(DRIFT_FILE.read_text(encoding="utf-8"))["directory"]
    policies = load_policies(REPO / "policies", load_inventory(DEMO))
    commands = lab_directory.fix_commands(drift, lab_directory.intended_passwords(policies))
    assert len(commands) == len(drift)
    for dc in DCS:
        for command in commands:
            done = _on_dc(lab, dc, command)
            assert done.returncode == 0, (dc, command, done.stdout, done.stderr)

    after = _audit(lab, tmp_path / "after")
    for control in CONTROLS:
        for dc in DCS:
            assert after[control][dc]["status"] == "uyumlu", (control, after[control][dc])
