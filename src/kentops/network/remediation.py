"""What differs between a device's running and intended configuration, per feature, as the
lines that would fix it (remediation) and the lines that would undo that fix (rollback).

Cisco IOS, Huawei VRP and FortiOS go through hier_config 3 (``WorkflowRemediation``);
RouterOS has no hier_config platform and gets a small path-based comparison of its own
(:func:`_routeros_diff`, limits stated there).

Every line of a remediation belongs to one feature of :data:`FEATURE_RULES` (``aaa``,
``users``, ``ntp``, ``logging``, ``snmp``, ``mgmt-acl``, ``vlans``, ``interfaces``, ``banner``,
``content-filter``, ``nat-log``, ...), so drift and deploy can be limited to features. The
lines of all features are ordered so that what a line refers to exists before it: an ACL is
created before the vty line or SNMP group that binds it, and a whole object is removed only
after everything else (bindings are undone first).

Secrets: both sides are compared masked (``kentops.network.mask.mask_config``). Secret
references of the intended configuration (``{{ vault_NAME }}``,
``{{ lookup('ansible.builtin.env', 'NAME') }}``) are first replaced by their values from a
resolver, so the placeholders compare equal exactly when the device holds the intended
secret. A reference without a value cannot be compared: where the device holds a masked
value at that place the line is taken as present and listed in ``unverified``; it is never
silently a pass of the value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hier_config import (
    HConfig,
    HConfigChild,
    Platform,
    WorkflowRemediation,
    get_hconfig,
    get_hconfig_driver,
)
from hier_config.models import MatchRule, NegationDefaultWhenRule

from kentops.lab.vault import PLACEHOLDER_RE, reference_of
from kentops.network.mask import FORTIOS_ENC_MARKER, MASKED_RE, mask_config

#: A resolver of secret references (``vault:NAME`` / ``env:NAME``) to values, or None.
SecretLookup = Callable[[str], str | None]

#: Features in dependency order: a line of a feature may refer to objects of the features
#: before it (interfaces to VLANs, vty lines and SNMP groups to ACLs, policies to profiles).
FEATURES: tuple[str, ...] = (
    "system",
    "mgmt-acl",
    "vlans",
    "interfaces",
    "aaa",
    "users",
    "ntp",
    "logging",
    "snmp",
    "dhcp-snooping",
    "banner",
    "ssh",
    "content-filter",
    "firewall-policy",
    "nat-log",
    "vpn",
    "wireless",
    "other",
)
_RANK = {name: index for index, name in enumerate(FEATURES)}

#: Which lines belong to which feature, per platform: (feature, lineage) where the lineage
#: is one regular expression per level from the top (a rule matches a line whose top
#: levels match it, negation words left out). The first matching rule wins, so the more
#: specific rules come first. Lines no rule matches are feature ``other``.
FEATURE_RULES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "cisco_ios": (
        ("mgmt-acl", (r"^line vty\b", r"^access-class\b")),
        ("ssh", (r"^line\b",)),
        ("users", (r"^(username|enable (secret|password))\b",)),
        ("aaa", (r"^(aaa|radius|radius-server|tacacs|tacacs-server|ip (radius|tacacs))\b",)),
        ("ntp", (r"^(ntp|clock)\b",)),
        ("logging", (r"^logging\b",)),
        ("snmp", (r"^snmp-server\b",)),
        ("mgmt-acl", (r"^(ip access-list|access-list)\b",)),
        ("ssh", (r"^(ip ssh|ip http|login|transport)\b",)),
        ("banner", (r"^banner\b",)),
        ("vlans", (r"^vlan\b",)),
        ("dhcp-snooping", (r"^ip (dhcp snooping|arp inspection)\b",)),
        ("interfaces", (r"^interface\b",)),
        ("wireless", (r"^(wlan|wireless|ap|parameter-map|radius-server attribute)\b",)),
        (
            "system",
            (
                r"^(hostname|service|ip domain|ip name-server|spanning-tree|ip default-gateway"
                r"|lldp|cdp|version|ip routing|ip route|boot)\b",
            ),
        ),
    ),
    "huawei_vrp": (
        ("users", (r"^aaa$", r"^local-user\b")),
        ("aaa", (r"^(aaa|radius-server|hwtacacs-server)\b",)),
        ("mgmt-acl", (r"^user-interface vty\b", r"^acl\b")),
        ("ssh", (r"^user-interface\b",)),
        ("ssh", (r"^(stelnet|ssh|telnet|http|ftp)\b",)),
        ("ntp", (r"^(ntp-service|clock)\b",)),
        ("logging", (r"^info-center\b",)),
        ("snmp", (r"^snmp-agent\b",)),
        ("mgmt-acl", (r"^acl\b",)),
        ("banner", (r"^header\b",)),
        ("vlans", (r"^vlan\b",)),
        ("dhcp-snooping", (r"^(dhcp|arp)\b",)),
        ("interfaces", (r"^interface\b",)),
        ("system", (r"^(sysname|stp|dns|lldp|ip route-static)\b",)),
    ),
    "fortios": (
        ("users", (r"^config system admin$",)),
        ("aaa", (r"^config user (radius|tacacs\+|ldap|group)\b",)),
        ("ntp", (r"^config system ntp$",)),
        ("logging", (r"^config log\b",)),
        ("snmp", (r"^config system snmp\b",)),
        ("banner", (r"^config system replacemsg admin\b",)),
        ("content-filter", (r"^config (webfilter|dnsfilter|system dns-server)\b",)),
        (
            "content-filter",
            (r"^config firewall policy$", r"^edit\b", r"^(webfilter|dnsfilter|utm-status)\b"),
        ),
        ("nat-log", (r"^config firewall policy$", r"^edit\b", r"^logtraffic\b")),
        ("firewall-policy", (r"^config firewall\b",)),
        ("mgmt-acl", (r"^config system interface$", r"^edit\b", r"^allowaccess\b")),
        ("interfaces", (r"^config system interface$",)),
        ("ssh", (r"^config system global$", r"^admin")),
        ("vpn", (r"^config vpn\b",)),
        ("wireless", (r"^config wireless-controller\b",)),
        ("system", (r"^config (system|router)\b",)),
    ),
    "routeros": (
        ("users", (r"^/user$",)),
        ("aaa", (r"^/(user aaa|radius)\b",)),
        ("ntp", (r"^/system (ntp|clock)\b",)),
        ("logging", (r"^/system logging\b",)),
        ("snmp", (r"^/snmp\b",)),
        ("ssh", (r"^/ip (service|ssh)\b",)),
        ("banner", (r"^/system note\b",)),
        ("vlans", (r"^/interface vlan\b",)),
        ("interfaces", (r"^/(interface|ip address)\b",)),
        ("nat-log", (r"^/ip firewall nat\b",)),
        ("firewall-policy", (r"^/ip firewall\b",)),
        ("vpn", (r"^/ip ipsec\b",)),
        ("system", (r"^/(system|ip dns|ip neighbor|tool|ip dhcp)",)),
    ),
}

PLATFORMS: tuple[str, ...] = tuple(FEATURE_RULES)

_HIER_PLATFORMS = {
    "cisco_ios": Platform.CISCO_IOS,
    "huawei_vrp": Platform.HUAWEI_VRP,
    "fortios": Platform.FORTINET_FORTIOS,
}
_NEGATION = {"cisco_ios": "no ", "huawei_vrp": "undo ", "fortios": "unset "}
#: Physical interfaces cannot be deleted: their removal is a reset to defaults.
_PHYSICAL_IOS = (
    r"^interface (GigabitEthernet|TenGigabitEthernet|FastEthernet|TwentyFiveGigE"
    r"|FortyGigabitEthernet|HundredGigE|Ethernet)\S+$"
)

#: Secret references as the renderer writes them into intended configurations.
_REFERENCE_TEXT = PLACEHOLDER_RE
_UNRESOLVED = "kentops-unresolved-"
_FORTIOS_ENC = "FortiOS ENC value (not comparable)"


class UnsupportedPlatform(ValueError):
    """The platform has no remediation here; the message names the supported ones."""


@dataclass
class FeatureChange:
    """The remediation and rollback lines of one feature on one device."""

    feature: str
    remediation: list[str] = field(default_factory=list)
    rollback: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "remediation": self.remediation, "rollback": self.rollback}


@dataclass
class Remediation:
    """Per-feature difference of one device. Lines are masked unless computed on clear text."""

    platform: str
    changes: dict[str, FeatureChange] = field(default_factory=dict)
    #: Secret references whose value was not available: present on the device, not compared.
    unverified: list[str] = field(default_factory=list)
    #: Differences found that this module cannot write remediation lines for (drift).
    manual: list[str] = field(default_factory=list)
    #: What could not be compared at all (not drift, not a pass of it either).
    not_compared: list[str] = field(default_factory=list)

    @property
    def features(self) -> list[str]:
        return sorted(self.changes, key=_RANK.__getitem__)

    @property
    def clean(self) -> bool:
        return not self.changes and not self.manual

    def selected(self, features: Iterable[str] | None) -> Remediation:
        """Only ``features`` (all when None)."""
        if features is None:
            return self
        wanted = set(features)
        return Remediation(
            self.platform,
            {k: v for k, v in self.changes.items() if k in wanted},
            list(self.unverified),
            list(self.manual),
            list(self.not_compared),
        )

    def lines(self) -> list[str]:
        """Every remediation line, in an order a device accepts (see module doc)."""
        return _ordered(self, "remediation")

    def rollback_lines(self) -> list[str]:
        return _ordered(self, "rollback")

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "clean": self.clean,
            "features": [self.changes[f].as_dict() for f in self.features],
            "unverified": self.unverified,
            "manual": self.manual,
            "not_compared": self.not_compared,
        }


# ---------------------------------------------------------------- secrets


def resolve_references(text: str, lookup: SecretLookup | None) -> tuple[str, dict[str, str]]:
    """``text`` with each secret placeholder replaced by its value; placeholders without a
    value become a marker token. Returns the text and {marker: reference} of those."""
    unresolved: dict[str, str] = {}

    def value(match: re.Match[str]) -> str:
        reference = reference_of(match)
        found = lookup(reference) if lookup is not None else None
        if found is not None:
            return found
        marker = _UNRESOLVED + reference.replace(":", "-")
        unresolved[marker] = reference
        return marker

    return _REFERENCE_TEXT.sub(value, text), unresolved


def references_in(text: str) -> list[str]:
    return sorted({reference_of(m) for m in _REFERENCE_TEXT.finditer(text)})


def _masked_marker_map(resolved: str, masked: str, unresolved: dict[str, str]) -> dict[str, str]:
    """{placeholder token in ``masked``: reference} for the unresolved markers."""
    found: dict[str, str] = {}
    for clear_line, masked_line in _aligned(resolved, masked):
        for marker, reference in unresolved.items():
            if marker not in clear_line:
                continue
            for token, original in _token_pairs(clear_line, masked_line):
                if marker in original:
                    found[token] = reference
    return found


def _aligned(clear: str, masked: str) -> Iterable[tuple[str, str]]:
    """Pairs of lines (clear, masked) that correspond (masking may fold a PEM block)."""
    a, b = clear.split("\n"), masked.split("\n")
    if len(a) == len(b):
        yield from zip(a, b, strict=True)
        return
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            yield from zip(a[i1:i2], b[j1:j2], strict=True)


def _token_pairs(clear_line: str, masked_line: str) -> list[tuple[str, str]]:
    """(masked token, the clear text it replaced) for each token of ``masked_line``."""
    tokens = MASKED_RE.findall(masked_line)
    if not tokens:
        return []
    pieces = MASKED_RE.split(masked_line)
    pattern = "^" + "(.+?)".join(re.escape(p) for p in pieces) + "$"
    match = re.match(pattern, clear_line)
    if match is None:
        return []
    return list(zip(tokens, match.groups(), strict=True))


def secret_values(clear: str, platform: str) -> dict[str, str]:
    """{masked token: the clear text it stands for} of a configuration; tokens that stand
    for more than one value (FortiOS ENC) are left out. Used to push masked lines."""
    pairs: dict[str, set[str]] = {}
    masked = mask_config(clear, platform)
    for clear_line, masked_line in _aligned(clear, masked):
        for token, original in _token_pairs(clear_line, masked_line):
            pairs.setdefault(token, set()).add(original)
    return {token: next(iter(v)) for token, v in pairs.items() if len(v) == 1}


# ---------------------------------------------------------------- entry point


def remediate(
    running: str,
    intended: str,
    platform: str,
    *,
    secrets: SecretLookup | None = None,
    running_masked: bool = False,
) -> Remediation:
    """The per-feature remediation from ``running`` to ``intended`` (as rendered, with
    secret references). Lines come out masked. ``running_masked``: ``running`` comes from a
    backup, masked already (saves masking it again)."""
    if platform not in FEATURE_RULES:
        raise UnsupportedPlatform(
            f"no remediation for platform {platform!r}: supported are {', '.join(PLATFORMS)}"
        )
    resolved, unresolved = resolve_references(intended, secrets)
    have = running if running_masked else mask_config(running, platform)
    # First the cheap way: only the lines holding secrets masked. Masking rules may also
    # touch other lines (a cipher list looks like a secret to them), so when that differs
    # the whole intended configuration is masked the same way as the running one.
    want, unverified, missing = _comparable(
        _mask_secret_lines(intended, resolved, platform), have, resolved, unresolved, platform
    )
    if platform != "routeros" and _blocks(have, platform) == _blocks(want, platform):
        result = Remediation(platform)  # the same configuration, block for block
    else:
        masked_want = mask_config(resolved, platform)
        want, unverified, missing = _comparable(masked_want, have, resolved, unresolved, platform)
        if platform == "routeros":
            # Exports order a command's arguments their own way, so the line-wise adoption
            # above rarely finds its twin: a secret without a value matches any masked value
            # of the same item instead (present, not compared).
            unknown = set(_masked_marker_map(resolved, masked_want, unresolved))
            result = _routeros_diff(have, want, unknown)
        else:
            result = _hier_diff(have, want, platform)
    result.unverified = sorted(unverified | missing)
    return result


def _comparable(
    want: str, have: str, resolved: str, unresolved: dict[str, str], platform: str
) -> tuple[str, set[str], set[str]]:
    """The masked intended text with uncomparable secrets taken from the device where it
    holds a value there; what was taken so, and the references still without a value."""
    markers = _masked_marker_map(resolved, want, unresolved) if unresolved else {}
    if platform == "fortios":
        # FortiOS shows a stored secret only as a fresh ENC ciphertext: not comparable.
        for token in set(MASKED_RE.findall(want)) - set(markers) - {FORTIOS_ENC_MARKER}:
            markers[token] = _FORTIOS_ENC
    unverified: set[str] = set()
    if markers:
        want, unverified = _adopt_unverifiable(want, have, markers)
    missing = {ref for token, ref in markers.items() if token in want and ref != _FORTIOS_ENC}
    return want, unverified, missing


def _mask_secret_lines(intended: str, resolved: str, platform: str) -> str:
    """``resolved`` masked where the intended configuration holds a secret reference (the
    renderer writes secrets nowhere else); each such line is masked with its section
    headers around it, as a whole configuration would be."""
    original = intended.split("\n")
    lines = resolved.split("\n")
    if len(original) != len(lines):  # a value with a line break: mask it all
        return mask_config(resolved, platform)
    wanted: set[int] = set()
    stack: list[tuple[int, int]] = []
    for index, line in enumerate(original):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if _REFERENCE_TEXT.search(line):
            wanted.update(i for _d, i in stack)
            wanted.add(index)
        stack.append((indent, index))
    if not wanted:
        return resolved
    picked = sorted(wanted)
    masked = mask_config("\n".join(lines[i] for i in picked), platform).split("\n")
    if len(masked) != len(picked):
        return mask_config(resolved, platform)
    for index, text in zip(picked, masked, strict=True):
        lines[index] = text
    return "\n".join(lines)


_NOISE = re.compile(r"^(?:[!#]|end$|return$|Building configuration|Current configuration)")


def _blocks(text: str, platform: str) -> list[tuple[str, ...]]:
    """Top-level blocks (a line and the lines under it, in order), sorted: two
    configurations with the same blocks need no remediation."""
    blocks: list[tuple[str, ...]] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or _NOISE.match(stripped):
            if platform == "fortios" and stripped == "end" and line != stripped:
                current.append(stripped)
            continue
        if line[0] != " " and current:
            blocks.append(tuple(current))
            current = []
        current.append(line.rstrip())
    if current:
        blocks.append(tuple(current))
    return sorted(blocks)


def remediate_clear(
    running: str,
    intended: str,
    platform: str,
    *,
    secrets: SecretLookup | None = None,
) -> tuple[Remediation, dict[str, str]]:
    """Like :func:`remediate` on a clear running configuration (read live), and the map
    from masked tokens back to the clear values (of both sides) that a push needs."""
    result = remediate(running, intended, platform, secrets=secrets)
    resolved, _unresolved = resolve_references(intended, secrets)
    values = secret_values(running, platform)
    values.update(secret_values(resolved, platform))
    return result, values


def unmask_lines(lines: Sequence[str], values: dict[str, str]) -> tuple[list[str], list[str]]:
    """``lines`` with masked tokens replaced by their clear values, and the lines holding a
    token without a known value (which must not be pushed)."""
    out: list[str] = []
    unknown: list[str] = []
    for line in lines:
        tokens = MASKED_RE.findall(line)
        if not tokens:
            out.append(line)
            continue
        if any(t not in values for t in tokens):
            unknown.append(line)
            out.append(line)
            continue
        out.append(MASKED_RE.sub(lambda m: values[m.group(0)], line))
    return out, unknown


def _adopt_unverifiable(want: str, have: str, markers: dict[str, str]) -> tuple[str, set[str]]:
    """Where an intended line holds a secret that cannot be compared and the running
    configuration has the same line with a masked value at that place (same section), take
    the running line: present, not compared. ``markers``: {masked token: what it stands for}
    (a reference without a value matches any masked value; a FortiOS value matches only
    itself or an ``ENC`` ciphertext). Returns the new intended text and what was adopted."""
    have_paths: dict[tuple[str, ...], list[str]] = {}
    for path, line in _paths(have):
        have_paths.setdefault(path[:-1], []).append(line)
    adopted: set[str] = set()
    out: list[str] = []
    for path, line in _paths(want):
        tokens = [t for t in markers if t in line] if line.strip() else []
        if not tokens:
            out.append(line)
            continue
        pattern = re.escape(line.strip())
        for token in tokens:
            if markers[token] == _FORTIOS_ENC:
                choice = f"(?:{re.escape(token)}|ENC {re.escape(FORTIOS_ENC_MARKER)})"
            else:
                choice = "(?:ENC )?" + MASKED_RE.pattern
            pattern = pattern.replace(re.escape(token), choice)
        regex = re.compile("^" + pattern + "$")
        twin = next((c for c in have_paths.get(path[:-1], []) if regex.match(c.strip())), None)
        if twin is None:
            out.append(line)
            continue
        if twin.strip() != line.strip():
            adopted.update(markers[t] for t in tokens)
        out.append(line[: len(line) - len(line.lstrip())] + twin.strip())
    return "\n".join(out), adopted


def _paths(text: str) -> Iterable[tuple[tuple[str, ...], str]]:
    """Each line with the texts of its section headers (by indentation) and itself."""
    stack: list[tuple[int, str]] = []
    for line in text.split("\n"):
        if not line.strip():  # kept (a banner's empty line), under the current section
            yield tuple(t for _i, t in stack), line
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, line.strip()))
        yield tuple(t for _i, t in stack), line


# ---------------------------------------------------------------- hier_config platforms


@cache
def _driver(platform: str) -> Any:
    driver = get_hconfig_driver(_HIER_PLATFORMS[platform])
    if platform == "cisco_ios":
        driver.rules.negation_default_when.append(
            NegationDefaultWhenRule(match_rules=(MatchRule(re_search=_PHYSICAL_IOS),))
        )
    return driver


#: Lines left out of the comparison: what a management session itself changes (Netmiko turns
#: FortiOS paging off with ``config system console`` / ``set output standard``).
_IGNORED: dict[str, tuple[tuple[str, ...], ...]] = {
    "fortios": ((r"^config system console$", r"^set output\b"),),
}


def _parse(text: str, platform: str) -> HConfig:
    if platform == "fortios":
        # hier_config reads FortiOS by indentation; block ends come back from its rules.
        # Comment lines (``#config-version=...``, the template's header) are not configuration.
        text = "\n".join(
            ln
            for ln in text.split("\n")
            if ln.strip() not in ("next", "end") and not ln.startswith("#")
        )
    tree = get_hconfig(_driver(platform), text)
    for lineage in _IGNORED.get(platform, ()):
        for node in list(tree.all_children()):
            texts = [c.text for c in node.lineage()]
            if len(texts) == len(lineage) and all(
                re.search(p, t) for p, t in zip(lineage, texts, strict=True)
            ):
                parent = node.parent
                node.delete()
                if isinstance(parent, HConfigChild) and not parent.children:
                    parent.delete()
    return tree


def _hier_diff(have_text: str, want_text: str, platform: str) -> Remediation:
    have = _parse(have_text, platform)
    want = _parse(want_text, platform)
    workflow = WorkflowRemediation(have, want)
    result = Remediation(platform)
    for kind, tree in (
        ("remediation", workflow.remediation_config),
        ("rollback", workflow.rollback_config),
    ):
        for feature, block in _feature_blocks(tree, platform):
            change = result.changes.setdefault(feature, FeatureChange(feature))
            getattr(change, kind).extend(block)
    return result


def _without_negation(text: str, platform: str) -> str:
    prefix = _NEGATION.get(platform)
    if prefix and text.startswith(prefix):
        return text[len(prefix) :]
    if platform == "cisco_ios" and text.startswith("default "):
        return text[len("default ") :]
    return text


def _leaf_feature(lineage: Sequence[str], platform: str) -> str:
    texts = [_without_negation(t, platform) for t in lineage]
    if platform == "fortios":
        texts = [t.removeprefix("set ").removeprefix("unset ") for t in texts]
    for feature, rule in FEATURE_RULES[platform]:
        if len(rule) <= len(texts) and all(
            re.search(p, t) for p, t in zip(rule, texts, strict=False)
        ):
            return feature
    return "other"


def _feature_blocks(tree: HConfig, platform: str) -> list[tuple[str, list[str]]]:
    """The remediation tree cut into (feature, lines) blocks, top-level sections first in
    dependency order, removals of whole top-level objects last in reverse order."""
    blocks: list[tuple[int, int, str, list[str]]] = []
    for position, top in enumerate(sorted(tree.children)):
        per_feature: dict[str, list[HConfigChild]] = {}
        for leaf in _leaves(top):
            lineage = [c.text for c in leaf.lineage()]
            per_feature.setdefault(_leaf_feature(lineage, platform), []).append(leaf)
        removal = not top.children and top.text != _without_negation(top.text, platform)
        for feature, leaves in per_feature.items():
            lines = _render_subset(top, {id(leaf) for leaf in leaves}, platform)
            rank = _RANK[feature]
            order = (1, -rank) if removal else (0, rank)
            blocks.append((order[0], order[1] * 10_000 + position, feature, lines))
    blocks.sort(key=lambda b: (b[0], b[1]))
    return [(feature, lines) for _a, _b, feature, lines in blocks]


def _leaves(node: HConfigChild) -> list[HConfigChild]:
    if not node.children:
        return [node]
    return [leaf for child in node.children for leaf in _leaves(child)]


def _render_subset(node: HConfigChild, keep: set[int], platform: str, depth: int = 0) -> list[str]:
    """``node`` and those of its descendants that lead to a kept leaf, with section exits."""
    if not node.children:
        return [_indent(depth, _leaf_text(node, platform))] if id(node) in keep else []
    body: list[str] = []
    for child in sorted(node.children):
        body.extend(_render_subset(child, keep, platform, depth + 1))
    if not body:
        return []
    lines = [_indent(depth, node.text), *_dedupe(body)]
    exit_text = node.sectional_exit
    if exit_text and platform == "fortios":
        lines.append(_indent(depth, exit_text))
    return lines


def _leaf_text(node: HConfigChild, platform: str) -> str:
    text = node.text
    if platform == "huawei_vrp" and node.parent is not node.root:
        # ``undo local-user NAME`` removes the account with all its lines.
        parent_text = getattr(node.parent, "text", "")
        user = re.match(r"^undo local-user (\S+) ", text)
        if parent_text == "aaa" and user:
            return f"undo local-user {user.group(1)}"
    return text


def _dedupe(lines: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for line in lines:
        if line in seen:
            continue
        seen.add(line)
        out.append(line)
    return out


def _indent(depth: int, text: str) -> str:
    return " " * depth + text


def _ordered(result: Remediation, kind: str) -> list[str]:
    """Lines of every feature: additions by feature rank, removals of whole objects last."""
    additions: list[tuple[int, list[str]]] = []
    removals: list[tuple[int, list[str]]] = []
    for feature in result.features:
        lines: list[str] = getattr(result.changes[feature], kind)
        rank = _RANK[feature]
        for block in _split_blocks(lines):
            head = block[0]
            is_removal = len(block) == 1 and head != _without_negation(head, result.platform)
            if result.platform == "routeros":
                is_removal = " remove " in f" {head} "
            (removals if is_removal else additions).append((rank, block))
    additions.sort(key=lambda item: item[0])
    removals.sort(key=lambda item: -item[0])
    if result.platform == "cisco_ios":
        # ``username NAME ...`` replaces the account's line; ``no username NAME`` after it
        # would delete the account.
        named = {m.group(1) for _r, b in additions if (m := re.match(r"^username (\S+) ", b[0]))}
        removals = [
            (r, b)
            for r, b in removals
            if not ((m := re.match(r"^no username (\S+) ", b[0])) and m.group(1) in named)
        ]
    return [line for _rank, block in additions + removals for line in block]


def _split_blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in lines:
        if not line.startswith(" ") or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    return blocks


# ---------------------------------------------------------------- RouterOS

#: Menus whose items are an ordered list: an item in the wrong place changes behaviour.
ROUTEROS_ORDERED = (
    "/ip firewall filter",
    "/ip firewall nat",
    "/ip firewall mangle",
    "/ip firewall raw",
    "/ip ipsec policy",
)
#: Values RouterOS's export leaves out because they are the defaults.
ROUTEROS_DEFAULTS: dict[str, dict[str, str]] = {
    "/interface bridge": {"protocol-mode": "rstp"},
    "/ip dhcp-client": {
        "add-default-route": "yes",
        "use-peer-dns": "yes",
        "use-peer-ntp": "yes",
        "default-route-distance": "1",
    },
    "/ip dns": {"allow-remote-requests": "no"},
    "/ip neighbor discovery-settings": {"discover-interface-list": "!dynamic"},
}
#: Values the device derives and shows although nobody set them.
ROUTEROS_DERIVED: dict[str, frozenset[str]] = {"/ip address": frozenset({"network"})}
#: Built-in items whose untouched values an export leaves out (``set ssh port=22``).
ROUTEROS_BUILTIN_DEFAULTS: dict[str, dict[str, dict[str, str]]] = {
    "/ip service": {
        name: {"port": port, "disabled": "no"}
        for name, port in (
            ("telnet", "23"),
            ("ftp", "21"),
            ("www", "80"),
            ("ssh", "22"),
            ("www-ssl", "443"),
            ("api", "8728"),
            ("winbox", "8291"),
            ("api-ssl", "8729"),
        )
    },
}
#: Menus an export never shows: their intended state cannot be compared from a backup.
ROUTEROS_NOT_EXPORTED = ("/user",)
_ROS_TOKEN = re.compile(r'\[[^\]]*\]|[^\s"=]+="(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*"|\S+')


@dataclass
class _RosMenu:
    settings: dict[str, str] = field(default_factory=dict)  # ``set k=v`` of the menu
    named: dict[str, dict[str, str]] = field(default_factory=dict)  # ``set SELECTOR k=v``
    items: list[dict[str, str]] = field(default_factory=list)  # ``add k=v``
    removed: list[str] = field(default_factory=list)  # ``remove SELECTOR`` (intended only)


_ROS_BYTES = re.compile(r"(?:\\[0-9A-F]{2})+")


def _ros_unquote(value: str) -> str:
    """The value as typed: quotes off, ``\\"`` unescaped, ``\\C4\\B0`` bytes decoded."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"')

    def decoded(match: re.Match[str]) -> str:
        raw = bytes.fromhex(match.group(0).replace("\\", ""))
        return raw.decode("utf-8", errors="replace")

    return _ROS_BYTES.sub(decoded, value)


