"""Backup controls: every system with data in a class, and the restic state meets the class."""

from __future__ import annotations

from kentops.compliance import policyview
from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import Issue, age_text, aware, judge, payload
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    not_collected,
    passed,
)
from kentops.compliance.payloads import BackupState, read_payload
from kentops.compliance.policyview import BackupClassView
from kentops.inventory.model import Asset, Attestation, Pbx, Server, ServiceKind

#: Service kinds that hold no data worth a backup of their own.
NO_DATA_SERVICES = frozenset({ServiceKind.HYPERVISOR, ServiceKind.NTP})


def backup_host(ctx: CheckContext, asset: Asset) -> Server | None:
    """The server whose backup covers the asset: itself, or the host of a PBX."""
    if isinstance(asset, Server):
        return asset
    if isinstance(asset, Pbx) and asset.host is not None:
        host = ctx.inventory.index().get(asset.host)
        return host if isinstance(host, Server) else None
    return None


def holds_data(asset: Asset) -> bool:
    if isinstance(asset, Pbx):
        return True
    if isinstance(asset, Server):
        return any(s.kind not in NO_DATA_SERVICES for s in asset.services)
    return False


def class_assigned(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """BAK-CLASS-01: every server or service with data belongs to a backup class."""
    if not holds_data(asset):
        return [not_applicable("Yedeklenecek veri tutmuyor", "Holds no data to back up")]
    host = backup_host(ctx, asset)
    if host is None:
        return [
            failed(
                "Santralin çalıştığı sunucu envanterde yok; yedek sınıfı belirlenemiyor",
                "The PBX names no host server; no backup class can apply",
            )
        ]
    via = "" if host is asset else f" ({host.id} üzerinden)"
    via_en = "" if host is asset else f" (through {host.id})"
    if host.backup_class is None:
        return [failed(f"Yedek sınıfı atanmamış{via}", f"No backup class assigned{via_en}")]
    classes = policyview.backup_classes(ctx)
    if classes is None:
        return [
            not_assessed(
                f"Sınıf {host.backup_class} atanmış; yedekleme politikası yüklenemedi",
                f"Class {host.backup_class} assigned; the backup policy could not be loaded",
            )
        ]
    if host.backup_class not in classes:
        return [
            failed(
                f"Yedek sınıfı {host.backup_class} yedekleme politikasında yok{via}",
                f"Backup class {host.backup_class} is not in the backup policy{via_en}",
                ctx.policy_ref("backup"),
            )
        ]
    return [
        passed(
            f"Yedek sınıfı {host.backup_class}{via}",
            f"Backup class {host.backup_class}{via_en}",
            ctx.policy_ref("backup"),
        )
    ]


def _state(
    ctx: CheckContext, asset: Asset
) -> tuple[BackupState | None, BackupClassView | None, str | None, list[Finding]]:
    """The restic state and the class of an asset, or the findings saying why not."""
    if not holds_data(asset):
        return (
            None,
            None,
            None,
            [not_applicable("Yedeklenecek veri tutmuyor", "Holds no data to back up")],
        )
    host = backup_host(ctx, asset)
    target = host.id if host is not None else asset.id
    state, stored, missing = payload(ctx, "backup_state", target, BackupState)
    if missing is not None:
        return None, None, None, [missing]
    assert state is not None
    assert stored is not None
    name = state.backup_class or (host.backup_class if host else None)
    classes = policyview.backup_classes(ctx)
    if classes is None or name is None or name not in classes:
        return (
            None,
            None,
            stored.ref,
            [
                not_assessed(
                    "Yedek sınıfının kuralları bilinmiyor (politika ya da sınıf eksik)",
                    "The rules of the backup class are unknown (policy or class missing)",
                    stored.ref,
                )
            ],
        )
    return state, classes[name], stored.ref, []


def _run_problems(state: BackupState) -> list[Issue]:
    """Why the backup job cannot be trusted now: its last run failed, a repository did not
    open, or a filesystem is full (read in this run)."""
    issues: list[Issue] = []
    run = state.last_run
    if run is not None and not run.ok:
        why = run.error or "?"
        issues.append(
            (f"son yedekleme çalışması başarısız: {why}", f"last backup run failed: {why}")
        )
    for problem in state.problems:
        issues.append(
            (
                f"okunamayan depo ya da dolu disk: {problem}",
                f"unreadable repository or full disk: {problem}",
            )
        )
    return issues


def snapshot_fresh(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """BAK-FRESH-01: the latest snapshot is newer than the class interval, and the backup
    job's last run, its repositories and its disks are sound."""
    state, cls, ref, findings = _state(ctx, asset)
    if state is None or cls is None or ref is None:
        return findings
    problems = _run_problems(state)
    if not state.snapshots:
        return [judge([("Hiç yedek alınmamış", "No snapshot at all"), *problems], "", "", ref)]
    latest = max(aware(s.time) for s in state.snapshots)
    age = ctx.now - latest
    shown, limit = age_text(age), age_text(cls.interval)
    issues = list(problems)
    if age > cls.fresh_within:
        issues.insert(
            0,
            (
                f"Son yedek {shown[0]} önce (sınıf aralığı {limit[0]})",
                f"Latest snapshot {shown[1]} old (class interval {limit[1]})",
            ),
        )
    return [judge(issues, f"Son yedek {shown[0]} önce", f"Latest snapshot {shown[1]} old", ref)]


def retention_met(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """BAK-RET-01: the repository keeps the daily, weekly and monthly snapshots of the class."""
    state, cls, ref, findings = _state(ctx, asset)
    if state is None or cls is None or ref is None:
        return findings
    if not state.snapshots:
        return [failed("Hiç yedek alınmamış", "No snapshot at all", ref)]
    times = [aware(s.time) for s in state.snapshots]
    first = min(times).date()
    span_days = (ctx.today - first).days + 1
    days = {t.date() for t in times}
    weeks = {t.isocalendar()[:2] for t in times}
    months = {(t.year, t.month) for t in times}
    issues: list[Issue] = []
    for label_tr, label_en, have, want, unit_days in (
        ("günlük", "daily", len(days), cls.keep_daily, 1),
        ("haftalık", "weekly", len(weeks), cls.keep_weekly, 7),
        ("aylık", "monthly", len(months), cls.keep_monthly, 30),
    ):
        possible = min(want, max(1, span_days // unit_days)) if want else 0
        if have < possible:
            issues.append((f"{label_tr} {have}/{possible}", f"{label_en} {have}/{possible}"))
    return [
        judge(
            issues,
            f"{len(days)} gün, {len(weeks)} hafta, {len(months)} ay saklanıyor",
            f"{len(days)} days, {len(weeks)} weeks, {len(months)} months kept",
            ref,
            prefix=("Eksik saklama: ", "Retention short: ") if issues else ("", ""),
        )
    ]


def repository_check_clean(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """BAK-CHECK-01: restic check ran within the class interval and found no error."""
    state, cls, ref, findings = _state(ctx, asset)
    if state is None or cls is None or ref is None:
        return findings
    check = state.last_check
    if check is None:
        return [failed("Depo bütünlük denetimi hiç çalışmamış", "restic check never ran", ref)]
    age = ctx.now - aware(check.time)
    shown = age_text(age)
    issues: list[Issue] = []
    if age > cls.fresh_within:
        issues.append((f"son denetim {shown[0]} önce", f"last check {shown[1]} ago"))
    if not check.ok:
        issues.append(
            (
                f"denetim hata buldu: {'; '.join(check.errors[:3])}",
                f"the check found errors: {'; '.join(check.errors[:3])}",
            )
        )
    return [
        judge(
            issues, f"son denetim {shown[0]} önce, temiz", f"last check {shown[1]} ago, clean", ref
        )
    ]


def _restore_attestation(ctx: CheckContext, asset: Asset) -> tuple[Attestation, str] | None:
    """The latest attestation of a restore test for this asset (or for every asset).

    Its age is judged against the class's restore interval, not its own valid_until.
    """
    best: tuple[Attestation, str] | None = None
    for subject in (f"BAK-RESTORE-01:{asset.id}", "BAK-RESTORE-01"):
        for stored in ctx.items("attestation", subject):
            att = stored.data
            if (
                isinstance(att, Attestation)
                and att.date <= ctx.today
                and (best is None or att.date > best[0].date)
            ):
                best = (att, stored.ref)
    return best


def restore_tested(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """BAK-RESTORE-01: a successful test restore within the class's restore interval.

    The restore test is read from the restic state (an automated test) or from a dated
    attestation (subject BAK-RESTORE-01 or BAK-RESTORE-01:<asset>); either must be recent.
    """
    if not holds_data(asset):
        return [not_applicable("Yedeklenecek veri tutmuyor", "Holds no data to back up")]
    host = backup_host(ctx, asset)
    classes = policyview.backup_classes(ctx)
    cls = classes.get(host.backup_class) if classes and host and host.backup_class else None
    attested = _restore_attestation(ctx, asset) if ctx.collected("attestation") else None
    if cls is None:
        return [
            not_assessed(
                "Yedek sınıfı (ve geri yükleme testi aralığı) bilinmiyor",
                "The backup class (and its restore test interval) is unknown",
            )
        ]
    interval = cls.restore_test_interval
    days = interval.days
    if attested is not None:
        att, ref = attested
        age = (ctx.today - att.date).days
        if age <= days:
            return [
                passed(
                    f"Geri yükleme testi beyanı {age} gün önce: {att.document} ({att.by})",
                    f"Restore test attested {age} days ago: {att.document} ({att.by})",
                    ref,
                )
            ]
    state_item = ctx.item("backup_state", host.id if host else asset.id)
    state = read_payload(BackupState, state_item.data) if state_item else None
    test = state.last_restore_test if state else None
    if test is not None and state_item is not None:
        shown = age_text(ctx.now - aware(test.time))
        if test.ok and ctx.now - aware(test.time) <= interval:
            return [
                passed(
                    f"Başarılı geri yükleme testi {shown[0]} önce",
                    f"Successful restore test {shown[1]} ago",
                    state_item.ref,
                )
            ]
        result = ("başarılı", "successful") if test.ok else ("başarısız", "failed")
        return [
            failed(
                f"Son geri yükleme testi {shown[0]} önce, {result[0]} (en çok {days} gün)",
                f"Last restore test {shown[1]} ago, {result[1]} (at most {days} days)",
                state_item.ref,
            )
        ]
    if attested is not None:
        att, ref = attested
        age = (ctx.today - att.date).days
        return [
            failed(
                f"Son geri yükleme testi beyanı {age} gün önce (en çok {days} gün)",
                f"Last attested restore test {age} days ago (at most {days} days)",
                ref,
            )
        ]
    if not ctx.collected("backup_state"):
        return [not_collected("backup_state", "attestation")]
    if state_item is None:
        return [not_assessed("Yedek durumu okunamadı", "Backup state not read")]
    return [failed("Geri yükleme testi kaydı yok", "No restore test on record", state_item.ref)]


def offsite_copy_fresh(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """BAK-OFFSITE-01: an off-site copy in another building, within the class interval."""
    state, cls, ref, findings = _state(ctx, asset)
    if state is None or cls is None or ref is None:
        return findings
    if not cls.offsite:
        return [
            not_applicable(
                f"Sınıf {cls.id} bina dışı kopya istemiyor",
                f"Class {cls.id} asks for no off-site copy",
            )
        ]
    copy = state.offsite
    if copy is None or copy.last_snapshot is None:
        return [failed("Bina dışı kopya yok", "No off-site copy", ref)]
    issues: list[Issue] = []
    host = backup_host(ctx, asset) or asset
    if copy.building is None or copy.building == host.building:
        issues.append(
            (
                f"kopya aynı binada ({copy.building or '?'})",
                f"copy in the same building ({copy.building or '?'})",
            )
        )
    age = ctx.now - aware(copy.last_snapshot)
    if age > cls.fresh_within:
        shown = age_text(age)
        issues.append((f"son kopya {shown[0]} önce", f"last copy {shown[1]} ago"))
    return [
        judge(
            issues,
            f"{copy.building} binasında güncel kopya",
            f"current copy in building {copy.building}",
            ref,
        )
    ]


def target_append_only(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """BAK-APPEND-01: the server's credentials can only add to the backup target."""
    state, _cls, ref, findings = _state(ctx, asset)
    if state is None or ref is None:
        return findings
    if state.append_only is None and not state.snapshots and state.last_run is None:
        # read on the host: no repository answered and no backup job ever ran there
        return [
            failed(
                "Sunucuda yedekleme işi ve hedefi yok",
                "No backup job and no backup target on the server",
                ref,
            )
        ]
    if state.append_only is None:
        return [
            not_assessed(
                "Hedefin yalnızca-ekleme durumu okunamadı",
                "Append-only state of the target not read",
                ref,
            )
        ]
    if state.append_only:
        return [
            passed("Hedef yalnızca ekleme kabul ediyor", "The target accepts appends only", ref)
        ]
    return [
        failed(
            "Sunucunun kimlik bilgileri yedekleri silebilir",
            "The server's credentials can delete backups",
            ref,
        )
    ]
