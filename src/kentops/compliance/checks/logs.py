"""Law 5651 controls: sources, sealing, the hash chain, retention, time, filter, identity."""

from __future__ import annotations

import datetime as dt
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from kentops.compliance import policyview
from kentops.compliance.checks import CheckContext, subject_kinds
from kentops.compliance.checks._common import Issue, ipv4s, judge, listing, payload
from kentops.compliance.checks.servers import time_issues
from kentops.compliance.configparse import Config, Line, fortios_settings, ros_command
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
    """Every day the archive should hold sealed: from its first day (the first the archive
    declares, or else the earliest it holds) to yesterday."""
    first = archive.first_day or min((d.day for d in archive.days), default=None)
    if first is None:
        return []
    yesterday = ctx.today - dt.timedelta(days=1)
    count = (yesterday - first).days + 1
    return [first + dt.timedelta(days=n) for n in range(max(0, count))]


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
    completed = _completed_days(ctx, archive)
    for day in completed:
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
    if not completed:
        return [
            not_assessed(
                "Arşivde henüz tamamlanmış gün yok", "The archive holds no completed day yet", ref
            )
        ]
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
            f"tamamlanan {len(completed)} günün her biri zaman damgalı",
            f"each of {len(completed)} completed days time-stamped",
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
#
# What counts as a filter, per dialect (a configuration that only names a filter is not one):
#
# * FortiOS: every accepted policy from a staff/guest interface to a WAN interface (role wan,
#   or a WAN port of the inventory; dstintf "any" too) runs UTM (utm-status enable) with a web
#   filter profile that blocks FortiGuard categories and inspects HTTPS (an ssl-ssh-profile
#   other than no-inspection), or a DNS filter profile that blocks categories. The profiles
#   must be defined in the same configuration. Policies into the site-to-site tunnel stay
#   inside the municipality and need none.
# * RouterOS (no web filter of its own): for each staff/guest interface, UDP and TCP port 53
#   are sent by dstnat either to a site DNS server (dst-nat) or to the router's resolver
#   (redirect) when that resolver accepts requests and asks only the site DNS servers; the
#   only destinations a rule may leave alone are the site DNS servers and the router itself.
#   DNS over TLS (TCP 853) from the interface must end in a drop of the forward chain, or
#   clients bypass the DNS filter.

#: Stands for "the internet" when a RouterOS forward chain is walked (TEST-NET-3).
_INTERNET_PROBE = IPv4Address("203.0.113.10")
#: RouterOS matchers the forward-chain walk understands; a rule with any other matcher is
#: taken to match when it accepts and not to match when it drops (the conservative side).
_ROS_KNOWN = frozenset(
    {
        "chain",
        "action",
        "protocol",
        "dst-port",
        "src-address",
        "src-address-list",
        "dst-address",
        "dst-address-list",
        "in-interface",
        "in-interface-list",
        "connection-state",
        "log",
        "log-prefix",
        "comment",
        "disabled",
    }
)


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


def _site_dns(ctx: CheckContext) -> frozenset[IPv4Address]:
    index = ctx.inventory.index()
    found = set()
    for server_id in ctx.inventory.site.services.dns:
        asset = index.get(server_id)
        if asset is not None and asset.address is not None:
            found.add(asset.address)
    return frozenset(found)


def _filter_issues(
    cfg: Config, zones: dict[str, str], router: Router, dns: frozenset[IPv4Address]
) -> list[Issue] | None:
    if cfg.platform == "fortios":
        wans = {i.name for i in router.interfaces if i.wan is not None}
        return _fortios_filter_issues(cfg, zones, wans)
    if cfg.platform == "routeros":
        return _routeros_filter_issues(cfg, zones, dns)
    return None


# -- FortiOS


def _edit_name(edit: Line) -> str:
    return edit.text.removeprefix("edit ").strip().strip('"')


