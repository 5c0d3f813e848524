"""Push the remediation of selected devices and features: ``kentops deploy``.

Without ``commit`` it reads each device and prints what would be sent; nothing changes.
With ``commit``, per device:

1. read the running configuration (clear, kept in memory only) and store it, masked, as a
   pre-change backup in the site's history;
2. send the remediation lines of the selected features in configuration mode (Netmiko);
   a line the device refuses stops the push at once;
3. save (``write memory`` on IOS, ``save`` on VRP; FortiOS and RouterOS apply and keep every
   change at once);
4. read the running configuration again and verify that the deployed features have no
   drift left;
5. on a refused line, a lost session, a failed save or a failed verification: restore the
   pre-change configuration (the remediation from what the device runs now back to what it
   ran before, on a new session when the old one is gone), save, and verify that the running
   configuration equals the pre-change one; the device is reported ``rolled_back`` (or
   ``failed`` with the reason when even that did not work, naming the pre-change backup);
6. write a deploy record (who, features, before/after hashes, result) into the history.

``canary`` deploys the first device alone and stops everything if it does not deploy.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netmiko import BaseConnection, ConnectHandler
from nornir.core.inventory import Host

from kentops.inventory.loader import LoadedInventory
from kentops.network.backup import (
    DeployRecord,
    DeviceBackup,
    open_store,
    record_deploy,
    sha256_text,
    store_run,
)
from kentops.network.connect import (
    SecretSource,
    Timeouts,
    netmiko_params,
    network_nornir,
    secret_source,
)
from kentops.network.drift import NotValidated, intended_artefact, render_intended
from kentops.network.mask import clean_config
from kentops.network.remediation import remediate_clear, unmask_lines
from kentops.network.runner import DeviceOutcome, ProgressHook, failure_reason, run_on_devices

#: How each platform shows its running configuration.
SHOW_RUNNING = {
    "cisco_ios": "show running-config",
    "huawei_vrp": "display current-configuration",
    "fortios": "show",
    "routeros": "/export",
}
#: What each platform prints when it refuses a configuration line.
REFUSED = {
    "cisco_ios": r"% ?(Invalid input|Incomplete command|Ambiguous command|Error|Removal of)",
    "huawei_vrp": r"(Error:|Unrecognized command|Incomplete command|Wrong parameter)",
    "fortios": r"(Command fail|command parse error|entry not found|Unknown action)",
    "routeros": r"(failure:|bad command name|syntax error|expected end of command|no such item|"
    r"input does not match)",
}

RESULTS = ("deployed", "rolled_back", "failed", "refused", "compliant", "dry_run", "skipped")


class PushRefused(RuntimeError):
    """The device refused a line (or its save); the message holds the line and the answer."""


@dataclass
class DeviceDeploy:
    host: str
    platform: str
    result: str  # one of RESULTS
    features: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # masked remediation
    detail: str = ""
    before_sha256: str | None = None
    after_sha256: str | None = None
    seconds: float = 0.0
    #: The masked configuration after the deploy, for the history (not printed).
    after_text: str | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "platform": self.platform,
            "result": self.result,
            "features": self.features,
            "lines": self.lines,
            "detail": self.detail,
            "before_sha256": self.before_sha256,
            "after_sha256": self.after_sha256,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class DeployRun:
    site: str
    commit: bool
    devices: dict[str, DeviceDeploy] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return all(d.result in ("deployed", "compliant", "dry_run") for d in self.devices.values())

    def count(self, result: str) -> int:
        return sum(1 for d in self.devices.values() if d.result == result)

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "commit": self.commit,
            "ok": self.ok,
            "counts": {r: self.count(r) for r in RESULTS if self.count(r)},
            "elapsed_s": round(self.elapsed_s, 3),
            "devices": {h: d.as_dict() for h, d in sorted(self.devices.items())},
        }


@dataclass
class _Plan:
    """What one device's deploy works from (shared by every thread, read only)."""

    site: str
    intended: dict[str, str]
    refused: dict[str, str]
    features: list[str] | None
    commit: bool
    secrets: SecretSource
    store_root: Path | None
    command_s: float


