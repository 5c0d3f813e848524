"""Security controls: encrypted management, no secret in the repository, enterprise Wi-Fi."""

from __future__ import annotations

import re

from kentops.compliance.checks import CheckContext, DeviceConfig
from kentops.compliance.checks._common import Issue, judge, listing, payload
from kentops.compliance.checks.network import (
    NETWORK_TYPES,
    NetContext,
    evaluate_configs,
)
from kentops.compliance.configparse import Config, Line
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    not_collected,
    passed,
)
from kentops.compliance.payloads import CameraState, ServerFacts, VoiceState
from kentops.inventory.model import (
    AccessPoint,
    Asset,
    Camera,
    Nvr,
    Pbx,
    Server,
    Site,
    WirelessController,
    Zone,
)

# ---------------------------------------------------------------- SEC-ENC-01


def _cleartext_judge(cfg: Config, net: NetContext) -> list[Issue] | None:
    from kentops.compliance.checks.network import _http_judge, _ssh_judge

    ssh = _ssh_judge(cfg, net)
    http = _http_judge(cfg, net)
    if ssh is None or http is None:
        return None
    return [*ssh, *http]


def encrypted_management(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEC-ENC-01: no telnet, plain HTTP, FTP or clear SIP/LDAP for management or data."""
    if isinstance(asset, NETWORK_TYPES):
        return evaluate_configs(
            ctx,
            asset,
            _cleartext_judge,
            ("yönetim yalnızca şifreli (SSH, HTTPS)", "management encrypted only (SSH, HTTPS)"),
        )
    if isinstance(asset, Server):
        facts, stored, missing = payload(ctx, "server_facts", asset.id, ServerFacts)
        if facts is None or stored is None:
            return [missing or not_collected("server_facts")]
        if facts.cleartext_services is None:
            return [
                not_assessed(
                    "Dinleyen hizmetler okunamadı", "Listening services not read", stored.ref
                )
            ]
        if facts.cleartext_services:
            return [
                failed(
                    f"Şifresiz hizmet: {listing(facts.cleartext_services)}",
                    f"Clear-text service: {listing(facts.cleartext_services)}",
                    stored.ref,
                )
            ]
        return [passed("Şifresiz hizmet yok", "No clear-text service", stored.ref)]
    if isinstance(asset, Camera | Nvr):
        cam, stored, missing = payload(ctx, "camera_state", asset.id, CameraState)
        if cam is None or stored is None:
            return [missing or not_collected("camera_state")]
        known = {"telnet": cam.telnet, "HTTP": cam.http_plain}
        on = [name for name, value in known.items() if value]
        if on:
            return [failed(f"Açık: {', '.join(on)}", f"Enabled: {', '.join(on)}", stored.ref)]
        if any(value is None for value in known.values()):
            return [
                not_assessed(
                    "telnet/HTTP durumu okunamadı", "telnet/HTTP state not read", stored.ref
                )
            ]
        return [passed("telnet ve düz HTTP kapalı", "telnet and plain HTTP off", stored.ref)]
    if isinstance(asset, Pbx):
        voice, stored, missing = payload(ctx, "voice_state", asset.id, VoiceState)
        if voice is None or stored is None:
            return [missing or not_collected("voice_state")]
        clear = [t for t in voice.sip_transports if t.lower() != "tls"]
        if not voice.sip_transports:
            return [
                not_assessed("SIP taşıma bilgisi okunamadı", "SIP transports not read", stored.ref)
            ]
        if clear:
            return [
                failed(
                    f"Şifresiz SIP: {', '.join(clear)}",
                    f"Clear-text SIP: {', '.join(clear)}",
                    stored.ref,
                )
            ]
        return [passed("SIP yalnızca TLS", "SIP over TLS only", stored.ref)]
    if isinstance(asset, AccessPoint):
        return [
            not_assessed(
                "Erişim noktasının yönetim protokolleri için kanıt toplanmıyor",
                "No evidence is collected on an access point's management protocols",
            )
        ]
    return [not_applicable("Bu varlık türü için değil", f"Not for {asset.kind}")]


# ---------------------------------------------------------------- SEC-VAULT-01

#: A YAML key that names a secret, with its value.
_YAML_SECRET = re.compile(
    r"^[ \t]*-?[ \t]*(?P<key>[A-Za-z0-9_]*(?:password|passwd|secret|psk|community|token"
    r"|api_key|private_key|priv_key|auth_key|passphrase)[A-Za-z0-9_]*)[ \t]*:[ \t]*"
    r"(?P<value>\S[^\n]*?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
#: A configuration statement that carries a secret, matched where a key word starts: device
#: CLI ("key 7 xyz", "secret=xyz", "shared-key cipher xyz") and key = value files
#: ("account.1.password = xyz"). The word must start the line or follow a space, '.', '_'
#: or '-' (so "auth-key", "user_password" count; "monkey" does not).
_CONFIG_WORDS = ("secret", "passw", "key", "community", "psk", "pwd")
#: ASCII upper to lower case, keeping every offset (str.lower() may not: 'İ').
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _word_starts(text: str) -> list[int]:
    """Offsets where a secret key word starts (str.find is far faster than a regex here)."""
    lower = text.translate(_ASCII_LOWER)
    starts = []
    for word in _CONFIG_WORDS:
        at = lower.find(word)
        while at != -1:
            starts.append(at)
            at = lower.find(word, at + 1)
    return sorted(set(starts))


_CONFIG_SECRET = re.compile(
    r"(?P<key>psksecret|secret|password|passwd|key|community|psk|pwd)"
    r"(?:[ \t]+(?:0|5|7|8|9|cipher|simple|irreversible-cipher|ENC))?"
    r"(?:[ \t]*=[ \t]*|[ \t]+)(?P<value>\"[^\"\n]*\"|[^\s]+)",
    re.IGNORECASE,
)
_KEY_BEFORE = frozenset(" \t\n._-")
#: An XML element that carries a secret (camera ISAPI documents).
_XML_SECRET = re.compile(
    r"<(?P<key>password|secret|passwd|key|psk)>(?P<value>[^<]*)</", re.IGNORECASE
)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
#: A value that is (or holds) a reference, not a secret.
_REFERENCE = re.compile(
    r"(__REF__|^\}\}|vault:|env:|\{\{|\$\{|^[\"']?<[A-Za-z_]|^[\"']?__[A-Z]|^[\"']?\*+[\"']?$"
    r"|^[\"']?(null|none|~)?[\"']?$)",
    re.IGNORECASE,
)
#: Words that follow a secret-like keyword without being a secret value.
_NOT_VALUES = frozenset(
    {
        "chain",
        "exchange",
        "string",
        "config-key",
        "auth",
        "algorithm",
        "length",
        "mode",
        "type",
        "register",
        "and",
        "or",
        "file",
        "for",
        "of",
        "is",
        "the",
        "to",
    }
)
_COMMENTS = ("#", "!", ";", "//", "<!--")


def _line_of(text: str, offset: int) -> tuple[int, str]:
    """Line number and text of the line holding ``offset``."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text.count("\n", 0, start) + 1, text[start : end if end != -1 else len(text)]


def secret_literals(text: str, yaml: bool) -> list[tuple[int, str]]:
    """Lines holding a literal secret: (line number, the key that names it).

    The patterns run over the whole text; a value that is or holds a reference (vault:,
    env:, a {{ template }}) is no secret. Line numbers are worked out only for what is found.
    """
    found: dict[int, str] = {}
    for match in _PRIVATE_KEY.finditer(text):
        found.setdefault(_line_of(text, match.start())[0], "private key")
    if yaml:
        matches = list(_YAML_SECRET.finditer(text))
    else:
        matches = list(_XML_SECRET.finditer(text))
        for at in _word_starts(text):
            if at and text[at - 1] not in _KEY_BEFORE:
                continue
            statement = _CONFIG_SECRET.match(text, at)
            if statement is not None:
                matches.append(statement)
    for match in matches:
        value = match.group("value").strip()
        if not value or _REFERENCE.search(value):
            continue
        if yaml and (value in {"true", "false"} or value.startswith(("#", "[", "{"))):
            continue
        if not yaml and value.strip('"').lower() in _NOT_VALUES:
            continue
        number, line = _line_of(text, match.start("key"))
        if line.strip().startswith(_COMMENTS):
            continue
        found.setdefault(number, match.group("key"))
    return sorted(found.items())


def no_secrets_in_repo(ctx: CheckContext, _site: Site) -> list[Finding]:
    """SEC-VAULT-01: no literal secret in the inventory, the policies or rendered configs."""
    findings: list[Finding] = []
    hits: list[str] = []
    refs: list[str] = []
    for kind in ("inventory", "policies", "rendered_config"):
        if not ctx.collected(kind):
            findings.append(not_collected(kind))
            continue
        seen: dict[str, list[tuple[int, str]]] = {}  # identical files are scanned once
        for stored in ctx.evidence.of_kind(kind):
            if stored.ref.endswith(".json"):
                continue  # our own summaries, not repository or device files
            refs.append(stored.ref)
            if stored.sha256 not in seen:
                seen[stored.sha256] = secret_literals(stored.text, yaml=kind != "rendered_config")
            for line, key in seen[stored.sha256]:
                hits.append(f"{stored.ref}:{line} ({key})")
    if hits:
        findings.insert(
            0,
            failed(
                f"{len(hits)} açık yazılmış gizli bilgi: {listing(hits, 5)}",
                f"{len(hits)} literal secret(s): {listing(hits, 5)}",
                *sorted({h.split(":")[0] for h in hits}),
            ),
        )
    elif refs:
        findings.insert(
            0,
            passed(
                f"{len(refs)} dosyada açık gizli bilgi yok; yalnızca vault/env başvuruları",
                f"No literal secret in {len(refs)} files; vault/env references only",
            ),
        )
    return findings


# ---------------------------------------------------------------- SEC-WIFI-01


def _guest_isolation(dc: DeviceConfig, guest_names: list[str]) -> Finding:
    """Every guest SSID of the inventory is a WLAN of this configuration, with client
    isolation; a configuration without that WLAN does not show isolation, it lacks it."""
    label = ("Çalışan yapılandırma: ", "Running configuration: ")
    if dc.source == "rendered":
        label = ("Amaçlanan yapılandırma: ", "Intended configuration: ")
    if not guest_names:
        return not_applicable(label[0] + "misafir SSID'si yok", label[1] + "no guest SSID", dc.ref)
    # C9800: wlan <profile> <id> <ssid>; the inventory's SSID name is the profile or the SSID
    blocks = _wlans(dc.config)
    issues: list[Issue] = []
    for name in guest_names:
        block = next((b for b in blocks if name in b.text.split()[1:]), None)
        if block is None:
            issues.append((f"{name} WLAN'ı tanımlı değil", f"no WLAN {name} configured"))
        elif block.child("peer-blocking drop") is None:
            issues.append((f"{name}: istemci yalıtımı yok", f"{name}: no client isolation"))
    return judge(
        issues,
        "misafir SSID'de istemci yalıtımı",
        "client isolation on the guest SSID",
        dc.ref,
        prefix=label,
    )


def _wlans(cfg: Config) -> list[Line]:
    return [line for line in cfg.lines if line.text.startswith("wlan ")]


def wifi_enterprise(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEC-WIFI-01: staff SSIDs on 802.1X (WPA2/3-Enterprise), guest SSID in its own zone."""
    if isinstance(asset, AccessPoint):
        controller = ctx.inventory.index().get(asset.controller)
        if not isinstance(controller, WirelessController):
            return [not_assessed("Denetleyici bulunamadı", "Controller not found")]
        asset = controller
    if not isinstance(asset, WirelessController):
        return [not_applicable("Kablosuz cihaz değil", "Not a wireless device")]
    issues: list[Issue] = []
    for ssid in asset.ssids:
        if ssid.vlan_zone == Zone.GUEST:
            continue
        if ssid.security not in {"wpa2-enterprise", "wpa3-enterprise"}:
            issues.append((f"{ssid.name}: {ssid.security}", f"{ssid.name}: {ssid.security}"))
    guests = [s for s in asset.ssids if s.security == "open-captive-portal"]
    for ssid in guests:
        if ssid.vlan_zone != Zone.GUEST:
            issues.append(
                (
                    f"{ssid.name} misafir bölgesinde değil ({ssid.vlan_zone.value})",
                    f"{ssid.name} not in the guest zone ({ssid.vlan_zone.value})",
                )
            )
    findings = [
        judge(
            issues,
            "personel SSID'leri kurumsal kimlik doğrulamalı, misafir ayrı bölgede",
            "staff SSIDs on enterprise authentication, guest in its own zone",
            prefix=("Envanterdeki SSID'ler: ", "SSIDs in the inventory: "),
        )
    ]
    configs = ctx.device_configs(asset)
    guest_names = sorted(s.name for s in guests)
    for dc in configs:
        findings.append(_guest_isolation(dc, guest_names))
    unread = ctx.running_unread(asset)
    if unread is not None:
        findings.append(unread)
    return findings
