"""ansible_drift: the roles run in check mode against each Linux server; a task that would
change is drift from the controls in its name and tags.

``playbooks/audit.yml`` (everything ``site.yml`` enforces, and ``patch.yml`` whatever the
window) runs with ``--check``, so nothing on the hosts changes; the ``kentops_drift``
callback plugin (``plugins/callback/``) writes each host's task results as JSON. A host that
was unreachable (down, wrong host key, refused login) is recorded as such and named with the
reason in ``ansible_drift/unreachable.json``; the run goes on for the others.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kentops.compliance.evidence import CollectContext, EvidenceItem, NotCollected, json_text
from kentops.compliance.payloads import AnsibleDrift, DriftTask
from kentops.inventory.loader import LoadedInventory
from kentops.servers.facts import linux_targets
from kentops.yamlsource import InvalidInput, Problem

PLAYBOOK = Path("playbooks") / "audit.yml"
CALLBACK = "kentops_drift"
#: A control id in a task's name or tags: SRV-SSH-01, BAK-RESTIC-02, NET-DRIFT-01.
CONTROL_ID = re.compile(r"\b[A-Z]{2,6}(?:-[A-Z0-9]+)+-\d{2}\b")
#: Seconds for one SSH connection attempt, and for the whole run.
CONNECT_TIMEOUT_S = 15
RUN_TIMEOUT_S = 1200.0
#: The audit runs the roles in check mode only when asked: the run takes minutes (every task
#: of every role on every server), while the rest of a live audit takes seconds. Nightly
#: audits (roles/audit_runner) ask for it; an engineer does with the same variable.
ENABLE_ENV = "KENTOPS_ANSIBLE_DRIFT"
TIMEOUT_ENV = "KENTOPS_ANSIBLE_DRIFT_TIMEOUT"


def requested() -> bool:
    return os.environ.get(ENABLE_ENV, "").strip().lower() in ("1", "true", "yes")


def run_timeout() -> float:
    """The whole run's bound in seconds (``KENTOPS_ANSIBLE_DRIFT_TIMEOUT``, default 1200)."""
    value = os.environ.get(TIMEOUT_ENV, "")
    try:
        return float(value) if value.strip() else RUN_TIMEOUT_S
    except ValueError:
        raise InvalidInput(
            [
                Problem(
                    Path(TIMEOUT_ENV),
                    0,
                    f"{TIMEOUT_ENV}={value!r} is not a number of seconds",
                    "set it to a number of seconds, e.g. 600",
                )
            ]
        ) from None


@dataclass
class DriftRun:
    """One check-mode run: per host its payload and raw record, and hosts not assessed."""

    command: list[str]
    seconds: float = 0.0
    returncode: int | None = None
    output: str = ""
    hosts: dict[str, AnsibleDrift] = field(default_factory=dict)
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def controls_of(name: str, tags: Sequence[str]) -> list[str]:
    """The control ids a task enforces: those in its tags and its name."""
    found = {m.group(0) for text in (name, *tags) for m in CONTROL_ID.finditer(text)}
    return sorted(found)


def drift_of(host: str, record: dict[str, Any]) -> AnsibleDrift:
    """The ``ansible_drift`` payload of one host's record from the callback."""
    tasks = [
        DriftTask(
            task=str(t.get("task", "")),
            changed=bool(t.get("changed")) and t.get("status") == "changed",
            controls=controls_of(str(t.get("task", "")), [str(x) for x in t.get("tags", [])]),
        )
        for t in record.get("tasks", [])
        if t.get("status") != "skipped"
    ]
    return AnsibleDrift(
        host_id=host,
        tasks=tasks,
        unreachable=record.get("unreachable") is not None,
        failed=bool(record.get("failed")),
    )


def _repository(loaded: LoadedInventory) -> Path:
    return loaded.root.resolve().parent.parent


