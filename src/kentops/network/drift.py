"""Intended against running, per device and feature: ``kentops drift``.

The intended configuration is rendered now from the inventory (only artefacts that
validated are used, :func:`intended_artefact`); the running one is the latest backup of
the site's history, or read from the device with ``live=True``. Secret references are
resolved through the run's secret source (the lab's values with ``--lab``), so a device
holding the intended secret compares equal (see :mod:`kentops.network.remediation`).
Large estates are compared in two worker processes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kentops.inventory.loader import LoadedInventory
from kentops.network.backup import BackupError, latest_config, open_store, read_index
from kentops.network.connect import Timeouts, network_nornir, secret_source
from kentops.network.remediation import (
    FEATURES,
    Remediation,
    UnsupportedPlatform,
    references_in,
    remediate,
)
from kentops.network.runner import ProgressHook, run_on_devices
from kentops.render import Artefact, RenderReport, render_site

#: Rendered artefact kinds that are a network device's whole configuration.
CONFIG_KINDS = frozenset({"ios", "vrp", "fortios", "routeros"})
#: Below this many devices the comparison runs in this process (a pool costs ~0.3 s).
PARALLEL_FROM = 300


class NotValidated(ValueError):
    """The rendered artefact did not pass validation: it must not be compared or deployed."""


def intended_artefact(report: RenderReport, device_id: str) -> Artefact:
    """The device's rendered configuration, only if it validated.

    This is the one place drift and deploy read render output through; it stands where
    ``kentops.render.validated_artefact`` (the render's validation manifest) will.
    """
    problems = [p for p in report.problems if p.subject == device_id]
    if problems:
        raise NotValidated(
            f"{device_id}: the rendered configuration did not validate: {problems[0]}"
        )
    for artefact in report.for_device(device_id):
        if artefact.kind in CONFIG_KINDS:
            return artefact
    raise NotValidated(f"{device_id}: no rendered configuration (is the platform templated?)")


def policy_dir_of(loaded: LoadedInventory) -> Path:
    """``policies/`` beside the inventory's ``inventories/`` folder, else ``policies/`` of the
    working directory (an inventory kept elsewhere, such as a generated one)."""
    beside = loaded.root.resolve().parent.parent / "policies"
    return beside if beside.is_dir() else Path("policies")


def render_intended(
    loaded: LoadedInventory, hosts: Sequence[str], jobs: int | None = None
) -> RenderReport:
    return render_site(loaded, policy_dir_of(loaded), out=None, hosts=list(hosts), jobs=jobs)


@dataclass
class DeviceDrift:
    """One device's comparison, or why it could not be compared."""

    host: str
    platform: str
    source: str  # "backup <taken_at>" | "live"
    remediation: Remediation | None = None
    error: str | None = None

    @property
    def drifted(self) -> bool:
        return self.remediation is not None and not self.remediation.clean

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "platform": self.platform,
            "source": self.source,
            "drifted": self.drifted,
            "error": self.error,
            "remediation": self.remediation.as_dict() if self.remediation else None,
        }


@dataclass
class DriftRun:
    site: str
    devices: dict[str, DeviceDrift] = field(default_factory=dict)
    features: list[str] | None = None
    elapsed_s: float = 0.0

    @property
    def drifted(self) -> list[str]:
        return sorted(h for h, d in self.devices.items() if d.drifted)

    @property
    def failed(self) -> dict[str, str]:
        return {h: d.error for h, d in sorted(self.devices.items()) if d.error}

    @property
    def clean(self) -> bool:
        return not self.drifted and not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "features": self.features,
            "drifted": self.drifted,
            "clean": sorted(
                h for h, d in self.devices.items() if not d.drifted and d.error is None
            ),
            "failed": self.failed,
            "elapsed_s": round(self.elapsed_s, 3),
            "devices": {h: d.as_dict() for h, d in sorted(self.devices.items())},
        }


def check_features(features: Iterable[str] | None) -> list[str] | None:
    """The features asked for, or ValueError naming the unknown ones."""
    if not features:
        return None
    wanted = list(dict.fromkeys(features))
    unknown = [f for f in wanted if f not in FEATURES]
    if unknown:
        raise ValueError(
            f"unknown feature(s) {', '.join(unknown)}: use one of {', '.join(FEATURES)}"
        )
    return wanted


