"""Network device controls, judged on the intended configuration and, when a backup of the
running configuration was collected, on the running one too.

Each control has one judge per configuration dialect: it reads a parsed ``Config`` and
returns the issues it saw (empty: the configuration complies), or None when it cannot read
that dialect (then "not assessed", never a pass).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Network

from kentops.compliance import policyview
from kentops.compliance.checks import CheckContext, DeviceConfig, device_platform, subject_kinds
from kentops.compliance.checks._common import (
    Issue,
    SiteNetwork,
    age_text,
    aware,
    ipv4s,
    judge,
    listing,
    network_within,
    payload,
    site_network,
)
from kentops.compliance.configparse import (
    Config,
    Line,
    fortios_set,
    fortios_settings,
    ros_command,
)
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    not_collected,
    passed,
)
from kentops.compliance.payloads import DeviceFacts, RunningConfigInfo
from kentops.inventory.model import Asset, Router, Switch, WirelessController

NETWORK_TYPES = (Switch, Router, WirelessController)

#: Judge of one configuration: issues found, or None when the dialect is not supported.
Judge = Callable[[Config, "NetContext"], "list[Issue] | NothingToJudge | None"]

#: Maximum age of the latest configuration backup when the backup policy does not say.
DEFAULT_BACKUP_MAX_AGE = dt.timedelta(hours=48)


class NetContext:
    """What a judge compares against, for one device."""

    def __init__(self, ctx: CheckContext, device: Asset) -> None:
        self.ctx = ctx
        self.device = device
        self.site: SiteNetwork = site_network(ctx)
        self.kind = next(iter(subject_kinds(device)))


def _not_network(device: Asset) -> Finding | None:
    if not isinstance(device, NETWORK_TYPES):
        return not_applicable("Ağ cihazı değil", f"Not a network device ({device.kind})")
    return None


def evaluate_configs(ctx: CheckContext, device: Asset, judge_fn: Judge, ok: Issue) -> list[Finding]:
    """Run a judge on the intended configuration (a result about the design, which the engine
    reports apart) and on the running configuration read from the device (which decides)."""
    wrong = _not_network(device)
    if wrong is not None:
        return [wrong]
    configs = ctx.device_configs(device)
    net = NetContext(ctx, device)
    findings = [_judge_one(dc, judge_fn, net, ok) for dc in configs if dc.source == "rendered"]
    unread = ctx.running_unread(device)
    if unread is not None:
        findings.append(unread)
    findings.extend(_judge_one(dc, judge_fn, net, ok) for dc in configs if dc.source == "running")
    return findings


@dataclass(frozen=True)
class NothingToJudge:
    """A judge's answer when the configuration holds nothing the control speaks of (no access
    port, no WLAN): the control does not apply, which is never a pass."""

    tr: str
    en: str


def _judge_one(dc: DeviceConfig, judge_fn: Judge, net: NetContext, ok: Issue) -> Finding:
    label = ("Amaçlanan yapılandırma: ", "Intended configuration: ")
    if dc.source == "running":
        label = ("Çalışan yapılandırma: ", "Running configuration: ")
    issues = judge_fn(dc.config, net)
    if issues is None:
        return not_assessed(
            f"{label[0]}{dc.config.platform} sözdizimi bu kontrolde desteklenmiyor",
            f"{label[1]}{dc.config.platform} syntax is not supported by this check",
            dc.ref,
        )
    if isinstance(issues, NothingToJudge):
        return not_applicable(label[0] + issues.tr, label[1] + issues.en, dc.ref)
    return judge(issues, ok[0], ok[1], dc.ref, prefix=label)


# ---------------------------------------------------------------- shared readers


def _cisco_vty(cfg: Config) -> list[Line]:
    return cfg.top("line vty")


def _huawei_vty(cfg: Config) -> list[Line]:
    return cfg.top("user-interface vty")


def _fortios_interfaces(cfg: Config) -> list[Line]:
    return [e for block in cfg.top("config system interface") for e in block.children]


def _fortios_allowaccess(cfg: Config) -> dict[str, list[str]]:
    out = {}
    for edit in _fortios_interfaces(cfg):
        settings = fortios_settings(edit)
        if "allowaccess" in settings:
            out[_edit_name(edit)] = settings["allowaccess"]
    return out


def _fortios_global(cfg: Config) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for block in cfg.top("config system global"):
        out.update(fortios_settings(block))
    return out


def _edit_name(edit: Line) -> str:
    return edit.text.removeprefix("edit ").strip().strip('"')


def _ros_section(cfg: Config, path: str) -> list[tuple[str, list[str], dict[str, str]]]:
    return [ros_command(c.text) for s in cfg.top(path) for c in s.children]


def _ros_services(cfg: Config) -> dict[str, dict[str, str]]:
    """/ip service settings by service name (telnet, ftp, www, ssh, www-ssl, api, winbox)."""
    out: dict[str, dict[str, str]] = {}
    for verb, words, args in _ros_section(cfg, "/ip service"):
        if verb != "set":
            continue
        name = words[0] if words else args.get("numbers", "")
        name = name.strip("[]").replace("find name=", "").strip()
        out.setdefault(name, {}).update(args)
    return out


def _ros_disabled(settings: dict[str, str] | None) -> bool:
    return settings is not None and settings.get("disabled") in {"yes", "true"}


# ---------------------------------------------------------------- NET-SSH-01


def _ssh_judge(cfg: Config, _net: NetContext) -> list[Issue] | None:
    issues: list[Issue] = []
    p = cfg.platform
    if p in {"cisco_ios", "arista_eos"}:
        if p == "cisco_ios" and not cfg.has("ip ssh version 2"):
            issues.append(("'ip ssh version 2' yok", "'ip ssh version 2' missing"))
        if p == "arista_eos":
            for block in cfg.top("management telnet"):
                if block.child("no shutdown") is not None:
                    issues.append(("telnet yönetimi açık", "telnet management enabled"))
            return issues
        vty = _cisco_vty(cfg)
        if not vty:
            issues.append(("'line vty' tanımı yok", "no 'line vty' definition"))
        for line in vty:
            transport = line.child("transport input")
            if transport is None:
                issues.append(
                    (
                        f"{line.text}: 'transport input ssh' yok",
                        f"{line.text}: no 'transport input ssh'",
                    )
                )
            elif transport.words()[2:] != ["ssh"]:
                issues.append((f"{line.text}: {transport.text}", f"{line.text}: {transport.text}"))
        return issues
    if p == "huawei_vrp":
        if not cfg.has("stelnet server enable"):
            issues.append(("'stelnet server enable' yok", "'stelnet server enable' missing"))
        if cfg.has("telnet server enable"):
            issues.append(("telnet sunucusu açık", "telnet server enabled"))
        if cfg.has("ssh server compatible-ssh1x enable"):
            issues.append(("SSH v1 uyumluluğu açık", "SSH v1 compatibility enabled"))
        vty = _huawei_vty(cfg)
        if not vty:
            issues.append(("'user-interface vty' tanımı yok", "no 'user-interface vty' definition"))
        for line in vty:
            proto = line.child("protocol inbound")
            if proto is None or proto.words()[2:] != ["ssh"]:
                issues.append(
                    (
                        f"{line.text}: 'protocol inbound ssh' yok",
                        f"{line.text}: not 'protocol inbound ssh'",
                    )
                )
        return issues
    if p == "fortios":
        access = _fortios_allowaccess(cfg)
        for name, allowed in sorted(access.items()):
            if "telnet" in allowed:
                issues.append(
                    (f"{name} arayüzünde telnet açık", f"telnet allowed on interface {name}")
                )
        if not any("ssh" in allowed for allowed in access.values()):
            issues.append(
                ("hiçbir arayüzde SSH yönetimi yok", "no interface allows SSH management")
            )
        settings = _fortios_global(cfg)
        if settings.get("admin-ssh-v1") == ["enable"]:
            issues.append(("SSH v1 açık", "SSH v1 enabled"))
        if settings.get("admin-telnet") == ["enable"]:
            issues.append(("telnet yönetimi açık", "telnet administration enabled"))
        return issues
    if p == "routeros":
        services = _ros_services(cfg)
        if not _ros_disabled(services.get("telnet")):
            issues.append(("telnet hizmeti kapatılmamış", "telnet service not disabled"))
        if _ros_disabled(services.get("ssh")):
            issues.append(("SSH hizmeti kapalı", "SSH service disabled"))
        return issues
    return None


def ssh_only(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-SSH-01: SSH v2 only, telnet off."""
    return evaluate_configs(ctx, device, _ssh_judge, ("yalnızca SSH v2", "SSH v2 only"))


