"""Jinja filters of kentops' templates, one module for both engines.

Ansible loads this file as a filter plugin (``filter_plugins = filter_plugins`` in ansible.cfg,
class ``FilterModule``); kentops' renderer loads the same file by path
(``kentops.render.filters``). Nothing here imports kentops or Ansible: standard library only,
so the two engines render byte-identical output.

Filters: address math (``netmask``, ``wildcard``, ``network``, ``prefixlen``, ``host_at``,
``with_prefix``, ``ip_only``), VLAN lists (``vlan_ranges``, ``vrp_vlan_ranges``), ACL and
firewall helpers (``ios_ace``, ``vrp_rule``, ``ios_addr``, ``vrp_addr``, ``fortios_subnet``,
``port_list``, ``routeros_rule``), names and text (``safe_name``, ``ascii_text``, ``mac_plain``,
``json_value``, ``ini_value``) and secret references (``secret``).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

# ---------------------------------------------------------------------------- addresses


def _net(value: Any) -> IPv4Network:
    return IPv4Network(str(value), strict=False)


def netmask(value: Any) -> str:
    """10.10.20.0/24 -> 255.255.255.0"""
    return str(_net(value).netmask)


def wildcard(value: Any) -> str:
    """10.10.20.0/24 -> 0.0.0.255 (Cisco and Huawei ACLs)"""
    return str(_net(value).hostmask)


def network(value: Any) -> str:
    """10.10.20.7/24 -> 10.10.20.0"""
    return str(_net(value).network_address)


def prefixlen(value: Any) -> int:
    return _net(value).prefixlen


def host_at(value: Any, index: int) -> str:
    """The index-th address of a subnet; negative counts back from the broadcast address."""
    net = _net(value)
    address = net.network_address + index if index >= 0 else net.broadcast_address + index
    if address not in net:
        raise ValueError(f"{net} has no host number {index}")
    return str(address)


def with_prefix(address: Any, subnet: Any) -> str:
    """10.10.20.2 and 10.10.20.0/24 -> 10.10.20.2/24"""
    return f"{IPv4Address(str(address))}/{_net(subnet).prefixlen}"


def ip_only(value: Any) -> str:
    """195.175.10.10/30 -> 195.175.10.10"""
    return str(IPv4Interface(str(value)).ip)


def fortios_subnet(value: Any) -> str:
    """10.10.20.0/24 -> '10.10.20.0 255.255.255.0' (FortiOS address and interface form)"""
    net = _net(value)
    return f"{net.network_address} {net.netmask}"


def fortios_interface(address: Any, subnet: Any) -> str:
    """An interface address in FortiOS form: '10.10.20.254 255.255.255.0'."""
    return f"{IPv4Address(str(address))} {_net(subnet).netmask}"


def quoted(values: Iterable[Any]) -> str:
    """['port3', 'port4'] -> '"port3" "port4"' (FortiOS lists)"""
    return " ".join(f'"{v}"' for v in values)


def ios_addr(value: Any) -> str:
    """ACL address in IOS form: any, host A, or network wildcard."""
    net = _net(value)
    if net.prefixlen == 0:
        return "any"
    if net.prefixlen == 32:
        return f"host {net.network_address}"
    return f"{net.network_address} {net.hostmask}"


def vrp_addr(value: Any) -> str:
    """ACL address in VRP form: any, A 0, or network wildcard."""
    net = _net(value)
    if net.prefixlen == 0:
        return "any"
    return f"{net.network_address} {net.hostmask}"


# ---------------------------------------------------------------------------- VLANs, ports


def _runs(numbers: Iterable[Any]) -> list[tuple[int, int]]:
    values = sorted({int(n) for n in numbers})
    runs: list[tuple[int, int]] = []
    for n in values:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def vlan_ranges(numbers: Iterable[Any]) -> str:
    """[10, 20, 30, 31, 32] -> '10,20,30-32' (IOS)"""
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in _runs(numbers))


def vrp_vlan_ranges(numbers: Iterable[Any]) -> str:
    """[10, 20, 30, 31, 32] -> '10 20 30 to 32' (VRP)"""
    return " ".join(str(a) if a == b else f"{a} to {b}" for a, b in _runs(numbers))


def port_list(ranges: Iterable[Iterable[Any]], sep: str = ",") -> str:
    """[[443, 443], [10000, 20000]] -> '443,10000-20000' (RouterOS, FortiOS with sep=' ')"""
    parts = []
    for pair in ranges:
        low, high = (int(x) for x in pair)
        parts.append(str(low) if low == high else f"{low}-{high}")
    return sep.join(parts)


# ---------------------------------------------------------------------------- ACL rules
# A rule is a mapping: action (permit|deny), protocol (ip|tcp|udp|icmp), src and dst (one
# prefix each; 0.0.0.0/0 is any), sport/dport ([low, high] or None), established (bool),
# icmp (echo|echo-reply|None) and log (bool).


def _ios_ports(ports: Any) -> str:
    if not ports:
        return ""
    low, high = int(ports[0]), int(ports[1])
    return f" eq {low}" if low == high else f" range {low} {high}"


def ios_ace(rule: Mapping[str, Any]) -> str:
    """One IOS extended ACL entry."""
    text = f"{rule['action']} {rule['protocol']} {ios_addr(rule['src'])}"
    text += _ios_ports(rule.get("sport"))
    text += f" {ios_addr(rule['dst'])}"
    text += _ios_ports(rule.get("dport"))
    if rule.get("icmp"):
        text += f" {rule['icmp']}"
    if rule.get("established"):
        text += " established"
    if rule.get("log"):
        text += " log"
    return text


def _vrp_ports(kind: str, ports: Any) -> str:
    if not ports:
        return ""
    low, high = int(ports[0]), int(ports[1])
    if low == high:
        return f" {kind}-port eq {low}"
    return f" {kind}-port range {low} {high}"


def vrp_rule(rule: Mapping[str, Any], number: int) -> str:
    """One VRP advanced ACL rule, with its number."""
    text = f"rule {number} {rule['action']} {rule['protocol']}"
    src, dst = _net(rule["src"]), _net(rule["dst"])
    if src.prefixlen:
        text += f" source {vrp_addr(src)}"
    text += _vrp_ports("source", rule.get("sport"))
    if dst.prefixlen:
        text += f" destination {vrp_addr(dst)}"
    text += _vrp_ports("destination", rule.get("dport"))
    if rule.get("icmp"):
        text += f" icmp-type {rule['icmp']}"
    if rule.get("established"):
        text += " tcp-flag established"
    if rule.get("log"):
        text += " logging"
    return text


def routeros_rule(rule: Mapping[str, Any]) -> str:
    """The arguments of one RouterOS '/ip firewall filter add' line."""
    parts = [f"chain={rule['chain']}", f"action={rule['action']}"]
    for key in (
        "connection_state",
        "protocol",
        "src_address_list",
        "dst_address_list",
        "in_interface",
        "out_interface",
        "in_interface_list",
    ):
        value = rule.get(key)
        if value:
            parts.append(f"{key.replace('_', '-')}={value}")
    if rule.get("dst_ports"):
        parts.append(f"dst-port={port_list(rule['dst_ports'])}")
    if rule.get("icmp"):
        parts.append(f"icmp-options={rule['icmp']}")
    if rule.get("log"):
        parts.append("log=yes")
        parts.append(f'log-prefix="{rule.get("log_prefix") or "kentops"}"')
    if rule.get("comment"):
        parts.append(f'comment="{ascii_text(rule["comment"])}"')
    return " ".join(parts)


# ---------------------------------------------------------------------------- text and names

_TURKISH = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")


def ascii_text(value: Any) -> str:
    """Turkish and other accented letters folded to ASCII; quotes and controls removed."""
    text = str(value).translate(_TURKISH)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[\"'\x00-\x1f\x7f]", "", text)


def safe_name(value: Any, upper: bool = False, max_length: int = 31) -> str:
    """An identifier for device configs: ASCII letters, digits, '-' and '_' only."""
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text(value)).strip("-")
    text = text[:max_length].rstrip("-")
    return text.upper() if upper else text


def mac_plain(value: Any) -> str:
    """c0:56:e3:1c:6b:f9 -> c056e31c6bf9 (Yealink provisioning file names)"""
    return re.sub(r"[^0-9a-f]", "", str(value).lower())


def json_value(value: Any) -> str:
    """A JSON literal (Kea configuration); UTF-8 kept as it is."""
    return json.dumps(value, ensure_ascii=False)


_CLI_BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029^?]+")


def cli_line(value: Any, quoted: bool = False) -> str:
    """IOS/VRP CLI text: no line breaks or controls, no '^' (the IOS banner delimiter) or
    '?' (context help when a line is typed in); ``quoted`` also drops '"' for "..." args."""
    text = _CLI_BREAKERS.sub(" ", str(value))
    if quoted:
        text = text.replace('"', "")
    return re.sub(r" {2,}", " ", text).strip()


def fortios_string(value: Any) -> str:
    """A FortiOS double-quoted string: one line, backslash and quote escaped."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029?]+", " ", str(value)).strip()
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def routeros_string(value: Any) -> str:
    """A RouterOS script string: one line; backslash, quote, '$' and '?' escaped."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", str(value)).strip()
    for char in ("\\", '"', "$", "?"):
        text = text.replace(char, "\\" + char)
    return '"' + text + '"'


def ini_value(value: Any) -> str:
    """A value for Asterisk/Yealink key=value files: one line, no separators that break it."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029;]+", " ", str(value)).strip()


