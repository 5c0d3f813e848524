"""Directory controls, judged on the directory read over LDAP from each domain controller
(directory_state): stale accounts, privileged group members, password and lockout policy,
accounts of people who left."""

from __future__ import annotations

import datetime as dt

from kentops.compliance import policyview
from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import Issue, aware, judge, listing, payload
from kentops.compliance.model import Finding, failed, not_applicable, not_assessed, passed
from kentops.compliance.payloads import DirectoryState
from kentops.inventory.model import Asset, Server, ServiceKind

#: An enabled account not used for this long is stale (BİG Rehberi 3.1.12.10).
STALE_AFTER = dt.timedelta(days=90)
#: A new account gets this long for its first logon before it counts as never used.
FIRST_LOGON_GRACE = dt.timedelta(days=14)
#: Password and lockout minimums (BİG Rehberi 3.1.14.9 strong passwords, 3.1.12.3 lockout).
MIN_PASSWORD_LENGTH = 12
MAX_LOCKOUT_THRESHOLD = 10


def _directory(ctx: CheckContext, asset: Asset) -> tuple[DirectoryState, str] | list[Finding]:
    if not isinstance(asset, Server) or not any(
        s.kind is ServiceKind.DIRECTORY for s in asset.services
    ):
        return [not_applicable("Dizin sunucusu değil", "Not a directory server")]
    state, stored, missing = payload(ctx, "directory_state", asset.id, DirectoryState)
    if missing is not None:
        return [missing]
    assert state is not None
    assert stored is not None
    return state, stored.ref


def stale_accounts(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """DIR-STALE-01: no enabled account unused for 90 days or never used after 14 days."""
    read = _directory(ctx, asset)
    if isinstance(read, list):
        return read
    state, ref = read
    if state.accounts is None:
        return [not_assessed("Hesaplar okunamadı", "Accounts not read", ref)]
    stale, never = [], []
    for account in state.accounts:
        if not account.enabled or account.builtin_admin:
            continue
        if account.last_logon is None:
            if account.created is None or ctx.now - aware(account.created) > FIRST_LOGON_GRACE:
                never.append(account.name)
        elif ctx.now - aware(account.last_logon) > STALE_AFTER:
            stale.append(account.name)
    issues: list[Issue] = []
    if stale:
        issues.append(
            (
                f"{STALE_AFTER.days} günü aşkın kullanılmayan etkin hesap: {listing(stale)}",
                f"enabled account unused for more than {STALE_AFTER.days} days: {listing(stale)}",
            )
        )
    if never:
        issues.append(
            (
                f"hiç oturum açmamış etkin hesap: {listing(never)}",
                f"enabled account that never logged on: {listing(never)}",
            )
        )
    enabled = sum(1 for a in state.accounts if a.enabled)
    return [
        judge(
            issues,
            f"{enabled} etkin hesabın hepsi kullanımda",
            f"all {enabled} enabled accounts in use",
            ref,
        )
    ]


def privileged_members(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """DIR-PRIV-01: privileged groups hold only the policy's named admins."""
    read = _directory(ctx, asset)
    if isinstance(read, list):
        return read
    state, ref = read
    allowed = policyview.server_admins(ctx)
    if allowed is None:
        return [
            not_assessed(
                "Adlı yöneticiler erişim politikasından okunamadı",
                "Named admins could not be read from the access policy",
                ref,
            )
        ]
    if state.privileged is None or state.accounts is None:
        return [not_assessed("Yetkili gruplar okunamadı", "Privileged groups not read", ref)]
    # the built-in Administrator is a member everywhere; it is accepted only while disabled
    disabled_builtin = {a.name for a in state.accounts if a.builtin_admin and not a.enabled}
    extra: dict[str, list[str]] = {}
    for group, members in sorted(state.privileged.items()):
        unknown = sorted(set(members) - allowed - disabled_builtin)
        if unknown:
            extra[group] = unknown
    if extra:
        text = "; ".join(f"{g}: {listing(m)}" for g, m in extra.items())
        return [
            failed(
                f"Politikada olmayan yetkili grup üyesi: {text}",
                f"Privileged group members not in the policy: {text}",
                ref,
            )
        ]
    groups = listing(sorted(state.privileged))
    return [
        passed(
            f"Yetkili gruplarda ({groups}) yalnızca politikadaki yöneticiler",
            f"Only the policy's admins in the privileged groups ({groups})",
            ref,
        )
    ]


def _password_rule(ctx: CheckContext) -> tuple[int, int]:
    """(minimum length, highest lockout threshold): the access policy's ``directory`` section
    when it has one (never weaker than BİG, its schema sees to that), else BİG's floor."""
    access = policyview.access(ctx)
    wanted = access.directory.passwords if access is not None and access.directory else None
    if wanted is None:
        return MIN_PASSWORD_LENGTH, MAX_LOCKOUT_THRESHOLD
    return wanted.min_length, wanted.lockout_threshold


def password_policy(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """DIR-PWD-01: length and lockout as the access policy asks (at least 12 characters,
    lockout after at most 10 failures), complexity on."""
    read = _directory(ctx, asset)
    if isinstance(read, list):
        return read
    state, ref = read
    policy = state.password_policy
    if policy is None:
        return [not_assessed("Parola politikası okunamadı", "Password policy not read", ref)]
    min_length, max_lockout = _password_rule(ctx)
    issues: list[Issue] = []
    if policy.min_length is None or policy.min_length < min_length:
        issues.append(
            (
                f"en kısa parola {policy.min_length} (en az {min_length})",
                f"minimum password length {policy.min_length} (at least {min_length})",
            )
        )
    if policy.complexity is not True:
        issues.append(("parola karmaşıklığı kapalı", "password complexity off"))
    if not policy.lockout_threshold or policy.lockout_threshold > max_lockout:
        shown = policy.lockout_threshold or "yok / none"
        issues.append(
            (
                f"hesap kilitleme eşiği {shown} (1–{max_lockout} olmalı)",
                f"lockout threshold {shown} (must be 1–{max_lockout})",
            )
        )
    return [
        judge(
            issues,
            f"parola en az {policy.min_length} karakter, karmaşık; "
            f"{policy.lockout_threshold} hatada kilit",
            f"passwords at least {policy.min_length} characters, complex; "
            f"lockout after {policy.lockout_threshold} failures",
            ref,
        )
    ]


def leavers_disabled(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """DIR-LEAVER-01: accounts of people the policy marks as gone are disabled or removed."""
    read = _directory(ctx, asset)
    if isinstance(read, list):
        return read
    state, ref = read
    access = policyview.access(ctx)
    if access is None:
        return [
            not_assessed("Erişim politikası yüklenemedi", "The access policy is not loaded", ref)
        ]
    if state.accounts is None:
        return [not_assessed("Hesaplar okunamadı", "Accounts not read", ref)]
    gone = {a.id for a in access.accounts if a.disabled}
    enabled = sorted(a.name for a in state.accounts if a.enabled and a.name in gone)
    if enabled:
        return [
            failed(
                f"Ayrılan kişinin hesabı hâlâ etkin: {listing(enabled)}",
                f"Account of a person who left still enabled: {listing(enabled)}",
                ref,
            )
        ]
    return [
        passed(
            f"Ayrılanların ({len(gone)}) etkin hesabı yok",
            f"No enabled account of those who left ({len(gone)})",
            ref,
        )
    ]
