"""The backup history: one commit per run naming changed, unchanged and failed devices;
truncated configurations refused; log, show, diff and deploy records read back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kentops.network.backup import (
    BackupError,
    DeployRecord,
    DeviceBackup,
    deploy_records,
    diff,
    history,
    incomplete_reason,
    latest_config,
    open_store,
    read_index,
    record_deploy,
    sha256_text,
    show,
    store_run,
)
from tests.helpers import REPO

IOS = "hostname sw1\n!\nsnmp-server location hq\n!\nend\n"
VRP = "sysname sw2\n#\nreturn\n"


def _message(store_path: Path, rev: str = "HEAD") -> str:
    return subprocess.run(
        ["git", "-C", str(store_path), "log", "-1", "--format=%B", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_each_run_is_one_commit_listing_changed_unchanged_and_failed(tmp_path: Path) -> None:
    store = open_store("demo", tmp_path)
    first = store_run(
        store,
        "demo",
        [DeviceBackup("sw1", "cisco_ios", IOS), DeviceBackup("sw2", "huawei_vrp", VRP)],
        {"sw3": "connection refused (is the device up and SSH enabled?)"},
    )
    assert first.changed == ["sw1", "sw2"]
    assert first.failed == {"sw3": "connection refused (is the device up and SSH enabled?)"}
    message = _message(store.path)
    assert message.startswith("backup demo: 2 changed, 0 unchanged, 1 failed\n")
    assert "sw3: connection refused" in message

    second = store_run(
        store,
        "demo",
        [
            DeviceBackup("sw1", "cisco_ios", IOS.replace("hq", "annex")),
            DeviceBackup("sw2", "huawei_vrp", VRP),
        ],
        {},
    )
    assert (second.changed, second.unchanged, second.failed) == (["sw1"], ["sw2"], {})
    assert len(history(store)) == 3  # creation + two runs
    assert [r.commit for r in history(store, "sw1")] == [second.commit, first.commit]
    assert "annex" in (latest_config(store, "sw1") or "")
    assert "hq" in show(store, "sw1", first.commit)
    change = diff(store, "sw1")
    assert "-snmp-server location hq" in change
    assert "+snmp-server location annex" in change
    assert diff(store, "sw2").startswith("diff --git")  # its only version, shown whole
    assert read_index(store)["sw3"]["last_error"].startswith("connection refused")


def test_a_truncated_ios_config_is_refused_and_the_previous_one_kept(tmp_path: Path) -> None:
    store = open_store("demo", tmp_path)
    store_run(store, "demo", [DeviceBackup("sw1", "cisco_ios", IOS)], {})
    cut = IOS.replace("!\nend\n", "")
    record = store_run(store, "demo", [DeviceBackup("sw1", "cisco_ios", cut)], {})
    assert record.changed == []
    assert "does not end with 'end'" in record.failed["sw1"]
    assert latest_config(store, "sw1") == IOS
    assert "sw1: truncated" in _message(store.path)


@pytest.mark.parametrize(
    ("platform", "text", "problem"),
    [
        ("cisco_ios", "hostname a\n!\n", "does not end with 'end'"),
        ("huawei_vrp", "sysname a\n#\n", "does not end with 'return'"),
        ("fortios", "config system global\n    set hostname a\n", "does not end with 'end'"),
        ("routeros", "# software id = X\n", "no '/section' line"),
        ("cisco_ios", "\n\n", "empty configuration"),
    ],
)
def test_incomplete_configurations_are_named(platform: str, text: str, problem: str) -> None:
    reason = incomplete_reason(text, platform)
    assert reason is not None
    assert problem in reason


def test_startup_kept_only_while_it_differs_from_running(tmp_path: Path) -> None:
    store = open_store("demo", tmp_path)
    unsaved = IOS.replace("hq", "old")
    record = store_run(store, "demo", [DeviceBackup("sw1", "cisco_ios", IOS, unsaved)], {})
    assert record.unsaved == ["sw1"]
    assert (store.path / "sw1.startup.cfg").read_text(encoding="utf-8") == unsaved
    store_run(store, "demo", [DeviceBackup("sw1", "cisco_ios", IOS, IOS)], {})
    assert not (store.path / "sw1.startup.cfg").exists()


def test_a_deploy_record_is_a_commit_with_who_what_and_hashes(tmp_path: Path) -> None:
    store = open_store("demo", tmp_path)
    store_run(store, "demo", [DeviceBackup("sw1", "cisco_ios", IOS)], {})
    after = IOS.replace("hq", "annex")
    commit = record_deploy(
        store,
        DeployRecord(
            host="sw1",
            features=["snmp"],
            result="deployed",
            before_sha256=sha256_text(IOS),
            after_sha256=sha256_text(after),
            who="ayse.demir",
        ),
        config_after=after,
    )
    message = _message(store.path, commit)
    assert message.startswith("deploy sw1: deployed (snmp)")
    assert f"before: {sha256_text(IOS)}" in message
    assert f"after: {sha256_text(after)}" in message
    assert history(store, "sw1")[0].author == "ayse.demir"
    assert latest_config(store, "sw1") == after
    assert deploy_records(store, "sw1")[0]["result"] == "deployed"


def test_unknown_revision_and_device_are_errors(tmp_path: Path) -> None:
    store = open_store("demo", tmp_path)
    with pytest.raises(BackupError, match="no revision"):
        show(store, "sw1", "deadbeef")
    with pytest.raises(BackupError, match="no configuration stored"):
        show(store, "sw1")
    with pytest.raises(BackupError, match="not a device id"):
        latest_config(store, "../etc/passwd")


def test_log_show_diff_commands_read_the_history(tmp_path: Path) -> None:
    store = open_store("demo", tmp_path)
    store_run(store, "demo", [DeviceBackup("sw1", "cisco_ios", IOS)], {})
    store_run(store, "demo", [DeviceBackup("sw1", "cisco_ios", IOS.replace("hq", "x"))], {})
    kentops = str(Path(sys.executable).parent / "kentops")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [kentops, "backup", *args, "--store", str(store.path)],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )

    log = run("log", "sw1", "--json")
    assert log.returncode == 0, log.stderr
    assert '"subject": "backup demo: 1 changed' in log.stdout
    shown = run("show", "sw1")
    assert shown.returncode == 0
    assert shown.stdout == IOS.replace("hq", "x")
    changed = run("diff", "sw1")
    assert changed.returncode == 1  # a difference is a finding
    assert "+snmp-server location x" in changed.stdout
    missing = run("show", "sw1", "nosuchrev")
    assert missing.returncode == 2
    assert "no revision" in missing.stderr


def test_a_backup_run_takes_its_options_before_or_after_the_inventory(tmp_path: Path) -> None:
    kentops = str(Path(sys.executable).parent / "kentops")
    env = {**os.environ, "KENTOPS_LAB_DIR": str(tmp_path / "no-lab")}
    for args in (
        ["--lab", "--workers", "3", "inventories/demo", "--json"],
        ["inventories/demo", "--lab", "--workers", "3", "--json"],
    ):
        done = subprocess.run(
            [kentops, "backup", *args], capture_output=True, text=True, cwd=REPO, env=env
        )
        assert done.returncode == 2, done.stderr
        assert "no lab state" in done.stdout, done.stdout + done.stderr
