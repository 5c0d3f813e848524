"""Directory controls on directory_state payloads: a clean directory passes, each wrong
setting fails by name, and a domain controller without evidence is never a pass."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kentops.compliance.catalog import Catalogs
from kentops.compliance.model import Outcome
from kentops.compliance.payloads import DirectoryAccount, DirectoryPasswordPolicy, DirectoryState
from tests.unit.compliance.conftest import NOW, ContextFactory
from tests.unit.compliance.test_checks_evidence import item, run

DC = "hq-srv-dc-01"


def clean(**changes: Any) -> DirectoryState:
    recent = NOW - dt.timedelta(days=2)
    state = DirectoryState(
        server_id=DC,
        domain="DC=ornek,DC=bel,DC=tr",
        accounts=[
            DirectoryAccount(
                name="ahmet.yilmaz", enabled=True, last_logon=recent, groups=["Domain Admins"]
            ),
            DirectoryAccount(name="ibrahim.kilic", enabled=True, last_logon=recent),
            DirectoryAccount(name="Administrator", enabled=False, builtin_admin=True),
        ],
        privileged={"Domain Admins": ["Administrator", "ahmet.yilmaz", "ibrahim.kilic"]},
        password_policy=DirectoryPasswordPolicy(
            min_length=14, complexity=True, lockout_threshold=5, max_age_days=90, history=24
        ),
    )
    return state.model_copy(update=changes)


@pytest.mark.parametrize("control", ["DIR-STALE-01", "DIR-PRIV-01", "DIR-PWD-01", "DIR-LEAVER-01"])
def test_clean_directory_passes(make_ctx: ContextFactory, catalogs: Catalogs, control: str) -> None:
    ctx = make_ctx([item("directory_state", DC, clean())])
    outcome, text = run(catalogs, control, ctx, DC)
    assert outcome is Outcome.PASS, text


@pytest.mark.parametrize(
    ("control", "changes", "named"),
    [
        (
            "DIR-STALE-01",
            {
                "accounts": [
                    DirectoryAccount(
                        name="eski.personel", enabled=True, last_logon=NOW - dt.timedelta(days=200)
                    )
                ]
            },
            "eski.personel",
        ),
        (
            "DIR-STALE-01",
            {
                "accounts": [
                    DirectoryAccount(
                        name="hic.girmedi", enabled=True, created=NOW - dt.timedelta(days=60)
                    )
                ]
            },
            "never logged on",
        ),
        ("DIR-PRIV-01", {"privileged": {"Domain Admins": ["ahmet.yilmaz", "mallory"]}}, "mallory"),
        (
            "DIR-PWD-01",
            {
                "password_policy": DirectoryPasswordPolicy(
                    min_length=7, complexity=True, lockout_threshold=0
                )
            },
            "lockout threshold",
        ),
    ],
)
def test_wrong_settings_fail_by_name(
    make_ctx: ContextFactory, catalogs: Catalogs, control: str, changes: dict[str, Any], named: str
) -> None:
    ctx = make_ctx([item("directory_state", DC, clean(**changes))])
    outcome, text = run(catalogs, control, ctx, DC)
    assert outcome is Outcome.FAIL
    assert named in text


def test_no_directory_evidence_is_never_a_pass(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    ctx = make_ctx([item("directory_state", "hq-srv-dc-02", clean(server_id="hq-srv-dc-02"))])
    outcome, _ = run(catalogs, "DIR-PRIV-01", ctx, DC)
    assert outcome is not Outcome.PASS


def test_not_a_directory_server_is_out_of_scope(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    ctx = make_ctx([item("directory_state", DC, clean())])
    outcome, _ = run(catalogs, "DIR-PWD-01", ctx, "hq-srv-web-01")
    assert outcome is Outcome.NOT_APPLICABLE


def test_the_access_policy_can_ask_for_more_than_the_floor(
    make_ctx: ContextFactory, catalogs: Catalogs, demo_policies: dict[str, Any]
) -> None:
    from tests.unit.compliance.conftest import policy_item

    access = demo_policies["access"]
    stricter = access.model_copy(
        update={
            "directory": access.directory.model_copy(
                update={
                    "passwords": access.directory.passwords.model_copy(
                        update={"min_length": 16, "lockout_threshold": 3}
                    )
                }
            )
        }
    )
    ctx = make_ctx([item("directory_state", DC, clean())])
    ctx_strict = make_ctx(
        [item("directory_state", DC, clean()), policy_item({**demo_policies, "access": stricter})],
        policies=False,
    )
    assert run(catalogs, "DIR-PWD-01", ctx, DC)[0] is Outcome.PASS  # 14 and 5 meet 12 and 5
    outcome, text = run(catalogs, "DIR-PWD-01", ctx_strict, DC)
    assert outcome is Outcome.FAIL
    assert "at least 16" in text
    assert "must be 1–3" in text