def _ros_selector(token: str) -> str:
    """``[find default=yes]`` and ``[ find default=yes ]`` are the same selector."""
    if token.startswith("[") and token.endswith("]"):
        return "[ " + " ".join(token[1:-1].split()) + " ]"
    return token


def _ros_quote(value: str) -> str:
    if value == "" or re.search(r'[\s"\\;$\[\]]', value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _ros_parse(text: str) -> dict[str, _RosMenu]:
    menus: dict[str, _RosMenu] = {}
    path = "/"
    joined: list[str] = []
    for raw in text.split("\n"):
        line = raw.rstrip()
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1].rstrip() + " " + line.strip()
        else:
            joined.append(line)
    for raw in joined:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("/"):
            words = line.split()
            verbs = [i for i, w in enumerate(words) if w in ("set", "add", "remove")]
            if not verbs:
                path = line
                continue
            path = " ".join(words[: verbs[0]])
            line = " ".join(words[verbs[0] :])
        menu = menus.setdefault(path, _RosMenu())
        tokens = _ROS_TOKEN.findall(line)
        verb, args = tokens[0], tokens[1:]
        props = {}
        selector = None
        for token in args:
            if "=" in token and not token.startswith("["):
                key, value = token.split("=", 1)
                props[key] = _ros_unquote(value)
            else:
                selector = _ros_selector(token)
        defaults = ROUTEROS_DEFAULTS.get(path, {})
        props = {
            k: v
            for k, v in props.items()
            if defaults.get(k) != v and not (k == "disabled" and v == "no")
        }
        if verb == "set" and selector is None:
            menu.settings.update(props)
        elif verb == "set":
            menu.named.setdefault(selector or "", {}).update(props)
        elif verb == "add":
            menu.items.append(props)
        elif verb == "remove" and selector:
            menu.removed.append(selector)
    return menus


