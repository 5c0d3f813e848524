"""Law 5651 controls: sources, sealing, the hash chain, retention, time, filter, identity."""

from __future__ import annotations

import datetime as dt

from kentops.compliance import policyview
from kentops.compliance.checks import CheckContext, subject_kinds
from kentops.compliance.checks._common import Issue, judge, listing, payload
from kentops.compliance.checks.servers import time_issues
from kentops.compliance.configparse import Config, fortios_settings, ros_command
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    not_collected,
    passed,
)
from kentops.compliance.payloads import (
    DeviceFacts,
    Log5651Archive,
    ServerFacts,
)
from kentops.inventory.model import (
    AccessPoint,
    Asset,
    Router,
    Server,
    ServiceKind,
    Site,
    WirelessController,
    Zone,
)

#: Days of access records the law asks to keep.
TWO_YEARS_DAYS = 730
#: Seal delay accepted when the logging policy does not give one.
DEFAULT_SEAL_DELAY = dt.timedelta(hours=26)


def is_5651_source(asset: Asset) -> bool:
    """DHCP servers and routers/firewalls that NAT to the internet are Law 5651 sources."""
    if isinstance(asset, Server):
        return any(s.kind == ServiceKind.DHCP for s in asset.services)
    if isinstance(asset, Router):
        return any(i.wan is not None for i in asset.interfaces)
    return False


def _archive(ctx: CheckContext) -> tuple[Log5651Archive | None, str | None, Finding | None]:
    archive, stored, missing = payload(ctx, "log5651_archive", None, Log5651Archive)
    return archive, stored.ref if stored else None, missing


def _completed_days(ctx: CheckContext, archive: Log5651Archive) -> list[dt.date]:
    """Every day the archive should hold sealed: from its first day to yesterday."""
    if archive.first_day is None:
        return []
    yesterday = ctx.today - dt.timedelta(days=1)
    count = (yesterday - archive.first_day).days + 1
    return [archive.first_day + dt.timedelta(days=n) for n in range(max(0, count))]


