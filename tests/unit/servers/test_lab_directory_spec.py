"""What the lab puts into its domain controllers, from the demo's policies and drift.yml, and
the samba-tool fix that README and `make demo` show: one source, checked here without a lab."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from kentops.inventory.loader import load_inventory
from kentops.lab.directory import (
    READER,
    Domain,
    directory_spec,
    domain_controllers,
    fix_commands,
    intended_passwords,
    netbios_name,
    smb_conf,
)
from kentops.lab.orchestrate import DRIFT_FILE
from kentops.policy import Policies, load_policies
from tests.helpers import DEMO, REPO


def _policies() -> Policies:
    return load_policies(REPO / "policies", load_inventory(DEMO))


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded = load_inventory(DEMO)
    policies = load_policies(REPO / "policies", loaded)
    drift = yaml.safe_load(DRIFT_FILE.read_text(encoding="utf-8"))["directory"]
    return directory_spec(Domain.of(loaded.inventory), policies, drift, "reader-secret")


def test_the_domain_and_its_controllers_come_from_the_inventory() -> None:
    inv = load_inventory(DEMO).inventory
    domain = Domain.of(inv)
    assert (domain.realm, domain.netbios, domain.base) == (
        "ORNEK.BEL.TR",
        "ORNEK",
        "DC=ornek,DC=bel,DC=tr",
    )
    dcs = domain_controllers(inv)
    assert [d.id for d in dcs] == ["hq-srv-dc-01", "hq-srv-dc-02"]
    conf = smb_conf(domain, netbios_name(dcs[0]))
    assert "netbios name = HQ-SRV-DC-01" in conf
    assert "server role = active directory domain controller" in conf
    assert "tls cafile" in conf


def test_accounts_groups_and_policy_come_from_the_access_policy(spec: dict[str, Any]) -> None:
    names = [u["name"] for u in spec["users"]]
    people = {"ayse.demir", "ali.ozturk", "ahmet.yilmaz", "ibrahim.kilic", "mehmet.kaya"}
    assert people | {"zeynep.arslan", READER} <= set(names)
    assert len(names) == len(set(names))
    # server admins with sudo administer the domain; network admins and operators do not
    assert spec["domain_admins"] == ["ahmet.yilmaz", "ibrahim.kilic"]
    assert {"zeynep.arslan", "Administrator"} <= set(spec["disabled"])
    groups = {g["name"]: g["members"] for g in spec["groups"]}
    assert groups["sistem-yoneticileri"] == ["ahmet.yilmaz", "ibrahim.kilic"]
    # the domain's password and lockout policy is the access policy's directory section
    assert spec["password_policy"] == {
        "min_length": 12,
        "complexity": True,
        "lockout_threshold": 5,
        "lockout_minutes": 30,
        "history": 24,
        "max_age_days": 90,
    }
    assert [u["password"] for u in spec["users"] if u["name"] == READER] == ["reader-secret"]
    others = [u["password"] for u in spec["users"] if u["name"] != READER]
    assert len(set(others)) == len(others)  # a password per account, made for the run


def test_drift_adds_its_accounts_and_weakens_the_policy(spec: dict[str, Any]) -> None:
    kinds = {d["kind"]: d for d in spec["drift"]}
    assert set(kinds) == {
        "stale_account",
        "privileged_member",
        "leaver_enabled",
        "weak_password_policy",
    }
    names = {u["name"] for u in spec["users"]}
    assert {"gecici.personel", "destek.hesabi"} <= names
    weak = kinds["weak_password_policy"]["policy"]
    assert (weak["min_length"], weak["complexity"], weak["lockout_threshold"]) == (7, False, 0)
    assert weak["history"] == spec["password_policy"]["history"]


def test_the_fix_shown_in_readme_and_demo_is_the_one_that_undoes_the_drift() -> None:
    drift = yaml.safe_load(DRIFT_FILE.read_text(encoding="utf-8"))["directory"]
    commands = fix_commands(drift, intended_passwords(_policies()))
    assert len(commands) == len(drift)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    demo = re.sub(r"\\\n\s*", "", (REPO / "scripts" / "demo").read_text(encoding="utf-8"))
    for command in commands:
        assert command in readme, command
        assert f"-- sudo {command}" in demo, command
