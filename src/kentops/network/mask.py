"""Secrets out of device configurations before anything is stored, and volatile lines dropped.

``mask_config(text, platform)`` replaces every secret value with a stable placeholder that
keeps a short hash of the value, ``<masked:sha256:1a2b3c4d5e6f>``: the same secret masks to
the same text (no noisy diffs), a changed secret shows as a change, and the drift code can
tell whether a masked secret is the intended one by hashing the intended value the same way
(``secret_digest``, ``secret_matches``).

What the hash covers:

- a value the device shows as typed, or as a one-way hash (IOS type 5/8/9 secrets, Huawei
  ``irreversible-cipher``): that text as shown;
- an IOS type 7 value (a reversible encoding with a published key, re-encoded with another
  seed on every change): the decoded value, so a re-encoding is not a change and the hash
  matches the intended clear value;
- a FortiOS ``ENC`` value: nothing. FortiOS encrypts these with a fresh random prefix on
  every export, so the same secret never looks the same twice and no hash of the text is
  stable; the plaintext cannot be recovered without the device's key. ``ENC`` values mask
  to the fixed marker ``<masked:fortios-enc>``: stable across exports, and a changed
  FortiOS secret is not visible in the backup (compare it on the device instead).

Certificate and key bodies (IOS ``crypto pki certificate chain`` hex blocks, PEM blocks of
any platform) become one placeholder line with the hash of the whole body.

The hash is a truncated, unsalted SHA-256 (48 bits): enough to tell values apart, not a
protection for weak secrets against a dictionary; masked configurations are handled as
internal documents, never published.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MASK_PREFIX = "<masked:"
FORTIOS_ENC_MARKER = "<masked:fortios-enc>"
PLATFORMS: tuple[str, ...] = ("cisco_ios", "huawei_vrp", "fortios", "routeros")
#: Platform names accepted for ``platform`` besides the inventory's own.
PLATFORM_ALIASES = {
    "ios": "cisco_ios",
    "iosxe": "cisco_ios",
    "ios-xe": "cisco_ios",
    "c9800": "cisco_ios",
    "vrp": "huawei_vrp",
    "huawei": "huawei_vrp",
    "fortigate": "fortios",
    "fortinet": "fortios",
    "mikrotik": "routeros",
}
MASKED_RE = re.compile(r"<masked:(?:sha256:[0-9a-f]{12}|fortios-enc)>")

_TYPE7_KEY = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def secret_digest(value: str) -> str:
    """``sha256:`` and the first 12 hex digits of the value's SHA-256 (UTF-8)."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def placeholder(value: str) -> str:
    return f"<masked:{secret_digest(value)}>"


def secret_matches(masked: str, value: str) -> bool | None:
    """Whether a placeholder stands for ``value``; None when it cannot tell (FortiOS ENC)."""
    if masked == FORTIOS_ENC_MARKER:
        return None
    return masked == placeholder(value)


def canonical_platform(platform: str) -> str:
    """The inventory's platform name for ``platform`` or one of its aliases."""
    name = platform.strip().lower()
    name = PLATFORM_ALIASES.get(name, name)
    if name not in PLATFORMS:
        raise ValueError(
            f"unknown platform {platform!r}: use one of {', '.join(PLATFORMS)}"
            f" (or {', '.join(sorted(PLATFORM_ALIASES))})"
        )
    return name


def decode_type7(encoded: str) -> str | None:
    """The clear text of an IOS type 7 value, or None when it is not a valid one."""
    if len(encoded) < 4 or len(encoded) % 2 or not encoded[:2].isdigit():
        return None
    try:
        seed = int(encoded[:2])
        data = bytes.fromhex(encoded[2:])
    except ValueError:
        return None
    if seed >= len(_TYPE7_KEY):
        return None
    return "".join(
        chr(byte ^ ord(_TYPE7_KEY[(seed + i) % len(_TYPE7_KEY)])) for i, byte in enumerate(data)
    )


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """A line pattern whose groups ``v1``, ``v2`` (optionally typed by ``t1``, ``t2``) are
    secrets; ``parent`` limits it to lines inside a section whose header matches."""

    pattern: re.Pattern[str]
    parent: re.Pattern[str] | None = None