def sources_reporting(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """LOG-SRC-01: every source of the logging policy delivered records for the last day."""
    if not is_5651_source(asset):
        return [
            not_applicable(
                "5651 kayıt kaynağı değil (DHCP ya da NAT yok)",
                "Not a Law 5651 source (no DHCP or NAT)",
            )
        ]
    findings: list[Finding] = []
    sources = policyview.log_sources(ctx)
    if sources is None:
        findings.append(
            not_collected("policies")
            if not ctx.collected("policies")
            else not_assessed(
                "Günlük politikasında kaynak listesi okunamadı",
                "The logging policy's source list could not be read",
            )
        )
    elif asset.id not in sources:
        findings.append(
            failed(
                "Günlük politikasında 5651 kaynağı olarak tanımlı değil",
                "Not a source in the logging policy",
                ctx.policy_ref("logging"),
            )
        )
    else:
        findings.append(
            passed(
                "Günlük politikasında kaynak",
                "A source in the logging policy",
                ctx.policy_ref("logging"),
            )
        )
    archive, ref, missing = _archive(ctx)
    if archive is None or ref is None:
        findings.append(missing or not_collected("log5651_archive"))
        return findings
    last = ctx.today - dt.timedelta(days=1)
    day = next((d for d in archive.days if d.day == last), None)
    if day is None:
        findings.append(
            failed(
                f"{last.isoformat()} günü arşivde yok",
                f"Day {last.isoformat()} missing from the archive",
                ref,
            )
        )
    elif asset.id not in day.sources:
        findings.append(
            failed(
                f"{last.isoformat()} günü bu kaynaktan kayıt gelmedi",
                f"No records from this source on {last.isoformat()}",
                ref,
            )
        )
    else:
        findings.append(
            passed(
                f"{last.isoformat()} günü kayıt geldi",
                f"Records arrived on {last.isoformat()}",
                ref,
            )
        )
    return findings


def days_sealed(ctx: CheckContext, _site: Site) -> list[Finding]:
    """LOG-SEAL-01: every completed day has a verified RFC 3161 time stamp, in time."""
    archive, ref, missing = _archive(ctx)
    if archive is None or ref is None:
        return [missing or not_collected("log5651_archive")]
    delay = policyview.seal_delay(ctx) or DEFAULT_SEAL_DELAY
    by_day = {d.day: d for d in archive.days}
    unsealed, unverified, late = [], [], []
    for day in _completed_days(ctx, archive):
        entry = by_day.get(day)
        if entry is None or not entry.sealed:
            unsealed.append(day.isoformat())
        elif entry.seal_verified is not True:
            unverified.append(day.isoformat())
        elif entry.seal_time is not None:
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
            if entry.seal_time - end > delay:
                late.append(day.isoformat())
    if not archive.days:
        return [failed("Arşivde mühürlü gün yok", "No sealed day in the archive", ref)]
    issues: list[Issue] = []
    if unsealed:
        issues.append((f"mühürsüz gün: {listing(unsealed)}", f"unsealed day: {listing(unsealed)}"))
    if unverified:
        issues.append(
            (
                f"doğrulanamayan zaman damgası: {listing(unverified)}",
                f"time stamp not verified: {listing(unverified)}",
            )
        )
    if late:
        issues.append((f"geç mühürlenen gün: {listing(late)}", f"day sealed late: {listing(late)}"))
    return [
        judge(
            issues,
            f"{len(by_day)} günün her biri zaman damgalı",
            f"each of {len(by_day)} days time-stamped",
            ref,
        )
    ]


def chain_intact(ctx: CheckContext, _site: Site) -> list[Finding]:
    """LOG-CHAIN-01: recomputed end to end, digests and links hold and no day is missing."""
    archive, ref, missing = _archive(ctx)
    if archive is None or ref is None:
        return [missing or not_collected("log5651_archive")]
    days = {d.day for d in archive.days}
    gaps = [d.isoformat() for d in _completed_days(ctx, archive) if d not in days]
    bad_digest = [d.day.isoformat() for d in archive.days if d.digest_ok is False]
    bad_link = [d.day.isoformat() for d in archive.days if d.link_ok is False]
    issues: list[Issue] = []
    if archive.chain_intact is not True:
        issues.append(("zincir doğrulanamadı", "the chain did not verify"))
    if gaps:
        issues.append((f"eksik gün: {listing(gaps)}", f"missing day: {listing(gaps)}"))
    if bad_digest:
        issues.append(
            (
                f"özeti tutmayan gün: {listing(bad_digest)}",
                f"digest mismatch: {listing(bad_digest)}",
            )
        )
    if bad_link:
        issues.append((f"bağı kopuk gün: {listing(bad_link)}", f"broken link: {listing(bad_link)}"))
    issues.extend((p, p) for p in archive.problems[:3])
    return [
        judge(
            issues,
            f"zincir {len(days)} gün boyunca sağlam",
            f"chain intact over {len(days)} days",
            ref,
        )
    ]


def retention_two_years(ctx: CheckContext, _site: Site) -> list[Finding]:
    """LOG-RET-01: retention of at least two years and every day of that period kept."""
    findings: list[Finding] = []
    retention = policyview.log_retention_days(ctx)
    if retention is None:
        findings.append(
            not_collected("policies")
            if not ctx.collected("policies")
            else not_assessed(
                "Günlük politikasında saklama süresi okunamadı",
                "The logging policy's retention could not be read",
            )
        )
    elif retention < TWO_YEARS_DAYS:
        findings.append(
            failed(
                f"Politika {retention} gün saklıyor (en az {TWO_YEARS_DAYS})",
                f"The policy keeps {retention} days (at least {TWO_YEARS_DAYS})",
                ctx.policy_ref("logging"),
            )
        )
    else:
        findings.append(
            passed(
                f"Politika {retention} gün saklıyor",
                f"The policy keeps {retention} days",
                ctx.policy_ref("logging"),
            )
        )
    archive, ref, missing = _archive(ctx)
    if archive is None or ref is None:
        findings.append(missing or not_collected("log5651_archive"))
        return findings
    start = ctx.today - dt.timedelta(days=TWO_YEARS_DAYS)
    needed = [d for d in _completed_days(ctx, archive) if d >= start]
    held = {d.day for d in archive.days}
    absent = [d.isoformat() for d in needed if d not in held]
    if archive.first_day is None:
        findings.append(failed("Arşiv boş", "The archive is empty", ref))
    elif absent:
        findings.append(
            failed(
                f"Son iki yılın {len(absent)} günü yok: {listing(absent)}",
                f"{len(absent)} day(s) of the last two years missing: {listing(absent)}",
                ref,
            )
        )
    else:
        findings.append(
            passed(
                f"{archive.first_day.isoformat()} tarihinden bu yana her gün saklanıyor",
                f"Every day kept since {archive.first_day.isoformat()}",
                ref,
            )
        )
    return findings


def sources_time_synchronised(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """LOG-TIME-01: the collector and every source keep time with the site NTP servers."""
    collector = ctx.inventory.site.services.syslog
    if not is_5651_source(asset) and asset.id != collector:
        return [
            not_applicable(
                "5651 kaynağı ya da toplayıcısı değil",
                "Neither a Law 5651 source nor the collector",
            )
        ]
    if isinstance(asset, Server):
        facts, stored, missing = payload(ctx, "server_facts", asset.id, ServerFacts)
        if facts is None or stored is None:
            return [missing or not_collected("server_facts")]
        if facts.time is None:
            return [not_assessed("Zaman durumu okunamadı", "Time state not read", stored.ref)]
        t = facts.time
        issues = time_issues(ctx, asset.id, t.synchronised, t.offset_ms, t.servers)
        return [
            judge(
                issues,
                "saat site NTP sunucularına eşit",
                "clock synchronised to the site NTP",
                stored.ref,
            )
        ]
    facts_d, stored_d, missing_d = payload(ctx, "device_facts", asset.id, DeviceFacts)
    if facts_d is None or stored_d is None:
        return [missing_d or not_collected("device_facts")]
    if facts_d.ntp is None:
        return [not_assessed("Zaman durumu okunamadı", "Time state not read", stored_d.ref)]
    n = facts_d.ntp
    issues = time_issues(ctx, asset.id, n.synchronised, n.offset_ms, n.servers)
    return [
        judge(
            issues,
            "saat site NTP sunucularına eşit",
            "clock synchronised to the site NTP",
            stored_d.ref,
        )
    ]


# ---------------------------------------------------------------- LOG-FILTER-01


def _internet_zones(ctx: CheckContext, router: Router) -> dict[str, str]:
    """Interface name -> zone, for the staff and guest interfaces of a router."""
    out = {}
    for iface in router.interfaces:
        if iface.vlan is None:
            continue
        vlan = ctx.inventory.vlan_index().get(iface.vlan)
        if vlan is not None and vlan.zone in {Zone.USERS, Zone.GUEST}:
            out[iface.name] = vlan.zone.value
    return out


def _filtered_interfaces(cfg: Config, interfaces: set[str]) -> set[str] | None:
    if cfg.platform == "fortios":
        filtered: set[str] = set()
        for block in cfg.top("config firewall policy"):
            for edit in block.children:
                settings = fortios_settings(edit)
                if settings.get("action", ["deny"]) != ["accept"]:
                    continue
                if not (settings.get("webfilter-profile") or settings.get("dnsfilter-profile")):
                    continue
                filtered.update(i for i in settings.get("srcintf", []) if i in interfaces)
        return filtered
    if cfg.platform == "routeros":
        filtered = set()
        for section in cfg.top("/ip firewall nat"):
            for command in section.children:
                verb, _, args = ros_command(command.text)
                if (
                    verb == "add"
                    and args.get("chain") == "dstnat"
                    and args.get("dst-port") == "53"
                    and args.get("action") in {"dst-nat", "redirect"}
                ):
                    iface = args.get("in-interface")
                    if iface is None:
                        filtered |= interfaces
                    elif iface in interfaces:
                        filtered.add(iface)
        return filtered
    return None


def content_filter_applied(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """LOG-FILTER-01: staff and guest internet goes through the web/DNS filter."""
    if not isinstance(asset, Router):
        return [not_applicable("Yönlendirici değil", "Not a router")]
    zones = _internet_zones(ctx, asset)
    if not zones or not any(i.wan is not None for i in asset.interfaces):
        return [
            not_applicable(
                "İnternete çıkan personel/misafir ağı yok",
                "No staff or guest network reaching the internet",
            )
        ]
    if not ctx.collected("rendered_config"):
        return [not_collected("rendered_config")]
    configs = ctx.device_configs(asset)
    if not configs:
        return [not_assessed("Bu cihaz için yapılandırma yok", "No configuration for this device")]
    findings = []
    for dc in configs:
        filtered = _filtered_interfaces(dc.config, set(zones))
        label = (
            ("Amaçlanan: ", "Intended: ") if dc.source == "rendered" else ("Çalışan: ", "Running: ")
        )
        if filtered is None:
            findings.append(
                not_assessed(
                    f"{label[0]}{dc.config.platform} desteklenmiyor",
                    f"{label[1]}{dc.config.platform} not supported",
                    dc.ref,
                )
            )
            continue
        unfiltered = sorted(set(zones) - filtered)
        issues: list[Issue] = [
            (f"{i} ({zones[i]}) filtresiz", f"{i} ({zones[i]}) unfiltered") for i in unfiltered
        ]
        findings.append(
            judge(
                issues,
                "personel ve misafir ağları filtreli",
                "staff and guest networks filtered",
                dc.ref,
                prefix=label,
            )
        )
    return findings


# ---------------------------------------------------------------- LOG-IDENT-01


def _guest_ssids(controller: WirelessController) -> list[tuple[str, str]]:
    return [(s.id, s.security) for s in controller.ssids if s.vlan_zone == Zone.GUEST]


def public_users_identified(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """LOG-IDENT-01: public guest networks identify users (captive portal, SMS)."""
    kinds = subject_kinds(asset)
    if isinstance(asset, AccessPoint):
        controller = ctx.inventory.index().get(asset.controller)
        if not isinstance(controller, WirelessController):
            return [not_assessed("Denetleyici bulunamadı", "Controller not found")]
        asset = controller
    if isinstance(asset, WirelessController):
        guests = _guest_ssids(asset)
        if not guests:
            return [not_applicable("Misafir SSID'si yok", "No guest SSID")]
        findings: list[Finding] = []
        open_ones = [sid for sid, sec in guests if sec != "open-captive-portal"]
        if open_ones:
            findings.append(
                failed(
                    f"Misafir ağı kimlik doğrulamasız: {listing(open_ones)}",
                    f"Guest network without user identification: {listing(open_ones)}",
                )
            )
        else:
            findings.append(
                passed(
                    "Misafir ağları kimlik doğrulama portalı kullanıyor",
                    "Guest networks use a captive portal",
                )
            )
        findings.extend(_identity_sessions(ctx, [sid for sid, _ in guests]))
        return findings
    if "firewall" in kinds and isinstance(asset, Router):
        guest_vlans = [
            i.vlan
            for i in asset.interfaces
            if i.vlan
            and (v := ctx.inventory.vlan_index().get(i.vlan)) is not None
            and v.zone == Zone.GUEST
        ]
        if not guest_vlans:
            return [not_applicable("Misafir ağı bacağı yok", "No guest network interface")]
        return _identity_sessions(ctx, [v for v in guest_vlans if v])
    return [not_applicable("Misafir ağı sunmuyor", "Offers no guest network")]


def _identity_sessions(ctx: CheckContext, networks: list[str]) -> list[Finding]:
    archive, ref, missing = _archive(ctx)
    if archive is None or ref is None:
        return [missing or not_collected("log5651_archive")]
    unknown = [n for n in networks if n not in archive.identified_sessions]
    anonymous = [n for n in networks if archive.identified_sessions.get(n) is False]
    if anonymous:
        return [
            failed(
                f"Kimliksiz oturum kaydı: {listing(anonymous)}",
                f"Sessions recorded without identity: {listing(anonymous)}",
                ref,
            )
        ]
    if unknown:
        return [
            not_assessed(
                f"Oturum kimliği arşivde yok: {listing(unknown)}",
                f"No session identity in the archive for: {listing(unknown)}",
                ref,
            )
        ]
    return [
        passed(
            "Oturumlar kullanıcı kimliğiyle kayıtlı", "Sessions recorded with user identity", ref
        )
    ]