def run_deploy(
    loaded: LoadedInventory,
    devices: Sequence[str],
    *,
    lab: bool,
    features: Sequence[str] | None = None,
    commit: bool = False,
    canary: bool = False,
    workers: int | None = None,
    timeouts: Timeouts | None = None,
    backup_root: Path | None = None,
    progress: ProgressHook | None = None,
) -> DeployRun:
    """Deploy (or with ``commit=False`` show) the remediation of ``devices``."""
    started = time.perf_counter()
    limits = timeouts or Timeouts.from_env()
    site = loaded.inventory.site.id
    report = render_intended(loaded, devices)
    intended: dict[str, str] = {}
    refused: dict[str, str] = {}
    for host in devices:
        try:
            intended[host] = intended_artefact(report, host).text
        except NotValidated as exc:
            refused[host] = str(exc)
    plan = _Plan(
        site,
        intended,
        refused,
        list(features) if features else None,
        commit,
        secret_source(loaded, lab),
        backup_root,
        limits.command_s,
    )
    run = DeployRun(site, commit)
    extra = {} if workers is None else {"workers": workers}
    nr = network_nornir(loaded, lab=lab, hosts=devices, timeouts=limits, **extra)
    order = list(devices)
    first, rest = (order[:1], order[1:]) if canary else ([], order)
    for batch in (first, rest):
        if not batch:
            continue
        if canary and batch is rest and not _canary_passed(run, first):
            for host in rest:
                run.devices[host] = DeviceDeploy(
                    host,
                    str(nr.inventory.hosts[host].platform),
                    "skipped",
                    detail=f"not attempted: the canary {first[0]} did not deploy",
                )
                if progress is not None:
                    progress(host, False)
            break
        outcomes: dict[str, DeviceOutcome[DeviceDeploy]] = run_on_devices(
            nr.filter(filter_func=lambda h, names=set(batch): h.name in names),
            lambda host: _deploy_device(host, plan),
            progress,
            name="deploy",
        )
        for host, outcome in outcomes.items():
            if outcome.value is not None:
                outcome.value.seconds = outcome.seconds
                run.devices[host] = outcome.value
            else:
                run.devices[host] = DeviceDeploy(
                    host,
                    str(nr.inventory.hosts[host].platform),
                    "failed",
                    detail=outcome.error or "failed",
                    seconds=outcome.seconds,
                )
    run.elapsed_s = time.perf_counter() - started
    return run


def _canary_passed(run: DeployRun, first: list[str]) -> bool:
    return all(run.devices[h].result in ("deployed", "compliant", "dry_run") for h in first)


# ---------------------------------------------------------------- one device


def _connect(host: Host) -> BaseConnection:
    connection = ConnectHandler(**netmiko_params(host))
    if str(host.platform) == "cisco_ios":
        connection.enable()
    return connection


def _read(connection: BaseConnection, platform: str, command_s: float) -> str:
    return str(connection.send_command(SHOW_RUNNING[platform], read_timeout=command_s))


def _deploy_device(host: Host, plan: _Plan) -> DeviceDeploy:
    platform = str(host.platform)
    result = DeviceDeploy(host.name, platform, "failed")
    if host.name in plan.refused:
        result.result, result.detail = "refused", plan.refused[host.name]
        return result
    if platform not in SHOW_RUNNING:
        result.result, result.detail = "refused", f"deploy does not support {platform}"
        return result
    intended = plan.intended[host.name]
    connection = _connect(host)
    try:
        before = _read(connection, platform, plan.command_s)
        remediation, values = remediate_clear(
            before, intended, platform, secrets=plan.secrets.lookup
        )
        remediation = remediation.selected(plan.features)
        result.before_sha256 = sha256_text(clean_config(before, platform))
        result.features = remediation.features
        result.lines = remediation.lines()
        if remediation.manual:
            result.result = "refused"
            result.detail = "needs a change by hand: " + "; ".join(remediation.manual)
            return result
        if not remediation.changes:
            result.result = "compliant"
            return result
        if not plan.commit:
            result.result = "dry_run"
            return result
        lines, unknown = unmask_lines(remediation.lines(), values)
        if unknown:
            missing = ", ".join(remediation.unverified) or "a secret"
            result.result = "refused"
            result.detail = f"no value for {missing}: set it (see 'kentops drift') and retry"
            return result
        store = open_store(plan.site, plan.store_root)
        store_run(
            store,
            plan.site,
            [DeviceBackup(host.name, platform, clean_config(before, platform))],
            {},
        )
        connection = _push_and_verify(host, plan, connection, lines, before, result)
    finally:
        _disconnect(connection)
    _record(host.name, plan, result)
    return result


def _push_and_verify(
    host: Host,
    plan: _Plan,
    connection: BaseConnection,
    lines: list[str],
    before: str,
    result: DeviceDeploy,
) -> BaseConnection:
    """Push, save, verify; on any failure restore ``before``. Returns the live session."""
    platform = str(host.platform)
    intended = plan.intended[host.name]
    saved = False
    try:
        _send(connection, platform, lines, plan.command_s)
        _save(connection, platform, plan.command_s)
        saved = True
        after = _read(connection, platform, plan.command_s)
        left, _values = remediate_clear(after, intended, platform, secrets=plan.secrets.lookup)
        left = left.selected(result.features)
        if left.changes:
            raise PushRefused("verification failed: still differs in " + ", ".join(left.features))
        result.result = "deployed"
        result.after_text = clean_config(after, platform)
        result.after_sha256 = sha256_text(result.after_text)
        return connection
    except Exception as exc:  # noqa: BLE001 - every failure of the push leads to the restore
        reason = str(exc).splitlines()[0] if isinstance(exc, PushRefused) else failure_reason(exc)
    return _restore(host, plan, connection, before, reason, result, saved=saved)