def run_check(
    loaded: LoadedInventory,
    *,
    lab: bool,
    hosts: Sequence[str] | None = None,
    playbook: Path = PLAYBOOK,
    timeout: float = RUN_TIMEOUT_S,
) -> DriftRun:
    """Run ``playbook`` with ``--check`` against the Linux servers (the lab's when ``lab``).

    Every server meant to be read ends up either in ``hosts`` or in ``failures``.
    """
    root = _repository(loaded)
    wanted = sorted(linux_targets(loaded, lab, hosts))
    ansible_playbook = Path(sys.executable).parent / "ansible-playbook"
    command = [
        str(ansible_playbook),
        "-i",
        str(loaded.root.resolve()),
        str(root / playbook),
        "--check",
        "--limit",
        ",".join([*wanted, "localhost"]),
    ]
    run = DriftRun(command=command)
    if not wanted:
        return run
    with tempfile.TemporaryDirectory(prefix="kentops-drift-") as tmp:
        out = Path(tmp) / "drift.json"
        env = {
            **os.environ,
            "ANSIBLE_CONFIG": str(root / "ansible.cfg"),
            "ANSIBLE_CALLBACK_PLUGINS": str(root / "plugins" / "callback"),
            "ANSIBLE_CALLBACKS_ENABLED": CALLBACK,
            "ANSIBLE_TIMEOUT": str(CONNECT_TIMEOUT_S),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "KENTOPS_DRIFT_OUT": str(out),
            "KENTOPS_LAB": "1" if lab else "0",
        }
        started = time.monotonic()
        try:
            proc = subprocess.run(
                command,
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            run.seconds = time.monotonic() - started
            run.failures = dict.fromkeys(wanted, f"the check-mode run took over {timeout:.0f} s")
            return run
        run.seconds = time.monotonic() - started
        run.returncode = proc.returncode
        run.output = proc.stdout + proc.stderr
        document = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else None
    if document is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        reason = "ansible-playbook ended without a result: " + (" ".join(tail) or "no output")
        run.failures = dict.fromkeys(wanted, reason)
        return run
    records: dict[str, Any] = document.get("hosts", {})
    for host in wanted:
        record = records.get(host)
        if record is None:
            run.failures[host] = "not in the check-mode run's results"
            continue
        run.raw[host] = {"host": host, "playbook": str(playbook), "check_mode": True, **record}
        run.hosts[host] = drift_of(host, record)
        if record.get("unreachable") is not None:
            run.failures[host] = f"unreachable: {record['unreachable']}"
    return run


class AnsibleDriftCollector:
    """ansible_drift: playbooks/audit.yml in check mode; would-change tasks per control."""

    name = "ansible_drift"
    kinds: tuple[str, ...] = ("ansible_drift",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        from kentops.servers.collectors import failures_item, live_allowed

        live_allowed(ctx, "Ansible check mode")
        if not requested():
            raise NotCollected(
                f"the roles' check-mode run was not asked for in this audit ({ENABLE_ENV}=1 "
                "asks for it; it takes minutes); the server controls are judged on the facts"
            )
        run = run_check(ctx.loaded, lab=ctx.lab, hosts=ctx.hosts, timeout=run_timeout())
        if not run.hosts and not run.failures:
            raise NotCollected("no Linux server to run the roles against in check mode")
        source = f"ansible-playbook {PLAYBOOK} --check (callback {CALLBACK})"
        items: list[EvidenceItem] = []
        for host, drift in run.hosts.items():
            items.append(
                EvidenceItem(
                    kind="ansible_drift",
                    name=f"ansible_drift/{host}.json",
                    content=json_text(run.raw[host]),
                    source=source,
                    subject=host,
                    data=drift,
                )
            )
        if run.output:
            items.append(
                EvidenceItem(
                    kind="ansible_drift",
                    name="ansible_drift/ansible-playbook.log",
                    content=run.output,
                    source=" ".join(Path(a).name if a.startswith("/") else a for a in run.command),
                    subject=None,
                )
            )
        if run.failures:
            items.append(failures_item("ansible_drift", run.failures, source))
        return items