Job = tuple[str, str, str, str, dict[str, str]]  # host, platform, running, intended, secrets


def _compare(job: Job) -> tuple[str, Remediation | None, str | None]:
    host, platform, running, intended, values = job
    try:
        return (
            host,
            remediate(running, intended, platform, secrets=values.get, running_masked=True),
            None,
        )
    except UnsupportedPlatform as exc:
        return host, None, str(exc)


def compare_all(
    jobs: list[Job], workers: int | None = None
) -> dict[str, tuple[Remediation | None, str | None]]:
    """Every comparison, in two processes for a large estate."""
    count = workers or min(2, os.cpu_count() or 1)
    if len(jobs) < PARALLEL_FROM or count < 2:
        results = [_compare(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=count) as pool:
            results = list(pool.map(_compare, jobs, chunksize=max(1, len(jobs) // (count * 8))))
    return {host: (rem, err) for host, rem, err in results}


def run_drift(
    loaded: LoadedInventory,
    devices: Sequence[str],
    *,
    lab: bool,
    features: Sequence[str] | None = None,
    live: bool = False,
    backup_root: Path | None = None,
    workers: int | None = None,
    timeouts: Timeouts | None = None,
    progress: ProgressHook | None = None,
) -> DriftRun:
    """Compare ``devices`` (ids of network devices) and return every result and failure."""
    started = time.perf_counter()
    site = loaded.inventory.site.id
    run = DriftRun(site, features=list(features) if features else None)
    platforms = {a.id: str(getattr(a, "platform", "")) for a in loaded.inventory.network_devices()}
    report = render_intended(loaded, devices)
    running, sources, errors = _running_configs(
        loaded,
        devices,
        lab=lab,
        live=live,
        backup_root=backup_root,
        workers=workers,
        timeouts=timeouts,
        progress=progress,
    )
    secrets = secret_source(loaded, lab)
    jobs: list[Job] = []
    for host in devices:
        platform = platforms.get(host, "")
        drift = DeviceDrift(host, platform, sources.get(host, "live" if live else "backup"))
        run.devices[host] = drift
        if host in errors:
            drift.error = errors[host]
            continue
        try:
            intended = intended_artefact(report, host).text
        except NotValidated as exc:
            drift.error = str(exc)
            continue
        values = {
            ref: v for ref in references_in(intended) if (v := secrets.lookup(ref)) is not None
        }
        jobs.append((host, platform, running[host], intended, values))
    for host, (rem, err) in compare_all(jobs).items():
        drift = run.devices[host]
        if err is not None:
            drift.error = err
        elif rem is not None:
            drift.remediation = rem.selected(features)
    run.elapsed_s = time.perf_counter() - started
    return run


def _running_configs(
    loaded: LoadedInventory,
    devices: Sequence[str],
    *,
    lab: bool,
    live: bool,
    backup_root: Path | None,
    workers: int | None,
    timeouts: Timeouts | None,
    progress: ProgressHook | None,
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(masked running configuration, where it came from, error) per device."""
    running: dict[str, str] = {}
    sources: dict[str, str] = {}
    errors: dict[str, str] = {}
    if live:
        from kentops.network.operations import read_config

        extra = {} if workers is None else {"workers": workers}
        nr = network_nornir(loaded, lab=lab, hosts=devices, timeouts=timeouts, **extra)
        outcomes = run_on_devices(nr, lambda h: read_config(h, nr.config), progress, name="drift")
        for host, outcome in outcomes.items():
            if outcome.value is None:
                errors[host] = outcome.error or "failed"
            else:
                running[host] = outcome.value.running
                sources[host] = "live"
        return running, sources, errors
    site = loaded.inventory.site.id
    try:
        store = open_store(site, backup_root, create=False)
    except BackupError as exc:
        return {}, {}, {h: str(exc) for h in devices}
    index = read_index(store)
    for host in devices:
        text = latest_config(store, host)
        if text is None:
            errors[host] = "no backup of this device: run 'kentops backup' first (or use --live)"
        else:
            running[host] = text
            sources[host] = f"backup {index.get(host, {}).get('taken_at', '')}".strip()
        if progress is not None:
            progress(host, host not in errors)
    return running, sources, errors