def _rule(pattern: str, parent: str | None = None) -> Rule:
    return Rule(re.compile(pattern), re.compile(parent) if parent else None)


_T1 = r"(?:(?P<t1>\d{1,2}) )?"
_T2 = r"(?:(?P<t2>\d{1,2}) )?"
_V1 = r"(?P<v1>\S+)"
_V2 = r"(?P<v2>\S+)"

_IOS_RULES: tuple[Rule, ...] = (
    _rule(rf"^\s*enable (?:secret|password)(?: level \d+)? {_T1}{_V1}"),
    _rule(rf"^\s*username \S+(?: .*?)? (?:secret|password) {_T1}{_V1}"),
    _rule(rf"\bkey-string {_T1}{_V1}"),
    _rule(rf"^\s*snmp-server community {_V1}"),
    _rule(
        r"^\s*snmp-server host \S+ (?:vrf \S+ )?(?:(?:informs|traps) )?(?:version (?:1|2c) )?"
        rf"(?!version\b|informs\b|traps\b|vrf\b){_V1}"
    ),
    _rule(
        r"^\s*snmp-server user \S+ \S+ (?:remote \S+ (?:udp-port \d+ )?)?v3 (?:encrypted )?"
        rf"auth (?:md5|sha\S*) {_V1}(?: priv (?:des|3des|aes(?: \d+)?) {_V2})?"
    ),
    _rule(rf"^\s*(?:tacacs|radius)-server (?:.* )?key {_T1}{_V1}"),
    _rule(rf"^\s+key {_T1}{_V1}$", parent=r"^(?:tacacs server|radius server|aaa server)\b"),
    _rule(rf"\bserver-key {_T1}{_V1}"),
    _rule(rf"\bip ospf authentication-key {_T1}{_V1}"),
    _rule(rf"\bmessage-digest-key \d+ md5 {_T1}{_V1}"),
    _rule(rf"\bauthentication-key {_T1}{_V1}$"),
    _rule(rf"^\s*neighbor \S+ password {_T1}{_V1}"),
    _rule(rf"^\s*ntp authentication-key \d+ \S+ {_V1}(?: (?P<t1>\d{{1,2}}))?"),
    _rule(rf"^\s*crypto isakmp key {_T1}{_V1} (?:address|hostname)\b"),
    _rule(rf"\bpre-shared-key (?:(?:local|remote) )?{_T1}{_V1}$"),
    _rule(rf"\bpre-shared-key address \S+(?: \S+)? key {_T1}{_V1}"),
    _rule(rf"\bwpa-psk (?:ascii|hex) {_T1}{_V1}"),
    _rule(rf"\bset-key (?:ascii|hex) {_T1}{_V1}"),
    _rule(rf"\bppp (?:chap|pap) .*?password {_T1}{_V1}"),
    _rule(rf"\bvrrp \d+ authentication text {_V1}"),
    _rule(rf"\bstandby (?:\d+ )?authentication (?:text )?(?!md5\b){_V1}$"),
    _rule(rf"^\s+password {_T1}{_V1}"),
    # Safety net: any other "password/secret VALUE" the rules above do not know.
    _rule(
        rf"\b(?:password|secret|passphrase) {_T1}"
        r"(?!encryption\b|min-length\b|policy\b|required\b|history\b|expiry\b|prompt\b)"
        rf"{_V1}"
    ),
)