def _ros_props(props: dict[str, str]) -> str:
    return " ".join(f"{k}={_ros_quote(v)}" for k, v in props.items())


def _ros_same(
    have: dict[str, str],
    want: dict[str, str],
    path: str = "",
    unknown: frozenset[str] | set[str] = frozenset(),
) -> bool:
    """Equal items; a secret the export hides (absent on the device) is not compared, nor a
    value the device derives when none is intended, nor a secret whose intended value is
    unknown here (``unknown``: its masked tokens) against any masked value on the device."""
    keys = set(have) | set(want)
    derived = ROUTEROS_DERIVED.get(path, frozenset())
    for key in keys:
        if key in want and key not in have and MASKED_RE.fullmatch(want[key]):
            continue
        if want.get(key) in unknown and MASKED_RE.fullmatch(have.get(key, "")):
            continue
        if key in have and key not in want and key in derived:
            continue
        if have.get(key) != want.get(key):
            return False
    return True


def _ros_find(props: dict[str, str]) -> str:
    identity = {k: v for k, v in props.items() if not MASKED_RE.fullmatch(v)}
    if "name" in identity:
        identity = {"name": identity["name"]}
    return "[ find " + " ".join(f"{k}={_ros_quote(v)}" for k, v in identity.items()) + " ]"


