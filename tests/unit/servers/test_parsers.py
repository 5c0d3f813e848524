"""Parsers of server command output, driven by fixtures: ``fixtures/<parser>/<case>.txt`` is
raw output read from a host, ``<case>.json`` the structure expected (``<case>.args.json``:
further arguments, such as the exit code). A new format is a new fixture, not a new test.
``KENTOPS_UPDATE_GOLDEN=1`` writes the expected files (review them by hand)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kentops.compliance.evidence import to_jsonable
from kentops.servers import parsers as p

FIXTURES = Path(__file__).with_name("fixtures")

PARSERS: dict[str, Callable[..., Any]] = {
    "os_release": p.parse_os_release,
    "sshd_t": p.parse_sshd_t,
    "passwd": p.parse_passwd,
    "group": p.parse_group,
    "passwd_status": p.parse_passwd_status,
    "authorized_keys": p.parse_authorized_keys,
    "sudoers": p.parse_sudoers,
    "apt_simulate": p.parse_apt_simulate,
    "release_files": p.parse_release_files,
    "reboot_required": p.parse_reboot_required,
    "chrony_tracking": p.parse_chrony_tracking,
    "chrony_sources": p.parse_chrony_sources,
    "nft_ruleset": p.parse_nft_ruleset,
    "ss_listening": p.parse_ss_listening,
    "df": p.parse_df,
    "local_facts": p.parse_local_facts,
    "restic_snapshots": p.parse_restic_snapshots,
    "restic_check": p.parse_restic_check,
}

CASES = sorted(FIXTURES.glob("*/*.txt"))


def test_every_parser_has_a_fixture() -> None:
    assert {c.parent.name for c in CASES} == set(PARSERS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.stem}")
def test_fixture(case: Path) -> None:
    args_file = case.with_suffix(".args.json")
    kwargs = json.loads(args_file.read_text()) if args_file.is_file() else {}
    got = to_jsonable(PARSERS[case.parent.name](case.read_text(encoding="utf-8"), **kwargs))
    expected_file = case.with_suffix(".json")
    if os.environ.get("KENTOPS_UPDATE_GOLDEN") == "1":
        expected_file.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(expected_file.read_text(encoding="utf-8"))