_VRP_RULES: tuple[Rule, ...] = (
    # not "ssh server cipher aes256_ctr ...": that names algorithms
    _rule(rf"(?<!ssh server )(?<!ssh client )\b(?:irreversible-cipher|cipher) {_V1}"),
    _rule(rf"\bsimple (?:plain )?{_V1}"),
    _rule(rf"\b(?:md5|hmac-sha256|hmac-sha-256|sha) (?:\d+ )?plain {_V1}"),
    _rule(rf"^\s*snmp-agent community (?:read|write) (?!cipher\b|simple\b){_V1}"),
    _rule(rf"\bshared-key (?!cipher\b|simple\b){_V1}"),
    _rule(rf"\bpre-shared-key (?!cipher\b|simple\b){_V1}"),
    _rule(
        rf"\b(?:password|secret) (?!cipher\b|irreversible-cipher\b|simple\b|plain\b)"
        rf"(?!min-length\b|expire\b|policy\b|alert\b){_V1}"
    ),
)

# FortiOS: ``set NAME VALUE`` where NAME holds a secret; ENC values get the fixed marker.
_FORTIOS_HIDDEN_FIELDS = (
    "password|passwd|psksecret|secret|priv-pwd|auth-pwd|key|md5-key|ppk-secret|authpasswd"
    "|key-string|passphrase|sae-password|pre-shared-key|server-key|ldap-password|tacacs-key|radius-secret"
    "|secondary-secret|tertiary-secret|auth-password|enc-password|community-string|token"
)
_FORTIOS_SET = re.compile(
    rf"^(?P<head>\s*set (?P<name>{_FORTIOS_HIDDEN_FIELDS}) )(?P<enc>ENC )?(?P<value>.+?)\s*$"
)
_FORTIOS_ENC = re.compile(r"^(?P<head>\s*set \S+ )ENC \S+\s*$")
_FORTIOS_SNMP_NAME = re.compile(r"^(?P<head>\s*set name )(?P<value>.+?)\s*$")

# RouterOS: ``name=value`` attributes that hold secrets; under /snmp community the name.
_ROUTEROS_HIDDEN_FIELDS = (
    "password|secret|authentication-password|encryption-password|wpa-pre-shared-key"
    "|wpa2-pre-shared-key|passphrase|private-key|pre-shared-key|auth-key|tcp-md5-key"
    "|radius-secret|shared-secret|key|psk"
)
_ROUTEROS_ATTR = re.compile(
    rf"(?<![\w-])(?P<name>{_ROUTEROS_HIDDEN_FIELDS})=(?P<value>\"(?:[^\"\\]|\\.)*\"|[^\s\"]+)"
)
_ROUTEROS_NAME_ATTR = re.compile(r"(?<![\w-])(?P<name>name)=(?P<value>\"(?:[^\"\\]|\\.)*\"|\S+)")

_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]+-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]+-----")


# ---------------------------------------------------------------- volatile lines

_VOLATILE: dict[str, tuple[re.Pattern[str], ...]] = {
    "cisco_ios": (
        re.compile(r"^Building configuration"),
        re.compile(r"^Current configuration\s*:"),
        re.compile(r"^Using \d+ out of \d+ bytes"),
        re.compile(r"^!\s*Last configuration change at"),
        re.compile(r"^!\s*NVRAM config last updated at"),
        re.compile(r"^!\s*No configuration change since last restart"),
        re.compile(r"^!\s*(?:Time|Uptime|System uptime|Running configuration last done)\b"),
        re.compile(r"^\s*ntp clock-period\b"),
    ),
    "huawei_vrp": (
        re.compile(r"^!\s*Last configuration was (?:updated|saved) at"),
        re.compile(r"^!\s*(?:Time|Uptime)\b"),
    ),
    "fortios": (
        re.compile(r"^#conf_file_ver="),
        re.compile(r"^\s*set (?:uptime|last-update|av-db-version|ips-db-version)\b"),
    ),
    "routeros": (
        re.compile(r"^#\s*\S+ \S+ by RouterOS\b"),
        re.compile(r"^#\s*(?:uptime|last-update)\b", re.IGNORECASE),
    ),
}


