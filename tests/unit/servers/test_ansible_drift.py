"""From the kentops_drift callback's record of a host to the ansible_drift payload."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kentops.servers.ansible_drift import controls_of, drift_of
from kentops.yamlsource import InvalidInput


def test_control_ids_come_from_the_task_name_and_its_tags() -> None:
    assert controls_of("SRV-SSH-01 | Disable password logins.", ["always"]) == ["SRV-SSH-01"]
    assert controls_of("Write the local facts.", ["SRV-FW-01", "always"]) == ["SRV-FW-01"]
    assert controls_of("Record what this role enforced.", ["always"]) == []
    assert controls_of("BAK-RESTIC-02 | Check.", ["BAK-RESTIC-02"]) == ["BAK-RESTIC-02"]


def test_a_task_that_would_change_is_drift_and_skipped_tasks_are_left_out() -> None:
    record = {
        "tasks": [
            {
                "task": "SRV-SSH-01 | Harden sshd.",
                "tags": ["SRV-SSH-01"],
                "status": "changed",
                "changed": True,
            },
            {
                "task": "SRV-TIME-01 | Point chrony.",
                "tags": ["SRV-TIME-01"],
                "status": "ok",
                "changed": False,
            },
            {
                "task": "SRV-REBOOT-01 | Reboot.",
                "tags": ["SRV-REBOOT-01"],
                "status": "skipped",
                "changed": False,
            },
            {
                "task": "SRV-FW-01 | Firewall.",
                "tags": ["SRV-FW-01"],
                "status": "failed",
                "changed": True,
            },
        ],
        "unreachable": None,
        "failed": True,
    }
    drift = drift_of("hq-srv-web-01", record)
    assert [(t.task, t.changed, t.controls) for t in drift.tasks] == [
        ("SRV-SSH-01 | Harden sshd.", True, ["SRV-SSH-01"]),
        ("SRV-TIME-01 | Point chrony.", False, ["SRV-TIME-01"]),
        ("SRV-FW-01 | Firewall.", False, ["SRV-FW-01"]),
    ]
    assert drift.failed and not drift.unreachable


def test_an_unreachable_host_is_marked() -> None:
    drift = drift_of("hq-srv-mis-01", {"tasks": [], "unreachable": "Host key verification failed"})
    assert drift.unreachable and drift.tasks == []


def test_the_audit_runs_the_roles_in_check_mode_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without KENTOPS_ANSIBLE_DRIFT the kind stays not collected, saying how to ask for it;
    a timeout that is not a number is invalid input, not a crash."""
    from kentops.compliance.evidence import NotCollected
    from kentops.servers import ansible_drift

    monkeypatch.delenv(ansible_drift.ENABLE_ENV, raising=False)
    ctx = SimpleNamespace(lab=True, hosts=None, loaded=None)
    with pytest.raises(NotCollected, match="KENTOPS_ANSIBLE_DRIFT=1"):
        ansible_drift.AnsibleDriftCollector().collect(ctx)  # type: ignore[arg-type]
    monkeypatch.setenv(ansible_drift.TIMEOUT_ENV, "soon")
    with pytest.raises(InvalidInput):
        ansible_drift.run_timeout()
    monkeypatch.setenv(ansible_drift.TIMEOUT_ENV, "90")
    assert ansible_drift.run_timeout() == 90.0
