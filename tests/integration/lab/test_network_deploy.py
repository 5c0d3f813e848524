"""Drift and deploy against the simulated network devices of the demo lab.

One lab as the demo ships it (its deliberate drift): drift finds exactly that drift, deploy
fixes it, and drift afterwards is clean. A second lab with a faults file: a refused line is
rolled back to the pre-change configuration, and devices that are down or hang are reported
with their reason without holding the others.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kentops.lab.state import read_state
from kentops.network.backup import BackupStore, deploy_records, history, show
from tests.helpers import DEMO
from tests.integration.lab.conftest import kentops

pytestmark = pytest.mark.xdist_group("network-deploy")

DRIFT_FILE = Path(__file__).parents[3] / "src/kentops/lab/drift.yml"
#: What each kind of injected drift is, as a feature of the configuration (None: not one).
DRIFT_FEATURE = {"telnet": "ssh", "missing_syslog": "logging", "local_user": "users"}
LIMITS = ["--connect-timeout", "3", "--command-timeout", "6"]


def injected() -> dict[str, set[str]]:
    drift = yaml.safe_load(DRIFT_FILE.read_text(encoding="utf-8"))["network"]
    out: dict[str, set[str]] = {}
    for item in drift:
        feature = DRIFT_FEATURE.get(item["kind"])
        if feature is not None:
            out.setdefault(item["device"], set()).add(feature)
    return out


def _lab(tmp: Path, faults: str | None) -> Iterator[dict[str, str]]:
    env = {
        **os.environ,
        "KENTOPS_LAB_DIR": str(tmp / "lab"),
        "KENTOPS_BACKUP_ROOT": str(tmp / "backups"),
        "KENTOPS_OPERATOR": "test-operator",
    }
    args = ["lab", "up", str(DEMO), "--only", "network"]
    if faults is not None:
        path = tmp / "faults.yml"
        path.write_text(faults, encoding="utf-8")
        args += ["--faults", str(path)]
    started = kentops(*args, env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield env
    finally:
        stopped = kentops("lab", "down", env=env)
        assert stopped.returncode == 0, stopped.stderr


@pytest.fixture(scope="module")
def demo_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    yield from _lab(tmp_path_factory.mktemp("net-demo"), None)


@pytest.fixture(scope="module")
def faulty_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    faults = (
        "faults:\n"
        "  - {device: hq-sw-k2-01, kind: reject_command, command: transport input ssh}\n"
        "  - {device: spor-sw-01, kind: down}\n"
        "  - {device: kultur-sw-02, kind: hang_after_login}\n"
        "  - {device: spor-sw-02, kind: auth_fail}\n"
        "  - {device: nikah-sw-01, kind: slow, delay_s: 0.3}\n"
        "  - {device: terfi-sw-01, kind: slow, delay_s: 8}\n"
    )
    yield from _lab(tmp_path_factory.mktemp("net-faults"), faults)


#: The devices of the faults lab that cannot be read: down, authentication refused, a
#: session that hangs after the login, and one slower than the command timeout.
FAILING = {"spor-sw-01", "spor-sw-02", "kultur-sw-02", "terfi-sw-01"}


def run_json(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    done = kentops(*args, str(DEMO), "--lab", "--json", *LIMITS, env=env)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.returncode, json.loads(done.stdout)


def config_lines(text: str) -> list[str]:
    return sorted(ln for ln in text.splitlines() if ln.strip() not in ("", "!"))


def drifted(report: dict[str, Any]) -> dict[str, set[str]]:
    out = {}
    for host in report["drifted"]:
        features = report["devices"][host]["remediation"]["features"]
        out[host] = {f["feature"] for f in features}
    return out


def test_drift_finds_exactly_the_injected_drift_and_deploy_fixes_it(
    demo_network: dict[str, str],
) -> None:
    env = demo_network
    backup = kentops("backup", str(DEMO), "--lab", "--json", env=env)
    assert backup.returncode == 0, backup.stdout + backup.stderr

    code, before = run_json(env, "drift")
    assert code == 1
    assert before["failed"] == {}
    assert drifted(before) == injected()
    assert len(before["clean"]) == len(before["devices"]) - len(injected())

    code, dry = run_json(env, "deploy")
    assert code == 0
    assert {h for h, d in dry["devices"].items() if d["result"] == "dry_run"} == set(injected())
    code, live = run_json(env, "drift", "--live")
    assert drifted(live) == injected(), "a dry run must change nothing"

    code, done = run_json(env, "deploy", "--commit")
    assert code == 0, done
    deployed = {
        h: set(d["features"]) for h, d in done["devices"].items() if d["result"] == "deployed"
    }
    assert deployed == injected()

    code, after = run_json(env, "drift", "--live")
    assert code == 0 and after["drifted"] == [] and after["failed"] == {}
    # and from the history: the deploy stored each device's configuration after it
    code, stored = run_json(env, "drift")
    assert code == 0 and stored["drifted"] == []

    store = BackupStore(Path(env["KENTOPS_BACKUP_ROOT"]) / "ornek")
    records = {r["host"]: r for r in deploy_records(store)}
    assert set(records) == set(injected())
    for host, record in records.items():
        assert record["result"] == "deployed"
        assert record["who"] == "test-operator"
        assert record["before_sha256"] != record["after_sha256"]
        assert history(store, host)[0].subject.startswith(f"deploy {host}: deployed")


def test_a_refused_line_is_rolled_back_and_faults_do_not_block(
    faulty_network: dict[str, str],
) -> None:
    env = faulty_network
    started = time.monotonic()
    code, done = run_json(env, "deploy", "--commit", "--workers", "30")
    elapsed = time.monotonic() - started
    assert code == 1
    assert elapsed < 90, f"the deploy took {elapsed:.0f} s despite per-device timeouts"
    devices = done["devices"]

    rolled = devices["hq-sw-k2-01"]
    assert rolled["result"] == "rolled_back"
    assert "transport input ssh" in rolled["detail"]
    store = BackupStore(Path(env["KENTOPS_BACKUP_ROOT"]) / "ornek")
    # the first stored version of the device is the backup the deploy took before changing it
    pre_change = show(store, "hq-sw-k2-01", history(store, "hq-sw-k2-01")[-1].commit)
    after = kentops("backup", str(DEMO), "--lab", "--host", "hq-sw-k2-01", *LIMITS, env=env)
    assert after.returncode == 0, after.stdout + after.stderr
    now = show(store, "hq-sw-k2-01")
    # the same configuration lines (the simulator appends a re-added line at the end of its
    # section, which moves the "!" separators)
    assert config_lines(now) == config_lines(pre_change)
    assert " transport input telnet ssh" in now.splitlines()

    assert devices["spor-sw-01"]["result"] == "failed"
    assert "connection" in devices["spor-sw-01"]["detail"].lower()
    assert devices["spor-sw-02"]["result"] == "failed"
    assert "authentication" in devices["spor-sw-02"]["detail"]
    assert devices["kultur-sw-02"]["result"] == "failed"
    assert devices["kultur-sw-02"]["detail"]
    assert devices["hq-sw-k4-01"]["result"] == "compliant"
    assert devices["nikah-sw-01"]["result"] == "compliant", "slow is not failed"
    assert devices["terfi-sw-01"]["result"] == "failed"

    code, drift = run_json(env, "drift", "--live")
    assert set(drift["failed"]) == FAILING
    assert drift["drifted"] == ["hq-sw-k2-01"], "the refused device keeps its drift, nothing else"


def test_canary_stops_everything_when_the_first_device_fails(
    faulty_network: dict[str, str],
) -> None:
    code, done = run_json(
        faulty_network,
        "deploy",
        "--commit",
        "--canary",
        "--host",
        "hq-sw-k2-01",
        "--host",
        "hq-sw-k1-01",
    )
    assert code == 1
    assert done["devices"]["hq-sw-k2-01"]["result"] == "rolled_back"
    assert done["devices"]["hq-sw-k1-01"]["result"] == "skipped"


def test_backup_and_facts_report_each_fault_and_keep_what_was_read(
    faulty_network: dict[str, str],
) -> None:
    env = faulty_network
    done = kentops("backup", str(DEMO), "--lab", "--json", "--workers", "30", *LIMITS, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    backup = json.loads(done.stdout)
    failed = backup["failed"]
    assert set(failed) == FAILING
    assert "connection" in failed["spor-sw-01"].lower()
    assert "authentication" in failed["spor-sw-02"].lower()
    assert failed["kultur-sw-02"] and failed["terfi-sw-01"]
    read = set(backup["changed"]) | set(backup["unchanged"])
    assert "nikah-sw-01" in read and "hq-sw-k2-01" in read, "slow and refusing devices are read"
    store = BackupStore(Path(env["KENTOPS_BACKUP_ROOT"]) / "ornek")
    for host in read:
        assert show(store, host).strip()
    message = subprocess.run(
        ["git", "-C", str(store.path), "log", "-1", "--format=%B"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(host in message for host in FAILING), message

    code, facts = run_json(env, "facts", "--workers", "30")
    assert code == 1
    assert set(facts["failed"]) == FAILING
    assert "nikah-sw-01" in facts["devices"]


def test_no_secret_the_lab_knows_is_in_the_backup_history(demo_network: dict[str, str]) -> None:
    env = demo_network
    backup = kentops("backup", str(DEMO), "--lab", "--json", env=env)
    assert backup.returncode == 0, backup.stdout + backup.stderr
    state = read_state(Path(env["KENTOPS_LAB_DIR"]))
    assert state is not None
    secrets = {str(v) for v in state.extra["secrets"].values()}
    for endpoint in state.endpoints.values():
        secrets |= {s for s in (endpoint.password, endpoint.enable_secret) if s}
    secrets = {s for s in secrets if len(s) >= 6}
    assert len(secrets) >= 5
    root = Path(env["KENTOPS_BACKUP_ROOT"]) / "ornek"
    history = subprocess.run(
        ["git", "-C", str(root), "log", "-p", "--all", "--format=%H%n%B"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "<masked:sha256:" in history, "the history holds the masked configurations"
    tree = "\n".join(
        f.read_text(encoding="utf-8", errors="replace")
        for f in root.rglob("*")
        if f.is_file() and ".git" not in f.parts
    )
    leaked = sorted(s[:3] + "…" for s in secrets if s in history or s in tree)
    assert leaked == [], f"secrets of the lab found in the backups: {leaked}"