def strip_volatile(text: str, platform: str) -> str:
    """``text`` without the lines that change when the configuration does not (timestamps,
    sizes, clock drift). Leading empty lines go too; the end of the text keeps one newline."""
    patterns = _VOLATILE[canonical_platform(platform)]
    lines = [
        line
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if not any(p.search(line) for p in patterns)
    ]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


# ---------------------------------------------------------------- masking


def mask_config(text: str, platform: str) -> str:
    """``text`` with every secret value replaced by its placeholder (see the module doc)."""
    name = canonical_platform(platform)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = _mask_pem_blocks(lines)
    if name == "cisco_ios":
        lines = _mask_ios_certificates(lines)
        lines = _mask_rules(lines, _IOS_RULES, type7=True)
    elif name == "huawei_vrp":
        lines = _mask_rules(lines, _VRP_RULES, type7=False)
    elif name == "fortios":
        lines = _mask_fortios(lines)
    else:
        lines = _mask_routeros(lines)
    return "\n".join(lines)


def clean_config(text: str, platform: str) -> str:
    """What a backup stores: volatile lines dropped, then secrets masked."""
    return mask_config(strip_volatile(text, platform), platform)


def _mask_value(value: str, kind: str | None) -> str:
    if MASKED_RE.fullmatch(value):
        return value
    if kind == "7":
        clear = decode_type7(value)
        if clear is not None:
            return placeholder(clear)
    return placeholder(value)


def _section_headers(lines: list[str]) -> Iterable[tuple[str, str | None]]:
    """Each line with the nearest unindented line above it (its section header)."""
    header: str | None = None
    for line in lines:
        if line and not line[0].isspace():
            header = line
            yield line, None
        else:
            yield line, header


def _mask_rules(lines: list[str], rules: tuple[Rule, ...], type7: bool) -> list[str]:
    out = []
    for line, header in _section_headers(lines):
        out.append(_mask_line(line, header, rules, type7))
    return out


def _mask_line(line: str, header: str | None, rules: tuple[Rule, ...], type7: bool) -> str:
    for rule in rules:
        if rule.parent is not None and (header is None or not rule.parent.search(header)):
            continue
        match = rule.pattern.search(line)
        if match is None:
            continue
        spans: list[tuple[int, int, str]] = []
        for group, kind_group in (("v1", "t1"), ("v2", "t2")):
            if group not in rule.pattern.groupindex or match.group(group) is None:
                continue
            value = match.group(group)
            if MASKED_RE.fullmatch(value):
                continue
            kind = (
                match.group(kind_group) if type7 and kind_group in rule.pattern.groupindex else None
            )
            spans.append((match.start(group), match.end(group), _mask_value(value, kind)))
        if not spans:
            continue
        for start, end, replacement in sorted(spans, reverse=True):
            line = line[:start] + replacement + line[end:]
        # a line may hold more than one secret under different rules (radius host ... key)
        return _mask_line(line, header, rules, type7)
    return line


def _mask_pem_blocks(lines: list[str]) -> list[str]:
    """Bodies of PEM blocks (certificates, keys) of any platform become one placeholder."""
    out: list[str] = []
    body: list[str] | None = None
    for raw in lines:
        line = raw
        if body is None:
            begin = _PEM_BEGIN.search(line)
            if begin and not _PEM_END.search(line, begin.end()):
                out.append(line)
                body = []
                continue
            if begin:  # a one-line block: keep the markers, mask what is between them
                end = _PEM_END.search(line, begin.end())
                assert end is not None
                inner = line[begin.end() : end.start()]
                if inner.strip():
                    line = line[: begin.end()] + placeholder(inner) + line[end.start() :]
            out.append(line)
            continue
        if _PEM_END.search(line):
            indent = re.match(r"\s*", line)
            out.append(f"{indent.group(0) if indent else ''}{_body_placeholder(body)}")
            out.append(line)
            body = None
        else:
            body.append(line.strip())
    if body is not None:  # an unterminated block: mask it all the same
        out.append(placeholder("\n".join(body)))
    return out


