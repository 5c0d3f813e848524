"""Server controls, judged on the facts read from each server (pyinfra, Windows collectors)
and on the drift an Ansible check-mode run reports for the tasks that enforce each control."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from kentops.compliance import policyview
from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import (
    Issue,
    age_text,
    aware,
    judge,
    listing,
    payload,
    site_network,
)
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    passed,
)
from kentops.compliance.payloads import AnsibleDrift, ServerFacts
from kentops.inventory.model import Asset, Server, ServiceKind

#: Algorithm names that are never acceptable in sshd (broken or too weak).
WEAK_SSH_ALGORITHMS = ("cbc", "3des", "arcfour", "rc4", "blowfish", "md5", "umac-64", "sha1")
#: Time offset accepted when the policy does not give one.
DEFAULT_MAX_OFFSET_MS = 100.0
#: Anti-malware signatures older than this are stale.
SIGNATURE_MAX_AGE = dt.timedelta(days=3)
#: Service kinds whose servers need anti-malware (besides every Windows server).
ANTIMALWARE_SERVICES = frozenset({ServiceKind.FILE, ServiceKind.MAIL})

S = TypeVar("S")


def _not_windows(server: Server) -> bool:
    return server.platform != "windows"


def _read(
    ctx: CheckContext,
    asset: Asset,
    section: Callable[[ServerFacts], S | None],
    unread: tuple[str, str],
    *,
    applies: tuple[Callable[[Server], bool], str, str] | None = None,
) -> tuple[Server, S, str] | list[Finding]:
    """The server, the ``section`` of its facts and their evidence ref, or the findings that
    say why the control cannot judge them: not a server, the control does not apply
    (``applies``: when, and the Turkish/English reason otherwise), no facts, or the section
    not read (``unread``: the Turkish/English text)."""
    if not isinstance(asset, Server):
        return [not_applicable("Sunucu değil", f"Not a server ({asset.kind})")]
    if applies is not None and not applies[0](asset):
        return [not_applicable(applies[1], applies[2])]
    facts, stored, missing = payload(ctx, "server_facts", asset.id, ServerFacts)
    if missing is not None:
        return [missing]
    assert facts is not None
    assert stored is not None
    part = section(facts)
    if part is None:
        return [not_assessed(*unread, stored.ref)]
    return asset, part, stored.ref


def drift_findings(ctx: CheckContext, asset: Asset, control: str) -> list[Finding]:
    """What Ansible check mode says about the tasks that enforce ``control`` on this host.

    Only when drift evidence exists for the host; its absence is not a finding here, as
    the facts already judge the state.
    """
    if not ctx.collected("ansible_drift"):
        return []
    drift, stored, _ = payload(ctx, "ansible_drift", asset.id, AnsibleDrift)
    if drift is None or stored is None:
        return []
    if drift.unreachable or drift.failed:
        return [
            not_assessed(
                "Ansible denetim kipi bu sunucuda tamamlanamadı",
                "The Ansible check-mode run did not complete on this host",
                stored.ref,
            )
        ]
    changed = [t.task for t in drift.tasks if t.changed and control in t.controls]
    if changed:
        return [
            failed(
                f"Ansible {len(changed)} görevde sapma buldu: {listing(changed, 3)}",
                f"Ansible found drift in {len(changed)} task(s): {listing(changed, 3)}",
                stored.ref,
            )
        ]
    return [
        passed(
            "Ansible denetim kipinde bu kontrole ait sapma yok",
            "No drift in this control's tasks in Ansible check mode",
            stored.ref,
        )
    ]


def _with_drift(
    ctx: CheckContext, server: Server, control: str, findings: list[Finding]
) -> list[Finding]:
    return [*findings, *drift_findings(ctx, server, control)]


# ---------------------------------------------------------------- SRV-ADMIN-01


def named_admins_only(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-ADMIN-01: sudo for the policy's named admins only; no direct root login."""
    read = _read(
        ctx, asset, lambda f: f.admins, ("Yönetici hesapları okunamadı", "Admin accounts not read")
    )
    if isinstance(read, list):
        return read
    server, admins, ref = read
    allowed = policyview.server_admins(ctx)
    issues: list[Issue] = []
    if allowed is None:
        findings = [
            not_assessed(
                "Adlı yöneticiler erişim politikasından okunamadı",
                "Named admins could not be read from the access policy",
            )
        ]
    else:
        findings = []
        extra = sorted(set(admins.sudo_users) - allowed)
        if extra:
            issues.append(
                (
                    f"politikada olmayan yetkili hesap: {listing(extra)}",
                    f"admin rights for accounts not in the policy: {listing(extra)}",
                )
            )
    shared = sorted(set(admins.uid0_accounts) - {"root"})
    if shared:
        issues.append((f"UID 0 hesap: {listing(shared)}", f"UID 0 account: {listing(shared)}"))
    if admins.root_password_login is not False:
        issues.append(("root doğrudan oturum açabiliyor", "root can log in directly"))
    findings.append(
        judge(
            issues,
            "yalnızca adlı yöneticiler, root girişi kapalı",
            "named admins only, root login off",
            ref,
        )
    )
    return _with_drift(ctx, server, "SRV-ADMIN-01", findings)


