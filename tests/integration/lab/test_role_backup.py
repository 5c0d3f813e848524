"""The backup, restic_server and postgresql roles on real lab hosts: the backup server runs an
append-only restic REST server, the database server a real PostgreSQL whose dumps go into
each snapshot, every host backs up, copies off site, checks and restores its canary; the
playbook converges, changes nothing on a second run, and check mode tells the truth. Then
the audit: fresh backups are green; a stale backup, a full disk and a damaged repository are
red with their reason (never a crash); a playbook run makes the stale backup green again."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kentops.lab.state import read_state
from tests.helpers import DEMO, REPO, lab_prerequisite
from tests.integration.lab.conftest import VENV_BIN, hosts_prerequisite, kentops, lab_audit_results

pytestmark = [pytest.mark.slow, pytest.mark.lab, pytest.mark.xdist_group("lab-hosts")]

SERVER = "hq-srv-backup-01"
DATABASE = "hq-srv-ebys-db-01"
WEB = "hq-srv-web-01"
HOSTS = (SERVER, DATABASE, WEB)
GREEN, RED = "uyumlu", "uyumsuz"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    lab_prerequisite(hosts_prerequisite())
    lab_dir = tmp_path_factory.mktemp("backup-lab")
    env = {**os.environ, "KENTOPS_LAB_DIR": str(lab_dir), "KENTOPS_LAB": "1"}
    started = kentops(
        "lab", "up", str(DEMO), "--only", "hosts", "--hosts", ",".join(HOSTS), env=env
    )
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield {"env": env, "dir": lab_dir, "tmp": tmp_path_factory.mktemp("backup-audit")}
    finally:
        if read_state(lab_dir) is not None:
            kentops("lab", "down", env=env)


def _play(lab: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(DEMO), "-l", ",".join(HOSTS), *args],
        cwd=REPO,
        env=lab["env"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def _recap(output: str) -> dict[str, dict[str, int]]:
    tail = output.rsplit("PLAY RECAP", maxsplit=1)[-1]
    out = {}
    for host in HOSTS:
        match = re.search(rf"{host}\s*:\s*(.*)", tail)
        assert match, output
        out[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}
    return out


def _total(output: str, what: str) -> int:
    return sum(r[what] for r in _recap(output).values())


def _ssh(lab: dict[str, Any], host: str, script: str) -> subprocess.CompletedProcess[str]:
    state = read_state(lab["dir"])
    assert state is not None
    ep = state.endpoints[host]
    argv = ["ssh", "-i", str(ep.key_file), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"]
    argv += ["-o", f"UserKnownHostsFile={ep.known_hosts}", "-o", "StrictHostKeyChecking=yes"]
    argv += [f"{ep.username}@{ep.address}", "sudo", "-n", "sh", "-c", _quote(script)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)


def _quote(script: str) -> str:
    return "'" + script.replace("'", "'\\''") + "'"


def _fact(lab: dict[str, Any], host: str) -> dict[str, Any]:
    done = _ssh(lab, host, "cat /etc/ansible/facts.d/kentops_backup.fact")
    assert done.returncode == 0, done.stderr
    fact: dict[str, Any] = json.loads(done.stdout)
    return fact


def _audit(lab: dict[str, Any], name: str) -> dict[str, dict[str, dict[str, Any]]]:
    """control id -> subject -> result row, of `kentops audit --lab` now."""
    out = Path(lab["tmp"]) / name
    results = lab_audit_results(lab["env"], out, timeout=1200)
    return {
        c["id"]: {r["subject"]: r for r in c["results"]}
        for c in results["controls"]
        if c["id"].startswith("BAK-")
    }


def _text(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False)


def test_backup_converges_idempotent_and_check_mode_tells_the_truth(lab: dict[str, Any]) -> None:
    check = _play(lab, "playbooks/backup.yml", "--check", "--diff")
    assert _total(check.stdout, "failed") == 0, check.stdout + check.stderr
    assert _total(check.stdout, "changed") > 0  # fresh hosts: nothing is set up yet
    for host in HOSTS:
        assert _ssh(lab, host, "test ! -e /etc/cron.d/kentops-backup").returncode == 0
    assert _ssh(lab, SERVER, "test ! -e /srv/restic").returncode == 0

    first = _play(lab, "playbooks/backup.yml")
    assert _total(first.stdout, "failed") == 0, first.stdout + first.stderr
    second = _play(lab, "playbooks/backup.yml")
    assert _total(second.stdout, "failed") == 0, second.stdout + second.stderr
    assert _total(second.stdout, "changed") == 0, second.stdout
    after = _play(lab, "playbooks/backup.yml", "--check")
    assert _total(after.stdout, "changed") == 0, after.stdout

    # the REST server is rclone's, append-only; the clients' repositories live on it
    listing = _ssh(lab, SERVER, "pidof rclone && ls /srv/restic /srv/restic/offsite")
    assert listing.returncode == 0, listing.stderr
    assert WEB in listing.stdout and DATABASE in listing.stdout
    for host in HOSTS:
        fact = _fact(lab, host)
        assert fact["last_backup"]["ok"] is True, fact
        assert fact["last_check"]["ok"] is True, fact
        assert fact["last_restore_test"]["ok"] is True, fact
        assert fact["append_only"] is True, fact
    # a client cannot delete its own snapshots (append-only), the server's retention can
    forget = _ssh(
        lab,
        WEB,
        "set -a; . /etc/restic/primary.env; set +a; restic forget --no-cache"
        " $(restic snapshots --json --no-cache | python3 -c"
        " 'import json, sys; print(json.load(sys.stdin)[0][\"id\"])')",
    )
    assert forget.returncode != 0, forget.stdout
    # the database server dumped PostgreSQL into the snapshot and the dump was restored
    fact = _fact(lab, DATABASE)
    assert "postgres" in fact["last_backup"]["databases"]
    assert "pg_restore" in fact["last_restore_test"]["note"]
    listed = _ssh(
        lab,
        DATABASE,
        "set -a; . /etc/restic/primary.env; set +a; restic ls latest --no-cache"
        " /var/backups/kentops/postgresql",
    )
    assert "postgres.dump" in listed.stdout, listed.stdout + listed.stderr
    offsite = _ssh(
        lab, WEB, "set -a; . /etc/restic/offsite.env; set +a; restic snapshots --json --no-cache"
    )
    assert json.loads(offsite.stdout), offsite.stderr


def test_audit_backups_green_faults_red_with_reason_then_a_playbook_run_fixes_staleness(
    lab: dict[str, Any],
) -> None:
    fresh = _audit(lab, "fresh")
    for control in ("BAK-FRESH-01", "BAK-CHECK-01", "BAK-RESTORE-01", "BAK-APPEND-01"):
        for host in HOSTS:
            assert fresh[control][host]["status"] == GREEN, (control, _text(fresh[control][host]))

    # stale: the web server's only snapshot is ten days old (the server forgets the others)
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S")
    stale = _ssh(lab, SERVER, f"rm -f /srv/restic/{WEB}/snapshots/*")
    assert stale.returncode == 0, stale.stderr
    made = _ssh(
        lab,
        WEB,
        "set -a; . /etc/restic/primary.env; set +a;"
        f" restic backup --no-cache --host {WEB} --time '{old}' /etc/hostname",
    )
    assert made.returncode == 0, made.stderr
    # full disk: the database server's canary folder has no room left; its job fails
    full = _ssh(
        lab,
        DATABASE,
        "mount -t tmpfs -o size=64k kentops-full /var/lib/kentops/backup"
        " && (dd if=/dev/zero of=/var/lib/kentops/backup/fill bs=4k 2>/dev/null; true)"
        " && /usr/local/sbin/kentops-backup run",
    )
    assert full.returncode == 1, full.stdout + full.stderr
    # damaged repository: the backup server's own repository lost its keys
    damaged = _ssh(lab, SERVER, f"mv /srv/restic/{SERVER}/keys /srv/restic/{SERVER}/keys.gone")
    assert damaged.returncode == 0, damaged.stderr

    broken = _audit(lab, "broken")
    web = broken["BAK-FRESH-01"][WEB]
    assert web["status"] == RED and "10 gün" in _text(web), _text(web)
    db = broken["BAK-FRESH-01"][DATABASE]
    assert db["status"] == RED and "No space left on device" in _text(db), _text(db)
    server = broken["BAK-FRESH-01"][SERVER]
    assert server["status"] == RED and "restic exit" in _text(server), _text(server)

    undo = _ssh(lab, DATABASE, "umount /var/lib/kentops/backup")
    assert undo.returncode == 0, undo.stderr
    undo = _ssh(lab, SERVER, f"mv /srv/restic/{SERVER}/keys.gone /srv/restic/{SERVER}/keys")
    assert undo.returncode == 0, undo.stderr
    fixed = _play(lab, "playbooks/backup.yml")
    assert _total(fixed.stdout, "failed") == 0, fixed.stdout + fixed.stderr
    assert _recap(fixed.stdout)[WEB]["changed"] > 0  # the stale host was backed up now

    again = _audit(lab, "fixed")
    for host in HOSTS:
        row = again["BAK-FRESH-01"][host]
        assert row["status"] == GREEN, _text(row)
