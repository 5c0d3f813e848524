"""Read rendered configurations back into filters: IOS and VRP ACLs, FortiOS, RouterOS.

The parsers read the text the templates produced, never the policy, so whatever a template
(or a hand edit) did to a rule is what gets checked.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from kentops.policycheck.rules import ALL_PORTS, ANY_RANGE, Range, Rule, net_range

_PORT_NAMES = {
    "bootpc": 68,
    "bootps": 67,
    "www": 80,
    "domain": 53,
    "ntp": 123,
    "snmp": 161,
    "telnet": 23,
    "ssh": 22,
    "smtp": 25,
    "https": 443,
}


class ParseError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def _port(token: str) -> int:
    return _PORT_NAMES[token] if token in _PORT_NAMES else int(token)


def _wildcard_range(address: str, wildcard: str) -> Range:
    base = int(IPv4Address(address))
    mask = 0 if wildcard == "0" else int(IPv4Address(wildcard))
    return base & ~mask & 0xFFFFFFFF, (base & ~mask & 0xFFFFFFFF) | mask


# ---------------------------------------------------------------------------- Cisco IOS


def _parse_acl_device(
    text: str,
    comment: str,
    acl_header: Callable[[list[str]], str | None],
    inbound_acl: Callable[[list[str]], str | None],
    ace: Callable[[str, int, str], Rule | None],
) -> AclDevice:
    """Interfaces (addresses, inbound ACL) and ACLs of an indented IOS-like configuration.

    ``acl_header`` names the ACL a top-level line opens, ``inbound_acl`` the ACL an interface
    line applies inbound, ``ace`` reads one entry line of an ACL (None: not an entry).
    """
    device = AclDevice()
    section: tuple[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith(comment):
            continue
        words = raw.split()
        if not raw.startswith(" "):
            if words[0] == "interface":
                device.interfaces.setdefault(words[1], Interface(words[1]))
                section = ("interface", words[1])
            elif (acl := acl_header(words)) is not None:
                device.acls.setdefault(acl, [])
                section = ("acl", acl)
            else:
                section = None
            continue
        if section is None:
            continue
        kind, name = section
        if kind == "interface":
            if words[:2] == ["ip", "address"] and len(words) >= 4:
                iface = IPv4Interface(f"{words[2]}/{words[3]}")
                device.interfaces[name].networks.append(iface.network)
            elif (applied := inbound_acl(words)) is not None:
                device.interfaces[name].acl_in = applied
        elif kind == "acl":
            rule = ace(raw.strip(), number, name)
            if rule is not None:
                device.acls[name].append(rule)
    return device


@dataclass
class Interface:
    name: str
    networks: list[IPv4Network] = field(default_factory=list)
    acl_in: str | None = None


@dataclass
class AclDevice:
    """A routed switch: interfaces with addresses and their inbound ACLs."""

    interfaces: dict[str, Interface] = field(default_factory=dict)
    acls: dict[str, list[Rule]] = field(default_factory=dict)


def _ios_address(tokens: list[str], i: int) -> tuple[Range, int]:
    if tokens[i] == "any":
        return ANY_RANGE, i + 1
    if tokens[i] == "host":
        value = int(IPv4Address(tokens[i + 1]))
        return (value, value), i + 2
    return _wildcard_range(tokens[i], tokens[i + 1]), i + 2


def _ios_ports(tokens: list[str], i: int) -> tuple[list[Range] | None, int]:
    if i >= len(tokens):
        return None, i
    op = tokens[i]
    if op == "eq":
        ports = []
        j = i + 1
        while j < len(tokens) and (tokens[j].isdigit() or tokens[j] in _PORT_NAMES):
            ports.append((_port(tokens[j]), _port(tokens[j])))
            j += 1
        return ports, j
    if op == "range":
        return [(_port(tokens[i + 1]), _port(tokens[i + 2]))], i + 3
    if op == "gt":
        return [(_port(tokens[i + 1]) + 1, 65535)], i + 2
    if op == "lt":
        return [(0, _port(tokens[i + 1]) - 1)], i + 2
    if op == "neq":
        port = _port(tokens[i + 1])
        return [(0, port - 1), (port + 1, 65535)], i + 2
    return None, i


def _ace_rule(
    action: str,
    protocol: str,
    src: Range,
    dst: Range,
    dports: list[Range] | None,
    sports: list[Range] | None,
    established: bool,
    icmp: frozenset[str] | None,
    line: int,
    text: str,
    name: str,
) -> Rule:
    """The rule of one IOS or VRP ACL entry: one protocol ('ip' for any), one source and one
    destination range."""
    return Rule(
        action=action,
        protocols=None if protocol == "ip" else frozenset({protocol}),
        src=[src],
        dst=[dst],
        dports=dports,
        sports=sports,
        established=established,
        icmp_types=icmp,
        line=line,
        text=text.strip(),
        name=name,
    )


def parse_ios_ace(text: str, line: int, name: str) -> Rule:
    tokens = text.split()
    if tokens and tokens[0].isdigit():
        tokens = tokens[1:]
    if len(tokens) < 4 or tokens[0] not in ("permit", "deny"):
        raise ParseError(line, f"not an ACL entry: {text!r}")
    action, protocol = tokens[0], tokens[1]
    src, i = _ios_address(tokens, 2)
    sports, i = _ios_ports(tokens, i) if protocol in ("tcp", "udp") else (None, i)
    dst, i = _ios_address(tokens, i)
    dports, i = _ios_ports(tokens, i) if protocol in ("tcp", "udp") else (None, i)
    rest = tokens[i:]
    icmp = None
    if protocol == "icmp":
        kinds = [t for t in rest if t in ("echo", "echo-reply")]
        icmp = frozenset(kinds) if kinds else None
    return _ace_rule(
        action, protocol, src, dst, dports, sports, "established" in rest, icmp, line, text, name
    )


def _ios_acl_header(words: list[str]) -> str | None:
    return words[3] if words[:3] == ["ip", "access-list", "extended"] else None


def _ios_inbound_acl(words: list[str]) -> str | None:
    return words[2] if words[:2] == ["ip", "access-group"] and words[-1] == "in" else None


def _ios_ace(line: str, number: int, name: str) -> Rule | None:
    return None if line.startswith("remark") else parse_ios_ace(line, number, name)


def parse_ios(text: str) -> AclDevice:
    return _parse_acl_device(text, "!", _ios_acl_header, _ios_inbound_acl, _ios_ace)


# ---------------------------------------------------------------------------- Huawei VRP


def _vrp_ports(tokens: list[str], i: int) -> tuple[list[Range] | None, int]:
    if tokens[i] == "eq":
        return [(_port(tokens[i + 1]), _port(tokens[i + 1]))], i + 2
    if tokens[i] == "range":
        return [(_port(tokens[i + 1]), _port(tokens[i + 2]))], i + 3
    if tokens[i] == "gt":
        return [(_port(tokens[i + 1]) + 1, 65535)], i + 2
    if tokens[i] == "lt":
        return [(0, _port(tokens[i + 1]) - 1)], i + 2
    raise ParseError(0, f"unknown port operator {tokens[i]!r}")


def parse_vrp_rule(text: str, line: int, name: str) -> Rule:
    tokens = text.split()
    if len(tokens) < 3 or tokens[0] != "rule":
        raise ParseError(line, f"not an ACL rule: {text!r}")
    i = 1
    if tokens[i].isdigit():
        i += 1
    action = tokens[i]
    protocol = tokens[i + 1] if i + 1 < len(tokens) else "ip"
    i += 2
    src = dst = ANY_RANGE
    sports = dports = None
    icmp = None
    established = False
    while i < len(tokens):
        word = tokens[i]
        if word == "source":
            src = _wildcard_range(tokens[i + 1], tokens[i + 2])
            i += 3
        elif word == "destination":
            dst = _wildcard_range(tokens[i + 1], tokens[i + 2])
            i += 3
        elif word == "source-port":
            sports, i = _vrp_ports(tokens, i + 1)
        elif word == "destination-port":
            dports, i = _vrp_ports(tokens, i + 1)
        elif word == "icmp-type":
            icmp = frozenset({tokens[i + 1]})
            i += 2
        elif word == "tcp-flag":
            established = tokens[i + 1] in ("established", "ack")
            i += 2
        else:
            i += 1  # logging, time-range, ...
    return _ace_rule(
        action, protocol, src, dst, dports, sports, established, icmp, line, text, name
    )


def _vrp_acl_header(words: list[str]) -> str | None:
    return words[2] if words[:2] == ["acl", "name"] and words[-1] == "advance" else None


def _vrp_inbound_acl(words: list[str]) -> str | None:
    if words[:2] == ["traffic-filter", "inbound"] and "name" in words:
        return words[words.index("name") + 1]
    return None


def _vrp_ace(line: str, number: int, name: str) -> Rule | None:
    return parse_vrp_rule(line, number, name) if line.split(maxsplit=1)[0] == "rule" else None


def parse_vrp(text: str) -> AclDevice:
    return _parse_acl_device(text, "#", _vrp_acl_header, _vrp_inbound_acl, _vrp_ace)


# ---------------------------------------------------------------------------- FortiOS


@dataclass
class FortiNode:
    """One 'config' or 'edit' block: its settings and child blocks, in order."""

    settings: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, FortiNode] = field(default_factory=dict)
    line: int = 0


def parse_fortios_tree(text: str) -> FortiNode:
    root = FortiNode()
    stack: list[FortiNode] = [root]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise ParseError(number, str(exc)) from None
        head = words[0]
        if head in ("config", "edit"):
            key = f"{head} {' '.join(words[1:])}"
            node = stack[-1].children.setdefault(key, FortiNode(line=number))
            stack.append(node)
        elif head in ("next", "end"):
            if len(stack) == 1:
                raise ParseError(number, f"'{head}' without an open block")
            stack.pop()
        elif head == "set":
            stack[-1].settings[words[1]] = words[2:]
        elif head == "unset":
            stack[-1].settings.pop(words[1], None)
    return root


@dataclass
class FortiGate:
    """Interfaces, routes, objects and ordered policies of a FortiGate."""

    interfaces: dict[str, list[IPv4Network]] = field(default_factory=dict)
    routes: list[tuple[IPv4Network, str]] = field(default_factory=list)
    addresses: dict[str, list[Range]] = field(default_factory=dict)
    vips: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: list[Rule] = field(default_factory=list)


def _edits(node: FortiNode, path: str) -> list[tuple[str, FortiNode]]:
    block = node.children.get(f"config {path}")
    if block is None:
        return []
    return [(key[5:], child) for key, child in block.children.items() if key.startswith("edit ")]


def _forti_ranges(spec: list[str]) -> list[Range]:
    out = []
    for item in spec:
        dst = item.split(":", 1)[0]
        low, _, high = dst.partition("-")
        out.append((int(low), int(high or low)))
    return out


def parse_fortios(text: str) -> FortiGate:
    tree = parse_fortios_tree(text)
    fg = FortiGate()
    for name, node in _edits(tree, "system interface"):
        if node.settings.get("dedicated-to") == ["management"]:
            continue  # management-only port: not part of forwarding
        nets = []
        ip = node.settings.get("ip")
        if ip:
            nets.append(IPv4Interface(f"{ip[0]}/{ip[1]}").network)
        secondary = node.children.get("config secondaryip")
        if secondary is not None:
            for child in secondary.children.values():
                sip = child.settings.get("ip")
                if sip:
                    nets.append(IPv4Interface(f"{sip[0]}/{sip[1]}").network)
        fg.interfaces[name] = nets
    for _, node in _edits(tree, "router static"):
        device = node.settings.get("device", [""])[0]
        dst = node.settings.get("dst", ["0.0.0.0", "0.0.0.0"])
        fg.routes.append((IPv4Interface(f"{dst[0]}/{dst[1]}").network, device))
    for name, node in _edits(tree, "firewall address"):
        subnet = node.settings.get("subnet")
        if subnet:
            fg.addresses[name] = [net_range(IPv4Interface(f"{subnet[0]}/{subnet[1]}").network)]
    groups = dict(_edits(tree, "firewall addrgrp"))
    for name, node in _edits(tree, "firewall vip"):
        fg.vips[name] = {
            "mappedip": node.settings.get("mappedip", [""])[0],
            "extintf": node.settings.get("extintf", [""])[0],
            "portforward": node.settings.get("portforward") == ["enable"],
            "protocol": node.settings.get("protocol", ["tcp"])[0],
            "mappedport": node.settings.get("mappedport", [""])[0],
        }
    for name, node in _edits(tree, "firewall service custom"):
        fg.services[name] = {
            "protocol": node.settings.get("protocol", ["TCP/UDP/SCTP"])[0],
            "tcp": _forti_ranges(node.settings.get("tcp-portrange", [])),
            "udp": _forti_ranges(node.settings.get("udp-portrange", [])),
            "icmptype": node.settings.get("icmptype", [None])[0],
        }

    def resolve(names: list[str], seen: frozenset[str] = frozenset()) -> list[Range]:
        out: list[Range] = []
        for name in names:
            if name == "all":
                out.append(ANY_RANGE)
            elif name in fg.addresses:
                out.extend(fg.addresses[name])
            elif name in groups and name not in seen:
                out.extend(resolve(groups[name].settings.get("member", []), seen | {name}))
            elif name in fg.vips:
                mapped = int(IPv4Address(fg.vips[name]["mappedip"]))
                out.append((mapped, mapped))
        return out

    for key, node in _edits(tree, "firewall policy"):
        s = node.settings
        if s.get("status") == ["disable"]:
            continue
        rule = Rule(
            action="permit" if s.get("action") == ["accept"] else "deny",
            protocols=None,
            src=resolve(s.get("srcaddr", [])),
            dst=resolve(s.get("dstaddr", [])),
            line=node.line,
            text=f'policy {key} "{s.get("name", [""])[0]}"',
            name=s.get("name", [""])[0],
            extra={
                "srcintf": s.get("srcintf", []),
                "dstintf": s.get("dstintf", []),
                "services": s.get("service", []),
                "vips": [n for n in s.get("dstaddr", []) if n in fg.vips],
            },
        )
        fg.policies.append(rule)
    return fg


# ---------------------------------------------------------------------------- RouterOS


@dataclass
class RouterOs:
    address_lists: dict[str, list[Range]] = field(default_factory=dict)
    forward: list[Rule] = field(default_factory=list)


def _ros_args(line: str) -> dict[str, str]:
    args: dict[str, str] = {}
    for token in shlex.split(line)[1:]:
        key, sep, value = token.partition("=")
        if sep:
            args[key] = value
    return args


def _ros_ports(spec: str) -> list[Range]:
    out = []
    for part in spec.split(","):
        low, _, high = part.partition("-")
        out.append((int(low), int(high or low)))
    return out


_ROS_PROTOCOLS = {"tcp", "udp", "icmp"}


def parse_routeros(text: str) -> RouterOs:
    ros = RouterOs()
    menu = ""
    pending: list[tuple[int, str, dict[str, str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("/"):
            menu = re.sub(r"\s+", " ", line[1:].replace("/", " ")).strip()
            continue
        if not line.startswith("add "):
            continue
        args = _ros_args(line)
        if menu == "ip firewall address-list":
            net = IPv4Network(args["address"], strict=False)
            ros.address_lists.setdefault(args["list"], []).append(net_range(net))
        elif menu == "ip firewall filter" and args.get("chain") == "forward":
            pending.append((number, line, args))
    for number, line, args in pending:
        ros.forward.append(_ros_rule(ros, number, line, args))
    return ros


def _ros_list(ros: RouterOs, spec: str | None) -> tuple[list[Range], bool]:
    if not spec:
        return [ANY_RANGE], False
    negate = spec.startswith("!")
    name = spec[1:] if negate else spec
    return ros.address_lists.get(name, []), negate


def _ros_rule(ros: RouterOs, number: int, line: str, args: dict[str, str]) -> Rule:
    action = args.get("action", "accept")
    src, src_neg = _ros_list(ros, args.get("src-address-list"))
    dst, dst_neg = _ros_list(ros, args.get("dst-address-list"))
    if "src-address" in args:
        src = [net_range(IPv4Network(args["src-address"].lstrip("!"), strict=False))]
        src_neg = args["src-address"].startswith("!")
    if "dst-address" in args:
        dst = [net_range(IPv4Network(args["dst-address"].lstrip("!"), strict=False))]
        dst_neg = args["dst-address"].startswith("!")
    protocol = args.get("protocol")
    state = args.get("connection-state", "")
    icmp = None
    if protocol == "icmp" and "icmp-options" in args:
        icmp = frozenset({"echo"}) if args["icmp-options"].startswith("8") else frozenset()
    return Rule(
        action="permit"
        if action == "accept"
        else ("deny" if action in ("drop", "reject") else action),
        protocols=frozenset({protocol}) if protocol else None,
        src=src,
        dst=dst,
        src_negate=src_neg,
        dst_negate=dst_neg,
        dports=_ros_ports(args["dst-port"]) if "dst-port" in args else None,
        sports=_ros_ports(args["src-port"]) if "src-port" in args else None,
        icmp_types=icmp,
        state_only=bool(state) and "new" not in state.split(","),
        line=number,
        text=line,
        name=args.get("comment", ""),
        extra={
            "interfaces": bool(
                {"in-interface", "out-interface", "in-interface-list", "out-interface-list"}
                & set(args)
            )
        },
    )


__all__ = [
    "ALL_PORTS",
    "AclDevice",
    "FortiGate",
    "ParseError",
    "RouterOs",
    "parse_fortios",
    "parse_ios",
    "parse_routeros",
    "parse_vrp",
]