def _routeros_diff(
    have_text: str, want_text: str, unknown: frozenset[str] | set[str] = frozenset()
) -> Remediation:
    """Menu by menu: settings and named items (``set``) compared value by value; list items
    (``add``) compared as sets, missing ones added and extra ones removed by ``find``.

    Not supported, and reported in ``manual`` instead: ordered menus
    (:data:`ROUTEROS_ORDERED`) whose items differ, since an ``add`` lands at the end and
    would change the meaning of the list; menus the export never shows (``/user``)."""
    have, want = _ros_parse(have_text), _ros_parse(want_text)
    result = Remediation("routeros")

    def add(path: str, forward: str, backward: str | None) -> None:
        feature = _leaf_feature([path], "routeros")
        change = result.changes.setdefault(feature, FeatureChange(feature))
        change.remediation.append(f"{path} {forward}")
        if backward is not None:
            change.rollback.append(f"{path} {backward}")

    for path, target in want.items():
        if path in ROUTEROS_NOT_EXPORTED:
            result.not_compared.append(f"{path}: RouterOS does not export it")
            continue
        current = have.get(path, _RosMenu())
        changed = {k: v for k, v in target.settings.items() if current.settings.get(k) != v}
        changed = {
            k: v
            for k, v in changed.items()
            if not (MASKED_RE.fullmatch(v) and k not in current.settings)
            and not (v in unknown and MASKED_RE.fullmatch(current.settings.get(k, "")))
        }
        if changed:
            old = {k: current.settings.get(k, "") for k in changed}
            add(path, f"set {_ros_props(changed)}", f"set {_ros_props(old)}")
        for selector, props in target.named.items():
            builtin = ROUTEROS_BUILTIN_DEFAULTS.get(path, {}).get(selector, {})
            now = {**builtin, **current.named.get(selector, {})}
            diff = {
                k: v
                for k, v in props.items()
                if now.get(k) != v and not (v in unknown and MASKED_RE.fullmatch(now.get(k, "")))
            }
            if diff:
                old = {k: now.get(k, "") for k in diff}
                add(path, f"set {selector} {_ros_props(diff)}", f"set {selector} {_ros_props(old)}")
        missing = [
            w
            for w in target.items
            if not any(_ros_same(h, w, path, unknown) for h in current.items)
        ]
        extra = [
            h
            for h in current.items
            if not any(_ros_same(h, w, path, unknown) for w in target.items)
        ]
        if (missing or extra) and path in ROUTEROS_ORDERED:
            result.manual.append(
                f"{path}: {len(missing)} item(s) missing, {len(extra)} not intended; an ordered "
                "list: fix by hand (an added rule would land at the end)"
            )
            continue
        for props in missing:
            add(path, f"add {_ros_props(props)}", f"remove {_ros_find(props)}")
        for props in extra:
            add(path, f"remove {_ros_find(props)}", f"add {_ros_props(props)}")
    for path, current in have.items():
        if path in want or path in ROUTEROS_NOT_EXPORTED:
            continue
        for props in current.items:
            add(path, f"remove {_ros_find(props)}", f"add {_ros_props(props)}")
    return result