# ---------------------------------------------------------------- NET-HTTP-01


def _http_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    issues: list[Issue] = []
    p = cfg.platform
    if p == "cisco_ios":
        if cfg.has("ip http server"):
            issues.append(("'ip http server' açık", "'ip http server' enabled"))
        elif not cfg.has("no ip http server"):
            issues.append(
                (
                    "düz HTTP açıkça kapatılmamış ('no ip http server' yok)",
                    "plain HTTP not explicitly disabled (no 'no ip http server')",
                )
            )
        if cfg.has("ip http secure-server") and not (cfg.top("ip http access-class")):
            issues.append(
                (
                    "HTTPS açık ama 'ip http access-class' ile sınırlanmamış",
                    "HTTPS enabled but not limited by 'ip http access-class'",
                )
            )
        return issues
    if p == "huawei_vrp":
        if cfg.has("http server enable"):
            issues.append(("'http server enable' açık", "'http server enable' enabled"))
        if cfg.has("http secure-server enable") and not cfg.top("http acl"):
            issues.append(
                (
                    "HTTPS açık ama 'http acl' ile sınırlanmamış",
                    "HTTPS enabled but not limited by 'http acl'",
                )
            )
        return issues
    if p == "fortios":
        for name, allowed in sorted(_fortios_allowaccess(cfg).items()):
            if "http" in allowed:
                issues.append((f"{name} arayüzünde düz HTTP açık", f"plain HTTP allowed on {name}"))
            if "https" in allowed and _fortios_open_admins(cfg, net):
                issues.append(
                    (
                        f"{name} arayüzünde HTTPS açık ve yönetici erişimi kısıtsız",
                        f"HTTPS allowed on {name} with administrators not limited to trusted hosts",
                    )
                )
        return issues
    if p == "routeros":
        services = _ros_services(cfg)
        if not _ros_disabled(services.get("www")):
            issues.append(
                ("'www' (HTTP) hizmeti kapatılmamış", "'www' (HTTP) service not disabled")
            )
        ssl = services.get("www-ssl")
        if ssl is not None and not _ros_disabled(ssl) and not _ros_address_ok(ssl, net):
            issues.append(
                (
                    "'www-ssl' yönetim bölgesiyle sınırlanmamış",
                    "'www-ssl' not limited to the admin zone",
                )
            )
        return issues
    if p == "arista_eos":
        for block in cfg.top("management api http-commands"):
            if block.child("protocol http") is not None:
                issues.append(("eAPI düz HTTP açık", "eAPI over plain HTTP enabled"))
        return issues
    return None


