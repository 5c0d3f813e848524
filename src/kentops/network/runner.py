"""Run one task on many devices through Nornir, with progress and a reason for every failure.

``run_on_devices(nr, work, progress)`` calls ``work(host)`` on every host of ``nr`` in
Nornir's threaded runner and returns one ``DeviceOutcome`` per host: the value, or the
failure in words an engineer acts on ("connection refused", "authentication failed",
"no answer within 5 s"). A watchdog closes the session of a device that exceeds its whole
budget (``Timeouts.device_s``), so a device that hangs cannot hold the run.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from nornir.core import Nornir
from nornir.core.inventory import Host
from nornir.core.task import AggregatedResult, MultiResult, Result, Task

from kentops.inventory.loader import LoadedInventory
from kentops.network.connect import Timeouts, network_nornir

T = TypeVar("T")

#: Called with (host name, ok) as each device finishes; rich progress hooks in here.
ProgressHook = Callable[[str, bool], None]


@dataclass(frozen=True)
class DeviceOutcome(Generic[T]):
    host: str
    value: T | None
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


class _Progress:
    """A Nornir processor that reports each finished host to a hook."""

    def __init__(self, hook: ProgressHook | None) -> None:
        self.hook = hook

    def task_started(self, task: Task) -> None: ...

    def task_completed(self, task: Task, result: AggregatedResult) -> None: ...

    def task_instance_started(self, task: Task, host: Host) -> None: ...

    def task_instance_completed(self, _task: Task, host: Host, result: MultiResult) -> None:
        if self.hook is not None:
            self.hook(host.name, not result.failed)

    def subtask_instance_started(self, task: Task, host: Host) -> None: ...

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None: ...


def run_on_devices(
    nr: Nornir,
    work: Callable[[Host], T],
    progress: ProgressHook | None = None,
    name: str = "kentops",
) -> dict[str, DeviceOutcome[T]]:
    """``work(host)`` on every host; never raises for a device's failure."""
    timings: dict[str, float] = {}

    def task(task: Task) -> Result:
        started = time.perf_counter()
        try:
            value = _with_watchdog(task.host, work)
        finally:
            timings[task.host.name] = time.perf_counter() - started
            _close(task.host)
        return Result(host=task.host, result=value)

    result = nr.with_processors([_Progress(progress)]).run(task=task, name=name)
    outcomes: dict[str, DeviceOutcome[T]] = {}
    for host_name, multi in result.items():
        seconds = round(timings.get(host_name, 0.0), 3)
        if multi.failed:
            outcomes[host_name] = DeviceOutcome(
                host_name, None, failure_reason(multi[0].exception, nr, host_name), seconds
            )
        else:
            outcomes[host_name] = DeviceOutcome(host_name, multi[0].result, None, seconds)
    return outcomes


def _with_watchdog(host: Host, work: Callable[[Host], T]) -> T:
    """Run ``work``; past the device's budget, close its connections so the reads fail."""
    limits = host.data.get("timeouts", {})
    budget = float(limits.get("connect_s", 10.0)) * 2 + float(limits.get("command_s", 30.0)) * 3
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _close(host)

    timer = threading.Timer(budget, expire)
    timer.daemon = True
    timer.start()
    try:
        return work(host)
    except Exception as exc:
        if expired.is_set():
            raise TimeoutError(f"the device did not finish within {budget:.0f} s") from exc
        raise
    finally:
        timer.cancel()


def _close(host: Host) -> None:
    for connection in list(host.connections):
        try:
            host.close_connection(connection)
        except Exception:  # noqa: BLE001 - closing a broken session; nothing left to do
            host.connections.pop(connection, None)


def failure_reason(exc: BaseException | None, nr: Nornir | None = None, host: str = "") -> str:
    """A short, actionable reason for a device's failure (never a secret, never a traceback)."""
    if exc is None:
        return "failed without an error"
    text = f"{type(exc).__name__}: {exc}"
    chain: list[BaseException] = []
    cursor: BaseException | None = exc
    while cursor is not None and len(chain) < 6:
        chain.append(cursor)
        cursor = cursor.__cause__ or cursor.__context__
    names = " ".join(type(e).__name__ for e in chain)
    joined = " ".join(str(e) for e in chain).lower()
    limits = nr.inventory.hosts[host].data.get("timeouts", {}) if nr and host else {}
    connect_s = limits.get("connect_s")
    if isinstance(exc, TimeoutError) and "did not finish within" in str(exc):
        return str(exc)
    if "ConnectionRefused" in names or "connection refused" in joined or "errno 111" in joined:
        return "connection refused (is the device up and SSH enabled?)"
    if "Authentication" in names or "authentication fail" in joined:
        return "authentication failed (check the credentials)"
    if any(isinstance(e, socket.timeout | TimeoutError) for e in chain) or "timed out" in joined:
        where = f" within {connect_s:g} s" if connect_s and "connect" in joined else ""
        return f"no answer{where} (timed out: {_first_line(str(exc)) or 'timeout'})"
    if "pattern not detected" in joined or "read timeout" in joined:
        return f"no prompt or answer from the device ({_first_line(str(exc))})"
    return _first_line(text)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def summary_counts(outcomes: dict[str, DeviceOutcome[Any]]) -> tuple[int, int]:
    ok = sum(1 for o in outcomes.values() if o.ok)
    return ok, len(outcomes) - ok


def read_devices(
    loaded: LoadedInventory,
    work: Callable[[Host, Any], T],
    *,
    lab: bool,
    hosts: Sequence[str] | None = None,
    workers: int | None = None,
    timeouts: Timeouts | None = None,
    progress: ProgressHook | None = None,
    name: str = "kentops",
) -> dict[str, DeviceOutcome[T]]:
    """``work(host, nornir_config)`` on every (selected) network device of the inventory."""
    extra = {} if workers is None else {"workers": workers}
    nr = network_nornir(loaded, lab=lab, hosts=hosts, timeouts=timeouts, **extra)
    return run_on_devices(nr, lambda host: work(host, nr.config), progress, name)
