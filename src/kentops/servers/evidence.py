"""From what was read on a host to the payloads the checks read (compliance/payloads.py).

Every field is filled from what the host printed in this run; a section that could not be
read leaves its part None ("not read"), never a default that would pass.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kentops.compliance.payloads import (
    AdminState,
    AntiMalwareState,
    AuditdState,
    BackupRun,
    BackupState,
    FirewallState,
    NtpState,
    OffsiteCopy,
    OsInfo,
    PendingUpdate,
    RepositoryCheck,
    RestoreTest,
    ServerFacts,
    Snapshot,
    SshdState,
    UpdateState,
)
from kentops.inventory.model import Server
from kentops.servers import parsers as p
from kentops.servers.facts import HostFacts

#: Local fact files the roles write (``/etc/ansible/facts.d/<name>.fact``).
BACKUP_FACT = "kentops_backup"
BASELINE_FACT = "baseline"
PATCHING_FACT = "patching"
#: restic repository names (``/etc/restic/<name>.env``) of the off-site copy.
OFFSITE_NAMES = ("offsite", "off-site", "remote")


def server_facts(facts: HostFacts, server: Server | None) -> ServerFacts:
    """The ``server_facts`` payload of one host read in this run."""
    return ServerFacts(
        server_id=facts.host,
        os=_os(facts, server),
        sshd=_sshd(facts.sshd),
        admins=_admins(facts),
        updates=update_state(facts),
        time=_time(facts),
        firewall=_firewall(facts),
        antimalware=_antimalware(facts.clamav),
        auditd=_auditd(facts.auditd),
        cleartext_services=p.cleartext_services(facts.listeners)
        if facts.listeners is not None
        else None,
    )


def _os(facts: HostFacts, server: Server | None) -> OsInfo | None:
    if facts.os is None:
        return None
    end = server.lifecycle.end_of_support if server is not None and server.lifecycle else None
    return OsInfo(
        id=facts.os.id,
        version_id=facts.os.version_id,
        pretty_name=facts.os.pretty_name,
        end_of_support=end,
    )


def _sshd(sshd: p.SshdSettings | None) -> SshdState | None:
    if sshd is None:
        return None
    by_password = sshd.first("passwordauthentication")
    by_keyboard = sshd.first("kbdinteractiveauthentication") == "yes"
    pam = sshd.first("usepam") == "yes"
    return SshdState(
        # keyboard-interactive through PAM asks for the same password
        password_authentication=None
        if by_password is None
        else by_password == "yes" or (by_keyboard and pam),  # noqa: S105 - a setting, no secret
        permit_root_login=sshd.first("permitrootlogin"),
        ciphers=sshd.csv("ciphers"),
        kex_algorithms=sshd.csv("kexalgorithms"),
        macs=sshd.csv("macs"),
    )


def _admins(facts: HostFacts) -> AdminState | None:
    if facts.accounts is None or facts.sudo_users is None:
        return None
    root = next((a for a in facts.accounts if a.name == "root"), None)
    # root logs in directly (console, su, or SSH where allowed) while it has a usable password
    usable = {"P": True, "L": False, "NP": False}
    root_password = usable.get(root.password_state or "") if root is not None else None
    return AdminState(
        sudo_users=facts.sudo_users,
        uid0_accounts=sorted(a.name for a in facts.accounts if a.uid == 0),
        root_password_login=root_password,
    )


def update_state(facts: HostFacts) -> UpdateState | None:
    """Pending security updates and reboot state, each from what was read (None: not read).

    A pending update is available at least since the date of the package index offering it
    (its Release file), or since the patching role first recorded it, whichever is older.
    """
    if facts.pending is None and facts.reboot is None:
        return None
    pending = None
    if facts.pending is not None:
        first_seen = _first_seen(facts.local_facts.get(PATCHING_FACT))
        pending = [
            PendingUpdate(
                package=u.package,
                available_since=_available_since(u, facts, first_seen),
            )
            for u in facts.pending
            if u.security
        ]
    return UpdateState(
        pending_security=pending,
        reboot_required=facts.reboot.required if facts.reboot is not None else None,
        reboot_required_since=facts.reboot.since if facts.reboot is not None else None,
    )


def _first_seen(fact: Any) -> dict[str, dt.date]:
    """``patching.fact`` ``pending_since``: package → the date the role first saw it."""
    found: dict[str, dt.date] = {}
    if not isinstance(fact, dict) or not isinstance(fact.get("pending_since"), dict):
        return found
    for package, day in fact["pending_since"].items():
        try:
            found[str(package)] = dt.date.fromisoformat(str(day)[:10])
        except ValueError:
            continue
    return found


def _available_since(
    update: p.PackageUpgrade, facts: HostFacts, first_seen: dict[str, dt.date]
) -> dt.date:
    dates = [facts.read_at.date()]
    for source in facts.package_sources:
        if source.date is not None and source.origin_text() in update.origins:
            dates.append(source.date.date())
    if update.package in first_seen:
        dates.append(first_seen[update.package])
    return min(dates)


def _time(facts: HostFacts) -> NtpState | None:
    if "chrony_tracking" in facts.unread and facts.chrony is None:
        # chronyc ran on the host and chronyd did not answer: the clock is not kept
        reason = facts.unread["chrony_tracking"]
        if "not in the output" in reason:
            return None
        return NtpState(synchronised=False, offset_ms=None, servers=facts.time_sources or [])
    if facts.chrony is None:
        return None
    return NtpState(
        synchronised=facts.chrony.synchronised,
        offset_ms=facts.chrony.offset_ms,
        servers=facts.time_sources or [],
    )


def _firewall(facts: HostFacts) -> FirewallState | None:
    if facts.nftables is None:
        return None
    baseline = facts.local_facts.get(BASELINE_FACT)
    expected = baseline.get("nftables_ruleset_sha256") if isinstance(baseline, dict) else None
    return FirewallState(
        active=facts.nftables.active,
        input_policy=facts.nftables.input_policy,
        ruleset_sha256=facts.nftables.sha256,
        expected_sha256=str(expected) if expected else None,
    )


def _antimalware(clamav: p.ClamavStatus | None) -> AntiMalwareState | None:
    if clamav is None:
        return None
    return AntiMalwareState(
        installed=clamav.installed,
        running=clamav.running,
        product="ClamAV" if clamav.installed else None,
        signatures_updated=clamav.signatures_updated,
    )


def _auditd(audit: p.AuditStatus | None) -> AuditdState | None:
    if audit is None:
        return None
    return AuditdState(running=audit.running, rules_loaded=audit.rules, forwarding=audit.forwarding)


# ---------------------------------------------------------------- backups


def backup_state(facts: HostFacts, server: Server | None) -> BackupState:
    """The restic state of one host: snapshots read now, the role's last check and restore
    test from its local facts; a repository that failed to open is a failed check now."""
    fact = facts.local_facts.get(BACKUP_FACT)
    fact = fact if isinstance(fact, dict) else {}
    primary = [r for r in facts.restic if r.name not in OFFSITE_NAMES]
    offsite = [r for r in facts.restic if r.name in OFFSITE_NAMES]
    snapshots = sorted(
        (Snapshot(time=s.time, tags=s.tags) for r in primary if r.ok for s in r.snapshots),
        key=lambda s: s.time,
    )
    broken = [r for r in facts.restic if not r.ok]
    last_check = _check(fact.get("last_check"))
    if broken:
        last_check = RepositoryCheck(
            time=facts.read_at,
            ok=False,
            errors=[f"{r.name}: {r.error}" for r in broken],
        )
    off = None
    if offsite:
        repo = offsite[0]
        off = OffsiteCopy(
            repository=repo.name,
            building=fact.get("offsite_building")
            if isinstance(fact.get("offsite_building"), str)
            else None,
            last_snapshot=max((s.time for s in repo.snapshots), default=None),
        )
    append_only = fact.get("append_only")
    problems = [f"{r.name}: {r.error}" for r in broken]
    problems += [f"{f.mount} %{f.use_percent}" for f in full_filesystems(facts)]
    return BackupState(
        asset_id=facts.host,
        backup_class=server.backup_class if server is not None else None,
        snapshots=snapshots,
        last_run=_run(fact.get("last_backup")),
        problems=problems,
        last_check=last_check,
        last_restore_test=_restore(fact.get("last_restore_test")),
        offsite=off,
        append_only=append_only if isinstance(append_only, bool) else None,
    )


def _when(value: Any) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _check(value: Any) -> RepositoryCheck | None:
    if not isinstance(value, dict) or (when := _when(value.get("time"))) is None:
        return None
    errors = value.get("errors")
    return RepositoryCheck(
        time=when,
        ok=value.get("ok") is True,
        errors=[str(e) for e in errors] if isinstance(errors, list) else [],
    )


def _run(value: Any) -> BackupRun | None:
    if not isinstance(value, dict) or (when := _when(value.get("time"))) is None:
        return None
    error = value.get("error")
    return BackupRun(time=when, ok=value.get("ok") is True, error=str(error) if error else None)


def _restore(value: Any) -> RestoreTest | None:
    if not isinstance(value, dict) or (when := _when(value.get("time"))) is None:
        return None
    note = value.get("note")
    return RestoreTest(time=when, ok=value.get("ok") is True, note=str(note) if note else None)


def full_filesystems(facts: HostFacts, threshold: int = 95) -> list[p.Filesystem]:
    """Filesystems at or above ``threshold`` percent used (a full disk stops backups)."""
    return [f for f in facts.filesystems or [] if f.use_percent >= threshold and f.size_kib > 0]