def _body_placeholder(body: list[str]) -> str:
    """One placeholder for a block body (already one: kept, so masking twice is a no-op)."""
    if len(body) == 1 and MASKED_RE.fullmatch(body[0].strip()):
        return body[0].strip()
    return placeholder("\n".join(body))


_IOS_CERT = re.compile(r"^\s+certificate (?:ca |self-signed |rollover )?\S+\s*$")
_IOS_QUIT = re.compile(r"^\s*quit\s*$")


def _mask_ios_certificates(lines: list[str]) -> list[str]:
    """The hex body of each certificate of a ``crypto pki certificate chain``."""
    out: list[str] = []
    body: list[str] | None = None
    for line in lines:
        if body is not None:
            if _IOS_QUIT.match(line):
                out.append("  " + _body_placeholder(body))
                out.append(line)
                body = None
            else:
                body.append("".join(line.split()))
            continue
        out.append(line)
        if _IOS_CERT.match(line):
            body = []
    if body is not None:
        out.append("  " + placeholder("".join(body)))
    return out


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _mask_fortios(lines: list[str]) -> list[str]:
    out: list[str] = []
    sections: list[str] = []
    for raw in lines:
        line, stripped = raw, raw.strip()
        if stripped.startswith("config "):
            sections.append(stripped)
        elif stripped == "end" and sections:
            sections.pop()
        in_community = bool(sections) and sections[-1] == "config system snmp community"
        match = _FORTIOS_SET.match(line)
        encrypted = _FORTIOS_ENC.match(line)
        if encrypted and not MASKED_RE.search(line):
            # whatever the field, an ENC value is a secret FortiOS encrypted
            line = f"{encrypted.group('head')}ENC {FORTIOS_ENC_MARKER}"
        elif match and not MASKED_RE.search(match.group("value")):
            value = match.group("value")
            if match.group("enc"):
                line = f"{match.group('head')}ENC {FORTIOS_ENC_MARKER}"
            elif not value.startswith('"-----BEGIN'):
                line = f"{match.group('head')}{placeholder(_unquote(value))}"
        elif in_community:
            named = _FORTIOS_SNMP_NAME.match(line)
            if named and not MASKED_RE.search(named.group("value")):
                value = _unquote(named.group("value"))
                line = f'{named.group("head")}"{placeholder(value)}"'
        out.append(line)
    return out


def _mask_routeros(lines: list[str]) -> list[str]:
    out: list[str] = []
    community = False
    for raw in _join_continuations(lines):
        if raw.startswith("/"):
            community = raw.startswith("/snmp community")
        masked = _ROUTEROS_ATTR.sub(_routeros_replace, raw)
        if community:
            masked = _ROUTEROS_NAME_ATTR.sub(_routeros_replace, masked)
        out.append(masked)
    return out


def _routeros_replace(match: re.Match[str]) -> str:
    value = match.group("value")
    if MASKED_RE.search(value):
        return match.group(0)
    clear = _unquote(value).replace('\\"', '"').replace("\\\\", "\\")
    if not clear:
        return match.group(0)  # an empty password is no secret to hide (a check sees it)
    return f"{match.group('name')}={placeholder(clear)}"


def _join_continuations(lines: list[str]) -> list[str]:
    """RouterOS exports wrap long commands with a trailing backslash; join them."""
    out: list[str] = []
    pending = ""
    for line in lines:
        if line.endswith("\\") and not line.endswith("\\\\"):
            piece = line[:-1].strip() if pending else line[:-1].rstrip()
            pending += piece if piece.endswith("=") else piece + " "
            continue
        out.append(pending + line.lstrip() if pending else line)
        pending = ""
    if pending:
        out.append(pending.rstrip())
    return out


MaskFunction = Callable[[str, str], str]
