"""A whole host's raw output (the facts script as a lab host printed it) → the facts and the
payloads the checks read. ``hosts/<case>.txt`` is the raw output, ``<case>.json`` the
``server_facts`` and ``backup_state`` payloads expected (``KENTOPS_UPDATE_GOLDEN=1``
rewrites them; review by hand)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from kentops.compliance.evidence import to_jsonable
from kentops.servers.evidence import backup_state, server_facts
from kentops.servers.facts import parse_host, split_sections

HOSTS = Path(__file__).with_name("hosts")
READ_AT = dt.datetime(2026, 12, 4, 22, 34, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("case", sorted(HOSTS.glob("*.txt")), ids=lambda c: c.stem)
def test_host_payloads(case: Path) -> None:
    facts = parse_host("hq-srv-web-01", case.read_text(encoding="utf-8"), READ_AT)
    got = to_jsonable(
        {"server_facts": server_facts(facts, None), "backup_state": backup_state(facts, None)}
    )
    expected = case.with_suffix(".json")
    if os.environ.get("KENTOPS_UPDATE_GOLDEN") == "1":
        expected.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(expected.read_text(encoding="utf-8"))


def test_unread_sections_stay_unread() -> None:
    """A host whose script stopped early: what was not printed is None, never a default."""
    raw = (HOSTS / "lab-host-unconfigured.txt").read_text(encoding="utf-8")
    cut = raw[: raw.index("@@kentops-section apt\n")]
    facts = parse_host("hq-srv-web-01", cut, READ_AT)
    payload = server_facts(facts, None)
    assert payload.sshd is not None
    assert payload.updates is None
    assert payload.firewall is None
    assert payload.time is None
    assert "apt" in facts.unread


def test_failed_command_is_not_read_and_says_why() -> None:
    raw = "@@kentops-section nft\nnetlink: Error: Operation not permitted\n@@kentops-exit 1\n"
    facts = parse_host("h", raw, READ_AT)
    assert facts.nftables is None
    assert facts.unread["nft"] == "exit 1: netlink: Error: Operation not permitted"


def test_pending_security_update_dated_by_its_package_index() -> None:
    raw = (
        "@@kentops-section apt\n"
        "Inst openssl [3.0.19-1~deb12u2] (3.0.22-1~deb12u2 Debian-Security:12/oldstable-security"
        " [amd64])\n"
        "Inst sed [4.9-1] (4.9-1+deb12u1 Debian:12.15/oldstable [amd64])\n"
        "@@kentops-exit 0\n"
        "@@kentops-section apt_release\n== release\nLabel: Debian-Security\nVersion: 12\n"
        "Suite: oldstable-security\nDate: Sat, 07 Nov 2026 10:00:00 UTC\n@@kentops-exit 0\n"
        "@@kentops-section reboot\nabsent\n@@kentops-exit 0\n"
    )
    updates = server_facts(parse_host("h", raw, READ_AT), None).updates
    assert updates is not None
    assert updates.reboot_required is False
    assert [(u.package, u.available_since) for u in updates.pending_security or []] == [
        ("openssl", dt.date(2026, 11, 7))
    ]


def test_broken_restic_repository_is_a_failed_check_with_the_reason() -> None:
    raw = (
        "@@kentops-section restic_snapshots:primary\n"
        "Fatal: unable to open config file: stat /srv/restic/config: no such file or directory\n"
        "@@kentops-exit 1\n"
    )
    state = backup_state(parse_host("h", raw, READ_AT), None)
    assert state.snapshots == []
    assert state.last_check is not None
    assert state.last_check.ok is False
    assert "unable to open config file" in state.last_check.errors[0]


def test_sections_split_with_exit_codes() -> None:
    sections = split_sections("@@kentops-section a\nx\ny\n@@kentops-exit 3\n")
    assert sections["a"].text == "x\ny"
    assert sections["a"].exit_code == 3