def http_management_restricted(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-HTTP-01: plain HTTP off; HTTPS off or limited to the admin zone."""
    return evaluate_configs(
        ctx, device, _http_judge, ("HTTP kapalı, HTTPS kısıtlı", "HTTP off, HTTPS restricted")
    )


# ---------------------------------------------------------------- NET-AAA-01


def _aaa_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    issues: list[Issue] = []
    expected = set(net.site.aaa)
    p = cfg.platform
    if p == "cisco_ios":
        if not cfg.has("aaa new-model"):
            issues.append(("'aaa new-model' yok", "'aaa new-model' missing"))
        login = [
            line for line in cfg.top("aaa authentication login") if line.words()[3:4] == ["default"]
        ]
        if not login:
            issues.append(
                (
                    "'aaa authentication login default' tanımı yok",
                    "no 'aaa authentication login default'",
                )
            )
        for line in login:
            methods = line.words()[4:]
            if "group" not in methods:
                issues.append(
                    (f"'{line.text}': merkezi sunucu grubu yok", f"'{line.text}': no server group")
                )
            elif methods[-1] != "local":
                issues.append(
                    (
                        f"'{line.text}': yerel yedek hesaba düşmüyor",
                        f"'{line.text}': no local fallback",
                    )
                )
            elif methods[0] != "group":
                issues.append(
                    (
                        f"'{line.text}': önce yerel hesap deneniyor",
                        f"'{line.text}': local tried first",
                    )
                )
        servers = set()
        for line in [*cfg.top("tacacs server"), *cfg.top("radius server")]:
            for child in line.children:
                servers.update(ipv4s(child.text))
        for line in [*cfg.top("tacacs-server host"), *cfg.top("radius-server host")]:
            servers.update(ipv4s(line.text))
        issues.extend(_aaa_servers(servers, expected))
        return issues
    if p == "huawei_vrp":
        aaa = cfg.first("aaa")
        modes = [c.text for c in aaa.walk()] if aaa else []
        auth = [m for m in modes if m.startswith("authentication-mode ")]
        if not any(
            m.split()[1] in {"hwtacacs", "radius"} and m.split()[-1] == "local" for m in auth
        ):
            issues.append(
                (
                    "'authentication-mode hwtacacs|radius local' yok",
                    "no 'authentication-mode hwtacacs|radius local'",
                )
            )
        servers = set()
        for block in [
            *cfg.top("hwtacacs-server template"),
            *cfg.top("hwtacacs server template"),
            *cfg.top("radius-server template"),
        ]:
            for child in block.children:
                if "authentication" in child.text:
                    servers.update(ipv4s(child.text))
        issues.extend(_aaa_servers(servers, expected))
        return issues
    if p == "fortios":
        servers = set()
        for block in [*cfg.top("config user radius"), *cfg.top("config user tacacs+")]:
            for edit in block.children:
                settings = fortios_settings(edit)
                for key in ("server", "secondary-server"):
                    servers.update(ipv4s(" ".join(settings.get(key, []))))
        admins = [e for block in cfg.top("config system admin") for e in block.children]
        remote = [a for a in admins if fortios_settings(a).get("remote-auth") == ["enable"]]
        local = [a for a in admins if fortios_settings(a).get("remote-auth") != ["enable"]]
        if not remote:
            issues.append(
                ("uzaktan kimlik doğrulamalı yönetici yok", "no remote-auth administrator")
            )
        if not local:
            issues.append(("yerel yedek yönetici hesabı yok", "no local fallback administrator"))
        issues.extend(_aaa_servers(servers, expected))
        return issues
    if p == "routeros":
        servers = set()
        for verb, _, args in _ros_section(cfg, "/radius"):
            if verb == "add" and "login" in args.get("service", "").split(","):
                servers.update(ipv4s(args.get("address", "")))
        use = {
            k: v
            for verb, _, args in _ros_section(cfg, "/user aaa")
            if verb == "set"
            for k, v in args.items()
        }
        if use.get("use-radius") not in {"yes", "true"}:
            issues.append(("'/user aaa use-radius=yes' yok", "'/user aaa use-radius=yes' missing"))
        issues.extend(_aaa_servers(servers, expected))
        return issues
    return None


def _aaa_servers(found: set[str], expected: set[str]) -> list[Issue]:
    if not found:
        return [("TACACS+/RADIUS sunucusu tanımlı değil", "no TACACS+/RADIUS server defined")]
    if expected and not found <= expected:
        odd = listing(sorted(found - expected))
        return [
            (f"sitenin AAA sunucusu olmayan adres: {odd}", f"address not a site AAA server: {odd}")
        ]
    return []


def central_aaa(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-AAA-01: TACACS+/RADIUS login with local fallback only."""
    return evaluate_configs(
        ctx,
        device,
        _aaa_judge,
        ("merkezi AAA ve yerel yedek hesap", "central AAA with local fallback"),
    )


# ---------------------------------------------------------------- NET-NTP-01


def _ntp_servers(cfg: Config) -> set[str] | None:
    p = cfg.platform
    if p in {"cisco_ios", "arista_eos", "aruba_aoscx"}:
        return {ip for line in cfg.top("ntp server") for ip in ipv4s(line.text)[:1]}
    if p == "huawei_vrp":
        return {ip for line in cfg.top("ntp-service unicast-server") for ip in ipv4s(line.text)[:1]}
    if p == "fortios":
        # the ntpserver list is used only with `type custom` (the default is FortiGuard's
        # servers) and only while `ntpsync` is not disabled
        found = set()
        for block in cfg.top("config system ntp"):
            settings = fortios_settings(block)
            if settings.get("type") != ["custom"] or settings.get("ntpsync") == ["disable"]:
                continue
            for servers in block.children_starting("config ntpserver"):
                for edit in servers.children:
                    found.update(ipv4s(" ".join(fortios_settings(edit).get("server", []))))
        return found
    if p == "routeros":
        found = set()
        for verb, _, args in _ros_section(cfg, "/system ntp client"):
            if verb == "set":
                for key in ("servers", "primary-ntp", "secondary-ntp"):
                    found.update(ipv4s(args.get(key, "")))
        for verb, _, args in _ros_section(cfg, "/system ntp client servers"):
            if verb == "add":
                found.update(ipv4s(args.get("address", "")))
        return found
    return None


def _ntp_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    servers = _ntp_servers(cfg)
    if servers is None:
        return None
    issues: list[Issue] = []
    missing = [a for a in net.site.ntp if a not in servers]
    if missing:
        issues.append(
            (
                f"site NTP sunucusu eksik: {listing(missing)}",
                f"site NTP server missing: {listing(missing)}",
            )
        )
    if len(servers) < 2:
        issues.append(
            (
                f"{len(servers)} NTP sunucusu tanımlı (en az 2)",
                f"{len(servers)} NTP server(s) configured (2 needed)",
            )
        )
    if len(net.site.ntp) < 2:
        issues.append(
            (
                "envanterde iki site NTP sunucusu yok",
                "the inventory names fewer than two site NTP servers",
            )
        )
    return issues


def two_ntp_servers(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-NTP-01: both site NTP servers configured."""
    return evaluate_configs(
        ctx, device, _ntp_judge, ("iki site NTP sunucusu", "both site NTP servers")
    )


# ---------------------------------------------------------------- NET-LOG-01


def _syslog_targets(cfg: Config) -> set[str] | None:
    p = cfg.platform
    if p in {"cisco_ios", "arista_eos", "aruba_aoscx"}:
        found = set()
        for line in cfg.top("logging"):
            words = line.words()
            if len(words) >= 2 and (words[1] == "host" or ipv4s(words[1])):
                found.update(ipv4s(line.text)[:1])
        return found
    if p == "huawei_vrp":
        return {ip for line in cfg.top("info-center loghost") for ip in ipv4s(line.text)[:1]}
    if p == "fortios":
        found = set()
        for prefix in ("config log syslogd setting", "config log syslogd2 setting"):
            for block in cfg.top(prefix):
                settings = fortios_settings(block)
                if settings.get("status") == ["enable"]:
                    found.update(ipv4s(" ".join(settings.get("server", []))))
        return found
    if p == "routeros":
        return _ros_remote_syslog(cfg)
    return None


#: RouterOS' built-in logging actions, by number (``set 3 remote=...`` in a compact export).
_ROS_DEFAULT_ACTIONS = ("memory", "disk", "echo", "remote")


def _ros_entry_name(words: list[str], args: dict[str, str], defaults: tuple[str, ...]) -> str:
    """The name a RouterOS ``set`` addresses: ``name=``, ``[ find name=x ]``, or a number."""
    if "name" in args:
        return args["name"]
    for word in words:
        found = re.search(r"(?:^|\s)name=(\S+)", word.strip("[] "))
        if found:
            return found.group(1).strip('"')
        if word.isdigit() and int(word) < len(defaults):
            return defaults[int(word)]
    return ""


def _ros_remote_syslog(cfg: Config) -> set[str]:
    """Addresses that RouterOS logging rules in use send to (remote actions only)."""
    actions: dict[str, dict[str, str]] = {}
    for verb, words, args in _ros_section(cfg, "/system logging action"):
        if verb not in {"add", "set"}:
            continue
        name = _ros_entry_name(words, args, _ROS_DEFAULT_ACTIONS)
        settings = actions.setdefault(name, {"target": name} if name == "remote" else {})
        settings.update(args)
    used = {
        args.get("action", "")
        for verb, _, args in _ros_section(cfg, "/system logging")
        if verb in {"add", "set"} and not _ros_disabled(args)
    }
    return {
        ip
        for name, settings in actions.items()
        if name in used and settings.get("target") == "remote"
        for ip in ipv4s(settings.get("remote", ""))
    }


def _syslog_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    targets = _syslog_targets(cfg)
    if targets is None:
        return None
    if net.site.syslog is None:
        return [
            (
                "envanterde merkezi syslog sunucusunun adresi yok",
                "the inventory gives no address for the syslog collector",
            )
        ]
    if net.site.syslog not in targets:
        found = listing(sorted(targets)) or "-"
        return [
            (
                f"günlükler {net.site.syslog} toplayıcısına gönderilmiyor (hedefler: {found})",
                f"logs not sent to the collector {net.site.syslog} (targets: {found})",
            )
        ]
    return []


def syslog_to_collector(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-LOG-01: syslog sent to the site's central collector."""
    return evaluate_configs(
        ctx,
        device,
        _syslog_judge,
        ("günlükler merkezi toplayıcıya", "logs to the central collector"),
    )


# ---------------------------------------------------------------- NET-SNMP-01


def _snmp_judge(cfg: Config, _net: NetContext) -> list[Issue] | None:
    issues: list[Issue] = []
    p = cfg.platform
    if p in {"cisco_ios", "arista_eos"}:
        if cfg.top("snmp-server community"):
            issues.append(("SNMP v1/v2c topluluğu tanımlı", "SNMP v1/v2c community defined"))
        for line in cfg.top("snmp-server group"):
            words = line.words()
            if "v3" not in words:
                issues.append((f"'{line.text}': v3 değil", f"'{line.text}': not v3"))
            elif "priv" not in words:
                issues.append(
                    (f"'{line.text}': şifreleme (priv) yok", f"'{line.text}': no encryption (priv)")
                )
        for line in cfg.top("snmp-server user"):
            words = line.words()
            if "v3" in words and "priv" not in words:
                issues.append(
                    (
                        f"SNMP kullanıcısı {words[2] if len(words) > 2 else ''} şifresiz",
                        f"SNMP user {words[2] if len(words) > 2 else ''} without encryption",
                    )
                )
        return issues
    if p == "huawei_vrp":
        if cfg.top("snmp-agent community"):
            issues.append(("SNMP v1/v2c topluluğu tanımlı", "SNMP v1/v2c community defined"))
        for line in cfg.top("snmp-agent sys-info version"):
            versions = set(line.words()[3:])
            if versions - {"v3"}:
                issues.append(
                    (f"'{line.text}': v3 dışı sürüm açık", f"'{line.text}': versions other than v3")
                )
        for line in cfg.top("snmp-agent group"):
            if "privacy" not in line.words():
                issues.append((f"'{line.text}': şifreleme yok", f"'{line.text}': no privacy"))
        return issues
    if p == "fortios":
        for block in cfg.top("config system snmp community"):
            for edit in block.children:
                if fortios_settings(edit).get("status") != ["disable"]:
                    issues.append(
                        (
                            f"SNMP topluluğu {_edit_name(edit)} açık",
                            f"SNMP community {_edit_name(edit)} enabled",
                        )
                    )
        for block in cfg.top("config system snmp user"):
            for edit in block.children:
                if fortios_settings(edit).get("security-level") != ["auth-priv"]:
                    issues.append(
                        (
                            f"SNMP kullanıcısı {_edit_name(edit)} auth-priv değil",
                            f"SNMP user {_edit_name(edit)} not auth-priv",
                        )
                    )
        return issues
    if p == "routeros":
        enabled = any(
            args.get("enabled") in {"yes", "true"}
            for verb, _, args in _ros_section(cfg, "/snmp")
            if verb == "set"
        )
        if not enabled:
            return issues
        default_disabled = False
        for verb, words, args in _ros_section(cfg, "/snmp community"):
            if verb == "set" and ("default=yes" in " ".join(words) or args.get("numbers") == "0"):
                default_disabled = args.get("disabled") in {"yes", "true"}
            elif (
                verb == "add"
                and args.get("disabled") not in {"yes", "true"}
                and args.get("security") != "private"
            ):
                issues.append(
                    (
                        f"SNMP topluluğu {args.get('name', '?')} şifreli v3 değil",
                        f"SNMP community {args.get('name', '?')} is not encrypted v3",
                    )
                )
        if not default_disabled:
            issues.append(
                (
                    "varsayılan 'public' topluluğu kapatılmamış",
                    "default 'public' community not disabled",
                )
            )
        return issues
    return None


def snmpv3_only(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-SNMP-01: no v1/v2c communities; SNMPv3 with encryption only."""
    return evaluate_configs(
        ctx, device, _snmp_judge, ("yalnızca SNMPv3 (priv)", "SNMPv3 (priv) only")
    )


# ---------------------------------------------------------------- NET-MGMT-01


def _wildcard_network(address: str, wildcard: str | None) -> IPv4Network | None:
    try:
        if wildcard is None:
            return IPv4Network(f"{address}/32")
        inverted = ".".join(str(255 - int(o)) for o in wildcard.split("."))
        return IPv4Network(f"{address}/{inverted}", strict=False)
    except ValueError:
        return None


def _cisco_acl_sources(cfg: Config, name: str) -> list[IPv4Network | str] | None:
    """Sources permitted by a Cisco ACL (named or numbered); 'any' kept as text."""
    entries: list[str] = []
    found = False
    for block in [
        *cfg.top(f"ip access-list standard {name}"),
        *cfg.top(f"ip access-list extended {name}"),
    ]:
        found = True
        entries.extend(c.text for c in block.children)
    for line in cfg.top(f"access-list {name}"):
        found = True
        entries.append(" ".join(line.words()[2:]))
    if not found:
        return None
    sources: list[IPv4Network | str] = []
    for entry in entries:
        words = entry.split()
        if words and words[0].isdigit():
            words = words[1:]
        if not words or words[0] != "permit":
            continue
        rest = words[1:]
        if rest and rest[0] in {"ip", "tcp", "udp"}:
            rest = rest[1:]
        if not rest:
            continue
        if rest[0] == "any":
            sources.append("any")
        elif rest[0] == "host" and len(rest) > 1:
            net = _wildcard_network(rest[1], None)
            sources.append(net if net is not None else rest[1])
        else:
            wildcard = rest[1] if len(rest) > 1 and ipv4s(rest[1]) else None
            net = _wildcard_network(rest[0], wildcard)
            sources.append(net if net is not None else rest[0])
    return sources


def _vty_acl_issues(
    where: str, acl: str, sources: list[IPv4Network | str] | None, net: NetContext
) -> list[Issue]:
    """What is wrong with the ACL named ``acl`` that guards ``where``: missing, or its
    ``sources`` (None when the ACL is not defined)."""
    if sources is None:
        return [(f"{where}: ACL {acl} tanımlı değil", f"{where}: ACL {acl} not defined")]
    return _sources_issues(f"ACL {acl}", sources, net)


def _sources_issues(where: str, sources: list[IPv4Network | str], net: NetContext) -> list[Issue]:
    issues: list[Issue] = []
    if not sources:
        issues.append((f"{where}: hiçbir kaynağa izin vermiyor", f"{where}: permits no source"))
    outside = [
        str(s)
        for s in sources
        if isinstance(s, str) or not network_within(s, net.site.admin_networks)
    ]
    if outside:
        issues.append(
            (
                f"{where}: yönetim bölgesi dışı kaynak: {listing(outside)}",
                f"{where}: source outside the admin zone: {listing(outside)}",
            )
        )
    return issues


def _huawei_acl_sources(cfg: Config, ident: str) -> list[IPv4Network | str] | None:
    blocks = [
        *cfg.top(f"acl number {ident}"),
        *cfg.top(f"acl name {ident}"),
        *cfg.top(f"acl {ident}"),
    ]
    if not blocks:
        return None
    sources: list[IPv4Network | str] = []
    for block in blocks:
        for rule in block.children:
            words = rule.words()
            if "permit" not in words:
                continue
            if "source" not in words:
                sources.append("any")
                continue
            at = words.index("source")
            address = words[at + 1] if len(words) > at + 1 else ""
            wildcard = words[at + 2] if len(words) > at + 2 else None
            if address == "any":
                sources.append("any")
                continue
            if wildcard == "0":
                wildcard = "0.0.0.0"
            network = _wildcard_network(address, wildcard)
            sources.append(network if network is not None else address)
    return sources


def _mgmt_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    issues: list[Issue] = []
    if not net.site.admin_networks:
        return [
            (
                "yönetim bölgesinin alt ağı bilinmiyor",
                "the admin zone has no subnet in the inventory",
            )
        ]
    p = cfg.platform
    if p == "cisco_ios":
        vty = _cisco_vty(cfg)
        if not vty:
            return [("'line vty' tanımı yok", "no 'line vty' definition")]
        for line in vty:
            acl = line.child("access-class")
            if acl is None or len(acl.words()) < 2:
                issues.append(
                    (f"{line.text}: 'access-class' yok", f"{line.text}: no 'access-class'")
                )
                continue
            name = acl.words()[1]
            issues.extend(_vty_acl_issues(line.text, name, _cisco_acl_sources(cfg, name), net))
        for line in cfg.top("snmp-server group"):
            words = line.words()
            if "access" not in words:
                issues.append((f"'{line.text}': ACL yok", f"'{line.text}': no access list"))
        return _dedupe(issues)
    if p == "huawei_vrp":
        vty = _huawei_vty(cfg)
        if not vty:
            return [("'user-interface vty' tanımı yok", "no 'user-interface vty' definition")]
        for line in vty:
            acl = next(
                (
                    c
                    for c in line.children
                    if c.text.startswith("acl ") and c.text.endswith("inbound")
                ),
                None,
            )
            if acl is None:
                issues.append(
                    (f"{line.text}: 'acl ... inbound' yok", f"{line.text}: no 'acl ... inbound'")
                )
                continue
            words = [w for w in acl.words()[1:-1] if w not in {"ipv6", "name"}]
            ident = words[0] if words else ""
            issues.extend(_vty_acl_issues(line.text, ident, _huawei_acl_sources(cfg, ident), net))
        return _dedupe(issues)
    if p == "fortios":
        admins = [e for block in cfg.top("config system admin") for e in block.children]
        if not admins:
            return [("yönetici hesabı tanımı yok", "no administrator defined")]
        for admin in admins:
            hosts = _fortios_trusthosts(admin)
            name = _edit_name(admin)
            if not hosts:
                issues.append(
                    (
                        f"yönetici {name}: güvenilir kaynak (trusthost) yok",
                        f"admin {name}: no trusthost",
                    )
                )
            else:
                issues.extend(_sources_issues(f"yönetici {name}", list(hosts), net))
        return _dedupe(issues)
    if p == "routeros":
        services = _ros_services(cfg)
        for name in ("ssh", "winbox", "api", "api-ssl", "www-ssl"):
            settings = services.get(name)
            if settings is None and name in {"ssh", "winbox"}:
                issues.append(
                    (f"'{name}' hizmeti sınırlanmamış", f"'{name}' service not restricted")
                )
                continue
            if (
                settings is not None
                and not _ros_disabled(settings)
                and not _ros_address_ok(settings, net)
            ):
                issues.append(
                    (
                        f"'{name}' hizmeti yönetim bölgesiyle sınırlanmamış",
                        f"'{name}' service not limited to the admin zone",
                    )
                )
        return issues
    return None


def _fortios_trusthosts(admin: Line) -> list[IPv4Network | str]:
    """The sources an administrator may log in from. ``show full-configuration`` prints all
    ten trusthosts, the unset ones as ``0.0.0.0 0.0.0.0``: those restrict nothing when
    another is set, and mean "anywhere" when none is."""
    hosts: list[IPv4Network | str] = []
    for child in admin.children:
        key, values = fortios_set(child)
        if not key.startswith("trusthost") or not values:
            continue
        parts = values[0].split("/") if len(values) == 1 else values[:2]
        try:
            network = IPv4Network(f"{parts[0]}/{parts[1]}", strict=False)
        except (ValueError, IndexError):
            hosts.append(" ".join(values))
            continue
        hosts.append("any" if network.prefixlen == 0 else network)
    restricted = [h for h in hosts if h != "any"]
    return restricted if restricted else hosts[:1]


def _fortios_open_admins(cfg: Config, net: NetContext) -> bool:
    admins = [e for block in cfg.top("config system admin") for e in block.children]
    return not admins or any(
        not hosts or _sources_issues("-", hosts, net)
        for hosts in (_fortios_trusthosts(a) for a in admins)
    )


def _ros_address_ok(settings: dict[str, str], net: NetContext) -> bool:
    addresses = [a for a in settings.get("address", "").split(",") if a]
    if not addresses:
        return False
    for address in addresses:
        try:
            network = IPv4Network(address, strict=False)
        except ValueError:
            return False
        if not network_within(network, net.site.admin_networks):
            return False
    return True


def _dedupe(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


def management_acl(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-MGMT-01: management access accepted only from the admin zone."""
    return evaluate_configs(
        ctx,
        device,
        _mgmt_judge,
        ("yönetim erişimi yalnızca yönetim bölgesinden", "management only from the admin zone"),
    )


# ---------------------------------------------------------------- NET-DHCPSNOOP-01

_VLAN_LIST = re.compile(r"(\d+)(?:\s*-\s*(\d+))?")


def vlan_set(text: str) -> set[int]:
    """'10,20-22 30' -> {10, 20, 21, 22, 30}; 'to' ranges of Huawei ('20 to 22') too."""
    text = re.sub(r"\s+to\s+", "-", text)
    out: set[int] = set()
    for low, high in _VLAN_LIST.findall(text):
        start = int(low)
        end = int(high) if high else start
        out.update(range(start, min(end, 4094) + 1))
    return out


def _interfaces(cfg: Config) -> list[Line]:
    return cfg.top("interface")


def _is_access(port: Line, platform: str) -> bool:
    if platform == "huawei_vrp":
        return port.child("port link-type access") is not None
    return port.child("switchport mode access") is not None


def _is_trunk(port: Line, platform: str) -> bool:
    if platform == "huawei_vrp":
        return port.child("port link-type trunk") is not None
    return port.child("switchport mode trunk") is not None


def _is_shutdown(port: Line) -> bool:
    return port.child("shutdown") is not None


def _snoop_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    p = cfg.platform
    users = net.site.user_vlans.get(net.device.building, frozenset())
    issues: list[Issue] = []
    if p == "cisco_ios":
        if not cfg.has("ip dhcp snooping"):
            issues.append(("'ip dhcp snooping' yok", "'ip dhcp snooping' missing"))
        snooped = set().union(
            *(vlan_set(" ".join(ln.words()[4:])) for ln in cfg.top("ip dhcp snooping vlan"))
        )
        inspected = set().union(
            *(vlan_set(" ".join(ln.words()[4:])) for ln in cfg.top("ip arp inspection vlan"))
        )
        trusted_child = ("ip dhcp snooping trust",)
    elif p == "huawei_vrp":
        if not cfg.has("dhcp snooping enable"):
            issues.append(("'dhcp snooping enable' yok", "'dhcp snooping enable' missing"))
        snooped = set().union(
            *(vlan_set(" ".join(ln.words()[4:])) for ln in cfg.top("dhcp snooping enable vlan"))
        )
        inspected = set()
        for block in cfg.top("vlan"):
            ids = vlan_set(" ".join(block.words()[1:]))
            if block.child("dhcp snooping enable") is not None:
                snooped |= ids
            if block.child("arp anti-attack check user-bind enable") is not None:
                inspected |= ids
        trusted_child = ("dhcp snooping trusted",)
    else:
        return None
    missing_snoop = sorted(users - snooped)
    missing_dai = sorted(users - inspected)
    if missing_snoop:
        issues.append(
            (
                f"DHCP snooping kapalı VLAN: {listing(missing_snoop)}",
                f"DHCP snooping off on VLAN {listing(missing_snoop)}",
            )
        )
    if missing_dai:
        issues.append(
            (
                f"ARP denetimi kapalı VLAN: {listing(missing_dai)}",
                f"ARP inspection off on VLAN {listing(missing_dai)}",
            )
        )
    bad_trust = [
        port.text.split(maxsplit=1)[-1]
        for port in _interfaces(cfg)
        if any(port.child(t) is not None for t in trusted_child) and not _is_trunk(port, p)
    ]
    if bad_trust:
        issues.append(
            (
                f"yukarı bağlantı olmayan güvenilir port: {listing(bad_trust)}",
                f"trusted port that is not an uplink: {listing(bad_trust)}",
            )
        )
    return issues


#: Kinds plugged into ports that are infrastructure, not users.
INFRASTRUCTURE_KINDS = frozenset({"switch", "router", "server", "wireless_controller", "nvr"})


def serves_users(ctx: CheckContext, switch: Switch) -> bool:
    """An access switch, or one with access ports for end devices (not infrastructure)."""
    if switch.role == "access":
        return True
    index = ctx.inventory.index()
    for port in switch.ports:
        if port.mode in {"trunk", "shutdown"} or port.connects is None:
            continue
        asset = index.get(port.connects)
        if asset is not None and asset.kind not in INFRASTRUCTURE_KINDS:
            return True
    return False


def dhcp_snooping(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-DHCPSNOOP-01: DHCP snooping and ARP inspection on the user VLANs."""
    if isinstance(device, Switch) and not site_network(ctx).user_vlans.get(device.building):
        return [not_applicable("Binada kullanıcı VLAN'ı yok", "No user VLAN in this building")]
    if isinstance(device, Switch) and not serves_users(ctx, device):
        return [
            not_applicable(
                "Kullanıcı bağlanan erişim portu yok (omurga/dağıtım anahtarı)",
                "No access port for end devices (core/distribution switch)",
            )
        ]
    return evaluate_configs(
        ctx,
        device,
        _snoop_judge,
        (
            "kullanıcı VLAN'larında DHCP snooping ve ARP denetimi",
            "DHCP snooping and ARP inspection on the user VLANs",
        ),
    )


# ---------------------------------------------------------------- NET-BANNER-01


def _banner_text(cfg: Config) -> str | None:
    p = cfg.platform
    if p in {"cisco_ios", "arista_eos", "aruba_aoscx"}:
        lines = [*cfg.top("banner login"), *cfg.top("banner motd")]
        return " ".join(c.text for line in lines for c in line.children)
    if p == "huawei_vrp":
        lines = [*cfg.top("header login"), *cfg.top("header shell")]
        return " ".join(c.text for line in lines for c in line.children)
    if p == "fortios":
        if _fortios_global(cfg).get("pre-login-banner") != ["enable"]:
            return ""
        parts = []
        for block in cfg.top("config system replacemsg admin"):
            for child in block.children:
                key, values = fortios_set(child)
                if key == "buffer":
                    parts.append(" ".join(values))
        return " ".join(parts) or ""
    if p == "routeros":
        for verb, _, args in _ros_section(cfg, "/system note"):
            if verb == "set" and args.get("show-at-login") in {"yes", "true", None}:
                return args.get("note", "")
        return ""
    return None


_ASCII = str.maketrans("çğıöşüÇĞİÖŞÜâîû", "cgiosuCGIOSUaiu")


def _normal(text: str) -> str:
    """Banner text compared without case, spacing or Turkish letters (devices may fold them)."""
    return " ".join(text.replace("\\n", " ").split()).translate(_ASCII).casefold()


def _banner_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    text = _banner_text(cfg)
    if text is None:
        return None
    if not text.strip():
        return [("oturum açma uyarısı yok", "no login banner")]
    approved = policyview.banner(net.ctx)
    if approved is None:
        return []  # presence only; the check reports the approval as not assessed
    shown = _normal(text)
    site = net.ctx.inventory.site.name
    missing = [
        lang
        for lang, want in zip(("tr", "en"), approved, strict=True)
        if _normal(want.replace("{site}", site)) not in shown
    ]
    if missing:
        return [
            (
                f"uyarı metni onaylı metinden farklı ({', '.join(missing)})",
                f"banner differs from the approved text ({', '.join(missing)})",
            )
        ]
    return []


def login_banner(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-BANNER-01: the approved legal banner before login."""
    findings = evaluate_configs(
        ctx, device, _banner_judge, ("onaylı yasal uyarı metni", "approved legal banner")
    )
    if policyview.banner(ctx) is None:
        findings.append(
            not_collected("policies")
            if not ctx.collected("policies")
            else not_assessed(
                "Onaylı uyarı metni erişim politikasından okunamadı",
                "The approved banner text could not be read from the access policy",
            )
        )
    return findings


# ---------------------------------------------------------------- NET-PORTSEC-01


def _portsec_judge(cfg: Config, _net: NetContext) -> list[Issue] | NothingToJudge | None:
    p = cfg.platform
    if p not in {"cisco_ios", "huawei_vrp"}:
        return None
    access = [port for port in _interfaces(cfg) if _is_access(port, p) and not _is_shutdown(port)]
    if not access:
        return NothingToJudge("etkin erişim portu yok", "no access port in use")
    no_psec: list[str] = []
    no_storm: list[str] = []
    for port in access:
        name = port.text.split(maxsplit=1)[-1]
        if p == "cisco_ios":
            psec = port.has("switchport port-security")
            storm = port.child("storm-control broadcast") is not None
        else:
            psec = port.child("port-security enable") is not None
            storm = (
                port.child("storm-control broadcast") is not None
                or port.child("broadcast-suppression") is not None
            )
        if not psec:
            no_psec.append(name)
        if not storm:
            no_storm.append(name)
    issues: list[Issue] = []
    if no_psec:
        issues.append(
            (f"port güvenliği yok: {listing(no_psec)}", f"no port security: {listing(no_psec)}")
        )
    if no_storm:
        issues.append(
            (f"fırtına denetimi yok: {listing(no_storm)}", f"no storm control: {listing(no_storm)}")
        )
    return issues


def port_security(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-PORTSEC-01: port security and storm control on access ports."""
    if isinstance(device, Switch) and not any(port.connects or port.vlan for port in device.ports):
        return [
            not_applicable("Anahtarda erişim portu tanımlı değil", "No access port on this switch")
        ]
    return evaluate_configs(
        ctx,
        device,
        _portsec_judge,
        (
            "erişim portlarında port güvenliği ve fırtına denetimi",
            "port security and storm control on access ports",
        ),
    )


# ---------------------------------------------------------------- NET-USERS-01


def _local_accounts(cfg: Config) -> list[str] | None:
    p = cfg.platform
    if p in {"cisco_ios", "arista_eos", "aruba_aoscx"}:
        return [line.words()[1] for line in cfg.top("username") if len(line.words()) > 1]
    if p == "huawei_vrp":
        names = []
        for block in cfg.top("aaa"):
            for child in block.children:
                words = child.words()
                if words[:1] == ["local-user"] and len(words) > 1:
                    names.append(words[1].split("@")[0])
        return sorted(set(names))
    if p == "fortios":
        return [
            _edit_name(e)
            for block in cfg.top("config system admin")
            for e in block.children
            if fortios_settings(e).get("remote-auth") != ["enable"]
            and fortios_settings(e).get("wildcard") != ["enable"]
        ]
    if p == "routeros":
        # RouterOS' /export leaves the users out: without a /user section they are unknown
        # (not assessed), never "missing"
        # (kentops' RouterOS backups append them, read with `/user print terse`). Only the
        # /user menu itself: /user aaa and /user group are other menus.
        users = [s for s in cfg.top("/user") if s.text == "/user"]
        if not users:
            return None
        return [
            args["name"]
            for verb, _, args in (ros_command(c.text) for s in users for c in s.children)
            if verb == "add" and "name" in args
        ]
    return None


def _users_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    accounts = _local_accounts(cfg)
    if accounts is None:
        return None
    admins = policyview.device_admins(net.ctx, net.kind) or set()
    fallback = policyview.fallback_account(net.ctx) or ""
    extra = sorted(set(accounts) - admins - {fallback})
    issues: list[Issue] = []
    if extra:
        issues.append(
            (
                f"politikada olmayan yerel hesap: {listing(extra)}",
                f"local account not in the policy: {listing(extra)}",
            )
        )
    if fallback not in accounts:
        issues.append((f"yedek hesap {fallback} yok", f"fallback account {fallback} missing"))
    return issues


def local_accounts(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-USERS-01: local accounts are the named admins and the fallback account only."""
    if not ctx.collected("policies"):
        return [not_collected("policies")]
    if policyview.fallback_account(ctx) is None:
        return [
            not_assessed(
                "Adlı yöneticiler erişim politikasından okunamadı",
                "The named administrators could not be read from the access policy",
            )
        ]
    return evaluate_configs(
        ctx,
        device,
        _users_judge,
        (
            "yerel hesaplar politikadaki adlı yöneticiler ve yedek hesap",
            "local accounts are the policy's named admins and the fallback",
        ),
    )


# ---------------------------------------------------------------- NET-FW-01


def firmware_allowed(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-FW-01: the version read from the device is allowed by the patching policy."""
    wrong = _not_network(device)
    if wrong is not None:
        return [wrong]
    facts, stored, missing = payload(ctx, "device_facts", device.id, DeviceFacts)
    if missing is not None or facts is None or stored is None:
        return [missing or not_collected("device_facts")]
    if facts.os_version is None:
        return [
            not_assessed(
                "Cihaz sürümünü bildirmedi", "The device did not report its version", stored.ref
            )
        ]
    if not ctx.collected("policies"):
        return [not_collected("policies")]
    rule = policyview.firmware_rule(ctx, device)
    if rule is None:
        return [
            not_assessed(
                f"Yama politikasında {device_platform(device)} {device.model} için kural yok",
                f"The patching policy has no rule for {device_platform(device)} {device.model}",
                stored.ref,
            )
        ]
    allowed = policyview.rule_text(rule)
    if rule.allows(facts.os_version):
        return [
            passed(
                f"Sürüm {facts.os_version} izinli ({allowed})",
                f"Version {facts.os_version} is allowed ({allowed})",
                stored.ref,
                ctx.policy_ref("patching"),
            )
        ]
    return [
        failed(
            f"Sürüm {facts.os_version} izinli değil (izinli: {allowed})",
            f"Version {facts.os_version} is not allowed (allowed: {allowed})",
            stored.ref,
            ctx.policy_ref("patching"),
        )
    ]


# ---------------------------------------------------------------- NET-BACKUP-01


def config_backup_fresh(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-BACKUP-01: the latest running-configuration backup is recent enough."""
    wrong = _not_network(device)
    if wrong is not None:
        return [wrong]
    if not ctx.collected("running_config"):
        return [not_collected("running_config")]
    stored = ctx.item("running_config", device.id)
    max_age = policyview.network_backup_max_age(ctx) or DEFAULT_BACKUP_MAX_AGE
    if stored is None:
        return [failed("Cihazın yapılandırma yedeği yok", "No configuration backup of this device")]
    info = stored.data if isinstance(stored.data, RunningConfigInfo) else None
    if info is None and isinstance(stored.data, dict):
        info = RunningConfigInfo.model_validate(stored.data)
    if info is None:
        return [
            not_assessed(
                "Yedeğin alınma zamanı bilinmiyor", "The backup time is unknown", stored.ref
            )
        ]
    age = ctx.now - aware(info.taken_at)
    shown = age_text(age)
    limit = age_text(max_age)
    if age > max_age:
        return [
            failed(
                f"Son yedek {shown[0]} önce (en çok {limit[0]})",
                f"Latest backup {shown[1]} old (at most {limit[1]})",
                stored.ref,
            )
        ]
    return [passed(f"Son yedek {shown[0]} önce", f"Latest backup {shown[1]} old", stored.ref)]


# ---------------------------------------------------------------- NET-LLDP-01


def neighbours_as_inventoried(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-LLDP-01: every LLDP neighbour is an inventory device on the inventory's port."""
    wrong = _not_network(device)
    if wrong is not None:
        return [wrong]
    facts, stored, missing = payload(ctx, "device_facts", device.id, DeviceFacts)
    if missing is not None or facts is None or stored is None:
        return [missing or not_collected("device_facts")]
    from kentops.network.facts import neighbour_findings

    if not facts.lldp_neighbors and not facts.lldp_read:
        return [
            not_assessed(
                "LLDP tablosu okunmadı: envanterle karşılaştırılacak bir şey yok",
                "The LLDP table was not read: nothing to compare with the inventory",
                stored.ref,
            )
        ]
    found = neighbour_findings(ctx.inventory, {device.id: facts})
    if not found and not facts.lldp_neighbors:
        return [
            passed(
                "LLDP tablosu okundu ve boş: kayıtsız ya da yanlış portta komşu yok",
                "The LLDP table was read and is empty: no unregistered or miscabled neighbour",
                stored.ref,
            )
        ]
    if not found:
        count = len(facts.lldp_neighbors)
        return [
            passed(
                f"{count} LLDP komşusunun her biri envanterdeki portunda",
                f"Each of {count} LLDP neighbour(s) is on its inventory port",
                stored.ref,
            )
        ]
    names = {"unregistered-device": "kayıtsız cihaz", "cabling": "kablolama"}
    return [
        failed(
            f"{names.get(f.kind, f.kind)}: {f.tr or f.message}",
            f"{f.kind}: {f.message}",
            stored.ref,
        )
        for f in found
    ]


# ---------------------------------------------------------------- NET-DRIFT-01


def no_config_drift(ctx: CheckContext, device: Asset) -> list[Finding]:
    """NET-DRIFT-01: the running configuration matches the intended one."""
    wrong = _not_network(device)
    if wrong is not None:
        return [wrong]
    missing = [k for k in ("rendered_config", "running_config") if not ctx.collected(k)]
    if missing:
        return [not_collected(*missing)]
    configs = {c.source: c for c in ctx.device_configs(device)}
    intended, running = configs.get("rendered"), configs.get("running")
    if intended is None or running is None:
        return [
            not_assessed(
                "Karşılaştırma için iki yapılandırma da yok",
                "Both configurations are needed to compare",
            )
        ]
    intended_text = ctx.item("rendered_config", device.id)
    running_text = ctx.item("running_config", device.id)
    assert intended_text is not None
    assert running_text is not None
    from kentops.network.remediation import UnsupportedPlatform, remediate

    platform = intended.config.platform
    try:
        # The running text is a masked backup; the intended one holds secret references. A
        # masked secret whose value cannot be looked up here is not compared (said below),
        # never counted as drift or as a match.
        result = remediate(running_text.text, intended_text.text, platform, running_masked=True)
    except UnsupportedPlatform:
        return [
            not_assessed(
                f"{platform} için fark hesaplanamıyor",
                f"Cannot compare {platform} configurations",
                intended.ref,
                running.ref,
            )
        ]
    lines = result.lines() + result.manual
    if lines:
        features = ", ".join(result.features) or "-"
        return [
            failed(
                f"{len(lines)} satır farklı ({features}): {listing(lines, 5)}",
                f"{len(lines)} line(s) differ ({features}): {listing(lines, 5)}",
                intended.ref,
                running.ref,
            )
        ]
    if result.unverified:
        note = (
            f" ({len(result.unverified)} gizli değer karşılaştırılmadı)",
            f" ({len(result.unverified)} secret value(s) not compared)",
        )
    else:
        note = ("", "")
    return [
        passed(
            "Çalışan yapılandırma amaçlanana eşit" + note[0],
            "Running configuration matches the intended one" + note[1],
            intended.ref,
            running.ref,
        )
    ]