def _blocking_profiles(cfg: Config, path: str, table: str) -> set[str]:
    """Profiles of ``config <path>`` whose FortiGuard filters block at least one category."""
    names = set()
    for block in cfg.top(f"config {path}"):
        for edit in block.children:
            if not edit.text.startswith("edit "):
                continue
            entries = [
                entry
                for ftgd in edit.children_starting(f"config {table}")
                for filters in ftgd.children_starting("config filters")
                for entry in filters.children
            ]
            if any(
                fortios_settings(e).get("action") == ["block"]
                and fortios_settings(e).get("category")
                for e in entries
            ):
                names.add(_edit_name(edit))
    return names


def _fortios_policy_gap(settings: dict[str, list[str]], web: set[str], dns: set[str]) -> Issue:
    """Why a policy does not filter (empty texts: it does)."""
    if settings.get("utm-status") != ["enable"]:
        return ("UTM kapalı", "UTM off")
    web_profile = " ".join(settings.get("webfilter-profile", []))
    dns_profile = " ".join(settings.get("dnsfilter-profile", []))
    ssl = " ".join(settings.get("ssl-ssh-profile", []))
    web_ok = web_profile in web and ssl not in {"", "no-inspection"}
    if web_ok or dns_profile in dns:
        return ("", "")
    if not web_profile and not dns_profile:
        return ("web/DNS filtre profili yok", "no web/DNS filter profile")
    if web_profile in web:
        return (
            "HTTPS denetlenmiyor (ssl-ssh-profile yok)",
            "HTTPS not inspected (no ssl-ssh-profile)",
        )
    named = " / ".join(dict.fromkeys(p for p in (web_profile, dns_profile) if p))
    return (
        f"profil '{named}' tanımlı değil ya da hiçbir kategoriyi engellemiyor",
        f"profile '{named}' undefined or blocking no category",
    )


def _fortios_filter_issues(cfg: Config, zones: dict[str, str], wans: set[str]) -> list[Issue]:
    web = _blocking_profiles(cfg, "webfilter profile", "ftgd-wf")
    dns = _blocking_profiles(cfg, "dnsfilter profile", "ftgd-dns")
    for block in cfg.top("config system interface"):
        for edit in block.children:
            if fortios_settings(edit).get("role") == ["wan"]:
                wans.add(_edit_name(edit))
    gaps: dict[str, list[str]] = {}
    gaps_tr: dict[str, list[str]] = {}
    for block in cfg.top("config firewall policy"):
        for edit in block.children:
            settings = fortios_settings(edit)
            if settings.get("status") == ["disable"] or settings.get("action") != ["accept"]:
                continue
            dstintf = set(settings.get("dstintf", []))
            if not (dstintf & wans or "any" in dstintf):
                continue
            srcintf = settings.get("srcintf", [])
            sources = set(zones) if "any" in srcintf else set(srcintf) & set(zones)
            if not sources:
                continue
            why_tr, why_en = _fortios_policy_gap(settings, web, dns)
            if not why_en:
                continue
            for iface in sources:
                gaps.setdefault(iface, []).append(f"policy {_edit_name(edit)}: {why_en}")
                gaps_tr.setdefault(iface, []).append(f"kural {_edit_name(edit)}: {why_tr}")
    return [
        (
            f"{i} ({zones[i]}) filtresiz internete çıkıyor: {listing(gaps_tr[i], 3)}",
            f"{i} ({zones[i]}) reaches the internet unfiltered: {listing(gaps[i], 3)}",
        )
        for i in sorted(gaps)
    ]


# -- RouterOS


def _ros_rules(cfg: Config, path: str) -> list[dict[str, str]]:
    out = []
    for section in cfg.top(path):
        for command in section.children:
            verb, _, args = ros_command(command.text)
            if verb == "add" and args.get("disabled") not in {"yes", "true"}:
                out.append(args)
    return out