def _restore(
    host: Host,
    plan: _Plan,
    connection: BaseConnection,
    before: str,
    reason: str,
    result: DeviceDeploy,
    *,
    saved: bool,
) -> BaseConnection:
    """Bring the device back to ``before`` and prove it; the result says how it ended.
    The restore is saved only when the deploy's own save went through (otherwise the
    startup configuration is still the pre-change one)."""
    platform = str(host.platform)
    try:
        try:
            now = _read(connection, platform, plan.command_s)
        except Exception:  # noqa: BLE001 - the session is gone: a new one for the restore
            _disconnect(connection)
            connection = _connect(host)
            now = _read(connection, platform, plan.command_s)
        back, values = remediate_clear(now, before, platform)
        if back.changes:
            lines, unknown = unmask_lines(back.lines(), values)
            if unknown:
                raise PushRefused("cannot restore lines whose secret is not known")
            _send(connection, platform, lines, plan.command_s)
            if saved:
                _save(connection, platform, plan.command_s)
        final = _read(connection, platform, plan.command_s)
        if not same_configuration(final, before, platform):
            raise PushRefused("the running configuration still differs from the pre-change one")
        result.result = "rolled_back"
        result.detail = f"{reason}; restored the pre-change configuration and verified it"
        result.after_text = clean_config(final, platform)
        result.after_sha256 = sha256_text(result.after_text)
    except Exception as exc:  # noqa: BLE001 - reported with the reason, never hidden
        result.result = "failed"
        why = str(exc) if isinstance(exc, PushRefused) else failure_reason(exc)
        result.detail = (
            f"{reason}; restore failed ({why}): the pre-change configuration is the latest "
            "backup before this deploy in the history"
        )
    return connection


def same_configuration(a: str, b: str, platform: str) -> bool:
    """Whether two readings are the same configuration: nothing to change from one to the
    other (the order of lines inside a section may differ where the device does not care)."""
    difference, _values = remediate_clear(a, b, platform)
    return not difference.changes and not difference.manual


#: How each platform enters and leaves configuration mode (typed, not through Netmiko's
#: checks, which wait seconds per call on some platforms).
CONFIG_MODE = {
    "cisco_ios": ("configure terminal", "end"),
    "huawei_vrp": ("system-view", "return"),
}


def _type(connection: BaseConnection, line: str, command_s: float) -> str:
    return str(
        connection.send_command_timing(
            line, strip_prompt=False, strip_command=False, read_timeout=command_s, last_read=0.1
        )
    )


def _send(connection: BaseConnection, platform: str, lines: list[str], command_s: float) -> None:
    """The lines in configuration mode; stops at the first refused line."""
    pattern = re.compile(REFUSED[platform])
    enter, leave = CONFIG_MODE.get(platform, (None, None))
    if enter is not None:
        _type(connection, enter, command_s)
    try:
        for line in _pushable(lines, platform):
            answer = _type(connection, line, command_s)
            if pattern.search(answer):
                raise PushRefused(f"the device refused {line.strip()!r}: {_first(answer, pattern)}")
    finally:
        if leave is not None:
            _type(connection, leave, command_s)


def _first(answer: str, pattern: re.Pattern[str]) -> str:
    for line in answer.splitlines():
        if pattern.search(line):
            return line.strip()
    return answer.strip()[:120]


def _pushable(lines: list[str], platform: str) -> list[str]:
    """Lines as typed: IOS banners get a delimiter their text does not hold."""
    if platform != "cisco_ios":
        return [ln.strip() if platform == "routeros" else ln for ln in lines]
    out: list[str] = []
    for line in lines:
        if "\n" not in line and not line.lstrip().startswith("banner "):
            out.append(line)
            continue
        body = line.replace("^C", "")
        delimiter = next(c for c in "%#@~$&" if c not in body)
        out.extend(line.replace("^C", delimiter).split("\n"))
    return out


def _save(connection: BaseConnection, platform: str, command_s: float) -> None:
    pattern = re.compile(REFUSED[platform])
    if platform == "cisco_ios":
        answer = _type(connection, "write memory", command_s)
    elif platform == "huawei_vrp":
        answer = _type(connection, "save", command_s)
        if re.search(r"\[Y/N\]", answer, re.IGNORECASE):
            answer += _type(connection, "y", command_s)
    else:
        return  # FortiOS and RouterOS keep every change at once
    if pattern.search(answer):
        raise PushRefused(f"the device refused to save: {_first(answer, pattern)}")


def _disconnect(connection: BaseConnection) -> None:
    try:
        connection.disconnect()
    except Exception:  # noqa: BLE001 - a session already gone; nothing left to close
        return


def _record(host: str, plan: _Plan, result: DeviceDeploy) -> None:
    store = open_store(plan.site, plan.store_root)
    record_deploy(
        store,
        DeployRecord(
            host=host,
            features=result.features,
            result=result.result,
            before_sha256=result.before_sha256,
            after_sha256=result.after_sha256,
            detail=result.detail,
        ),
        config_after=result.after_text,
    )
