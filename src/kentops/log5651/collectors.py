"""The audit's ``log5651_archive`` evidence: a full ``verify`` of the sealed archive, run now.

The archive is ``options["log5651_archive"]``, else ``$KENTOPS_LOG5651_ARCHIVE``, else
``var/log5651/<site>/`` (relative to the working folder, else to the repository holding the
inventory: where the lab's collector chain writes too). The token check needs
the pinned TSA certificates (``KENTOPS_TSA_ROOT_CERT``/``KENTOPS_TSA_CERT``, or with ``--lab``
the lab TSA's). Without an archive or without certificates nothing was read: the kind stays
not collected, with the reason. The verify report is kept whole as the evidence file; the
checks read the :class:`Log5651Archive` built from it. Source names are read as inventory
asset ids through the logging policy's ``hosts``.
"""

from __future__ import annotations

import datetime as dt
import json
from ipaddress import IPv4Address
from typing import Any

from kentops.compliance.evidence import CollectContext, EvidenceItem, NotCollected
from kentops.compliance.payloads import ArchiveDay, LeaseRecord, Log5651Archive
from kentops.inventory.model import Inventory, Zone
from kentops.log5651.archive import Archive, day_of, resolve_root
from kentops.log5651.config import tsa_config
from kentops.log5651.policy import LOGGING_FILE, LoggingPolicy, load_logging_policy
from kentops.log5651.records import ENDING_EVENTS, HOLDING_EVENTS
from kentops.log5651.search import day_records
from kentops.log5651.store import ArchiveError
from kentops.log5651.verify import DEFAULT_MAX_SEAL_DELAY, VerifyReport, verify

OPTION = "log5651_archive"


def _policy(ctx: CollectContext) -> LoggingPolicy | None:
    file = ctx.policy_dir / LOGGING_FILE
    return load_logging_policy(file, ctx.loaded) if file.is_file() else None


def _last_leases(archive: Archive, report: VerifyReport) -> list[LeaseRecord]:
    """The addresses held at the end of the last verified day (latest holder of each)."""
    verified = [d.day for d in report.days if d.status == "verified"]
    if not verified:
        return []
    held: dict[str, LeaseRecord] = {}
    for item in day_records(archive, verified[-1]):
        record = item.record
        if record.event in HOLDING_EVENTS and record.ip and record.mac:
            held[record.ip] = LeaseRecord(ip=record.ip, mac=record.mac, hostname=record.hostname)
        elif record.event in ENDING_EVENTS and record.ip:
            held.pop(record.ip, None)
    return [held[ip] for ip in sorted(held)]


def identified_sessions(
    inventory: Inventory, archive: Archive, report: VerifyReport
) -> dict[str, bool]:
    """Per guest VLAN (and guest SSID): whether the NAT sessions of the last verified day from
    its subnet carry a user. A network without such sessions is left out (not known)."""
    verified = [d.day for d in report.days if d.status == "verified"]
    guests = {v.id: v.subnet for v in inventory.vlan_index().values() if v.zone == Zone.GUEST}
    if not verified or not guests:
        return {}
    flags: dict[str, list[bool]] = {}
    for item in day_records(archive, verified[-1]):
        record = item.record
        inside = (record.nat_inside or "").rsplit(":", 1)[0] or record.ip
        if record.event != "nat" or not inside:
            continue
        try:
            address = IPv4Address(inside)
        except ValueError:
            continue
        for vlan, subnet in guests.items():
            if address in subnet:
                flags.setdefault(vlan, []).append(bool(record.user))
    out = {vlan: all(values) for vlan, values in flags.items()}
    if out:
        for controller in inventory.wireless_controllers:
            for ssid in controller.ssids:
                if ssid.vlan_zone == Zone.GUEST:
                    out[ssid.id] = all(out.values())
    return out


def archive_payload(
    archive: Archive,
    report: VerifyReport,
    now: dt.datetime,
    aliases: dict[str, str],
    retention_days: int | None,
    inventory: Inventory | None = None,
) -> Log5651Archive:
    """The checks' view of a verify report (pruned days left out, sources as asset ids)."""
    days = []
    for d in report.days:
        if d.status in {"pruned", "missing"}:
            continue
        days.append(
            ArchiveDay(
                day=d.day,
                records=d.records,
                sources=sorted({aliases.get(s, s) for s in d.sources}),
                sealed=d.seal_ok is not None,
                seal_time=d.gen_time,
                seal_verified=d.seal_ok,
                digest_ok=d.digest_ok,
                link_ok=d.link_ok,
            )
        )
    present = [d.day for d in report.days if d.status != "pruned"]
    return Log5651Archive(
        verified_at=now,
        first_day=min(present) if present else None,
        retention_days=retention_days,
        days=days,
        chain_intact=report.chain_intact if report.days else None,
        problems=[p for d in report.days for p in d.problems][:50],
        leases=_last_leases(archive, report),
        identified_sessions=identified_sessions(inventory, archive, report)
        if inventory is not None
        else {},
    )


class Log5651ArchiveCollector:
    """Verifies the Law 5651 archive in this run and reports what it found."""

    name = "log5651_archive"
    kinds: tuple[str, ...] = ("log5651_archive",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        try:
            root = resolve_root(ctx.options.get(OPTION), ctx.site)
        except ArchiveError as exc:
            raise NotCollected(str(exc)) from None
        if not root.is_absolute() and not root.exists():  # relative to the repository
            root = ctx.loaded.root.resolve().parent.parent / root
        archive = Archive(root)
        if not (root / "days").is_dir() and not (root / "open").is_dir():
            raise NotCollected(
                f"no Law 5651 archive at {root} (nothing ingested or sealed there); set "
                f"KENTOPS_LOG5651_ARCHIVE to the collector's archive"
            )
        try:
            config = tsa_config(lab=ctx.lab, need_url=False)
        except ArchiveError as exc:
            raise NotCollected(f"the archive's time stamps cannot be verified: {exc}") from None
        policy = _policy(ctx)
        delay = (
            dt.timedelta(hours=float(policy.seal_delay_hours))
            if policy is not None
            else DEFAULT_MAX_SEAL_DELAY
        )
        now = dt.datetime.now(dt.UTC)
        last = day_of(now) - dt.timedelta(days=1)
        report = verify(archive, config, last=last, now=now, max_delay=delay)
        aliases = policy.aliases() if policy is not None else {}
        payload = archive_payload(
            archive,
            report,
            now,
            aliases,
            policy.retention_days if policy else None,
            ctx.loaded.inventory,
        )
        content: dict[str, Any] = {
            "archive": str(root),
            "tsa_root_cert": str(config.root_cert),
            "tsa_cert": str(config.tsa_cert),
            "verify": report.as_dict(),
        }
        return [
            EvidenceItem(
                kind="log5651_archive",
                name="log5651/verify.json",
                content=json.dumps(content, ensure_ascii=False, indent=1, default=str) + "\n",
                source=f"kentops log5651 verify --archive {root}",
                data=payload,
            )
        ]