def _ros_settings(cfg: Config, path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in cfg.top(path):
        for command in section.children:
            verb, _, args = ros_command(command.text)
            if verb == "set":
                out.update(args)
    return out


def _ros_ports(spec: str | None) -> list[tuple[int, int]] | None:
    if spec is None:
        return None
    out = []
    for part in spec.split(","):
        low, _, high = part.partition("-")
        try:
            out.append((int(low), int(high or low)))
        except ValueError:
            return []
    return out


def _has_port(spec: str | None, port: int, *, absent: bool) -> bool:
    ranges = _ros_ports(spec)
    if ranges is None:
        return absent
    return any(low <= port <= high for low, high in ranges)


def _networks(text: str) -> list[IPv4Network] | None:
    try:
        return [IPv4Network(part, strict=False) for part in text.split(",") if part]
    except ValueError:
        return None


class _RosView:
    """The parts of a RouterOS configuration the content filter judgement reads."""

    def __init__(self, cfg: Config) -> None:
        self.members: dict[str, set[str]] = {}
        for args in _ros_rules(cfg, "/interface list member"):
            self.members.setdefault(args.get("list", ""), set()).add(args.get("interface", ""))
        self.lists: dict[str, list[IPv4Network]] = {}
        for args in _ros_rules(cfg, "/ip firewall address-list"):
            nets = _networks(args.get("address", ""))
            self.lists.setdefault(args.get("list", ""), []).extend(nets or [])
        self.addresses: dict[str, IPv4Interface] = {}
        for args in _ros_rules(cfg, "/ip address"):
            try:
                address = IPv4Interface(args.get("address", ""))
            except ValueError:
                continue
            self.addresses.setdefault(args.get("interface", ""), address)
        self.nat = _ros_rules(cfg, "/ip firewall nat")
        self.forward = [
            a for a in _ros_rules(cfg, "/ip firewall filter") if a.get("chain") == "forward"
        ]
        self.dns = _ros_settings(cfg, "/ip dns")

    def on(self, args: dict[str, str], iface: str) -> bool:
        """True when a rule's in-interface matchers take packets arriving on ``iface``."""
        name = args.get("in-interface")
        if name is not None and (name[1:] != iface if name.startswith("!") else name != iface):
            return False
        spec = args.get("in-interface-list")
        if spec is None:
            return True
        negate = spec.startswith("!")
        listed = spec.lstrip("!")
        inside = listed == "all" or iface in self.members.get(listed, set())
        return inside != negate

    def holds(self, spec: str, address: IPv4Address) -> bool | None:
        """Whether an address matcher (address, list, or its negation) takes ``address``."""
        negate = spec.startswith("!")
        body = spec.lstrip("!")
        nets = self.lists.get(body) if body in self.lists else _networks(body)
        if nets is None:
            return None
        return any(address in net for net in nets) != negate

    def excluded_only(self, args: dict[str, str], allowed: frozenset[IPv4Address]) -> bool:
        """True when a rule's destination matchers only leave out ``allowed`` addresses (the
        site resolvers) or the router itself: it takes every other destination."""
        for key in ("dst-address", "dst-address-list"):
            spec = args.get(key)
            if spec is None:
                continue
            if not spec.startswith("!"):
                return False
            body = spec[1:]
            nets = self.lists.get(body) if key == "dst-address-list" else _networks(body)
            if not nets or not all(
                n.num_addresses == 1 and n.network_address in allowed for n in nets
            ):
                return False
        return args.get("dst-address-type") in {None, "!local"}

    def takes_client(self, args: dict[str, str], iface: str) -> bool:
        """True when a rule's source matchers take every client of the interface's subnet."""
        client = self.addresses.get(iface)
        for key in ("src-address", "src-address-list"):
            spec = args.get(key)
            if spec is None:
                continue
            if client is None:
                return False
            negate = spec.startswith("!")
            body = spec.lstrip("!")
            nets = self.lists.get(body) if key == "src-address-list" else _networks(body)
            if nets is None:
                return False
            covered = any(client.network.subnet_of(n) for n in nets)
            touched = any(client.network.overlaps(n) for n in nets)
            if (not covered) if not negate else touched:
                return False
        return True


def _dns_forcing(view: _RosView, iface: str, protocol: str, dns: frozenset[IPv4Address]) -> Issue:
    """Why DNS of ``protocol`` from ``iface`` is not forced to the site resolvers (empty: it is)."""
    resolver_servers = [IPv4Address(a) for a in ipv4s(view.dns.get("servers", ""))]
    redirect_seen = False
    for args in view.nat:
        if args.get("chain") != "dstnat" or args.get("protocol") != protocol:
            continue
        action = args.get("action")
        if action not in {"dst-nat", "redirect"} or not _has_port(
            args.get("dst-port"), 53, absent=False
        ):
            continue
        if not view.on(args, iface) or not view.takes_client(args, iface):
            continue
        if not view.excluded_only(args, dns) or args.get("to-ports") not in {None, "53"}:
            continue
        if action == "dst-nat":
            targets = ipv4s(args.get("to-addresses", ""))
            if targets and all(IPv4Address(t) in dns for t in targets):
                return ("", "")
            continue
        redirect_seen = True
        if (
            view.dns.get("allow-remote-requests") in {"yes", "true"}
            and resolver_servers
            and all(a in dns for a in resolver_servers)
        ):
            return ("", "")
    if redirect_seen:
        asked = ", ".join(str(a) for a in resolver_servers) or "-"
        return (
            f"{protocol} 53 yönlendiricinin çözücüsüne gidiyor ama o yalnızca site DNS "
            f"sunucularına sormuyor ya da istek kabul etmiyor ({asked})",
            f"{protocol} 53 goes to the router's resolver, which does not ask only the site "
            f"DNS servers or accept requests ({asked})",
        )
    return (
        f"{protocol} 53 site DNS sunucularına zorlanmıyor",
        f"{protocol} 53 not forced to the site DNS servers",
    )


def _dot_blocked(view: _RosView, iface: str) -> bool:
    """Walk the forward chain with a new TCP 853 connection from the interface's subnet to the
    internet: True when it ends in a drop (RouterOS accepts what no rule decides)."""
    client = view.addresses.get(iface)
    for args in view.forward:
        action = args.get("action", "accept")
        if action not in {"accept", "drop", "reject"}:
            continue
        state = args.get("connection-state")
        if state is not None and "new" not in state.split(","):
            continue
        if not view.on(args, iface):
            continue
        if args.get("protocol") not in {None, "tcp"}:
            continue
        if not _has_port(args.get("dst-port"), 853, absent=True):
            continue
        sure = not (set(args) - _ROS_KNOWN)
        for key, address in (
            ("src-address", client.ip if client else None),
            ("src-address-list", client.ip if client else None),
            ("dst-address", _INTERNET_PROBE),
            ("dst-address-list", _INTERNET_PROBE),
        ):
            spec = args.get(key)
            if spec is None:
                continue
            held = view.holds(spec, address) if address is not None else None
            if held is None:
                sure = False
            elif not held:
                break
        else:
            if action == "accept":
                return False
            if sure:
                return True
    return False


def _routeros_filter_issues(
    cfg: Config, zones: dict[str, str], dns: frozenset[IPv4Address]
) -> list[Issue]:
    view = _RosView(cfg)
    issues: list[Issue] = []
    if not dns:
        return [
            (
                "envanterde site DNS sunucusunun adresi yok",
                "the inventory gives no address for the site DNS servers",
            )
        ]
    for iface in sorted(zones):
        label = f"{iface} ({zones[iface]})"
        for protocol in ("udp", "tcp"):
            why_tr, why_en = _dns_forcing(view, iface, protocol, dns)
            if why_en:
                issues.append((f"{label}: {why_tr}", f"{label}: {why_en}"))
        if not _dot_blocked(view, iface):
            issues.append(
                (
                    f"{label}: TLS üzerinden DNS (TCP 853) engellenmiyor",
                    f"{label}: DNS over TLS (TCP 853) not blocked",
                )
            )
    return issues


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
    configs = ctx.device_configs(asset)
    findings: list[Finding] = []
    unread = ctx.running_unread(asset)
    if unread is not None:
        findings.append(unread)
    dns = _site_dns(ctx)
    for dc in configs:
        issues = _filter_issues(dc.config, zones, asset, dns)
        label = (
            ("Amaçlanan: ", "Intended: ") if dc.source == "rendered" else ("Çalışan: ", "Running: ")
        )
        if issues is None:
            findings.append(
                not_assessed(
                    f"{label[0]}{dc.config.platform} desteklenmiyor",
                    f"{label[1]}{dc.config.platform} not supported",
                    dc.ref,
                )
            )
            continue
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
