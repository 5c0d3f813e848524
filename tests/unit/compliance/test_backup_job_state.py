"""The backup job's own account of a host (kentops_backup.fact) and what the facts script
read in this run (full disks, repositories that did not open) reach BAK-FRESH-01 as red
findings that name the reason, never as a pass or a crash."""

from __future__ import annotations

import datetime as dt
import json

from kentops.compliance.catalog import Catalogs
from kentops.compliance.model import Outcome
from kentops.servers.evidence import backup_state
from kentops.servers.facts import parse_host
from tests.unit.compliance.conftest import NOW, ContextFactory
from tests.unit.compliance.test_checks_evidence import item, run

HOST = "hq-srv-web-01"


def _raw(fact: dict[str, object], df_use: str = "23%", restic: str | None = None) -> str:
    snapshot_time = (NOW - dt.timedelta(hours=2)).isoformat()
    snapshots = json.dumps(
        [{"time": snapshot_time, "hostname": HOST, "id": "a" * 64, "short_id": "aaaaaaaa"}]
    )
    restic_section = (
        f"{restic}\n@@kentops-exit 1\n"
        if restic is not None
        else f"{snapshots}\n@@kentops-exit 0\n"
    )
    return (
        "@@kentops-section df\n"
        "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
        f"overlay 264212084 24335020 82055892 {df_use} /\n"
        "@@kentops-exit 0\n"
        "@@kentops-section local_facts\n"
        f"== kentops_backup.fact\n{json.dumps(fact)}\n"
        "@@kentops-exit 0\n"
        "@@kentops-section restic_snapshots:primary\n" + restic_section
    )


def _fresh_judged(make_ctx: ContextFactory, catalogs: Catalogs, raw: str) -> tuple[Outcome, str]:
    state = backup_state(parse_host(HOST, raw, NOW), None)
    state = state.model_copy(update={"backup_class": "daily"})
    return run(catalogs, "BAK-FRESH-01", make_ctx([item("backup_state", HOST, state)]), HOST)


def test_a_sound_job_with_a_fresh_snapshot_passes(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    fact = {"last_backup": {"time": NOW.isoformat(), "ok": True, "snapshot": "aaaaaaaa"}}
    outcome, text = _fresh_judged(make_ctx, catalogs, _raw(fact))
    assert outcome is Outcome.PASS, text


def test_a_full_disk_fails_with_the_job_error_and_the_mount(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    error = "[Errno 28] No space left on device: '/var/lib/kentops/backup/canary'"
    fact = {"last_backup": {"time": NOW.isoformat(), "ok": False, "error": error}}
    outcome, text = _fresh_judged(make_ctx, catalogs, _raw(fact, df_use="100%"))
    assert outcome is Outcome.FAIL
    assert "No space left on device" in text
    assert "/ %100" in text


def test_a_repository_that_does_not_open_fails_with_restic_s_reason(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    fact = {"last_backup": {"time": NOW.isoformat(), "ok": True, "snapshot": "aaaaaaaa"}}
    raw = _raw(fact, restic="Fatal: unable to open config file: <config/> does not exist")
    outcome, text = _fresh_judged(make_ctx, catalogs, raw)
    assert outcome is Outcome.FAIL
    assert "No snapshot at all" in text
    assert "unable to open config file" in text


def test_the_job_s_fact_is_read_under_the_role_s_file_name() -> None:
    fact = {
        "last_backup": {"time": NOW.isoformat(), "ok": True},
        "last_check": {"time": NOW.isoformat(), "ok": True, "errors": []},
        "last_restore_test": {"time": NOW.isoformat(), "ok": True, "note": "sha256 matches"},
        "append_only": True,
    }
    state = backup_state(parse_host(HOST, _raw(fact), NOW), None)
    assert state.last_run is not None and state.last_run.ok
    assert state.last_check is not None and state.last_check.ok
    assert state.last_restore_test is not None and state.last_restore_test.note == "sha256 matches"
    assert state.append_only is True
    assert state.problems == []


def test_a_host_without_any_backup_job_is_red_for_the_append_only_target(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    raw = "@@kentops-section local_facts\n@@kentops-exit 0\n"
    state = backup_state(parse_host(HOST, raw, NOW), None)
    state = state.model_copy(update={"backup_class": "daily"})
    ctx = make_ctx([item("backup_state", HOST, state)])
    outcome, text = run(catalogs, "BAK-APPEND-01", ctx, HOST)
    assert outcome is Outcome.FAIL
    assert "No backup job" in text