# ---------------------------------------------------------------- SRV-SSH-01


def sshd_hardened(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-SSH-01: key authentication only, no root login, strong algorithms."""
    read = _read(
        ctx,
        asset,
        lambda f: f.sshd,
        ("sshd ayarları okunamadı", "sshd settings not read"),
        applies=(_not_windows, "Windows sunucuda sshd yok", "No sshd on a Windows server"),
    )
    if isinstance(read, list):
        return read
    server, sshd, ref = read
    issues: list[Issue] = []
    if sshd.password_authentication is not False:
        issues.append(("parola ile giriş açık", "password authentication enabled"))
    if sshd.permit_root_login not in {"no"}:
        issues.append(
            (
                f"PermitRootLogin {sshd.permit_root_login}",
                f"PermitRootLogin {sshd.permit_root_login}",
            )
        )
    weak = [
        alg
        for alg in (*sshd.ciphers, *sshd.kex_algorithms, *sshd.macs)
        if any(w in alg.lower() for w in WEAK_SSH_ALGORITHMS)
    ]
    if weak:
        issues.append((f"zayıf algoritma: {listing(weak)}", f"weak algorithm: {listing(weak)}"))
    if not sshd.ciphers:
        issues.append(("şifre listesi okunamadı", "cipher list not read"))
    finding = judge(issues, "sshd sıkılaştırılmış", "sshd hardened", ref)
    return _with_drift(ctx, server, "SRV-SSH-01", [finding])


# ---------------------------------------------------------------- SRV-PATCH-01


def security_updates_current(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-PATCH-01: no pending security update older than the policy's maximum age."""
    read = _read(
        ctx,
        asset,
        lambda f: f.updates,
        ("Bekleyen güncellemeler okunamadı", "Pending updates not read"),
    )
    if isinstance(read, list):
        return read
    _, updates, ref = read
    if updates.pending_security is None:
        return [
            not_assessed(
                "Bekleyen güvenlik güncellemeleri okunmadı",
                "Pending security updates were not read",
                ref,
            )
        ]
    pending_security = updates.pending_security
    max_age = policyview.max_update_age(ctx)
    if max_age is None:
        return [
            not_assessed(
                "Yama politikasında en uzun bekleme süresi yok",
                "The patching policy gives no maximum age",
                ref,
            )
        ]
    late = [u for u in pending_security if ctx.today - u.available_since > max_age]
    if late:
        oldest = min(u.available_since for u in late)
        return [
            failed(
                f"{len(late)} güvenlik güncellemesi {max_age.days} günden uzun süredir bekliyor "
                f"(en eskisi {oldest.isoformat()}): {listing(u.package for u in late)}",
                f"{len(late)} security update(s) pending for more than {max_age.days} days "
                f"(oldest {oldest.isoformat()}): {listing(u.package for u in late)}",
                ref,
            )
        ]
    pending = len(pending_security)
    return [
        passed(
            f"Süresi geçmiş güvenlik güncellemesi yok ({pending} yeni bekliyor)",
            f"No overdue security update ({pending} recent pending)",
            ref,
        )
    ]


# ---------------------------------------------------------------- SRV-REBOOT-01


def no_overdue_reboot(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-REBOOT-01: no reboot pending beyond the maintenance window."""
    read = _read(
        ctx,
        asset,
        lambda f: f.updates,
        ("Yeniden başlatma durumu okunamadı", "Reboot state not read"),
    )
    if isinstance(read, list):
        return read
    _, updates, ref = read
    if updates.reboot_required is None:
        return [
            not_assessed(
                "Yeniden başlatma gereksinimi okunmadı",
                "Whether a reboot is required was not read",
                ref,
            )
        ]
    if not updates.reboot_required:
        return [passed("Bekleyen yeniden başlatma yok", "No reboot pending", ref)]
    since = updates.reboot_required_since
    if since is None:
        return [
            failed(
                "Yeniden başlatma bekliyor (ne zamandan beri bilinmiyor)",
                "Reboot pending (since when is unknown)",
                ref,
            )
        ]
    if policyview.patching(ctx) is None:
        return [
            not_assessed("Yama politikası yüklenemedi", "The patching policy is not loaded", ref)
        ]
    deadline = policyview.reboot_deadline(ctx, aware(since))
    shown = age_text(ctx.now - aware(since))
    if deadline is None:
        return [
            not_assessed(
                "Politika yeniden başlatmayı öngörmüyor ya da bakım penceresi yok",
                "The policy foresees no reboot or has no maintenance window",
                ref,
            )
        ]
    if ctx.now > deadline:
        return [
            failed(
                f"Yeniden başlatma {shown[0]} süredir bekliyor; {deadline:%Y-%m-%d %H:%M} "
                "bakım penceresi geçti",
                f"Reboot pending for {shown[1]}; the window ending {deadline:%Y-%m-%d %H:%M} "
                "has passed",
                ref,
            )
        ]
    return [
        passed(
            f"Yeniden başlatma {shown[0]} süredir bekliyor; pencere {deadline:%Y-%m-%d %H:%M}",
            f"Reboot pending for {shown[1]}; window ends {deadline:%Y-%m-%d %H:%M}",
            ref,
        )
    ]


# ---------------------------------------------------------------- SRV-TIME-01


def time_synchronised(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-TIME-01: chrony synchronised to the site NTP servers within the offset limit."""
    read = _read(
        ctx,
        asset,
        lambda f: f.time,
        ("Zaman eşitleme durumu okunamadı", "Time sync state not read"),
    )
    if isinstance(read, list):
        return read
    server, state, ref = read
    issues = time_issues(ctx, server.id, state.synchronised, state.offset_ms, state.servers)
    finding = judge(
        issues, "site NTP sunucularına eşit", "synchronised to the site NTP servers", ref
    )
    return _with_drift(ctx, server, "SRV-TIME-01", [finding])


def time_issues(
    ctx: CheckContext,
    asset_id: str,
    synchronised: bool | None,
    offset_ms: float | None,
    sources: list[str],
) -> list[Issue]:
    """Time problems of any asset: not synchronised, too far off, or the wrong sources."""
    limit = policyview.max_time_offset_ms(ctx) or DEFAULT_MAX_OFFSET_MS
    issues: list[Issue] = []
    if synchronised is not True:
        issues.append(("saat eşitlenmemiş", "clock not synchronised"))
    if offset_ms is None:
        issues.append(("saat farkı okunamadı", "offset not read"))
    elif abs(offset_ms) > limit:
        issues.append(
            (
                f"saat farkı {offset_ms:.0f} ms (en çok {limit:.0f} ms)",
                f"offset {offset_ms:.0f} ms (at most {limit:.0f} ms)",
            )
        )
    site = site_network(ctx)
    site_ntp_ids = set(ctx.inventory.site.services.ntp)
    if asset_id in site_ntp_ids:
        expected = set(ctx.inventory.site.services.upstream_ntp) | set(site.ntp)
    else:
        expected = set(site.ntp)
    odd = [s for s in sources if s not in expected]
    if sources and odd:
        issues.append(
            (
                f"site dışı zaman kaynağı: {listing(odd)}",
                f"time source outside the site: {listing(odd)}",
            )
        )
    if not sources:
        issues.append(("zaman kaynağı okunamadı", "time sources not read"))
    return issues


# ---------------------------------------------------------------- SRV-FW-01


def host_firewall_active(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-FW-01: nftables active, input policy drop, rules as generated from the policy."""
    read = _read(
        ctx,
        asset,
        lambda f: f.firewall,
        ("Güvenlik duvarı durumu okunamadı", "Firewall state not read"),
    )
    if isinstance(read, list):
        return read
    server, fw, ref = read
    issues: list[Issue] = []
    if not fw.active:
        issues.append(("ana bilgisayar güvenlik duvarı etkin değil", "host firewall not active"))
    if fw.input_policy != "drop":
        issues.append((f"giriş politikası {fw.input_policy}", f"input policy {fw.input_policy}"))
    findings = [
        judge(
            issues,
            "güvenlik duvarı etkin, giriş varsayılanı drop",
            "firewall active, input default drop",
            ref,
        )
    ]
    if fw.expected_sha256 is None or fw.ruleset_sha256 is None:
        findings.append(
            not_assessed(
                "Kural kümesi politikayla karşılaştırılamadı",
                "The ruleset could not be compared with the policy",
                ref,
            )
        )
    elif fw.expected_sha256 != fw.ruleset_sha256:
        findings.append(
            failed(
                "Yüklü kurallar politikadan üretilenlerden farklı",
                "Loaded rules differ from those generated from the policy",
                ref,
            )
        )
    else:
        findings.append(
            passed(
                "Yüklü kurallar politikadan üretilenlerle aynı",
                "Loaded rules equal those generated from the policy",
                ref,
            )
        )
    return _with_drift(ctx, server, "SRV-FW-01", findings)


# ---------------------------------------------------------------- SRV-AV-01


def needs_antimalware(server: Server) -> bool:
    return server.platform == "windows" or any(
        s.kind in ANTIMALWARE_SERVICES for s in server.services
    )


def anti_malware_present(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-AV-01: anti-malware with current signatures on file, mail and Windows servers."""
    read = _read(
        ctx,
        asset,
        lambda f: f.antimalware,
        ("Zararlı yazılım koruması okunamadı", "Anti-malware state not read"),
        applies=(
            needs_antimalware,
            "Dosya/e-posta sunucusu ya da Windows değil",
            "Neither a file or mail server nor Windows",
        ),
    )
    if isinstance(read, list):
        return read
    _, av, ref = read
    issues: list[Issue] = []
    if not av.installed:
        issues.append(("zararlı yazılım koruması kurulu değil", "no anti-malware installed"))
    elif av.running is not True:
        issues.append(("zararlı yazılım koruması çalışmıyor", "anti-malware not running"))
    if av.installed and (
        av.signatures_updated is None or ctx.now - aware(av.signatures_updated) > SIGNATURE_MAX_AGE
    ):
        issues.append(("imzalar güncel değil", "signatures out of date"))
    return [
        judge(
            issues,
            f"{av.product or 'koruma'} çalışıyor, imzalar güncel",
            f"{av.product or 'protection'} running, signatures current",
            ref,
        )
    ]


# ---------------------------------------------------------------- SRV-AUDIT-01


def auditd_forwarding(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-AUDIT-01: auditd running with rules, records forwarded to the collector."""
    read = _read(
        ctx,
        asset,
        lambda f: f.auditd,
        ("auditd durumu okunamadı", "auditd state not read"),
        applies=(_not_windows, "auditd Linux'a özgü", "auditd is specific to Linux"),
    )
    if isinstance(read, list):
        return read
    server, audit, ref = read
    issues: list[Issue] = []
    if not audit.running:
        issues.append(("auditd çalışmıyor", "auditd not running"))
    if not audit.rules_loaded:
        issues.append(("denetim kuralı yüklü değil", "no audit rules loaded"))
    if audit.forwarding is not True:
        issues.append(
            ("kayıtlar toplayıcıya gönderilmiyor", "records not forwarded to the collector")
        )
    finding = judge(
        issues,
        "auditd çalışıyor, kayıtlar toplayıcıda",
        "auditd running, records at the collector",
        ref,
    )
    return _with_drift(ctx, server, "SRV-AUDIT-01", [finding])


# ---------------------------------------------------------------- SRV-OS-01


def os_supported(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SRV-OS-01: the OS release read from the server is allowed and supported."""
    read = _read(
        ctx, asset, lambda f: f.os, ("İşletim sistemi okunamadı", "Operating system not read")
    )
    if isinstance(read, list):
        return read
    server, os_info, ref = read
    name = os_info.pretty_name or f"{os_info.id} {os_info.version_id}"
    rule = policyview.firmware_rule(ctx, server)
    findings: list[Finding] = []
    if rule is None:
        findings.append(
            not_assessed(
                f"Yama politikasında {server.platform} için kural yok",
                f"The patching policy has no rule for {server.platform}",
                ref,
            )
        )
    else:
        candidates = [
            name,
            f"{os_info.id.capitalize()} {os_info.version_id}",
            os_info.version_id,
        ]
        allowed = policyview.rule_text(rule)
        if any(rule.allows(c) for c in candidates if rule.versions or c == os_info.version_id):
            findings.append(
                passed(f"{name} izinli ({allowed})", f"{name} is allowed ({allowed})", ref)
            )
        else:
            findings.append(
                failed(
                    f"{name} izinli değil (izinli: {allowed})",
                    f"{name} is not allowed (allowed: {allowed})",
                    ref,
                )
            )
    if os_info.end_of_support is not None and os_info.end_of_support < ctx.today:
        findings.append(
            failed(
                f"{name} desteği {os_info.end_of_support.isoformat()} tarihinde bitti",
                f"{name} support ended on {os_info.end_of_support.isoformat()}",
                ref,
            )
        )
    return findings