# ---------------------------------------------------------------------------- secrets

_REFERENCE = re.compile(r"^(vault|env):([A-Za-z_][A-Za-z0-9_]*(?:\{extension\}[A-Za-z0-9_]*)?)$")


def secret(
    reference: Any,
    resolve_env: bool = False,
    variant: Any = None,
    extension: Any = None,
) -> str:
    """Turn a secret reference into what a rendered file may hold: never the vault's value.

    * ``vault:NAME`` -> ``{{ vault_NAME }}``: an Ansible-vault variable the deploy step fills in.
    * ``env:NAME`` -> ``{{ lookup('ansible.builtin.env', 'NAME') }}`` (filled in at deploy
      time); with ``resolve_env`` the variable's value when it is set.

    ``variant`` appends ``_<variant>`` to the name (one hash per platform format);
    ``extension`` fills ``{extension}`` (one SIP password per extension).
    """
    match = _REFERENCE.match(str(reference))
    if match is None:
        raise ValueError(f"not a secret reference (vault:NAME or env:NAME): {reference!r}")
    kind, name = match.groups()
    if "{extension}" in name:
        if extension is None:
            raise ValueError(f"{reference} needs an extension")
        name = name.replace("{extension}", str(extension))
    if variant:
        name = f"{name}_{safe_name(variant).replace('-', '_')}"
    if kind == "vault":
        return "{{ vault_" + name + " }}"
    if resolve_env and name in os.environ:
        value = os.environ[name]
        if re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", value):
            # never echo the value: the name is enough to find it
            raise ValueError(f"environment variable {name} holds a line break or control character")
        return value
    return "{{ lookup('ansible.builtin.env', '" + name + "') }}"


FILTERS: dict[str, Callable[..., Any]] = {
    "netmask": netmask,
    "wildcard": wildcard,
    "network": network,
    "prefixlen": prefixlen,
    "host_at": host_at,
    "with_prefix": with_prefix,
    "ip_only": ip_only,
    "fortios_subnet": fortios_subnet,
    "fortios_interface": fortios_interface,
    "quoted": quoted,
    "ios_addr": ios_addr,
    "vrp_addr": vrp_addr,
    "vlan_ranges": vlan_ranges,
    "vrp_vlan_ranges": vrp_vlan_ranges,
    "port_list": port_list,
    "ios_ace": ios_ace,
    "vrp_rule": vrp_rule,
    "routeros_rule": routeros_rule,
    "ascii_text": ascii_text,
    "safe_name": safe_name,
    "mac_plain": mac_plain,
    "json_value": json_value,
    "ini_value": ini_value,
    "cli_line": cli_line,
    "fortios_string": fortios_string,
    "routeros_string": routeros_string,
    "secret": secret,
}


class FilterModule:
    """Ansible's entry point: the same filters under the same names."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return dict(FILTERS)
