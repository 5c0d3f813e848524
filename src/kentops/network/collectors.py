"""The audit's network collectors: running configurations and device facts, read in this run.

``running_config``: a backup run (``operations.run_backup``) during the audit; one item per
device actually read, its masked configuration in ``content`` and ``RunningConfigInfo``
(when it was read, the backup commit) in ``data``. ``device_facts``: NAPALM facts,
interfaces and LLDP neighbours; the raw getter answers in ``content``, ``DeviceFacts`` in
``data``. A device that could not be read gets no item (its controls stay "not assessed");
the site-wide ``<kind>/unreachable.json`` lists it with the reason.

Both read the estate only with ``--lab`` (the lab's devices) or ``KENTOPS_NETWORK_LIVE=1``
(the real devices, credentials from the environment): an audit never reaches devices by
surprise.
"""

from __future__ import annotations

import os
from pathlib import Path

from kentops.compliance.evidence import CollectContext, EvidenceItem, NotCollected, json_text
from kentops.compliance.payloads import RunningConfigInfo
from kentops.inventory.adapters import LabNotRunning
from kentops.network.connect import network_device_ids

LIVE_ENV = "KENTOPS_NETWORK_LIVE"


def _devices(ctx: CollectContext, what: str) -> list[str]:
    """The devices this audit may read, or NotCollected saying why none."""
    if not ctx.lab and os.environ.get(LIVE_ENV) != "1":
        raise NotCollected(
            f"{what}: read only with --lab (the lab's devices) or with {LIVE_ENV}=1 "
            "(the real devices)"
        )
    try:
        devices = network_device_ids(ctx.loaded, ctx.lab)
    except LabNotRunning as exc:
        raise NotCollected(f"{what}: {exc}") from None
    if ctx.hosts:
        devices = [d for d in devices if d in ctx.hosts]
    if not devices:
        raise NotCollected(f"{what}: no network device to read here")
    return devices


def unreachable_item(kind: str, failures: dict[str, str], source: str) -> EvidenceItem:
    """The site-wide list of devices that could not be read, and why (about no device)."""
    return EvidenceItem(
        kind=kind,
        name=f"{kind}/unreachable.json",
        content=json_text({"unreachable": dict(sorted(failures.items()))}),
        source=source,
        subject=None,
        data={"unreachable": dict(sorted(failures.items()))},
    )


def _source(ctx: CollectContext, host: str, how: str) -> str:
    from kentops.inventory.adapters import endpoints

    target = endpoints(ctx.loaded, ctx.lab).get(host)
    where = f"{target.endpoint.address}:{target.endpoint.port}" if target else "?"
    return f"{how} over SSH {where}{' (lab)' if ctx.lab else ''}"


class RunningConfigCollector:
    """Each network device's running configuration, read now and kept in the history."""

    name = "running_config"
    kinds: tuple[str, ...] = ("running_config",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        from kentops.network.operations import run_backup

        devices = _devices(ctx, "running configurations")
        root = ctx.options.get("backup_root")
        run = run_backup(
            ctx.loaded,
            lab=ctx.lab,
            hosts=devices,
            root=Path(root) if root is not None else None,
        )
        items = [
            EvidenceItem(
                kind="running_config",
                name=f"running_config/{host}.cfg",
                content=backup.running,
                source=_source(ctx, host, f"NAPALM get_config, backup commit {run.record.commit}"),
                subject=host,
                data=RunningConfigInfo(
                    device_id=host, taken_at=backup.taken_at, commit=run.record.commit
                ),
                collected_at=backup.taken_at,
            )
            for host, backup in sorted(run.devices.items())
        ]
        if run.record.failed:
            items.append(
                unreachable_item(
                    "running_config", run.record.failed, f"kentops backup ({run.store.path})"
                )
            )
        return items


class DeviceFactsCollector:
    """Each network device's facts, interfaces and LLDP neighbours, read now."""

    name = "device_facts"
    kinds: tuple[str, ...] = ("device_facts",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        from kentops.network.facts import gather_facts

        devices = _devices(ctx, "device facts")
        run = gather_facts(ctx.loaded, lab=ctx.lab, hosts=devices)
        items = [
            EvidenceItem(
                kind="device_facts",
                name=f"device_facts/{host}.json",
                content=json_text(run.raw[host]),
                source=_source(ctx, host, "NAPALM get_facts, get_interfaces, get_lldp_neighbors"),
                subject=host,
                data=facts,
            )
            for host, facts in sorted(run.facts.items())
        ]
        if run.failed:
            items.append(unreachable_item("device_facts", run.failed, "kentops facts"))
        return items
