"""The live network operations: read configurations (backup) and facts from devices.

Each operation builds Nornir through ``connect.network_nornir``, runs one task per device
with ``runner.run_on_devices`` and hands back plain results; the CLI and the audit's
collectors call these, so a backup taken by the audit is the same as one taken by hand.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nornir.core.inventory import Host

from kentops.inventory.loader import LoadedInventory
from kentops.network.backup import BackupRun, DeviceBackup, open_store, store_run
from kentops.network.connect import Timeouts
from kentops.network.mask import PLATFORMS, clean_config
from kentops.network.runner import ProgressHook, read_devices


def read_config(host: Host, configuration: Any) -> DeviceBackup:
    """The running and startup configuration of one device, masked, volatile lines dropped."""
    platform = str(host.platform)
    if platform not in PLATFORMS:
        raise ValueError(f"no masking rules for platform {platform}: not stored")
    device = host.get_connection("napalm", configuration)
    taken_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    config = device.get_config(retrieve="all")
    running = clean_config(str(config.get("running") or ""), platform)
    startup_raw = config.get("startup")
    startup = clean_config(str(startup_raw), platform) if startup_raw else None
    return DeviceBackup(host.name, platform, running, startup, taken_at)


def run_backup(
    loaded: LoadedInventory,
    *,
    lab: bool,
    hosts: Sequence[str] | None = None,
    workers: int | None = None,
    timeouts: Timeouts | None = None,
    root: Path | None = None,
    progress: ProgressHook | None = None,
) -> BackupRun:
    """Back up every (selected) network device into the site's history; one commit."""
    started = time.perf_counter()
    outcomes = read_devices(
        loaded,
        read_config,
        lab=lab,
        hosts=hosts,
        workers=workers,
        timeouts=timeouts,
        progress=progress,
        name="backup",
    )
    site = loaded.inventory.site.id
    store = open_store(site, root)
    backups = {h: o.value for h, o in outcomes.items() if o.value is not None}
    failures = {h: o.error or "failed" for h, o in outcomes.items() if o.value is None}
    record = store_run(store, site, list(backups.values()), failures)
    for host in record.failed:
        backups.pop(host, None)  # refused as incomplete: not a backup of this run
    return BackupRun(
        site=site,
        store=store,
        record=record,
        devices=backups,
        seconds={h: o.seconds for h, o in outcomes.items()},
        elapsed_s=time.perf_counter() - started,
    )
