"""What the checks need from the policies, in one place.

The policies collector loads policies/access.yml, backup.yml and patching.yml (kentops.policy)
into the evidence; the checks ask this module for the few facts they judge against (admin
zone, named admins, allowed versions, backup classes...). A function returns None when its
policy is absent from this run (the check then reports "not assessed").

The Law 5651 logging policy (logging.yml) comes with the 5651 work; until it exists, the
logging functions return None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from kentops.compliance.checks import CheckContext
from kentops.inventory.model import Asset
from kentops.policy.access import AccessPolicy
from kentops.policy.backup import BackupPolicy
from kentops.policy.patching import FirmwareRule, PatchingPolicy

#: Login targets of the access policy that cover a kind of network device.
_LOGIN_TARGETS = {
    "switch": ("network",),
    "router": ("network",),
    "firewall": ("firewalls", "network"),
    "wireless_controller": ("network",),
}
_SCHEDULE = {
    "hourly": dt.timedelta(hours=1),
    "daily": dt.timedelta(days=1),
    "weekly": dt.timedelta(days=7),
    "monthly": dt.timedelta(days=31),
}
#: Scheduled jobs start a little late; a snapshot counts as fresh for one interval and a
#: quarter.
FRESHNESS_SLACK = 1.25
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _typed(ctx: CheckContext, name: str, model: type[Any]) -> Any | None:
    value = ctx.policy(name)
    return value if isinstance(value, model) else None


def access(ctx: CheckContext) -> AccessPolicy | None:
    found: AccessPolicy | None = _typed(ctx, "access", AccessPolicy)
    return found


def backup(ctx: CheckContext) -> BackupPolicy | None:
    found: BackupPolicy | None = _typed(ctx, "backup", BackupPolicy)
    return found


def patching(ctx: CheckContext) -> PatchingPolicy | None:
    found: PatchingPolicy | None = _typed(ctx, "patching", PatchingPolicy)
    return found


# ---------------------------------------------------------------- access policy


def admin_zones(ctx: CheckContext) -> set[str] | None:
    policy = access(ctx)
    return {policy.admin_zone.value} if policy is not None else None


def _active(policy: AccessPolicy) -> set[str]:
    return {a.id for a in policy.accounts if not a.disabled}


def device_admins(ctx: CheckContext, kind: str) -> set[str] | None:
    """Named accounts allowed on a network device of ``kind`` (not the fallback)."""
    policy = access(ctx)
    if policy is None:
        return None
    targets = set(_LOGIN_TARGETS.get(kind, ("network",)))
    names = {
        member
        for group in policy.admin_groups
        if targets.intersection(group.login)
        for member in group.members
    }
    return names & _active(policy)


def server_admins(ctx: CheckContext) -> set[str] | None:
    """Named accounts that may hold admin rights (sudo) on servers."""
    policy = access(ctx)
    if policy is None:
        return None
    names = {
        member
        for group in policy.admin_groups
        if "servers" in group.login and group.sudo
        for member in group.members
    }
    return names & _active(policy)


def fallback_account(ctx: CheckContext) -> str | None:
    policy = access(ctx)
    return policy.device_aaa.local_fallback.username if policy is not None else None


def banner(ctx: CheckContext) -> tuple[str, str] | None:
    policy = access(ctx)
    return (policy.banner.tr, policy.banner.en) if policy is not None else None


# ---------------------------------------------------------------- patching policy


def firmware_rule(ctx: CheckContext, asset: Asset) -> FirmwareRule | None:
    policy = patching(ctx)
    return policy.rule_for(asset) if policy is not None else None


def rule_text(rule: FirmwareRule) -> str:
    parts = list(rule.versions)
    if rule.minimum is not None:
        parts.append(f">= {rule.minimum}")
    return ", ".join(parts)


def max_update_age(ctx: CheckContext) -> dt.timedelta | None:
    policy = patching(ctx)
    return dt.timedelta(days=policy.max_pending_security_days) if policy is not None else None


def reboot_deadline(ctx: CheckContext, since: dt.datetime) -> dt.datetime | None:
    """End of the first maintenance window after ``since``: a reboot pending past it is late."""
    policy = patching(ctx)
    if policy is None or policy.reboot == "never":
        return None
    window = policy.maintenance_window
    zone = ZoneInfo(ctx.inventory.site.timezone)
    local = since.astimezone(zone)
    hour, minute = (int(x) for x in window.start.split(":"))
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        if _WEEKDAYS[day.weekday()] not in window.days:
            continue
        start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
        end = start + dt.timedelta(hours=window.duration_hours)
        if end > local:
            return end
    return None


def max_time_offset_ms(ctx: CheckContext) -> float | None:
    """The time offset the policies allow; no policy gives one yet (checks use defaults)."""
    del ctx
    return None


# ---------------------------------------------------------------- backup policy


@dataclass(frozen=True)
class BackupClassView:
    id: str
    interval: dt.timedelta
    fresh_within: dt.timedelta
    keep_daily: int
    keep_weekly: int
    keep_monthly: int
    offsite: bool
    append_only: bool
    restore_test_interval: dt.timedelta


def backup_classes(ctx: CheckContext) -> dict[str, BackupClassView] | None:
    policy = backup(ctx)
    if policy is None:
        return None
    out = {}
    for cls in policy.classes:
        interval = _SCHEDULE[cls.schedule]
        out[cls.id] = BackupClassView(
            id=cls.id,
            interval=interval,
            fresh_within=interval * FRESHNESS_SLACK,
            keep_daily=cls.keep_daily,
            keep_weekly=cls.keep_weekly,
            keep_monthly=cls.keep_monthly,
            offsite=cls.offsite,
            append_only=cls.append_only,
            restore_test_interval=dt.timedelta(days=cls.restore_test_days),
        )
    return out


def network_backup_max_age(ctx: CheckContext) -> dt.timedelta | None:
    """Maximum age of a device configuration backup; the backup policy does not say yet."""
    del ctx
    return None


# ---------------------------------------------------------------- logging policy (5651)


def _logging(ctx: CheckContext, name: str) -> Any | None:
    policy = ctx.policy("logging")
    if policy is None:
        return None
    return policy.get(name) if isinstance(policy, dict) else getattr(policy, name, None)


def log_retention_days(ctx: CheckContext) -> int | None:
    days = _logging(ctx, "retention_days")
    return int(days) if days is not None else None


def log_sources(ctx: CheckContext) -> list[str] | None:
    sources = _logging(ctx, "sources")
    if sources is None:
        return None
    out = []
    for source in sources:
        ident = getattr(source, "asset", None) or getattr(source, "id", None)
        if isinstance(source, dict):
            ident = source.get("asset") or source.get("id")
        out.append(str(ident if ident is not None else source))
    return out


def seal_delay(ctx: CheckContext) -> dt.timedelta | None:
    hours = _logging(ctx, "seal_delay_hours")
    return dt.timedelta(hours=float(hours)) if hours is not None else None
